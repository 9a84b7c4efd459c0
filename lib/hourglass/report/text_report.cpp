#include "hourglass/report/text_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "hourglass/results/split_names.h"
#include "hourglass/run/protocol.h"

namespace hg::report {
namespace {

std::string plural(size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string population_cell(const PopulationSummary& s) {
  if (s.ok == 0) return s.diverged > 0 && s.diverged == s.trials ? "diverged" : "failed";
  std::string out = format_estimate({s.mean, {s.lo, s.hi}});
  if (s.ok < s.trials) out += "*";
  return out;
}

// A split's column title: marked when the task seals it.
std::string split_title(const Report& r, const std::string& task, const std::string& split) {
  return r.is_sealed(task, split) ? split + " (sealed)" : split;
}

// Preamble lines about sealed splits: which, and whether they were scored.
std::vector<std::string> seal_lines(const Report& r) {
  if (r.sealed.empty()) return {};
  std::string names;
  for (const auto& [task, splits] : r.sealed)
    for (const auto& split : splits) names += (names.empty() ? "" : ", ") + task + " " + split;
  std::vector<std::string> out;
  if (!r.seal_fingerprint.empty())
    out.push_back("sealed splits: " + names + " (columns marked \"(sealed)\"); drawn from the "
                  "seal key with fingerprint " + r.seal_fingerprint);
  if (r.sealed_skipped)
    out.push_back("sealed splits " + names + ": skipped" +
                  (r.seal_fingerprint.empty() ? std::string() : std::string(" in some files")) +
                  ", the run had no seal key (--seal-key-file); not scored there");
  return out;
}

// Per task: agents x budgets as rows, the task's splits as columns.
TextSection scores_section(const Report& r) {
  TextSection section{"scores",
                      "Scores per task",
                      "Mean normalized score over seeds with its 95% percentile bootstrap "
                      "interval, per agent, budget and split (0 = trivial reference, 1 = "
                      "optimal).",
                      {}};
  for (size_t t = 0; t < r.tasks.size(); ++t) {
    const auto& task = r.tasks[t];
    const auto& splits = r.task_splits[t];
    std::vector<std::pair<std::string, int64_t>> rows;
    std::map<std::pair<std::string, int64_t>, std::map<std::string, const PopulationSummary*>>
        cells;
    int64_t seeds = 0, lost = 0;
    for (const auto& s : r.populations) {
      if (s.task != task) continue;
      const auto row = std::make_pair(s.agent, s.budget);
      if (std::find(rows.begin(), rows.end(), row) == rows.end()) rows.push_back(row);
      cells[row][s.split] = &s;
      seeds = std::max(seeds, s.trials);
      if (s.split == splits.front()) lost += s.trials - s.ok;
    }
    TextTable table;
    table.title = task;
    table.caption = "normalized score, mean [95% CI] over " + std::to_string(seeds) + " seeds";
    table.header = {"agent", "budget"};
    for (const auto& split : splits) table.header.push_back(split_title(r, task, split));
    table.numeric.assign(table.header.size(), false);
    table.numeric[1] = true;
    for (const auto& row : rows) {
      std::vector<std::string> line{row.first, std::to_string(row.second)};
      for (const auto& split : splits) {
        auto it = cells[row].find(split);
        line.push_back(it == cells[row].end() ? "" : population_cell(*it->second));
      }
      table.rows.push_back(std::move(line));
    }
    if (lost > 0)
      table.notes.push_back("* " + std::to_string(lost) +
                            " trial(s) failed or diverged; means are over the rest");
    section.tables.push_back(std::move(table));
  }
  return section;
}

// "mlp at 100: task-b 3 runs, others 5".
std::string unequal_runs_text(const AggregateRow& a) {
  std::string flagged, others;
  int other_runs = 0;
  for (const auto& [task, n] : a.task_runs) {
    if (std::find(a.unequal_tasks.begin(), a.unequal_tasks.end(), task) != a.unequal_tasks.end())
      flagged += (flagged.empty() ? "" : ", ") + task + " " + plural(static_cast<size_t>(n), "run");
    else
      other_runs = n;
  }
  return a.agent + " at " + std::to_string(a.budget) + ": " + flagged + ", others " +
         std::to_string(other_runs);
}

TextSection aggregate_section(const Report& r) {
  TextSection section{"aggregate",
                      "Aggregate over tasks",
                      "Statistics of the normalized scores of the runs (seeds) of all tasks, per "
                      "agent, budget and split, each with a 95% stratified bootstrap interval "
                      "(runs resampled within each task), as rliable defines them. IQM: mean of "
                      "the middle 50% of all runs pooled; mean and median: of the per-task mean "
                      "scores (every task weighs the same); optimality gap: 1 - mean(min(score, "
                      "1)) over all runs pooled, lower is better. worst-ood: per trial, the "
                      "lowest score over its OOD splits.",
                      {}};
  for (const auto& split : r.aggregate_splits) {
    TextTable table;
    table.title = split;
    table.header = {"agent", "budget", "tasks", "runs", "IQM", "mean", "median", "optimality gap"};
    table.numeric = {false, true, true, true, false, false, false, false};
    int tasks = 0;
    bool short_of_tasks = false;
    std::vector<std::string> unequal;
    for (const auto& a : r.aggregates) {
      if (a.split != split) continue;
      tasks = std::max(tasks, a.tasks_expected);
      const bool short_row = a.tasks < a.tasks_expected;
      short_of_tasks = short_of_tasks || short_row;
      if (!a.unequal_tasks.empty()) unequal.push_back(unequal_runs_text(a));
      table.rows.push_back({a.agent, std::to_string(a.budget),
                            std::to_string(a.tasks) + (short_row ? "*" : ""),
                            std::to_string(a.runs) + (a.unequal_tasks.empty() ? "" : "!"),
                            format_estimate(a.iqm), format_estimate(a.mean),
                            format_estimate(a.median), format_estimate(a.optimality_gap)});
    }
    table.caption =
        "normalized score over " + plural(static_cast<size_t>(tasks), "task") + ", value [95% CI]";
    if (short_of_tasks)
      table.notes.push_back(
          "* some tasks have no ok run of this agent at this budget; the "
          "statistics are over the tasks that do");
    if (!unequal.empty()) {
      std::string list;
      for (const auto& u : unequal) list += (list.empty() ? "" : "; ") + u;
      table.notes.push_back(
          "! unequal ok runs per task (mean and median weigh every task the same; IQM and "
          "optimality gap pool the runs, so a task with more runs weighs more): " +
          list);
    }
    section.tables.push_back(std::move(table));
  }
  return section;
}

std::string multiplier_cell(const std::optional<metrics::BudgetEstimate>& m) {
  return m ? metrics::format_budget_estimate(*m, 1) : "";
}

TextSection efficiency_section(const Report& r) {
  char tau[32];
  std::snprintf(tau, sizeof tau, "%g", r.options.threshold);
  const std::string& ref = r.options.reference;
  TextSection section{
      "sample-efficiency",
      "Sample efficiency",
      std::string("Per split and agent, from the curve of mean normalized score against budget: "
                  "AUC is the area under it over log budget divided by the log budget range "
                  "(the average score, each decade weighing the same); samples to ") +
          tau + " is the smallest budget whose mean reaches " + tau +
          ", interpolated in log budget (> b: not reached by the largest budget b; <= b: "
          "reached at the smallest). " +
          (ref.empty()
               ? "There is no practice multiplier: every agent is a trivial learner, and none "
                 "is a reference worth measuring against (pass --reference). "
               : "x at b is the practice multiplier against the reference agent " + ref + " (" +
                     r.reference_source + "): how many times more samples " + ref +
                     " needs to match the agent's score at budget b (> m: " + ref +
                     " never gets there within its budgets; <= m: it matches it at its smallest "
                     "budget). ") +
          "The all-tasks table uses the curve of the aggregate IQM.",
      {}};
  std::vector<std::string> titles;
  for (const auto& row : r.sample_efficiency) {
    const std::string title = row.task.empty() ? "all tasks (IQM)" : row.task;
    if (std::find(titles.begin(), titles.end(), title) == titles.end()) titles.push_back(title);
  }
  for (const auto& title : titles) {
    TextTable table;
    table.title = title;
    table.caption = std::string("AUC over log budget, samples to reach ") + tau +
                    (ref.empty() ? "" : ", practice multiplier against " + ref);
    table.header = {"split", "agent", "AUC", std::string("samples to ") + tau};
    if (!ref.empty())
      for (int64_t b : r.budgets) table.header.push_back("x at " + std::to_string(b));
    table.numeric.assign(table.header.size(), true);
    table.numeric[0] = table.numeric[1] = false;
    for (const auto& row : r.sample_efficiency) {
      if ((row.task.empty() ? "all tasks (IQM)" : row.task) != title) continue;
      std::vector<std::string> line{row.split, row.agent + (row.agent == ref ? " (reference)" : ""),
                                    format_score(row.auc),
                                    metrics::format_budget_estimate(row.to_threshold, 0)};
      for (int64_t b : r.budgets) {
        if (ref.empty()) break;
        const auto at = std::find(row.budgets.begin(), row.budgets.end(), b);
        const size_t i = static_cast<size_t>(at - row.budgets.begin());
        line.push_back(at == row.budgets.end() || i >= row.multiplier.size()
                           ? (row.agent == ref && at != row.budgets.end() ? "-" : "")
                           : multiplier_cell(row.multiplier[i]));
      }
      table.rows.push_back(std::move(line));
    }
    section.tables.push_back(std::move(table));
  }
  return section;
}

TextSection generalization_section(const Report& r) {
  TextSection section{"generalization",
                      "Generalization",
                      "Computed per trial from its normalized scores, then mean [95% bootstrap "
                      "CI] over the trials of the population. gap = train - test (what was "
                      "memorized rather than learned); drop = test - ood (what the shift "
                      "costs; positive is a drop); worst OOD = the lowest score over the OOD "
                      "splits; ratio = transfer ratio mean(ood) / mean(test) of the population "
                      "means (n/a when the test mean is 0).",
                      {}};
  for (size_t t = 0; t < r.tasks.size(); ++t) {
    TextTable table;
    table.title = r.tasks[t];
    table.caption = "differences of normalized scores, mean [95% CI] over trials";
    table.header = {"agent", "budget", "gap (train - test)"};
    std::vector<std::string> ood;
    for (const auto& split : r.task_splits[t])
      if (is_ood_split(split)) ood.push_back(split);
    for (const auto& split : ood)
      table.header.push_back("drop " + split_title(r, r.tasks[t], split));
    const bool has_ood = !ood.empty();
    if (has_ood) table.header.push_back("worst OOD");
    for (const auto& split : ood)
      table.header.push_back("ratio " + split_title(r, r.tasks[t], split));
    table.numeric.assign(table.header.size(), false);
    table.numeric[1] = true;
    for (const auto& g : r.generalization) {
      if (g.task != r.tasks[t]) continue;
      std::vector<std::string> line{g.agent, std::to_string(g.budget),
                                    format_estimate(g.gap.estimate)};
      for (const auto& d : g.ood_drop) line.push_back(format_estimate(d.estimate));
      if (has_ood) line.push_back(format_estimate(g.worst_ood.estimate));
      for (const auto& split : ood) {
        std::string cell;
        for (const auto& [name, ratio] : g.transfer_ratio)
          if (name == split) cell = format_score(ratio);
        line.push_back(cell);
      }
      table.rows.push_back(std::move(line));
    }
    section.tables.push_back(std::move(table));
  }
  return section;
}

// Per split: one row per ordered pair of agents, one column per budget.
TextSection improvement_section(const Report& r) {
  TextSection section{"improvement",
                      "Probability of improvement",
                      "P(X > Y): the probability that a random run of X beats a random run of Y "
                      "on a task (Mann-Whitney U / (n_X n_Y), ties counting half), averaged over "
                      "the tasks where both have ok runs, with its 95% stratified bootstrap "
                      "interval. 0.5: no difference; an interval containing 0.5 does not rule "
                      "out a tie.",
                      {}};
  for (const auto& split : r.aggregate_splits) {
    TextTable table;
    table.title = split;
    table.caption = "P(X > Y) [95% CI] by budget";
    table.header = {"X", "Y"};
    for (int64_t b : r.budgets) table.header.push_back(std::to_string(b));
    table.numeric.assign(table.header.size(), true);
    table.numeric[0] = table.numeric[1] = false;
    for (const auto& x : r.agents)
      for (const auto& y : r.agents) {
        if (x == y) continue;
        std::vector<std::string> line{x, y};
        bool any = false;
        for (int64_t b : r.budgets) {
          std::string cell;
          for (const auto& c : r.improvement)
            if (c.split == split && c.budget == b && c.x == x && c.y == y) {
              cell = format_estimate(c.p);
              any = true;
            }
          line.push_back(cell);
        }
        if (any) table.rows.push_back(std::move(line));
      }
    if (!table.rows.empty()) section.tables.push_back(std::move(table));
  }
  return section;
}

// One table: per (task, OOD split) the probit fit of OOD on test.
TextSection on_the_line_section(const Report& r) {
  TextSection section{"on-the-line",
                      "Accuracy on the line",
                      "Per task and OOD split, over the (agent, budget) populations: the least-"
                      "squares fit of probit(OOD mean) on probit(test mean), normalized scores "
                      "clipped into [0.001, 0.999] first (Miller et al. 2021). A slope near 1 "
                      "and a high R^2: the shift costs every agent alike; a population above "
                      "the line generalizes better than its test score predicts.",
                      {}};
  if (r.on_the_line.empty()) return section;
  TextTable table;
  table.title = "probit fit of OOD on test";
  table.caption = "slope, intercept and R^2 over the populations (points)";
  table.header = {"task", "split", "points", "slope", "intercept", "R^2"};
  table.numeric = {false, false, true, true, true, true};
  auto cell = [](const std::optional<double>& v) { return v ? format_score(*v) : "n/a"; };
  for (const auto& line : r.on_the_line)
    table.rows.push_back({line.task, line.split, std::to_string(line.points.size()),
                          cell(line.slope), cell(line.intercept), cell(line.r2)});
  section.tables.push_back(std::move(table));
  return section;
}

// "12345"; "never" for NaN (the fitted floor is above the target); "> 1e9"
// beyond a billion samples (infinity included: an exponent near 0), where
// an extrapolation says nothing but "far"; "< 1" below one sample.
std::string budget_text(double n) {
  if (std::isnan(n)) return "never";
  if (n > 1e9) return "> 1e9";
  if (n < 1) return "< 1";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", n);
  return buf;
}

std::string general_number(double v) {
  if (!std::isfinite(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// Per task: one row per (split, agent) with a fit of the error against the budget.
TextSection scaling_section(const Report& r) {
  char tau[32];
  std::snprintf(tau, sizeof tau, "%g", r.options.threshold);
  int reps = 0;
  for (const auto& s : r.scaling) reps = std::max(reps, s.reps);
  TextSection section{
      "scaling",
      "Scaling with the budget",
      std::string("Per task, split and agent: the fit of the error e = 1 - mean normalized score "
                  "against the budget n, e(n) = a n^-alpha + c with 4 budgets or more, the pure "
                  "power law a n^-alpha with 2 or 3 (too few to fit the floor c), least squares "
                  "(model says which). alpha is the scaling exponent: doubling the budget "
                  "multiplies the reducible error by 2^-alpha. Its interval is a 95% percentile "
                  "bootstrap (seeds resampled within each budget, ") +
          std::to_string(reps) + " replicates). n to " + tau +
          ": the budget at which the fitted curve reaches " + tau +
          ", an extrapolation when beyond the largest budget; never: the fitted floor c is "
          "above 1 - " +
          tau + ".",
      {}};
  std::vector<std::string> tasks;
  for (const auto& s : r.scaling)
    if (std::find(tasks.begin(), tasks.end(), s.task) == tasks.end()) tasks.push_back(s.task);
  for (const auto& task : tasks) {
    TextTable table;
    table.title = task;
    table.caption = "power-law fit of 1 - score against the budget, alpha [95% CI]";
    table.header = {"split", "agent", "model", "alpha", "a", "c", "R^2",
                    std::string("n to ") + tau};
    table.numeric = {false, false, false, false, true, true, true, true};
    std::vector<std::pair<std::string, std::string>> no_fit;  // why, "split agent, ..."
    for (const auto& s : r.scaling) {
      if (s.task != task) continue;
      if (!s.fit.ok) {
        table.rows.push_back({s.split, s.agent, "no fit*", "", "", "", "", ""});
        auto it = std::find_if(no_fit.begin(), no_fit.end(),
                               [&](const auto& x) { return x.first == s.fit.why; });
        if (it == no_fit.end()) it = no_fit.insert(no_fit.end(), {s.fit.why, ""});
        it->second += (it->second.empty() ? "" : ", ") + s.split + " " + s.agent;
        continue;
      }
      table.rows.push_back(
          {s.split, s.agent, metrics::power_law_model_name(s.fit.model),
           format_estimate({s.fit.alpha, s.alpha_ci}), general_number(s.fit.a),
           s.fit.model == metrics::PowerLawModel::kPure ? "-" : format_score(s.fit.c),
           format_score(s.fit.r2), budget_text(s.budget_to_threshold)});
    }
    for (const auto& [why, rows] : no_fit)
      table.notes.push_back("* no fit: " + why + " (" + rows + ")");
    section.tables.push_back(std::move(table));
  }
  return section;
}

// The compact report's cell: "test / worst OOD" means ("test" alone for a
// task without OOD splits), "failed" or "diverged" when no trial is left, a
// "*" when some trials were lost.
std::string compact_cell(const PopulationSummary* test, const SplitEstimate* worst, bool has_ood,
                         bool& lost) {
  if (!test) return "";
  std::string out = test->ok == 0 ? population_cell(*test) : format_score(test->mean);
  if (has_ood) out += " / " + (worst ? format_score(worst->estimate.value) : std::string("n/a"));
  if (test->ok > 0 && test->ok < test->trials) {
    out += "*";
    lost = true;
  }
  return out;
}

// One table per task (one row per agent, one column per budget) and one of
// the aggregate IQM over tasks: what fits a terminal and a job summary.
// Mean gradient steps, to the step ("n/a" when there is no ok trial).
std::string steps_text(double v) {
  if (!std::isfinite(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

// Sweeps: per task, the configuration each rule chose at each budget, the
// oracle's choice and the gap; in full, every configuration's means too.
TextSection selection_section(const Report& r, bool full) {
  bool oracle_rule = false;
  for (const auto& row : r.selection) oracle_rule = oracle_rule || row.selection == "oracle";
  TextSection section{
      "selection",
      "Model selection over sweeps",
      "Per task, swept agent and budget: the configuration chosen by the agent's selection rule "
      "and its mean normalized scores. validation: the highest mean score on the validation "
      "split, a share of the configuration's own budget held out of its training (nothing "
      "outside the budget is used); its test score is what the tables above show under the "
      "agent's name. oracle: the configuration with the highest mean test score, an upper bound "
      "that peeked at the test set. gap = oracle test - chosen test, what choosing inside the "
      "budget cost. steps: mean gradient steps (optimizer updates) of the chosen configuration. "
      "validation, refit: the scores are of a fresh learner refit on the whole budget (steps "
      "count both learners).",
      {}};
  std::vector<std::string> tasks;
  for (const auto& row : r.selection)
    if (std::find(tasks.begin(), tasks.end(), row.task) == tasks.end()) tasks.push_back(row.task);
  for (const auto& task : tasks) {
    std::map<std::pair<std::string, int64_t>, std::string> rule_of;  // (sweep, budget)
    for (const auto& row : r.selection)
      if (row.task == task) rule_of[{row.sweep, row.budget}] = row.selection;
    TextTable table;
    table.title = task;
    table.caption = "chosen configuration by budget, mean normalized scores";
    table.header = {"agent", "budget", "selection", "chosen", "validation", "test", "steps",
                    "oracle choice", "oracle test", "gap"};
    table.numeric = {false, true, false, false, true, true, true, false, true, true};
    for (const auto& row : r.selection) {
      if (row.task != task) continue;
      const bool oracle = row.selection == "oracle";
      const std::string rule =
          oracle ? "oracle*" : row.refit ? row.selection + ", refit" : row.selection;
      table.rows.push_back({row.agent, std::to_string(row.budget), rule,
                            row.chosen.empty() ? "none" : row.chosen,
                            oracle ? "-" : format_score(row.validation), format_score(row.test),
                            steps_text(row.updates), row.oracle.empty() ? "none" : row.oracle,
                            format_score(row.oracle_test), format_score(row.gap)});
    }
    if (oracle_rule)
      table.notes.push_back(
          "* oracle: chosen by the test score itself, an upper bound, not a result");
    section.tables.push_back(std::move(table));
    if (!full) continue;
    TextTable configs;
    configs.title = task + ": every configuration";
    configs.caption = "mean normalized scores over n trials";
    configs.header = {"agent", "budget", "configuration", "n", "validation", "test", "steps",
                      "choice of"};
    configs.numeric = {false, true, false, true, true, true, true, false};
    for (const auto& c : r.sweep_configurations) {
      if (c.task != task) continue;
      // "validation", "oracle", or both when they agree.
      std::string mark = c.chosen ? rule_of.at({c.sweep, c.budget}) : "";
      if (c.oracle && mark != "oracle") mark += mark.empty() ? "oracle" : ", oracle";
      configs.rows.push_back({c.sweep, std::to_string(c.budget), c.configuration,
                              std::to_string(c.n), format_score(c.validation),
                              format_score(c.test), steps_text(c.updates), mark});
    }
    section.tables.push_back(std::move(configs));
  }
  return section;
}

std::vector<TextSection> compact_sections(const Report& r) {
  TextSection scores{"scores",
                     "Scores per task",
                     "Mean normalized score over seeds at each budget: test (fresh draws from "
                     "the training distribution) / worst OOD (the lowest over the OOD splits). "
                     "`hourglass report` (or run --report full) adds intervals, every split, "
                     "sample efficiency and generalization.",
                     {}};
  std::vector<std::string> budget_header;
  for (int64_t b : r.budgets) budget_header.push_back(std::to_string(b));
  for (size_t t = 0; t < r.tasks.size(); ++t) {
    const auto& task = r.tasks[t];
    bool has_ood = false;
    for (const auto& split : r.task_splits[t]) has_ood = has_ood || split.rfind("ood/", 0) == 0;
    TextTable table;
    table.title = task;
    table.header = {"agent"};
    table.header.insert(table.header.end(), budget_header.begin(), budget_header.end());
    table.numeric.assign(table.header.size(), true);
    table.numeric[0] = false;
    int64_t seeds = 0;
    bool lost = false;
    for (const auto& agent : r.agents) {
      std::vector<std::string> line{agent};
      bool any = false;
      for (int64_t b : r.budgets) {
        const PopulationSummary* test = nullptr;
        for (const auto& s : r.populations)
          if (s.task == task && s.agent == agent && s.budget == b && s.split == "test") test = &s;
        const SplitEstimate* worst = nullptr;
        for (const auto& g : r.generalization)
          if (g.task == task && g.agent == agent && g.budget == b && g.worst_ood.n > 0)
            worst = &g.worst_ood;
        if (test) seeds = std::max(seeds, test->trials);
        any = any || test;
        line.push_back(compact_cell(test, worst, has_ood, lost));
      }
      if (any) table.rows.push_back(std::move(line));
    }
    table.caption = (has_ood ? "test / worst OOD" : "test") + std::string(", mean over ") +
                    plural(static_cast<size_t>(seeds), "seed") + ", by budget";
    if (lost) table.notes.push_back("* some trials failed or diverged; means are over the rest");
    scores.tables.push_back(std::move(table));
  }

  TextSection aggregate{"aggregate",
                        "Aggregate over tasks",
                        "IQM (mean of the middle 50% of all runs of all tasks) at each budget: "
                        "test / worst OOD.",
                        {}};
  TextTable table;
  table.title = "all tasks (IQM)";
  table.header = {"agent"};
  table.header.insert(table.header.end(), budget_header.begin(), budget_header.end());
  table.numeric.assign(table.header.size(), true);
  table.numeric[0] = false;
  bool any_worst = false;
  int tasks = 0;
  for (const auto& agent : r.agents) {
    std::vector<std::string> line{agent};
    for (int64_t b : r.budgets) {
      const AggregateRow *test = nullptr, *worst = nullptr;
      for (const auto& a : r.aggregates) {
        if (a.agent != agent || a.budget != b) continue;
        if (a.split == "test") test = &a;
        if (a.split == kWorstOodSplit) worst = &a;
      }
      if (test) tasks = std::max(tasks, test->tasks_expected);
      std::string cell = test ? format_score(test->iqm.value) : "";
      if (worst) {
        cell += " / " + format_score(worst->iqm.value);
        any_worst = true;
      }
      line.push_back(cell);
    }
    table.rows.push_back(std::move(line));
  }
  table.caption = std::string(any_worst ? "test / worst OOD" : "test") + ", IQM over " +
                  plural(static_cast<size_t>(tasks), "task") + ", by budget";
  aggregate.tables.push_back(std::move(table));
  return {scores, aggregate};
}

}  // namespace

std::string format_score(double value) {
  if (!std::isfinite(value)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", value);
  if (std::string(buf) == "-0.000") return "0.000";
  return buf;
}

std::string format_estimate(const metrics::Estimate& e) {
  if (!std::isfinite(e.value)) return "n/a";
  return format_score(e.value) + " [" + format_score(e.ci.lo) + ", " + format_score(e.ci.hi) + "]";
}

TextReport text_report(const Report& r) {
  TextReport out;
  out.title = "Hourglass report: " + r.suite;
  std::string files;
  for (const auto& f : r.files)
    files += (files.empty() ? "" : ", ") + f.label + " (" + plural(f.trials, "trial") + ")";
  out.preamble.push_back("results: " + files);
  const size_t ok = r.trials - r.failed - r.diverged;
  out.preamble.push_back("trials: " + std::to_string(r.trials) + " (" + std::to_string(ok) +
                         " ok, " + std::to_string(r.failed) + " failed, " +
                         std::to_string(r.diverged) + " diverged)");
  for (auto& line : seal_lines(r)) out.preamble.push_back(std::move(line));
  if (r.options.detail == ReportDetail::kCompact && !r.protocol_tables) {
    out.preamble.push_back("normalized scores (0 = trivial reference, 1 = optimal)");
    out.sections = compact_sections(r);
    if (!r.selection.empty()) out.sections.push_back(selection_section(r, false));
    return out;
  }
  out.preamble.push_back(
      "normalized scores (0 = trivial reference, 1 = optimal); intervals are 95% percentile "
      "bootstrap intervals over " +
      std::to_string(r.options.reps) + " replicates");
  if (r.protocol_tables) {  // a protocol with its own report: its sections (compact or full)
    out.preamble.push_back("protocol: " + r.protocol);
    if (const auto& sections = find_protocol(r.protocol).report_sections)
      out.sections = sections(r);
    return out;
  }
  out.sections = {scores_section(r), aggregate_section(r), efficiency_section(r),
                  generalization_section(r), improvement_section(r)};
  if (!r.on_the_line.empty()) out.sections.push_back(on_the_line_section(r));
  if (!r.scaling.empty()) out.sections.push_back(scaling_section(r));
  if (!r.selection.empty()) out.sections.push_back(selection_section(r, true));
  return out;
}

}  // namespace hg::report
