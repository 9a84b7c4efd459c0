#include "hourglass/metrics/power_law.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "hourglass/metrics/probit_fit.h"

namespace hg::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

[[noreturn]] void fail(const std::string& message) {
  throw std::invalid_argument("hg::metrics::fit_power_law: " + message);
}

void check(const std::vector<double>& budgets, const std::vector<double>& scores) {
  if (budgets.size() != scores.size())
    fail(std::to_string(budgets.size()) + " budgets but " + std::to_string(scores.size()) +
         " scores");
  if (budgets.size() < 2) fail("needs at least 2 budgets");
  for (size_t i = 0; i < budgets.size(); ++i) {
    if (!std::isfinite(budgets[i]) || budgets[i] <= 0) fail("budgets must be finite and > 0");
    if (i > 0 && !(budgets[i] > budgets[i - 1])) fail("budgets must be strictly ascending");
    if (!std::isfinite(scores[i])) fail("scores must be finite");
  }
}

double r2_of(const std::vector<double>& e, const std::vector<double>& fitted) {
  double m = 0.0;
  for (double v : e) m += v;
  m /= static_cast<double>(e.size());
  double res = 0.0, tot = 0.0;
  for (size_t i = 0; i < e.size(); ++i) {
    res += (e[i] - fitted[i]) * (e[i] - fitted[i]);
    tot += (e[i] - m) * (e[i] - m);
  }
  return tot > 0.0 ? 1.0 - res / tot : kNaN;
}

// For a fixed alpha: the least-squares a >= 0, c >= 0 of e = a x + c with
// x = n^-alpha (given), and its sum of squared residuals.
struct Linear {
  double a, c, sse;
};
Linear solve_x(const double* x, const std::vector<double>& e) {
  const size_t size = e.size();
  const double k = static_cast<double>(size);
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < size; ++i) {
    sx += x[i];
    sy += e[i];
    sxx += x[i] * x[i];
    sxy += x[i] * e[i];
  }
  const double det = k * sxx - sx * sx;
  double a = det > 0 ? (k * sxy - sx * sy) / det : 0.0;
  double c = det > 0 ? (sy - a * sx) / k : sy / k;
  if (c < 0) {  // the floor cannot be below the optimal reference
    c = 0;
    a = sxx > 0 ? sxy / sxx : 0.0;
  }
  if (a < 0) {  // no fall with the budget: a constant
    a = 0;
    c = std::max(0.0, sy / k);
  }
  double sse = 0;
  for (size_t i = 0; i < size; ++i) sse += (a * x[i] + c - e[i]) * (a * x[i] + c - e[i]);
  return {a, c, sse};
}

// solve_x at x = n^-alpha; `x` is scratch space.
Linear solve(const std::vector<double>& n, const std::vector<double>& e, double alpha,
             std::vector<double>& x) {
  x.resize(n.size());
  for (size_t i = 0; i < n.size(); ++i) x[i] = std::pow(n[i], -alpha);
  return solve_x(x.data(), e);
}

// The search grid of fit_with_offset, 120 log-spaced alphas, and n^-alpha of
// every budget at each: the same budgets are fitted once per bootstrap
// replicate, so the powers are computed once.
struct AlphaGrid {
  static constexpr int kSize = 120;
  explicit AlphaGrid(const std::vector<double>& n) : budgets(n.size()), x(kSize * n.size()) {
    for (int i = 0; i < kSize; ++i)
      for (size_t j = 0; j < budgets; ++j) x[i * budgets + j] = std::pow(n[j], -alpha(i));
  }
  static double alpha(int i) {
    const double log_lo = std::log(kMinAlpha), log_hi = std::log(kMaxAlpha);
    return std::exp(log_lo + (log_hi - log_lo) * i / (kSize - 1));
  }
  const double* at(int i) const { return x.data() + static_cast<size_t>(i) * budgets; }
  size_t budgets;
  std::vector<double> x;  // [kSize][budgets]
};

