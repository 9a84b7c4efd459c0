// csv: one tidy long table, loadable by pandas.read_csv with no options.
// Every row is one observation: a trial's score on one split, or one
// statistic of the report. docs/reports.md documents the columns.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <utility>

#include "hourglass/report/formats.h"
#include "hourglass/results/protocol_splits.h"
#include "hourglass/results/split_names.h"

namespace hg::report {
namespace {

constexpr const char* kHeader =
    "section,task,agent,other_agent,budget,split,seed_index,status,statistic,value,bound,"
    "ci_low,ci_high,n,raw,threshold\n";

std::string field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Shortest text that reads back as the same double; empty for NaN and inf.
std::string number(double v) {
  if (!std::isfinite(v)) return "";
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  return std::string(buf, end);
}

std::string bound(metrics::Bound b) {
  return b == metrics::Bound::kMoreThan ? ">" : b == metrics::Bound::kAtMost ? "<=" : "";
}

struct Row {
  Row(std::string section_, std::string task_, std::string agent_, std::string other_agent_,
      std::optional<int64_t> budget_, std::string split_)
      : section(std::move(section_)),
        task(std::move(task_)),
        agent(std::move(agent_)),
        other_agent(std::move(other_agent_)),
        budget(budget_),
        split(std::move(split_)) {}

  std::string section, task, agent, other_agent;
  std::optional<int64_t> budget;
  std::string split;
  std::optional<int64_t> seed_index;
  std::string status, statistic;
  double value = std::nan("");
  std::string bound;
  double ci_low = std::nan(""), ci_high = std::nan("");
  std::optional<int64_t> n;
  double raw = std::nan(""), threshold = std::nan("");

  Row& estimate(const metrics::Estimate& e) {
    value = e.value;
    ci_low = e.ci.lo;
    ci_high = e.ci.hi;
    return *this;
  }

