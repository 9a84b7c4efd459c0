// Scaling fits: synthetic curves with known exponents, recovered within 10%.
#include "hourglass/metrics/power_law.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hg::metrics {
namespace {

const std::vector<double> kBudgets = {100, 300, 1000, 3000, 10000, 30000};

// Normalized scores 1 - (a n^-alpha + c), each error times (1 + noise_i).
std::vector<double> curve(double a, double alpha, double c, const std::vector<double>& budgets,
                          const std::vector<double>& noise = {}) {
  std::vector<double> scores;
  for (size_t i = 0; i < budgets.size(); ++i) {
    const double e = (a * std::pow(budgets[i], -alpha) + c) * (1 + (noise.empty() ? 0 : noise[i]));
    scores.push_back(1 - e);
  }
  return scores;
}

TEST(PowerLaw, RecoversExactExponentsWithAnOffset) {
  for (double alpha : {0.5, 1.0}) {
    const auto fit = fit_power_law(kBudgets, curve(alpha == 0.5 ? 3.0 : 60.0, alpha, 0.05, kBudgets));
    ASSERT_TRUE(fit.ok) << fit.why;
    EXPECT_EQ(fit.model, PowerLawModel::kWithOffset);
    EXPECT_NEAR(fit.alpha, alpha, 1e-4 * alpha);
    EXPECT_NEAR(fit.c, 0.05, 1e-4);
    EXPECT_NEAR(fit.r2, 1.0, 1e-9);
  }
}

TEST(PowerLaw, RecoversNoisyExponentsWithin10Percent) {
  // +-3% multiplicative noise on the error, fixed (no random generator).
  const std::vector<double> noise = {0.03, -0.02, 0.025, -0.03, 0.01, -0.015};
  for (double alpha : {0.5, 1.0}) {
    const auto fit =
        fit_power_law(kBudgets, curve(alpha == 0.5 ? 3.0 : 60.0, alpha, 0.02, kBudgets, noise));
    ASSERT_TRUE(fit.ok) << fit.why;
    EXPECT_NEAR(fit.alpha, alpha, 0.1 * alpha) << "alpha " << alpha;
  }
}

TEST(PowerLaw, FewerThanFourBudgetsFitThePureLaw) {
  // e = 2 n^-0.5 at 100, 1000, 10000: log e = log 2 - 0.5 log n exactly.
  const std::vector<double> budgets = {100, 1000, 10000};
  const auto fit = fit_power_law(budgets, curve(2.0, 0.5, 0.0, budgets));
  ASSERT_TRUE(fit.ok);
  EXPECT_EQ(fit.model, PowerLawModel::kPure);
  EXPECT_NEAR(fit.alpha, 0.5, 1e-12);
  EXPECT_NEAR(fit.a, 2.0, 1e-12);
  EXPECT_EQ(fit.c, 0.0);
  EXPECT_STREQ(power_law_model_name(fit.model), "a n^-alpha");
  // e(n) = 0.1 at n = (2 / 0.1)^2 = 400: the budget to reach 0.9.
  EXPECT_NEAR(power_law_budget_to_reach(fit, 0.9), 400.0, 1e-9);
  EXPECT_NEAR(power_law_score(fit, 400.0), 0.9, 1e-12);
  // A score of 1 has no log error.
  EXPECT_FALSE(fit_power_law({10, 100}, {0.5, 1.0}).ok);
  // An error that grows with the budget is no power law.
  EXPECT_FALSE(fit_power_law({10, 100}, {0.6, 0.5}).ok);
}

TEST(PowerLaw, BudgetToReachAThresholdBelowTheFloorIsNever) {
  PowerLawFit fit;
  fit.ok = true;
  fit.model = PowerLawModel::kWithOffset;
  fit.a = 10;
  fit.alpha = 1;
  fit.c = 0.2;
  // 1 - 0.9 - 0.2 < 0: the floor is above the target error.
  EXPECT_TRUE(std::isnan(power_law_budget_to_reach(fit, 0.9)));
  // 1 - 0.7 - 0.2 = 0.1: n = 10 / 0.1 = 100.
  EXPECT_NEAR(power_law_budget_to_reach(fit, 0.7), 100.0, 1e-9);
}

TEST(PowerLaw, BootstrapIntervalCoversTheExponent) {
  // Five seeds per budget around an alpha = 0.5 curve (e = 3 n^-0.5 + 0.02).
  const std::vector<double> offsets = {-0.01, 0.005, 0.0, 0.01, -0.005};
  std::vector<std::vector<double>> runs;
  for (double s : curve(3.0, 0.5, 0.02, kBudgets)) {
    runs.emplace_back();
    for (double o : offsets) runs.back().push_back(s + o * (1 - s));
  }
  const auto estimate = fit_power_law_bootstrap(kBudgets, runs, {500, 0.95, 7});
  ASSERT_TRUE(estimate.fit.ok);
  EXPECT_NEAR(estimate.fit.alpha, 0.5, 0.05);
  EXPECT_GE(estimate.kept, 250);
  EXPECT_LE(estimate.alpha_ci.lo, estimate.fit.alpha);
  EXPECT_GE(estimate.alpha_ci.hi, estimate.fit.alpha);
  EXPECT_LT(estimate.alpha_ci.hi - estimate.alpha_ci.lo, 0.2);
  // Deterministic: the same seed, the same interval.
  const auto again = fit_power_law_bootstrap(kBudgets, runs, {500, 0.95, 7});
  EXPECT_EQ(again.alpha_ci.lo, estimate.alpha_ci.lo);
  EXPECT_EQ(again.alpha_ci.hi, estimate.alpha_ci.hi);
}

TEST(PowerLaw, RejectsBadInput) {
  EXPECT_THROW(fit_power_law({100}, {0.5}), std::invalid_argument);
  EXPECT_THROW(fit_power_law({100, 10}, {0.5, 0.6}), std::invalid_argument);
  EXPECT_THROW(fit_power_law({0, 10}, {0.5, 0.6}), std::invalid_argument);
  EXPECT_THROW(fit_power_law({10, 100}, {0.5}), std::invalid_argument);
  EXPECT_THROW(fit_power_law({10, 100}, {0.5, std::nan("")}), std::invalid_argument);
  EXPECT_THROW(fit_power_law_bootstrap({10, 100}, {{0.5}, {}}), std::invalid_argument);
}

}  // namespace
}  // namespace hg::metrics
