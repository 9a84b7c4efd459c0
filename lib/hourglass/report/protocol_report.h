// Helpers for a protocol's own report (run/protocol.h: report_rows and
// report_sections; protocols/transfer/transfer_report.cpp and
// protocols/continual/continual_report.cpp use them). No LibTorch here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "hourglass/report/report.h"
#include "hourglass/report/text_report.h"

namespace hg::report {

using PopulationKey = std::tuple<std::string, std::string, int64_t>;  // task, agent, budget

// The trials of each population, in the order they first appear.
std::vector<std::pair<PopulationKey, std::vector<const TrialRecord*>>> by_population(
    const std::vector<TrialRecord>& trials);

// The normalized score of `split` when the trial is usable there
// (usable_score, results/results.h).
std::optional<double> usable(const TrialRecord& t, const std::string& split);

// Mean [95% bootstrap CI] of `values` with `reps` replicates seeded by `key`;
// NaN when empty.
Estimate mean_ci(const std::vector<double>& values, int reps, const std::string& key);

// "task/agent/budget".
std::string population_label(const PopulationKey& key);

}  // namespace hg::report
