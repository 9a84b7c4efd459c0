// Model selection over a sweep's configurations (suite key `sweep:`,
// docs/suite-format.md): which configuration of a swept agent the report
// shows, per (task, budget).
//
// A swept agent `mlp` runs as one agent per configuration,
// `mlp[lr=0.001,hidden=[64]]` (suite/suite.h, AgentSpec::sweep); the
// resolved config (suite.config.agents) names each one's sweep,
// configuration and selection rule. Per (task, sweep, budget):
//   validation  the configuration with the highest mean normalized score on
//               its `validation` split (a share of its own budget, held out of
//               training: everything it chose from was inside the budget);
//   oracle      the configuration with the highest mean normalized `test`
//               score: an upper bound, never a fair result, and labelled
//               "oracle" wherever it is shown (its agent is "<sweep> (oracle)").
// Means are over the configuration's usable trials (results.h); ties go to
// the configuration first in the sweep's order. The chosen configuration's
// trials then stand for the sweep in every other table, under the sweep's
// name (without their `validation` split); the configurations' own trials
// stay in `configurations` and in the results file.
//
// The selection gap is the oracle choice's mean test score minus the
// validation choice's: what choosing by validation cost against peeking at
// the test set (0 when both choose the same configuration). No LibTorch here.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hourglass/results/results.h"

namespace hg {

// What the resolved config says of one configuration's agent.
struct SweepMember {
  std::string sweep;          // the swept agent's name
  std::string configuration;  // "lr=0.001,hidden=[64]"
  std::string selection;      // "validation" | "oracle"
  bool refit = false;         // refit: true (the scores are of a learner refit on the budget)
};

// Agent name -> its sweep, from suite.config.agents of the given configs
// (entries without "sweep" are ordinary agents); InputError when two configs
// disagree on an agent, or an entry's fields are malformed.
std::map<std::string, SweepMember> sweep_members(const std::vector<nlohmann::json>& configs);

// The label of a sweep's selected agent in the tables: "<sweep>" under
// validation, "<sweep> (oracle)" under oracle selection.
std::string selected_agent_name(const std::string& sweep, const std::string& selection);

// One configuration of one (task, sweep, budget).
struct SweepConfigurationRow {
  std::string task, sweep;
  int64_t budget = 0;
  std::string configuration, agent;  // agent: the configuration's agent name
  int n = 0;                         // usable trials (test)
  double validation = 0.0;           // mean normalized validation score (NaN: none)
  double test = 0.0;                 // mean normalized test score (NaN: none)
  double updates = 0.0;              // mean gradient steps (optimizer updates) of its ok trials
  bool chosen = false;               // by the sweep's selection rule
  bool oracle = false;               // the highest test mean
};

struct SelectionRow {
  std::string task, sweep;
  int64_t budget = 0;
  std::string selection;  // "validation" | "oracle"
  bool refit = false;     // the configurations' test scores are of learners refit on the budget
  std::string agent;      // selected_agent_name(sweep, selection)
  int configurations = 0;
  // The configuration chosen by the rule ("" when no configuration had a
  // usable score to choose by), its mean validation (NaN under oracle) and
  // test scores, and its mean gradient steps.
  std::string chosen;
  double validation = 0.0, test = 0.0, updates = 0.0;
  // The configuration with the highest mean test score, that score, and
  // the gap: oracle_test - test (NaN when either is missing).
  std::string oracle;
  double oracle_test = 0.0, gap = 0.0;
};

struct Selection {
  // The trials the report's tables use: every trial of an ordinary agent,
  // and per (task, sweep, budget) the chosen configuration's trials under
  // the selected agent's name (configuration kept, `validation` dropped).
  std::vector<TrialRecord> trials;
  std::vector<SelectionRow> rows;                     // task, sweep, budget order
  std::vector<SweepConfigurationRow> configurations;  // rows' order, then sweep order
  std::vector<TrialRecord> configuration_trials;      // every configuration's trials
};

// Applies every sweep's selection to `trials` (in the report's canonical
// order). Trials of agents not in `members` pass through unchanged.
Selection select_configurations(const std::vector<TrialRecord>& trials,
                                const std::map<std::string, SweepMember>& members);

// For `hourglass compare`: the results with every sweep's selected trials
// appended (under the selected agent's name) to all of its trials, so that
// a gate watches what the report shows for the sweep as well as each
// configuration. Unchanged without sweeps.
Results with_selected_trials(Results results);

}  // namespace hg
