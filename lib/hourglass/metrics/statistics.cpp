#include "hourglass/metrics/statistics.h"

#include <algorithm>
#include <cstddef>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace hg::metrics {
namespace {

[[noreturn]] void fail(const char* function, const std::string& message) {
  throw std::invalid_argument(std::string("hg::metrics::") + function + ": " + message);
}

void require_values(const std::vector<double>& x, const char* function) {
  if (x.empty()) fail(function, "empty input (needs at least one value)");
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      fail(function, "value " + std::to_string(i) + " is not finite (" + std::to_string(x[i]) +
                         "); filter diverged or failed trials first");
    }
  }
}

void require_tasks(const std::vector<std::vector<double>>& by_task, const char* function) {
  if (by_task.empty()) fail(function, "no tasks");
  for (size_t t = 0; t < by_task.size(); ++t) {
    if (by_task[t].empty()) fail(function, "task " + std::to_string(t) + " has no runs");
    require_values(by_task[t], function);
  }
}

void require_options(const BootstrapOptions& options, const char* function) {
  if (options.reps < 1) fail(function, "reps must be >= 1, got " + std::to_string(options.reps));
  if (!(options.confidence > 0.0 && options.confidence < 1.0)) {
    fail(function, "confidence must be in (0, 1), got " + std::to_string(options.confidence));
  }
}

double sum(const std::vector<double>& x) {
  double total = 0.0;
  for (double value : x) total += value;
  return total;
}

double mean_unchecked(const std::vector<double>& x) {
  return sum(x) / static_cast<double>(x.size());
}

// numpy's "linear" percentile on already sorted, non-empty values,
// including numpy's lerp (a + d * g below g = 0.5, b - d * (1 - g) above).
double percentile_of_sorted(const std::vector<double>& sorted, double q) {
  const double virtual_index = static_cast<double>(sorted.size() - 1) * (q / 100.0);
  const double below = std::floor(virtual_index);
  const size_t lower = static_cast<size_t>(below);
  const size_t upper = std::min(lower + 1, sorted.size() - 1);
  const double fraction = virtual_index - below;
  const double a = sorted[lower];
  const double b = sorted[upper];
  const double difference = b - a;
  return fraction >= 0.5 ? b - difference * (1.0 - fraction) : a + difference * fraction;
}

// percentile_of_sorted of the sorted `values`, bit for bit, without sorting
// them: the two order statistics it interpolates, found by selection
// (O(n) instead of O(n log n); the report's 10,000-replicate intervals spent
// a sixth of their time sorting). Reorders `values`.
double percentile_by_selection(std::vector<double>& values, double q) {
  const double virtual_index = static_cast<double>(values.size() - 1) * (q / 100.0);
  const double below = std::floor(virtual_index);
  const size_t lower = static_cast<size_t>(below);
  const auto at = values.begin() + static_cast<std::ptrdiff_t>(lower);
  std::nth_element(values.begin(), at, values.end());
  const double a = *at;
  // Everything after `at` is >= a: the next order statistic is their minimum.
  const double b = lower + 1 < values.size() ? *std::min_element(at + 1, values.end()) : a;
  const double fraction = virtual_index - below;
  const double difference = b - a;
  return fraction >= 0.5 ? b - difference * (1.0 - fraction) : a + difference * fraction;
}

// The percentile interval of replicate statistics.
Interval percentile_interval(std::vector<double> replicates, double confidence,
                             const char* function) {
  for (double value : replicates) {
    if (!std::isfinite(value)) fail(function, "the statistic returned a non-finite value");
  }
  const double lo = percentile_by_selection(replicates, 100.0 * (1.0 - confidence) / 2.0);
  return {lo, percentile_by_selection(replicates, 100.0 * (1.0 + confidence) / 2.0)};
}

// Appends n_x draws with replacement from `from` to `to`.
void append_resample(const std::vector<double>& from, Xoshiro256StarStar& rng,
                     std::vector<double>& to) {
  for (size_t i = 0; i < from.size(); ++i) to.push_back(from[rng.uniform_index(from.size())]);
}

}  // namespace

double mean(const std::vector<double>& x) {
  require_values(x, "mean");
  return mean_unchecked(x);
}

