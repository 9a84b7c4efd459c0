#include "hourglass/report/protocol_report.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <tuple>

#include "hourglass/core/random.h"
#include "hourglass/metrics/generalization.h"
#include "hourglass/metrics/sample_efficiency.h"
#include "hourglass/results/protocol_splits.h"

namespace hg {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using PopulationKey = std::tuple<std::string, std::string, int64_t>;  // task, agent, budget

// The trials of each population, in the order they first appear.
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

// Normalized score of a split when the trial is ok and it is finite.
std::optional<double> usable(const TrialRecord& t, const std::string& split) {
  if (t.status != "ok") return std::nullopt;
  const SplitScore* s = t.find_split(split);
  if (!s || !std::isfinite(s->normalized) || !std::isfinite(s->raw)) return std::nullopt;
  return s->normalized;
}

Estimate mean_ci(const std::vector<double>& values, int reps, const std::string& key) {
  if (values.empty()) return {kNaN, {kNaN, kNaN}};
  metrics::BootstrapOptions options;
  options.reps = reps;
  options.seed = stable_hash(key);
  return metrics::bootstrap_mean(values, options);
}

std::string population_label(const PopulationKey& key) {
  return std::get<0>(key) + "/" + std::get<1>(key) + "/" + std::to_string(std::get<2>(key));
}

void transfer_rows(Report& r) {
  const int reps = r.options.reps;
  for (const auto& [key, trials] : by_population(r.trial_records)) {
    std::vector<std::string> targets;  // from the adapted/* splits, by name
    for (const TrialRecord* t : trials)
      for (const auto& s : t->splits)
        if (starts_with(s.split, kAdaptedPrefix)) {
          const auto name = s.split.substr(std::string(kAdaptedPrefix).size());
          if (std::find(targets.begin(), targets.end(), name) == targets.end())
            targets.push_back(name);
        }
    std::sort(targets.begin(), targets.end());
    for (const auto& target : targets) {
      TransferRow row;
      std::tie(row.task, row.agent, row.budget) = key;
      row.target = target;
      std::vector<double> zero, adapted, scratch;
      for (const TrialRecord* t : trials) {
        auto z = usable(*t, kZeroShotPrefix + target);
        auto a = usable(*t, kAdaptedPrefix + target);
        auto s = usable(*t, kScratchPrefix + target);
        if (!z || !a || !s) continue;
        zero.push_back(*z);
        adapted.push_back(*a);
        scratch.push_back(*s);
      }
      row.n = static_cast<int>(adapted.size());
      const std::string base = "transfer/" + population_label(key) + "/" + target + "/";
      row.zero_shot = mean_ci(zero, reps, base + "zero-shot");
      row.adapted = mean_ci(adapted, reps, base + "adapted");
      row.scratch = mean_ci(scratch, reps, base + "scratch");
      row.transfer_ratio = row.scratch.value > 0
                               ? metrics::transfer_ratio(row.scratch.value, row.adapted.value)
                               : kNaN;
      r.transfer.push_back(std::move(row));
    }
  }
  // Effective data transferred: on the scratch curve of the same (task,
  // target, agent), over the budgets > 0 with a mean.
  for (auto& row : r.transfer) {
    if (!std::isfinite(row.adapted.value)) continue;
    std::vector<double> budgets, means;
    for (const auto& other : r.transfer)
      if (other.task == row.task && other.target == row.target && other.agent == row.agent &&
          other.budget > 0 && std::isfinite(other.scratch.value)) {
        budgets.push_back(static_cast<double>(other.budget));
        means.push_back(other.scratch.value);
      }
    if (budgets.empty()) continue;
    std::vector<size_t> order(budgets.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return budgets[a] < budgets[b]; });
    std::vector<double> b, m;
    for (size_t i : order) {
      b.push_back(budgets[i]);
      m.push_back(means[i]);
    }
    row.effective_data = metrics::effective_data_transferred_estimate(
        b, m, row.adapted.value, static_cast<double>(row.budget));
  }
}

