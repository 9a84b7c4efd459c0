#include "hourglass/report/selection.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <tuple>

#include "hourglass/core/error.h"
#include "hourglass/results/split_names.h"

namespace hg {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string text_field(const nlohmann::json& entry, const char* key, const std::string& agent) {
  auto it = entry.find(key);
  if (it == entry.end() || !it->is_string())
    throw InputError("suite.config.agents: agent '" + agent + "' is a sweep's configuration " +
                     "without a string '" + key + "'");
  return it->get<std::string>();
}

// Mean of the usable normalized scores of `split` over `trials` (NaN: none), and their count.
std::pair<double, int> mean_of(const std::vector<const TrialRecord*>& trials,
                               const std::string& split) {
  double sum = 0.0;
  int n = 0;
  for (const TrialRecord* t : trials)
    if (const SplitScore* s = t->find_split(split); s && usable_score(*t, *s)) {
      sum += s->normalized;
      ++n;
    }
  return {n ? sum / n : kNaN, n};
}

double mean_updates(const std::vector<const TrialRecord*>& trials) {
  double sum = 0.0;
  int n = 0;
  for (const TrialRecord* t : trials)
    if (t->status == TrialStatus::kOk) {
      sum += static_cast<double>(t->updates);
      ++n;
    }
  return n ? sum / n : kNaN;
}

// The index of the highest value (the first on ties); -1 when every value is NaN.
int argmax(const std::vector<double>& values) {
  int best = -1;
  for (size_t i = 0; i < values.size(); ++i)
    if (!std::isnan(values[i]) && (best < 0 || values[i] > values[static_cast<size_t>(best)]))
      best = static_cast<int>(i);
  return best;
}

}  // namespace

std::map<std::string, SweepMember> sweep_members(const std::vector<nlohmann::json>& configs) {
  std::map<std::string, SweepMember> members;
  for (const auto& config : configs) {
    auto agents = config.find("agents");
    if (agents == config.end() || !agents->is_array()) continue;
    for (const auto& entry : *agents) {
      if (!entry.is_object() || !entry.contains("sweep")) continue;
      auto name = entry.find("name");
      if (name == entry.end() || !name->is_string()) continue;
      const std::string agent = name->get<std::string>();
      SweepMember m{text_field(entry, "sweep", agent), text_field(entry, "configuration", agent),
                    text_field(entry, "selection", agent)};
      if (auto refit = entry.find("refit"); refit != entry.end() && refit->is_boolean())
        m.refit = refit->get<bool>();
      if (m.selection != "validation" && m.selection != "oracle")
        throw InputError("suite.config.agents: agent '" + agent + "' has selection '" +
                         m.selection + "' (expected validation or oracle)");
      auto [it, fresh] = members.emplace(agent, m);
      if (!fresh && (it->second.sweep != m.sweep || it->second.selection != m.selection ||
                     it->second.configuration != m.configuration))
        throw InputError("suite.config.agents: agent '" + agent +
                         "' is a different sweep configuration in two results files");
    }
  }
  return members;
}

std::string selected_agent_name(const std::string& sweep, const std::string& selection) {
  return selection == "oracle" ? sweep + " (oracle)" : sweep;
}

