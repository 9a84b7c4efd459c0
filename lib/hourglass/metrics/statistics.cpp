#include "hourglass/metrics/statistics.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <map>
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

// The k-th and (k + 1)-th of `values` in the order `before` (k + 1 < n),
// without sorting. When k is near the start (the 2.5th percentile of 10,000
// replicates: k = 249), a threshold t from a strided sample of 512 values
// keeps about the first 6%: one branch-free pass copies the values at or
// before t, and nth_element runs on those. Exact whenever at least k + 2
// values are kept (they are then the first k + 2, ties included); else, and
// for small inputs, nth_element on a copy of everything.
template <class Before>
std::pair<double, double> consecutive_order_statistics(const std::vector<double>& values,
                                                       size_t k, Before before) {
  const size_t n = values.size();
  std::vector<double> kept;
  if (n >= 4096 && k + 2 <= n / 16) {
    constexpr size_t kSample = 512;
    std::vector<double> sample(kSample);
    for (size_t j = 0; j < kSample; ++j) sample[j] = values[j * n / kSample];
    const size_t r = std::min(kSample - 1, (k + 2) * kSample / n * 2 + 16);
    std::nth_element(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(r),
                     sample.end(), before);
    const double threshold = sample[r];
    kept.resize(n);
    size_t count = 0;
    for (double x : values) {
      kept[count] = x;
      count += !before(threshold, x);
    }
    if (count >= k + 2) kept.resize(count);
    else kept = values;
  } else {
    kept = values;
  }
  const auto at = kept.begin() + static_cast<std::ptrdiff_t>(k);
  std::nth_element(kept.begin(), at, kept.end(), before);
  return {*at, *std::min_element(at + 1, kept.end(), before)};
}

// The order statistics s[i] and s[i + 1] of `values` (s = sorted values;
// s[i + 1] = s[i] when i is the last).
std::pair<double, double> order_statistics(const std::vector<double>& values, size_t i) {
  const size_t n = values.size();
  if (i + 1 >= n) {
    const double largest = *std::max_element(values.begin(), values.end());
    return {largest, largest};
  }
  if (i < n / 2) return consecutive_order_statistics(values, i, std::less<double>());
  // Near the end: from the top, s[i + 1] is at n - 2 - i and s[i] right after it.
  const auto [upper, lower] =
      consecutive_order_statistics(values, n - 2 - i, std::greater<double>());
  return {lower, upper};
}

// percentile_of_sorted of the sorted `values`, bit for bit, without sorting
// them: the two order statistics it interpolates, found by selection (the
// report's 10,000-replicate intervals spent a sixth of their time sorting,
// then an eighth in nth_element over all replicates).
double percentile_by_selection(const std::vector<double>& values, double q) {
  const double virtual_index = static_cast<double>(values.size() - 1) * (q / 100.0);
  const double below = std::floor(virtual_index);
  const auto [a, b] = order_statistics(values, static_cast<size_t>(below));
  const double fraction = virtual_index - below;
  const double difference = b - a;
  return fraction >= 0.5 ? b - difference * (1.0 - fraction) : a + difference * fraction;
}

// The percentile interval of replicate statistics.
Interval percentile_interval(const std::vector<double>& replicates, double confidence,
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
  // libdivide_u64_gen (libdivide, zlib licence), with L = floor(log2 n):
  // a power of two is a shift by L; otherwise m = floor(2^(64 + L) / n) and
  // magic = m + 1 with shift L when n - (2^(64 + L) mod n) < 2^L, else the
  // 65-bit magic 2m (+ 1 when twice the remainder reaches n) + 1 with the
  // add step.
  unsigned log2 = 0;
  while ((n >> log2) > 1) ++log2;
  add_ = false;
  if ((n & (n - 1)) == 0) {
    magic_ = 0;
    shift_ = log2;
    return;
  }
  const unsigned __int128 dividend = static_cast<unsigned __int128>(1) << (64 + log2);
  uint64_t m = static_cast<uint64_t>(dividend / n);
  const uint64_t remainder = static_cast<uint64_t>(dividend % n);
  shift_ = log2;
  if (n - remainder >= (uint64_t{1} << log2)) {
    m += m;
    const uint64_t twice = remainder + remainder;
    if (twice >= n || twice < remainder) m += 1;
    add_ = true;
  }
  magic_ = m + 1;
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
  values.reserve(statistics.size());
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
        {values[k], percentile_interval(replicates[k], options.confidence, function)});
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

