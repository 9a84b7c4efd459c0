// The shipped learners against the references, through the real runner.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "../test_util.h"
#include "hourglass/learners/fixed_source.h"
#include "hourglass/learners/learner.h"
#include "hourglass/run/runner.h"

namespace hg {
namespace {

using testing::suite_from_yaml;

// Mean normalized score of `split` over a population's trials.
double mean_score(const std::vector<TrialRecord>& trials, const std::string& split) {
  double sum = 0;
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kOk) << t.message;
    sum += t.find_split(split)->normalized;
  }
  return sum / static_cast<double>(trials.size());
}

// The one population of `yaml` (of agent `agent` when there are several).
std::vector<TrialRecord> run_one(const std::string& yaml, const std::string& agent = "") {
  const Suite suite = suite_from_yaml(yaml);
  const auto plan = expand(suite, {"", agent});
  EXPECT_EQ(plan.size(), 1u);
  return run_population(suite, plan[0], "cpu");
}

TEST(Constant, ScoresAboutZero) {
  const auto trials = run_one(R"(
suite: t
budgets: [5000]
seeds: 8
eval_samples: 20000
tasks: [{name: lin, family: linear-regression}]
agents: [{name: c, learner: constant}]
)");
  // Expected -(Var y) / (n |w|^2), about -0.0003; the test MSE of 20,000
  // samples fluctuates by sqrt(2/20000) Var(y) / |w|^2, about 1.5% per seed.
  EXPECT_NEAR(mean_score(trials, "test"), 0.0, 0.02);
}

TEST(Ridge, ScoresOneOnNoiselessLinearDataInAndOutOfDistribution) {
  const auto trials = run_one(R"(
suite: t
budgets: [100]
seeds: 3
tasks:
  - name: lin
    family: linear-regression
    params: {noise: 0.0}
    ood: {wide: {x_scale: 3.0}, shifted: {x_mean: 2.0}}
agents: [{name: r, learner: ridge, params: {lambda: 1.0e-9}}]
)");
  EXPECT_GT(mean_score(trials, "test"), 0.999);
  EXPECT_GT(mean_score(trials, "ood/wide"), 0.999);
  EXPECT_GT(mean_score(trials, "ood/shifted"), 0.999);
}

TEST(Ridge, RandomFourierFeaturesFitASinusoid) {
  const auto trials = run_one(R"(
suite: t
budgets: [1000]
seeds: 2
tasks: [{name: s, family: sinusoid}]
agents: [{name: r, learner: ridge, params: {features: random-fourier, width: 200, lambda: 1.0e-6}}]
)");
  EXPECT_GT(mean_score(trials, "test"), 0.95);
}

TEST(Mlp, LearnsASinusoidInDistributionButNotFarOutside) {
  const auto trials = run_one(R"(
suite: t
budgets: [2000]
seeds: 2
tasks:
  - name: s
    family: sinusoid
    ood: {far: {x: [5, 10]}}
agents: [{name: m, learner: mlp, params: {hidden: [64, 64], max_updates: 1500, lr: 3.0e-3}}]
)");
  const double test = mean_score(trials, "test");
  EXPECT_GT(test, 0.8);
  EXPECT_LT(mean_score(trials, "ood/far"), test - 0.5);
  EXPECT_EQ(trials[0].updates, 1500);
  EXPECT_EQ(trials[0].samples_used, 2000);
}

TEST(Mlp, SgdWithMomentumAndTanhTrain) {
  const auto trials = run_one(R"(
suite: t
budgets: [500]
seeds: 2
tasks: [{name: lin, family: linear-regression, params: {noise: 0.1}}]
agents: [{name: m, learner: mlp, params: {hidden: [16], activation: tanh, optimizer: sgd, lr: 0.01, max_updates: 400}}]
)");
  EXPECT_GT(mean_score(trials, "test"), 0.8);
}

TEST(Mlp, DivergenceIsRecordedPerMember) {
  const auto trials = run_one(R"(
suite: t
budgets: [100]
seeds: 2
tasks: [{name: lin, family: linear-regression, params: {x_scale: 1000.0}}]
agents: [{name: m, learner: mlp, params: {optimizer: sgd, lr: 10.0, momentum: 0.99, max_updates: 200}}]
)");
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kDiverged);
    ASSERT_TRUE(t.diverged_at.has_value());
    EXPECT_LE(*t.diverged_at, 200);
  }
}

// ---- classification -----------------------------------------------------------

const char* kBlobs = R"(
suite: t
budgets: [2000]
seeds: 2
eval_samples: 5000
tasks:
  - name: blobs
    family: gaussian-blobs
    params: {classes: 4, separation: 2.0}
    ood: {rotated: {rotation: 90.0}}
agents:
  - {name: constant, learner: constant}
  - {name: knn, learner: knn, params: {k: 25}}
  - {name: logistic, learner: logistic}
  - {name: mlp, learner: mlp, params: {hidden: [32], max_updates: 800, lr: 3.0e-3}}
)";

TEST(Classification, EveryClassifierComesCloseToBayesOnBlobs) {
  // Normalized 1 is the Bayes classifier, 0 is chance (the majority class,
  // which `constant` predicts); 5,000 test samples give about 0.01 of noise
  // on the normalized score.
  EXPECT_NEAR(mean_score(run_one(kBlobs, "constant"), "test"), 0.0, 0.04);
  EXPECT_GT(mean_score(run_one(kBlobs, "logistic"), "test"), 0.95);
  EXPECT_GT(mean_score(run_one(kBlobs, "knn"), "test"), 0.9);
  EXPECT_GT(mean_score(run_one(kBlobs, "mlp"), "test"), 0.9);
}

