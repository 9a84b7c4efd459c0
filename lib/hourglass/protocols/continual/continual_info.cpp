#include "hourglass/protocols/continual/continual.h"

namespace hg {

std::vector<std::string> continual_split_names(const TaskSpec& task) {
  std::vector<std::string> names;
  for (const auto& stage : task.stream) names.push_back(kUntrainedPrefix + stage.name);
  for (const auto& after : task.stream)
    for (const auto& stage : task.stream)
      names.push_back(kAfterPrefix + after.name + "/" + stage.name);
  return names;
}

ProtocolInfo continual_info() {
  ProtocolInfo info;
  info.name = "continual";
  info.doc = "train the stages of `stream` in order, `budgets` samples each, scoring every "
             "stage after each one (the R matrix)";
  info.task_keys = {{"stream",
                     "a map of at least two stages, stage name: parameter overrides, trained in "
                     "order",
                     true, 2}};
  info.splits = {{std::string(kUntrainedPrefix) + "<stage>",
                  "the learner before any stage, on that stage (b_j)"},
                 {std::string(kAfterPrefix) + "<stage i>/<stage j>",
                  "after training through stage i, on stage j (R[i][j])"}};
  info.is_split = [](const std::string& name) {
    return has_suffix_after(name, kUntrainedPrefix) || has_suffix_after(name, kAfterPrefix);
  };
  info.family_kinds = {"regression", "classification", "interactive"};
  info.finite_tables = false;
  info.needs_continue = true;
  info.min_budget = 1;
  info.checked_splits = [](const TaskSpec& task) {
    std::vector<CheckedSplit> out;
    for (const auto& stage : task.stream)
      out.push_back({stage.name, {&stage.overrides}, stage.where, "budgets"});
    return out;
  };
  info.task_config = [](const TaskSpec& task, const SplitResolver& resolve,
                        nlohmann::json& entry) {
    nlohmann::json stream = nlohmann::json::array();
    for (const auto& stage : task.stream)
      stream.push_back({{"name", stage.name}, {"params", resolve({&stage.overrides})}});
    entry["stream"] = stream;
  };
  info.split_names = [](const Suite&, const TaskSpec& task) {
    return continual_split_names(task);
  };
  return info;
}

}  // namespace hg
