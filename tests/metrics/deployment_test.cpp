#include "hourglass/metrics/deployment.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace hg::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(PrequentialScoreTest, HandComputed) {
  // (0.25 + 0.5 + 0.75 + 1.0) / 4 = 0.625
  EXPECT_DOUBLE_EQ(prequential_score({0.25, 0.5, 0.75, 1.0}), 0.625);
  EXPECT_DOUBLE_EQ(prequential_score({-0.5}), -0.5);
  EXPECT_THROW(prequential_score({}), std::invalid_argument);
  EXPECT_THROW(prequential_score({0.5, kNaN}), std::invalid_argument);
}

TEST(DeploymentGainTest, HandComputed) {
  // learning (0.5 + 0.75 + 1.0) / 3 = 0.75; frozen (0.5 + 0.25 + 0.0) / 3 = 0.25; gain 0.5
  EXPECT_DOUBLE_EQ(deployment_gain({0.5, 0.75, 1.0}, {0.5, 0.25, 0.0}), 0.5);
  // Learning worse than frozen: (0.25 - 0.75) = -0.5
  EXPECT_DOUBLE_EQ(deployment_gain({0.25}, {0.75}), -0.5);
  EXPECT_THROW(deployment_gain({0.5, 0.5}, {0.5}), std::invalid_argument);
  EXPECT_THROW(deployment_gain({}, {}), std::invalid_argument);
  EXPECT_THROW(deployment_gain({0.5}, {kNaN}), std::invalid_argument);
}

TEST(SettledScoreTest, MeanOfTheLastHalfRoundedUp) {
  // K = 4: the last 2, (0.5 + 1.0) / 2 = 0.75
  EXPECT_DOUBLE_EQ(settled_score({0.0, 0.25, 0.5, 1.0}), 0.75);
  // K = 5: the last ceil(5 / 2) = 3, (0.25 + 0.5 + 0.75) / 3 = 0.5
  EXPECT_DOUBLE_EQ(settled_score({9.0, 9.0, 0.25, 0.5, 0.75}), 0.5);
  // K = 1: the chunk itself
  EXPECT_DOUBLE_EQ(settled_score({0.375}), 0.375);
  EXPECT_THROW(settled_score({}), std::invalid_argument);
}

TEST(RecoverySamplesTest, FirstChunkAtTheThreshold) {
  // pre = (0.75 + 0.75) / 2 = 0.75 (last 2 of 4); threshold = 0.5 * 0.75 = 0.375.
  // Current: 0.25 (below), 0.25 (below), 0.375 (reaches it, >=) at k = 2:
  // 2 chunks of 100 = 200 samples.
  const Recovery r = recovery_samples({0.0, 0.5, 0.75, 0.75}, {0.25, 0.25, 0.375, 0.0}, 100, 0.5);
  EXPECT_EQ(r.status, RecoveryStatus::kRecovered);
  EXPECT_DOUBLE_EQ(r.pre, 0.75);
  EXPECT_DOUBLE_EQ(r.threshold, 0.375);
  EXPECT_DOUBLE_EQ(r.samples, 200.0);
}

TEST(RecoverySamplesTest, TheWorkedExampleOfTheDocs) {
  // docs/metrics.md, "Deployment": pre = (0.5 + 0.75) / 2 = 0.625, threshold
  // 0.3125, first reached at k = 2: 200 samples.
  const Recovery r = recovery_samples({0.25, 0.5, 0.75}, {0.0, 0.25, 0.5, 0.75}, 100, 0.5);
  EXPECT_EQ(r.status, RecoveryStatus::kRecovered);
  EXPECT_DOUBLE_EQ(r.pre, 0.625);
  EXPECT_DOUBLE_EQ(r.threshold, 0.3125);
  EXPECT_DOUBLE_EQ(r.samples, 200.0);
}

TEST(RecoverySamplesTest, NoDropIsZero) {
  // pre = 0.5, default fraction 0.9: threshold 0.45; the first chunk has 0.5.
  const Recovery r = recovery_samples({0.5, 0.5}, {0.5, 0.0}, 50);
  EXPECT_EQ(r.status, RecoveryStatus::kRecovered);
  EXPECT_DOUBLE_EQ(r.threshold, 0.9 * 0.5);
  EXPECT_DOUBLE_EQ(r.samples, 0.0);
}

TEST(RecoverySamplesTest, NeverReachedIsCensoredAtTheSegmentLength) {
  // pre = 1.0, threshold 0.9; no chunk of 3 reaches it: 3 * 100 = 300, censored.
  const Recovery r = recovery_samples({1.0}, {0.5, 0.875, 0.8}, 100);
  EXPECT_EQ(r.status, RecoveryStatus::kCensored);
  EXPECT_DOUBLE_EQ(r.samples, 300.0);
}

TEST(RecoverySamplesTest, UndefinedWhenThePreSwitchScoreIsNotPositive) {
  // pre = (0.0 + 0.0) / 2 = 0: nothing to get back to.
  Recovery r = recovery_samples({0.5, 0.0, 0.0}, {0.5}, 100);
  EXPECT_EQ(r.status, RecoveryStatus::kUndefined);
  EXPECT_TRUE(std::isnan(r.samples));
  EXPECT_TRUE(std::isnan(r.threshold));
  EXPECT_DOUBLE_EQ(r.pre, 0.0);
  // pre = -0.25: a fraction of it would be above it.
  r = recovery_samples({-0.25}, {-0.5}, 100);
  EXPECT_EQ(r.status, RecoveryStatus::kUndefined);
}

TEST(RecoverySamplesTest, RejectsBadInput) {
  EXPECT_THROW(recovery_samples({}, {0.5}, 100), std::invalid_argument);
  EXPECT_THROW(recovery_samples({0.5}, {}, 100), std::invalid_argument);
  EXPECT_THROW(recovery_samples({0.5}, {kNaN}, 100), std::invalid_argument);
  EXPECT_THROW(recovery_samples({0.5}, {0.5}, 0), std::invalid_argument);
  EXPECT_THROW(recovery_samples({0.5}, {0.5}, 100, 0.0), std::invalid_argument);
  EXPECT_THROW(recovery_samples({0.5}, {0.5}, 100, 1.5), std::invalid_argument);
  EXPECT_THROW(recovery_samples({0.5}, {0.5}, 100, kNaN), std::invalid_argument);
}

TEST(RetentionChangeTest, HandComputed) {
  // 0.5 at the end, 0.75 after pretraining: forgot 0.25.
  EXPECT_DOUBLE_EQ(retention_change(0.75, 0.5), -0.25);
  EXPECT_DOUBLE_EQ(retention_change(0.5, 0.5), 0.0);
  EXPECT_TRUE(std::isnan(retention_change(kNaN, 0.5)));
}

}  // namespace
}  // namespace hg::metrics
