// Comparison of a current results file against a baseline: the regression
// gate of `hourglass compare` (docs/ci-regression.md). No LibTorch here.
//
// Trials are matched by (task, agent, budget, split). For each such row the
// scores compared are the normalized scores of the population's `ok` trials
// with a finite normalized score (failed and diverged trials are counted, not
// averaged).
//
// Paired or unpaired. Seed index i of a population meets the same instance
// (hidden function, levels, evaluation draws) in both runs when both derive
// it from the same suite seed: the trial's derived seed is the same. When the
// two sides have ok trials at exactly the same seed indices with the same
// derived seeds, the row is PAIRED: the difference is the mean of the
// per-seed-index differences current_i - baseline_i, with the percentile
// bootstrap interval of that mean (metrics::bootstrap_mean over the
// differences, seeded by the row's name). Comparing a file with itself gives
// differences of exactly 0 and the interval [0, 0]. Otherwise (other seed
// indices, another suite seed, a lost trial on one side, or
// options.paired == false) the row is UNPAIRED: the two populations are
// resampled independently (metrics::bootstrap_mean_difference) and the note
// says why they did not pair.
//
// A row is
//   regression   current mean below the baseline mean by more than the
//                tolerance AND the 95% bootstrap interval of the difference
//                (paired or unpaired, as above) lies below zero; or the
//                current population lost
//                a larger share of its trials (failed or diverged) than the
//                baseline's; or every current trial was lost
//   improvement  the mirror image (above by more than the tolerance, interval
//                above zero), or the baseline lost every trial and the
//                current did not
//   unchanged    anything else: a difference within tolerance or within noise
//   missing      in the baseline, absent from the current file
//   new          in the current file, absent from the baseline
// Regressions, and missing rows unless `allow_missing`, make the gate fail.
// The same two files always give the same rows, intervals and verdicts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hourglass/metrics/statistics.h"
#include "hourglass/results/results.h"

namespace hg {

inline constexpr const char* kCompareSchema = "hourglass.compare/1";
inline constexpr double kDefaultTolerance = 0.02;

struct CompareOptions {
  double tolerance = kDefaultTolerance;  // in normalized score; finite, >= 0
  // Which splits to compare: "" for all, else a comma-separated list of
  // ECMAScript regexes, each matching a whole split name ("test,ood/.*").
  std::string splits;
  bool allow_missing = false;       // missing rows do not fail the gate
  bool allow_suite_change = false;  // compare files of different suite hashes
  bool paired = true;               // pair trials by seed index when they pair (--unpaired: never)
  int bootstrap_reps = 10000;
  double confidence = 0.95;
};

enum class Verdict { kRegression, kImprovement, kUnchanged, kMissing, kNew };

// "regression", "improvement", "unchanged", "missing", "new".
const char* verdict_name(Verdict verdict);

// The decision on a difference of means (current - baseline) and its
// interval, as described above:
//   value < -tolerance and ci.hi < 0  -> kRegression
//   value > +tolerance and ci.lo > 0  -> kImprovement
//   otherwise                         -> kUnchanged
Verdict classify_difference(const metrics::Estimate& difference, double tolerance);

// The scores of one side of a row.
struct RowSide {
  bool present = false;  // the row exists in this file
  int64_t trials = 0;    // all trials of the population on this split
  int64_t ok = 0;        // those with status ok and a finite normalized score
  double mean = 0.0;     // mean normalized score over the ok ones; NaN when ok == 0
  double lo = 0.0, hi = 0.0;  // its 95% bootstrap interval over seeds (as in the summary)
};

struct ComparisonRow {
  std::string task;
  std::string agent;
  int64_t budget = 0;
  std::string split;
  RowSide baseline, current;
  // current.mean - baseline.mean (paired: the mean of the per-seed
  // differences) and its bootstrap interval; NaN when either side has no ok
  // trial.
  double delta = 0.0, lo = 0.0, hi = 0.0;
  bool paired = false;  // the difference is over seed-index pairs
  int64_t pairs = 0;    // how many (0 when unpaired)
  // The smallest drop the gate can detect at this number of seeds: a drop of
  // the current mean by more than this, from equal means and with this row's
  // spread, is flagged: max(tolerance, hi - delta), the tolerance or the upper
  // half of the difference's interval, whichever is larger (shifting every
  // current score by -x shifts the difference and its interval by -x). NaN
  // without a difference.
  double detectable = 0.0;
  Verdict verdict = Verdict::kUnchanged;
  bool fails_gate = false;  // counts towards exit code 1
  std::string note;         // why, when not (only) the numbers decided
};

struct Comparison {
  CompareOptions options;
  std::vector<ComparisonRow> rows;  // baseline order, then new rows in current order
  // What was left out and why (e.g. sealed splits one side skipped).
  std::vector<std::string> notes;

  size_t count(Verdict verdict) const;
  // True when a row fails the gate (a regression, or a missing row unless allowed).
  bool regressed() const;
};

// Compares trials. Throws InputError for bad options (tolerance, a --splits
// regex that does not parse or selects no split of either side) and
// std::invalid_argument for a bad bootstrap configuration.
Comparison compare_trials(const std::vector<TrialRecord>& baseline,
                          const std::vector<TrialRecord>& current,
                          const CompareOptions& options = {});

// Compares two results files: refuses (InputError) files of different suites
// (suite.sha256) unless options.allow_suite_change, and files whose sealed
// splits were drawn with different seal keys (both fingerprints named, never
// a key); when only one side has a key, its sealed splits are left out (a
// note says so) and the public splits are compared; then compare_trials.
Comparison compare_results(const Results& baseline, const Results& current,
                           const CompareOptions& options = {});

// The comparison as JSON (schema hourglass.compare/1): options, counts,
// `regressed`, and every row.
nlohmann::json to_json(const Comparison& comparison);

// The `customBiggerIsBetter` input of github-action-benchmark: one entry per
// row of the current file with an ok trial, {"name": "task/agent/budget/split",
// "unit": "normalized score", "value": mean, "range": "± half the interval's
// width", "extra": "baseline, difference, verdict"}.
nlohmann::json github_action_benchmark(const Comparison& comparison);

}  // namespace hg
