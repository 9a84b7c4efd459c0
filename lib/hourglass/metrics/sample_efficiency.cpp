#include "hourglass/metrics/sample_efficiency.h"

#include <cmath>
#include <locale>
#include <sstream>
#include <stdexcept>

namespace hg::metrics {
namespace {

[[noreturn]] void fail(const char* function, const std::string& message) {
  throw std::invalid_argument(std::string("hg::metrics::") + function + ": " + message);
}

void require_curve(const std::vector<double>& budgets, const std::vector<double>& means,
                   const char* function) {
  if (budgets.empty()) fail(function, "no budgets (needs at least one)");
  if (budgets.size() != means.size()) {
    fail(function, std::to_string(budgets.size()) + " budgets but " +
                       std::to_string(means.size()) + " means");
  }
  for (size_t i = 0; i < budgets.size(); ++i) {
    if (!std::isfinite(budgets[i]) || budgets[i] <= 0.0) {
      fail(function, "budget " + std::to_string(i) + " is " + std::to_string(budgets[i]) +
                         "; budgets must be finite and > 0");
    }
    if (i > 0 && !(budgets[i] > budgets[i - 1])) {
      fail(function, "budgets must be strictly ascending, but budget " + std::to_string(i) +
                         " (" + std::to_string(budgets[i]) + ") follows " +
                         std::to_string(budgets[i - 1]));
    }
    if (!std::isfinite(means[i])) {
      fail(function, "mean " + std::to_string(i) + " is not finite; filter diverged trials first");
    }
  }
}

BudgetEstimate samples_to_threshold_checked(const std::vector<double>& budgets,
                                            const std::vector<double>& means, double tau) {
  size_t first = 0;
  while (first < means.size() && means[first] < tau) ++first;
  if (first == means.size()) return {budgets.back(), Bound::kMoreThan};
  if (first == 0) return {budgets.front(), Bound::kAtMost};
  if (means[first] == tau) return {budgets[first], Bound::kExact};
  // means[first - 1] < tau < means[first], so the slope is positive.
  const double log_lo = std::log(budgets[first - 1]);
  const double log_hi = std::log(budgets[first]);
  const double fraction = (tau - means[first - 1]) / (means[first] - means[first - 1]);
  return {std::exp(log_lo + fraction * (log_hi - log_lo)), Bound::kExact};
}

std::string format_number(double value, std::ios_base::fmtflags notation, int precision) {
  std::ostringstream out;
  out.imbue(std::locale::classic());
  out.setf(notation, std::ios_base::floatfield);
  out.precision(precision);
  out << value;
  return out.str();
}

}  // namespace

double auc_log_budget(const std::vector<double>& budgets, const std::vector<double>& means) {
  require_curve(budgets, means, "auc_log_budget");
  if (budgets.size() == 1) return means.front();
  double area = 0.0;
  for (size_t i = 0; i + 1 < budgets.size(); ++i) {
    area += (std::log(budgets[i + 1]) - std::log(budgets[i])) * (means[i] + means[i + 1]) / 2.0;
  }
  return area / (std::log(budgets.back()) - std::log(budgets.front()));
}

BudgetEstimate samples_to_threshold(const std::vector<double>& budgets,
                                    const std::vector<double>& means, double tau) {
  require_curve(budgets, means, "samples_to_threshold");
  if (!std::isfinite(tau)) fail("samples_to_threshold", "tau must be finite");
  return samples_to_threshold_checked(budgets, means, tau);
}

BudgetEstimate practice_multiplier(const std::vector<double>& budgets_a,
                                   const std::vector<double>& means_a, size_t at,
                                   const std::vector<double>& budgets_b,
                                   const std::vector<double>& means_b) {
  require_curve(budgets_a, means_a, "practice_multiplier (agent A)");
  require_curve(budgets_b, means_b, "practice_multiplier (agent B)");
  if (at >= budgets_a.size()) {
    fail("practice_multiplier", "at = " + std::to_string(at) + " but agent A has " +
                                    std::to_string(budgets_a.size()) + " budgets");
  }
  const BudgetEstimate needed_by_b = samples_to_threshold_checked(budgets_b, means_b, means_a[at]);
  return {needed_by_b.value / budgets_a[at], needed_by_b.bound};
}

std::string format_budget_estimate(const BudgetEstimate& estimate, int precision) {
  if (precision < 0) {
    fail("format_budget_estimate", "precision must be >= 0, got " + std::to_string(precision));
  }
  const char* prefix = estimate.bound == Bound::kMoreThan ? "> "
                       : estimate.bound == Bound::kAtMost ? "<= "
                                                          : "";
  if (estimate.value == 0.0) return std::string(prefix) + "0";
  std::string text = format_number(estimate.value, std::ios_base::fixed, precision);
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  if (text == "0" || text == "-0") {
    text = format_number(estimate.value, std::ios_base::fmtflags(), precision > 0 ? precision : 1);
  }
  return prefix + text;
}

}  // namespace hg::metrics
