// ExactEuclideanNeighbours and the `knn` learner's euclidean path: the same
// neighbours as the direct form (cdist without matrix products) on random
// data, on data built so that the matrix-product form ranks wrongly, and on
// data where the certificate must fail (points on a sphere, duplicates).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <tuple>

#include "hourglass/learners/fixed_source.h"
#include "hourglass/learners/knn/exact_euclidean.h"
#include "hourglass/learners/learner.h"

namespace hg {
namespace {

// The reference: the direct form's k nearest, as knn computed them before.
at::Tensor reference_nearest(const at::Tensor& q, const at::Tensor& x, int64_t k) {
  return std::get<1>(direct_euclidean_distances(q, x).topk(k, 2, /*largest=*/false));
}

// The direct-form distances of `indices` [B, m, k]: equal to the reference's
// k smallest when the neighbours are the same up to the order of ties.
at::Tensor distances_of(const at::Tensor& q, const at::Tensor& x, const at::Tensor& indices) {
  return direct_euclidean_distances(q, x).gather(2, indices);
}

void expect_same_as_reference(const at::Tensor& q, const at::Tensor& x, int64_t k,
                              const at::Tensor& got) {
  const auto want = reference_nearest(q, x, k);
  ASSERT_EQ(got.sizes(), want.sizes());
  EXPECT_TRUE(torch::equal(distances_of(q, x, got), distances_of(q, x, want)));
  // ...and the very indices, in the same order, ties included.
  EXPECT_TRUE(torch::equal(got, want));
}

struct Shape {
  int64_t B, m, n, d, k, max_entries;
};

TEST(ExactEuclidean, SameNeighboursAsTheDirectFormOnRandomData) {
  torch::manual_seed(1);
  for (const Shape& s : {Shape{1, 50, 300, 7, 1, 1 << 24}, Shape{3, 40, 500, 784, 5, 1 << 24},
                         Shape{2, 30, 100, 16, 5, 1000}, Shape{2, 25, 200, 3, 60, 1 << 24},
                         Shape{4, 17, 90, 12, 9, 500}}) {
    SCOPED_TRACE(testing::Message()
                 << "B=" << s.B << " m=" << s.m << " n=" << s.n << " d=" << s.d << " k=" << s.k);
    const auto x = torch::randn({s.B, s.n, s.d});
    const auto q = torch::randn({s.B, s.m, s.d});
    ExactEuclideanNeighbours index(x, s.max_entries);
    const auto got = index.nearest(q, s.k);
    // Continuous random data has no ties: the very same indices, in order.
    EXPECT_TRUE(torch::equal(got, reference_nearest(q, x, s.k)));
    // ...found through the certified candidates, not the full rows.
    EXPECT_EQ(index.certified_queries(), s.B * s.m);
    EXPECT_EQ(index.fallback_queries(), 0);
  }
}

TEST(ExactEuclidean, KUpToTheWholeTrainingSetUsesTheFullRows) {
  torch::manual_seed(2);
  const auto x = torch::randn({2, 40, 5}), q = torch::randn({2, 20, 5});
  for (const int64_t k : {8, 20, 39, 40}) {
    ExactEuclideanNeighbours index(x);
    EXPECT_TRUE(torch::equal(index.nearest(q, k), reference_nearest(q, x, k))) << k;
    // k' = min(n, k + max(k, 32)) = n = 40 for k >= 8: nothing to prune.
    EXPECT_EQ(index.fallback_queries(), 40);
  }
  EXPECT_EQ(ExactEuclideanNeighbours::candidates(5, 60'000), 5 + 32);
  EXPECT_EQ(ExactEuclideanNeighbours::candidates(100, 60'000), 200);
  EXPECT_EQ(ExactEuclideanNeighbours::candidates(5, 20), 20);
}

TEST(ExactEuclidean, ATrainingInputIsItsOwnNearestNeighbour) {
  // Pixel-like inputs, queried with the training inputs themselves: distance
  // exactly 0 to itself, so neighbour 0 is the input's own index.
  torch::manual_seed(3);
  const auto x = torch::rand({2, 400, 784});
  ExactEuclideanNeighbours index(x);
  const auto got = index.nearest(x, 3);
  EXPECT_TRUE(torch::equal(got.select(2, 0), torch::arange(400).expand({2, 400})));
  EXPECT_TRUE(torch::equal(distances_of(x, x, got.narrow(2, 0, 1)), torch::zeros({2, 400, 1})));
  EXPECT_EQ(index.fallback_queries(), 0);
}

// Points on a thin shell (radius 1 to 1.01) around a centre of norm 1,000,
// queried from near the centre: squared distances of about 1 whose matrix-
// product form cancels terms of about 10^6 (float32 spacing 0.06 there), so
// that form ranks them almost at random.
std::tuple<at::Tensor, at::Tensor> shell(int64_t B, int64_t m, int64_t n, int64_t d) {
  torch::manual_seed(4);
  const auto unit = [](const at::Tensor& t) { return t / t.norm(2, {2}, /*keepdim=*/true); };
  const auto centre = 1000.0 * unit(torch::randn({B, 1, d}));
  const auto dirs = unit(torch::randn({B, n, d}));
  const auto radii = 1.0 + 0.01 * torch::rand({B, n, 1});
  const auto x = centre + radii * dirs;
  const auto q = centre + 1e-3 * torch::randn({B, m, d});
  return {q, x};
}

TEST(ExactEuclidean, WhereTheProductFormRanksWronglyTheAnswerIsStillExact) {
  const int64_t B = 2, m = 8, n = 1000, d = 16, k = 1;
  const auto [q, x] = shell(B, m, n, d);
  // The inputs do what they are for: for some query the product form's
  // k' = 33 best candidates miss the direct form's nearest neighbour, so an
  // answer taken from the candidates without the certificate would be wrong.
  const auto approx =
      (q * q).sum(2, true) + (x * x).sum(2).unsqueeze(1) - 2 * torch::bmm(q, x.transpose(1, 2));
  const auto cand =
      std::get<1>(approx.topk(ExactEuclideanNeighbours::candidates(k, n), 2, /*largest=*/false));
  const auto want = reference_nearest(q, x, k);
  const auto found = (cand == want).any(2);  // [B, m]
  ASSERT_FALSE(found.all().item<bool>());

  ExactEuclideanNeighbours index(x);
  const auto got = index.nearest(q, k);
  expect_same_as_reference(q, x, k, got);
  EXPECT_EQ(index.fallback_queries(), B * m);  // the certificate refused every query
}

TEST(ExactEuclidean, PointsOnASphereAroundTheQueryFailTheCertificateAndFallBack) {
  // Every training input at distance 1 to 1.01 of the query, k = 5 of 300:
  // the gap between the 5th and the 37th candidate is far below the bound.
  const int64_t B = 3, m = 5, n = 300, d = 32, k = 5;
  const auto [q, x] = shell(B, m, n, d);
  ExactEuclideanNeighbours index(x);
  const auto got = index.nearest(q, k);
  expect_same_as_reference(q, x, k, got);
  EXPECT_EQ(index.fallback_queries(), B * m);
  EXPECT_EQ(index.certified_queries(), 0);
}

TEST(ExactEuclidean, ExactDuplicatesFailTheCertificateAndFallBack) {
  // 10 distinct inputs, each 40 times: the 5th and the 37th candidate are
  // copies of the same input (gap 0), so no query can be certified.
  torch::manual_seed(5);
  const auto distinct = torch::rand({2, 10, 20});
  const auto x = distinct.repeat({1, 40, 1});  // [2, 400, 20]
  const auto q = torch::rand({2, 30, 20});
  ExactEuclideanNeighbours index(x);
  const auto got = index.nearest(q, 5);
  expect_same_as_reference(q, x, 5, got);
  EXPECT_EQ(index.fallback_queries(), 2 * 30);
}

TEST(ExactEuclidean, TiesAmongTheNearestTakeTheFullRowSoTopkBreaksThemAsBefore) {
  // Binary inputs (as sparse-parity's bits or one-hot operands): distances
  // take few values, so the k-th and (k+1)-th are often equal. Candidates
  // would choose among equals differently from topk over the full row (the
  // smoke-classification gate's knn scores changed when they did).
  torch::manual_seed(7);
  const auto x = torch::randint(0, 2, {3, 600, 24}).to(torch::kFloat);
  const auto q = torch::randint(0, 2, {3, 50, 24}).to(torch::kFloat);
  for (const int64_t k : {1, 5, 25}) {
    ExactEuclideanNeighbours index(x);
    expect_same_as_reference(q, x, k, index.nearest(q, k));
    EXPECT_GT(index.fallback_queries(), 0) << k;
  }
}

TEST(ExactEuclidean, RefusesBadShapes) {
  const auto x = torch::rand({2, 10, 3});
  ExactEuclideanNeighbours index(x);
  EXPECT_THROW(index.nearest(torch::rand({2, 4, 5}), 1), std::invalid_argument);
  EXPECT_THROW(index.nearest(torch::rand({1, 4, 3}), 1), std::invalid_argument);
  EXPECT_THROW(index.nearest(torch::rand({2, 4, 3}), 11), std::invalid_argument);
  EXPECT_THROW(ExactEuclideanNeighbours(torch::rand({10, 3})), std::invalid_argument);
}

// The learner: its votes equal those built from the direct form's neighbours
// (knn.cpp's rule: one vote per neighbour, 1/2 more for the nearest's class).
TEST(Knn, EuclideanPredictionsEqualTheDirectForms) {
  torch::manual_seed(6);
  const int64_t P = 3, n = 2000, m = 700, d = 50, C = 4, k = 7;
  const Batch data{torch::randn({P, n, d}), torch::randint(0, C, {P, n}, torch::kLong)};
  const auto q = torch::randn({P, m, d});
  const LearnerInfo* info = LearnerRegistry::instance().find("knn");
  Params params(info->params);
  params.set("k", k);
  auto learner = info->make(params);
  FixedSource source(data);
  TrainContext ctx{source, {TaskKind::kClassification, d, C}, torch::kCPU, {1, 2, 3}, 0, {}};
  learner->train(ctx);
  const auto got = learner->predict(q);

  const auto nearest = reference_nearest(q, data.x, k);
  const auto labels = data.y.unsqueeze(1).expand({P, m, n}).gather(2, nearest);
  auto votes = torch::zeros({P, m, C});
  votes.scatter_add_(2, labels, torch::ones({P, m, k}));
  votes.scatter_add_(2, labels.narrow(2, 0, 1), torch::full({P, m, 1}, 0.5));
  EXPECT_TRUE(torch::equal(got, votes));
}

}  // namespace
}  // namespace hg
