#include "hourglass/report/protocol_report.h"

#include <cmath>
#include <limits>
#include <map>

#include "hourglass/core/random.h"

namespace hg::report {

std::vector<std::pair<PopulationKey, std::vector<const TrialRecord*>>> by_population(
    const std::vector<TrialRecord>& trials) {
  std::vector<std::pair<PopulationKey, std::vector<const TrialRecord*>>> out;
  std::map<PopulationKey, size_t> index;
  for (const auto& t : trials) {
    PopulationKey key{t.task, t.agent, t.budget};
    auto [it, fresh] = index.emplace(key, out.size());
    if (fresh) out.push_back({key, {}});
    out[it->second].second.push_back(&t);
  }
  return out;
}

std::optional<double> usable(const TrialRecord& t, const std::string& split) {
  const SplitScore* s = t.find_split(split);
  if (!s || !usable_score(t, *s)) return std::nullopt;
  return s->normalized;
}

Estimate mean_ci(const std::vector<double>& values, int reps, const std::string& key) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (values.empty()) return {kNaN, {kNaN, kNaN}};
  metrics::BootstrapOptions options;
  options.reps = reps;
  options.seed = stable_hash(key);
  return metrics::bootstrap_mean(values, options);
}

std::string population_label(const PopulationKey& key) {
  return std::get<0>(key) + "/" + std::get<1>(key) + "/" + std::to_string(std::get<2>(key));
}

}  // namespace hg::report
