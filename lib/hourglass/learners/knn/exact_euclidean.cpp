// ExactEuclideanNeighbours (see the header for what and who).
//
// The rounding bound, and why the certificate is rigorous. Notation: u is the
// unit roundoff of the computation (2^-24 for float32, 2^-53 for float64),
// gamma_j = j u / (1 - j u) (Higham, Accuracy and Stability of Numerical
// Algorithms, 2nd ed., section 3.1), d the input dimension, D(q, x) = |q - x|^2
// the true squared distance of the stored values.
//
// (a) Matrix-product form. We compute  A = fl(fl(|q|^2) + fl(|x|^2)), then
//     A~ = A - 2 q.x  by one baddbmm (beta 1, alpha -2: an exact scaling).
//     A squared norm is a sum of d rounded squares: |fl(|q|^2) - |q|^2| <=
//     gamma_d |q|^2, so |A - (|q|^2 + |x|^2)| <= gamma_{d+1} (|q|^2 + |x|^2).
//     The product adds d rounded products to A in SOME order (blocked,
//     FMA, split-K: every BLAS and cuBLAS kernel is a summation of the same
//     d + 1 terms), so its error is at most gamma_{d+1} (|A| + 2 sum|q_i x_i|)
//     <= gamma_{d+1} ((1 + gamma_{d+1})(|q|^2 + |x|^2) + 2 |q| |x|)
//     (Cauchy-Schwarz). Together:
//        |A~ - D| <= c (|q| + |x|)^2,  c = gamma_{d+1} (2 + gamma_{d+1}),
//     and for every x of the member  |A~ - D| <= E(q) = c (|q| + max|x|)^2.
//     With TF32 matrix products allowed on CUDA the products' inputs are
//     rounded to 11 significant bits first, which adds at most
//     2 (2^-11 + 2^-22)(1 + gamma) |q| |x| <= 2^-10 (|q| + |x|)^2: c += 2^-10.
// (b) Direct form (cdist without matrix products: per pair, the sum of d
//     squared rounded differences, then a square root). Every term is >= 0,
//     so the computed square S~ = fl(dist)^2 satisfies
//        (1 - g) D <= S~ <= (1 + g) D,  g = gamma_{d+4}
//     (one rounding for the difference, one for the square, d - 1 for the
//     sum, and the square root's rounding, squared).
// (c) Certificate. Sort the approximate A~ of one query; a_k is the k-th
//     smallest, t the k'-th; the candidates are the k' smallest. The k
//     candidates with A~ <= a_k have D <= a_k + E, so their direct squares are
//     <= (a_k + E)(1 + g); every non-candidate has A~ >= t, so D >= t - E and
//     its direct square is >= (t - E)(1 - g). When
//        (a_k + E)(1 + g) < (t - E)(1 - g),  i.e.  t - a_k > 2E + g (a_k + t),
//     k candidates are strictly nearer, in the direct form, than every
//     non-candidate, so the direct form's k nearest are all candidates and
//     choosing the k nearest among the candidates' direct distances gives
//     them. We test  t - a_k > 2 B,  B = kSafety (E + g (|a_k| + |t|) / 2),
//     kSafety = 2: it covers the rounding of the test itself (the norms in E
//     are computed, relative error ~ d u) and keeps a strict gap through the
//     square root's rounding. A query that fails gets its full direct row.
// (d) Ties. Equal direct distances among the k + 1 nearest candidates would
//     let topk over the candidates order (or choose) them differently from
//     topk over the full row, so such a query gets its full row too: the
//     answer is the full row's, indices and order, not only its distances.
#include "hourglass/learners/knn/exact_euclidean.h"

#include <ATen/Context.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace hg {
namespace {

// cdist's compute_mode "donot_use_mm_for_euclid_dist".
constexpr int64_t kDoNotUseMatrixProducts = 2;
constexpr int64_t kMinMargin = 32;
constexpr double kSafety = 2.0;

// Infinite (nothing certified) when j u >= 1: long rows in half precision.
double gamma(int64_t j, double u) {
  const double ju = static_cast<double>(j) * u;
  return ju < 1.0 ? ju / (1.0 - ju) : std::numeric_limits<double>::infinity();
}

double unit_roundoff(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case at::kFloat:
      return std::ldexp(1.0, -24);
    case at::kDouble:
      return std::ldexp(1.0, -53);
    case at::kHalf:
      return std::ldexp(1.0, -11);
    case at::kBFloat16:
      return std::ldexp(1.0, -8);
    default:
      throw std::invalid_argument("knn: euclidean distances need floating-point inputs");
  }
}

}  // namespace

at::Tensor direct_euclidean_distances(const at::Tensor& q, const at::Tensor& x) {
  return torch::cdist(q, x, 2.0, kDoNotUseMatrixProducts);
}

int64_t ExactEuclideanNeighbours::candidates(int64_t k, int64_t n) {
  return std::min(n, k + std::max(k, kMinMargin));
}

ExactEuclideanNeighbours::ExactEuclideanNeighbours(const at::Tensor& x, int64_t max_entries)
    : x_(x.contiguous()), max_entries_(std::max<int64_t>(1, max_entries)) {
  if (x_.dim() != 3) throw std::invalid_argument("knn: training inputs must be [B, n, d]");
  // [B, n], over chunks of rows: x_ * x_ whole is another copy of the data.
  const int64_t B = x_.size(0), n = x_.size(1);
  const int64_t chunk = std::max<int64_t>(1, max_entries_ / std::max<int64_t>(1, B * x_.size(2)));
  const auto sq = torch::empty({B, n}, x_.options());
  for (int64_t s = 0; s < n; s += chunk) {
    const auto rows = x_.narrow(1, s, std::min(chunk, n - s));
    sq.narrow(1, s, rows.size(1)).copy_((rows * rows).sum(2));
  }
  x_sq_ = sq.unsqueeze(1);
  x_norm_max_ = std::get<0>(sq.max(1, /*keepdim=*/true)).sqrt();  // [B, 1]
}