// bootstrap(x, mean) without the general machinery: the same draws and the
// same sums (left to right, divided by n), with no copy of each resample.
Estimate bootstrap_mean(const std::vector<double>& x, const BootstrapOptions& options) {
  constexpr const char* kFunction = "bootstrap_mean";
  require_values(x, kFunction);
  require_options(options, kFunction);
  const double value = mean_unchecked(x);
  if (!std::isfinite(value)) fail(kFunction, "the statistic returned a non-finite value");
  const size_t n = x.size();
  if (n == 1) return {value, {value, value}};
  Xoshiro256StarStar rng(options.seed);
  std::vector<double> replicates(static_cast<size_t>(options.reps));
  for (double& replicate : replicates) {
    double total = 0.0;
    for (size_t i = 0; i < n; ++i) total += x[rng.uniform_index(n)];
    replicate = total / static_cast<double>(n);
  }
  return {value, percentile_interval(replicates, options.confidence, kFunction)};
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
  task_means.reserve(runs_by_task.size());
  for (const auto& runs : runs_by_task) task_means.push_back(mean_unchecked(runs));
  return median(std::move(task_means));
}

namespace {

// One task of one agent in AgentReplicates.
struct Stratum {
  size_t task = 0;                          // index in runs_by_task
  const std::vector<double>* runs = nullptr;
  std::vector<double> sorted;               // the runs, ascending
  std::vector<uint32_t> task_rank;          // run index -> position in `sorted`
  std::vector<uint32_t> pooled_rank;        // run index -> position in the agent's pooled order
  std::vector<uint64_t> count;              // this replicate's draws of each position of `sorted`
  std::vector<uint64_t> prefix;             // prefix[j] = draws of the j smallest positions
};

// index -> position of v[index] in ascending order (ties: index order).
std::vector<uint32_t> ranks_of(const std::vector<double>& v) {
  std::vector<uint32_t> order(v.size()), rank(v.size());
  for (size_t i = 0; i < v.size(); ++i) order[i] = static_cast<uint32_t>(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return v[a] < v[b]; });
  for (size_t i = 0; i < order.size(); ++i) rank[order[i]] = static_cast<uint32_t>(i);
  return rank;
}

// The replicates of one agent's four aggregates (stratified_bootstrap_aggregates),
// drawn one at a time, with how often each run was drawn in the current
// replicate (for the probability of improvement). Per replicate, as the four
// statistics compute it: the per-task means sum each task's resampled runs in
// draw order, the aggregate mean sums them in task order, the aggregate
// median takes the middle of the sorted task means; the optimality gap sums
// the clipped runs in draw order; the IQM sums the sorted middle of the
// pooled resample in order, read off the draw counts of the pooled runs
// in ascending order (the same additions as sorting the resample: equal
// values are equal doubles), by a counting sort.
class AgentReplicates {
 public:
  AgentReplicates(const std::vector<std::vector<double>>& runs_by_task, uint64_t seed, int reps,
                  const char* function)
      : rng_(seed), function_(function) {
    std::vector<double> pooled;
    std::vector<std::vector<double>> with_runs;
    for (size_t t = 0; t < runs_by_task.size(); ++t) {
      const auto& runs = runs_by_task[t];
      if (runs.empty()) continue;
      require_values(runs, function);
      Stratum s;
      s.task = t;
      s.runs = &runs;
      s.task_rank = ranks_of(runs);
      s.sorted.resize(runs.size());
      for (size_t i = 0; i < runs.size(); ++i) s.sorted[s.task_rank[i]] = runs[i];
      s.count.assign(runs.size(), 0);
      s.prefix.assign(runs.size() + 1, 0);
      fixed_ = fixed_ && runs.size() == 1;
      pooled.insert(pooled.end(), runs.begin(), runs.end());
      with_runs.push_back(runs);
      strata.push_back(std::move(s));
    }
    if (strata.empty()) fail(function, "no tasks with runs");
    n_ = pooled.size();
    values_[0] = iqm(pooled);
    values_[1] = aggregate_mean(with_runs);
    values_[2] = aggregate_median(with_runs);
    values_[3] = optimality_gap(pooled);
    for (double v : values_)
      if (!std::isfinite(v)) fail(function, "the statistic returned a non-finite value");
    cut_ = static_cast<size_t>(0.25 * static_cast<double>(n_));
    if (2 * cut_ >= n_) fail("trim_mean", "nothing left after trimming");
    const std::vector<uint32_t> pooled_rank = ranks_of(pooled);
    pooled_sorted_.resize(n_);
    for (size_t i = 0; i < n_; ++i) pooled_sorted_[pooled_rank[i]] = pooled[i];
    pooled_count_.assign(n_, 0);
    drawn_.assign(n_, 0);
    start_.assign(n_, 0);
    resample_.assign(n_, 0.0);
    size_t offset = 0;
    for (auto& s : strata) {
      s.pooled_rank.assign(pooled_rank.begin() + static_cast<std::ptrdiff_t>(offset),
                           pooled_rank.begin() +
                               static_cast<std::ptrdiff_t>(offset + s.runs->size()));
      offset += s.runs->size();
    }
    task_means_.resize(strata.size());
    if (fixed_) {  // one run in every task: every replicate is the data
      for (auto& s : strata) {
        s.count[0] = 1;
        s.prefix[1] = 1;
      }
      return;
    }
    for (auto& r : replicates_) r.reserve(static_cast<size_t>(reps));
  }

