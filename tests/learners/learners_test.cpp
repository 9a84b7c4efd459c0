// The shipped learners against the references, through the real runner.
#include <gtest/gtest.h>

#include <cmath>

#include "../test_util.h"
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
