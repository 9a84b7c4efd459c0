// Every registered family: shapes, determinism, references; and each
// family's references against hand-computed and Monte Carlo values.
#include <torch/torch.h>
#include <gtest/gtest.h>

#include <cmath>

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

class EveryFamily : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryFamily, SamplesDeclaredShapesDeterministically) {
  const auto split = make(GetParam(), {});
  const auto shape = split->shape();
  auto r1 = streams(3, 100), r2 = streams(3, 100);
  const Batch a = split->sample(17, r1), b = split->sample(17, r2);
  EXPECT_EQ(a.x.sizes(), (std::vector<int64_t>{3, 17, shape.input_dim}));
  EXPECT_EQ(a.y.sizes(), (std::vector<int64_t>{3, 17, shape.output_dim}));
  EXPECT_TRUE(torch::equal(a.x, b.x));
  EXPECT_TRUE(torch::equal(a.y, b.y));
  EXPECT_TRUE(torch::isfinite(a.x).all().item<bool>());
}

TEST_P(EveryFamily, MembersAreIndependentOfEachOther) {
  // Member 0's data do not depend on which other members share its population.
  const auto alone = make(GetParam(), {}, {11});
  const auto together = make(GetParam(), {}, {11, 99});
  auto r1 = streams(1, 5), r2 = streams(2, 5);
  const Batch a = alone->sample(9, r1), b = together->sample(9, r2);
  EXPECT_TRUE(torch::equal(a.y[0], b.y[0]));
}

TEST_P(EveryFamily, ReferencesAreOrdered) {
  const auto ref = make(GetParam(), {})->reference();
  ASSERT_EQ(ref.trivial.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_LT(ref.trivial[i], ref.optimal[i]);
}

std::vector<std::string> supervised_families() {
  std::vector<std::string> out;
  for (const auto& [name, info] : FamilyRegistry::instance().entries())
    if (info.kind != TaskKind::kInteractive) out.push_back(name);
  return out;
}

// Interactive families have their own conformance tests (interactive_test.cpp).
INSTANTIATE_TEST_SUITE_P(Registered, EveryFamily, ::testing::ValuesIn(supervised_families()));

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

}  // namespace
}  // namespace hg