  // Draws the next replicate (nothing to draw with one run in every task):
  // updates count and prefix of every stratum and records the four statistics.
  void draw() {
    if (fixed_) return;
    // A local generator and plain pointers: the counts' stores cannot alias
    // the generator's state, which stays in registers.
    Xoshiro256StarStar rng = rng_;
    uint64_t* const pooled_count = pooled_count_.data();
    uint32_t* drawn = drawn_.data();
    double clipped = 0.0, mean_of_means = 0.0;
    for (size_t k = 0; k < strata.size(); ++k) {
      Stratum& s = strata[k];
      const double* const runs = s.runs->data();
      const size_t n = s.runs->size();
      double total = 0.0;
      for (size_t i = 0; i < n; ++i) {  // the draws alone: few live registers
        const uint32_t index = static_cast<uint32_t>(rng.uniform_index(n));
        const double value = runs[index];
        total += value;
        clipped += std::min(value, 1.0);
        drawn[i] = index;
      }
      const uint32_t* const task_rank = s.task_rank.data();
      const uint32_t* const pooled_rank = s.pooled_rank.data();
      uint64_t* const count = s.count.data();
      std::fill(count, count + n, 0);
      for (size_t i = 0; i < n; ++i) {
        ++count[task_rank[drawn[i]]];
        drawn[i] = pooled_rank[drawn[i]];
        ++pooled_count[drawn[i]];
      }
      drawn += n;
      uint64_t* const prefix = s.prefix.data();
      for (size_t j = 0; j < n; ++j) prefix[j + 1] = prefix[j] + count[j];
      task_means_[k] = total / static_cast<double>(n);
      mean_of_means += task_means_[k];
    }
    rng_ = rng;
    // The resample in ascending order by counting sort (no comparisons, no
    // branches), then the IQM's sum of its middle in order.
    const double* const pooled_sorted = pooled_sorted_.data();
    uint32_t* const start = start_.data();
    uint32_t first = 0;
    for (size_t k = 0; k < n_; ++k) {
      start[k] = first;
      first += static_cast<uint32_t>(pooled_count[k]);
      pooled_count[k] = 0;
    }
    double* const resample = resample_.data();
    for (size_t d = 0; d < n_; ++d) resample[start[drawn_[d]]++] = pooled_sorted[drawn_[d]];
    double middle = 0.0;
    for (size_t p = cut_; p < n_ - cut_; ++p) middle += resample[p];
    const size_t tasks = strata.size();
    replicates_[0].push_back(middle / static_cast<double>(n_ - 2 * cut_));
    replicates_[1].push_back(mean_of_means / static_cast<double>(tasks));
    sorted_means_ = task_means_;
    std::sort(sorted_means_.begin(), sorted_means_.end());
    const size_t half = tasks / 2;
    replicates_[2].push_back(tasks % 2 == 1
                                 ? sorted_means_[half]
                                 : (sorted_means_[half - 1] + sorted_means_[half]) / 2.0);
    replicates_[3].push_back(1.0 - clipped / static_cast<double>(n_));
  }