// solve_x(grid.at(first + l), e).sse for l < kLanes, bit for bit: the same
// operations in the same order for each grid point, interleaved so that the
// points' chains of additions overlap (one point's sums are latency-bound).
constexpr int kLanes = 4;
void grid_sse(const AlphaGrid& grid, int first, const std::vector<double>& e, double* sse) {
  const size_t size = e.size();
  const double k = static_cast<double>(size);
  const double* x[kLanes];
  double sx[kLanes] = {}, sxx[kLanes] = {}, sxy[kLanes] = {}, a[kLanes], c[kLanes];
  for (int l = 0; l < kLanes; ++l) x[l] = grid.at(first + l);
  double sy = 0;
  for (size_t i = 0; i < size; ++i) {
    sy += e[i];
    for (int l = 0; l < kLanes; ++l) {
      sx[l] += x[l][i];
      sxx[l] += x[l][i] * x[l][i];
      sxy[l] += x[l][i] * e[i];
    }
  }
  for (int l = 0; l < kLanes; ++l) {  // as solve_x
    const double det = k * sxx[l] - sx[l] * sx[l];
    a[l] = det > 0 ? (k * sxy[l] - sx[l] * sy) / det : 0.0;
    c[l] = det > 0 ? (sy - a[l] * sx[l]) / k : sy / k;
    if (c[l] < 0) {
      c[l] = 0;
      a[l] = sxx[l] > 0 ? sxy[l] / sxx[l] : 0.0;
    }
    if (a[l] < 0) {
      a[l] = 0;
      c[l] = std::max(0.0, sy / k);
    }
    sse[l] = 0;
  }
  for (size_t i = 0; i < size; ++i)
    for (int l = 0; l < kLanes; ++l) {
      const double residual = a[l] * x[l][i] + c[l] - e[i];
      sse[l] += residual * residual;
    }
}

PowerLawFit fit_with_offset(const std::vector<double>& n, const std::vector<double>& e,
                            const AlphaGrid& grid) {
  constexpr int kGrid = AlphaGrid::kSize;
  static_assert(kGrid % kLanes == 0, "the grid is searched kLanes points at a time");
  auto alpha_at = [](int i) { return AlphaGrid::alpha(i); };
  int best = 0;
  double best_sse = std::numeric_limits<double>::infinity();
  for (int first = 0; first < kGrid; first += kLanes) {
    double sse[kLanes];
    grid_sse(grid, first, e, sse);
    for (int l = 0; l < kLanes; ++l)
      if (sse[l] < best_sse) {
        best_sse = sse[l];
        best = first + l;
      }
  }
  // Golden-section search on log alpha between the grid neighbours.
  std::vector<double> x;
  double lo = std::log(alpha_at(std::max(0, best - 1)));
  double hi = std::log(alpha_at(std::min(kGrid - 1, best + 1)));
  const double golden = (std::sqrt(5.0) - 1) / 2;
  double x1 = hi - golden * (hi - lo), x2 = lo + golden * (hi - lo);
  double f1 = solve(n, e, std::exp(x1), x).sse, f2 = solve(n, e, std::exp(x2), x).sse;
  for (int it = 0; it < 50; ++it) {
    if (f1 <= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - golden * (hi - lo);
      f1 = solve(n, e, std::exp(x1), x).sse;
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + golden * (hi - lo);
      f2 = solve(n, e, std::exp(x2), x).sse;
    }
  }
  double alpha = std::exp((lo + hi) / 2);
  Linear best_fit = solve(n, e, alpha, x);
  if (best_sse < best_fit.sse) {  // the grid point was better (flat SSE)
    alpha = alpha_at(best);
    best_fit = solve_x(grid.at(best), e);
  }
  PowerLawFit fit;
  fit.model = PowerLawModel::kWithOffset;
  fit.a = best_fit.a;
  fit.c = best_fit.c;
  fit.alpha = alpha;
  if (!(fit.a > 0)) {
    fit.why = "the error does not fall with the budget";
    return fit;
  }
  std::vector<double> fitted;
  fitted.reserve(n.size());
  for (double b : n) fitted.push_back(fit.a * std::pow(b, -alpha) + fit.c);
  fit.r2 = r2_of(e, fitted);
  fit.ok = true;
  return fit;
}

