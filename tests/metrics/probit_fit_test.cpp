#include "hourglass/metrics/probit_fit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace hg::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(ProbitTest, KnownQuantiles) {
  EXPECT_DOUBLE_EQ(probit(0.5), 0.0);
  // scipy.stats.norm.ppf(0.975) = 1.959963984540054
  EXPECT_NEAR(probit(0.975), 1.959963984540054, 1e-15);
  EXPECT_NEAR(probit(0.025), -1.959963984540054, 1e-15);
  // Phi(1) = 0.8413447460685429
  EXPECT_NEAR(probit(0.8413447460685429), 1.0, 1e-15);
  // scipy.stats.norm.ppf(0.001) = -3.090232306167813 (the report's clip)
  EXPECT_NEAR(probit(0.001), -3.090232306167813, 1e-15);
  // the far tail (r > 5 branch): norm.ppf(1e-20) = -9.262340089798409
  EXPECT_NEAR(probit(1e-20), -9.262340089798409, 1e-13);
}

TEST(ProbitTest, InvertsTheNormalCdf) {
  EXPECT_DOUBLE_EQ(normal_cdf(0.0), 0.5);
  for (double p : {1e-10, 0.001, 0.02, 0.3, 0.5, 0.7, 0.98, 0.999, 1 - 1e-10})
    EXPECT_NEAR(normal_cdf(probit(p)), p, 1e-14 + 1e-12 * p) << p;
}

TEST(ProbitTest, RejectsValuesOutsideTheOpenUnitInterval) {
  EXPECT_THROW(probit(0.0), std::invalid_argument);
  EXPECT_THROW(probit(1.0), std::invalid_argument);
  EXPECT_THROW(probit(-0.2), std::invalid_argument);
  EXPECT_THROW(probit(kNaN), std::invalid_argument);
}

TEST(ClipUnitTest, ClipsIntoTheInterval) {
  EXPECT_DOUBLE_EQ(clip_unit(-25.0, 0.001), 0.001);
  EXPECT_DOUBLE_EQ(clip_unit(1.3, 0.001), 0.999);
  EXPECT_DOUBLE_EQ(clip_unit(0.42, 0.001), 0.42);
  EXPECT_THROW(clip_unit(kNaN, 0.001), std::invalid_argument);
  EXPECT_THROW(clip_unit(0.5, 0.0), std::invalid_argument);
  EXPECT_THROW(clip_unit(0.5, 0.5), std::invalid_argument);
}

TEST(LinearFitTest, ExactLine) {
  // y = 1 + 2x through (0, 1), (1, 3), (2, 5)
  const auto fit = linear_fit({0, 1, 2}, {1, 3, 5});
  EXPECT_DOUBLE_EQ(fit.slope, 2.0);
  EXPECT_DOUBLE_EQ(fit.intercept, 1.0);
  EXPECT_DOUBLE_EQ(fit.r2, 1.0);
  EXPECT_EQ(fit.points, 3u);
}

TEST(LinearFitTest, HandComputed) {
  // (0, 0), (1, 1), (2, 1): mx = 1, my = 2/3; Sxx = 2, Sxy = (-1)(-2/3) + 0 + (1)(1/3) = 1,
  // Syy = 4/9 + 1/9 + 1/9 = 2/3. slope = 1/2, intercept = 2/3 - 1/2 = 1/6,
  // R^2 = Sxy^2 / (Sxx Syy) = 1 / (2 * 2/3) = 0.75.
  const auto fit = linear_fit({0, 1, 2}, {0, 1, 1});
  EXPECT_DOUBLE_EQ(fit.slope, 0.5);
  EXPECT_NEAR(fit.intercept, 1.0 / 6.0, 1e-15);
  EXPECT_NEAR(fit.r2, 0.75, 1e-15);
}

TEST(LinearFitTest, FlatYHasNoR2AndEqualXThrows) {
  const auto flat = linear_fit({0, 1, 2}, {4, 4, 4});
  EXPECT_DOUBLE_EQ(flat.slope, 0.0);
  EXPECT_DOUBLE_EQ(flat.intercept, 4.0);
  EXPECT_TRUE(std::isnan(flat.r2));
  EXPECT_THROW(linear_fit({1, 1}, {0, 2}), std::invalid_argument);
  EXPECT_THROW(linear_fit({1}, {0}), std::invalid_argument);
  EXPECT_THROW(linear_fit({1, 2}, {0}), std::invalid_argument);
  EXPECT_THROW(linear_fit({1, kNaN}, {0, 1}), std::invalid_argument);
}

TEST(ProbitFitTest, FitsOnTheProbitScaleAfterClipping) {
  // probit(0.5) = 0, probit(0.8413447460685429) = 1, and -25 clips to 0.001
  // (probit -3.090232306167813). OOD = test on the probit scale gives slope 1.
  const auto same = probit_fit({0.5, 0.8413447460685429}, {0.5, 0.8413447460685429});
  EXPECT_NEAR(same.slope, 1.0, 1e-14);
  EXPECT_NEAR(same.intercept, 0.0, 1e-14);
  const auto clipped = probit_fit({0.5, 0.8413447460685429}, {-25.0, -25.0});
  EXPECT_NEAR(clipped.slope, 0.0, 1e-14);
  EXPECT_NEAR(clipped.intercept, -3.090232306167813, 1e-14);
  EXPECT_TRUE(std::isnan(clipped.r2));
}

}  // namespace
}  // namespace hg::metrics
