#include "hourglass/protocols/deployment/deployment.h"

#include <cmath>
#include <variant>

namespace hg {

std::vector<ParamMap> deployment_chunk_params(const SegmentSpec& segment, int64_t chunk) {
  const int64_t chunks = chunk > 0 ? segment.samples / chunk : 0;
  std::vector<ParamMap> out;
  for (int64_t k = 0; k < chunks; ++k) {
    ParamMap params = segment.overrides;
    const double t = chunks > 1 ? static_cast<double>(k) / static_cast<double>(chunks - 1) : 0.0;
    for (const auto& [name, from] : segment.drift_from) {
      const ParamEntry& to = segment.drift_to.at(name);
      ParamEntry value = from;
      if (const auto* a = std::get_if<int64_t>(&from.value)) {
        const auto b = std::get<int64_t>(to.value);
        value.value = static_cast<int64_t>(
            std::llround(static_cast<double>(*a) + t * static_cast<double>(b - *a)));
      } else {
        const double a0 = std::get<double>(from.value), b0 = std::get<double>(to.value);
        value.value = a0 + t * (b0 - a0);
      }
      params[name] = value;
    }
    out.push_back(std::move(params));
  }
  return out;
}

int64_t deployment_chunk(const Suite& suite, const TaskSpec& task) {
  return task.chunk > 0 ? task.chunk : suite.deployment.chunk;
}

std::vector<std::string> deployment_split_names(const TaskSpec& task, int64_t chunk) {
  std::vector<std::string> names{kRetentionPretrained};
  for (const char* prefix : {kFrozenPrefix, kLearningPrefix})
    for (const auto& segment : task.segments)
      for (int64_t k = 0; chunk > 0 && k < segment.samples / chunk; ++k)
        names.push_back(prefix + segment.name + "/" + std::to_string(k));
  names.push_back(kRetentionEnd);
  return names;
}

ProtocolInfo deployment_info() {
  ProtocolInfo info;
  info.name = "deployment";
  info.doc = "pretrain on `budgets` samples, then deploy on the `segments` stream chunk by "
             "chunk, scoring each chunk before the learner updates on it, beside the frozen "
             "learner (prequential)";
  info.task_keys = {{"segments",
                     "a list of segments {name, samples, params, drift}, deployed in order "
                     "(at least one)",
                     true, 1},
                    {"chunk",
                     "samples (environment steps) per chunk of this task's stream (default: the "
                     "suite's deployment.chunk)",
                     false}};
  info.suite_keys = {{"deployment",
                      "{chunk: samples (environment steps) per chunk, recovery_fraction: the "
                      "report's recovery threshold, default 0.9}",
                      true}};
  info.splits = {
      {kRetentionPretrained, "right after pretraining, on the first segment's distribution"},
      {std::string(kFrozenPrefix) + "<segment>/<k>",
       "chunk k of the segment, scored by the frozen (never updated) learner"},
      {std::string(kLearningPrefix) + "<segment>/<k>",
       "chunk k, scored before the learner updates on it"},
      {kRetentionEnd, "the learning learner after the stream, on the first segment's draws"}};
  info.is_split = [](const std::string& name) {
    return name == kRetentionPretrained || name == kRetentionEnd ||
           has_suffix_after(name, kFrozenPrefix) || has_suffix_after(name, kLearningPrefix);
  };
  info.family_kinds = {"regression", "classification", "interactive"};
  info.finite_tables = false;
  info.needs_continue = true;
  info.min_budget = 1;
  info.checked_splits = [](const TaskSpec& task) {
    // Pretraining plays `train`; then every segment, a drift at both ends.
    std::vector<CheckedSplit> out{{"", {}, {}, "budgets"}};
    for (const auto& s : task.segments) {
      const std::string label = "segment '" + s.name + "'";
      if (s.drift_from.empty()) {
        out.push_back({label, {&s.overrides}, s.where, ""});
      } else {
        out.push_back({label + ", drift start", {&s.overrides, &s.drift_from}, s.where, ""});
        out.push_back({label + ", drift end", {&s.overrides, &s.drift_to}, s.where, ""});
      }
    }
    return out;
  };
  info.task_config = [](const TaskSpec& task, const SplitResolver& resolve,
                        nlohmann::json& entry) {
    nlohmann::json segments = nlohmann::json::array();
    for (const auto& s : task.segments) {
      nlohmann::json segment = {{"name", s.name},
                                {"samples", s.samples},
                                {"params", resolve({&s.overrides, &s.drift_from})}};
      if (!s.drift_from.empty()) {
        const auto to = resolve({&s.overrides, &s.drift_to});
        nlohmann::json drift = nlohmann::json::object();
        for (const auto& [name, unused] : s.drift_from)
          drift[name] = {segment["params"][name], to[name]};
        segment["drift"] = drift;
      }
      segments.push_back(segment);
    }
    entry["segments"] = segments;
  };
  info.suite_config = [](const Suite& suite, nlohmann::json& config) {
    config["deployment"] = {{"chunk", suite.deployment.chunk},
                            {"recovery_fraction", suite.deployment.recovery_fraction}};
    // Every task's own chunk (its `chunk:`, else the suite's), for the report.
    for (size_t i = 0; i < suite.tasks.size() && i < config["tasks"].size(); ++i)
      config["tasks"][i]["chunk"] = deployment_chunk(suite, suite.tasks[i]);
  };
  info.split_names = [](const Suite& suite, const TaskSpec& task) {
    return deployment_split_names(task, deployment_chunk(suite, task));
  };
  return info;
}

}  // namespace hg
