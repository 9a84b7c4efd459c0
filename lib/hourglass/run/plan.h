// Expansion of a Suite into a Plan of populations, and the Catalog of the
// registered families and learners that the suite loader checks against.
//
// A population is one (task, agent, budget): its `seeds` members are trained
// side by side. Seeds are derived from names, never from order:
//   trial seed    = derive_seed(suite seed, task, agent, budget, seed index)
//   instance seed = derive_seed(suite seed, task, "", 0, seed index)
// so seed index i of every agent and budget meets the same hidden instance
// (common random numbers: comparisons across agents and budgets are paired).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hourglass/suite/suite.h"

namespace hg {

// From the family and learner registries.
Catalog registered_catalog();

struct Population {
  size_t task = 0;   // index into Suite::tasks
  size_t agent = 0;  // index into Suite::agents
  int64_t budget = 0;
  std::vector<uint64_t> trial_seeds;     // one per member
  std::vector<uint64_t> instance_seeds;  // one per member
  std::string key;  // "task/agent/budget": stable identity in journals and shards
};

struct PlanFilter {
  std::string tasks;   // ECMAScript regex, must match the whole task name; "" = all
  std::string agents;  // same for agent names
};

// Populations in suite order: tasks, then agents, then budgets ascending.
// Throws InputError for a bad regex or a filter that selects nothing.
std::vector<Population> expand(const Suite& suite, const PlanFilter& filter = {});

// The suite as it will run: every common key and, per task and split, every
// family parameter resolved (defaults filled), per agent every learner
// parameter. Canonical: equal suites give byte-equal dumps.
nlohmann::json resolved_config(const Suite& suite, const Catalog& catalog);
// sha256 of resolved_config(...).dump().
std::string suite_sha256(const nlohmann::json& resolved_config);

}  // namespace hg
