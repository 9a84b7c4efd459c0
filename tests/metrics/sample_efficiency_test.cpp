#include "hourglass/metrics/sample_efficiency.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace hg::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const std::vector<double> kDecades = {100, 1000, 10000};

TEST(AucLogBudgetTest, HandComputed) {
  // Equal log steps L = ln 10: (L (0.2 + 0.4) / 2 + L (0.4 + 0.9) / 2) / (2 L)
  //   = (0.3 + 0.65) / 2 = 0.475
  EXPECT_NEAR(auc_log_budget(kDecades, {0.2, 0.4, 0.9}), 0.475, 1e-12);
  // Unequal steps: budgets 1, 10, 1000 -> steps L and 2 L; means 0, 1, 1:
  //   (L * 0.5 + 2 L * 1) / (3 L) = 2.5 / 3
  EXPECT_NEAR(auc_log_budget({1, 10, 1000}, {0, 1, 1}), 2.5 / 3.0, 1e-12);
  // A flat curve is its own height.
  EXPECT_NEAR(auc_log_budget({3, 70, 900}, {0.5, 0.5, 0.5}), 0.5, 1e-12);
}

TEST(AucLogBudgetTest, OneBudgetIsItsMean) {
  EXPECT_DOUBLE_EQ(auc_log_budget({1000}, {0.42}), 0.42);
}

TEST(AucLogBudgetTest, RejectsBadCurves) {
  EXPECT_THROW(auc_log_budget({}, {}), std::invalid_argument);
  EXPECT_THROW(auc_log_budget({100, 1000}, {0.5}), std::invalid_argument);
  EXPECT_THROW(auc_log_budget({0, 1000}, {0.1, 0.5}), std::invalid_argument);
  EXPECT_THROW(auc_log_budget({-10, 1000}, {0.1, 0.5}), std::invalid_argument);
  EXPECT_THROW(auc_log_budget({1000, 100}, {0.1, 0.5}), std::invalid_argument);
  EXPECT_THROW(auc_log_budget({100, 100}, {0.1, 0.5}), std::invalid_argument);
  EXPECT_THROW(auc_log_budget({100, 1000}, {0.1, kNaN}), std::invalid_argument);
  EXPECT_THROW(auc_log_budget({100, kNaN}, {0.1, 0.5}), std::invalid_argument);
}

TEST(SamplesToThresholdTest, InterpolatedInLogBudget) {
  // First mean >= 0.9 is 1.3 at 10000; fraction (0.9 - 0.5) / (1.3 - 0.5) = 0.5
  // of the way from log 1000 to log 10000: 10^3.5 = sqrt(1e7) = 3162.27766...
  const BudgetEstimate half_way = samples_to_threshold(kDecades, {0.2, 0.5, 1.3}, 0.9);
  EXPECT_EQ(half_way.bound, Bound::kExact);
  EXPECT_NEAR(half_way.value, 3162.2776601683795, 1e-9);
  // fraction (0.9 - 0.5) / (0.95 - 0.5) = 8/9: 10^(3 + 8/9) = 7742.63682681127
  // (default tau is 0.9)
  const BudgetEstimate eight_ninths = samples_to_threshold(kDecades, {0.2, 0.5, 0.95});
  EXPECT_EQ(eight_ninths.bound, Bound::kExact);
  EXPECT_NEAR(eight_ninths.value, 7742.63682681127, 1e-8);
}

TEST(SamplesToThresholdTest, ReachedExactlyAtABudget) {
  const BudgetEstimate estimate = samples_to_threshold(kDecades, {0.2, 0.9, 0.95}, 0.9);
  EXPECT_EQ(estimate.bound, Bound::kExact);
  EXPECT_DOUBLE_EQ(estimate.value, 1000.0);
}

