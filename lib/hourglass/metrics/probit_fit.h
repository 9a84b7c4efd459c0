// The probit scale and straight-line fits on it: "accuracy on the line"
// (Miller et al. 2021, "Accuracy on the Line: On the Strong Correlation
// Between Out-of-Distribution and In-Distribution Generalization"). Across
// many models, probit(OOD score) is close to a linear function of
// probit(in-distribution score); the fit and its R^2 say how close.
//
// Pure functions; only the C++17 standard library. docs/metrics.md explains
// each formula for a researcher.
#pragma once

#include <cstddef>
#include <vector>

namespace hg::metrics {

// The standard normal CDF, Phi(z) = erfc(-z / sqrt(2)) / 2.
double normal_cdf(double z);

// The probit: the inverse of the standard normal CDF, Phi^-1(p) for p in
// (0, 1). probit(0.5) = 0, probit(0.975) = 1.959963984540054. Accurate to
// about 1e-15 (Wichura's algorithm AS 241). Throws std::invalid_argument
// when p is not in the open interval (0, 1) (NaN included).
double probit(double p);

// Clips a normalized score into [eps, 1 - eps] so that it has a probit:
// normalized scores may be below 0 (worse than trivial) or above 1, where
// the probit does not exist. Throws on non-finite x or eps outside (0, 0.5).
double clip_unit(double x, double eps);

// The default eps of clip_unit in the report: 0.001, so clipped scores span
// probit -3.09 to 3.09.
inline constexpr double kProbitClip = 1e-3;

// Ordinary least squares y = intercept + slope * x.
struct LinearFit {
  double slope;
  double intercept;
  // Coefficient of determination: 1 - SS_res / SS_tot, equal here (one
  // regressor with an intercept) to the squared Pearson correlation of x and
  // y. NaN when every y is the same (SS_tot = 0: nothing to explain).
  double r2;
  std::size_t points;
};

//   slope     = sum (x_i - mx)(y_i - my) / sum (x_i - mx)^2
//   intercept = my - slope * mx
//   r2        = slope^2 sum (x_i - mx)^2 / sum (y_i - my)^2
// Throws on fewer than 2 points, different lengths, non-finite values, or
// when every x is the same (the slope is undefined).
LinearFit linear_fit(const std::vector<double>& x, const std::vector<double>& y);

// linear_fit(probit(clip_unit(x_i, eps)), probit(clip_unit(y_i, eps))): the
// accuracy-on-the-line fit of OOD scores y on in-distribution scores x.
LinearFit probit_fit(const std::vector<double>& x, const std::vector<double>& y,
                     double eps = kProbitClip);

}  // namespace hg::metrics
