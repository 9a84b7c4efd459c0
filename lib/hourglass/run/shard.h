// Sharding a plan for clusters: `--shard K/N` runs a deterministic share of
// the populations, never splitting one, balanced by an estimate of each
// population's cost. Slurm job arrays set SLURM_ARRAY_TASK_ID/_COUNT/_MIN,
// which stand in for --shard when it is not given.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hourglass/run/plan.h"
#include "hourglass/suite/suite.h"

namespace hg {

struct ShardSpec {
  int index = 0;  // K, 0-based
  int count = 1;  // N
  std::string str() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// Parses "K/N" with 0 <= K < N; throws InputError naming `flag` otherwise.
ShardSpec parse_shard(const std::string& text, const std::string& flag = "--shard");

// From SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN
// (default 0): K = ID - MIN, N = COUNT. nullopt when ID or COUNT is unset;
// InputError when they are inconsistent. `getenv` is injectable for tests.
std::optional<ShardSpec> shard_from_slurm(
    const std::function<const char*(const char*)>& getenv = [](const char* n) {
      return std::getenv(n);
    });

// A relative cost for one population: learner_cost (learners/learner.h) with
// the learner's declared LearnerInfo::cost (through the Catalog), the agent's
// resolved parameters, the population's budget and the suite's seeds. Only
// the ratios between populations matter.
double population_cost(const Suite& suite, const Population& population,
                       const Catalog& catalog);

// How long a population should take, up front, so that a suite far beyond
// what the user meant (gaussian-blobs with dim 4096 x 1000 classes, 1024
// seeds) is refused before training rather than found out hours later.
//
// A count of floating-point operations on one core, over all members:
//   data     (budget + eval_samples x scored splits) x d_in x d_out
//            + scored splits x 10^4 x d_in x d_out  (references computed by
//            sampling, as gaussian-blobs' Bayes accuracy)
//   train    6 x max_updates x min(batch_size, budget) x weights   (learners
//            with max_updates and batch_size: mlp, logistic, ...)
//            budget x width^2 + width^3                           (width: ridge)
//            2 x budget x weights                                 (others)
//   predict  2 x eval_samples x scored splits x weights
//            + eval_samples x scored splits x budget x d_in       (k: knn)
// with weights = the products of consecutive widths d_in, hidden..., d_out
// (d_in x width + width x d_out with `width`), d_in and d_out from the
// family's `dim` or `bits` and `classes` parameters when it has them, else
// from its train split built for one member (its TaskShape; an interactive
// family's observation size and actions), at kEstimateFlopsPerSecond.
// A rough guide (within 10x either way), not a promise. Issue 14 adds
// learner-declared costs: this is the one place to join them.
inline constexpr double kEstimateFlopsPerSecond = 2e9;
inline constexpr double kDefaultMaxPopulationSeconds = 3600;

struct PopulationEstimate {
  double seconds = 0;
  int64_t input_dim = 1, output_dim = 1;  // what the estimate assumed
};
// One estimate per population of `plan`, in plan order (each task's split is
// built once).
std::vector<PopulationEstimate> estimate_populations(const Suite& suite,
                                                     const std::vector<Population>& plan);
// "123 s", "2.5 min", "3.1 h", "4.2 days"
std::string human_seconds(double seconds);
// InputError naming every population whose estimate exceeds `max_seconds`
// (and the estimate), with how to raise the limit; `what` names the command.
void check_population_seconds(const Suite& suite, const std::vector<Population>& plan,
                              double max_seconds);

// The shard (0..count-1) of each population: longest-processing-time first
// (by cost, ties by plan order) to the shard with the least cost so far
// (ties: the lowest index). Deterministic; depends only on the plan.
std::vector<int> assign_shards(const std::vector<double>& costs, int count);

// The populations of `plan` in shard `spec`, in plan order.
std::vector<Population> select_shard(const Suite& suite, const std::vector<Population>& plan,
                                     const Catalog& catalog, const ShardSpec& spec);

}  // namespace hg