  // The four estimates; consumes the replicates.
  AggregateEstimates estimates(double confidence) {
    AggregateEstimates out;
    Estimate* estimates[4] = {&out.iqm, &out.mean, &out.median, &out.optimality_gap};
    for (int k = 0; k < 4; ++k)
      *estimates[k] = {values_[k], fixed_ ? Interval{values_[k], values_[k]}
                                          : percentile_interval(replicates_[k],
                                                                confidence, function_)};
    return out;
  }

  std::vector<Stratum> strata;  // the tasks with runs, in task order

 private:
  Xoshiro256StarStar rng_;
  const char* function_;
  bool fixed_ = true;
  size_t n_ = 0, cut_ = 0;  // pooled runs, and the IQM's cut at each end
  std::vector<double> pooled_sorted_;
  std::vector<uint64_t> pooled_count_;  // this replicate's draws of each pooled position
  std::vector<uint32_t> drawn_, start_;  // pooled positions drawn, in draw order; sort offsets
  std::vector<double> resample_;         // this replicate's pooled resample, ascending
  double values_[4] = {};
  std::vector<double> replicates_[4];
  std::vector<double> task_means_, sorted_means_;
};

}  // namespace

AggregateEstimates stratified_bootstrap_aggregates(
    const std::vector<std::vector<double>>& runs_by_task, const BootstrapOptions& options) {
  constexpr const char* kFunction = "stratified_bootstrap";
  require_tasks(runs_by_task, kFunction);
  require_options(options, kFunction);
  AgentReplicates agent(runs_by_task, options.seed, options.reps, kFunction);
  for (int rep = 0; rep < options.reps; ++rep) agent.draw();
  return agent.estimates(options.confidence);
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
  return {value, percentile_interval(replicates, options.confidence, kFunction)};
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
  return {value, percentile_interval(replicates, options.confidence, kFunction)};
}

namespace {

// P(X > Y) and P(Y > X) of one pair of agents, replicate by replicate, from
// the draw counts of their current replicates. Per shared task, with x and y
// sorted, 2U = sum_i count_x[i] (#y draws below x_(i) + #y draws not above
// x_(i)), the y counts from prefix sums (as RankedPair); P(Y > X)'s 2U on
// that task is 2 n_x n_y - 2U exactly.
struct AgentPair {
  struct Task {
    const Stratum* x;
    const Stratum* y;
    std::vector<uint32_t> below, not_above;  // per sorted x: #sorted y < x_(i), <= x_(i)
    uint64_t all;                            // 2 n_x n_y
    double denominator;                      // 2.0 * n_x * n_y
    // quotient[k] = k / denominator for k = 0..all (the same doubles as the
    // division, without its latency), or null: divide.
    const double* quotient;
  };
  size_t x = 0, y = 0;
  std::vector<Task> tasks;
  std::vector<double> forward, backward;  // replicates of P(X > Y), P(Y > X)

  void draw() {
    double total_forward = 0.0, total_backward = 0.0;
    for (const Task& t : tasks) {
      const uint64_t* count = t.x->count.data();
      const uint64_t* prefix = t.y->prefix.data();
      uint64_t twice_u = 0;
      for (size_t i = 0; i < t.below.size(); ++i)
        twice_u += count[i] * (prefix[t.below[i]] + prefix[t.not_above[i]]);
      if (t.quotient) {
        total_forward += t.quotient[twice_u];
        total_backward += t.quotient[t.all - twice_u];
      } else {
        total_forward += static_cast<double>(twice_u) / t.denominator;
        total_backward += static_cast<double>(t.all - twice_u) / t.denominator;
      }
    }
    const double k = static_cast<double>(tasks.size());
    forward.push_back(total_forward / k);
    backward.push_back(total_backward / k);
  }
};

}  // namespace

