#include "hourglass/run/plan.h"

#include <regex>

#include "hourglass/core/random.h"
#include "hourglass/core/sha256.h"
#include "hourglass/learners/learner.h"
#include "hourglass/results/results.h"
#include "hourglass/run/protocol.h"
#include "hourglass/tasks/family.h"
#include "hourglass/tasks/interactive.h"

namespace hg {

namespace {

// The shape of a task whose training split has these resolved parameters, as
// a learner sees it (interactive: kind kInteractive, input_dim the
// observation size, output_dim the number of actions); nullopt for an
// unregistered family or one that cannot build the split (the run reports
// that).
std::optional<TaskShape> task_shape(const std::string& family_name, const Params& train) {
  const FamilyInfo* family = FamilyRegistry::instance().find(family_name);
  if (!family) return std::nullopt;
  try {
    if (family->kind == TaskKind::kInteractive) {
      const auto env = family->make_environment(train, {0}, 1);
      const EnvSpec spec = env->spec();
      return TaskShape{TaskKind::kInteractive, spec.obs_dim, spec.num_actions, 0};
    }
    return family->make_split(train, {0})->shape();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

Catalog registered_catalog() {
  Catalog catalog;
  for (const auto& [name, info] : FamilyRegistry::instance().entries()) {
    catalog.families[name] = {
        info.params, to_string(info.kind), {}, info.check_split, info.max_budget};
    catalog.families[name].images = info.image_inputs;
  }
  for (const auto& [name, info] : LearnerRegistry::instance().entries()) {
    Catalog::Component c{info.params, "", {}, {}, {}};
    for (auto k : info.kinds) c.kinds.push_back(to_string(k));
    c.can_continue = info.can_continue;
    c.cost = info.cost;
    c.images = info.images_only;
    if (info.check_task)
      c.check_task = [check = info.check_task](const Params& agent, const std::string& task,
                                               const std::string& family,
                                               const Params& train) -> std::optional<ParamProblem> {
        const auto shape = task_shape(family, train);
        if (!shape) return std::nullopt;  // the family cannot build it: the run reports that
        return check(agent, *shape, task);
      };
    catalog.learners[name] = std::move(c);
  }
  for (const auto& [name, info] : ProtocolRegistry::instance().entries())
    catalog.protocols[name] = &info;
  return catalog;
}

namespace {

std::regex compile(const std::string& pattern, const char* flag) {
  try {
    return std::regex(pattern.empty() ? ".*" : pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw InputError(std::string(flag) + ": invalid regular expression '" + pattern +
                     "': " + e.what());
  }
}

}  // namespace

std::vector<Population> expand(const Suite& suite, const PlanFilter& filter) {
  const auto task_re = compile(filter.tasks, "--tasks");
  const auto agent_re = compile(filter.agents, "--agents");
  std::vector<Population> plan;
  for (size_t t = 0; t < suite.tasks.size(); ++t) {
    const auto& task = suite.tasks[t].name;
    if (!std::regex_match(task, task_re)) continue;
    for (size_t a = 0; a < suite.agents.size(); ++a) {
      const auto& agent = suite.agents[a].name;
      if (!std::regex_match(agent, agent_re) || !suite.agents[a].runs_on(task)) continue;
      for (int64_t budget : suite.budgets) {
        Population p;
        p.task = t;
        p.agent = a;
        p.budget = budget;
        for (int64_t i = 0; i < suite.seeds; ++i) {
          // A sweep's configurations share their draws (AgentSpec::seed_name).
          p.trial_seeds.push_back(
              derive_seed(suite.seed, task, suite.agents[a].seed_name(), budget, i));
          p.instance_seeds.push_back(derive_seed(suite.seed, task, "", 0, i));
        }
        p.key = population_key(task, agent, budget);
        plan.push_back(std::move(p));
      }
    }
  }
  if (plan.empty())
    throw InputError("no population matches --tasks '" + filter.tasks + "' and --agents '" +
                     filter.agents + "'");
  return plan;
}

namespace {

nlohmann::json params_json(const Params& params) {
  nlohmann::json j = nlohmann::json::object();
  // Not a structured binding: C++17 lets no lambda capture one (GCC
  // accepts it, clang refuses it; clang-tidy found it).
  for (const auto& entry : params.values()) {
    std::visit([&](const auto& v) { j[entry.first] = v; }, entry.second);
  }
  return j;
}

}  // namespace

nlohmann::json resolved_config(const Suite& suite, const Catalog& catalog) {
  const ProtocolInfo& protocol =
      suite.protocol.empty() ? default_protocol() : find_protocol(suite.protocol);
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& task : suite.tasks) {
    const auto& specs = catalog.families.at(task.family).params;
    const SplitResolver resolve = [&](const std::vector<const ParamMap*>& layers) {
      std::vector<const ParamMap*> all{&task.params};
      all.insert(all.end(), layers.begin(), layers.end());
      return params_json(resolve_params(specs, all));
    };
    nlohmann::json entry = {{"name", task.name}, {"family", task.family}};
    if (protocol.task_config) protocol.task_config(task, resolve, entry);
    tasks.push_back(entry);
  }
  nlohmann::json agents = nlohmann::json::array();
  for (const auto& agent : suite.agents) {
    const auto& specs = catalog.learners.at(agent.learner).params;
    agents.push_back({{"name", agent.name},
                      {"learner", agent.learner},
                      {"params", params_json(resolve_params(specs, {&agent.params}))}});
    // Only when written: other suites' configs (and sha256) are unchanged.
    if (!agent.tasks.empty()) agents.back()["tasks"] = agent.tasks;
    if (!agent.sweep.empty()) {  // a sweep's configuration (report/selection.h reads these)
      agents.back()["sweep"] = agent.sweep;
      agents.back()["configuration"] = agent.configuration_text();
      agents.back()["selection"] = agent.selection;
      if (agent.selection == "validation")
        agents.back()["validation_fraction"] = agent.validation_fraction;
      if (agent.refit) agents.back()["refit"] = true;
    }
  }
  nlohmann::json config = {{"suite", suite.name},
                           {"version", suite.version},
                           {"seed", suite.seed},
                           {"seeds", suite.seeds},
                           {"budgets", suite.budgets},
                           {"eval_samples", suite.eval_samples},
                           {"tasks", tasks},
                           {"agents", agents}};
  // Only written for the other protocols: a default-protocol suite's config
  // (and its sha256) is what it was before protocols existed.
  if (!protocol.is_default) config["protocol"] = protocol.name;
  // Only when written, likewise: the report's practice-multiplier reference.
  if (!suite.reference.empty()) config["reference"] = suite.reference;
  if (protocol.suite_config) protocol.suite_config(suite, config);
  return config;
}

std::string suite_sha256(const nlohmann::json& config) { return sha256_hex(config.dump()); }

}  // namespace hg
