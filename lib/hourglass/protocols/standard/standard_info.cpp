#include "hourglass/protocols/standard/standard.h"

#include "hourglass/results/split_names.h"

namespace hg {

std::vector<std::string> standard_split_names(const TaskSpec& task) {
  std::vector<std::string> names{"train", "test"};
  for (const auto& ood : task.ood) names.push_back(ood.name);
  return names;
}

ProtocolInfo standard_info() {
  ProtocolInfo info;
  info.name = "standard";
  info.doc = "train on `train`, score train, test (fresh draws) and every ood/* split";
  info.is_default = true;
  info.task_keys = {
      {"train", "map of parameter overrides for the train and test splits", false},
      {"ood", "map of OOD split name: parameter overrides (on top of train)", false},
      {"sealed",
       "list of the task's OOD split names drawn from the run's seal key (--seal-key-file); "
       "skipped without one",
       false}};
  info.splits = {{"train", "the samples the learner trained on"},
                 {"test", "fresh draws from the train distribution"},
                 {"ood/<name>", "draws from an OOD split (sealed: from the run's seal key)"},
                 {"validation",
                  "a swept configuration's held-out share of its budget (selection: "
                  "validation; the report selects on it)"}};
  info.is_split = [](const std::string& name) {
    return name == kTrainSplit || name == kTestSplit || name == kValidationSplit ||
           is_ood_split(name);
  };
  info.family_kinds = {"regression", "classification", "interactive"};
  info.finite_tables = true;
  info.needs_continue = false;
  info.min_budget = 1;
  info.checked_splits = [](const TaskSpec& task) {
    std::vector<CheckedSplit> out{{"", {&task.train}, task.where, "budgets"}};
    for (const auto& ood : task.ood)
      out.push_back({"ood split '" + strip_prefix(ood.name, kOodPrefix) + "'",
                     {&task.train, &ood.overrides}, ood.where, ""});
    return out;
  };
  info.task_config = [](const TaskSpec& task, const SplitResolver& resolve,
                        nlohmann::json& entry) {
    nlohmann::json splits = {{kTrainSplit, resolve({&task.train})}};
    nlohmann::json sealed = nlohmann::json::array();
    for (const auto& ood : task.ood) {
      splits[ood.name] = resolve({&task.train, &ood.overrides});
      if (ood.sealed) sealed.push_back(ood.name);
    }
    entry["splits"] = splits;
    // Only when the task seals a split: public suites' configs (and hashes) are unchanged.
    if (!sealed.empty()) entry["sealed"] = sealed;
  };
  info.split_names = [](const Suite&, const TaskSpec& task) {
    return standard_split_names(task);
  };
  return info;
}

}  // namespace hg
