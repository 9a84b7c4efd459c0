// Each family's own behaviour: references against hand-computed and Monte
// Carlo values, split parameters, labels. What every family must do is in
// tests/conformance/conformance_test.cpp.
#include <torch/torch.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>

#include "hourglass/core/error.h"
#include "hourglass/tasks/family.h"

namespace hg {
namespace {

std::vector<Rng> streams(int64_t p, uint64_t base) {
  std::vector<Rng> out;
  for (int64_t i = 0; i < p; ++i) out.emplace_back(base + static_cast<uint64_t>(i));
  return out;
}

std::unique_ptr<SupervisedSplit> make(const std::string& family,
                                      const std::vector<std::pair<std::string, ParamValue>>& set,
                                      std::vector<uint64_t> seeds = {11, 12, 13}) {
  const FamilyInfo* info = FamilyRegistry::instance().find(family);
  EXPECT_NE(info, nullptr) << family;
  Params p(info->params);
  for (const auto& [k, v] : set) p.set(k, v);
  return info->make_split(p, seeds);
}

TEST(Sinusoid, TrivialReferenceMatchesHandComputedVariance) {
  // A = 2, phase = 0, x ~ U(0, pi), no noise:
  // E[sin x] = 2/pi, E[sin^2 x] = 1/2, Var = 1/2 - 4/pi^2 = 0.094715...
  // trivial = -A^2 Var = -(2 - 16/pi^2) = -0.378861...
  const auto split = make("sinusoid", {{"amplitude", std::vector<double>{2, 2}},
                                       {"phase", std::vector<double>{0, 0}},
                                       {"x", std::vector<double>{0, M_PI}},
                                       {"noise", 0.0}});
  const auto ref = split->reference();
  EXPECT_NEAR(ref.trivial[0], -(2.0 - 16.0 / (M_PI * M_PI)), 1e-12);
  EXPECT_DOUBLE_EQ(ref.optimal[0], 0.0);
}

TEST(Sinusoid, OverridingTheAmplitudeRangeKeepsTheMembersFunction) {
  // u_A is drawn per member; amplitude [2, 4] -> A, [4, 8] -> 2A, same phase.
  const auto small = make("sinusoid", {{"amplitude", std::vector<double>{2, 4}}});
  const auto large = make("sinusoid", {{"amplitude", std::vector<double>{4, 8}}});
  auto r1 = streams(3, 7), r2 = streams(3, 7);
  const Batch a = small->sample(20, r1), b = large->sample(20, r2);
  EXPECT_TRUE(torch::equal(a.x, b.x));
  EXPECT_TRUE(torch::allclose(b.y, 2 * a.y, 1e-5, 1e-5));
}

TEST(Sinusoid, ScoreIsMinusMeanSquaredError) {
  const auto split = make("sinusoid", {});
  auto r = streams(3, 1);
  const Batch batch = split->sample(4, r);
  // Predict y + 0.5 everywhere: MSE = 0.25 exactly.
  const auto raw = split->score(batch.y + 0.5, batch);
  for (double v : raw) EXPECT_NEAR(v, -0.25, 1e-6);
}

TEST(LinearRegression, ReferencesMatchMonteCarlo) {
  // trivial = -(x_scale^2 |w|^2 + noise^2): the MSE of predicting E[y];
  // optimal = -noise^2: the MSE of the true function (least squares on many
  // samples recovers it).
  const double noise = 0.5, x_scale = 2.0;
  const auto split = make("linear-regression",
                          {{"dim", int64_t{4}}, {"noise", noise}, {"x_scale", x_scale},
                           {"x_mean", 1.0}});
  auto r = streams(3, 3);
  const Batch batch = split->sample(200000, r);
  const auto ref = split->reference();
  const auto y = batch.y.to(torch::kDouble);
  const auto var_y = (y - y.mean(1, true)).pow(2).mean({1, 2});
  const auto x = torch::cat({batch.x.to(torch::kDouble), torch::ones({3, 200000, 1}, torch::kDouble)}, 2);
  const auto w = at::linalg_solve(torch::bmm(x.transpose(1, 2), x), torch::bmm(x.transpose(1, 2), y));
  const auto resid = (torch::bmm(x, w) - y).pow(2).mean({1, 2});
  for (int64_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(-var_y[i].item<double>(), ref.trivial[i], 0.02 * std::abs(ref.trivial[i]));
    EXPECT_NEAR(-resid[i].item<double>(), ref.optimal[i], 0.01);
    EXPECT_DOUBLE_EQ(ref.optimal[i], -noise * noise);
  }
}

// ---- classification scoring ------------------------------------------------------

TEST(ClassificationScore, AccuracyOfTheArgmaxWithTiesToTheLowestClass) {
  const auto split = make("gaussian-blobs", {{"classes", int64_t{3}}}, {1, 2});
  Batch batch{torch::zeros({2, 4, 2}), torch::tensor({0, 1, 2, 2, 1, 1, 0, 2}).view({2, 4})};
  // Member 0: argmaxes 0, 1, 2, 0(tie 0/2) -> 3 of 4. Member 1: all tied -> class 0 -> 1 of 4.
  auto p = torch::zeros({2, 4, 3});
  p[0][0][0] = 1;
  p[0][1][1] = 1;
  p[0][2][2] = 1;
  p[0][3][0] = 5;
  p[0][3][2] = 5;
  const auto raw = split->score(p, batch);
  EXPECT_DOUBLE_EQ(raw[0], 0.75);
  EXPECT_DOUBLE_EQ(raw[1], 0.25);
  p[1][2][1] = NAN;  // a NaN makes that member's score NaN, not a wrong answer
  const auto with_nan = split->score(p, batch);
  EXPECT_DOUBLE_EQ(with_nan[0], 0.75);
  EXPECT_TRUE(std::isnan(with_nan[1]));
  EXPECT_THROW(split->score(torch::zeros({2, 3, 3}), batch), std::logic_error);
}

// ---- gaussian-blobs --------------------------------------------------------------

// The accuracy of the nearest-class-mean classifier with means estimated from
// a large sample: a plug-in estimate of the Bayes accuracy, independent of the
// family's own computation.
std::vector<double> plug_in_bayes(const SupervisedSplit& split, uint64_t base) {
  const int64_t C = split.shape().output_dim, P = split.population();
  auto r = streams(P, base);
  const Batch fit = split.sample(100000, r);
  const Batch eval = split.sample(100000, r);
  const auto onehot = torch::one_hot(fit.y, C).to(torch::kFloat);  // [P, n, C]
  const auto means = torch::bmm(onehot.transpose(1, 2), fit.x) / onehot.sum(1).unsqueeze(2);
  const auto nearest = torch::cdist(eval.x, means).argmin(2);
  const auto acc = (nearest == eval.y).to(torch::kDouble).mean(1);
  return std::vector<double>(acc.data_ptr<double>(), acc.data_ptr<double>() + P);
}

TEST(GaussianBlobs, BayesReferenceMatchesAPlugInEstimate) {
  // classes = 2 uses the exact formula, classes = 4 the Monte Carlo one.
  for (int64_t classes : {2, 4}) {
    const auto split = make("gaussian-blobs", {{"classes", classes}, {"separation", 1.5}});
    const auto ref = split->reference();
    const auto estimate = plug_in_bayes(*split, 40);
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_NEAR(ref.optimal[i], estimate[i], 0.006) << classes << " classes, member " << i;
      EXPECT_DOUBLE_EQ(ref.trivial[i], 1.0 / static_cast<double>(classes));
    }
  }
}

TEST(GaussianBlobs, BayesReferenceIsTheSameUnderRotationShiftAndScale) {
  const auto plain = make("gaussian-blobs", {})->reference();
  const auto moved =
      make("gaussian-blobs", {{"rotation", 70.0}, {"shift", 3.0}, {"scale", 0.5}})->reference();
  EXPECT_EQ(plain.optimal, moved.optimal);
  const auto estimate = plug_in_bayes(
      *make("gaussian-blobs", {{"rotation", 70.0}, {"shift", 3.0}, {"scale", 0.5}}), 9);
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(moved.optimal[i], estimate[i], 0.006);
}

TEST(GaussianBlobs, RotationShiftAndScaleTransformTheSameDraws) {
  const auto base = make("gaussian-blobs", {{"dim", int64_t{3}}});
  const auto turned = make(
      "gaussian-blobs", {{"dim", int64_t{3}}, {"rotation", 90.0}, {"scale", 2.0}, {"shift", -1.0}});
  auto r1 = streams(3, 4), r2 = streams(3, 4);
  const Batch a = base->sample(50, r1), b = turned->sample(50, r2);
  EXPECT_TRUE(torch::equal(a.y, b.y));
  // 90 degrees: (x0, x1) -> (-x1, x0); then x * 2 - 1. Dim 2 is only scaled and shifted.
  const auto x0 = a.x.select(2, 0), x1 = a.x.select(2, 1), x2 = a.x.select(2, 2);
  EXPECT_TRUE(torch::allclose(b.x.select(2, 0), -2 * x1 - 1, 1e-4, 1e-4));
  EXPECT_TRUE(torch::allclose(b.x.select(2, 1), 2 * x0 - 1, 1e-4, 1e-4));
  EXPECT_TRUE(torch::allclose(b.x.select(2, 2), 2 * x2 - 1, 1e-4, 1e-4));
}

TEST(GaussianBlobs, ClassesAndDimMustNotChangeBetweenSplits) {
  const FamilyInfo* info = FamilyRegistry::instance().find("gaussian-blobs");
  Params train(info->params), ood(info->params);
  ood.set("dim", int64_t{3});
  EXPECT_NE(info->check_split(ood, train).find("classes and dim"), std::string::npos);
  ood.set("dim", int64_t{2});
  ood.set("rotation", 45.0);
  EXPECT_EQ(info->check_split(ood, train), "");
}

// ---- modular-arithmetic ------------------------------------------------------------

TEST(ModularArithmetic, LabelsAreTheOperationModP) {
  const int64_t p = 7;
  for (const char* op : {"add", "subtract", "multiply"}) {
    const auto split =
        make("modular-arithmetic",
             {{"p", p}, {"op", std::string(op)}, {"operands", std::string("all")}}, {5});
    const ExamplePool* pool = split->pool();
    ASSERT_NE(pool, nullptr);
    ASSERT_EQ(pool->items(0).size(), static_cast<size_t>(p * p));
    const Batch all = pool->gather(torch::arange(p * p, torch::kLong).view({1, p * p}));
    for (int64_t id = 0; id < p * p; ++id) {
      const int64_t a = all.x[0][id].narrow(0, 0, p).argmax().item<int64_t>();
      const int64_t b = all.x[0][id].narrow(0, p, p).argmax().item<int64_t>();
      ASSERT_EQ(a * p + b, id);
      const int64_t want = std::string(op) == "add"        ? (a + b) % p
                           : std::string(op) == "subtract" ? ((a - b) % p + p) % p
                                                           : (a * b) % p;
      EXPECT_EQ(all.y[0][id].item<int64_t>(), want) << op << " " << a << " " << b;
    }
  }
}

TEST(ModularArithmetic, HeldOutOperandsSplitTheTablePerSeed) {
  const int64_t p = 11, held = 3;
  auto split_of = [&](const char* operands) {
    return make("modular-arithmetic",
                {{"p", p}, {"held_out_operands", held}, {"operands", std::string(operands)}},
                {1, 2});
  };
  const auto seen = split_of("seen"), out = split_of("held-out"), all = split_of("all");
  for (int64_t i = 0; i < 2; ++i) {
    const auto s = seen->pool()->items(i), h = out->pool()->items(i);
    EXPECT_EQ(s.size(), static_cast<size_t>((p - held) * p));
    EXPECT_EQ(h.size(), static_cast<size_t>(held * p));
    std::vector<int64_t> both;
    std::merge(s.begin(), s.end(), h.begin(), h.end(), std::back_inserter(both));
    EXPECT_EQ(both, all->pool()->items(i));  // disjoint, and together the table
    std::map<int64_t, int> rows;  // held-out pairs are whole rows of the table: a fixed, b any
    for (int64_t id : h) ++rows[id / p];
    EXPECT_EQ(rows.size(), static_cast<size_t>(held));
    for (const auto& [a, count] : rows) EXPECT_EQ(count, p) << a;
  }
  // Different seeds hold out different operands (p = 11, 3 of them: almost surely).
  EXPECT_NE(out->pool()->items(0), out->pool()->items(1));
}

TEST(ModularArithmetic, TrivialReferenceIsTheMajorityLabel) {
  const auto add = make("modular-arithmetic", {{"p", int64_t{13}}})->reference();
  EXPECT_DOUBLE_EQ(add.trivial[0], 1.0 / 13.0);
  EXPECT_DOUBLE_EQ(add.optimal[0], 1.0);
  // Multiply over the whole table: label 0 for the 2p - 1 pairs with a 0 factor.
  const auto mul =
      make("modular-arithmetic",
           {{"p", int64_t{13}}, {"op", std::string("multiply")}, {"operands", std::string("all")}})
          ->reference();
  EXPECT_DOUBLE_EQ(mul.trivial[0], 25.0 / 169.0);
}

TEST(ModularArithmetic, ChecksAndTheLargestBudget) {
  const FamilyInfo* info = FamilyRegistry::instance().find("modular-arithmetic");
  Params train(info->params);
  EXPECT_EQ(info->max_budget(train), 23 * 23);
  train.set("held_out_operands", int64_t{5});
  EXPECT_EQ(info->max_budget(train), 18 * 23);
  Params ood = train;
  ood.set("operands", std::string("held-out"));
  EXPECT_EQ(info->check_split(ood, train), "");
  ood.set("p", int64_t{29});
  EXPECT_NE(info->check_split(ood, train).find("p and held_out_operands"), std::string::npos);
  Params none(info->params);
  none.set("operands", std::string("held-out"));
  EXPECT_NE(info->check_split(none, none).find("needs held_out_operands"), std::string::npos);
  none.set("held_out_operands", int64_t{23});
  EXPECT_NE(info->check_split(none, none).find("below p"), std::string::npos);
  EXPECT_THROW(info->make_split(none, {1}), InputError);
}

// ---- sparse-parity -----------------------------------------------------------------

TEST(SparseParity, LabelIsTheParityOfAHiddenSet) {
  const int64_t bits = 8, k = 3;
  const auto split = make("sparse-parity", {{"bits", bits}, {"k", k}}, {21});
  auto r = streams(1, 2);
  const Batch b = split->sample(400, r);
  // Exactly one k-subset of the bits explains every label.
  int found = 0;
  for (int64_t mask = 0; mask < (1 << bits); ++mask) {
    if (__builtin_popcountll(mask) != k) continue;
    auto prod = torch::ones({400});
    for (int64_t j = 0; j < bits; ++j)
      if (mask >> j & 1) prod = prod * b.x[0].select(1, j);
    if (torch::equal((prod < 0).to(torch::kLong), b.y[0])) ++found;
  }
  EXPECT_EQ(found, 1);
}

TEST(SparseParity, ReferencesMatchMonteCarlo) {
  for (double bias : {0.5, 0.7}) {
    for (double noise : {0.0, 0.2}) {
      const auto split =
          make("sparse-parity",
               {{"bits", int64_t{10}}, {"k", int64_t{3}}, {"bias", bias}, {"noise", noise}});
      const auto ref = split->reference();
      auto r = streams(3, 6);
      const Batch b = split->sample(200000, r);
      const double ones = b.y[0].to(torch::kDouble).mean().item<double>();
      EXPECT_NEAR(ref.trivial[0], std::max(ones, 1 - ones), 0.005) << bias << " " << noise;
      EXPECT_DOUBLE_EQ(ref.optimal[0], 1.0 - noise);
    }
  }
  // bias 0.7, k = 3: m = 0.4^3 = 0.064, q = 0.468, majority 0.532.
  const auto ref = make("sparse-parity", {{"bias", 0.7}})->reference();
  EXPECT_NEAR(ref.trivial[0], 0.532, 1e-12);
}

TEST(SparseParity, KMustNotExceedBits) {
  const FamilyInfo* info = FamilyRegistry::instance().find("sparse-parity");
  Params p(info->params);
  p.set("bits", int64_t{2});
  EXPECT_NE(info->check_split(p, p).find("k must be at most bits"), std::string::npos);
  EXPECT_THROW(info->make_split(p, {1}), InputError);
}

}  // namespace
}  // namespace hg
