// Scaling fits: how the error falls with the budget. The error of a
// normalized score s is e = 1 - s (0 at the optimal reference), and its
// fall with the budget n is fitted by a power law with an error floor,
//   e(n) = a n^(-alpha) + c,
// the form of Hestness et al. (2017) and the scaling-law literature. alpha
// is the scaling exponent: every doubling of the budget multiplies the
// reducible error a n^(-alpha) by 2^(-alpha).
//
// Three parameters need at least four budgets; with two or three budgets
// the fit is the pure power law e(n) = a n^(-alpha) (c = 0), and the fit
// says which it is (PowerLawModel).
//
// Pure functions; only the C++17 standard library. docs/metrics.md explains
// each formula for a researcher.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hourglass/metrics/statistics.h"

namespace hg::metrics {

enum class PowerLawModel {
  kPure,        // e = a n^(-alpha): log e = log a - alpha log n, least squares in logs
  kWithOffset,  // e = a n^(-alpha) + c: least squares on e
};

// "a n^-alpha" or "a n^-alpha + c".
const char* power_law_model_name(PowerLawModel model);

// The exponents searched by the fit with an offset (and where a pure fit is
// clamped): alpha in [kMinAlpha, kMaxAlpha].
inline constexpr double kMinAlpha = 1e-3;
inline constexpr double kMaxAlpha = 5.0;

struct PowerLawFit {
  bool ok = false;    // false: no fit, `why` says why
  std::string why;
  PowerLawModel model = PowerLawModel::kPure;
  double a = 0.0, alpha = 0.0, c = 0.0;  // c = 0 for kPure
  // 1 - SS_res / SS_tot of the errors against the fitted errors (on the
  // error scale for both models); NaN when every error is the same.
  double r2 = 0.0;
};

// Fits the errors e_i = 1 - scores[i] at budgets[i] (ascending, positive,
// finite; scores finite).
//   fewer than 4 budgets: kPure, by least squares of log e_i on log n_i
//     (linear_fit): alpha = -slope, a = exp(intercept). Needs every e_i > 0
//     (else not ok: a score at or above the optimal reference has no log
//     error) and at least 2 budgets.
//   4 budgets or more: kWithOffset, minimizing sum_i (a n_i^-alpha + c - e_i)^2
//     over a >= 0, c >= 0 and alpha in [kMinAlpha, kMaxAlpha]: for each alpha
//     (a, c) is a linear least-squares problem, solved exactly (with c
//     clamped to 0, then a to 0, when the unconstrained solution is
//     negative); alpha is searched on a grid of 120 log-spaced values, then
//     refined by golden-section search between the grid neighbours of the
//     best one. Deterministic.
// Not ok when the errors do not fall with the budget (a = 0, or a pure fit
// with alpha <= 0): there is no power law to report.
// Throws std::invalid_argument on mismatched lengths, fewer than 2 budgets,
// a budget not finite, not positive or not ascending, or a non-finite score.
PowerLawFit fit_power_law(const std::vector<double>& budgets, const std::vector<double>& scores);

// The budget at which the fitted error reaches 1 - threshold (the normalized
// score reaches `threshold`): n = (a / (1 - threshold - c))^(1 / alpha).
// NaN when the fit never gets there (its floor c is at or above
// 1 - threshold, or a = 0); +inf when the power overflows (alpha near 0).
// May lie outside the budgets run (an extrapolation: read it as one).
double power_law_budget_to_reach(const PowerLawFit& fit, double threshold);

// The fitted normalized score at budget n: 1 - (a n^-alpha + c).
double power_law_score(const PowerLawFit& fit, double n);

// A fit with a percentile bootstrap interval on alpha. runs_by_budget[i]
// holds the normalized scores of the seeds at budgets[i]; the fit is of the
// means. Each replicate resamples the seeds within each budget (with
// replacement, as many as there are; budgets in order, one generator seeded
// with options.seed), fits the resampled means with the same model, and
// keeps alpha when that fit is ok. The interval is the percentile interval
// of the kept alphas; `kept` says how many of options.reps they are (no
// interval, NaN, when fewer than half).
struct PowerLawEstimate {
  PowerLawFit fit;
  Interval alpha_ci{0.0, 0.0};
  int kept = 0;
};
PowerLawEstimate fit_power_law_bootstrap(const std::vector<double>& budgets,
                                         const std::vector<std::vector<double>>& runs_by_budget,
                                         const BootstrapOptions& options = {});

}  // namespace hg::metrics