Selection select_configurations(const std::vector<TrialRecord>& trials,
                                const std::map<std::string, SweepMember>& members) {
  Selection out;
  // Per (task, sweep, budget): its configurations' agents in order of first
  // appearance, and each one's trials.
  using Key = std::tuple<std::string, std::string, int64_t>;
  std::vector<Key> keys;
  std::map<Key, std::vector<std::string>> agents;
  std::map<std::pair<Key, std::string>, std::vector<const TrialRecord*>> by_agent;
  // Where each group's selected trials go among the ordinary ones: at its
  // first trial, so the tables keep the suite's agent order.
  std::map<Key, size_t> slot;
  for (const auto& t : trials) {
    auto m = members.find(t.agent);
    if (m == members.end()) {
      out.trials.push_back(t);
      continue;
    }
    const Key key{t.task, m->second.sweep, t.budget};
    if (!agents.count(key)) {
      keys.push_back(key);
      slot[key] = out.trials.size();
    }
    auto& list = agents[key];
    if (std::find(list.begin(), list.end(), t.agent) == list.end()) list.push_back(t.agent);
    by_agent[{key, t.agent}].push_back(&t);
    out.configuration_trials.push_back(t);
  }
  // Selected trials, inserted at their slots (from the back: earlier slots stay valid).
  std::vector<std::pair<size_t, std::vector<TrialRecord>>> inserts;
  for (const auto& key : keys) {
    const auto& [task, sweep, budget] = key;
    const auto& list = agents[key];
    const std::string selection = members.at(list.front()).selection;
    std::vector<double> validation, test;
    for (const auto& agent : list) {
      const auto& ts = by_agent[{key, agent}];
      const auto [v, nv] = mean_of(ts, kValidationSplit);
      const auto [x, n] = mean_of(ts, kTestSplit);
      validation.push_back(v);
      test.push_back(x);
      SweepConfigurationRow row;
      row.task = task;
      row.sweep = sweep;
      row.budget = budget;
      row.configuration = members.at(agent).configuration;
      row.agent = agent;
      row.n = n;
      row.validation = v;
      row.test = x;
      row.updates = mean_updates(ts);
      out.configurations.push_back(row);
    }
    const int chosen = argmax(selection == "oracle" ? test : validation);
    const int oracle = argmax(test);
    const size_t first_row = out.configurations.size() - list.size();
    SelectionRow row;
    row.task = task;
    row.sweep = sweep;
    row.budget = budget;
    row.selection = selection;
    row.refit = members.at(list.front()).refit;
    row.agent = selected_agent_name(sweep, selection);
    row.configurations = static_cast<int>(list.size());
    row.validation = row.test = row.updates = row.oracle_test = row.gap = kNaN;
    if (oracle >= 0) {
      row.oracle = members.at(list[static_cast<size_t>(oracle)]).configuration;
      row.oracle_test = test[static_cast<size_t>(oracle)];
      out.configurations[first_row + static_cast<size_t>(oracle)].oracle = true;
    }
    if (chosen >= 0) {
      const auto c = static_cast<size_t>(chosen);
      const auto& chosen_row = out.configurations[first_row + c];
      out.configurations[first_row + c].chosen = true;
      row.chosen = chosen_row.configuration;
      row.validation = selection == "oracle" ? kNaN : chosen_row.validation;
      row.test = chosen_row.test;
      row.updates = chosen_row.updates;
      row.gap = row.oracle_test - row.test;
      std::vector<TrialRecord> selected;
      for (const TrialRecord* t : by_agent[{key, list[c]}]) {
        TrialRecord copy = *t;
        copy.agent = row.agent;
        copy.splits.erase(
            std::remove_if(copy.splits.begin(), copy.splits.end(),
                           [](const SplitScore& s) { return s.split == kValidationSplit; }),
            copy.splits.end());
        selected.push_back(std::move(copy));
      }
      inserts.emplace_back(slot[key], std::move(selected));
    }
    out.rows.push_back(row);
  }
  // Later groups first, so that groups sharing a slot keep their order.
  std::reverse(inserts.begin(), inserts.end());
  std::stable_sort(inserts.begin(), inserts.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (auto& [at, selected] : inserts)
    out.trials.insert(out.trials.begin() + static_cast<std::ptrdiff_t>(at), selected.begin(),
                      selected.end());
  return out;
}

Results with_selected_trials(Results results) {
  const auto config =
      results.suite.is_object() ? results.suite.find("config") : results.suite.end();
  if (config == results.suite.end() || !config->is_object()) return results;
  const auto members = sweep_members({*config});
  if (members.empty()) return results;
  Selection selection = select_configurations(results.trials, members);
  std::set<std::string> selected;
  for (const auto& row : selection.rows) selected.insert(row.agent);
  for (auto& t : selection.trials)
    if (selected.count(t.agent)) results.trials.push_back(std::move(t));
  return results;
}

}  // namespace hg
