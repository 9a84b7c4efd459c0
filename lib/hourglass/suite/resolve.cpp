// resolve_params and nearest_name.
#include <algorithm>
#include <cctype>

#include "hourglass/suite/suite.h"

namespace hg {

bool AgentSpec::runs_on(const std::string& task) const {
  return tasks.empty() || std::find(tasks.begin(), tasks.end(), task) != tasks.end();
}

std::string AgentSpec::configuration_text() const {
  std::string text;
  for (const auto& [param, value] : configuration)
    text += (text.empty() ? "" : ",") + param + "=" + value;
  return text;
}

Params resolve_params(const std::vector<ParamSpec>& specs,
                      const std::vector<const ParamMap*>& layers) {
  Params params(specs);
  for (const ParamMap* layer : layers) {
    if (!layer) continue;
    for (const auto& [name, entry] : *layer)
      if (params.has(name)) params.set(name, entry.value);
  }
  return params;
}

namespace {

// Levenshtein distance, ignoring case.
size_t edit_distance(const std::string& a, const std::string& b) {
  auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min(
          {row[j] + 1, row[j - 1] + 1, diagonal + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string nearest_name(const std::string& name, const std::vector<std::string>& candidates) {
  if (name.empty() || name.size() > 256) return "";
  const size_t limit = std::max<size_t>(2, name.size() / 3);
  std::string best;
  size_t best_distance = limit + 1;
  for (const auto& candidate : candidates) {
    const size_t d = edit_distance(name, candidate);
    // A suggestion that replaces every character is no suggestion ("x" for "y").
    if (d < best_distance && d < std::max(name.size(), candidate.size())) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace hg
