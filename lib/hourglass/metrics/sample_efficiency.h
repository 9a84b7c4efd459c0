// Sample efficiency: how a learner's mean normalized score grows with its
// sample budget, summarized as an area under the curve over log budget, the
// budget needed to reach a threshold, and the practice multiplier between
// two agents (the "10,000 versus 100 hours of practice" number).
//
// Pure functions; only the C++17 standard library. docs/metrics.md explains
// each formula for a researcher.
//
// A curve is two vectors of the same length k >= 1:
//   budgets[i]: a sample budget; finite, > 0, strictly ascending.
//   means[i]:   the mean normalized score at budgets[i]; finite.
// Anything else (empty, mismatched lengths, a budget <= 0 or not strictly
// above the previous one, NaN or infinite values) throws
// std::invalid_argument. Callers drop non-finite scores before averaging.
//
// "Interpolated in log budget" means: between two budgets b_lo < b_hi with
// means m_lo < tau <= m_hi, the budget where the straight line through
// (log b_lo, m_lo) and (log b_hi, m_hi) reaches tau:
//   log b = log b_lo + (tau - m_lo) / (m_hi - m_lo) * (log b_hi - log b_lo)
// (exactly b_hi when m_hi == tau).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace hg::metrics {

// Normalized area under the curve of mean score against log budget
// (trapezoids in log budget, divided by the log budget range):
//   sum_i (log b_{i+1} - log b_i) (m_i + m_{i+1}) / 2  /  (log b_k - log b_1)
// A weighted average of the curve, in the units of the score: a learner at
// 0.5 everywhere scores 0.5. Each decade of budget weighs the same. One
// budget gives m_1.
double auc_log_budget(const std::vector<double>& budgets, const std::vector<double>& means);

// Whether an estimate is a number or only a bound on one.
enum class Bound {
  kExact,     // the value itself
  kMoreThan,  // the true value is greater than `value` ("> value")
  kAtMost,    // the true value is `value` or smaller ("<= value")
};

struct BudgetEstimate {
  double value;
  Bound bound;
};

// The smallest budget at which the mean normalized score reaches tau.
// With i the first index where m_i >= tau:
//   i > 0:            {budget interpolated in log budget between b_{i-1} and b_i, kExact}
//   i = 0:            {b_1, kAtMost}: reached at the first budget or earlier
//   no such i:        {b_k, kMoreThan}: not reached within the budgets run
// Only the first crossing counts; a curve that dips back below tau later
// does not change the answer. Throws on a bad curve or non-finite tau.
BudgetEstimate samples_to_threshold(const std::vector<double>& budgets,
                                    const std::vector<double>& means, double tau = 0.9);

// Practice multiplier of agent A over agent B at A's budget b = budgets_a[at]:
// how many times more samples B needs to match A's score there.
//   target = means_a[at]
//   B's budget = samples_to_threshold(budgets_b, means_b, target)
//   multiplier = B's budget / b, with B's bound:
//     kExact:    B reaches the target, interpolated on B's curve in log budget
//     kMoreThan: B never gets there: multiplier > b_k(B) / b
//     kAtMost:   B matches it at its first budget already: multiplier <= b_1(B) / b
// 100 means B needs 100x A's practice; below 1, B is the more efficient one.
// Throws on a bad curve for A or B, or at >= budgets_a.size().
BudgetEstimate practice_multiplier(const std::vector<double>& budgets_a,
                                   const std::vector<double>& means_a, size_t at,
                                   const std::vector<double>& budgets_b,
                                   const std::vector<double>& means_b);

// The estimate as text: `precision` digits after the decimal point with
// trailing zeros (and a trailing point) dropped, prefixed "> " for kMoreThan
// and "<= " for kAtMost:
//   {10000, kMoreThan}, 1 -> "> 10000"    {0.1, kAtMost}, 1 -> "<= 0.1"
//   {3.1623, kExact}, 1   -> "3.2"
// A non-zero value that would print as 0 is written with `precision`
// significant digits instead ({0.0012, kExact}, 1 -> "0.001"), so a small
// multiplier never reads as zero. Throws on precision < 0.
std::string format_budget_estimate(const BudgetEstimate& estimate, int precision);

}  // namespace hg::metrics