AgentsEstimates stratified_bootstrap_agents(const std::vector<AgentRuns>& agents, int reps,
                                            double confidence) {
  constexpr const char* kFunction = "stratified_bootstrap_agents";
  BootstrapOptions options;
  options.reps = reps;
  options.confidence = confidence;
  require_options(options, kFunction);
  const size_t count = agents.size();
  for (const auto& a : agents)
    if (a.runs_by_task.size() != agents.front().runs_by_task.size())
      fail(kFunction, "agents with different numbers of tasks (" +
                          std::to_string(a.runs_by_task.size()) + " and " +
                          std::to_string(agents.front().runs_by_task.size()) + ")");
  std::vector<std::optional<AgentReplicates>> replicates(count);
  for (size_t a = 0; a < count; ++a) {
    bool any = false;
    for (const auto& runs : agents[a].runs_by_task) any = any || !runs.empty();
    if (any) replicates[a].emplace(agents[a].runs_by_task, agents[a].seed, reps, kFunction);
  }
  AgentsEstimates out;
  const Estimate none{std::nan(""), {std::nan(""), std::nan("")}};
  out.improvement.assign(count, std::vector<Estimate>(count, none));
  out.tasks.assign(count, std::vector<int>(count, 0));

  std::vector<AgentPair> pairs;
  std::map<uint64_t, std::vector<double>> quotients;  // by 2 n_x n_y, up to kMaxQuotients
  constexpr uint64_t kMaxQuotients = 1 << 16;
  for (size_t x = 0; x < count; ++x)
    for (size_t y = x + 1; y < count; ++y) {
      if (!replicates[x] || !replicates[y]) continue;
      AgentPair pair;
      pair.x = x;
      pair.y = y;
      std::vector<std::vector<double>> xs, ys;
      for (const Stratum& sx : replicates[x]->strata)
        for (const Stratum& sy : replicates[y]->strata) {
          if (sx.task != sy.task) continue;
          AgentPair::Task t{&sx, &sy, {}, {}, 0, 0.0, nullptr};
          for (double v : sx.sorted) {
            t.below.push_back(static_cast<uint32_t>(
                std::lower_bound(sy.sorted.begin(), sy.sorted.end(), v) - sy.sorted.begin()));
            t.not_above.push_back(static_cast<uint32_t>(
                std::upper_bound(sy.sorted.begin(), sy.sorted.end(), v) - sy.sorted.begin()));
          }
          t.all = 2 * static_cast<uint64_t>(sx.sorted.size()) * sy.sorted.size();
          t.denominator =
              2.0 * static_cast<double>(sx.sorted.size()) * static_cast<double>(sy.sorted.size());
          if (t.all <= kMaxQuotients) {
            std::vector<double>& table = quotients[t.all];
            for (uint64_t k = table.size(); k <= t.all; ++k)
              table.push_back(static_cast<double>(k) / t.denominator);
            t.quotient = table.data();
          }
          pair.tasks.push_back(std::move(t));
          xs.push_back(*sx.runs);
          ys.push_back(*sy.runs);
        }
      if (pair.tasks.empty()) continue;
      out.tasks[x][y] = out.tasks[y][x] = static_cast<int>(pair.tasks.size());
      out.improvement[x][y].value = probability_of_improvement_unchecked(xs, ys);
      out.improvement[y][x].value = probability_of_improvement_unchecked(ys, xs);
      pair.forward.reserve(static_cast<size_t>(reps));
      pair.backward.reserve(static_cast<size_t>(reps));
      pairs.push_back(std::move(pair));
    }

  for (int rep = 0; rep < reps; ++rep) {
    for (auto& agent : replicates)
      if (agent) agent->draw();
    for (auto& pair : pairs) pair.draw();
  }
  for (auto& pair : pairs) {
    out.improvement[pair.x][pair.y].ci =
        percentile_interval(pair.forward, confidence, kFunction);
    out.improvement[pair.y][pair.x].ci =
        percentile_interval(pair.backward, confidence, kFunction);
  }
  for (auto& agent : replicates)
    out.aggregates.push_back(agent ? std::optional<AggregateEstimates>(agent->estimates(confidence))
                                   : std::nullopt);
  return out;
}

}  // namespace hg::metrics
