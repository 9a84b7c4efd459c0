// protocol: continual, its report (continual.h): per (task, agent, budget)
// the mean R matrix, untrained scores, and ACC, BWT, FWT per trial (GEM);
// a summary table per task and one R matrix per population. No LibTorch here.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "hourglass/metrics/generalization.h"
#include "hourglass/metrics/sample_efficiency.h"
#include "hourglass/protocols/continual/continual.h"
#include "hourglass/report/protocol_report.h"

namespace hg {

using report::by_population;
using report::mean_ci;
using report::population_label;
using report::usable;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Per task: its stream's stage names in order, from the resolved configs
// (trial splits are JSON objects: no order).
std::map<std::string, std::vector<std::string>> stage_order(
    const std::vector<nlohmann::json>& configs) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& config : configs) {
    auto tasks = config.find("tasks");
    if (tasks == config.end() || !tasks->is_array()) continue;
    for (const auto& task : *tasks) {
      if (!task.is_object() || !task.contains("stream") || !task["stream"].is_array() ||
          !task.contains("name") || !task["name"].is_string())
        continue;
      std::vector<std::string> stages;
      for (const auto& stage : task["stream"])
        if (stage.is_object() && stage.contains("name") && stage["name"].is_string())
          stages.push_back(stage["name"].get<std::string>());
      out[task["name"].get<std::string>()] = stages;
    }
  }
  return out;
}

}  // namespace

void continual_rows(Report& r, const std::vector<nlohmann::json>& configs) {
  const auto order = stage_order(configs);
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


namespace report {

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


}  // namespace report
}  // namespace hg
