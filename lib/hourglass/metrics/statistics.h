// Statistics over scores: location (mean, median, IQM), spread, percentiles,
// and seeded bootstrap confidence intervals, including rliable's stratified
// bootstrap and probability of improvement (Agarwal et al. 2021, "Deep
// Reinforcement Learning at the Edge of the Statistical Precipice").
//
// Pure functions over std::vector<double>; only the C++17 standard library.
// docs/metrics.md explains each formula for a researcher.
//
// Contract shared by every function here:
//   * Non-finite input (NaN, +inf, -inf) is rejected with
//     std::invalid_argument. The caller filters diverged or failed trials
//     before aggregating; a NaN never silently becomes a mean.
//   * Empty input where a value is needed throws std::invalid_argument.
//   * Results are deterministic: the same input and seed give bit-identical
//     numbers on every platform and compiler (own RNG, own index mapping,
//     fixed summation order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace hg::metrics {

// ---------------------------------------------------------------------------
// Location and spread
// ---------------------------------------------------------------------------

// sum_i x_i / n, summed left to right. Throws on empty or non-finite input.
double mean(const std::vector<double>& x);

// Sample standard deviation sqrt(sum_i (x_i - mean)^2 / (n - 1)) (numpy's
// std(x, ddof=1)). n = 1 gives 0. Throws on empty or non-finite input.
double stddev(const std::vector<double>& x);

// The middle value of sorted x; for even n the mean of the two middle values
// (numpy's median). Throws on empty or non-finite input.
double median(std::vector<double> x);

// The q-th percentile, q in [0, 100], with linear interpolation between
// order statistics exactly as numpy.percentile's default ("linear"):
//   h = (n - 1) * q / 100, i = floor(h), g = h - i,
//   result = s[i] + g * (s[i + 1] - s[i])   (s = sorted x; s[n-1] at q = 100)
// n = 1 gives x[0]. Throws on empty or non-finite x, or q outside [0, 100]
// (NaN included).
double percentile(std::vector<double> x, double q);

// scipy.stats.trim_mean: sort x, cut k = int(proportion * n) values (rounded
// down) from EACH end, and average the n - 2k values left.
//   trim_mean({1, 2, 3, 4, 100}, 0.2) = mean({2, 3, 4}) = 3
// proportion must be in [0, 0.5]; 0 gives mean(x). Throws on empty or
// non-finite x, proportion outside [0, 0.5], or when nothing is left after
// cutting (proportion 0.5 with even n; scipy returns NaN there).
double trim_mean(std::vector<double> x, double proportion);

// Interquartile mean: trim_mean(x, 0.25), the mean of the middle 50%.
// Robust to outlier runs and more statistically efficient than the median.
// n < 4 cuts nothing (int(0.25 * n) = 0) and gives mean(x).
double iqm(const std::vector<double>& x);

// Optimality gap: 1 - mean_i(min(x_i, 1)) over normalized scores. How far the
// runs fall short of the optimal reference (1); scores above 1 earn no extra
// credit. Lower is better. Throws on empty or non-finite input.
double optimality_gap(const std::vector<double>& x);

// ---------------------------------------------------------------------------
// Random numbers for the bootstrap
// ---------------------------------------------------------------------------

// SplitMix64 (Steele, Lea and Flood 2014): one 64-bit output per call.
// Seed 0 gives 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, ... .
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next();

 private:
  uint64_t state_;
};

