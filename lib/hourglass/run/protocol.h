// The protocol interface: how a suite's populations are trained and scored.
//
// A protocol is a registered component, like a family or a learner: one
// folder under protocols/ (protocols/standard/, protocols/transfer/,
// protocols/continual/), whose .cpp ends with a static registrar
//
//   namespace { const hg::ProtocolRegistrar kRegistrar(MakeInfo()); }
//
// and one line in CMakeLists.txt. A plugin may register its own. Nothing
// outside protocols/ names a specific protocol: the suite loader (through
// the Catalog, run/plan.h), the runner, the results reader, the report and
// `hourglass list protocols` look the suite's protocol up here.
//
// Who calls what:
//   - the loader checks a suite against the protocol's declared task keys,
//     suite keys, budgets, family kinds and learner capabilities;
//   - run_population (run/runner.h) hands each population to `run`, which
//     trains and scores it through the phase engine (run/phase.h) and
//     returns its trials; a learner's failure is recorded there, never
//     thrown (throwing means a bug in the harness);
//   - the results reader accepts a trial's split name when `is_split` does;
//   - the report calls `report_rows` then `report_sections` (both optional:
//     without them the report is the standard one over every split).
//
// This header is the runner's extension point and is LibTorch-free (the
// results reader and the report use it too); protocols/ implements it and
// depends on run/, never the other way.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hourglass/core/params.h"
#include "hourglass/core/registry.h"
#include "hourglass/results/results.h"
#include "hourglass/suite/suite.h"

namespace hg {

struct Population;
struct Report;
struct SealKey;  // run/seal.h
struct FamilyInfo;
struct LearnerInfo;
namespace report {
struct TextSection;
}

// One population to run (the runner has checked that family and learner are
// registered; the loader that they fit the protocol).
struct ProtocolRun {
  const Suite& suite;
  const Population& population;
  const FamilyInfo& family;
  const LearnerInfo& learner;
  const std::string& device;  // "cpu" or "cuda"
  // The run's seal key (derived secrets only, never the key's bytes), or
  // null when none was given: a protocol draws what a sealed split is scored
  // on from it, and skips sealed splits without it.
  const SealKey* seal = nullptr;
};

// A key a protocol reads, for `validate` and `list protocols`.
struct ProtocolKey {
  std::string name;  // "ood", "pretrain_budget"
  std::string spec;  // what it takes, e.g. "map of split name: parameter overrides"
  bool required = false;
  // Task keys that are maps: the fewest entries a task must write when it
  // writes the key or the key is required.
  size_t min_entries = 0;
};

// A split of a task whose resolved parameters the loader checks with the
// family (FamilyInfo::check_split, against the protocol's first split, which
// plays the role of `train`, and FamilyInfo::max_budget).
struct CheckedSplit {
  // How errors name it: "" for the task's train split ("task 't': family
  // 'f': ..."), else e.g. "ood split 'near'" ("task 't' (ood split 'near'): ...").
  std::string label;
  std::vector<const ParamMap*> layers;  // on top of the task's params
  SourceLocation where;                 // unknown: the task's
  // The suite key whose budgets this split must hold ("budgets",
  // "pretrain_budget"), or "" when none is drawn from it.
  std::string budget_key;
};

// Resolves a split's family parameters (task params, then `layers`) to JSON.
using SplitResolver = std::function<nlohmann::json(const std::vector<const ParamMap*>& layers)>;

// A split name (pattern) the protocol's trials carry.
struct ProtocolSplit {
  std::string pattern;  // "train", "ood/<name>", "after/<stage>/<stage>"
  std::string doc;
};

struct ProtocolInfo {
  std::string name;
  std::string doc;  // one line
  // The protocol of a suite that writes no `protocol:` key (exactly one).
  bool is_default = false;

  // Task keys besides name, family and params (e.g. train and ood; source and
  // targets; stream): a task writing a key that belongs to another protocol
  // is an error naming that protocol.
  std::vector<ProtocolKey> task_keys;
  // Top-level suite keys only this protocol takes (e.g. pretrain_budget).
  std::vector<ProtocolKey> suite_keys;
  // The split names its trials carry (results format and `list protocols`).
  std::vector<ProtocolSplit> splits;
  // Whether `name` is one of them (the results reader's check).
  std::function<bool(const std::string& name)> is_split;

  // What it runs: the family kinds it accepts ("regression",
  // "classification", "interactive"), whether families drawn from a finite
  // table are fine, and whether learners must be able to continue training
  // (LearnerInfo::can_continue).
  std::vector<std::string> family_kinds;
  bool finite_tables = true;
  bool needs_continue = false;
  // The smallest budget it takes (0: zero-shot allowed).
  int64_t min_budget = 1;

  // The task's splits the loader checks with the family, the first playing
  // `train` (see CheckedSplit).
  std::function<std::vector<CheckedSplit>(const TaskSpec& task)> checked_splits;
  // The task's entry in the resolved config (results' suite.config.tasks[]):
  // adds the resolved splits to `entry` (which has name and family).
  std::function<void(const TaskSpec& task, const SplitResolver& resolve, nlohmann::json& entry)>
      task_config;
  // Optional: adds the protocol's own suite keys to the resolved config.
  std::function<void(const Suite& suite, nlohmann::json& config)> suite_config;

  // Every split a trial of `task` is scored on, in the order written (a
  // failed trial names each with a NaN score); the suite gives the
  // protocol's own keys (deployment's chunk).
  std::function<std::vector<std::string>(const Suite& suite, const TaskSpec& task)> split_names;
  // Trains and scores one population (see above).
  std::function<std::vector<TrialRecord>(const ProtocolRun& run)> run;

  // Report, optional. report_rows fills the protocol's rows of the Report
  // from its trial records (and the resolved configs of the files read);
  // report_sections gives the text sections that replace the standard ones.
  std::function<void(Report& report, const std::vector<nlohmann::json>& configs)> report_rows;
  std::function<std::vector<report::TextSection>(const Report& report)> report_sections;
};

template <>
struct RegistryNoun<ProtocolInfo> {
  static constexpr const char* value = "protocol";
};
using ProtocolRegistry = Registry<ProtocolInfo>;
using ProtocolRegistrar = Registrar<ProtocolInfo>;

// The protocol of a suite without `protocol:` (throws std::logic_error when
// none or several are registered as default).
const ProtocolInfo& default_protocol();

// The registered protocol `name`; throws InputError naming the known ones
// when there is none.
const ProtocolInfo& find_protocol(const std::string& name);

}  // namespace hg
