// The runner: trains each population under its budget and scores it on every
// split.
//
// For one population the runner
//   1. builds the family's splits (train, test, ood/*) from the members'
//      instance seeds and the split parameters,
//   2. hands the learner a BudgetedSampler over `train` (the only data it can
//      reach; drawing past the budget throws BudgetExceeded, and a learner
//      that catches that and goes on still fails),
//   3. scores the learner on the samples it trained on (`train`), on
//      eval_samples fresh draws from the train distribution (`test`), and on
//      eval_samples draws from every OOD split,
//   4. normalizes each score with the split's per-member references.
// Splits with an ExamplePool (a finite table, see tasks/family.h) are drawn
// without replacement: the budget counts distinct items (a budget above the
// table fails the trials with a clear message), and `test` and OOD splits are
// scored only on items the member was not handed, up to eval_samples of them
// (a split with none left is not scored).
// A learner that throws makes its trials `failed` (with the message); a member
// whose loss or score is not finite is `diverged`. Either way the run goes on.
//
// Under protocol: transfer or continual, run_population hands the population
// to run_protocol_population (protocols/protocols.h).
//
// Independent populations run in parallel on `jobs` threads, each with
// `threads_per_job` intra-op threads; results are identical whatever `jobs`
// (each population is computed alone, seeded by name).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "hourglass/results/results.h"
#include "hourglass/run/plan.h"
#include "hourglass/suite/suite.h"

namespace hg {

struct PopulationProgress;  // core/progress.h

struct RunnerOptions {
  std::string device = "cpu";  // resolved: "cpu" or "cuda"
  int jobs = 1;
  int threads_per_job = 1;
  // Optional, one entry per plan entry: the counters its population's
  // training fills in as it goes (core/progress.h), for a progress bar.
  PopulationProgress* progress = nullptr;
};

// Trials of the population with names, budget and seeds filled in, nothing
// run yet (the runner's and the protocols' starting point).
std::vector<TrialRecord> blank_trials(const Suite& suite, const Population& population);

// Trials of one population, seed index order. Never throws for a learner's
// failure (that is recorded); throws only for bugs in the harness.
std::vector<TrialRecord> run_population(const Suite& suite, const Population& population,
                                        const std::string& device);

// Runs `plan` (skipping nothing: resume filters the plan before), calling
// `on_done(index, trials)` from the worker thread, serialized by a mutex, as
// each population finishes, and returns all trials in plan order.
// `stop` is polled between populations: when it returns true no new
// population starts and the call returns what finished.
std::vector<TrialRecord> run_plan(
    const Suite& suite, const std::vector<Population>& plan, const RunnerOptions& options,
    const std::function<void(size_t, const std::vector<TrialRecord>&)>& on_done,
    const std::function<bool()>& stop = [] { return false; });

}  // namespace hg
