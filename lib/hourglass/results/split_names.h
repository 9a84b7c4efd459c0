// Split names in trial records: the helpers every protocol, the results
// reader and the report use instead of spelling prefixes by hand. A split
// name is a path of '/'-separated parts: "train", "test", "ood/far-x",
// "after/s1/s2". No LibTorch here.
#pragma once

#include <string>

namespace hg {

inline constexpr const char* kTrainSplit = "train";  // what the learner practised on
inline constexpr const char* kTestSplit = "test";    // fresh draws from the train distribution
inline constexpr const char* kOodPrefix = "ood/";    // + name: a shifted distribution
// A swept configuration's held-out share of its budget (selection: validation).
inline constexpr const char* kValidationSplit = "validation";

inline bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

// `name` is `prefix` followed by at least one character ("ood/x" for "ood/").
inline bool has_suffix_after(const std::string& name, const std::string& prefix) {
  return name.size() > prefix.size() && starts_with(name, prefix);
}

// What follows `prefix` ("far-x" for "ood/far-x", "ood/"); `name` itself
// when it does not start with `prefix`.
inline std::string strip_prefix(const std::string& name, const std::string& prefix) {
  return starts_with(name, prefix) ? name.substr(prefix.size()) : name;
}

inline bool is_ood_split(const std::string& name) { return has_suffix_after(name, kOodPrefix); }

}  // namespace hg
