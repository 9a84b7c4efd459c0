// Generalization: how well what a learner practised holds up on fresh draws
// from the training distribution (test) and on shifted distributions (ood/*),
// how much pretraining is worth in target samples (effective data
// transferred, Hernandez et al. 2021), and continual learning scores (GEM,
// Lopez-Paz and Ranzato 2017).
//
// Pure functions; only the C++17 standard library. All scores are
// normalized scores, (score - trivial) / (optimal - trivial), higher is
// better. docs/metrics.md explains each formula for a researcher.
//
// The scalar functions (generalization_gap, ood_drop, transfer_ratio) are
// plain IEEE arithmetic: a NaN argument gives NaN. The vector and matrix
// functions throw std::invalid_argument on empty, misshapen or non-finite
// input.
#pragma once

#include <vector>

#include "hourglass/metrics/sample_efficiency.h"

namespace hg::metrics {

// (score - trivial) / (optimal - trivial): 0 is the trivial reference
// (predict the mean, chance, random policy), 1 the optimal one (noise floor,
// Bayes, oracle). NaN when optimal <= trivial or score is not finite: such a
// score cannot be normalized.
double normalized_score(double score, double trivial, double optimal);

// train - test: what the learner memorized rather than learned. 0 is no gap;
// positive is overfitting.
double generalization_gap(double train, double test);

// test - ood: what a distribution shift costs. Positive is a drop.
double ood_drop(double test, double ood);

// min over the OOD splits (WILDS's worst-group idea): the score a user can
// count on under any of the shifts measured. Throws on empty or non-finite
// input.
double worst_ood(const std::vector<double>& ood_scores);

// ood / test: the fraction of in-distribution performance that survives the
// shift. 1 is perfect transfer. Returns NaN when test == 0 (the ratio is
// undefined, whatever ood is); the sign is meaningless when test < 0 (worse
// than the trivial reference), so report ood_drop there.
double transfer_ratio(double test, double ood);

// Effective data transferred (Hernandez et al. 2021, "Scaling Laws for
// Transfer"): how many target samples pretraining was worth.
//   D_T = samples_to_threshold(scratch_budgets, scratch_means, adapted_score)
//   result = {D_T.value - n_used, D_T.bound}
// D_T is the budget a learner trained from scratch needs to reach the score
// the pretrained learner reached with n_used target samples (interpolated in
// log budget). kMoreThan: scratch never reaches adapted_score within its
// budgets, so at least b_k - n_used samples were transferred. kAtMost:
// scratch reaches it at its first budget, so at most b_1 - n_used. Negative
// means pretraining hurt. Throws on a bad scratch curve (see
// sample_efficiency.h), a non-finite adapted_score, or n_used < 0 or
// non-finite.
BudgetEstimate effective_data_transferred_estimate(const std::vector<double>& scratch_budgets,
                                                   const std::vector<double>& scratch_means,
                                                   double adapted_score, double n_used);

// effective_data_transferred_estimate(...).value. When the estimate is not
// kExact this is only a bound; call the _estimate variant to know which.
double effective_data_transferred(const std::vector<double>& scratch_budgets,
                                  const std::vector<double>& scratch_means, double adapted_score,
                                  double n_used);

// Continual learning over T tasks trained in order (GEM, Lopez-Paz and
// Ranzato 2017). results[i][j] = score on task j after training through task
// i (0-based, T x T); untrained[j] = score of the untrained learner on task j.
// Every function throws on an empty or non-square matrix, a `untrained` of
// length != T, or non-finite values.

// ACC = (1 / T) sum_j R[T-1][j]: the average score on all tasks at the end.
double continual_acc(const std::vector<std::vector<double>>& results);

// BWT = (1 / (T-1)) sum_{j < T-1} (R[T-1][j] - R[j][j]): how training on
// later tasks changed earlier ones. Negative is forgetting. T = 1 gives 0
// (there is no later task).
double continual_bwt(const std::vector<std::vector<double>>& results);

// FWT = (1 / (T-1)) sum_{j >= 1} (R[j-1][j] - untrained[j]): how training on
// earlier tasks helps a task before it is trained on (zero-shot transfer).
// T = 1 gives 0 (there is no earlier task).
double continual_fwt(const std::vector<std::vector<double>>& results,
                     const std::vector<double>& untrained);

}  // namespace hg::metrics
