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
// appended). Include cycles and missing files are errors.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hourglass/core/error.h"
#include "hourglass/core/params.h"

namespace hg {

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
    // (LearnerInfo::can_continue); the transfer and continual protocols need it.
    bool can_continue = false;
  };
  std::map<std::string, Component> families;
  std::map<std::string, Component> learners;
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
};

struct AgentSpec {
  std::string name;
  std::string learner;
  ParamMap params;
  SourceLocation where;
};

// How a suite's populations are trained and scored (docs/suite-format.md):
//   standard  train on `train`, score train, test and ood/* (the default)
//   transfer  pretrain on `source` (pretrain_budget samples), then adapt to
//             each target with `budgets` samples (0 allowed: zero-shot),
//             beside a from-scratch learner on the same target samples
//   continual train the stages of `stream` in order, `budgets` samples each,
//             scoring every stage after each one (the R matrix)
inline constexpr const char* kProtocolStandard = "standard";
inline constexpr const char* kProtocolTransfer = "transfer";
inline constexpr const char* kProtocolContinual = "continual";

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
  std::string protocol = kProtocolStandard;
  int64_t pretrain_budget = 0;  // transfer: source samples per member (>= 1)
  std::vector<PluginRef> plugins;  // `plugins:` of the suite and its includes
};

// Limits on the common keys (checked by the loader, documented in docs/suite-format.md).
inline constexpr int64_t kMaxSeeds = 1024;
inline constexpr int64_t kMaxBudget = 100'000'000;
inline constexpr int64_t kMaxEvalSamples = 10'000'000;

// Loads and validates; throws SuiteError listing every error (file:line:col).
// When every key and value is fine on its own, the families' check_split and
// max_budget run on every task (errors at the task or the OOD split).
Suite load_suite(const std::string& path, const Catalog& catalog);

// The plugins a suite file and its includes name (`plugins:`), read before
// the suite itself can be checked (its families and learners may come from
// them). Errors are left to load_suite: a file that cannot be read or a
// malformed entry simply contributes nothing here.
std::vector<PluginRef> suite_plugins(const std::string& path);

// The parameters a component sees for one split: spec defaults, then
// `layers` applied in order (task params, train overrides, an OOD split's
// overrides). Keys not in the spec are ignored (the loader rejected them).
Params resolve_params(const std::vector<ParamSpec>& specs,
                      const std::vector<const ParamMap*>& layers);

// Nearest name by edit distance for "did you mean 'x'?"; empty when nothing
// is close enough (distance > max(2, name.size() / 3)).
std::string nearest_name(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace hg