at::Tensor ExactEuclideanNeighbours::direct_nearest(const at::Tensor& q, const at::Tensor& x,
                                                    int64_t k) const {
  // q [B', f, d] against x [B', n, d], chunked over the queries.
  const int64_t f = q.size(1), n = x.size(1);
  const int64_t chunk = std::max<int64_t>(1, max_entries_ / std::max<int64_t>(1, q.size(0) * n));
  std::vector<at::Tensor> parts;
  for (int64_t s = 0; s < f; s += chunk) {
    const int64_t len = std::min(chunk, f - s);
    parts.push_back(std::get<1>(
        direct_euclidean_distances(q.narrow(1, s, len), x).topk(k, 2, /*largest=*/false)));
  }
  return parts.size() == 1 ? parts[0] : torch::cat(parts, 1);
}

at::Tensor ExactEuclideanNeighbours::nearest(const at::Tensor& q, int64_t k) {
  const int64_t B = x_.size(0), n = x_.size(1), d = x_.size(2);
  if (q.dim() != 3 || q.size(0) != B || q.size(2) != d) {
    throw std::invalid_argument("knn: queries must be [B, m, d] like the training inputs");
  }
  if (k < 1 || k > n) throw std::invalid_argument("knn: k must be in 1..n");
  const int64_t m = q.size(1);
  const int64_t kc = candidates(k, n);
  if (kc == n) {  // nothing to prune: every row in full
    fallback_queries_ += B * m;
    return direct_nearest(q, x_, k);
  }

  // 1. Candidates from the matrix-product form (one [B, m, n] buffer).
  const auto q_sq = (q * q).sum(2, /*keepdim=*/true);  // [B, m, 1]
  auto approx = q_sq + x_sq_;
  approx.baddbmm_(q, x_.transpose(1, 2), /*beta=*/1, /*alpha=*/-2);
  auto [cand_sq, cand] = approx.topk(kc, 2, /*largest=*/false);  // sorted, [B, m, kc]
  approx = at::Tensor();

  // 2. The candidates' direct distances, the k nearest among them; chunked
  // so the gathered candidates hold at most max_entries_ values.
  const int64_t rows = B * m;
  const auto q_rows = q.reshape({rows, 1, d});
  const auto member_start = torch::arange(B, cand.options()).mul_(n).view({B, 1, 1});
  const auto global = (cand + member_start).reshape({rows, kc});
  const auto x_flat = x_.reshape({B * n, d});
  const int64_t step = std::max<int64_t>(1, max_entries_ / (kc * d));
  std::vector<at::Tensor> parts, distinct;
  for (int64_t s = 0; s < rows; s += step) {
    const int64_t len = std::min(step, rows - s);
    const auto ids = global.narrow(0, s, len);  // [len, kc]
    const auto cx = x_flat.index_select(0, ids.reshape({-1})).view({len, kc, d});
    const auto dist = direct_euclidean_distances(q_rows.narrow(0, s, len), cx);  // [len, 1, kc]
    // k + 1 <= kc nearest, sorted: when their distances are all distinct,
    // the k nearest and their order are the full row's whatever topk does
    // with ties; otherwise (one-hot inputs, duplicates) the full row decides.
    auto [near_d, local] = dist.squeeze(1).topk(k + 1, 1, /*largest=*/false);
    distinct.push_back((near_d.narrow(1, 1, k) > near_d.narrow(1, 0, k)).all(1));
    parts.push_back(cand.reshape({rows, kc}).narrow(0, s, len).gather(1, local.narrow(1, 0, k)));
  }
  auto out = (parts.size() == 1 ? parts[0] : torch::cat(parts, 0)).view({B, m, k});

  // 3. The certificate (bound and proof at the top of this file).
  const double u = unit_roundoff(x_);
  const double gk = gamma(d + 1, u);
  double c = gk * (2.0 + gk);
  if (x_.is_cuda() && at::globalContext().allowTF32CuBLAS()) c += std::ldexp(1.0, -10);
  const double g = gamma(d + 4, u);
  const auto a_k = cand_sq.select(2, k - 1), t = cand_sq.select(2, kc - 1);  // [B, m]
  const auto reach = q_sq.squeeze(2).sqrt() + x_norm_max_;                   // [B, m]
  const auto bound = kSafety * (c * reach * reach + 0.5 * g * (a_k.abs() + t.abs()));
  const auto certified = (t - a_k) > 2.0 * bound;  // [B, m]
  const auto answered = certified.logical_and(torch::cat(distinct, 0).view({B, m}));

  // The queries that failed the certificate or have ties: their full rows.
  const auto failed = answered.logical_not().to(torch::kCPU);
  const int64_t n_failed = failed.sum().item<int64_t>();
  fallback_queries_ += n_failed;
  certified_queries_ += B * m - n_failed;
  if (n_failed == 0) return out;
  for (int64_t b = 0; b < B; ++b) {
    const auto idx = failed[b].nonzero().squeeze(1).to(q.device());
    if (idx.numel() == 0) continue;
    const auto exact =
        direct_nearest(q[b].index_select(0, idx).unsqueeze(0), x_[b].unsqueeze(0), k);
    out[b].index_copy_(0, idx, exact.squeeze(0));
  }
  return out;
}

}  // namespace hg
