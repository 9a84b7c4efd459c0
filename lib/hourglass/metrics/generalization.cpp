#include "hourglass/metrics/generalization.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace hg::metrics {
namespace {

[[noreturn]] void fail(const char* function, const std::string& message) {
  throw std::invalid_argument(std::string("hg::metrics::") + function + ": " + message);
}

// A square, non-empty, finite T x T matrix; returns T.
size_t require_results_matrix(const std::vector<std::vector<double>>& results,
                              const char* function) {
  const size_t tasks = results.size();
  if (tasks == 0) fail(function, "empty results matrix (needs at least one task)");
  for (size_t i = 0; i < tasks; ++i) {
    if (results[i].size() != tasks) {
      fail(function, "results must be T x T with T = " + std::to_string(tasks) + ", but row " +
                         std::to_string(i) + " has " + std::to_string(results[i].size()) +
                         " entries");
    }
    for (size_t j = 0; j < tasks; ++j) {
      if (!std::isfinite(results[i][j])) {
        fail(function, "results[" + std::to_string(i) + "][" + std::to_string(j) +
                           "] is not finite");
      }
    }
  }
  return tasks;
}

}  // namespace

double normalized_score(double score, double trivial, double optimal) {
  const double span = optimal - trivial;
  if (!(span > 0.0) || !std::isfinite(score) || !std::isfinite(span))
    return std::numeric_limits<double>::quiet_NaN();
  return (score - trivial) / span;
}

double generalization_gap(double train, double test) { return train - test; }

double ood_drop(double test, double ood) { return test - ood; }

double worst_ood(const std::vector<double>& ood_scores) {
  if (ood_scores.empty()) fail("worst_ood", "no OOD scores");
  for (double score : ood_scores) {
    if (!std::isfinite(score)) fail("worst_ood", "an OOD score is not finite");
  }
  return *std::min_element(ood_scores.begin(), ood_scores.end());
}

double transfer_ratio(double test, double ood) {
  if (test == 0.0) return std::numeric_limits<double>::quiet_NaN();
  return ood / test;
}

BudgetEstimate effective_data_transferred_estimate(const std::vector<double>& scratch_budgets,
                                                   const std::vector<double>& scratch_means,
                                                   double adapted_score, double n_used) {
  if (!std::isfinite(adapted_score)) {
    fail("effective_data_transferred", "adapted_score must be finite");
  }
  if (!std::isfinite(n_used) || n_used < 0.0) {
    fail("effective_data_transferred", "n_used must be finite and >= 0, got " +
                                           std::to_string(n_used));
  }
  const BudgetEstimate scratch_needs =
      samples_to_threshold(scratch_budgets, scratch_means, adapted_score);
  return {scratch_needs.value - n_used, scratch_needs.bound};
}

double effective_data_transferred(const std::vector<double>& scratch_budgets,
                                  const std::vector<double>& scratch_means, double adapted_score,
                                  double n_used) {
  return effective_data_transferred_estimate(scratch_budgets, scratch_means, adapted_score,
                                             n_used)
      .value;
}

double continual_acc(const std::vector<std::vector<double>>& results) {
  const size_t tasks = require_results_matrix(results, "continual_acc");
  double total = 0.0;
  for (double score : results[tasks - 1]) total += score;
  return total / static_cast<double>(tasks);
}

double continual_bwt(const std::vector<std::vector<double>>& results) {
  const size_t tasks = require_results_matrix(results, "continual_bwt");
  if (tasks == 1) return 0.0;
  double total = 0.0;
  for (size_t j = 0; j + 1 < tasks; ++j) total += results[tasks - 1][j] - results[j][j];
  return total / static_cast<double>(tasks - 1);
}

double continual_fwt(const std::vector<std::vector<double>>& results,
                     const std::vector<double>& untrained) {
  const size_t tasks = require_results_matrix(results, "continual_fwt");
  if (untrained.size() != tasks) {
    fail("continual_fwt", "untrained has " + std::to_string(untrained.size()) +
                              " scores but results has " + std::to_string(tasks) + " tasks");
  }
  for (double score : untrained) {
    if (!std::isfinite(score)) fail("continual_fwt", "an untrained score is not finite");
  }
  if (tasks == 1) return 0.0;
  double total = 0.0;
  for (size_t j = 1; j < tasks; ++j) total += results[j - 1][j] - untrained[j];
  return total / static_cast<double>(tasks - 1);
}

}  // namespace hg::metrics
