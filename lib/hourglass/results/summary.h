// Per-population summaries of a set of trials: for each (task, agent, budget,
// split), the mean normalized score over the population's ok trials with a
// seeded 95% percentile bootstrap interval over seeds, and its standard deviation. No LibTorch here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hourglass/results/results.h"

namespace hg {

struct PopulationSummary {
  std::string task;
  std::string agent;
  int64_t budget = 0;
  std::string split;
  int64_t trials = 0;      // all trials of the population
  int64_t ok = 0;          // trials with status ok and a finite normalized score
  int64_t diverged = 0;    // trials with status diverged (failed = trials - ok - diverged)
  double mean = 0.0;       // mean normalized score over ok trials (NaN when ok == 0)
  double std = 0.0;        // their sample standard deviation (n - 1; 0 for one trial)
  double lo = 0.0, hi = 0.0;  // 95% bootstrap interval
  double raw_mean = 0.0;   // mean raw score over ok trials
  uint64_t seed = 0;       // the seed of the bootstrap interval
};

// Replicates of every bootstrap interval unless --bootstrap says otherwise
// (rliable uses 50,000; docs/metrics.md gives the cost of the report).
inline constexpr int kDefaultBootstrapReps = 10000;

// In the order the trials first name them (task, agent, budget, then split).
// The bootstrap seed of each row is stable_hash("task/agent/budget/split").
std::vector<PopulationSummary> summarize(const std::vector<TrialRecord>& trials,
                                         int bootstrap_reps = kDefaultBootstrapReps);

nlohmann::json to_json(const PopulationSummary& s);

}  // namespace hg
