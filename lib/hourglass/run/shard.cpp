#include "hourglass/run/shard.h"

#include <algorithm>
#include <cstdlib>
#include <numeric>

#include "hourglass/core/error.h"
#include "hourglass/learners/learner.h"

namespace hg {
namespace {

bool parse_int(const std::string& s, int64_t* out) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  *out = std::stoll(s);
  return true;
}

}  // namespace

ShardSpec parse_shard(const std::string& text, const std::string& flag) {
  const auto slash = text.find('/');
  int64_t k = 0, n = 0;
  if (slash == std::string::npos || !parse_int(text.substr(0, slash), &k) ||
      !parse_int(text.substr(slash + 1), &n))
    throw InputError(flag + ": expected K/N (for example 0/4), got '" + text + "'");
  if (n < 1 || k >= n)
    throw InputError(flag + ": expected 0 <= K < N, got '" + text + "'");
  return {static_cast<int>(k), static_cast<int>(n)};
}

std::optional<ShardSpec> shard_from_slurm(const std::function<const char*(const char*)>& getenv) {
  const char* id = getenv("SLURM_ARRAY_TASK_ID");
  const char* count = getenv("SLURM_ARRAY_TASK_COUNT");
  if (!id || !count) return std::nullopt;
  const char* min = getenv("SLURM_ARRAY_TASK_MIN");
  int64_t i = 0, n = 0, m = 0;
  if (!parse_int(id, &i) || !parse_int(count, &n) || (min && !parse_int(min, &m)))
    throw InputError("SLURM_ARRAY_TASK_ID/COUNT/MIN are not non-negative integers");
  if (i < m || n < 1 || i - m >= n)
    throw InputError("SLURM_ARRAY_TASK_ID=" + std::string(id) + " does not fit an array of " +
                     std::string(count) + " tasks starting at " + std::to_string(m) +
                     "; pass --shard K/N explicitly");
  return ShardSpec{static_cast<int>(i - m), static_cast<int>(n)};
}

double population_cost(const Suite& suite, const Population& population,
                       const Catalog& catalog) {
  const AgentSpec& agent = suite.agents.at(population.agent);
  const Catalog::Component& learner = catalog.learners.at(agent.learner);
  return learner_cost(learner.cost, resolve_params(learner.params, {&agent.params}),
                      population.budget, suite.seeds);
}

std::vector<int> assign_shards(const std::vector<double>& costs, int count) {
  std::vector<size_t> order(costs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return costs[a] > costs[b]; });
  std::vector<double> load(static_cast<size_t>(count), 0.0);
  std::vector<int> shard(costs.size(), 0);
  for (size_t i : order) {
    const auto lightest = std::min_element(load.begin(), load.end()) - load.begin();
    shard[i] = static_cast<int>(lightest);
    load[static_cast<size_t>(lightest)] += costs[i];
  }
  return shard;
}

std::vector<Population> select_shard(const Suite& suite, const std::vector<Population>& plan,
                                     const Catalog& catalog, const ShardSpec& spec) {
  std::vector<double> costs;
  for (const auto& p : plan) costs.push_back(population_cost(suite, p, catalog));
  const auto shard = assign_shards(costs, spec.count);
  std::vector<Population> out;
  for (size_t i = 0; i < plan.size(); ++i)
    if (shard[i] == spec.index) out.push_back(plan[i]);
  return out;
}

}  // namespace hg
