#include "hourglass/metrics/generalization.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace hg::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const std::vector<double> kDecades = {100, 1000, 10000};

TEST(GeneralizationGapTest, HandComputed) {
  // 0.75 - 0.5 = 0.25
  EXPECT_DOUBLE_EQ(generalization_gap(0.75, 0.5), 0.25);
  // test above train: negative gap, -0.125
  EXPECT_DOUBLE_EQ(generalization_gap(0.5, 0.625), -0.125);
  EXPECT_TRUE(std::isnan(generalization_gap(kNaN, 0.5)));
}

TEST(OodDropTest, HandComputed) {
  // 0.5 - 0.125 = 0.375
  EXPECT_DOUBLE_EQ(ood_drop(0.5, 0.125), 0.375);
  // OOD below trivial: 0.75 - (-0.5) = 1.25
  EXPECT_DOUBLE_EQ(ood_drop(0.75, -0.5), 1.25);
}

TEST(WorstOodTest, HandComputed) {
  // min(0.5, -0.25, 0.75) = -0.25
  EXPECT_DOUBLE_EQ(worst_ood({0.5, -0.25, 0.75}), -0.25);
  EXPECT_DOUBLE_EQ(worst_ood({0.3}), 0.3);
  EXPECT_THROW(worst_ood({}), std::invalid_argument);
  EXPECT_THROW(worst_ood({0.3, kNaN}), std::invalid_argument);
}

TEST(TransferRatioTest, HandComputed) {
  // 0.2 / 0.8 = 0.25
  EXPECT_DOUBLE_EQ(transfer_ratio(0.8, 0.2), 0.25);
  // -0.25 / 0.5 = -0.5
  EXPECT_DOUBLE_EQ(transfer_ratio(0.5, -0.25), -0.5);
  EXPECT_TRUE(std::isnan(transfer_ratio(0.0, 0.3)));
  EXPECT_TRUE(std::isnan(transfer_ratio(0.0, 0.0)));
  EXPECT_TRUE(std::isnan(transfer_ratio(-0.0, -0.3)));
}

TEST(EffectiveDataTransferredTest, HandComputed) {
  const std::vector<double> scratch = {0.2, 0.5, 0.8};
  // Scratch reaches 0.5 exactly at 1000; the adapted learner used 100: 1000 - 100 = 900.
  EXPECT_DOUBLE_EQ(effective_data_transferred(kDecades, scratch, 0.5, 100), 900.0);
  // 0.65 is halfway from 0.5 to 0.8: D = 10^3.5 = 3162.2776...; minus 100.
  const BudgetEstimate interpolated =
      effective_data_transferred_estimate(kDecades, scratch, 0.65, 100);
  EXPECT_EQ(interpolated.bound, Bound::kExact);
  EXPECT_NEAR(interpolated.value, 3162.2776601683795 - 100.0, 1e-9);
  // n = 0 (zero-shot): D itself.
  EXPECT_DOUBLE_EQ(effective_data_transferred(kDecades, scratch, 0.8, 0), 10000.0);
}

TEST(EffectiveDataTransferredTest, Bounds) {
  const std::vector<double> scratch = {0.2, 0.5, 0.8};
  // Scratch never reaches 0.9: more than 10000 - 100 = 9900 samples transferred.
  const BudgetEstimate more = effective_data_transferred_estimate(kDecades, scratch, 0.9, 100);
  EXPECT_EQ(more.bound, Bound::kMoreThan);
  EXPECT_DOUBLE_EQ(more.value, 9900.0);
  EXPECT_DOUBLE_EQ(effective_data_transferred(kDecades, scratch, 0.9, 100), 9900.0);
  // Scratch beats 0.1 at its first budget: at most 100 - 300 = -200 (pretraining hurt).
  const BudgetEstimate at_most = effective_data_transferred_estimate(kDecades, scratch, 0.1, 300);
  EXPECT_EQ(at_most.bound, Bound::kAtMost);
  EXPECT_DOUBLE_EQ(at_most.value, -200.0);
}

