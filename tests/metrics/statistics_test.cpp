#include "hourglass/metrics/statistics.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace hg::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Ten scores used for the scipy / numpy cross-checks below. Sorted:
// 0.05 0.1 0.2 0.35 0.4 0.55 0.6 0.7 0.8 0.95 (sum 4.7).
const std::vector<double> kTenScores = {0.1, 0.4, 0.35, 0.8, 0.95, 0.2, 0.55, 0.6, 0.05, 0.7};

TEST(MeanTest, HandComputed) {
  // (1 + 2 + 3 + 4) / 4 = 10 / 4 = 2.5
  EXPECT_DOUBLE_EQ(mean({1, 2, 3, 4}), 2.5);
  EXPECT_DOUBLE_EQ(mean({-3}), -3.0);
  // 4.7 / 10 = 0.47 (numpy.mean gives 0.4699999999999999)
  EXPECT_DOUBLE_EQ(mean(kTenScores), 0.47);
}

TEST(MeanTest, RejectsEmptyAndNonFinite) {
  EXPECT_THROW(mean({}), std::invalid_argument);
  EXPECT_THROW(mean({1.0, kNaN}), std::invalid_argument);
  EXPECT_THROW(mean({kInf, 1.0}), std::invalid_argument);
}

TEST(StddevTest, HandComputed) {
  // mean 5; squared deviations 9 1 1 1 0 0 4 16 sum to 32; sqrt(32 / 7)
  EXPECT_DOUBLE_EQ(stddev({2, 4, 4, 4, 5, 5, 7, 9}), std::sqrt(32.0 / 7.0));
  // mean 2; deviations -1 0 1; sqrt(2 / 2) = 1
  EXPECT_DOUBLE_EQ(stddev({1, 2, 3}), 1.0);
  // numpy.std(kTenScores, ddof=1) = 0.30203016773531455
  EXPECT_DOUBLE_EQ(stddev(kTenScores), 0.30203016773531455);
}

TEST(StddevTest, OneValueIsZeroAndEmptyThrows) {
  EXPECT_DOUBLE_EQ(stddev({7.5}), 0.0);
  EXPECT_THROW(stddev({}), std::invalid_argument);
  EXPECT_THROW(stddev({1.0, kNaN}), std::invalid_argument);
}

TEST(MedianTest, HandComputed) {
  // sorted 1 2 3: the middle one
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2.0);
  // sorted 1 2 3 4: (2 + 3) / 2
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(median({9}), 9.0);
  // (0.4 + 0.55) / 2 = 0.475 (numpy.median: 0.47500000000000003)
  EXPECT_DOUBLE_EQ(median(kTenScores), 0.475);
  EXPECT_THROW(median({}), std::invalid_argument);
  EXPECT_THROW(median({kNaN}), std::invalid_argument);
}

TEST(PercentileTest, HandComputedLinearInterpolation) {
  // h = (4 - 1) * 0.40 = 1.2: s[1] + 0.2 * (s[2] - s[1]) = 2 + 0.2 = 2.2
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 40), 2.2);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 0), 1.0);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 100), 4.0);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 50), 2.5);
  // h = 9 * 0.375 = 3.375: 0.35 + 0.375 * (0.4 - 0.35) = 0.36875
  // (numpy.percentile: 0.36875)
  EXPECT_DOUBLE_EQ(percentile(kTenScores, 37.5), 0.36875);
  // h = 9 * 0.025 = 0.225: 0.05 + 0.225 * 0.05 = 0.06125
  // (numpy.percentile: 0.061250000000000006)
  EXPECT_DOUBLE_EQ(percentile(kTenScores, 2.5), 0.06125);
  EXPECT_DOUBLE_EQ(percentile({3}, 80), 3.0);
}

TEST(PercentileTest, RejectsBadInput) {
  EXPECT_THROW(percentile({}, 50), std::invalid_argument);
  EXPECT_THROW(percentile({1, 2}, -0.1), std::invalid_argument);
  EXPECT_THROW(percentile({1, 2}, 100.5), std::invalid_argument);
  EXPECT_THROW(percentile({1, 2}, kNaN), std::invalid_argument);
  EXPECT_THROW(percentile({1, kNaN}, 50), std::invalid_argument);
}

TEST(TrimMeanTest, HandComputedLikeScipy) {
  // n = 5, int(0.2 * 5) = 1 cut from each end: mean(2, 3, 4) = 3
  EXPECT_DOUBLE_EQ(trim_mean({1, 2, 3, 4, 100}, 0.2), 3.0);
  // n = 7, int(0.25 * 7) = int(1.75) = 1; sorted 1 2 3 5 7 8 9 -> mean(2 3 5 7 8) = 25 / 5
  // (scipy.stats.trim_mean: 5.0)
  EXPECT_DOUBLE_EQ(trim_mean({5, 1, 9, 3, 7, 2, 8}, 0.25), 5.0);
  // n = 20, int(0.33 * 20) = int(6.6) = 6; mean(6..13) = 9.5 (scipy: 9.5)
  std::vector<double> zero_to_nineteen;
  for (int i = 0; i < 20; ++i) zero_to_nineteen.push_back(i);
  EXPECT_DOUBLE_EQ(trim_mean(zero_to_nineteen, 0.33), 9.5);
  // n = 10, int(2.5) = 2; mean(0.2 0.35 0.4 0.55 0.6 0.7) = 2.8 / 6
  // (scipy.stats.trim_mean(kTenScores, 0.25) = 0.4666666666666666)
  EXPECT_DOUBLE_EQ(trim_mean(kTenScores, 0.25), 0.4666666666666666);
  // n = 10, int(1.0) = 1; mean without 0.05 and 0.95 = 3.7 / 8 (scipy: 0.4625)
  EXPECT_DOUBLE_EQ(trim_mean(kTenScores, 0.1), 0.4625);
  // proportion 0 is the mean; 0.5 with odd n is the median
  EXPECT_DOUBLE_EQ(trim_mean({1, 2, 6}, 0.0), 3.0);
  EXPECT_DOUBLE_EQ(trim_mean({1, 2, 6}, 0.5), 2.0);
}