double stddev(const std::vector<double>& x) {
  require_values(x, "stddev");
  if (x.size() < 2) return 0.0;
  const double center = mean_unchecked(x);
  double squares = 0.0;
  for (double value : x) squares += (value - center) * (value - center);
  return std::sqrt(squares / static_cast<double>(x.size() - 1));
}

double median(std::vector<double> x) {
  require_values(x, "median");
  const size_t middle = x.size() / 2;
  std::nth_element(x.begin(), x.begin() + middle, x.end());
  const double upper = x[middle];
  if (x.size() % 2 == 1) return upper;
  const double lower = *std::max_element(x.begin(), x.begin() + middle);
  return (lower + upper) / 2.0;
}

double percentile(std::vector<double> x, double q) {
  require_values(x, "percentile");
  if (!(q >= 0.0 && q <= 100.0)) fail("percentile", "q must be in [0, 100], got " + std::to_string(q));
  std::sort(x.begin(), x.end());
  return percentile_of_sorted(x, q);
}

double trim_mean(std::vector<double> x, double proportion) {
  require_values(x, "trim_mean");
  if (!(proportion >= 0.0 && proportion <= 0.5)) {
    fail("trim_mean", "proportion must be in [0, 0.5], got " + std::to_string(proportion));
  }
  const size_t cut = static_cast<size_t>(proportion * static_cast<double>(x.size()));
  if (2 * cut >= x.size()) {
    fail("trim_mean", "cutting " + std::to_string(cut) + " from each end of " +
                          std::to_string(x.size()) + " values leaves nothing");
  }
  std::sort(x.begin(), x.end());
  double total = 0.0;
  for (size_t i = cut; i < x.size() - cut; ++i) total += x[i];
  return total / static_cast<double>(x.size() - 2 * cut);
}

double iqm(const std::vector<double>& x) { return trim_mean(x, 0.25); }

double optimality_gap(const std::vector<double>& x) {
  require_values(x, "optimality_gap");
  double total = 0.0;
  for (double value : x) total += std::min(value, 1.0);
  return 1.0 - total / static_cast<double>(x.size());
}

