// build_report: every number of the report against hand-computed values
// (docs/metrics.md's worked example) and against the metric functions
// applied to the trials by hand.
#include "hourglass/report/report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "hourglass/core/error.h"
#include "hourglass/metrics/generalization.h"
#include "hourglass/metrics/probit_fit.h"
#include "hourglass/report/renderer.h"

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
  EXPECT_NEAR(a.median.value, 0.65, 1e-12);
  EXPECT_NEAR(a.iqm.value, 0.65, 1e-12);
  EXPECT_NEAR(a.optimality_gap.value, 0.3625, 1e-12);
  // The interval is the documented stratified bootstrap with the row's seed.
  metrics::BootstrapOptions options;
  options.seed = a.seed;
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
  EXPECT_NEAR(a.mean.value, (0.7 + 0.5 + 1.2 + 0.4 + 0.6 + 0.8) / 6, 1e-12);
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
