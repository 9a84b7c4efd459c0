// build_report: every number of the report against hand-computed values
// (docs/metrics.md's worked example) and against the metric functions
// applied to the trials by hand.
#include "hourglass/report/report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <tuple>

#include "hourglass/core/error.h"
#include "hourglass/learners/learner.h"
#include "hourglass/metrics/generalization.h"
#include "hourglass/metrics/probit_fit.h"
#include "hourglass/report/renderer.h"
#include "hourglass/report/text_report.h"

namespace hg {
namespace {

TrialRecord trial(const std::string& task, const std::string& agent, int64_t budget,
                  int64_t seed_index, double test, double train, double ood_a,
                  double ood_b = std::nan("")) {
  TrialRecord t;
  t.task = task;
  t.agent = agent;
  t.budget = budget;
  t.seed_index = seed_index;
  t.samples_used = budget;
  t.splits = {{"train", -train, train}, {"test", -test, test}, {"ood/a", -ood_a, ood_a}};
  if (!std::isnan(ood_b)) t.splits.push_back({"ood/b", -ood_b, ood_b});
  return t;
}

ReportInput input(std::vector<TrialRecord> trials, const std::string& sha = "abc",
                  const std::string& label = "r.json") {
  Results r;
  r.suite = {{"name", "unit"}, {"sha256", sha}};
  r.trials = std::move(trials);
  return {label, std::move(r)};
}

const EfficiencyRow& efficiency(const Report& r, const std::string& task, const std::string& agent,
                                const std::string& split) {
  for (const auto& e : r.sample_efficiency)
    if (e.task == task && e.agent == agent && e.split == split) return e;
  throw std::runtime_error("no efficiency row " + task + "/" + agent + "/" + split);
}

const AggregateRow& aggregate(const Report& r, const std::string& agent, int64_t budget,
                              const std::string& split) {
  for (const auto& a : r.aggregates)
    if (a.agent == agent && a.budget == budget && a.split == split) return a;
  throw std::runtime_error("no aggregate row");
}

// docs/metrics.md, worked example: mlp 0.3 0.6 0.9, ridge 0.1 0.3 0.7 at
// budgets 100, 1000, 10000 (one seed, so the means are the scores).
std::vector<TrialRecord> worked_example_curves() {
  std::vector<TrialRecord> trials;
  const double mlp[] = {0.3, 0.6, 0.9}, ridge[] = {0.1, 0.3, 0.7};
  const int64_t budgets[] = {100, 1000, 10000};
  for (int i = 0; i < 3; ++i) {
    trials.push_back(trial("A", "mlp", budgets[i], 0, mlp[i], mlp[i] + 0.05, mlp[i] - 0.2));
    trials.push_back(trial("A", "ridge", budgets[i], 0, ridge[i], ridge[i], ridge[i] - 0.1));
  }
  return trials;
}

TEST(BuildReport, SampleEfficiencyOfTheWorkedExample) {
  ReportOptions options;
  options.reference = "ridge";
  const Report r = build_report({input(worked_example_curves())}, options);
  const auto& mlp = efficiency(r, "A", "mlp", "test");
  EXPECT_NEAR(mlp.auc, 0.6, 1e-12);
  EXPECT_DOUBLE_EQ(mlp.to_threshold.value, 10000);
  EXPECT_EQ(mlp.to_threshold.bound, metrics::Bound::kExact);
  ASSERT_EQ(mlp.multiplier.size(), 3u);
  // at 100: ridge reaches 0.3 at 1000 -> 10; at 1000: 10^3.75 / 1000; at 10000: > 1
  EXPECT_NEAR(mlp.multiplier[0]->value, 10.0, 1e-9);
  EXPECT_EQ(mlp.multiplier[0]->bound, metrics::Bound::kExact);
  EXPECT_NEAR(mlp.multiplier[1]->value, std::pow(10.0, 3.75) / 1000, 1e-9);
  EXPECT_DOUBLE_EQ(mlp.multiplier[2]->value, 1.0);
  EXPECT_EQ(mlp.multiplier[2]->bound, metrics::Bound::kMoreThan);
  const auto& ridge = efficiency(r, "A", "ridge", "test");
  EXPECT_NEAR(ridge.auc, 0.35, 1e-12);
  EXPECT_EQ(ridge.to_threshold.bound, metrics::Bound::kMoreThan);
  EXPECT_TRUE(ridge.multiplier.empty());  // the reference itself

  std::ostringstream md;
  make_renderer(Format::kMarkdown)->render(r, md);
  EXPECT_NE(md.str().find("| test | mlp | 0.600 | 10000 | 10 | 5.6 | > 1 |"), std::string::npos)
      << md.str();
  EXPECT_NE(md.str().find("| test | ridge (reference) | 0.350 | > 10000 | - | - | - |"),
            std::string::npos);
}

TEST(BuildReport, PracticeMultiplierMoreThanAndAtMost) {
  // B (reference) never reaches A's 0.9, and matches A's 0.05 at its first budget.
  std::vector<TrialRecord> trials = {
      trial("T", "A", 100, 0, 0.05, 0, 0), trial("T", "A", 1000, 0, 0.9, 0, 0),
      trial("T", "B", 100, 0, 0.1, 0, 0), trial("T", "B", 1000, 0, 0.5, 0, 0)};
  ReportOptions options;
  options.reference = "B";
  const Report r = build_report({input(trials)}, options);
  const auto& a = efficiency(r, "T", "A", "test");
  EXPECT_EQ(a.multiplier[0]->bound, metrics::Bound::kAtMost);  // <= 100 / 100
  EXPECT_DOUBLE_EQ(a.multiplier[0]->value, 1.0);
  EXPECT_EQ(a.multiplier[1]->bound, metrics::Bound::kMoreThan);  // > 1000 / 1000
  EXPECT_DOUBLE_EQ(a.multiplier[1]->value, 1.0);
}

// docs/metrics.md, aggregates: mlp task A 0.2 0.9 0.7 0.5, task B 1.2 0.4 0.6 0.8;
// ridge task A 0.1 0.5 0.4 0.3, task B 0.7 0.7 0.5 0.9.
std::vector<TrialRecord> worked_example_aggregates() {
  const double mlp[2][4] = {{0.2, 0.9, 0.7, 0.5}, {1.2, 0.4, 0.6, 0.8}};
  const double ridge[2][4] = {{0.1, 0.5, 0.4, 0.3}, {0.7, 0.7, 0.5, 0.9}};
  std::vector<TrialRecord> trials;
  for (int t = 0; t < 2; ++t)
    for (int s = 0; s < 4; ++s) {
      const std::string task = t == 0 ? "A" : "B";
      trials.push_back(trial(task, "mlp", 100, s, mlp[t][s], 1.0, mlp[t][s] - 0.1));
      trials.push_back(trial(task, "ridge", 100, s, ridge[t][s], 1.0, ridge[t][s]));
    }
  return trials;
}

TEST(BuildReport, AggregatesOfTheWorkedExample) {
  const Report r = build_report({input(worked_example_aggregates())});
  const auto& a = aggregate(r, "mlp", 100, "test");
  EXPECT_EQ(a.tasks, 2);
  EXPECT_EQ(a.runs, 8);
  EXPECT_NEAR(a.mean.value, 0.6625, 1e-12);
  EXPECT_NEAR(a.median.value, 0.6625, 1e-12);  // of the task means 0.575 and 0.75
  EXPECT_NEAR(a.iqm.value, 0.65, 1e-12);
  EXPECT_NEAR(a.optimality_gap.value, 0.3625, 1e-12);
  // The interval is the documented stratified bootstrap with the row's seed.
  metrics::BootstrapOptions options;
  options.seed = a.seed;
  options.reps = r.options.reps;
  const auto expected = metrics::stratified_bootstrap({{0.2, 0.9, 0.7, 0.5}, {1.2, 0.4, 0.6, 0.8}},
                                                      metrics::iqm, options);
  EXPECT_DOUBLE_EQ(a.iqm.ci.lo, expected.ci.lo);
  EXPECT_DOUBLE_EQ(a.iqm.ci.hi, expected.ci.hi);

  bool found = false;
  for (const auto& c : r.improvement)
    if (c.x == "mlp" && c.y == "ridge" && c.split == "test") {
      EXPECT_NEAR(c.p.value, 0.640625, 1e-12);
      EXPECT_EQ(c.tasks, 2);
      found = true;
    }
  EXPECT_TRUE(found);
  // ood/a is shared by both tasks: aggregated; worst-ood is the only OOD split here.
  EXPECT_EQ(r.aggregate_splits, (std::vector<std::string>{"train", "test", "ood/a", "worst-ood"}));
}

// A results file with unequal ok runs per task (docs/metrics.md, "Aggregate
// over tasks"): task A 4 runs {0.1, 0.2, 0.3, 0.6}, task B 2 runs {0.8, 1.0}
// (its other 2 trials failed), task C 4 runs {0.4, 0.4, 0.4, 0.8}.
//   mean   = mean of task means (0.3, 0.9, 0.5) = 1.7 / 3   (pooled: 0.5)
//   median = median of task means = 0.5                     (pooled: 0.4)
//   IQM    = pooled, middle 6 of 10: (0.3 + 0.4 * 3 + 0.6 + 0.8) / 6 = 2.9 / 6
//   optimality gap = 1 - 5.0 / 10 = 0.5
std::vector<TrialRecord> unequal_runs_trials() {
  const std::vector<std::pair<std::string, std::vector<double>>> scores = {
      {"A", {0.1, 0.2, 0.3, 0.6}}, {"B", {0.8, 1.0, 0.0, 0.0}}, {"C", {0.4, 0.4, 0.4, 0.8}}};
  std::vector<TrialRecord> trials;
  for (const auto& [task, xs] : scores)
    for (size_t i = 0; i < xs.size(); ++i) {
      trials.push_back(trial(task, "mlp", 100, static_cast<int64_t>(i), xs[i], 1.0, xs[i]));
      if (task == "B" && i >= 2) {
        trials.back().status = TrialStatus::kFailed;
        for (auto& s : trials.back().splits) s.normalized = s.raw = std::nan("");
      }
    }
  return trials;
}

TEST(BuildReport, AggregatesFollowRliableWithUnequalRunsPerTask) {
  const Report r = build_report({input(unequal_runs_trials())});
  const auto& a = aggregate(r, "mlp", 100, "test");
  EXPECT_EQ(a.tasks, 3);
  EXPECT_EQ(a.runs, 10);
  EXPECT_NEAR(a.mean.value, 1.7 / 3, 1e-12);
  EXPECT_NEAR(a.median.value, 0.5, 1e-12);
  EXPECT_NEAR(a.iqm.value, 2.9 / 6, 1e-12);
  EXPECT_NEAR(a.optimality_gap.value, 0.5, 1e-12);
  ASSERT_EQ(a.task_runs.size(), 3u);
  EXPECT_EQ(a.task_runs[1], (std::pair<std::string, int>{"B", 2}));
  EXPECT_EQ(a.unequal_tasks, std::vector<std::string>{"B"});

  // The flag is in every format.
  auto render = [&](Format f) {
    std::ostringstream out;
    make_renderer(f)->render(r, out);
    return out.str();
  };
  for (Format f : {Format::kTable, Format::kMarkdown, Format::kLatex, Format::kHtml}) {
    const std::string text = render(f);
    EXPECT_NE(text.find("unequal ok runs per task"), std::string::npos) << static_cast<int>(f);
    EXPECT_NE(text.find("mlp at 100: B 2 runs, others 4"), std::string::npos)
        << static_cast<int>(f);
  }
  EXPECT_NE(render(Format::kTable).find("10!"), std::string::npos);
  const auto doc = nlohmann::json::parse(render(Format::kJson));
  bool json_flag = false;
  for (const auto& row : doc["aggregates"])
    if (row["split"] == "test") {
      EXPECT_EQ(row["unequal_runs"], nlohmann::json::array({"B"}));
      EXPECT_EQ(row["task_runs"]["A"], 4);
      EXPECT_NEAR(row["mean"]["value"].get<double>(), 1.7 / 3, 1e-12);
      json_flag = true;
    }
  EXPECT_TRUE(json_flag);
  const std::string csv = render(Format::kCsv);
  EXPECT_NE(csv.find("aggregate,B,mlp,,100,test,,,unequal_runs,1,"), std::string::npos);
  EXPECT_NE(csv.find("aggregate,A,mlp,,100,test,,,unequal_runs,0,"), std::string::npos);
  EXPECT_NE(csv.find("aggregate,B,mlp,,100,test,,,ok_runs,2,"), std::string::npos);

  // Equal runs: no flag anywhere.
  const Report equal = build_report({input(worked_example_aggregates())});
  EXPECT_TRUE(aggregate(equal, "mlp", 100, "test").unequal_tasks.empty());
  std::ostringstream out;
  make_renderer(Format::kTable)->render(equal, out);
  EXPECT_EQ(out.str().find("unequal ok runs"), std::string::npos);
}

// Agents "constant" (a trivial learner, here the best on test by
// construction), "weak" and "strong": the default reference is the
// non-trivial agent with the highest test AUC, or the suite's key.
ReportInput reference_input(const nlohmann::json& extra_config = nlohmann::json::object()) {
  std::vector<TrialRecord> trials;
  const std::vector<std::pair<std::string, double>> agents = {
      {"weak", 0.2}, {"constant", 0.95}, {"strong", 0.6}};
  for (const auto& [agent, score] : agents)
    for (int64_t budget : {100, 1000}) trials.push_back(trial("T", agent, budget, 0, score, 1, 0));
  ReportInput in = input(trials);
  nlohmann::json config = {{"agents",
                            {{{"name", "weak"}, {"learner", "mlp"}},
                             {{"name", "constant"}, {"learner", "constant"}},
                             {{"name", "strong"}, {"learner", "ridge"}}}}};
  config.update(extra_config);
  in.results.suite["config"] = config;
  return in;
}

TEST(BuildReport, DefaultReferenceIsTheBestNonTrivialAgent) {
  ReportOptions options;
  options.is_trivial_learner = [](const std::string& learner) { return learner == "constant"; };
  const Report r = build_report({reference_input()}, options);
  EXPECT_EQ(r.options.reference, "strong");
  EXPECT_EQ(r.reference_source, "highest AUC on test");
  EXPECT_TRUE(efficiency(r, "T", "strong", "test").multiplier.empty());  // the reference itself
  EXPECT_EQ(efficiency(r, "T", "weak", "test").multiplier.size(), 2u);

  // Without the trivial flag the constant agent would have been chosen.
  EXPECT_EQ(build_report({reference_input()}).options.reference, "constant");

  // The suite's `reference:` key wins; --reference wins over it.
  const Report keyed = build_report({reference_input({{"reference", "weak"}})}, options);
  EXPECT_EQ(keyed.options.reference, "weak");
  EXPECT_EQ(keyed.reference_source, "suite key 'reference'");
  options.reference = "constant";
  const Report flagged = build_report({reference_input({{"reference", "weak"}})}, options);
  EXPECT_EQ(flagged.options.reference, "constant");
  EXPECT_EQ(flagged.reference_source, "--reference");

  // Every agent trivial: no reference and no multiplier, said in the text.
  ReportOptions all_trivial;
  all_trivial.is_trivial_learner = [](const std::string&) { return true; };
  const Report none = build_report({reference_input()}, all_trivial);
  EXPECT_EQ(none.options.reference, "");
  for (const auto& e : none.sample_efficiency) EXPECT_TRUE(e.multiplier.empty());
  std::ostringstream out;
  make_renderer(Format::kTable)->render(none, out);
  EXPECT_NE(out.str().find("every agent is a trivial learner"), std::string::npos);
}

TEST(BuildReport, TextFormatsCarryImprovementProbitFitAndTransferRatio) {
  // Two agents, two budgets, ood/a: every number of csv/json also in the text.
  std::vector<TrialRecord> trials;
  for (int s = 0; s < 3; ++s) {
    trials.push_back(trial("T", "a", 100, s, 0.5 + 0.1 * s, 1, 0.25 + 0.05 * s));
    trials.push_back(trial("T", "a", 1000, s, 0.8, 1, 0.6));
    trials.push_back(trial("T", "b", 100, s, 0.3, 1, 0.1 * s));
    trials.push_back(trial("T", "b", 1000, s, 0.4 + 0.1 * s, 1, 0.2));
  }
  const Report r = build_report({input(trials)});
  for (Format f : {Format::kTable, Format::kMarkdown, Format::kLatex, Format::kHtml}) {
    std::ostringstream out;
    make_renderer(f)->render(r, out);
    const std::string text = out.str();
    for (const auto& c : r.improvement) {
      if (c.split == "test" && c.budget == 100 && c.x == "a") {
        EXPECT_NE(text.find(report::format_estimate(c.p)), std::string::npos);
      }
    }
    ASSERT_EQ(r.on_the_line.size(), 1u);
    ASSERT_TRUE(r.on_the_line[0].r2.has_value());
    EXPECT_NE(text.find(report::format_score(*r.on_the_line[0].slope)), std::string::npos);
    EXPECT_NE(text.find(report::format_score(*r.on_the_line[0].r2)), std::string::npos);
    EXPECT_NE(text.find("ratio ood/a"), std::string::npos);
    // a at 100: mean(ood/a) / mean(test) = 0.3 / 0.6 = 0.5
    EXPECT_NE(text.find("0.500"), std::string::npos);
  }
}

// Scaling fits in the report: synthetic populations whose mean error falls
// as 3 n^-0.5 + 0.02 (agent "half") and 60 n^-1 + 0.02 ("one") over six
// budgets, three seeds each (+-1% of the error around the curve): both
// exponents recovered within 10%, with intervals, in every format.
TEST(BuildReport, ScalingFitsRecoverTheExponentsInEveryFormat) {
  std::vector<TrialRecord> trials;
  const double budgets[] = {100, 300, 1000, 3000, 10000, 30000};
  const double jitter[] = {-0.01, 0.0, 0.01};
  for (const auto& [agent, a, alpha] :
       {std::tuple<std::string, double, double>{"half", 3.0, 0.5}, {"one", 60.0, 1.0}})
    for (double n : budgets)
      for (int s = 0; s < 3; ++s) {
        const double e = (a * std::pow(n, -alpha) + 0.02) * (1 + jitter[s]);
        trials.push_back(trial("T", agent, static_cast<int64_t>(n), s, 1 - e, 1, 0.5));
      }
  const Report r = build_report({input(trials)});
  for (const auto& [agent, alpha] : {std::pair<std::string, double>{"half", 0.5}, {"one", 1.0}}) {
    const ScalingRow* row = nullptr;
    for (const auto& s : r.scaling)
      if (s.agent == agent && s.split == "test") row = &s;
    ASSERT_NE(row, nullptr);
    ASSERT_TRUE(row->fit.ok) << row->fit.why;
    EXPECT_EQ(row->fit.model, metrics::PowerLawModel::kWithOffset);
    EXPECT_NEAR(row->fit.alpha, alpha, 0.1 * alpha) << agent;
    EXPECT_LE(row->alpha_ci.lo, row->fit.alpha);
    EXPECT_GE(row->alpha_ci.hi, row->fit.alpha);
    EXPECT_EQ(row->reps, kScalingBootstrapReps);
    EXPECT_EQ(row->budgets.size(), 6u);
    EXPECT_NEAR(row->budget_to_threshold,
                metrics::power_law_budget_to_reach(row->fit, r.options.threshold), 1e-9);
  }
  // ood/a is 0.5 at every budget: no fall, no fit, and the report says why.
  for (const auto& s : r.scaling) {
    if (s.split == "ood/a") {
      EXPECT_FALSE(s.fit.ok);
    }
  }

  auto render = [&](Format f) {
    std::ostringstream out;
    make_renderer(f)->render(r, out);
    return out.str();
  };
  for (Format f : {Format::kTable, Format::kMarkdown, Format::kLatex, Format::kHtml}) {
    const std::string text = render(f);
    EXPECT_NE(text.find("Scaling with the budget"), std::string::npos);
    for (const auto& s : r.scaling) {
      if (s.fit.ok) {
        EXPECT_NE(text.find(report::format_estimate({s.fit.alpha, s.alpha_ci})), std::string::npos);
      }
    }
    EXPECT_NE(text.find("* no fit: the error does not fall with the budget (train half, ood/a half, "
                            "train one, ood/a one)"),
              std::string::npos);
  }
  EXPECT_NE(render(Format::kHtml).find("stroke-dasharray=\"5 3\""), std::string::npos);
  EXPECT_NE(render(Format::kCsv).find("scaling,T,half,,,test,,,alpha,"), std::string::npos);
  const auto doc = nlohmann::json::parse(render(Format::kJson));
  bool found = false;
  for (const auto& s : doc["scaling"])
    if (s["agent"] == "one" && s["split"] == "test") {
      EXPECT_NEAR(s["alpha"]["value"].get<double>(), 1.0, 0.1);
      EXPECT_EQ(s["model"], "a n^-alpha + c");
      found = true;
    }
  EXPECT_TRUE(found);
}

TEST(BuildReport, GeneralizationIsComputedPerTrial) {
  std::vector<TrialRecord> trials = {trial("T", "m", 10, 0, 0.8, 1.0, 0.5, 0.7),
                                     trial("T", "m", 10, 1, 0.6, 0.9, 0.2, 0.1)};
  const Report r = build_report({input(trials)});
  ASSERT_EQ(r.generalization.size(), 1u);
  const auto& g = r.generalization[0];
  EXPECT_NEAR(g.gap.estimate.value, ((1.0 - 0.8) + (0.9 - 0.6)) / 2, 1e-12);
  ASSERT_EQ(g.ood_drop.size(), 2u);
  EXPECT_EQ(g.ood_drop[0].split, "ood/a");
  EXPECT_NEAR(g.ood_drop[0].estimate.value, ((0.8 - 0.5) + (0.6 - 0.2)) / 2, 1e-12);
  EXPECT_NEAR(g.ood_drop[1].estimate.value, ((0.8 - 0.7) + (0.6 - 0.1)) / 2, 1e-12);
  // worst OOD per trial: min(0.5, 0.7) = 0.5 and min(0.2, 0.1) = 0.1
  EXPECT_NEAR(g.worst_ood.estimate.value, 0.3, 1e-12);
  EXPECT_EQ(g.worst_ood.n, 2);
  // transfer ratio of the population means: mean(ood/a) / mean(test) = 0.35 / 0.7
  EXPECT_NEAR(g.transfer_ratio[0].second, 0.5, 1e-12);
}

TEST(BuildReport, FailedTrialsAreCountedButNeverAveraged) {
  auto trials = worked_example_aggregates();
  trials[0].status = TrialStatus::kFailed;
  for (auto& s : trials[0].splits) s.normalized = s.raw = std::nan("");
  trials[2].status = TrialStatus::kDiverged;  // its scores are finite but must not count
  const Report r = build_report({input(trials)});
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(r.diverged, 1u);
  const auto& a = aggregate(r, "mlp", 100, "test");
  EXPECT_EQ(a.runs, 6);
  // The mean of the task means (A keeps 0.7 and 0.5), and A is flagged: 2
  // ok runs against B's 4 (a tie of counts goes to the larger).
  EXPECT_NEAR(a.mean.value, ((0.7 + 0.5) / 2 + (1.2 + 0.4 + 0.6 + 0.8) / 4) / 2, 1e-12);
  EXPECT_EQ(a.unequal_tasks, std::vector<std::string>{"A"});
}

TEST(BuildReport, AccuracyOnTheLineFitsPopulationMeans) {
  std::vector<TrialRecord> trials = {trial("T", "a", 10, 0, 0.5, 1, 0.3),
                                     trial("T", "a", 100, 0, 0.9, 1, 0.8),
                                     trial("T", "b", 10, 0, 0.7, 1, -4.0)};
  const Report r = build_report({input(trials)});
  ASSERT_EQ(r.on_the_line.size(), 1u);
  const auto& line = r.on_the_line[0];
  EXPECT_EQ(line.split, "ood/a");
  ASSERT_EQ(line.points.size(), 3u);
  const auto fit = metrics::probit_fit({0.5, 0.9, 0.7}, {0.3, 0.8, -4.0});
  ASSERT_TRUE(line.slope && line.r2);
  EXPECT_DOUBLE_EQ(*line.slope, fit.slope);
  EXPECT_DOUBLE_EQ(*line.r2, fit.r2);
}

TEST(BuildReport, RefusesMixedSuitesUnlessAllowed) {
  auto a = worked_example_curves();
  std::vector<TrialRecord> b = {trial("Z", "x", 10, 0, 0.5, 0.5, 0.5)};
  try {
    build_report({input(a, "sha-one", "a.json"), input(b, "sha-two", "b.json")});
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--allow-mixed"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("b.json"), std::string::npos) << e.what();
  }
  ReportOptions options;
  options.allow_mixed = true;
  const Report r =
      build_report({input(a, "sha-one", "a.json"), input(b, "sha-two", "b.json")}, options);
  EXPECT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.tasks, (std::vector<std::string>{"A", "Z"}));
}

TEST(BuildReport, DuplicateTrialsAreAnError) {
  auto a = worked_example_curves();
  try {
    build_report({input(a, "s", "a.json"), input({a[0]}, "s", "b.json")});
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("duplicate trial"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("a.json and b.json"), std::string::npos) << e.what();
  }
}

TEST(BuildReport, RejectsBadOptions) {
  ReportOptions options;
  options.reference = "nobody";
  EXPECT_THROW(build_report({input(worked_example_curves())}, options), InputError);
  options = {};
  options.reps = 0;
  EXPECT_THROW(build_report({input(worked_example_curves())}, options), InputError);
  EXPECT_THROW(build_report({input({})}), InputError);
}

TEST(BuildReport, SplittingTrialsBetweenFilesChangesNoNumber) {
  const auto trials = worked_example_aggregates();
  std::vector<TrialRecord> mlp, ridge;
  for (const auto& t : trials) (t.agent == "mlp" ? mlp : ridge).push_back(t);
  const Report one = build_report({input(trials)});
  const Report two =
      build_report({input(ridge, "abc", "ridge.json"), input(mlp, "abc", "mlp.json")});
  ASSERT_EQ(one.aggregates.size(), two.aggregates.size());
  for (const auto& a : one.aggregates) {
    const auto& b = aggregate(two, a.agent, a.budget, a.split);
    EXPECT_EQ(a.iqm.value, b.iqm.value);
    EXPECT_EQ(a.iqm.ci.lo, b.iqm.ci.lo);
    EXPECT_EQ(a.iqm.ci.hi, b.iqm.ci.hi);
  }
}

}  // namespace
}  // namespace hg

// The `hourglass` front end (no LibTorch, no learner registry) knows the
// trivial learners from is_builtin_trivial_learner: it must say what the
// registry says for every registered learner, and nothing for other names.
TEST(BuiltinTrivialLearners, AgreeWithTheRegistry) {
  if (hg::LearnerRegistry::instance().entries().empty())
    GTEST_SKIP() << "no learners in the LibTorch-free build (hourglass_sanitized_tests)";
  int trivial = 0;
  for (const auto& [name, info] : hg::LearnerRegistry::instance().entries()) {
    EXPECT_EQ(hg::is_builtin_trivial_learner(name), info.trivial) << name;
    trivial += info.trivial;
  }
  EXPECT_EQ(trivial, 2);  // constant and random
  EXPECT_FALSE(hg::is_builtin_trivial_learner("no-such-learner"));
}
