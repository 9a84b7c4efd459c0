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

// The shard (0..count-1) of each population: longest-processing-time first
// (by cost, ties by plan order) to the shard with the least cost so far
// (ties: the lowest index). Deterministic; depends only on the plan.
std::vector<int> assign_shards(const std::vector<double>& costs, int count);

// The populations of `plan` in shard `spec`, in plan order.
std::vector<Population> select_shard(const Suite& suite, const std::vector<Population>& plan,
                                     const Catalog& catalog, const ShardSpec& spec);

}  // namespace hg