  void write(std::ostream& out) const {
    auto integer = [](const std::optional<int64_t>& v) {
      return v ? std::to_string(*v) : std::string();
    };
    out << section << ',' << field(task) << ',' << field(agent) << ',' << field(other_agent) << ','
        << integer(budget) << ',' << field(split) << ',' << integer(seed_index) << ',' << status
        << ',' << statistic << ',' << number(value) << ',' << bound << ',' << number(ci_low) << ','
        << number(ci_high) << ',' << integer(n) << ',' << number(raw) << ',' << number(threshold)
        << '\n';
  }
};

class CsvRenderer final : public Renderer {
 public:
  void render(const Report& r, std::ostream& out) const override {
    out << kHeader;
    // Sealed splits first: one row per (task, split) a task seals, status
    // "scored" (drawn from the seal key) or "skipped" (no key); join on
    // (task, split) to mark the scores below.
    for (const auto& [task, splits] : r.sealed)
      for (const auto& split : splits) {
        Row row{"sealed", task, "", "", std::nullopt, split};
        row.status = r.seal_fingerprint.empty() ? "skipped" : "scored";
        row.statistic = "sealed";
        row.write(out);
      }
    for (const auto& t : r.trial_records)
      for (const auto& s : t.splits) {
        Row row{"trial", t.task, t.agent, "", t.budget, s.split};
        row.seed_index = t.seed_index;
        row.status = to_string(t.status);
        row.statistic = "normalized";
        row.value = s.normalized;
        row.raw = s.raw;
        row.write(out);
      }
    for (const auto& p : r.populations) {
      Row row{"population", p.task, p.agent, "", p.budget, p.split};
      row.n = p.ok;
      row.statistic = "mean";
      row.estimate({p.mean, {p.lo, p.hi}}).write(out);
      row = Row{"population", p.task, p.agent, "", p.budget, p.split};
      row.n = p.ok;
      row.statistic = "std";
      row.value = p.std;
      row.write(out);
      row.statistic = "raw_mean";
      row.value = p.raw_mean;
      row.write(out);
    }
    for (const auto& a : r.aggregates) {
      const std::pair<const char*, const metrics::Estimate*> stats[] = {
          {"iqm", &a.iqm},
          {"mean", &a.mean},
          {"median", &a.median},
          {"optimality_gap", &a.optimality_gap}};
      for (const auto& [name, estimate] : stats) {
        Row row{"aggregate", "", a.agent, "", a.budget, a.split};
        row.statistic = name;
        row.n = a.runs;
        row.estimate(*estimate).write(out);
      }
      // The ok runs of each task; unequal_runs = 1 on a task whose count
      // differs from the most common one (the flag of the text formats).
      for (const auto& [task, runs] : a.task_runs) {
        Row row{"aggregate", task, a.agent, "", a.budget, a.split};
        row.statistic = "ok_runs";
        row.value = runs;
        row.write(out);
        row.statistic = "unequal_runs";
        row.value = std::find(a.unequal_tasks.begin(), a.unequal_tasks.end(), task) !=
                            a.unequal_tasks.end()
                        ? 1.0
                        : 0.0;
        row.write(out);
      }
    }
    for (const auto& e : r.sample_efficiency) {
      Row row{"sample_efficiency", e.task, e.agent, "", std::nullopt, e.split};
      row.n = static_cast<int64_t>(e.budgets.size());
      row.statistic = "auc";
      row.value = e.auc;
      row.write(out);
      row.statistic = "samples_to_threshold";
      row.value = e.to_threshold.value;
      row.bound = bound(e.to_threshold.bound);
      row.threshold = r.options.threshold;
      row.write(out);
      for (size_t i = 0; i < e.multiplier.size(); ++i) {
        if (!e.multiplier[i]) continue;
        Row m{"sample_efficiency", e.task, e.agent, r.options.reference, e.budgets[i], e.split};
        m.statistic = "practice_multiplier";
        m.value = e.multiplier[i]->value;
        m.bound = bound(e.multiplier[i]->bound);
        m.write(out);
      }
    }
    for (const auto& g : r.generalization) {
      auto write = [&](const char* statistic, const SplitEstimate& e, const std::string& split) {
        Row row{"generalization", g.task, g.agent, "", g.budget, split};
        row.statistic = statistic;
        row.n = e.n;
        row.estimate(e.estimate).write(out);
      };
      write("generalization_gap", g.gap, "");
      for (const auto& d : g.ood_drop) write("ood_drop", d, d.split);
      if (!g.ood_drop.empty()) write("worst_ood", g.worst_ood, "");
      for (const auto& [split, ratio] : g.transfer_ratio) {
        Row row{"generalization", g.task, g.agent, "", g.budget, split};
        row.statistic = "transfer_ratio";
        row.value = ratio;
        row.write(out);
      }
    }
    for (const auto& c : r.improvement) {
      Row row{"probability_of_improvement", "", c.x, c.y, c.budget, c.split};
      row.statistic = "probability_of_improvement";
      row.n = c.tasks;
      row.estimate(c.p).write(out);
    }
    for (const auto& t : r.transfer) {  // protocol: transfer; split = the target
      const std::pair<const char*, const metrics::Estimate*> stats[] = {
          {"zero_shot", &t.zero_shot}, {"adapted", &t.adapted}, {"scratch", &t.scratch}};
      for (const auto& [name, estimate] : stats) {
        Row row{r.protocol, t.task, t.agent, "", t.budget, t.target};
        row.statistic = name;
        row.n = t.n;
        row.estimate(*estimate).write(out);
      }
      Row row{r.protocol, t.task, t.agent, "", t.budget, t.target};
      row.statistic = "effective_data_transferred";
      if (t.effective_data) {
        row.value = t.effective_data->value;
        row.bound = bound(t.effective_data->bound);
      }
      row.write(out);
      row.bound.clear();
      row.statistic = "transfer_ratio";
      row.value = t.transfer_ratio;
      row.write(out);
    }
    for (const auto& c : r.continual) {  // protocol: continual; split = R's cell
      const std::pair<const char*, const metrics::Estimate*> stats[] = {
          {"acc", &c.acc}, {"bwt", &c.bwt}, {"fwt", &c.fwt}};
      for (const auto& [name, estimate] : stats) {
        Row row{r.protocol, c.task, c.agent, "", c.budget, ""};
        row.statistic = name;
        row.n = c.n;
        row.estimate(*estimate).write(out);
      }
      for (size_t j = 0; j < c.stages.size(); ++j) {
        Row row{r.protocol, c.task, c.agent, "", c.budget, kUntrainedPrefix + c.stages[j]};
        row.statistic = "mean";
        row.n = c.n;
        row.value = c.untrained[j];
        row.write(out);
        for (size_t i = 0; i < c.stages.size(); ++i) {
          Row cell{r.protocol, c.task, c.agent, "", c.budget,
                   kAfterPrefix + c.stages[i] + "/" + c.stages[j]};
          cell.statistic = "mean";
          cell.n = c.n;
          cell.value = c.r[i][j];
          cell.write(out);
        }
      }
    }
    // protocol: deployment; split = the segment ("" for the whole stream and
    // retention), or a chunk's trial split for the curve.
    for (const auto& d : r.deployment) {
      auto stat = [&](const std::string& split, const char* statistic, int n) {
        Row row{r.protocol, d.task, d.agent, "", d.budget, split};
        row.statistic = statistic;
        row.n = n;
        return row;
      };
      for (const auto& s : d.segments) {
        stat(s.name, "learning", s.n).estimate(s.learning).write(out);
        stat(s.name, "frozen", s.n).estimate(s.frozen).write(out);
        stat(s.name, "gain", s.n).estimate(s.gain).write(out);
        if (!s.recovery) continue;
        // n: trials where it is defined; bound ">=" when some never recovered.
        Row rec = stat(s.name, "recovery_samples", s.recovery->defined);
        rec.estimate(s.recovery->samples);
        if (s.recovery->lower_bound) rec.bound = ">=";
        rec.threshold = d.recovery_fraction;
        rec.write(out);
        Row recovered = stat(s.name, "recovered", s.recovery->defined);
        recovered.value = s.recovery->recovered;
        recovered.write(out);
      }
      stat("", "learning", d.n).estimate(d.learning).write(out);
      stat("", "frozen", d.n).estimate(d.frozen).write(out);
      stat("", "gain", d.n).estimate(d.gain).write(out);
      stat("", "retention_pretrained", d.retention_n).estimate(d.retention_pretrained).write(out);
      stat("", "retention_end", d.retention_n).estimate(d.retention_end).write(out);
      stat("", "retention_change", d.retention_n).estimate(d.retention_change).write(out);
      for (const auto& p : d.curve) {
        const std::string k = p.segment + "/" + std::to_string(p.chunk);
        stat(kLearningPrefix + k, "mean", p.n).estimate(p.learning).write(out);
        stat(kFrozenPrefix + k, "mean", p.n).estimate(p.frozen).write(out);
      }
    }
    for (const auto& s : r.scaling) {  // n: budgets fitted; no rows without a fit
      if (!s.fit.ok) continue;
      auto scaling_row = [&](const char* statistic, double value) {
        Row row{"scaling", s.task, s.agent, "", std::nullopt, s.split};
        row.statistic = statistic;
        row.n = static_cast<int64_t>(s.budgets.size());
        row.value = value;
        return row;
      };
      scaling_row("alpha", s.fit.alpha).estimate({s.fit.alpha, s.alpha_ci}).write(out);
      scaling_row("a", s.fit.a).write(out);
      scaling_row("c", s.fit.c).write(out);  // 0 for the pure power law
      scaling_row("with_offset", s.fit.model == metrics::PowerLawModel::kWithOffset).write(out);
      scaling_row("r2", s.fit.r2).write(out);
      Row to = scaling_row("budget_to_threshold", s.budget_to_threshold);
      to.threshold = r.options.threshold;
      to.write(out);
    }
    // Sweeps: agent is the selected agent ("mlp", "mlp (oracle)"), other_agent
    // the configuration's agent name ("mlp[lr=0.001]"); split says on what.
    for (const auto& row : r.selection) {
      auto chosen = [&](const char* statistic, const std::string& split, double value) {
        Row c{"selection", row.task, row.agent, row.sweep + "[" + row.chosen + "]", row.budget,
              split};
        c.statistic = statistic;
        c.value = value;
        c.n = row.configurations;
        return c;
      };
      if (!row.chosen.empty()) {
        if (row.selection == "validation")
          chosen("chosen", kValidationSplit, row.validation).write(out);
        chosen(row.selection == "oracle" ? "oracle_chosen" : "chosen", kTestSplit, row.test)
            .write(out);
        chosen("chosen_steps", "", row.updates).write(out);
      }
      if (!row.oracle.empty()) {
        Row o{"selection", row.task, row.agent, row.sweep + "[" + row.oracle + "]", row.budget,
              kTestSplit};
        o.statistic = "oracle";
        o.value = row.oracle_test;
        o.n = row.configurations;
        o.write(out);
        Row gap{"selection", row.task, row.agent, "", row.budget, kTestSplit};
        gap.statistic = "selection_gap";
        gap.value = row.gap;
        gap.n = row.configurations;
        gap.write(out);
      }
    }
    for (const auto& c : r.sweep_configurations) {
      auto stat = [&](const char* statistic, const std::string& split, double value) {
        Row row{"sweep", c.task, c.agent, c.sweep, c.budget, split};
        row.statistic = statistic;
        row.value = value;
        row.n = c.n;
        return row;
      };
      stat("mean", kValidationSplit, c.validation).write(out);
      stat("mean", kTestSplit, c.test).write(out);
      stat("steps", "", c.updates).write(out);
    }
    for (const auto& line : r.on_the_line) {
      const std::pair<const char*, const std::optional<double>*> stats[] = {
          {"probit_slope", &line.slope},
          {"probit_intercept", &line.intercept},
          {"probit_r2", &line.r2}};
      for (const auto& [name, value] : stats) {
        Row row{"accuracy_on_the_line", line.task, "", "", std::nullopt, line.split};
        row.statistic = name;
        row.n = static_cast<int64_t>(line.points.size());
        row.value = value->value_or(std::nan(""));
        row.write(out);
      }
    }
  }
};

}  // namespace

std::unique_ptr<Renderer> make_csv_renderer() { return std::make_unique<CsvRenderer>(); }

}  // namespace hg::report