TEST(SamplesToThresholdTest, BoundsWhenNotBracketed) {
  const BudgetEstimate never = samples_to_threshold(kDecades, {0.2, 0.5, 0.8}, 0.9);
  EXPECT_EQ(never.bound, Bound::kMoreThan);
  EXPECT_DOUBLE_EQ(never.value, 10000.0);
  const BudgetEstimate already = samples_to_threshold(kDecades, {0.95, 0.97, 0.99}, 0.9);
  EXPECT_EQ(already.bound, Bound::kAtMost);
  EXPECT_DOUBLE_EQ(already.value, 100.0);
  const BudgetEstimate one_budget = samples_to_threshold({500}, {0.3}, 0.9);
  EXPECT_EQ(one_budget.bound, Bound::kMoreThan);
  EXPECT_DOUBLE_EQ(one_budget.value, 500.0);
}

TEST(SamplesToThresholdTest, FirstCrossingCounts) {
  // Crosses 0.75 between 100 (0.5) and 1000 (1.0), halfway: sqrt(1e5) = 316.227...;
  // the dip to 0.4 at 10000 does not matter.
  const BudgetEstimate estimate = samples_to_threshold(kDecades, {0.5, 1.0, 0.4}, 0.75);
  EXPECT_EQ(estimate.bound, Bound::kExact);
  EXPECT_NEAR(estimate.value, 316.22776601683796, 1e-10);
}

TEST(SamplesToThresholdTest, RejectsBadInput) {
  EXPECT_THROW(samples_to_threshold({}, {}, 0.9), std::invalid_argument);
  EXPECT_THROW(samples_to_threshold(kDecades, {0.1, 0.2}, 0.9), std::invalid_argument);
  EXPECT_THROW(samples_to_threshold(kDecades, {0.1, 0.2, 0.3}, kNaN), std::invalid_argument);
  EXPECT_THROW(samples_to_threshold({10, 5, 100}, {0.1, 0.2, 0.3}, 0.9), std::invalid_argument);
}

TEST(PracticeMultiplierTest, HandComputed) {
  const std::vector<double> means_a = {0.5, 0.8, 0.9};
  // A scores 0.5 at 100; B reaches 0.5 exactly at 10000: 10000 / 100 = 100.
  const BudgetEstimate hundred = practice_multiplier(kDecades, means_a, 0, kDecades, {0.1, 0.3, 0.5});
  EXPECT_EQ(hundred.bound, Bound::kExact);
  EXPECT_DOUBLE_EQ(hundred.value, 100.0);
  // B = 0.1 0.3 0.7: reaches 0.5 halfway from 1000 to 10000, 10^3.5;
  // 10^3.5 / 100 = 10^1.5 = 31.6227766...
  const BudgetEstimate interpolated =
      practice_multiplier(kDecades, means_a, 0, kDecades, {0.1, 0.3, 0.7});
  EXPECT_EQ(interpolated.bound, Bound::kExact);
  EXPECT_NEAR(interpolated.value, 31.622776601683796, 1e-10);
}

TEST(PracticeMultiplierTest, BoundsAndDifferentBudgets) {
  const std::vector<double> means_a = {0.5, 0.8, 0.9};
  // A scores 0.8 at 1000; B tops out at 0.5: more than 10000 / 1000 = 10.
  const BudgetEstimate never = practice_multiplier(kDecades, means_a, 1, kDecades, {0.1, 0.3, 0.5});
  EXPECT_EQ(never.bound, Bound::kMoreThan);
  EXPECT_DOUBLE_EQ(never.value, 10.0);
  // B already at 0.6 with its first budget 10: at most 10 / 100 = 0.1.
  const BudgetEstimate already = practice_multiplier(kDecades, means_a, 0, {10, 100}, {0.6, 0.7});
  EXPECT_EQ(already.bound, Bound::kAtMost);
  EXPECT_DOUBLE_EQ(already.value, 0.1);
}

TEST(PracticeMultiplierTest, RejectsBadInput) {
  EXPECT_THROW(practice_multiplier(kDecades, {0.1, 0.2, 0.3}, 3, kDecades, {0.1, 0.2, 0.3}),
               std::invalid_argument);
  EXPECT_THROW(practice_multiplier(kDecades, {0.1, 0.2, 0.3}, 0, {}, {}), std::invalid_argument);
  EXPECT_THROW(practice_multiplier(kDecades, {0.1, 0.2}, 0, kDecades, {0.1, 0.2, 0.3}),
               std::invalid_argument);
}