TEST(EffectiveDataTransferredTest, RejectsBadInput) {
  const std::vector<double> scratch = {0.2, 0.5, 0.8};
  EXPECT_THROW(effective_data_transferred(kDecades, scratch, 0.5, -1), std::invalid_argument);
  EXPECT_THROW(effective_data_transferred(kDecades, scratch, 0.5, kNaN), std::invalid_argument);
  EXPECT_THROW(effective_data_transferred(kDecades, scratch, kNaN, 10), std::invalid_argument);
  EXPECT_THROW(effective_data_transferred({}, {}, 0.5, 10), std::invalid_argument);
  EXPECT_THROW(effective_data_transferred({1000, 100}, {0.1, 0.2}, 0.5, 10),
               std::invalid_argument);
}

// Three tasks trained in order. Row i: scores on tasks 0..2 after training
// through task i.
const std::vector<std::vector<double>> kResults = {
    {0.75, 0.125, 0.0},
    {0.5, 1.0, 0.25},
    {0.5, 0.75, 0.875},
};
const std::vector<double> kUntrained = {0.0, 0.0625, 0.125};

TEST(ContinualTest, HandComputed) {
  // ACC = (0.5 + 0.75 + 0.875) / 3 = 2.125 / 3
  EXPECT_DOUBLE_EQ(continual_acc(kResults), 2.125 / 3.0);
  // BWT = ((0.5 - 0.75) + (0.75 - 1.0)) / 2 = -0.5 / 2 = -0.25 (forgetting)
  EXPECT_DOUBLE_EQ(continual_bwt(kResults), -0.25);
  // FWT = ((R[0][1] - b1) + (R[1][2] - b2)) / 2 = ((0.125 - 0.0625) + (0.25 - 0.125)) / 2
  //     = (0.0625 + 0.125) / 2 = 0.09375
  EXPECT_DOUBLE_EQ(continual_fwt(kResults, kUntrained), 0.09375);
}

TEST(ContinualTest, OneTask) {
  EXPECT_DOUBLE_EQ(continual_acc({{0.6}}), 0.6);
  EXPECT_DOUBLE_EQ(continual_bwt({{0.6}}), 0.0);
  EXPECT_DOUBLE_EQ(continual_fwt({{0.6}}, {0.1}), 0.0);
}

TEST(ContinualTest, RejectsBadInput) {
  EXPECT_THROW(continual_acc({}), std::invalid_argument);
  EXPECT_THROW(continual_acc({{0.1, 0.2}, {0.3}}), std::invalid_argument);
  EXPECT_THROW(continual_bwt({{0.1, 0.2}}), std::invalid_argument);
  EXPECT_THROW(continual_bwt({{0.1, kNaN}, {0.3, 0.4}}), std::invalid_argument);
  EXPECT_THROW(continual_fwt(kResults, {0.0, 0.1}), std::invalid_argument);
  EXPECT_THROW(continual_fwt(kResults, {0.0, 0.1, kNaN}), std::invalid_argument);
}

}  // namespace
}  // namespace hg::metrics

namespace hg::metrics {
namespace {

TEST(NormalizedScoreTest, HandComputed) {
  // trivial -4, optimal -1: a score of -2 is (−2 − (−4)) / (−1 − (−4)) = 2/3.
  EXPECT_DOUBLE_EQ(normalized_score(-2.0, -4.0, -1.0), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(normalized_score(-4.0, -4.0, -1.0), 0.0);
  EXPECT_DOUBLE_EQ(normalized_score(-1.0, -4.0, -1.0), 1.0);
  EXPECT_DOUBLE_EQ(normalized_score(-7.0, -4.0, -1.0), -1.0);  // worse than trivial
  EXPECT_TRUE(std::isnan(normalized_score(0.5, 1.0, 1.0)));    // no span
  EXPECT_TRUE(std::isnan(normalized_score(std::nan(""), 0.0, 1.0)));
}

}  // namespace
}  // namespace hg::metrics
