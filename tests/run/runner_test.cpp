// The runner: plan expansion, budget enforcement, splits, determinism.
#include <torch/torch.h>
#include <gtest/gtest.h>

#include <cmath>

#include "../test_util.h"
#include "trained_on.h"
#include "hourglass/core/error.h"
#include "hourglass/learners/learner.h"
#include "hourglass/run/runner.h"
#include "hourglass/run/seal.h"

namespace hg {
namespace {

using testing::suite_from_yaml;

// A learner that asks for one sample more than its budget: registered only in
// this test binary, to show the runner refuses it.
class GreedyLearner final : public Learner {
 protected:
  void do_train(TrainContext& ctx) override { ctx.data.draw(ctx.data.budget() + 1); }
  at::Tensor do_predict(const at::Tensor& x) override { return x.narrow(2, 0, 1); }
};

// A learner that draws its budget in pieces of 7 and predicts zeros.
class PiecewiseLearner final : public Learner {
 protected:
  void do_train(TrainContext& ctx) override {
    while (ctx.data.remaining() > 0) ctx.data.draw(std::min<int64_t>(7, ctx.data.remaining()));
  }
  at::Tensor do_predict(const at::Tensor& x) override { return x.narrow(2, 0, 1) * 0; }
};

const LearnerRegistrar kGreedy(LearnerInfo{"test-greedy", "draws past its budget",
                                           {TaskKind::kRegression}, {},
                                           [](const Params&) {
                                             return std::make_unique<GreedyLearner>();
                                           },
                                           nullptr});
const LearnerRegistrar kPiecewise(LearnerInfo{"test-piecewise", "draws in pieces",
                                              {TaskKind::kRegression}, {},
                                              [](const Params&) {
                                                return std::make_unique<PiecewiseLearner>();
                                              },
                                              nullptr});

// Predicts NaN for every input it trained on and zeros for the rest: a split
// scores NaN exactly when it holds an example the member trained on.
class TrainedOnDetector final : public Learner {
 protected:
  void do_train(TrainContext& ctx) override {
    seen_ = ctx.data.draw(ctx.data.remaining()).x;
    classes_ = ctx.shape.output_dim;
  }
  at::Tensor do_predict(const at::Tensor& x) override {
    return testing::nan_on_trained(x, seen_, classes_);
  }
  at::Tensor seen_;
  int64_t classes_ = 0;
};

const LearnerRegistrar kDetector(LearnerInfo{
    "test-trained-on",
    "NaN on what it trained on",
    {TaskKind::kClassification},
    {},
    [](const Params&) { return std::make_unique<TrainedOnDetector>(); },
    nullptr});

const char* kSmall = R"(
suite: small
seed: 3
seeds: 3
budgets: [20, 60]
eval_samples: 50
tasks:
  - name: lin
    family: linear-regression
    params: {dim: 3}
    ood: {wide: {x_scale: 2.0}}
  - name: sine
    family: sinusoid
agents:
  - {name: ridge, learner: ridge}
  - {name: mlp, learner: mlp, params: {hidden: [8], max_updates: 30}}
)";

TEST(Expand, OrdersPopulationsAndDerivesSeedsByName) {
  const Suite suite = suite_from_yaml(kSmall);
  const auto plan = expand(suite);
  ASSERT_EQ(plan.size(), 2u * 2u * 2u);
  EXPECT_EQ(plan[0].key, "lin/ridge/20");
  EXPECT_EQ(plan[1].key, "lin/ridge/60");
  EXPECT_EQ(plan[2].key, "lin/mlp/20");
  EXPECT_EQ(plan[0].trial_seeds[2], derive_seed(3, "lin", "ridge", 20, 2));
  // Instances are shared across agents and budgets (paired comparisons).
  EXPECT_EQ(plan[0].instance_seeds, plan[3].instance_seeds);
  // Filtering changes which populations run, never their seeds.
  const auto only_mlp = expand(suite, {"", "mlp"});
  ASSERT_EQ(only_mlp.size(), 4u);
  EXPECT_EQ(only_mlp[0].key, "lin/mlp/20");
  EXPECT_EQ(only_mlp[0].trial_seeds, plan[2].trial_seeds);
}

TEST(Expand, RejectsFiltersThatSelectNothingOrDoNotParse) {
  const Suite suite = suite_from_yaml(kSmall);
  EXPECT_THROW(expand(suite, {"nothing", ""}), InputError);
  EXPECT_THROW(expand(suite, {"(", ""}), InputError);
}

TEST(RunPopulation, ScoresEverySplitAndUsesExactlyTheBudget) {
  const Suite suite = suite_from_yaml(kSmall);
  const auto plan = expand(suite);
  const auto trials = run_population(suite, plan[1], "cpu");
  ASSERT_EQ(trials.size(), 3u);
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kOk) << t.message;
    EXPECT_EQ(t.samples_used, 60);
    ASSERT_EQ(t.splits.size(), 3u);
    EXPECT_EQ(t.splits[0].split, "train");
    EXPECT_EQ(t.splits[1].split, "test");
    EXPECT_EQ(t.splits[2].split, "ood/wide");
    for (const auto& s : t.splits) {
      EXPECT_TRUE(std::isfinite(s.raw));
      EXPECT_TRUE(std::isfinite(s.normalized));
    }
  }
}

