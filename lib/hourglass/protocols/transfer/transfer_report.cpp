// protocol: transfer, its report (transfer.h): per (task, target, agent, n)
// zero-shot, adapted and scratch means, effective data transferred and the
// transfer ratio; one text table per (task, target). No LibTorch here.
#include <algorithm>
#include <cmath>
#include <limits>

#include "hourglass/metrics/generalization.h"
#include "hourglass/metrics/sample_efficiency.h"
#include "hourglass/protocols/transfer/transfer.h"
#include "hourglass/report/protocol_report.h"

namespace hg {

using report::by_population;
using report::mean_ci;
using report::population_label;
using report::usable;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

void transfer_rows(Report& r, const std::vector<nlohmann::json>& /*configs*/) {
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


namespace report {

std::vector<TextSection> transfer_sections(const Report& r) {
  TextSection section{
      "transfer",
      "Transfer",
      "Per target and adaptation budget n (target samples; environment steps per member for "
      "interactive tasks): zero-shot is the pretrained "
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
                    " seeds; effective data transferred in target samples (environment steps "
                    "for interactive tasks)";
    if (r.failed + r.diverged > 0)
      table.notes.push_back("! " + std::to_string(r.failed + r.diverged) +
                            " trial(s) failed or diverged; means are over the rest");
    section.tables.push_back(std::move(table));
  }
  return {section};
}


}  // namespace report
}  // namespace hg