uint64_t SplitMix64::next() {
  state_ += 0x9E3779B97F4A7C15ULL;
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

Xoshiro256StarStar::Xoshiro256StarStar(uint64_t seed) {
  SplitMix64 seeder(seed);
  for (uint64_t& word : state_) word = seeder.next();
}

void Xoshiro256StarStar::set_divisor(uint64_t n) {
  if (n == 0) fail("Xoshiro256StarStar::uniform_index", "n must be >= 1");
  divisor_ = n;
  // [2^64 mod n, 2^64) holds a whole multiple of n values, so r mod n is unbiased there.
  floor_ = (0 - n) % n;
  reciprocal_ = ~static_cast<unsigned __int128>(0) / n + 1;  // 0 for n = 1: r mod 1 = 0
}

namespace {

// The stratified percentile bootstrap of several statistics over the same
// replicates; a plain bootstrap is one stratum.
std::vector<Estimate> stratified_bootstrap_named(
    const std::vector<std::vector<double>>& runs_by_task, const std::vector<Statistic>& statistics,
    const BootstrapOptions& options, const char* function) {
  require_tasks(runs_by_task, function);
  require_options(options, function);

  std::vector<double> all_runs;
  bool every_task_has_one_run = true;
  for (const std::vector<double>& runs : runs_by_task) {
    all_runs.insert(all_runs.end(), runs.begin(), runs.end());
    every_task_has_one_run = every_task_has_one_run && runs.size() == 1;
  }
  std::vector<double> values;
  for (const auto& statistic : statistics) {
    values.push_back(statistic(all_runs));
    if (!std::isfinite(values.back())) fail(function, "the statistic returned a non-finite value");
  }
  std::vector<Estimate> out;
  if (every_task_has_one_run) {
    for (double value : values) out.push_back({value, {value, value}});
    return out;
  }

  Xoshiro256StarStar rng(options.seed);
  std::vector<std::vector<double>> replicates(statistics.size());
  for (auto& r : replicates) r.reserve(static_cast<size_t>(options.reps));
  std::vector<double> resample;
  resample.reserve(all_runs.size());
  for (int rep = 0; rep < options.reps; ++rep) {
    resample.clear();
    for (const std::vector<double>& runs : runs_by_task) append_resample(runs, rng, resample);
    for (size_t k = 0; k < statistics.size(); ++k) replicates[k].push_back(statistics[k](resample));
  }
  for (size_t k = 0; k < statistics.size(); ++k)
    out.push_back(
        {values[k], percentile_interval(std::move(replicates[k]), options.confidence, function)});
  return out;
}

Estimate stratified_bootstrap_named(const std::vector<std::vector<double>>& runs_by_task,
                                    const Statistic& statistic, const BootstrapOptions& options,
                                    const char* function) {
  return stratified_bootstrap_named(runs_by_task, std::vector<Statistic>{statistic}, options,
                                    function)
      .front();
}

}  // namespace

Estimate bootstrap(const std::vector<double>& x, const Statistic& statistic,
                   const BootstrapOptions& options) {
  require_values(x, "bootstrap");
  return stratified_bootstrap_named({x}, statistic, options, "bootstrap");
}

Estimate bootstrap_mean(const std::vector<double>& x, const BootstrapOptions& options) {
  require_values(x, "bootstrap_mean");
  return stratified_bootstrap_named({x}, mean_unchecked, options, "bootstrap_mean");
}

Estimate stratified_bootstrap(const std::vector<std::vector<double>>& runs_by_task,
                              const Statistic& statistic, const BootstrapOptions& options) {
  return stratified_bootstrap_named(runs_by_task, statistic, options, "stratified_bootstrap");
}

std::vector<Estimate> stratified_bootstrap(const std::vector<std::vector<double>>& runs_by_task,
                                           const std::vector<Statistic>& statistics,
                                           const BootstrapOptions& options) {
  return stratified_bootstrap_named(runs_by_task, statistics, options, "stratified_bootstrap");
}

double aggregate_mean(const std::vector<std::vector<double>>& runs_by_task) {
  require_tasks(runs_by_task, "aggregate_mean");
  double total = 0.0;
  for (const auto& runs : runs_by_task) total += mean_unchecked(runs);
  return total / static_cast<double>(runs_by_task.size());
}

double aggregate_median(const std::vector<std::vector<double>>& runs_by_task) {
  require_tasks(runs_by_task, "aggregate_median");
  std::vector<double> task_means;
  for (const auto& runs : runs_by_task) task_means.push_back(mean_unchecked(runs));
  return median(std::move(task_means));
}

AggregateEstimates stratified_bootstrap_aggregates(
    const std::vector<std::vector<double>>& runs_by_task, const BootstrapOptions& options) {
  constexpr const char* kFunction = "stratified_bootstrap";
  require_tasks(runs_by_task, kFunction);
  require_options(options, kFunction);
  std::vector<double> all_runs;
  bool every_task_has_one_run = true;
  for (const std::vector<double>& runs : runs_by_task) {
    all_runs.insert(all_runs.end(), runs.begin(), runs.end());
    every_task_has_one_run = every_task_has_one_run && runs.size() == 1;
  }
  const double values[4] = {iqm(all_runs), aggregate_mean(runs_by_task),
                            aggregate_median(runs_by_task), optimality_gap(all_runs)};
  for (double v : values)
    if (!std::isfinite(v)) fail(kFunction, "the statistic returned a non-finite value");
  AggregateEstimates out;
  Estimate* estimates[4] = {&out.iqm, &out.mean, &out.median, &out.optimality_gap};
  if (every_task_has_one_run) {
    for (int k = 0; k < 4; ++k) *estimates[k] = {values[k], {values[k], values[k]}};
    return out;
  }
  // Per replicate, as the four statistics compute it: the per-task means sum
  // each task's resampled runs in resample order, the aggregate mean sums
  // them in task order, the aggregate median takes the middle of the sorted
  // task means; the optimality gap sums the clipped runs in resample order;
  // trim_mean (IQM) sums the sorted middle in order.
  Xoshiro256StarStar rng(options.seed);
  std::vector<double> replicates[4];
  for (auto& r : replicates) r.reserve(static_cast<size_t>(options.reps));
  std::vector<double> resample, task_means(runs_by_task.size());
  resample.reserve(all_runs.size());
  const size_t n = all_runs.size();
  const size_t tasks = runs_by_task.size();
  const size_t cut = static_cast<size_t>(0.25 * static_cast<double>(n));
  if (2 * cut >= n) fail("trim_mean", "nothing left after trimming");
  for (int rep = 0; rep < options.reps; ++rep) {
    resample.clear();
    double clipped = 0.0, mean_of_means = 0.0;
    for (size_t t = 0; t < tasks; ++t) {
      const size_t start = resample.size();
      append_resample(runs_by_task[t], rng, resample);
      double total = 0.0;
      for (size_t i = start; i < resample.size(); ++i) {
        total += resample[i];
        clipped += std::min(resample[i], 1.0);
      }
      task_means[t] = total / static_cast<double>(resample.size() - start);
      mean_of_means += task_means[t];
    }
    std::sort(resample.begin(), resample.end());
    double middle = 0.0;
    for (size_t i = cut; i < n - cut; ++i) middle += resample[i];
    replicates[0].push_back(middle / static_cast<double>(n - 2 * cut));
    replicates[1].push_back(mean_of_means / static_cast<double>(tasks));
    std::vector<double> sorted_means = task_means;
    std::sort(sorted_means.begin(), sorted_means.end());
    const size_t half = tasks / 2;
    replicates[2].push_back(tasks % 2 == 1 ? sorted_means[half]
                                           : (sorted_means[half - 1] + sorted_means[half]) / 2.0);
    replicates[3].push_back(1.0 - clipped / static_cast<double>(n));
  }
  for (int k = 0; k < 4; ++k)
    *estimates[k] = {values[k],
                     percentile_interval(std::move(replicates[k]), options.confidence, kFunction)};
  return out;
}

Estimate bootstrap_mean_difference(const std::vector<double>& baseline,
                                   const std::vector<double>& current,
                                   const BootstrapOptions& options) {
  constexpr const char* kFunction = "bootstrap_mean_difference";
  require_values(baseline, kFunction);
  require_values(current, kFunction);
  require_options(options, kFunction);
  const double value = mean_unchecked(current) - mean_unchecked(baseline);
  if (baseline.size() == 1 && current.size() == 1) return {value, {value, value}};

  Xoshiro256StarStar rng(options.seed);
  std::vector<double> replicates;
  replicates.reserve(static_cast<size_t>(options.reps));
  std::vector<double> baseline_resample, current_resample;
  baseline_resample.reserve(baseline.size());
  current_resample.reserve(current.size());
  for (int rep = 0; rep < options.reps; ++rep) {
    baseline_resample.clear();
    current_resample.clear();
    append_resample(baseline, rng, baseline_resample);
    append_resample(current, rng, current_resample);
    replicates.push_back(mean_unchecked(current_resample) - mean_unchecked(baseline_resample));
  }
  return {value, percentile_interval(std::move(replicates), options.confidence, kFunction)};
}

double mann_whitney_fraction(const std::vector<double>& x, const std::vector<double>& y) {
  require_values(x, "mann_whitney_fraction");
  require_values(y, "mann_whitney_fraction");
  std::vector<double> sorted_y = y;
  std::sort(sorted_y.begin(), sorted_y.end());
  // 2U = 2 * #(x > y) + #(x == y), counted exactly in integers.
  uint64_t twice_u = 0;
  for (double value : x) {
    const auto below = std::lower_bound(sorted_y.begin(), sorted_y.end(), value);
    const auto not_above = std::upper_bound(below, sorted_y.end(), value);
    twice_u += 2 * static_cast<uint64_t>(below - sorted_y.begin()) +
               static_cast<uint64_t>(not_above - below);
  }
  return static_cast<double>(twice_u) /
         (2.0 * static_cast<double>(x.size()) * static_cast<double>(y.size()));
}

namespace {

void require_paired_tasks(const std::vector<std::vector<double>>& x_by_task,
                          const std::vector<std::vector<double>>& y_by_task, const char* function) {
  require_tasks(x_by_task, function);
  require_tasks(y_by_task, function);
  if (x_by_task.size() != y_by_task.size()) {
    fail(function, "X has " + std::to_string(x_by_task.size()) + " tasks but Y has " +
                       std::to_string(y_by_task.size()));
  }
}

double probability_of_improvement_unchecked(const std::vector<std::vector<double>>& x_by_task,
                                            const std::vector<std::vector<double>>& y_by_task) {
  double total = 0.0;
  for (size_t t = 0; t < x_by_task.size(); ++t) {
    total += mann_whitney_fraction(x_by_task[t], y_by_task[t]);
  }
  return total / static_cast<double>(x_by_task.size());
}

}  // namespace

double probability_of_improvement(const std::vector<std::vector<double>>& x_by_task,
                                  const std::vector<std::vector<double>>& y_by_task) {
  require_paired_tasks(x_by_task, y_by_task, "probability_of_improvement");
  return probability_of_improvement_unchecked(x_by_task, y_by_task);
}

namespace {

// One task of the probability of improvement's bootstrap. A replicate draws
// indices with replacement, and Mann-Whitney's count depends only on how
// often each value was drawn: with x and y sorted once, 2U of a replicate is
//   sum_i hx[i] * (#y draws below x_(i) + #y draws not above x_(i))
// where hx[i] counts the draws of the i-th smallest x; the y counts come from
// prefix sums. Exact integers, the same as mann_whitney_fraction on the
// resampled vectors, without copying or sorting them in every replicate.
struct RankedPair {
  explicit RankedPair(const std::vector<double>& x, const std::vector<double>& y)
      : x_rank(ranks(x)), y_rank(ranks(y)), hx(x.size()), hy(y.size()),
        prefix(y.size() + 1) {
    std::vector<double> sx = x, sy = y;
    std::sort(sx.begin(), sx.end());
    std::sort(sy.begin(), sy.end());
    for (double v : sx) {
      below.push_back(static_cast<size_t>(std::lower_bound(sy.begin(), sy.end(), v) - sy.begin()));
      not_above.push_back(
          static_cast<size_t>(std::upper_bound(sy.begin(), sy.end(), v) - sy.begin()));
    }
  }
  // index -> position in sorted order (ties: any consistent position).
  static std::vector<size_t> ranks(const std::vector<double>& v) {
    std::vector<size_t> order(v.size()), rank(v.size());
    for (size_t i = 0; i < v.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
    for (size_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
    return rank;
  }
  // Draws like append_resample(x) then append_resample(y); returns the
  // Mann-Whitney fraction of the drawn samples.
  double draw(Xoshiro256StarStar& rng) {
    const size_t nx = x_rank.size(), ny = y_rank.size();
    std::fill(hx.begin(), hx.end(), 0);
    std::fill(hy.begin(), hy.end(), 0);
    for (size_t i = 0; i < nx; ++i) ++hx[x_rank[rng.uniform_index(nx)]];
    for (size_t i = 0; i < ny; ++i) ++hy[y_rank[rng.uniform_index(ny)]];
    prefix[0] = 0;
    for (size_t j = 0; j < ny; ++j) prefix[j + 1] = prefix[j] + hy[j];
    uint64_t twice_u = 0;
    for (size_t i = 0; i < nx; ++i)
      if (hx[i]) twice_u += hx[i] * (prefix[below[i]] + prefix[not_above[i]]);
    return static_cast<double>(twice_u) /
           (2.0 * static_cast<double>(nx) * static_cast<double>(ny));
  }
  std::vector<size_t> x_rank, y_rank, below, not_above;
  std::vector<uint64_t> hx, hy, prefix;
};

}  // namespace

Estimate probability_of_improvement_ci(const std::vector<std::vector<double>>& x_by_task,
                                       const std::vector<std::vector<double>>& y_by_task,
                                       const BootstrapOptions& options) {
  constexpr const char* kFunction = "probability_of_improvement_ci";
  require_paired_tasks(x_by_task, y_by_task, kFunction);
  require_options(options, kFunction);
  const double value = probability_of_improvement_unchecked(x_by_task, y_by_task);

  Xoshiro256StarStar rng(options.seed);
  const size_t tasks = x_by_task.size();
  std::vector<RankedPair> pairs;
  pairs.reserve(tasks);
  for (size_t t = 0; t < tasks; ++t) pairs.emplace_back(x_by_task[t], y_by_task[t]);
  std::vector<double> replicates;
  replicates.reserve(static_cast<size_t>(options.reps));
  for (int rep = 0; rep < options.reps; ++rep) {
    // The same sum, in the same order, as probability_of_improvement_unchecked.
    double total = 0.0;
    for (size_t t = 0; t < tasks; ++t) total += pairs[t].draw(rng);
    replicates.push_back(total / static_cast<double>(tasks));
  }
  return {value, percentile_interval(std::move(replicates), options.confidence, kFunction)};
}

}  // namespace hg::metrics