// A sealed split (run/seal.h) is skipped without a key, drawn from the key
// with one (other keys, other draws: instances and inputs), and the public
// splits are bit-identical whatever the key.
TEST(RunPopulation, SealedSplitsAreDrawnFromTheKeyAndSkippedWithoutOne) {
  const Suite suite = suite_from_yaml(R"(
suite: sealed
budgets: [40]
seeds: 3
eval_samples: 100
tasks:
  - name: lin
    family: linear-regression
    params: {dim: 3}
    ood: {wide: {x_scale: 3.0}, hidden: {x_scale: 3.0}}
    sealed: [hidden]
agents: [{name: r, learner: ridge}]
)");
  ASSERT_TRUE(suite.tasks[0].ood[1].sealed);
  const auto population = expand(suite)[0];
  const SealKey a = seal_key_from_bytes("key a"), b = seal_key_from_bytes("key b");
  const auto none = run_population(suite, population, "cpu");
  const auto with_a = run_population(suite, population, "cpu", &a);
  const auto again_a = run_population(suite, population, "cpu", &a);
  const auto with_b = run_population(suite, population, "cpu", &b);
  for (size_t i = 0; i < none.size(); ++i) {
    ASSERT_EQ(none[i].splits.size(), 3u);  // train, test, ood/wide
    ASSERT_EQ(with_a[i].splits.size(), 4u);
    EXPECT_EQ(with_a[i].splits[3].split, "ood/hidden");
    for (size_t s = 0; s < 3; ++s) {
      EXPECT_EQ(with_a[i].splits[s].split, none[i].splits[s].split);
      EXPECT_EQ(with_a[i].splits[s].raw, none[i].splits[s].raw);
      EXPECT_EQ(with_b[i].splits[s].raw, none[i].splits[s].raw);
    }
    EXPECT_EQ(again_a[i].splits[3].raw, with_a[i].splits[3].raw);
    EXPECT_NE(with_b[i].splits[3].raw, with_a[i].splits[3].raw);
    // The same parameters as ood/wide, other draws.
    EXPECT_NE(with_a[i].splits[3].raw, with_a[i].splits[2].raw);
  }
}

TEST(RunPopulation, ALearnerDrawingPastItsBudgetFailsWithAClearMessage) {
  const Suite suite = suite_from_yaml(R"(
suite: greedy
budgets: [10]
seeds: 2
tasks: [{name: lin, family: linear-regression}]
agents: [{name: g, learner: test-greedy}]
)");
  const auto trials = run_population(suite, expand(suite)[0], "cpu");
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kFailed);
    EXPECT_NE(t.message.find("budget exceeded"), std::string::npos) << t.message;
    EXPECT_EQ(t.samples_used, 0);  // the refused draw handed out nothing
    // Every split is named, with null scores, so tables show the loss.
    ASSERT_EQ(t.splits.size(), 2u);
    EXPECT_EQ(t.splits[0].split, "train");
    EXPECT_EQ(t.splits[1].split, "test");
    for (const auto& s : t.splits) {
      EXPECT_TRUE(std::isnan(s.raw));
      EXPECT_TRUE(std::isnan(s.normalized));
    }
  }
}

TEST(RunPopulation, TrainScoreCoversEverySampleDrawnInPieces) {
  const Suite suite = suite_from_yaml(R"(
suite: pieces
budgets: [30]
seeds: 2
tasks: [{name: lin, family: linear-regression, params: {x_mean: 0.0}}]
agents: [{name: p, learner: test-piecewise}]
)");
  const auto trials = run_population(suite, expand(suite)[0], "cpu");
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kOk);
    EXPECT_EQ(t.samples_used, 30);
    ASSERT_NE(t.find_split("train"), nullptr);
  }
}

