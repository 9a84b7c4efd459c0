#include "hourglass/metrics/probit_fit.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace hg::metrics {
namespace {

[[noreturn]] void fail(const char* function, const std::string& message) {
  throw std::invalid_argument(std::string("hg::metrics::") + function + ": " + message);
}

// Horner's rule for c[0] + c[1] r + ... + c[7] r^7.
double polynomial(const double (&c)[8], double r) {
  double value = c[7];
  for (int i = 6; i >= 0; --i) value = value * r + c[i];
  return value;
}

}  // namespace

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double probit(double p) {
  if (!(p > 0.0 && p < 1.0)) fail("probit", "p must be in (0, 1), got " + std::to_string(p));
  // Wichura, M. J. (1988). Algorithm AS 241: The percentage points of the
  // normal distribution. Applied Statistics 37(3), 477-484 (PPND16).
  static constexpr double a[8] = {3.3871328727963666080e0,  1.3314166789178437745e+2,
                                  1.9715909503065514427e+3, 1.3731693765509461125e+4,
                                  4.5921953931549871457e+4, 6.7265770927008700853e+4,
                                  3.3430575583588128105e+4, 2.5090809287301226727e+3};
  static constexpr double b[8] = {1.0,
                                  4.2313330701600911252e+1,
                                  6.8718700749205790830e+2,
                                  5.3941960214247511077e+3,
                                  2.1213794301586595867e+4,
                                  3.9307895800092710610e+4,
                                  2.8729085735721942674e+4,
                                  5.2264952788528545610e+3};
  static constexpr double c[8] = {1.42343711074968357734e0,  4.63033784615654529590e0,
                                  5.76949722146069140550e0,  3.64784832476320460504e0,
                                  1.27045825245236838258e0,  2.41780725177450611770e-1,
                                  2.27238449892691845833e-2, 7.74545014278341407640e-4};
  static constexpr double d[8] = {1.0,
                                  2.05319162663775882187e0,
                                  1.67638483018380384940e0,
                                  6.89767334985100004550e-1,
                                  1.48103976427480074590e-1,
                                  1.51986665636164571966e-2,
                                  5.47593808499534494600e-4,
                                  1.05075007164441684324e-9};
  static constexpr double e[8] = {6.65790464350110377720e0,  5.46378491116411436990e0,
                                  1.78482653991729133580e0,  2.96560571828504891230e-1,
                                  2.65321895265761230930e-2, 1.24266094738807843860e-3,
                                  2.71155556874348757815e-5, 2.01033439929228813265e-7};
  static constexpr double f[8] = {1.0,
                                  5.99832206555887937690e-1,
                                  1.36929880922735805310e-1,
                                  1.48753612908506148525e-2,
                                  7.86869131145613259100e-4,
                                  1.84631831751005468180e-5,
                                  1.42151175831644588870e-7,
                                  2.04426310338993978564e-15};
  const double q = p - 0.5;
  if (std::fabs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q * polynomial(a, r) / polynomial(b, r);
  }
  double r = std::sqrt(-std::log(q < 0.0 ? p : 1.0 - p));
  double value;
  if (r <= 5.0) {
    r -= 1.6;
    value = polynomial(c, r) / polynomial(d, r);
  } else {
    r -= 5.0;
    value = polynomial(e, r) / polynomial(f, r);
  }
  return q < 0.0 ? -value : value;
}

double clip_unit(double x, double eps) {
  if (!std::isfinite(x)) fail("clip_unit", "x is not finite");
  if (!(eps > 0.0 && eps < 0.5)) fail("clip_unit", "eps must be in (0, 0.5)");
  return std::min(std::max(x, eps), 1.0 - eps);
}

LinearFit linear_fit(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) {
    fail("linear_fit",
         std::to_string(x.size()) + " x values but " + std::to_string(y.size()) + " y values");
  }
  if (x.size() < 2) fail("linear_fit", "needs at least 2 points");
  double sum_x = 0.0, sum_y = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) {
      fail("linear_fit", "point " + std::to_string(i) + " is not finite");
    }
    sum_x += x[i];
    sum_y += y[i];
  }
  const double n = static_cast<double>(x.size());
  const double mean_x = sum_x / n, mean_y = sum_y / n;
  double sxx = 0.0, sxy = 0.0, syy = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mean_x) * (x[i] - mean_x);
    sxy += (x[i] - mean_x) * (y[i] - mean_y);
    syy += (y[i] - mean_y) * (y[i] - mean_y);
  }
  if (!(sxx > 0.0)) fail("linear_fit", "every x is the same; the slope is undefined");
  const double slope = sxy / sxx;
  const double r2 = syy > 0.0 ? slope * sxy / syy : std::nan("");
  return {slope, mean_y - slope * mean_x, r2, x.size()};
}

LinearFit probit_fit(const std::vector<double>& x, const std::vector<double>& y, double eps) {
  std::vector<double> px, py;
  px.reserve(x.size());
  py.reserve(y.size());
  for (double v : x) px.push_back(probit(clip_unit(v, eps)));
  for (double v : y) py.push_back(probit(clip_unit(v, eps)));
  return linear_fit(px, py);
}

}  // namespace hg::metrics
