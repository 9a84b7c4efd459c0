#include "progress.h"

#include <cstdio>

namespace hg::cli {

ProgressBar::ProgressBar(std::vector<Item> items, const PopulationProgress* progress,
                         bool enabled)
    : items_(std::move(items)),
      progress_(progress),
      finished_(items_.size(), false),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()) {
  for (const auto& item : items_) total_weight_ += item.weight;
  if (!enabled_) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    draw();
  }
  ticker_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stop_; }))
      draw();
  });
}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::advance(size_t index) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (index >= items_.size() || finished_[index]) return;
  finished_[index] = true;
  ++done_items_;
  done_weight_ += items_[index].weight;
  if (enabled_ && !stop_) draw();
}

void ProgressBar::finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stop_) return;
    stop_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  if (enabled_) std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

void ProgressBar::draw() {
  // The finished populations, plus the share done of those in flight.
  double weight = done_weight_;
  std::string running;
  if (progress_) {
    for (size_t i = 0; i < items_.size(); ++i) {
      const PopulationProgress& p = progress_[i];
      if (finished_[i] || !p.running) continue;
      const Item& item = items_[i];
      const int64_t samples = p.samples.load(std::memory_order_relaxed);
      const int64_t updates = p.updates.load(std::memory_order_relaxed);
      weight += item.weight * training_fraction(samples, p.draws.load(std::memory_order_relaxed),
                                                updates, item.budget, item.max_updates);
      if (running.empty()) {
        running = item.label.substr(0, 40) + ": " +
                  std::to_string(std::min(samples, item.budget)) + "/" +
                  std::to_string(item.budget) + " samples";
        if (item.max_updates > 0)
          running += ", " + std::to_string(updates) + "/" + std::to_string(item.max_updates) +
                     " updates";
      }
    }
  }
  constexpr int kWidth = 30;
  const double fraction = total_weight_ > 0 ? std::min(1.0, weight / total_weight_) : 1.0;
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
               done_items_, items_.size(), static_cast<int>(fraction * 100), eta.c_str(),
               running.c_str());
  std::fflush(stderr);
}

}  // namespace hg::cli
