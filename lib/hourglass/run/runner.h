// The runner: runs a plan's populations, each under the suite's protocol.
//
// run_population looks the suite's protocol up in the ProtocolRegistry
// (protocols/protocol.h) and hands it the population; the protocol trains and
// scores it through the phase engine (run/phase.h: budgets, timing, failure
// and divergence, paired evaluation draws). protocols/standard/standard.cpp
// documents the default protocol (train on `train`, score train, test and
// ood/*).
// A learner that throws makes its trials `failed` (with the message); a member
// whose loss or score is not finite is `diverged`. Either way the run goes on.
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
struct SealKey;             // run/seal.h

struct RunnerOptions {
  std::string device = "cpu";  // resolved: "cpu" or "cuda"
  int jobs = 1;
  int threads_per_job = 1;
  // Optional, one entry per plan entry: the counters its population's
  // training fills in as it goes (core/progress.h), for a progress bar.
  PopulationProgress* progress = nullptr;
  // The seal key for sealed splits (ProtocolRun::seal); null: none given.
  const SealKey* seal = nullptr;
};

// Trials of one population, seed index order. Never throws for a learner's
// failure (that is recorded); throws only for bugs in the harness.
// `seal`: see ProtocolRun::seal.
std::vector<TrialRecord> run_population(const Suite& suite, const Population& population,
                                        const std::string& device,
                                        const SealKey* seal = nullptr);

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
