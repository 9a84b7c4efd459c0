// Progress inside a population while it trains, for `hourglass run`'s bar.
//
// Who writes what: run_plan (run/runner.cpp) points the worker thread's
// current_population_progress() at the entry of the population it trains;
// the runner's BudgetedSampler and BudgetedEnvironment add what they hand
// out (samples or environment steps per member) and every learner's
// divergence check (mark_diverged_members, learners/learner.h) records the
// update it has reached. The progress bar reads the counters from another
// thread, hence the atomics. Nothing here changes what is trained.
#pragma once

#include <atomic>
#include <cstdint>

namespace hg {

struct PopulationProgress {
  std::atomic<int64_t> samples{0};  // per member: samples drawn or environment steps taken
  std::atomic<int64_t> draws{0};    // how many draws or steps handed them out
  std::atomic<int64_t> updates{0};  // the last update the learner reported
  std::atomic<bool> running{false};
};

// The entry of the population this thread trains now (nullptr: none).
PopulationProgress*& current_population_progress();

// Counts n samples (or steps) per member handed out in one draw.
inline void count_samples(int64_t n) {
  if (PopulationProgress* p = current_population_progress()) {
    p->samples.fetch_add(n, std::memory_order_relaxed);
    p->draws.fetch_add(1, std::memory_order_relaxed);
  }
}

// Records that the learner has reached update `update`.
inline void count_update(int64_t update) {
  if (PopulationProgress* p = current_population_progress())
    p->updates.store(update, std::memory_order_relaxed);
}

// Sets the thread's entry for its lifetime (run_plan, around one population).
class ScopedPopulationProgress {
 public:
  explicit ScopedPopulationProgress(PopulationProgress* progress)
      : previous_(current_population_progress()) {
    current_population_progress() = progress;
    if (progress) progress->running = true;
  }
  ~ScopedPopulationProgress() {
    if (PopulationProgress* p = current_population_progress()) p->running = false;
    current_population_progress() = previous_;
  }
  ScopedPopulationProgress(const ScopedPopulationProgress&) = delete;
  ScopedPopulationProgress& operator=(const ScopedPopulationProgress&) = delete;

 private:
  PopulationProgress* previous_;
};

// The share of a population's training done, in [0, 1], from its counters:
// s = samples / budget and, when the learner has a cap on updates
// (max_updates > 0), u = updates / max_updates. A learner that drew its whole
// budget in one draw (most supervised learners) then trains on it: u. One
// that draws as it trains (the interactive ones) stops at whichever runs
// out first: max(s, u). Without a cap: s. A budget of 0 counts as done.
double training_fraction(int64_t samples, int64_t draws, int64_t updates, int64_t budget,
                         int64_t max_updates);

}  // namespace hg