TEST(RunPlan, IsDeterministicAndIndependentOfJobs) {
  const Suite suite = suite_from_yaml(kSmall);
  const auto plan = expand(suite);
  const auto ignore = [](size_t, const std::vector<TrialRecord>&) {};
  const auto a = run_plan(suite, plan, {"cpu", 1, 1}, ignore);
  const auto b = run_plan(suite, plan, {"cpu", 2, 1}, ignore);
  ASSERT_EQ(a.size(), plan.size() * 3);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].task, b[i].task);
    EXPECT_EQ(a[i].agent, b[i].agent);
    EXPECT_EQ(a[i].seed, b[i].seed);
    ASSERT_EQ(a[i].splits.size(), b[i].splits.size());
    for (size_t s = 0; s < a[i].splits.size(); ++s) {
      EXPECT_EQ(a[i].splits[s].raw, b[i].splits[s].raw);  // bit-identical
      EXPECT_EQ(a[i].splits[s].normalized, b[i].splits[s].normalized);
    }
  }
}

TEST(RunPlan, StopsStartingPopulationsWhenAsked) {
  const Suite suite = suite_from_yaml(kSmall);
  const auto plan = expand(suite);
  size_t finished = 0;
  const auto trials = run_plan(
      suite, plan, {"cpu", 1, 1}, [&](size_t, const std::vector<TrialRecord>&) { ++finished; },
      [&] { return finished >= 2; });
  EXPECT_EQ(finished, 2u);
  EXPECT_EQ(trials.size(), 2u * 3u);
}

TEST(ResolvedConfig, FillsDefaultsAndHashesCanonically) {
  const Suite suite = suite_from_yaml(kSmall);
  const auto config = resolved_config(suite, registered_catalog());
  EXPECT_EQ(config["tasks"][0]["splits"]["train"]["noise"], 0.5);  // a default
  EXPECT_EQ(config["tasks"][0]["splits"]["ood/wide"]["x_scale"], 2.0);
  EXPECT_EQ(config["agents"][1]["params"]["hidden"], nlohmann::json::array({8}));
  EXPECT_EQ(suite_sha256(config), suite_sha256(resolved_config(suite_from_yaml(kSmall),
                                                               registered_catalog())));
  Suite other = suite;
  other.seeds = 4;
  EXPECT_NE(suite_sha256(config), suite_sha256(resolved_config(other, registered_catalog())));
}

// ---- finite tables: drawn without replacement, never scored on what was seen ----

const char* kTable = R"(
suite: table
budgets: [100, 130]
seeds: 3
eval_samples: 1000
tasks:
  - name: mod
    family: modular-arithmetic
    params: {p: 13, held_out_operands: 3}
    ood: {held-out: {operands: held-out}, everything: {operands: all}}
agents: [{name: d, learner: test-trained-on}]
)";

TEST(RunPopulation, ATableIsDrawnWithoutReplacementAndNeverScoredOnWhatWasSeen) {
  const Suite suite = suite_from_yaml(kTable);
  const auto trials = run_population(suite, expand(suite)[0], "cpu");  // budget 100 of 130
  for (const auto& t : trials) {
    EXPECT_EQ(t.samples_used, 100);
    // The detector answers NaN on seen pairs: the train split is all seen ...
    ASSERT_NE(t.find_split("train"), nullptr);
    EXPECT_TRUE(std::isnan(t.find_split("train")->raw));
    // ... no other split holds one, even the one that covers the whole table.
    for (const char* split : {"test", "ood/held-out", "ood/everything"}) {
      ASSERT_NE(t.find_split(split), nullptr) << split;
      EXPECT_TRUE(std::isfinite(t.find_split(split)->raw)) << split;
    }
  }
}

TEST(RunPopulation, ATableWithNothingLeftHasNoTestScore) {
  const Suite suite = suite_from_yaml(kTable);
  const auto trials = run_population(suite, expand(suite)[1], "cpu");  // budget 130 of 130
  for (const auto& t : trials) {
    EXPECT_EQ(t.samples_used, 130);
    EXPECT_EQ(t.find_split("test"), nullptr);
    EXPECT_NE(t.find_split("ood/held-out"), nullptr);
  }
}

TEST(RunPopulation, ABudgetAboveTheTableFailsTheTrialsClearly) {
  Suite suite = suite_from_yaml(kTable);
  suite.budgets = {131};  // as `hourglass run --budgets 131` would, after validation
  const auto trials = run_population(suite, expand(suite)[0], "cpu");
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kFailed);
    EXPECT_NE(t.message.find("budget 131 exceeds the 130 distinct examples of the train split"),
              std::string::npos)
        << t.message;
    EXPECT_EQ(t.samples_used, 0);
  }
}

TEST(LoadSuite, RejectsABudgetAboveTheTable) {
  std::string yaml = kTable;
  yaml.replace(yaml.find("[100, 130]"), 10, "[100, 131]");
  try {
    suite_from_yaml(yaml);
    FAIL() << "loaded";
  } catch (const SuiteError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u) << e.what();
    EXPECT_NE(std::string(e.what()).find(
                  "task 'mod': budget 131 exceeds the 130 distinct training examples of family "
                  "'modular-arithmetic' under the train split"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace hg