TEST(TrimMeanTest, RejectsBadInput) {
  EXPECT_THROW(trim_mean({}, 0.1), std::invalid_argument);
  EXPECT_THROW(trim_mean({1, 2, 3}, -0.1), std::invalid_argument);
  EXPECT_THROW(trim_mean({1, 2, 3}, 0.6), std::invalid_argument);
  EXPECT_THROW(trim_mean({1, 2, 3}, kNaN), std::invalid_argument);
  // n = 4, int(0.5 * 4) = 2 from each end leaves nothing (scipy returns NaN)
  EXPECT_THROW(trim_mean({1, 2, 3, 4}, 0.5), std::invalid_argument);
  EXPECT_THROW(trim_mean({1, kNaN, 3}, 0.1), std::invalid_argument);
}

TEST(IqmTest, HandComputed) {
  // n = 8, int(0.25 * 8) = 2 cut from each end: mean(3 4 5 6) = 4.5
  EXPECT_DOUBLE_EQ(iqm({8, 1, 7, 2, 6, 3, 5, 4}), 4.5);
  // an outlier run does not move it: mean(3 4 5 6) = 4.5
  EXPECT_DOUBLE_EQ(iqm({1000, 1, 7, 2, 6, 3, 5, 4}), 4.5);
  // n = 3: int(0.75) = 0, nothing cut: (1 + 2 + 6) / 3 = 3
  EXPECT_DOUBLE_EQ(iqm({1, 2, 6}), 3.0);
  EXPECT_THROW(iqm({}), std::invalid_argument);
}

TEST(OptimalityGapTest, HandComputed) {
  // min(x, 1) = 0.5 1 0.75 0.25, mean 2.5 / 4 = 0.625, gap 1 - 0.625 = 0.375
  EXPECT_DOUBLE_EQ(optimality_gap({0.5, 1.5, 0.75, 0.25}), 0.375);
  // all at or above optimal: no gap
  EXPECT_DOUBLE_EQ(optimality_gap({1.0, 2.0}), 0.0);
  // below trivial counts fully: min = -1 0, mean -0.5, gap 1.5
  EXPECT_DOUBLE_EQ(optimality_gap({-1.0, 0.0}), 1.5);
  EXPECT_THROW(optimality_gap({}), std::invalid_argument);
  EXPECT_THROW(optimality_gap({kNaN}), std::invalid_argument);
}

