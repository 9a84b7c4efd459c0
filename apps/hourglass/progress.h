// A progress bar with ETA on stderr, drawn only when stderr is a terminal.
// Work is weighted (a population's weight is its budget x seeds), so the ETA
// follows the cost rather than the count of populations, and the populations
// in flight count with the share of their training done so far (samples or
// updates, core/progress.h), redrawn twice a second: a suite of one long
// population moves too.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hourglass/core/progress.h"

namespace hg::cli {

class ProgressBar {
 public:
  struct Item {
    std::string label;        // the population's key
    double weight = 0.0;      // budget x seeds
    int64_t budget = 0;       // samples (or steps) per member
    int64_t max_updates = 0;  // the learner's cap on updates; 0 when it has none
  };
  // `progress`: one entry per item, filled by the runner (may be nullptr).
  ProgressBar(std::vector<Item> items, const PopulationProgress* progress, bool enabled);
  ~ProgressBar();
  // Marks item `index` done.
  void advance(size_t index);
  // Stops redrawing and clears the bar.
  void finish();

 private:
  void draw();  // with mutex_ held
  std::vector<Item> items_;
  const PopulationProgress* progress_;
  std::vector<bool> finished_;
  size_t done_items_ = 0;
  double total_weight_ = 0.0, done_weight_ = 0.0;
  bool enabled_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread ticker_;
};

}  // namespace hg::cli
