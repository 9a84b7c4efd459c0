// A suite: YAML -> typed, validated Suite.
//
// The loader reads the file and its includes, checks every key and value
// (common keys here, family and learner parameters against the specs the
// Catalog hands it), and either returns a Suite or throws SuiteError with
// every error it found, each located at file:line:col. It knows nothing of
// LibTorch, families or learners beyond the Catalog.
//
// Include semantics: `include: [a.yaml, b.yaml]` paths are relative to the
// including file; included files are loaded first, in order, and the including
// file overrides: scalar keys replace, `tasks` and `agents` are merged by name
// (an entry with the same name replaces the included one, new names are
// appended). Include cycles and missing files are errors, and so is an
// include outside the suite's folder tree unless LoadOptions allows its folder.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hourglass/core/error.h"
#include "hourglass/core/params.h"

namespace hg {

struct ProtocolInfo;  // run/protocol.h

// What the loader needs to know about the registered components.
struct Catalog {
  struct Component {
    std::vector<ParamSpec> params;
    std::string kind;  // family: "regression" | "classification" | "interactive"
    // learner: the family kinds it can train on
    std::vector<std::string> kinds;
    // family, optional: constraints between parameters ("" = fine), called
    // with the resolved train split (split == train) and each OOD split.
    std::function<std::string(const Params& split, const Params& train)> check_split;
    // family, optional: the largest budget the train split allows (a finite
    // table of examples drawn without replacement); nullopt = unbounded.
    std::function<std::optional<int64_t>(const Params& train)> max_budget;
    // learner: whether it can continue training from its current state
    // (LearnerInfo::can_continue); protocols with needs_continue need it.
    bool can_continue = false;
    // learner, optional: LearnerInfo::cost (estimated compute per member).
    std::function<double(const Params& params, int64_t budget)> cost = nullptr;
    // family: its inputs are images (FamilyInfo::image_inputs); learner: it
    // takes image inputs only (LearnerInfo::images_only).
    bool images = false;
    // learner, optional: checks an agent's resolved parameters against one
    // task it will train on, given the task's name, family and resolved
    // training parameters (`train`; the source or the first stage under
    // transfer and continual). nullopt when fine. Called once every value of
    // the suite is fine on its own; the error is located at the parameter's
    // value (at the agent when it wrote none) and prefixed "agent 'name': ".
    // Opaque to the loader: registered_catalog() builds it from the learner's
    // LearnerInfo::check_task and the family's task shape.
    std::function<std::optional<ParamProblem>(const Params& agent, const std::string& task,
                                               const std::string& family, const Params& train)>
        check_task = nullptr;
  };
  std::map<std::string, Component> families;
  std::map<std::string, Component> learners;
  // The registered protocols (run/protocol.h; not owned): their task and
  // suite keys, budgets, family kinds and learner capabilities. Exactly one
  // is the default (ProtocolInfo::is_default).
  std::map<std::string, const ProtocolInfo*> protocols;
};

// A parameter as written in YAML, already converted to the spec's type.
struct ParamEntry {
  ParamValue value;
  SourceLocation where;  // of the value
};
using ParamMap = std::map<std::string, ParamEntry>;  // only the keys the YAML wrote

struct SplitSpec {
  std::string name;    // "ood/<name>" for OOD splits
  ParamMap overrides;  // on top of the task's params and its `train` overrides
  SourceLocation where;
  // protocol: standard. Named in the task's `sealed:` list: what it is
  // scored on is drawn from the run's seal key (run/seal.h), and it is
  // skipped when the run has none.
  bool sealed = false;
};

// protocol: deployment. One segment of the deployment stream: `samples`
// samples (environment steps) drawn from the task's params under
// `overrides`, and, for a drift, the parameters of `drift_from` moving
// linearly to `drift_to` across the segment's chunks (deployment_chunk_params).
struct SegmentSpec {
  std::string name;
  int64_t samples = 0;
  ParamMap overrides;  // `params:`
  ParamMap drift_from, drift_to;  // `drift: {p: [from, to]}` (same keys, numeric)
  SourceLocation where;           // of the entry
  SourceLocation samples_where;   // of its `samples:` value
};

struct TaskSpec {
  std::string name;
  std::string family;
  ParamMap params;              // `params:`
  ParamMap train;               // `train:` overrides (train and test splits)
  std::vector<SplitSpec> ood;   // `ood:` in file order
  SourceLocation where;
  // protocol: transfer. `source:` overrides (name "source"; where unknown
  // when the task wrote none: the source is then the task's params) and
  // `targets:` in file order (names "target/<name>").
  SplitSpec source{"source", {}, {}};
  std::vector<SplitSpec> targets;
  // protocol: continual. `stream:` stages in file order (names are the
  // stage names as written).
  std::vector<SplitSpec> stream;
  // protocol: deployment. `segments:` in file order, and `chunk:` (0 when
  // not written: the suite's deployment.chunk; see deployment_chunk).
  std::vector<SegmentSpec> segments;
  int64_t chunk = 0;
};

struct AgentSpec {
  std::string name;
  std::string learner;
  ParamMap params;
  SourceLocation where;
  // `tasks:` the names of the tasks it runs on, in file order; empty (not
  // written): every task of the suite. A suite can then mix learners of
  // different family kinds (a supervised stream and an interactive one).
  std::vector<std::string> tasks;
  SourceLocation tasks_where;
  bool runs_on(const std::string& task) const;
  // A configuration of a swept agent (`sweep:`, protocol standard). The
  // loader expands an agent with a sweep into one AgentSpec per point of the
  // grid, named `<sweep>[<p>=<v>,...]` (the swept parameters in file order),
  // whose `params` hold the agent's params and that point's values. The
  // report selects one configuration per (task, budget) by `selection`
  // (report/selection.h). Empty `sweep`: an ordinary agent.
  std::string sweep;  // the swept agent's name as written
  // The swept parameters and this configuration's values (format_value), in
  // file order.
  std::vector<std::pair<std::string, std::string>> configuration;
  std::string selection;  // "validation" | "oracle" (swept agents only)
  // selection: validation. The share of the budget held out of training and
  // scored as the `validation` split (run/phase.h, validation_samples).
  double validation_fraction = 0.0;
  // selection: validation, `refit: true`. After the held-out learner is
  // scored on `validation`, a fresh learner of the configuration trains on
  // the whole budget (the same draws, the held-out share included) and is
  // the one scored on train, test and ood/*: the selection still used only
  // the budget's data, and the reported scores are of a learner that used
  // all of it. Every configuration is refit (each population stands alone),
  // at twice the training compute.
  bool refit = false;
  // The configuration as text: "lr=0.001,hidden=[64]" ("" when not swept).
  std::string configuration_text() const;
  // The name its seeds derive from: the sweep's for a configuration, so that
  // every configuration sees the same draws (run/plan.h).
  const std::string& seed_name() const { return sweep.empty() ? name : sweep; }
};

// Limit on the points of one agent's sweep (the product of its lists' sizes).
inline constexpr int64_t kMaxSweepConfigurations = 256;

// selection: validation. The samples (environment steps) of `budget` held
// out of training and scored as the `validation` split: floor(fraction x
// budget) (a hair of slack, so that 0.29 x 100 is 29). The loader requires
// at least one held out and one left to train on, at every budget.
inline int64_t validation_samples(int64_t budget, double fraction) {
  return static_cast<int64_t>(std::floor(fraction * static_cast<double>(budget) + 1e-9));
}

// A shared library named by a suite's `plugins:` key (hourglass/core/plugin.h).
struct PluginRef {
  std::string path;      // resolved against the directory of the file that names it
  SourceLocation where;  // of the entry
};

struct Suite {
  std::string name;
  int version = 1;
  std::string description;
  std::string path;                         // as given to load_suite
  std::vector<std::string> files;           // every file read, the suite's own first
  uint64_t seed = 0;
  int64_t seeds = 5;                        // population size
  std::vector<int64_t> budgets;             // > 0 (>= 0 under transfer), distinct, ascending after load
  int64_t eval_samples = 2000;
  std::vector<TaskSpec> tasks;
  std::vector<AgentSpec> agents;
  // How the populations are trained and scored: a registered protocol's name
  // (run/protocol.h, docs/suite-format.md; `hourglass list protocols`). The
  // loader always sets it; "" means the default protocol.
  std::string protocol;
  int64_t pretrain_budget = 0;  // `pretrain_budget:` (0 when not written)
  std::vector<PluginRef> plugins;  // `plugins:` of the suite and its includes
  // `reference:`: the agent the report's practice multiplier is against
  // ("" when not written: the report picks one, docs/metrics.md).
  std::string reference;
  // `deployment:` (protocol: deployment): samples (environment steps) per
  // chunk of the stream, and the recovery fraction of the report.
  struct Deployment {
    int64_t chunk = 0;  // 0 when not written; a task's `chunk:` overrides it
    double recovery_fraction = 0.9;
  } deployment;
};

// Limits on the common keys (checked by the loader, documented in docs/suite-format.md).
inline constexpr int64_t kMaxSeeds = 1024;
inline constexpr int64_t kMaxBudget = 100'000'000;
inline constexpr int64_t kMaxEvalSamples = 10'000'000;

// Where includes may come from: the suite's own folder tree (always) and
// these folders (--include-path DIR), compared after resolving symbolic
// links. An include elsewhere is an error that quotes nothing of that file.
struct LoadOptions {
  std::vector<std::string> include_paths;
};

// Loads and validates; throws SuiteError listing every error (file:line:col).
// When every key and value is fine on its own, the families' check_split and
// max_budget run on every task (errors at the task or the OOD split), then
// the learners' check_task on every (task, agent) pair.
// Quoted tokens in errors are cut to a few dozen characters, and control
// characters in every message are escaped (core/error.h).
Suite load_suite(const std::string& path, const Catalog& catalog,
                 const LoadOptions& options = {});

// The plugins a suite file and its includes name (`plugins:`), read before
// the suite itself can be checked (its families and learners may come from
// them). Errors are left to load_suite: a file that cannot be read or a
// malformed entry simply contributes nothing here; so does an include from
// outside the folders `options` allows, as in load_suite.
std::vector<PluginRef> suite_plugins(const std::string& path, const LoadOptions& options = {});

// The parameters a component sees for one split: spec defaults, then
// `layers` applied in order (task params, train overrides, an OOD split's
// overrides). Keys not in the spec are ignored (the loader rejected them).
Params resolve_params(const std::vector<ParamSpec>& specs,
                      const std::vector<const ParamMap*>& layers);

// Nearest name by edit distance for "did you mean 'x'?"; empty when nothing
// is close enough (distance > max(2, name.size() / 3)).
std::string nearest_name(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace hg
