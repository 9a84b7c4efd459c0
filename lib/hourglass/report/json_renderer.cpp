// json: the report in the schema hourglass.report/1 (docs/reports.md).
// Non-finite numbers are written as null.
#include <cmath>
#include <nlohmann/json.hpp>

#include "hourglass/metrics/probit_fit.h"
#include "hourglass/report/formats.h"

namespace hg::report {
namespace {

using nlohmann::json;

json number(double v) { return std::isfinite(v) ? json(v) : json(); }

json estimate(const metrics::Estimate& e) {
  return {{"value", number(e.value)}, {"ci_low", number(e.ci.lo)}, {"ci_high", number(e.ci.hi)}};
}

json estimate(const SplitEstimate& e) {
  json j = estimate(e.estimate);
  j["n"] = e.n;
  return j;
}

json budget_estimate(const metrics::BudgetEstimate& e) {
  const char* bound = e.bound == metrics::Bound::kMoreThan ? "more_than"
                      : e.bound == metrics::Bound::kAtMost ? "at_most"
                                                           : "exact";
  return {{"value", number(e.value)}, {"bound", bound}};
}

json optional_number(const std::optional<double>& v) { return v ? number(*v) : json(); }

class JsonRenderer final : public Renderer {
 public:
  void render(const Report& r, std::ostream& out) const override {
    json doc;
    doc["schema"] = kReportSchema;
    doc["suite"] = r.suite;
    doc["files"] = json::array();
    for (const auto& f : r.files)
      doc["files"].push_back(
          {{"path", f.label}, {"suite", f.suite}, {"sha256", f.sha256}, {"trials", f.trials}});
    doc["options"] = {
        {"reference", r.options.reference.empty() ? json() : json(r.options.reference)},
        {"reference_source", r.reference_source}, {"threshold", r.options.threshold},
        {"bootstrap_reps", r.options.reps},     {"confidence", 0.95},
        {"allow_mixed", r.options.allow_mixed}, {"probit_clip", metrics::kProbitClip}};
    doc["trials"] = {{"total", r.trials},
                     {"ok", r.trials - r.failed - r.diverged},
                     {"failed", r.failed},
                     {"diverged", r.diverged}};
    doc["tasks"] = json::array();
    for (size_t t = 0; t < r.tasks.size(); ++t) {
      json task = {{"name", r.tasks[t]}, {"splits", r.task_splits[t]}};
      if (auto it = r.sealed.find(r.tasks[t]); it != r.sealed.end()) task["sealed"] = it->second;
      doc["tasks"].push_back(std::move(task));
    }
    // Sealed splits (present only when a task seals one; never the key).
    if (!r.sealed.empty())
      doc["sealed"] = {{"fingerprint", r.seal_fingerprint.empty() ? json(nullptr)
                                                                  : json(r.seal_fingerprint)},
                       {"skipped", r.sealed_skipped}};
    doc["agents"] = r.agents;
    doc["budgets"] = r.budgets;

    doc["populations"] = json::array();
    for (const auto& p : r.populations) {
      json row = to_json(p);
      if (r.is_sealed(p.task, p.split)) row["sealed"] = true;
      doc["populations"].push_back(std::move(row));
    }

    doc["aggregates"] = json::array();
    for (const auto& a : r.aggregates) {
      json task_runs = json::object();
      for (const auto& [task, n] : a.task_runs) task_runs[task] = n;
      doc["aggregates"].push_back({{"agent", a.agent},
                                   {"budget", a.budget},
                                   {"split", a.split},
                                   {"tasks", a.tasks},
                                   {"tasks_expected", a.tasks_expected},
                                   {"runs", a.runs},
                                   {"task_runs", task_runs},
                                   {"unequal_runs", a.unequal_tasks},
                                   {"bootstrap_seed", a.seed},
                                   {"iqm", estimate(a.iqm)},
                                   {"mean", estimate(a.mean)},
                                   {"median", estimate(a.median)},
                                   {"optimality_gap", estimate(a.optimality_gap)}});
    }

    doc["sample_efficiency"] = json::array();
    for (const auto& e : r.sample_efficiency) {
      json curve = json::array();
      for (size_t i = 0; i < e.budgets.size(); ++i)
        curve.push_back({{"budget", e.budgets[i]},
                         {"mean", number(e.means[i])},
                         {"ci_low", number(e.lo[i])},
                         {"ci_high", number(e.hi[i])}});
      json multipliers = json::array();
      for (size_t i = 0; i < e.multiplier.size(); ++i)
        if (e.multiplier[i]) {
          json m = budget_estimate(*e.multiplier[i]);
          m["budget"] = e.budgets[i];
          multipliers.push_back(m);
        }
      doc["sample_efficiency"].push_back({{"task", e.task.empty() ? json() : json(e.task)},
                                          {"curve_of", e.task.empty() ? "iqm" : "mean"},
                                          {"agent", e.agent},
                                          {"split", e.split},
                                          {"curve", curve},
                                          {"auc", number(e.auc)},
                                          {"samples_to_threshold", budget_estimate(e.to_threshold)},
                                          {"practice_multiplier", multipliers}});
    }

    doc["generalization"] = json::array();
    for (const auto& g : r.generalization) {
      json ood = json::array();
      for (size_t i = 0; i < g.ood_drop.size(); ++i)
        ood.push_back({{"split", g.ood_drop[i].split},
                       {"drop", estimate(g.ood_drop[i])},
                       {"transfer_ratio", number(g.transfer_ratio[i].second)}});
      doc["generalization"].push_back(
          {{"task", g.task},
           {"agent", g.agent},
           {"budget", g.budget},
           {"generalization_gap", estimate(g.gap)},
           {"ood", ood},
           {"worst_ood", g.ood_drop.empty() ? json() : estimate(g.worst_ood)}});
    }

    doc["probability_of_improvement"] = json::array();
    for (const auto& c : r.improvement)
      doc["probability_of_improvement"].push_back({{"split", c.split},
                                                   {"budget", c.budget},
                                                   {"x", c.x},
                                                   {"y", c.y},
                                                   {"tasks", c.tasks},
                                                   {"value", number(c.p.value)},
                                                   {"ci_low", number(c.p.ci.lo)},
                                                   {"ci_high", number(c.p.ci.hi)}});

    doc["accuracy_on_the_line"] = json::array();
    for (const auto& line : r.on_the_line) {
      json points = json::array();
      for (const auto& p : line.points)
        points.push_back({{"agent", p.agent},
                          {"budget", p.budget},
                          {"test", number(p.test)},
                          {"ood", number(p.ood)}});
      json fit;
      if (line.slope)
        fit = {{"slope", number(*line.slope)},
               {"intercept", optional_number(line.intercept)},
               {"r2", optional_number(line.r2)}};
      doc["accuracy_on_the_line"].push_back(
          {{"task", line.task}, {"split", line.split}, {"points", points}, {"probit_fit", fit}});
    }
    doc["scaling"] = json::array();
    for (const auto& s : r.scaling) {
      json row = {{"task", s.task},
                  {"agent", s.agent},
                  {"split", s.split},
                  {"budgets", s.budgets},
                  {"ok", s.fit.ok},
                  {"bootstrap_seed", s.seed},
                  {"bootstrap_reps", s.reps}};
      if (!s.fit.ok) {
        row["why"] = s.fit.why;
      } else {
        row["model"] = metrics::power_law_model_name(s.fit.model);
        row["a"] = number(s.fit.a);
        row["alpha"] = estimate(metrics::Estimate{s.fit.alpha, s.alpha_ci});
        row["c"] = number(s.fit.c);
        row["r2"] = number(s.fit.r2);
        row["bootstrap_kept"] = s.kept;
        row["budget_to_threshold"] = number(s.budget_to_threshold);  // null: never
      }
      doc["scaling"].push_back(row);
    }
    if (!r.selection.empty()) {  // only for suites with sweeps (others unchanged)
      doc["selection"] = json::array();
      for (const auto& row : r.selection)
        doc["selection"].push_back({{"task", row.task},
                                    {"sweep", row.sweep},
                                    {"agent", row.agent},
                                    {"budget", row.budget},
                                    {"selection", row.selection},
                                    {"refit", row.refit},
                                    {"configurations", row.configurations},
                                    {"chosen", row.chosen.empty() ? json() : json(row.chosen)},
                                    {"validation", number(row.validation)},
                                    {"test", number(row.test)},
                                    {"steps", number(row.updates)},
                                    {"oracle", row.oracle.empty() ? json() : json(row.oracle)},
                                    {"oracle_test", number(row.oracle_test)},
                                    {"gap", number(row.gap)}});
      doc["sweep_configurations"] = json::array();
      for (const auto& c : r.sweep_configurations)
        doc["sweep_configurations"].push_back({{"task", c.task},
                                               {"sweep", c.sweep},
                                               {"agent", c.agent},
                                               {"budget", c.budget},
                                               {"configuration", c.configuration},
                                               {"n", c.n},
                                               {"validation", number(c.validation)},
                                               {"test", number(c.test)},
                                               {"steps", number(c.updates)},
                                               {"chosen", c.chosen},
                                               {"oracle", c.oracle}});
    }
    if (r.protocol_tables) {  // absent from standard reports (unchanged)
      // The protocol's rows under its name (the rows of Report::transfer,
      // Report::continual or Report::deployment, whichever it filled).
      doc["protocol"] = r.protocol;
      json rows = json::array();
      for (const auto& t : r.transfer)
        rows.push_back(
            {{"task", t.task},
             {"target", t.target},
             {"agent", t.agent},
             {"budget", t.budget},
             {"n", t.n},
             {"zero_shot", estimate(t.zero_shot)},
             {"adapted", estimate(t.adapted)},
             {"scratch", estimate(t.scratch)},
             {"effective_data_transferred",
              t.effective_data ? budget_estimate(*t.effective_data) : json()},
             {"transfer_ratio", number(t.transfer_ratio)}});
      for (const auto& c : r.continual) {
        json matrix = json::array();
        for (const auto& row : c.r) {
          json cells = json::array();
          for (double v : row) cells.push_back(number(v));
          matrix.push_back(cells);
        }
        json untrained = json::array();
        for (double v : c.untrained) untrained.push_back(number(v));
        rows.push_back({{"task", c.task},
                                    {"agent", c.agent},
                                    {"budget", c.budget},
                                    {"n", c.n},
                                    {"stages", c.stages},
                                    {"r", matrix},
                                    {"untrained", untrained},
                                    {"acc", estimate(c.acc)},
                                    {"bwt", estimate(c.bwt)},
                                    {"fwt", estimate(c.fwt)}});
      }
      for (const auto& d : r.deployment) {
        json segments = json::array();
        for (const auto& s : d.segments) {
          json recovery;  // null for the first segment
          if (s.recovery) {
            recovery = estimate(s.recovery->samples);
            recovery["lower_bound"] = s.recovery->lower_bound;
            recovery["recovered"] = s.recovery->recovered;
            recovery["defined"] = s.recovery->defined;
            recovery["undefined"] = s.recovery->undefined;
          }
          segments.push_back({{"name", s.name},
                              {"start", s.start},
                              {"samples", s.samples},
                              {"n", s.n},
                              {"learning", estimate(s.learning)},
                              {"frozen", estimate(s.frozen)},
                              {"gain", estimate(s.gain)},
                              {"recovery_samples", recovery}});
        }
        json curve = json::array();
        for (const auto& p : d.curve)
          curve.push_back({{"segment", p.segment},
                           {"chunk", p.chunk},
                           {"position", p.position},
                           {"n", p.n},
                           {"learning", estimate(p.learning)},
                           {"frozen", estimate(p.frozen)}});
        rows.push_back({{"task", d.task},
                        {"agent", d.agent},
                        {"budget", d.budget},
                        {"n", d.n},
                        {"chunk", d.chunk > 0 ? json(d.chunk) : json()},
                        {"recovery_fraction", number(d.recovery_fraction)},
                        {"segments", segments},
                        {"learning", estimate(d.learning)},
                        {"frozen", estimate(d.frozen)},
                        {"gain", estimate(d.gain)},
                        {"retention",
                         {{"n", d.retention_n},
                          {"pretrained", estimate(d.retention_pretrained)},
                          {"end", estimate(d.retention_end)},
                          {"change", estimate(d.retention_change)}}},
                        {"curve", curve}});
      }
      doc[r.protocol] = rows;
    }
    out << doc.dump(2) << '\n';
  }
};

}  // namespace

std::unique_ptr<Renderer> make_json_renderer() { return std::make_unique<JsonRenderer>(); }

}  // namespace hg::report
