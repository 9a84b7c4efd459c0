// A progress bar with ETA on stderr, drawn only when stderr is a terminal.
// Work is weighted (a population's weight is its budget x seeds), so the ETA
// follows the cost rather than the count of populations.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace hg::cli {

class ProgressBar {
 public:
  ProgressBar(size_t total_items, double total_weight, bool enabled);
  // Marks one item of `weight` done; `label` names it.
  void advance(double weight, const std::string& label);
  // Clears the bar.
  void finish();

 private:
  void draw(const std::string& label);
  size_t total_items_, done_items_ = 0;
  double total_weight_, done_weight_ = 0.0;
  bool enabled_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace hg::cli