TEST(Classification, ARotationOfNinetyDegreesBreaksEveryClassifier) {
  for (const char* agent : {"knn", "logistic"}) {
    const auto trials = run_one(kBlobs, agent);
    EXPECT_LT(mean_score(trials, "ood/rotated"), mean_score(trials, "test") - 0.4) << agent;
  }
}

TEST(Knn, OneNeighbourRecallsItsTrainingDataAndRegressionAveragesTargets) {
  const auto trials = run_one(R"(
suite: t
budgets: [300]
seeds: 2
tasks: [{name: s, family: sinusoid, params: {noise: 0.3, amplitude: [4, 5]}}]
agents: [{name: k, learner: knn, params: {k: 1}}]
)");
  // k = 1 reproduces every training target (distances are exact, so each
  // training input is its own nearest neighbour): train MSE 0.
  for (const auto& t : trials) EXPECT_DOUBLE_EQ(t.find_split("train")->raw, 0.0);
  const auto smooth = run_one(R"(
suite: t
budgets: [3000]
seeds: 2
tasks: [{name: s, family: sinusoid, params: {noise: 0.3, amplitude: [4, 5]}}]
agents: [{name: k, learner: knn, params: {k: 30, distance: manhattan}}]
)");
  EXPECT_GT(mean_score(smooth, "test"), 0.95);
}

TEST(Logistic, StaysAtChanceOnSparseParityWhereAnMlpLearnsIt) {
  const char* yaml = R"(
suite: t
budgets: [2000]
seeds: 2
eval_samples: 2000
tasks: [{name: parity, family: sparse-parity, params: {bits: 8, k: 2}}]
agents:
  - {name: logistic, learner: logistic}
  - {name: mlp, learner: mlp, params: {hidden: [64], max_updates: 600, lr: 3.0e-3}}
)";
  EXPECT_NEAR(mean_score(run_one(yaml, "logistic"), "test"), 0.0, 0.1);
  EXPECT_GT(mean_score(run_one(yaml, "mlp"), "test"), 0.95);
}

// The first-order conditions of logistic.cpp's objective at what it returns,
// checked from its predictions alone: the logits are affine in x, so W's row
// j is f(m + e_j) - f(m). With R = softmax(f(x_i)) - onehot(y_i), the
// gradient (1/n) sum_i [(x_i - m)^T R_i; R_i] + [lambda W; 0] is zero. The
// data are large enough that the Gram matrix is summed in three chunks.
TEST(Logistic, ItsFitSatisfiesTheOptimalityConditions) {
  torch::manual_seed(3);
  const int64_t P = 2, n = 70'000, d = 64, C = 3;
  const double lambda = 0.05;
  const auto x = torch::randn({P, n, d}) + 2.0;  // off-centre: the fold of the mean matters
  const auto w_true = torch::randn({P, d, C});
  const auto y = std::get<1>((torch::bmm(x, w_true) + 2.0 * torch::randn({P, n, C})).max(2));
  const LearnerInfo* info = LearnerRegistry::instance().find("logistic");
  Params params(info->params);
  params.set("lambda", lambda);
  params.set("max_updates", int64_t{3000});
  params.set("tol", 1e-5);
  auto learner = info->make(params);
  FixedSource source(Batch{x, y});
  TrainContext ctx{source, {TaskKind::kClassification, d, C}, torch::kCPU, {1, 2}, 0, {}};
  learner->train(ctx);
  ASSERT_LT(ctx.updates, 3000) << "did not reach tol";

  const auto xd = x.to(torch::kDouble);
  const auto mean = xd.mean(1, /*keepdim=*/true);  // [P, 1, d]
  const auto probe = torch::cat({mean, mean + torch::eye(d, torch::kDouble).unsqueeze(0)}, 1);
  const auto f = learner->predict(probe.to(torch::kFloat)).to(torch::kDouble);  // [P, d + 1, C]
  const auto W = f.narrow(1, 1, d) - f.narrow(1, 0, 1);                         // [P, d, C]
  const auto r = torch::softmax(learner->predict(x).to(torch::kDouble), 2) -
                 torch::zeros({P, n, C}, torch::kDouble).scatter_(2, y.unsqueeze(2), 1.0);
  const auto g_w = torch::bmm((xd - mean).transpose(1, 2), r) / n + lambda * W;
  const auto g_b = r.mean(1);
  // Each gradient entry is a mean of terms of size about 3: zero up to the
  // tolerance and float rounding.
  EXPECT_LT(g_w.abs().max().item<double>(), 1e-4);
  EXPECT_LT(g_b.abs().max().item<double>(), 1e-4);
  // And the fit is far from the start (all zero: every gradient entry large).
  EXPECT_GT(W.abs().max().item<double>(), 0.05);
}

TEST(Mlp, EmbeddingOfOneHotOperandsLearnsModularAddition) {
  // 450 of the 529 pairs of the table, full batch, AdamW: every pair not
  // trained on comes out right (suites/grokking.yaml sweeps the budget).
  const auto trials = run_one(R"(
suite: t
budgets: [450]
seeds: 2
tasks: [{name: mod, family: modular-arithmetic, params: {p: 23}}]
agents:
  - name: m
    learner: mlp
    params: {embedding: 32, hidden: [256], batch_size: 450, lr: 1.0e-2, weight_decay: 1.0, max_updates: 500}
)");
  EXPECT_GT(mean_score(trials, "train"), 0.99);
  EXPECT_GT(mean_score(trials, "test"), 0.9);
}

}  // namespace
}  // namespace hg