TEST(FormatBudgetEstimateTest, Examples) {
  EXPECT_EQ(format_budget_estimate({10000, Bound::kMoreThan}, 1), "> 10000");
  EXPECT_EQ(format_budget_estimate({0.1, Bound::kAtMost}, 1), "<= 0.1");
  EXPECT_EQ(format_budget_estimate({3.1622776, Bound::kExact}, 1), "3.2");
  EXPECT_EQ(format_budget_estimate({31.622776, Bound::kExact}, 2), "31.62");
  EXPECT_EQ(format_budget_estimate({100, Bound::kExact}, 2), "100");
  EXPECT_EQ(format_budget_estimate({1.5, Bound::kExact}, 3), "1.5");
  EXPECT_EQ(format_budget_estimate({2.7, Bound::kExact}, 0), "3");
  EXPECT_EQ(format_budget_estimate({0, Bound::kExact}, 2), "0");
  // Would print as 0 with one decimal: one significant digit instead.
  EXPECT_EQ(format_budget_estimate({0.0012, Bound::kExact}, 1), "0.001");
  EXPECT_EQ(format_budget_estimate({-0.04, Bound::kAtMost}, 1), "<= -0.04");
  EXPECT_THROW(format_budget_estimate({1, Bound::kExact}, -1), std::invalid_argument);
}

// The worked example of docs/metrics.md ("Worked example"): two agents on
// budgets 100, 1000, 10000 with mean normalized test scores
//   mlp   0.3 0.6 0.9
//   ridge 0.1 0.3 0.7
TEST(SampleEfficiencyDocsTest, WorkedExample) {
  const std::vector<double> mlp = {0.3, 0.6, 0.9};
  const std::vector<double> ridge = {0.1, 0.3, 0.7};
  // AUC: ((0.3 + 0.6) / 2 + (0.6 + 0.9) / 2) / 2 = (0.45 + 0.75) / 2 = 0.6
  EXPECT_NEAR(auc_log_budget(kDecades, mlp), 0.6, 1e-12);
  // AUC: ((0.1 + 0.3) / 2 + (0.3 + 0.7) / 2) / 2 = (0.2 + 0.5) / 2 = 0.35
  EXPECT_NEAR(auc_log_budget(kDecades, ridge), 0.35, 1e-12);
  // Samples to 0.9: mlp exactly 10000; ridge "> 10000".
  EXPECT_EQ(format_budget_estimate(samples_to_threshold(kDecades, mlp), 0), "10000");
  EXPECT_EQ(format_budget_estimate(samples_to_threshold(kDecades, ridge), 0), "> 10000");
  // mlp at 100 scores 0.3; ridge gets 0.3 at 1000: multiplier 1000 / 100 = 10.
  const BudgetEstimate at_100 = practice_multiplier(kDecades, mlp, 0, kDecades, ridge);
  EXPECT_EQ(at_100.bound, Bound::kExact);
  EXPECT_DOUBLE_EQ(at_100.value, 10.0);
  // mlp at 1000 scores 0.6; ridge crosses 0.6 at (0.6 - 0.3) / (0.7 - 0.3) = 0.75 of
  // the way from log 1000 to log 10000: 10^3.75 = 5623.41; / 1000 = 5.62.
  const BudgetEstimate at_1000 = practice_multiplier(kDecades, mlp, 1, kDecades, ridge);
  EXPECT_NEAR(at_1000.value, 5.623413251903491, 1e-10);
  EXPECT_EQ(format_budget_estimate(at_1000, 1), "5.6");
  // mlp at 10000 scores 0.9, beyond ridge's best: "> 1" (10000 / 10000).
  EXPECT_EQ(format_budget_estimate(practice_multiplier(kDecades, mlp, 2, kDecades, ridge), 1),
            "> 1");
}

}  // namespace
}  // namespace hg::metrics