TEST(RandomTest, SplitMix64ReferenceOutputs) {
  // The published SplitMix64 outputs for seed 0.
  SplitMix64 rng(0);
  EXPECT_EQ(rng.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(rng.next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(rng.next(), 0x06c45d188009454fULL);
  EXPECT_EQ(rng.next(), 0xf88bb8a8724c81ecULL);
}

TEST(RandomTest, Xoshiro256StarStarPinnedOutputs) {
  // Pinned so that any change to the generator (and so to every bootstrap
  // interval ever reported) is caught. Computed with an independent Python
  // transcription of the reference xoshiro256** seeded by SplitMix64(0).
  Xoshiro256StarStar rng(0);
  EXPECT_EQ(rng.next(), 0x99ec5f36cb75f2b4ULL);
  EXPECT_EQ(rng.next(), 0xbf6e1f784956452aULL);
  EXPECT_EQ(rng.next(), 0x1a5f849d4933e6e0ULL);
  EXPECT_EQ(rng.next(), 0x6aa594f1262d2d2cULL);
  Xoshiro256StarStar seeded(42);
  EXPECT_EQ(seeded.next(), 0x15780b2e0c2ec716ULL);
}

TEST(RandomTest, UniformIndex) {
  // n = 2: 2^64 mod 2 = 0, nothing rejected, index = lowest bit of the output.
  // Outputs above end in 4 a 0 c 9 a 8 f: bits 0 0 0 0 1 0 0 1.
  Xoshiro256StarStar rng(0);
  const std::vector<size_t> expected = {0, 0, 0, 0, 1, 0, 0, 1};
  for (size_t bit : expected) EXPECT_EQ(rng.uniform_index(2), bit);
  Xoshiro256StarStar one(5);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(one.uniform_index(1), 0u);
  Xoshiro256StarStar ten(3);
  for (int i = 0; i < 1000; ++i) EXPECT_LT(ten.uniform_index(10), 10u);
  EXPECT_THROW(ten.uniform_index(0), std::invalid_argument);
}

TEST(RandomTest, UniformIndexEqualsTheDivisionItReplaces) {
  // uniform_index takes r mod n from a precomputed magic number: the same
  // numbers as the plain rejection and division, for small, odd, huge and
  // changing n (the bootstrap's intervals depend on every draw).
  Xoshiro256StarStar fast(11), plain(11);
  std::vector<uint64_t> sizes = {1, 2, 3, 7, 10, 100, 1000, 1ull << 32, (1ull << 32) + 1,
                                 (1ull << 63) + 12345, ~0ull, 10, 3};
  // Every n up to 300 (each power of two, and both magic forms of
  // the division), n just around powers of two, and random n of every size.
  for (uint64_t n = 4; n <= 300; ++n) sizes.push_back(n);
  for (int bit = 2; bit < 64; ++bit)
    for (uint64_t n : {(1ull << bit) - 1, (1ull << bit) + 1, (1ull << bit) + (1ull << (bit - 1))})
      sizes.push_back(n);
  Xoshiro256StarStar pick(5);
  for (int i = 0; i < 200; ++i) sizes.push_back(pick.next() >> (i % 64) | 1);
  for (int round = 0; round < 3; ++round)
    for (uint64_t n : sizes)
      for (int i = 0; i < 2000; ++i) {
        const uint64_t floor = (0 - n) % n;
        uint64_t r = plain.next();
        while (r < floor) r = plain.next();
        ASSERT_EQ(fast.uniform_index(static_cast<size_t>(n)), r % n) << "n = " << n;
      }
}

TEST(BootstrapTest, TheFourAggregatesAtOnceEqualTheirSeparateBootstraps) {
  // stratified_bootstrap_aggregates shares one resample and one sort per
  // replicate: every value and bound must equal the separate calls exactly.
  Xoshiro256StarStar rng(4);
  for (const std::vector<size_t>& sizes :
       std::vector<std::vector<size_t>>{{10, 10, 10}, {3, 7}, {1, 1, 1}, {5}, {2, 9, 4, 4}}) {
    std::vector<std::vector<double>> runs;
    for (size_t n : sizes) {
      runs.emplace_back();
      for (size_t i = 0; i < n; ++i)
        runs.back().push_back(static_cast<double>(rng.uniform_index(1000)) / 500.0 - 0.5);
    }
    runs[0][0] = 1.5;  // above 1: the optimality gap clips it
    BootstrapOptions options;
    options.reps = 300;
    options.seed = 99 + sizes.size();
    const auto all = stratified_bootstrap_aggregates(runs, options);
    auto same = [](const Estimate& a, const Estimate& b) {
      EXPECT_EQ(a.value, b.value);
      EXPECT_EQ(a.ci.lo, b.ci.lo);
      EXPECT_EQ(a.ci.hi, b.ci.hi);
    };
    same(all.iqm, stratified_bootstrap(runs, iqm, options));
    same(all.optimality_gap, stratified_bootstrap(runs, optimality_gap, options));
    // The mean and median of per-task means, by a plain loop over the same
    // draws (replicates in order, tasks in order, each task's runs in order).
    EXPECT_EQ(all.mean.value, aggregate_mean(runs));
    EXPECT_EQ(all.median.value, aggregate_median(runs));
    bool one_run_each = true;
    for (const auto& r : runs) one_run_each = one_run_each && r.size() == 1;
    if (one_run_each) {
      EXPECT_EQ(all.mean.ci.lo, all.mean.value);
      EXPECT_EQ(all.median.ci.hi, all.median.value);
      continue;
    }
    Xoshiro256StarStar draws(options.seed);
    std::vector<double> means, medians;
    for (int rep = 0; rep < options.reps; ++rep) {
      std::vector<std::vector<double>> resampled;
      for (const auto& r : runs) {
        resampled.emplace_back();
        for (size_t i = 0; i < r.size(); ++i) resampled.back().push_back(r[draws.uniform_index(r.size())]);
      }
      means.push_back(aggregate_mean(resampled));
      medians.push_back(aggregate_median(resampled));
    }
    const double low = 100.0 * (1.0 - options.confidence) / 2.0;  // as the bootstrap computes it
    const double high = 100.0 * (1.0 + options.confidence) / 2.0;
    EXPECT_EQ(all.mean.ci.lo, percentile(means, low));
    EXPECT_EQ(all.mean.ci.hi, percentile(means, high));
    EXPECT_EQ(all.median.ci.lo, percentile(medians, low));
    EXPECT_EQ(all.median.ci.hi, percentile(medians, high));
  }
}

// rliable's aggregate mean and median are of the per-task means; IQM and
// the optimality gap pool the runs. Unequal runs per task, by hand:
//   A {0.1, 0.2, 0.3, 0.6}: mean 0.3;  B {0.8, 1.0}: mean 0.9;
//   C {0.4, 0.4, 0.4, 0.8}: mean 0.5
//   aggregate mean = (0.3 + 0.9 + 0.5) / 3 = 0.5666...  (pooled: 5.0 / 10 = 0.5)
//   aggregate median = median(0.3, 0.9, 0.5) = 0.5      (pooled: 0.4)
//   IQM: 10 runs sorted 0.1 0.2 | 0.3 0.4 0.4 0.4 0.6 0.8 | 0.8 1.0 -> 2.9 / 6
//   optimality gap: 1 - 5.0 / 10 = 0.5
TEST(AggregateTest, MeanAndMedianOfPerTaskMeansWithUnequalRuns) {
  const std::vector<std::vector<double>> runs = {
      {0.1, 0.2, 0.3, 0.6}, {0.8, 1.0}, {0.4, 0.4, 0.4, 0.8}};
  EXPECT_NEAR(aggregate_mean(runs), 1.7 / 3, 1e-15);
  EXPECT_NEAR(aggregate_median(runs), 0.5, 1e-15);
  const auto all = stratified_bootstrap_aggregates(runs, {200, 0.95, 3});
  EXPECT_NEAR(all.mean.value, 1.7 / 3, 1e-15);
  EXPECT_NEAR(all.median.value, 0.5, 1e-15);
  EXPECT_NEAR(all.iqm.value, 2.9 / 6, 1e-15);
  EXPECT_NEAR(all.optimality_gap.value, 0.5, 1e-15);
  // Even task count: the median of per-task means is the mean of the middle two.
  EXPECT_NEAR(aggregate_median({{0.1, 0.5}, {0.9}, {0.2}, {0.7, 0.7, 1.0}}), (0.3 + 0.8) / 2,
              1e-15);
  EXPECT_THROW(aggregate_mean({}), std::invalid_argument);
  EXPECT_THROW(aggregate_median({{0.1}, {}}), std::invalid_argument);
  EXPECT_THROW(aggregate_mean({{std::nan("")}}), std::invalid_argument);
}

TEST(BootstrapTest, HandComputedTinyCase) {
  // x = {0, 10}, seed 0, 4 replicates. Indices are the output bits listed in
  // UniformIndex: (0,0) (0,0) (1,0) (0,1) -> replicate means 0 0 5 5.
  // confidence 0.5 -> percentiles 25 and 75 of {0, 0, 5, 5}:
  //   h = 3 * 0.25 = 0.75 -> 0 + 0.75 * (0 - 0) = 0
  //   h = 3 * 0.75 = 2.25 -> 5 + 0.25 * (5 - 5) = 5
  const Estimate estimate = bootstrap({0.0, 10.0}, mean, {4, 0.5, 0});
  EXPECT_DOUBLE_EQ(estimate.value, 5.0);
  EXPECT_DOUBLE_EQ(estimate.ci.lo, 0.0);
  EXPECT_DOUBLE_EQ(estimate.ci.hi, 5.0);
}

TEST(BootstrapTest, OneValueAndConstantGiveDegenerateInterval) {
  const Estimate single = bootstrap_mean({0.7});
  EXPECT_DOUBLE_EQ(single.value, 0.7);
  EXPECT_DOUBLE_EQ(single.ci.lo, 0.7);
  EXPECT_DOUBLE_EQ(single.ci.hi, 0.7);
  const Estimate constant = bootstrap({2.0, 2.0, 2.0}, median);
  EXPECT_DOUBLE_EQ(constant.ci.lo, 2.0);
  EXPECT_DOUBLE_EQ(constant.ci.hi, 2.0);
}

TEST(BootstrapTest, CrossCheckedAgainstNumpy) {
  // A Python replica (same generator, same index mapping, numpy.percentile)
  // gives value 0.47 and interval [0.29500000000000004, 0.655] for seed 7.
  // scipy.stats.bootstrap(method='percentile', n_resamples=2000,
  // random_state=7), with its own generator, gives [0.285, 0.64]: the same
  // interval up to Monte Carlo error.
  const Estimate estimate = bootstrap_mean(kTenScores, {2000, 0.95, 7});
  EXPECT_DOUBLE_EQ(estimate.value, 0.47);
  EXPECT_NEAR(estimate.ci.lo, 0.295, 1e-12);
  EXPECT_NEAR(estimate.ci.hi, 0.655, 1e-12);
  EXPECT_NEAR(estimate.ci.lo, 0.285, 0.03);
  EXPECT_NEAR(estimate.ci.hi, 0.64, 0.03);
}

TEST(BootstrapTest, SeededAndDeterministic) {
  const Estimate first = bootstrap(kTenScores, iqm, {500, 0.9, 11});
  const Estimate again = bootstrap(kTenScores, iqm, {500, 0.9, 11});
  const Estimate other_seed = bootstrap(kTenScores, iqm, {500, 0.9, 12});
  EXPECT_EQ(first.ci.lo, again.ci.lo);
  EXPECT_EQ(first.ci.hi, again.ci.hi);
  EXPECT_TRUE(first.ci.lo != other_seed.ci.lo || first.ci.hi != other_seed.ci.hi);
  EXPECT_LE(first.ci.lo, first.value);
  EXPECT_GE(first.ci.hi, first.value);
}

TEST(BootstrapTest, RejectsBadInput) {
  EXPECT_THROW(bootstrap_mean({}), std::invalid_argument);
  EXPECT_THROW(bootstrap_mean({1.0, kNaN}), std::invalid_argument);
  EXPECT_THROW(bootstrap_mean({1.0, 2.0}, {0, 0.95, 0}), std::invalid_argument);
  EXPECT_THROW(bootstrap_mean({1.0, 2.0}, {100, 1.0, 0}), std::invalid_argument);
  EXPECT_THROW(bootstrap_mean({1.0, 2.0}, {100, 0.0, 0}), std::invalid_argument);
  const Statistic returns_nan = [](const std::vector<double>&) { return kNaN; };
  EXPECT_THROW(bootstrap({1.0, 2.0}, returns_nan), std::invalid_argument);
}

TEST(BootstrapMeanDifferenceTest, HandComputedTinyCase) {
  // baseline {0, 10}, current {5}, seed 0, 4 replicates. Each replicate draws
  // two baseline indices, then one current index (always 0), so it uses three
  // generator outputs, whose bits are 0 0 0 | 0 1 0 | 0 1 1 | 1 0 1 (see
  // StratifiedBootstrapTest). Baseline resamples {0,0} {0,10} {0,10} {10,0}
  // have means 0 5 5 5, so the differences 5 - mean are 5 0 0 0.
  // confidence 0.5 -> percentiles 25 and 75 of sorted {0, 0, 0, 5}:
  //   h = 0.75 -> 0 + 0.75 * (0 - 0) = 0
  //   h = 2.25 -> 0 + 0.25 * (5 - 0) = 1.25
  // value = 5 - mean(0, 10) = 0.
  const Estimate d = bootstrap_mean_difference({0.0, 10.0}, {5.0}, {4, 0.5, 0});
  EXPECT_DOUBLE_EQ(d.value, 0.0);
  EXPECT_DOUBLE_EQ(d.ci.lo, 0.0);
  EXPECT_DOUBLE_EQ(d.ci.hi, 1.25);
}

TEST(BootstrapMeanDifferenceTest, HandComputedDistribution) {
  // baseline {0, 1}: a resample's mean is 0, 0.5 or 1 with probabilities
  // 1/4, 1/2, 1/4; current {5, 5} always resamples to 5. The differences are
  // 5, 4.5 or 4; with 2000 replicates about 500 are 4 and 500 are 5, so the
  // 2.5th percentile is 4 and the 97.5th is 5. value = 5 - 0.5 = 4.5.
  const Estimate d = bootstrap_mean_difference({0.0, 1.0}, {5.0, 5.0}, {2000, 0.95, 3});
  EXPECT_DOUBLE_EQ(d.value, 4.5);
  EXPECT_DOUBLE_EQ(d.ci.lo, 4.0);
  EXPECT_DOUBLE_EQ(d.ci.hi, 5.0);
  // Swapped: the negated difference.
  const Estimate r = bootstrap_mean_difference({5.0, 5.0}, {0.0, 1.0}, {2000, 0.95, 3});
  EXPECT_DOUBLE_EQ(r.value, -4.5);
  EXPECT_DOUBLE_EQ(r.ci.lo, -5.0);
  EXPECT_DOUBLE_EQ(r.ci.hi, -4.0);
}

TEST(BootstrapMeanDifferenceTest, SingleValuesAndConstantsGiveDegenerateIntervals) {
  const Estimate single = bootstrap_mean_difference({0.75}, {0.5});
  EXPECT_DOUBLE_EQ(single.value, -0.25);
  EXPECT_DOUBLE_EQ(single.ci.lo, -0.25);
  EXPECT_DOUBLE_EQ(single.ci.hi, -0.25);
  // Constant samples of different sizes: every replicate is 2 - 1 = 1.
  const Estimate constant = bootstrap_mean_difference({1.0, 1.0, 1.0}, {2.0, 2.0});
  EXPECT_DOUBLE_EQ(constant.value, 1.0);
  EXPECT_DOUBLE_EQ(constant.ci.lo, 1.0);
  EXPECT_DOUBLE_EQ(constant.ci.hi, 1.0);
}

TEST(BootstrapMeanDifferenceTest, SeededDeterministicAndCoversTheEstimate) {
  const std::vector<double> other = {0.3, 0.45, 0.5, 0.2, 0.61};
  const Estimate first = bootstrap_mean_difference(kTenScores, other, {1000, 0.95, 5});
  const Estimate again = bootstrap_mean_difference(kTenScores, other, {1000, 0.95, 5});
  EXPECT_EQ(first.ci.lo, again.ci.lo);
  EXPECT_EQ(first.ci.hi, again.ci.hi);
  // mean(other) = 2.06 / 5 = 0.412; mean(kTenScores) = 0.47.
  EXPECT_NEAR(first.value, 0.412 - 0.47, 1e-12);
  EXPECT_LT(first.ci.lo, first.value);
  EXPECT_GT(first.ci.hi, first.value);
  EXPECT_LT(first.ci.lo, 0.0);  // noise this large: the interval covers 0
  EXPECT_GT(first.ci.hi, 0.0);
}

TEST(BootstrapMeanDifferenceTest, RejectsBadInput) {
  EXPECT_THROW(bootstrap_mean_difference({}, {1.0}), std::invalid_argument);
  EXPECT_THROW(bootstrap_mean_difference({1.0}, {}), std::invalid_argument);
  EXPECT_THROW(bootstrap_mean_difference({1.0}, {kNaN}), std::invalid_argument);
  EXPECT_THROW(bootstrap_mean_difference({kInf}, {1.0}), std::invalid_argument);
  EXPECT_THROW(bootstrap_mean_difference({1.0, 2.0}, {1.0}, {0, 0.95, 0}),
               std::invalid_argument);
  EXPECT_THROW(bootstrap_mean_difference({1.0, 2.0}, {1.0}, {10, 1.5, 0}),
               std::invalid_argument);
}

TEST(StratifiedBootstrapTest, HandComputedTinyCase) {
  // Tasks {0, 10} and {5}, seed 0, 4 replicates. Each replicate draws two
  // indices for task 0 and one (always 0) for task 1, so it uses three
  // generator outputs; their bits are 0 0 0 | 0 1 0 | 0 1 1 | 1 0 1.
  // Replicates: {0,0,5} {0,10,5} {0,10,5} {10,0,5} -> means 5/3, 5, 5, 5.
  // confidence 0.5 -> percentiles 25 and 75 of {5/3, 5, 5, 5}:
  //   h = 0.75 -> 5/3 + 0.75 * (5 - 5/3) = 5/3 + 2.5 = 25/6
  //   h = 2.25 -> 5
  // value = mean(0, 10, 5) = 5. (Python replica: [4.16666667, 5].)
  const Estimate estimate = stratified_bootstrap({{0.0, 10.0}, {5.0}}, mean, {4, 0.5, 0});
  EXPECT_DOUBLE_EQ(estimate.value, 5.0);
  EXPECT_DOUBLE_EQ(estimate.ci.lo, 25.0 / 6.0);
  EXPECT_DOUBLE_EQ(estimate.ci.hi, 5.0);
}

TEST(StratifiedBootstrapTest, EveryTaskKeepsItsWeight) {
  // Task 1 always contributes its single run, task 0 only zeros: every
  // replicate is {0, 0, 0, 0, 1} with mean 1/5 = 0.2. An unstratified
  // bootstrap of the five values would not be degenerate.
  const Estimate estimate = stratified_bootstrap({{0, 0, 0, 0}, {1}}, mean);
  EXPECT_DOUBLE_EQ(estimate.value, 0.2);
  EXPECT_DOUBLE_EQ(estimate.ci.lo, 0.2);
  EXPECT_DOUBLE_EQ(estimate.ci.hi, 0.2);
  const Estimate plain = bootstrap({0, 0, 0, 0, 1}, mean);
  EXPECT_LT(plain.ci.lo, plain.ci.hi);
}

TEST(StratifiedBootstrapTest, CrossCheckedIqm) {
  // Python replica with scipy.stats.trim_mean(., 0.25) and numpy.percentile:
  // value 0.5285714285714285, interval [0.306964285714286, 0.7357142857142858].
  // value by hand: 13 runs, int(3.25) = 3 cut each end; sorted
  // 0.05 0.1 0.2 | 0.3 0.35 0.4 0.55 0.6 0.7 0.8 | 0.9 0.95 1.1 -> 3.7 / 7.
  const std::vector<std::vector<double>> runs_by_task = {
      {0.1, 0.4, 0.35, 0.8, 0.95}, {0.2, 0.55, 0.6, 0.05, 0.7}, {1.1, 0.9, 0.3}};
  const Estimate estimate = stratified_bootstrap(runs_by_task, iqm, {2000, 0.95, 3});
  EXPECT_DOUBLE_EQ(estimate.value, 3.7 / 7.0);
  EXPECT_NEAR(estimate.ci.lo, 0.306964285714286, 1e-12);
  EXPECT_NEAR(estimate.ci.hi, 0.7357142857142858, 1e-12);
}

TEST(StratifiedBootstrapTest, RejectsBadInput) {
  EXPECT_THROW(stratified_bootstrap({}, mean), std::invalid_argument);
  EXPECT_THROW(stratified_bootstrap({{1.0}, {}}, mean), std::invalid_argument);
  EXPECT_THROW(stratified_bootstrap({{1.0}, {kNaN}}, mean), std::invalid_argument);
}

TEST(MannWhitneyTest, HandComputed) {
  // 1 vs 2: 0; 2 vs 2: tie 1/2; 3 vs 2: 1 -> 1.5 / (3 * 1) = 0.5
  EXPECT_DOUBLE_EQ(mann_whitney_fraction({1, 2, 3}, {2}), 0.5);
  // 3 vs 1 2 3: 1 + 1 + 0.5; 4 vs 1 2 3: 3 -> 5.5 / 6
  // (scipy.stats.mannwhitneyu(x, y).statistic / 6 = 0.9166666666666666)
  EXPECT_DOUBLE_EQ(mann_whitney_fraction({3, 4}, {1, 2, 3}), 5.5 / 6.0);
  EXPECT_DOUBLE_EQ(mann_whitney_fraction({1, 2, 3}, {3, 4}), 0.5 / 6.0);
  EXPECT_DOUBLE_EQ(mann_whitney_fraction({5, 5}, {5}), 0.5);
  EXPECT_THROW(mann_whitney_fraction({}, {1}), std::invalid_argument);
  EXPECT_THROW(mann_whitney_fraction({1}, {kNaN}), std::invalid_argument);
}

TEST(ProbabilityOfImprovementTest, HandComputed) {
  // task 0: 5.5 / 6 (above); task 1: 0 vs 1 -> 0. Average (5.5/6 + 0) / 2 = 11/24
  EXPECT_DOUBLE_EQ(probability_of_improvement({{3, 4}, {0}}, {{1, 2, 3}, {1}}), 11.0 / 24.0);
  EXPECT_THROW(probability_of_improvement({{1}}, {{1}, {2}}), std::invalid_argument);
  EXPECT_THROW(probability_of_improvement({}, {}), std::invalid_argument);
  EXPECT_THROW(probability_of_improvement({{1}, {}}, {{1}, {2}}), std::invalid_argument);
}

TEST(ProbabilityOfImprovementTest, IntervalHandComputedAndCrossChecked) {
  // X above Y on every run of every task: every replicate is 1.
  const Estimate dominant = probability_of_improvement_ci({{5, 6}, {7}}, {{1, 2, 3}, {0, 1}});
  EXPECT_DOUBLE_EQ(dominant.value, 1.0);
  EXPECT_DOUBLE_EQ(dominant.ci.lo, 1.0);
  EXPECT_DOUBLE_EQ(dominant.ci.hi, 1.0);

  // task 0: 0.5 vs 0.4 0.6 0.5 -> 1 + 0 + 0.5; 0.7 -> 3; 0.9 -> 3; 0.6 -> 1 + 0.5 + 1
  //   = 10 / 12 (scipy mannwhitneyu: 0.8333333333333334)
  // task 1: 0.2 vs 0.3 0.1 0.35 0.3 -> 1; 0.4 -> 4; 0.3 -> 0.5 + 1 + 0 + 0.5 = 2
  //   = 7 / 12 (scipy: 0.5833333333333334); average 17 / 24 = 0.7083333333333334
  // Python replica interval, seed 11: [0.4166666666666667, 0.9375].
  const std::vector<std::vector<double>> x = {{0.5, 0.7, 0.9, 0.6}, {0.2, 0.4, 0.3}};
  const std::vector<std::vector<double>> y = {{0.4, 0.6, 0.5}, {0.3, 0.1, 0.35, 0.3}};
  const Estimate estimate = probability_of_improvement_ci(x, y, {2000, 0.95, 11});
  EXPECT_DOUBLE_EQ(estimate.value, 17.0 / 24.0);
  EXPECT_NEAR(estimate.ci.lo, 0.4166666666666667, 1e-12);
  EXPECT_NEAR(estimate.ci.hi, 0.9375, 1e-12);
}

// The replicates of every agent, redrawn here the slow way: each agent's
// generator (its seed), replicates in order, tasks with runs in order, each
// task's runs resampled as vectors (no draws with one run in every task).
std::vector<std::vector<std::vector<double>>> redraw(const std::vector<AgentRuns>& agents,
                                                     size_t agent, int reps) {
  const auto& runs = agents[agent].runs_by_task;
  bool one_run_each = true;
  for (const auto& r : runs) one_run_each = one_run_each && r.size() <= 1;
  Xoshiro256StarStar draws(agents[agent].seed);
  std::vector<std::vector<std::vector<double>>> out;  // [rep][task] (empty: no runs)
  for (int rep = 0; rep < reps; ++rep) {
    out.emplace_back();
    for (const auto& r : runs) {
      out.back().emplace_back();
      for (size_t i = 0; i < r.size(); ++i)
        out.back().back().push_back(one_run_each ? r[i] : r[draws.uniform_index(r.size())]);
    }
  }
  return out;
}

std::vector<std::vector<double>> with_runs(const std::vector<std::vector<double>>& by_task) {
  std::vector<std::vector<double>> out;
  for (const auto& r : by_task)
    if (!r.empty()) out.push_back(r);
  return out;
}

TEST(StratifiedBootstrapAgentsTest, EqualsTheSeparateAggregatesAndTheSlowImprovement) {
  // Four agents on three tasks: b misses task 1, c has one run per task (its
  // replicates are the data), d has no runs at all.
  std::vector<AgentRuns> agents(4);
  agents[0] = {{{0.1, 0.5, 0.5, 0.9}, {0.3, 0.2}, {1.2, 0.4, 0.6}}, 11};
  agents[1] = {{{0.2, 0.6, 0.4}, {}, {0.5, 0.5, 0.7, 0.1}}, 12};
  agents[2] = {{{0.5}, {0.25}, {0.6}}, 13};
  agents[3] = {{{}, {}, {}}, 14};
  const int reps = 300;
  const AgentsEstimates all = stratified_bootstrap_agents(agents, reps, 0.9);
  ASSERT_EQ(all.aggregates.size(), 4u);
  EXPECT_FALSE(all.aggregates[3].has_value());
  for (size_t a = 0; a < 3; ++a) {
    ASSERT_TRUE(all.aggregates[a].has_value());
    const auto expected =
        stratified_bootstrap_aggregates(with_runs(agents[a].runs_by_task), {reps, 0.9, 11 + a});
    for (auto member : {&AggregateEstimates::iqm, &AggregateEstimates::mean,
                        &AggregateEstimates::median, &AggregateEstimates::optimality_gap}) {
      EXPECT_EQ(((*all.aggregates[a]).*member).value, (expected.*member).value);
      EXPECT_EQ(((*all.aggregates[a]).*member).ci.lo, (expected.*member).ci.lo);
      EXPECT_EQ(((*all.aggregates[a]).*member).ci.hi, (expected.*member).ci.hi);
    }
  }
  // P(X > Y), replicate by replicate, from resampled vectors and
  // probability_of_improvement over the tasks where both have runs.
  const double low = 100.0 * (1.0 - 0.9) / 2.0, high = 100.0 * (1.0 + 0.9) / 2.0;
  for (size_t x = 0; x < 4; ++x)
    for (size_t y = 0; y < 4; ++y) {
      if (x == y) continue;
      std::vector<size_t> shared;
      for (size_t t = 0; t < 3; ++t)
        if (!agents[x].runs_by_task[t].empty() && !agents[y].runs_by_task[t].empty())
          shared.push_back(t);
      EXPECT_EQ(all.tasks[x][y], static_cast<int>(shared.size()));
      if (shared.empty()) {
        EXPECT_TRUE(std::isnan(all.improvement[x][y].value));
        continue;
      }
      auto pick = [&](const std::vector<std::vector<double>>& by_task) {
        std::vector<std::vector<double>> out;
        for (size_t t : shared) out.push_back(by_task[t]);
        return out;
      };
      EXPECT_EQ(all.improvement[x][y].value,
                probability_of_improvement(pick(agents[x].runs_by_task),
                                           pick(agents[y].runs_by_task)));
      const auto rx = redraw(agents, x, reps), ry = redraw(agents, y, reps);
      std::vector<double> replicates;
      for (int rep = 0; rep < reps; ++rep)
        replicates.push_back(probability_of_improvement(pick(rx[rep]), pick(ry[rep])));
      EXPECT_EQ(all.improvement[x][y].ci.lo, percentile(replicates, low)) << x << " " << y;
      EXPECT_EQ(all.improvement[x][y].ci.hi, percentile(replicates, high)) << x << " " << y;
      // The mirror image: the same resamples seen from the other side.
      EXPECT_NEAR(all.improvement[x][y].ci.lo, 1.0 - all.improvement[y][x].ci.hi, 1e-12);
    }
}

TEST(StratifiedBootstrapAgentsTest, HandComputedDominanceAndRejectsBadInput) {
  // a above b on every run: every replicate of P(a > b) is 1, of P(b > a) 0.
  const AgentsEstimates all =
      stratified_bootstrap_agents({{{{5, 6}, {7}}, 1}, {{{1, 2, 3}, {0, 1}}, 2}}, 1000);
  EXPECT_EQ(all.improvement[0][1].value, 1.0);
  EXPECT_EQ(all.improvement[0][1].ci.lo, 1.0);
  EXPECT_EQ(all.improvement[0][1].ci.hi, 1.0);
  EXPECT_EQ(all.improvement[1][0].value, 0.0);
  EXPECT_EQ(all.improvement[1][0].ci.lo, 0.0);
  EXPECT_EQ(all.improvement[1][0].ci.hi, 0.0);
  EXPECT_TRUE(std::isnan(all.improvement[0][0].value));
  EXPECT_THROW(stratified_bootstrap_agents({{{{1}}, 1}, {{{1}, {2}}, 2}}, 10),
               std::invalid_argument);  // different task counts
  EXPECT_THROW(stratified_bootstrap_agents({{{{1, kNaN}}, 1}}, 10), std::invalid_argument);
  EXPECT_THROW(stratified_bootstrap_agents({{{{1, 2}}, 1}}, 0), std::invalid_argument);
  EXPECT_THROW(stratified_bootstrap_agents({{{{1, 2}}, 1}}, 10, 1.0), std::invalid_argument);
}

TEST(StratifiedBootstrapAgentsTest, SameIntervalAsThePairwiseBootstrapUpToMonteCarloError) {
  // The shared replicates resample X and Y independently within each task,
  // as probability_of_improvement_ci does with one generator per pair: the
  // two intervals estimate the same percentiles. Measured over 40 seeds each
  // at 20,000 replicates: pairwise low 0.5540 (sd 0.0021), high 0.8937 (sd
  // 0.0019); shared low 0.5536 (sd 0.0023), high 0.8939 (sd 0.0014). The
  // difference of two runs has an sd of about 0.003; 0.015 is 5 of them.
  const std::vector<std::vector<double>> x = {{0.5, 0.7, 0.9, 0.6, 0.4, 0.8, 0.55, 0.65},
                                              {0.2, 0.4, 0.3, 0.1, 0.5, 0.45, 0.35, 0.25}};
  const std::vector<std::vector<double>> y = {{0.4, 0.6, 0.5, 0.3, 0.7, 0.45, 0.5, 0.35},
                                              {0.3, 0.1, 0.35, 0.3, 0.2, 0.4, 0.15, 0.05}};
  const AgentsEstimates shared = stratified_bootstrap_agents({{x, 21}, {y, 22}}, 20000);
  const Estimate pairwise = probability_of_improvement_ci(x, y, {20000, 0.95, 23});
  EXPECT_EQ(shared.improvement[0][1].value, pairwise.value);
  EXPECT_NEAR(shared.improvement[0][1].ci.lo, pairwise.ci.lo, 0.015);
  EXPECT_NEAR(shared.improvement[0][1].ci.hi, pairwise.ci.hi, 0.015);
  const Estimate reverse = probability_of_improvement_ci(y, x, {20000, 0.95, 24});
  EXPECT_NEAR(shared.improvement[1][0].ci.lo, reverse.ci.lo, 0.015);
  EXPECT_NEAR(shared.improvement[1][0].ci.hi, reverse.ci.hi, 0.015);
}

TEST(BootstrapTest, LargeReplicateCountsGiveTheSortedPercentiles) {
  // 10,000 replicates and more take the percentiles' order statistics from a
  // sampled threshold (percentile_interval); they must equal numpy's
  // percentile of the sorted replicates, ties included (few distinct means).
  for (const std::vector<double>& x :
       {kTenScores, std::vector<double>{0, 1, 1, 0, 1}, std::vector<double>{0, 0, 0, 0, 1}}) {
    for (int reps : {4096, 10000, 50001}) {
      const BootstrapOptions options{reps, 0.95, static_cast<uint64_t>(reps)};
      Xoshiro256StarStar draws(options.seed);
      std::vector<double> replicates;
      for (int rep = 0; rep < reps; ++rep) {
        std::vector<double> resample;
        for (size_t i = 0; i < x.size(); ++i) resample.push_back(x[draws.uniform_index(x.size())]);
        replicates.push_back(mean(resample));
      }
      const Estimate estimate = bootstrap_mean(x, options);
      EXPECT_EQ(estimate.ci.lo, percentile(replicates, 2.5)) << reps;
      EXPECT_EQ(estimate.ci.hi, percentile(replicates, 97.5)) << reps;
      const Estimate wide = bootstrap_mean(x, {reps, 0.5, options.seed});
      EXPECT_EQ(wide.ci.lo, percentile(replicates, 25.0)) << reps;
      EXPECT_EQ(wide.ci.hi, percentile(replicates, 75.0)) << reps;
    }
  }
}

// The worked example of docs/metrics.md ("Worked example"): normalized test
// scores of one agent on two tasks, four seeds each.
TEST(StatisticsDocsTest, WorkedExample) {
  const std::vector<std::vector<double>> runs_by_task = {{0.2, 0.9, 0.7, 0.5},
                                                         {1.2, 0.4, 0.6, 0.8}};
  const std::vector<double> all_runs = {0.2, 0.9, 0.7, 0.5, 1.2, 0.4, 0.6, 0.8};
  // sum 5.3 over 8 runs
  EXPECT_DOUBLE_EQ(mean(all_runs), 5.3 / 8.0);
  // sorted 0.2 0.4 0.5 0.6 0.7 0.8 0.9 1.2: (0.6 + 0.7) / 2 = 0.65
  EXPECT_DOUBLE_EQ(median(all_runs), 0.65);
  // The aggregates (rliable): task means 2.3 / 4 = 0.575 and 3.0 / 4 = 0.75;
  // their mean and (two tasks) median are both 0.6625.
  EXPECT_NEAR(aggregate_mean(runs_by_task), 0.6625, 1e-12);
  EXPECT_NEAR(aggregate_median(runs_by_task), 0.6625, 1e-12);
  // int(0.25 * 8) = 2 cut each end: (0.5 + 0.6 + 0.7 + 0.8) / 4 = 0.65
  EXPECT_DOUBLE_EQ(iqm(all_runs), 0.65);
  // 1.2 counts as 1: 1 - (5.3 - 0.2) / 8 = 1 - 0.6375 = 0.3625
  EXPECT_NEAR(optimality_gap(all_runs), 0.3625, 1e-12);
  // Against a second agent with 0.1 0.5 0.4 0.3 and 0.7 0.7 0.5 0.9:
  // task 0: 0.2 beats 0.1 (1); 0.9 and 0.7 beat all (8); 0.5 beats 0.1 0.4 0.3, ties 0.5
  //   (3.5) -> 12.5 / 16. task 1: 1.2 beats all (4); 0.4 none (0); 0.6 beats 0.5 (1);
  //   0.8 beats 0.7 0.7 0.5 (3) -> 8 / 16. P(improvement) = (12.5 + 8) / 32 = 0.640625.
  const std::vector<std::vector<double>> other = {{0.1, 0.5, 0.4, 0.3}, {0.7, 0.7, 0.5, 0.9}};
  EXPECT_DOUBLE_EQ(probability_of_improvement(runs_by_task, other), 0.640625);
  // Stratified bootstrap intervals, 2000 replicates, seed 0, as printed in the
  // docs. Cross-checked with the Python replica (same generator and index
  // mapping, scipy.stats.trim_mean, numpy.percentile): IQM [0.45, 0.875],
  // probability of improvement [0.34375, 0.921875].
  const Estimate iqm_estimate = stratified_bootstrap(runs_by_task, iqm, {2000, 0.95, 0});
  EXPECT_DOUBLE_EQ(iqm_estimate.value, 0.65);
  EXPECT_NEAR(iqm_estimate.ci.lo, 0.45, 1e-12);
  EXPECT_NEAR(iqm_estimate.ci.hi, 0.875, 1e-12);
  const Estimate poi_estimate = probability_of_improvement_ci(runs_by_task, other, {2000, 0.95, 0});
  EXPECT_DOUBLE_EQ(poi_estimate.value, 0.640625);
  EXPECT_NEAR(poi_estimate.ci.lo, 0.34375, 1e-12);
  EXPECT_NEAR(poi_estimate.ci.hi, 0.921875, 1e-12);
}

}  // namespace
}  // namespace hg::metrics