void continual_rows(Report& r, const std::map<std::string, std::vector<std::string>>& order) {
  const int reps = r.options.reps;
  for (const auto& [key, trials] : by_population(r.trial_records)) {
    ContinualRow row;
    std::tie(row.task, row.agent, row.budget) = key;
    if (auto it = order.find(row.task); it != order.end()) {
      row.stages = it->second;
    } else {
      std::set<std::string> names;
      for (const TrialRecord* t : trials)
        for (const auto& s : t->splits)
          if (starts_with(s.split, kUntrainedPrefix))
            names.insert(s.split.substr(std::string(kUntrainedPrefix).size()));
      row.stages.assign(names.begin(), names.end());
    }
    const size_t T = row.stages.size();
    if (T == 0) continue;
    row.r.assign(T, std::vector<double>(T, 0.0));
    row.untrained.assign(T, 0.0);
    std::vector<double> acc, bwt, fwt;
    for (const TrialRecord* t : trials) {
      std::vector<std::vector<double>> R(T, std::vector<double>(T));
      std::vector<double> b(T);
      bool complete = true;
      for (size_t j = 0; j < T && complete; ++j) {
        auto u = usable(*t, kUntrainedPrefix + row.stages[j]);
        complete = u.has_value();
        if (complete) b[j] = *u;
        for (size_t i = 0; i < T && complete; ++i) {
          auto v = usable(*t, kAfterPrefix + row.stages[i] + "/" + row.stages[j]);
          complete = v.has_value();
          if (complete) R[i][j] = *v;
        }
      }
      if (!complete) continue;
      for (size_t i = 0; i < T; ++i) {
        row.untrained[i] += b[i];
        for (size_t j = 0; j < T; ++j) row.r[i][j] += R[i][j];
      }
      acc.push_back(metrics::continual_acc(R));
      bwt.push_back(metrics::continual_bwt(R));
      fwt.push_back(metrics::continual_fwt(R, b));
    }
    row.n = static_cast<int>(acc.size());
    const double n = row.n > 0 ? static_cast<double>(row.n) : kNaN;
    for (size_t i = 0; i < T; ++i) {
      row.untrained[i] /= n;
      for (size_t j = 0; j < T; ++j) row.r[i][j] /= n;
    }
    const std::string base = "continual/" + population_label(key) + "/";
    row.acc = mean_ci(acc, reps, base + "acc");
    row.bwt = mean_ci(bwt, reps, base + "bwt");
    row.fwt = mean_ci(fwt, reps, base + "fwt");
    r.continual.push_back(std::move(row));
  }
}

}  // namespace

void protocol_rows(Report& r, const std::map<std::string, std::vector<std::string>>& stage_order) {
  if (r.protocol == "transfer") transfer_rows(r);
  if (r.protocol == "continual") continual_rows(r, stage_order);
}

