#include "progress.h"

#include <cstdio>

namespace hg::cli {

ProgressBar::ProgressBar(size_t total_items, double total_weight, bool enabled)
    : total_items_(total_items), total_weight_(total_weight), enabled_(enabled),
      start_(std::chrono::steady_clock::now()) {
  if (enabled_) draw("");
}

void ProgressBar::advance(double weight, const std::string& label) {
  ++done_items_;
  done_weight_ += weight;
  if (enabled_) draw(label);
}

void ProgressBar::finish() {
  if (enabled_) std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

void ProgressBar::draw(const std::string& label) {
  constexpr int kWidth = 30;
  const double fraction = total_weight_ > 0 ? done_weight_ / total_weight_ : 1.0;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, ' ');
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string eta = "--:--";
  if (fraction > 0 && fraction < 1) {
    const int left = static_cast<int>(elapsed * (1 - fraction) / fraction);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%d:%02d", left / 60, left % 60);
    eta = buf;
  } else if (fraction >= 1) {
    eta = "0:00";
  }
  std::fprintf(stderr, "\r\033[K[%s] %zu/%zu populations %3d%%  ETA %s  %s", bar.c_str(),
               done_items_, total_items_, static_cast<int>(fraction * 100), eta.c_str(),
               label.substr(0, 40).c_str());
  std::fflush(stderr);
}

}  // namespace hg::cli