PowerLawFit fit_pure(const std::vector<double>& n, const std::vector<double>& e) {
  PowerLawFit fit;
  fit.model = PowerLawModel::kPure;
  std::vector<double> lx, ly;
  lx.reserve(n.size());
  ly.reserve(n.size());
  for (size_t i = 0; i < n.size(); ++i) {
    if (!(e[i] > 0)) {
      fit.why = "a mean score at or above 1 (no log error) with fewer than 4 budgets";
      return fit;
    }
    lx.push_back(std::log(n[i]));
    ly.push_back(std::log(e[i]));
  }
  const LinearFit line = linear_fit(lx, ly);
  fit.alpha = -line.slope;
  fit.a = std::exp(line.intercept);
  if (!(fit.alpha > 0)) {
    fit.why = "the error does not fall with the budget";
    return fit;
  }
  std::vector<double> fitted;
  fitted.reserve(n.size());
  for (double b : n) fitted.push_back(fit.a * std::pow(b, -fit.alpha));
  fit.r2 = r2_of(e, fitted);
  fit.ok = true;
  return fit;
}

// `grid`: AlphaGrid(n), or null (made here when needed).
PowerLawFit fit_unchecked(const std::vector<double>& n, const std::vector<double>& scores,
                          const AlphaGrid* grid = nullptr) {
  std::vector<double> e;
  e.reserve(scores.size());
  for (double s : scores) e.push_back(1.0 - s);
  if (n.size() < 4) return fit_pure(n, e);
  return grid ? fit_with_offset(n, e, *grid) : fit_with_offset(n, e, AlphaGrid(n));
}

}  // namespace

const char* power_law_model_name(PowerLawModel model) {
  return model == PowerLawModel::kPure ? "a n^-alpha" : "a n^-alpha + c";
}

PowerLawFit fit_power_law(const std::vector<double>& budgets, const std::vector<double>& scores) {
  check(budgets, scores);
  return fit_unchecked(budgets, scores);
}

double power_law_budget_to_reach(const PowerLawFit& fit, double threshold) {
  if (!fit.ok || !(fit.a > 0) || !(fit.alpha > 0)) return kNaN;
  const double reducible = 1.0 - threshold - fit.c;
  if (!(reducible > 0)) return kNaN;
  return std::pow(fit.a / reducible, 1.0 / fit.alpha);
}

double power_law_score(const PowerLawFit& fit, double n) {
  return 1.0 - (fit.a * std::pow(n, -fit.alpha) + fit.c);
}

PowerLawEstimate fit_power_law_bootstrap(const std::vector<double>& budgets,
                                         const std::vector<std::vector<double>>& runs_by_budget,
                                         const BootstrapOptions& options) {
  if (runs_by_budget.size() != budgets.size())
    fail(std::to_string(budgets.size()) + " budgets but " +
         std::to_string(runs_by_budget.size()) + " lists of runs");
  if (options.reps < 1) fail("reps must be >= 1");
  std::vector<double> means;
  for (const auto& runs : runs_by_budget) {
    if (runs.empty()) fail("a budget without runs");
    means.push_back(mean(runs));
  }
  PowerLawEstimate out;
  out.fit = fit_power_law(budgets, means);
  out.alpha_ci = {kNaN, kNaN};
  if (!out.fit.ok) return out;
  Xoshiro256StarStar rng(options.seed);
  const AlphaGrid grid(budgets);
  std::vector<double> alphas, resampled(budgets.size());
  alphas.reserve(static_cast<size_t>(options.reps));
  for (int rep = 0; rep < options.reps; ++rep) {
    for (size_t b = 0; b < budgets.size(); ++b) {
      const auto& runs = runs_by_budget[b];
      double total = 0.0;
      for (size_t i = 0; i < runs.size(); ++i) total += runs[rng.uniform_index(runs.size())];
      resampled[b] = total / static_cast<double>(runs.size());
    }
    const PowerLawFit fit = fit_unchecked(budgets, resampled, &grid);
    if (fit.ok) alphas.push_back(fit.alpha);
  }
  out.kept = static_cast<int>(alphas.size());
  if (2 * out.kept >= options.reps) {
    std::sort(alphas.begin(), alphas.end());
    out.alpha_ci = {percentile(alphas, 100.0 * (1.0 - options.confidence) / 2.0),
                    percentile(alphas, 100.0 * (1.0 + options.confidence) / 2.0)};
  }
  return out;
}

}  // namespace hg::metrics
