// The parameters that the tests sweeping every registered learner give it:
// its defaults, plus, for a learner that trains something the user brings (a
// model file), the example it writes for the task's shape
// (LearnerInfo::example). A learner with a required parameter (an empty
// path or command by default) and no example is left out of such sweeps and
// tested on its own (the `external` learner: tests/learners/external_test.cpp
// and tests/cli/external_cli_test.cpp).
#pragma once

#include <optional>
#include <string>

#include "hourglass/core/params.h"
#include "hourglass/learners/learner.h"

namespace hg::testing {

inline bool needs_user_artifact(const LearnerInfo& info) {
  if (info.example) return false;
  for (const auto& s : info.params) {
    if (s.type == ParamType::kPath && std::get<std::string>(s.default_value).empty()) return true;
    if (s.type == ParamType::kCommand &&
        std::get<std::vector<std::string>>(s.default_value).empty())
      return true;
  }
  return false;
}

// nullopt when needs_user_artifact(info).
inline std::optional<Params> example_learner_params(const LearnerInfo& info,
                                                    const TaskShape& shape,
                                                    const std::string& dir) {
  if (needs_user_artifact(info)) return std::nullopt;
  Params p(info.params);
  if (info.example)
    for (const auto& [k, v] : info.example(shape, dir)) p.set(k, v);
  return p;
}

}  // namespace hg::testing