// xoshiro256** (Blackman and Vigna 2018), its four state words taken from
// SplitMix64(seed). Same numbers on every platform and compiler.
class Xoshiro256StarStar {
 public:
  explicit Xoshiro256StarStar(uint64_t seed);
  // Defined here so that the bootstrap's loops inline it (billions of calls
  // for a large report).
  uint64_t next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t shifted = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= shifted;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // An unbiased index in [0, n), n >= 1: draws r = next() until
  // r >= 2^64 mod n (rejection), returns r mod n. Never
  // std::uniform_int_distribution, whose mapping differs between standard
  // libraries. Throws std::invalid_argument when n == 0.
  size_t uniform_index(size_t n) {
    const uint64_t range = static_cast<uint64_t>(n);
    if (range != divisor_) set_divisor(range);
    uint64_t r = next();
    while (r < floor_) r = next();
    // r mod n = r - (r / n) n, the quotient by one multiply and shifts.
    uint64_t quotient = r >> shift_;  // n a power of two: magic_ = 0
    if (magic_ != 0) {
      quotient = static_cast<uint64_t>((static_cast<unsigned __int128>(magic_) * r) >> 64);
      quotient = add_ ? (((r - quotient) >> 1) + quotient) >> shift_ : quotient >> shift_;
    }
    return static_cast<size_t>(r - quotient * range);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  void set_divisor(uint64_t n);  // throws for n == 0
  uint64_t state_[4];
  // uniform_index's last n, its rejection floor 2^64 mod n, and the magic
  // number, shift and add flag of the division r / n by a multiply
  // (Granlund and Montgomery 1994, the "round-up" method with libdivide's
  // 65-bit variant: exact for every 64-bit r and n; one multiply instead of
  // the four of a 128-bit reciprocal).
  uint64_t divisor_ = 0, floor_ = 0, magic_ = 0;
  unsigned shift_ = 0;
  bool add_ = false;
};

// ---------------------------------------------------------------------------
// Bootstrap confidence intervals
// ---------------------------------------------------------------------------

struct Interval {
  double lo;
  double hi;
};

// A point estimate and its confidence interval.
struct Estimate {
  double value;
  Interval ci;
};

struct BootstrapOptions {
  int reps = 2000;           // bootstrap replicates, >= 1 (the report's default: 10,000)
  double confidence = 0.95;  // interval coverage, in (0, 1)
  uint64_t seed = 0;         // seeds Xoshiro256StarStar; same seed, same interval
};

// A statistic of a sample, e.g. mean, median, iqm, optimality_gap.
using Statistic = std::function<double(const std::vector<double>&)>;

// Percentile bootstrap. value = statistic(x). Each of options.reps replicates
// draws n = x.size() values from x with replacement (index i of the replicate
// is x[rng.uniform_index(n)], i = 0..n-1, one generator seeded with
// options.seed for all replicates in order) and applies the statistic.
//   ci.lo = percentile(replicates, 100 * (1 - confidence) / 2)
//   ci.hi = percentile(replicates, 100 * (1 + confidence) / 2)
// n = 1 gives {v, [v, v]} without resampling. Throws on empty or non-finite
// x, reps < 1, confidence outside (0, 1), or a statistic that returns a
// non-finite value.
Estimate bootstrap(const std::vector<double>& x, const Statistic& statistic,
                   const BootstrapOptions& options = {});

// bootstrap(x, mean, options): mean over seeds with its percentile interval.
Estimate bootstrap_mean(const std::vector<double>& x,
                        const BootstrapOptions& options = {});

// Two-sample percentile bootstrap of a difference of means, for comparing a
// current run against a baseline: value = mean(current) - mean(baseline).
// Each replicate draws baseline.size() values from `baseline` with
// replacement, then (from the same generator, seeded with options.seed)
// current.size() values from `current`, and takes the difference of the two
// resampled means; the interval is the percentile interval above. The two
// samples are independent (different runs), so they are resampled
// independently; sizes may differ. Both of size 1 gives {v, [v, v]}.
// An interval that excludes 0 says the difference is not resampling noise.
// Throws on empty or non-finite input or bad options.
Estimate bootstrap_mean_difference(const std::vector<double>& baseline,
                                   const std::vector<double>& current,
                                   const BootstrapOptions& options = {});

// rliable's stratified bootstrap over runs (seeds) grouped by task.
// value = statistic(all runs of all tasks concatenated in task order). Each
// replicate resamples n_t runs with replacement WITHIN each task t (tasks in
// order, n_t draws each), concatenates the resampled tasks in task order and
// applies the statistic; the interval is the percentile interval above.
// Every task keeps its weight in every replicate: tasks are strata, runs are
// the random unit. Throws on no tasks, a task with no runs, non-finite
// scores, or bad options. Every task with one run gives [v, v].
Estimate stratified_bootstrap(const std::vector<std::vector<double>>& runs_by_task,
                              const Statistic& statistic,
                              const BootstrapOptions& options = {});
// rliable's aggregate mean and median (rliable.metrics.aggregate_mean and
// aggregate_median): the mean, or the median, of the PER-TASK MEANS, so that
// every task weighs the same whatever its number of runs:
//   aggregate_mean   = (1 / T) sum_t mean(runs_by_task[t])
//   aggregate_median = median_t mean(runs_by_task[t])
// (IQM and the optimality gap pool the runs of all tasks instead, as rliable
// does.) Throws on no tasks, a task with no runs or non-finite scores.
double aggregate_mean(const std::vector<std::vector<double>>& runs_by_task);
double aggregate_median(const std::vector<std::vector<double>>& runs_by_task);

// rliable's four aggregates over the same stratified replicates:
//   iqm            = iqm(all runs pooled)
//   mean           = aggregate_mean(runs_by_task)   (mean of per-task means)
//   median         = aggregate_median(runs_by_task) (median of per-task means)
//   optimality_gap = optimality_gap(all runs pooled)
// Each replicate resamples runs within each task exactly as
// stratified_bootstrap does (so the IQM and optimality gap equal
// stratified_bootstrap(runs_by_task, iqm | optimality_gap, options) exactly)
// and recomputes the four statistics from that one resample (the IQM from
// how often each run was drawn, without sorting).
struct AggregateEstimates {
  Estimate iqm, mean, median, optimality_gap;
};
AggregateEstimates stratified_bootstrap_aggregates(
    const std::vector<std::vector<double>>& runs_by_task, const BootstrapOptions& options = {});

// Several statistics over the same replicates: element k equals
// stratified_bootstrap(runs_by_task, statistics[k], options) exactly (the
// replicates of one seed are the same whatever the statistic), for the cost
// of drawing them once.
std::vector<Estimate> stratified_bootstrap(const std::vector<std::vector<double>>& runs_by_task,
                                           const std::vector<Statistic>& statistics,
                                           const BootstrapOptions& options = {});

// ---------------------------------------------------------------------------
// Probability of improvement
// ---------------------------------------------------------------------------

// Mann-Whitney U / (n_x n_y): the fraction of pairs (x_i, y_j) with
// x_i > y_j, ties counting 1/2. P(X > Y) + P(X = Y) / 2 for one draw of each.
// 1: X always better; 0.5: no difference; 0: Y always better.
// Throws on empty or non-finite x or y.
double mann_whitney_fraction(const std::vector<double>& x, const std::vector<double>& y);

// Probability that agent X beats agent Y on a randomly picked task:
//   (1 / T) sum_t mann_whitney_fraction(x_by_task[t], y_by_task[t]).
// Run counts may differ between X and Y and between tasks. Throws on no
// tasks, different task counts, or a task where either side has no runs.
double probability_of_improvement(const std::vector<std::vector<double>>& x_by_task,
                                  const std::vector<std::vector<double>>& y_by_task);

// probability_of_improvement with a stratified percentile bootstrap interval.
// Each replicate, for each task in order, resamples X's runs with replacement
// (n_x draws) and then, independently from the same generator, Y's runs
// (n_y draws), and recomputes probability_of_improvement.
Estimate probability_of_improvement_ci(const std::vector<std::vector<double>>& x_by_task,
                                       const std::vector<std::vector<double>>& y_by_task,
                                       const BootstrapOptions& options = {});

// ---------------------------------------------------------------------------
// Several agents on the same tasks: aggregates and probability of improvement
// from one set of replicates
// ---------------------------------------------------------------------------

// One agent's runs on each of T tasks (the same T for every agent of a call;
// an empty task: no runs there) and the seed of its replicates.
struct AgentRuns {
  std::vector<std::vector<double>> runs_by_task;
  uint64_t seed = 0;
};

struct AgentsEstimates {
  // Per agent: exactly stratified_bootstrap_aggregates(its tasks with runs,
  // {reps, confidence, its seed}); absent for an agent without runs.
  std::vector<std::optional<AggregateEstimates>> aggregates;
  // [x][y], x != y: P(X > Y) over the tasks[x][y] tasks where both have runs
  // (value = probability_of_improvement over them); {NaN, [NaN, NaN]} when
  // there is none, and on the diagonal.
  std::vector<std::vector<Estimate>> improvement;
  std::vector<std::vector<int>> tasks;
};

// rliable's aggregates of every agent and the probability of improvement of
// every ordered pair of agents, from the same replicates. Replicate r of
// agent A resamples A's runs within each task with A's own generator
// (seeded with A's seed), exactly as replicate r of its
// stratified_bootstrap_aggregates. Replicate r of P(X > Y) is
// probability_of_improvement on replicate r's resamples of X and of Y (two
// generators: X and Y are resampled independently, as
// probability_of_improvement_ci does, provided their seeds differ), and
// replicate r of P(Y > X) on the same resamples: per task it is exactly
// 1 - X's fraction (ties count 1/2 both ways), so the interval of P(Y > X)
// mirrors that of P(X > Y). Each interval is the percentile interval of its
// replicates. Compared with probability_of_improvement_ci per ordered pair,
// every interval is a bootstrap of the same distribution (each replicate
// resamples X and Y independently within each task), from other random
// draws: for A agents, A resamples per replicate instead of A (A - 1) pairs
// of them. Memory: (A (A - 1) + 4 A) * reps doubles.
// Throws on agents with different task counts, non-finite scores, reps < 1
// or confidence outside (0, 1).
AgentsEstimates stratified_bootstrap_agents(const std::vector<AgentRuns>& agents, int reps,
                                            double confidence = 0.95);

}  // namespace hg::metrics
