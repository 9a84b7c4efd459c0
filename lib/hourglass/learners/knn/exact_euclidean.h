// ExactEuclideanNeighbours: the k nearest training inputs of each query in
// euclidean distance, for a population (a leading dimension B: the members),
// found at matrix-product speed and still EXACT: the neighbours are those of
// the direct form torch::cdist(q, x, 2.0, donot_use_mm_for_euclid_dist) and
// topk over its full row, indices and order (the form in which a training
// input is its own nearest neighbour, at distance exactly 0).
//
// How (exact_euclidean.cpp has the rounding bound and its proof):
//   1. candidates: the k' = min(n, k + max(k, 32)) smallest squared distances
//      in the matrix-product form |q|^2 + |x|^2 - 2 q.x (one baddbmm, fast,
//      but with cancellation error);
//   2. the candidates' distances recomputed in the direct form, the k nearest
//      chosen among them;
//   3. a per-query certificate: when the gap between the k'-th and the k-th
//      candidate's approximate squared distance is wider than twice a
//      rigorous bound on the rounding errors, no training input outside the
//      candidates can be among the direct form's k nearest. A query that
//      fails the check (near-equal distances, large norms), or whose k + 1
//      nearest candidates are not all at distinct distances (ties, which
//      topk may break differently on a shorter row), gets its full
//      direct-form row instead. So the answer never depends on the check
//      passing; only the time does.
// Who calls: the `knn` learner (knn.cpp) per chunk of queries; tests and
// benchmarks. Memory: the caller bounds the [B, m, n] matrix by its chunk of
// queries; the candidates' and the fallback's work is chunked here to at
// most `max_entries` floats.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace hg {

class ExactEuclideanNeighbours {
 public:
  // x: [B, n, d] floating point (float32 on the hot path), any device; kept
  // as a tensor handle (copied only when it is not contiguous), with its
  // squared row norms.
  explicit ExactEuclideanNeighbours(const at::Tensor& x, int64_t max_entries = int64_t{1} << 24);

  // Indices [B, m, k] (int64, into x's dimension 1) of the k nearest rows of
  // x for each row of q [B, m, d], nearest first. 1 <= k <= n.
  at::Tensor nearest(const at::Tensor& q, int64_t k);

  // Queries answered by their full direct-form row (the certificate failed,
  // ties, or k' = n so there was nothing to prune), since construction.
  int64_t fallback_queries() const { return fallback_queries_; }
  // Queries answered by the certified candidates, since construction.
  int64_t certified_queries() const { return certified_queries_; }

  // The candidates kept per query for a given k and n.
  static int64_t candidates(int64_t k, int64_t n);

 private:
  at::Tensor direct_nearest(const at::Tensor& q, const at::Tensor& x, int64_t k) const;

  at::Tensor x_;           // [B, n, d]
  at::Tensor x_sq_;        // [B, 1, n]: |x|^2
  at::Tensor x_norm_max_;  // [B, 1]: max over n of |x|
  int64_t max_entries_;
  int64_t fallback_queries_ = 0;
  int64_t certified_queries_ = 0;
};

// The reference: distances [B, m, n] in the direct form (no matrix products),
// as the knn learner computed them before ExactEuclideanNeighbours.
at::Tensor direct_euclidean_distances(const at::Tensor& q, const at::Tensor& x);

}  // namespace hg
