#include "hourglass/results/summary.h"

#include <cmath>
#include <map>
#include <tuple>

#include "hourglass/core/parallel.h"
#include "hourglass/core/random.h"
#include "hourglass/metrics/statistics.h"

namespace hg {

std::vector<PopulationSummary> summarize(const std::vector<TrialRecord>& trials,
                                         int bootstrap_reps) {
  using Key = std::tuple<std::string, std::string, int64_t, std::string>;
  struct Acc {
    explicit Acc(size_t o) : order(o) {}
    size_t order;
    int64_t trials = 0;
    int64_t diverged = 0;
    std::vector<double> normalized, raw;
  };
  std::map<Key, Acc> groups;
  for (const auto& t : trials) {
    for (const auto& s : t.splits) {
      Key key{t.task, t.agent, t.budget, s.split};
      auto [it, fresh] = groups.try_emplace(key, groups.size());
      auto& acc = it->second;
      ++acc.trials;
      acc.diverged += t.status == TrialStatus::kDiverged;
      if (usable_score(t, s)) {
        acc.normalized.push_back(s.normalized);
        acc.raw.push_back(s.raw);
      }
    }
  }
  std::vector<std::pair<size_t, PopulationSummary>> rows;
  std::vector<const Acc*> accs;
  for (const auto& [key, acc] : groups) {
    PopulationSummary s;
    std::tie(s.task, s.agent, s.budget, s.split) = key;
    rows.emplace_back(acc.order, std::move(s));
    accs.push_back(&acc);
  }
  // Each row's bootstrap has its own seed: computed in parallel, the same.
  parallel_for(rows.size(), [&](size_t i) {
    PopulationSummary& s = rows[i].second;
    const Acc& acc = *accs[i];
    s.trials = acc.trials;
    s.ok = static_cast<int64_t>(acc.normalized.size());
    s.diverged = acc.diverged;
    s.seed = stable_hash(s.task + "/" + s.agent + "/" + std::to_string(s.budget) + "/" + s.split);
    if (acc.normalized.empty()) {
      s.mean = s.std = s.lo = s.hi = s.raw_mean = std::nan("");
    } else {
      metrics::BootstrapOptions options;
      options.reps = bootstrap_reps;
      options.seed = s.seed;
      const auto estimate = metrics::bootstrap_mean(acc.normalized, options);
      s.mean = estimate.value;
      s.std = metrics::stddev(acc.normalized);
      s.lo = estimate.ci.lo;
      s.hi = estimate.ci.hi;
      s.raw_mean = metrics::mean(acc.raw);
    }
  });
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<PopulationSummary> out;
  out.reserve(rows.size());
  for (auto& [order, s] : rows) out.push_back(std::move(s));
  return out;
}

nlohmann::json to_json(const PopulationSummary& s) {
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  return {{"task", s.task},       {"agent", s.agent},   {"budget", s.budget},
          {"split", s.split},     {"trials", s.trials}, {"ok", s.ok},
          {"mean", num(s.mean)},  {"std", num(s.std)},   {"ci_low", num(s.lo)},
          {"ci_high", num(s.hi)}, {"raw_mean", num(s.raw_mean)}, {"bootstrap_seed", s.seed}};
}

}  // namespace hg
