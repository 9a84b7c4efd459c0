#include "hourglass/core/fast_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace hg {
namespace {

TEST(TanhApproxTest, WithinFourTenthsOfAMillionthOfTanhEverywhere) {
  // Every float step of 1e-4 over [-12, 12], against tanh in double.
  std::vector<float> x;
  for (int i = -120000; i <= 120000; ++i) x.push_back(static_cast<float>(i) * 1e-4f);
  std::vector<float> y(x.size());
  tanh_approx(x.data(), y.data(), static_cast<int64_t>(x.size()));
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    worst = std::max(worst, std::fabs(static_cast<double>(y[i]) - std::tanh(static_cast<double>(x[i]))));
    ASSERT_LE(std::fabs(y[i]), 1.0f) << x[i];
    ASSERT_EQ(y[i], -y[x.size() - 1 - i]) << "odd at " << x[i];
  }
  EXPECT_LT(worst, 4e-7);
}

TEST(TanhApproxTest, HandValuesSaturationNanAndInPlace) {
  // tanh(0.5) = 0.46211715726, tanh(1) = 0.76159415596, tanh(3) = 0.99505475368.
  std::vector<float> x{0.0f, 0.5f, 1.0f, 3.0f, -1.0f, 20.0f, -std::numeric_limits<float>::infinity(),
                       std::numeric_limits<float>::quiet_NaN()};
  tanh_approx(x.data(), x.data(), static_cast<int64_t>(x.size()));  // in place
  EXPECT_EQ(x[0], 0.0f);
  EXPECT_NEAR(x[1], 0.46211715726, 4e-7);
  EXPECT_NEAR(x[2], 0.76159415596, 4e-7);
  EXPECT_NEAR(x[3], 0.99505475368, 4e-7);
  EXPECT_NEAR(x[4], -0.76159415596, 4e-7);
  EXPECT_NEAR(x[5], 1.0, 1e-7);
  EXPECT_NEAR(x[6], -1.0, 1e-7);
  EXPECT_TRUE(std::isnan(x[7])) << "a diverged member must stay NaN";
}

TEST(TanhApproxTest, LongArraysAndTailsAgreeWithShortOnes) {
  // The vector body and the scalar tail give the same values.
  std::vector<float> x(1003);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i)) * 4.0f;
  std::vector<float> all(x.size()), one(1);
  tanh_approx(x.data(), all.data(), static_cast<int64_t>(x.size()));
  for (size_t i = 0; i < x.size(); i += 97) {
    tanh_approx(&x[i], one.data(), 1);
    EXPECT_NEAR(all[i], one[0], 1e-7) << i;
  }
}

}  // namespace
}  // namespace hg
