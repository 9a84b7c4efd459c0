#include "hourglass/run/shard.h"

#include <algorithm>
#include <cstdlib>
#include <numeric>

#include <cmath>
#include <cstdio>
#include <map>

#include "hourglass/core/error.h"
#include "hourglass/learners/learner.h"
#include "hourglass/tasks/family.h"
#include "hourglass/tasks/interactive.h"

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

namespace {

// Samples a family may draw per member and split for its references
// (gaussian-blobs' Bayes accuracy by Monte Carlo).
constexpr double kReferenceSamples = 1e4;

// d_in and d_out of a task's train split: its `dim` or `bits` and `classes`
// parameters, else the split built for one member.
std::pair<int64_t, int64_t> task_dims(const Suite& suite, const TaskSpec& task) {
  const FamilyInfo* family = FamilyRegistry::instance().find(task.family);
  if (!family) return {1, 1};
  const Params params = resolve_params(family->params, {&task.params, &task.train});
  // From the parameters when they say it: building a split can itself take
  // minutes (gaussian-blobs computes its Bayes accuracy by sampling).
  for (const char* input : {"dim", "bits"})
    if (params.has(input))
      return {params.integer(input), params.has("classes") ? params.integer("classes") : 1};
  const std::vector<uint64_t> one = {suite.seed};
  try {
    if (family->make_split) {
      const TaskShape shape = family->make_split(params, one)->shape();
      return {shape.input_dim, shape.output_dim};
    }
    if (family->make_environment) {
      const EnvSpec spec = family->make_environment(params, one, 1)->spec();
      return {spec.obs_dim, spec.num_actions};
    }
  } catch (const std::exception&) {
    // A split that cannot be built fails the run later with its own message.
  }
  return {1, 1};
}

double population_flops(const Suite& suite, const Population& population, int64_t d_in,
                        int64_t d_out) {
  const AgentSpec& agent = suite.agents.at(population.agent);
  const LearnerInfo* learner = LearnerRegistry::instance().find(agent.learner);
  const Params p = learner ? resolve_params(learner->params, {&agent.params}) : Params{};
  const double budget = static_cast<double>(population.budget);
  const double in = static_cast<double>(d_in), out = static_cast<double>(d_out);
  const double scored = static_cast<double>(suite.eval_samples) *
                        static_cast<double>(2 + suite.tasks.at(population.task).ood.size());
  double weights = in * out;
  double width = 0;
  if (p.has("hidden")) {
    double prev = in;
    weights = 0;
    for (auto h : p.int_list("hidden")) {
      weights += prev * static_cast<double>(h);
      prev = static_cast<double>(h);
    }
    weights += prev * out;
  } else if (p.has("width")) {
    width = static_cast<double>(p.integer("width"));
    weights = in * width + width * out;
  }
  double train = 2 * budget * weights;
  if (p.has("max_updates") && p.has("batch_size"))
    train = 6 * static_cast<double>(p.integer("max_updates")) *
            std::min(static_cast<double>(p.integer("batch_size")), budget) * weights;
  else if (width > 0)
    train = budget * width * width + width * width * width;
  double predict = 2 * scored * weights;
  if (p.has("k")) predict += scored * budget * in;
  const double splits = static_cast<double>(2 + suite.tasks.at(population.task).ood.size());
  const double data = (budget + scored) * in * out + splits * kReferenceSamples * in * out;
  return static_cast<double>(population.trial_seeds.size()) * (data + train + predict);
}

}  // namespace

std::vector<PopulationEstimate> estimate_populations(const Suite& suite,
                                                     const std::vector<Population>& plan) {
  std::map<size_t, std::pair<int64_t, int64_t>> dims;
  std::vector<PopulationEstimate> out;
  for (const auto& population : plan) {
    auto it = dims.find(population.task);
    if (it == dims.end())
      it = dims.emplace(population.task, task_dims(suite, suite.tasks.at(population.task))).first;
    const auto [in, out_dim] = it->second;
    out.push_back({population_flops(suite, population, in, out_dim) / kEstimateFlopsPerSecond, in,
                   out_dim});
  }
  return out;
}

std::string human_seconds(double seconds) {
  char buf[64];
  if (seconds < 120)
    std::snprintf(buf, sizeof buf, "%.0f s", seconds);
  else if (seconds < 7200)
    std::snprintf(buf, sizeof buf, "%.1f min", seconds / 60);
  else if (seconds < 2 * 86400)
    std::snprintf(buf, sizeof buf, "%.1f h", seconds / 3600);
  else
    std::snprintf(buf, sizeof buf, "%.3g days", seconds / 86400);
  return buf;
}

void check_population_seconds(const Suite& suite, const std::vector<Population>& plan,
                              double max_seconds) {
  const auto estimates = estimate_populations(suite, plan);
  std::string over;
  size_t count = 0;
  const Population* first = nullptr;
  for (size_t i = 0; i < plan.size(); ++i) {
    if (estimates[i].seconds <= max_seconds) continue;
    if (!first) first = &plan[i];
    if (++count <= 5)
      over += std::string(count > 1 ? ";" : "") + " population " + plan[i].key + " (" + std::to_string(plan[i].trial_seeds.size()) +
              " seed(s), " + std::to_string(estimates[i].input_dim) + " input(s), " +
              std::to_string(estimates[i].output_dim) + " output(s)): about " +
              human_seconds(estimates[i].seconds);
  }
  if (!first) return;
  if (count > 5) over += "; and " + std::to_string(count - 5) + " more";
  throw InputError(suite.tasks.at(first->task).where,
                   std::to_string(count) + " population(s) estimated to take longer than "
                   "--max-population-seconds (" + human_seconds(max_seconds) +
                   ") on one core:" + over +
                   "; raise the limit with --max-population-seconds SECONDS if that is meant");
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
  costs.reserve(plan.size());
  for (const auto& p : plan) costs.push_back(population_cost(suite, p, catalog));
  const auto shard = assign_shards(costs, spec.count);
  std::vector<Population> out;
  for (size_t i = 0; i < plan.size(); ++i)
    if (shard[i] == spec.index) out.push_back(plan[i]);
  return out;
}

}  // namespace hg
