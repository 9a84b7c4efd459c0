#include "hourglass/protocols/transfer/transfer.h"

namespace hg {

std::vector<std::string> transfer_split_names(const TaskSpec& task) {
  std::vector<std::string> names{kSourceSplit};
  for (const auto& target : task.targets) {
    const std::string t = strip_prefix(target.name, kTargetPrefix);
    for (const char* prefix : {kZeroShotPrefix, kAdaptedPrefix, kScratchPrefix})
      names.push_back(prefix + t);
  }
  return names;
}

ProtocolInfo transfer_info() {
  ProtocolInfo info;
  info.name = "transfer";
  info.doc = "pretrain on `source`, then adapt to each target with `budgets` samples, beside a "
             "learner trained from scratch on the same samples";
  info.task_keys = {
      {"source", "map of parameter overrides for the source split (default: the task's params)",
       false},
      {"targets", "a map of target name: parameter overrides (at least one)", true, 1}};
  info.suite_keys = {{"pretrain_budget",
                      "the source samples each member is pretrained on, e.g. 1000", true}};
  info.splits = {{kSourceSplit, "the pretrained learner on fresh source draws"},
                 {std::string(kZeroShotPrefix) + "<target>", "the pretrained learner, before adapting"},
                 {std::string(kAdaptedPrefix) + "<target>", "after adapting on n target samples"},
                 {std::string(kScratchPrefix) + "<target>",
                  "a fresh learner trained on the same n target samples"}};
  info.is_split = [](const std::string& name) {
    return name == kSourceSplit || has_suffix_after(name, kZeroShotPrefix) ||
           has_suffix_after(name, kAdaptedPrefix) || has_suffix_after(name, kScratchPrefix);
  };
  info.family_kinds = {"regression", "classification", "interactive"};
  info.finite_tables = false;
  info.needs_continue = true;
  info.min_budget = 0;
  info.checked_splits = [](const TaskSpec& task) {
    std::vector<CheckedSplit> out{
        {task.source.name, {&task.source.overrides}, task.source.where, "pretrain_budget"}};
    for (const auto& target : task.targets)
      out.push_back({target.name, {&target.overrides}, target.where, "budgets"});
    return out;
  };
  info.task_config = [](const TaskSpec& task, const SplitResolver& resolve,
                        nlohmann::json& entry) {
    nlohmann::json splits = {{kSourceSplit, resolve({&task.source.overrides})}};
    for (const auto& t : task.targets) splits[t.name] = resolve({&t.overrides});
    entry["splits"] = splits;
  };
  info.suite_config = [](const Suite& suite, nlohmann::json& config) {
    config["pretrain_budget"] = suite.pretrain_budget;
  };
  info.split_names = [](const Suite&, const TaskSpec& task) {
    return transfer_split_names(task);
  };
  return info;
}

}  // namespace hg