namespace report {
namespace {

std::vector<TextSection> transfer_sections(const Report& r) {
  TextSection section{
      "transfer",
      "Transfer",
      "Per target and adaptation budget n (target samples): zero-shot is the pretrained "
      "learner before adapting, adapted the pretrained learner after training on n target "
      "samples, scratch a fresh learner trained on the same n samples; mean normalized score "
      "[95% bootstrap CI] over seeds. Effective data transferred (Hernandez et al. 2021) = "
      "D_scratch(adapted) - n, where D_scratch(s) is the budget the scratch curve needs to "
      "reach score s, interpolated in log budget over the budgets > 0 (> d: scratch never "
      "gets there, so at least d; <= d: scratch reaches it at its smallest budget). ratio = "
      "adapted / scratch on normalized scores (n/a unless scratch > 0).",
      {}};
  std::vector<std::pair<std::string, std::string>> titles;  // (task, target)
  for (const auto& row : r.transfer)
    if (std::find(titles.begin(), titles.end(), std::make_pair(row.task, row.target)) ==
        titles.end())
      titles.emplace_back(row.task, row.target);
  for (const auto& [task, target] : titles) {
    TextTable table;
    table.title = task + " -> " + target;
    int seeds = 0;
    table.header = {"agent", "n", "zero-shot", "adapted", "scratch", "effective data", "ratio"};
    table.numeric = {false, true, false, false, false, true, true};
    for (const auto& row : r.transfer) {
      if (row.task != task || row.target != target) continue;
      seeds = std::max(seeds, row.n);
      table.rows.push_back(
          {row.agent, std::to_string(row.budget), format_estimate(row.zero_shot),
           format_estimate(row.adapted), format_estimate(row.scratch),
           row.effective_data ? metrics::format_budget_estimate(*row.effective_data, 0) : "n/a",
           std::isfinite(row.transfer_ratio) ? format_score(row.transfer_ratio) : "n/a"});
    }
    table.caption = "normalized score, mean [95% CI] over " + std::to_string(seeds) +
                    " seeds; effective data transferred in target samples";
    if (r.failed + r.diverged > 0)
      table.notes.push_back("! " + std::to_string(r.failed + r.diverged) +
                            " trial(s) failed or diverged; means are over the rest");
    section.tables.push_back(std::move(table));
  }
  return {section};
}

std::vector<TextSection> continual_sections(const Report& r) {
  TextSection summary{
      "continual",
      "Continual learning",
      "The stages of the stream are trained in order, each on its own budget of samples, "
      "never revisited. Per trial, from R[i][j] (normalized score on stage j's test draws "
      "after training through stage i) and b_j (the untrained learner on stage j), as in GEM "
      "(Lopez-Paz and Ranzato 2017): ACC = mean_j R[T-1][j]; BWT = 1/(T-1) sum_{j<T-1} "
      "(R[T-1][j] - R[j][j]), negative is forgetting; FWT = 1/(T-1) sum_{j>0} (R[j-1][j] - "
      "b_j). Mean [95% bootstrap CI] over seeds.",
      {}};
  std::vector<std::string> tasks;
  for (const auto& row : r.continual)
    if (std::find(tasks.begin(), tasks.end(), row.task) == tasks.end()) tasks.push_back(row.task);
  for (const auto& task : tasks) {
    TextTable table;
    table.title = task;
    table.header = {"agent", "budget/stage", "stages", "ACC", "BWT", "FWT"};
    table.numeric = {false, true, true, false, false, false};
    int seeds = 0;
    for (const auto& row : r.continual) {
      if (row.task != task) continue;
      seeds = std::max(seeds, row.n);
      table.rows.push_back({row.agent, std::to_string(row.budget),
                            std::to_string(row.stages.size()), format_estimate(row.acc),
                            format_estimate(row.bwt), format_estimate(row.fwt)});
    }
    table.caption = "normalized scores, mean [95% CI] over " + std::to_string(seeds) + " seeds";
    summary.tables.push_back(std::move(table));
  }
  TextSection matrices{"continual-matrix",
                       "Continual: the R matrix",
                       "Row 'after s_i': mean normalized score on each stage's test draws after "
                       "training through stage s_i (R[i][j]); row 'untrained': the learner before "
                       "any stage (b_j). The diagonal is each stage just learned; below it, what "
                       "is left of it later.",
                       {}};
  for (const auto& row : r.continual) {
    TextTable table;
    table.title = row.task + ", " + row.agent + ", " + std::to_string(row.budget) + " per stage";
    table.caption = "mean normalized score over " + std::to_string(row.n) + " seeds";
    table.header = {"trained through"};
    for (const auto& s : row.stages) table.header.push_back(s);
    table.numeric.assign(table.header.size(), true);
    table.numeric[0] = false;
    std::vector<std::string> line{"untrained"};
    for (double v : row.untrained) line.push_back(format_score(v));
    table.rows.push_back(std::move(line));
    for (size_t i = 0; i < row.stages.size(); ++i) {
      std::vector<std::string> cells{"after " + row.stages[i]};
      for (double v : row.r[i]) cells.push_back(format_score(v));
      table.rows.push_back(std::move(cells));
    }
    matrices.tables.push_back(std::move(table));
  }
  return {summary, matrices};
}

}  // namespace

std::vector<TextSection> protocol_sections(const Report& r) {
  if (r.protocol == "transfer") return transfer_sections(r);
  if (r.protocol == "continual") return continual_sections(r);
  return {};
}

}  // namespace report
}  // namespace hg
