// Sweeps in the runner (suite key `sweep:`, selection inside the budget):
// validation selection holds a share of each configuration's budget out of
// its training and scores it as the `validation` split; nothing is drawn
// outside the budget, and the learner never sees the held-out share.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <mutex>

#include "../test_util.h"
#include "trained_on.h"
#include "hourglass/core/error.h"
#include "hourglass/learners/learner.h"
#include "hourglass/run/budgeted_sampler.h"
#include "hourglass/run/runner.h"
#include "hourglass/tasks/family.h"

namespace hg {
namespace {

using testing::suite_from_yaml;

// What every test-recording learner saw: its sample source's budget when
// training began, and how many samples it drew in all.
struct Seen {
  int64_t budget = 0, drawn = 0;
};
std::mutex seen_mutex;
std::vector<Seen> seen;

// Records what its sample source offers, draws all of it, and predicts NaN
// on every input it trained on (zeros elsewhere): a split scores NaN exactly
// when it holds an example the member trained on.
class RecordingLearner final : public Learner {
 protected:
  void do_train(TrainContext& ctx) override {
    Seen s{ctx.data.budget(), 0};
    const int64_t n = ctx.data.remaining();
    trained_on_ = ctx.data.draw(n).x;
    s.drawn = n;
    classes_ = ctx.shape.output_dim;
    std::lock_guard<std::mutex> lock(seen_mutex);
    seen.push_back(s);
  }
  at::Tensor do_predict(const at::Tensor& x) override {
    return testing::nan_on_trained(x, trained_on_, classes_);
  }
  at::Tensor trained_on_;
  int64_t classes_ = 0;
};

const LearnerRegistrar kRecording(LearnerInfo{
    "test-recording",
    "records its budget; NaN on what it trained on",
    {TaskKind::kClassification},
    {ParamSpec::Real("tag", 0.0, 0.0, 100.0, "a value to sweep (unused)")},
    [](const Params&) { return std::make_unique<RecordingLearner>(); },
    nullptr});

std::vector<Seen> take_seen() {
  std::lock_guard<std::mutex> lock(seen_mutex);
  auto out = seen;
  seen.clear();
  return out;
}

std::shared_ptr<SupervisedSplit> sine_split(const std::vector<uint64_t>& instances) {
  const FamilyInfo* family = FamilyRegistry::instance().find("sinusoid");
  if (!family) throw std::logic_error("sinusoid not registered");
  return family->make_split(resolve_params(family->params, {}), instances);
}

// The sampler's side: the learner sees budget - n, the protocol then gets
// the next n draws of the same streams, and not one sample more.
TEST(BudgetedSamplerHoldBack, HidesTheShareFromTheLearnerAndHandsOutTheNextDraws) {
  const std::vector<uint64_t> instances{1, 2};
  const auto split = sine_split(instances);
  BudgetedSampler held(*split, instances, 10, torch::kCPU);
  held.hold_back(3);
  EXPECT_EQ(held.budget(), 7);
  EXPECT_EQ(held.remaining(), 7);
  EXPECT_THROW(held.draw(8), BudgetExceeded);
  const Batch trained = held.draw(7);
  EXPECT_EQ(held.remaining(), 0);
  held.close();
  const Batch validation = held.draw_held_back();
  EXPECT_EQ(validation.x.size(1), 3);
  EXPECT_EQ(held.used(), 10);                             // the whole budget, no more
  EXPECT_EQ(held.all_drawn().x.size(1), 7);               // `train` is what it trained on
  EXPECT_THROW(held.draw_held_back(), std::logic_error);  // once
  EXPECT_THROW(held.draw(1), std::logic_error);           // closed
  // The same streams as a sampler that hands the learner all ten.
  BudgetedSampler plain(*split, instances, 10, torch::kCPU);
  EXPECT_TRUE(torch::equal(plain.draw(7).x, trained.x));
  EXPECT_TRUE(torch::equal(plain.draw(3).x, validation.x));
  // Only before the first draw, and within the budget.
  BudgetedSampler late(*split, instances, 10, torch::kCPU);
  (void)late.draw(1);
  EXPECT_THROW(late.hold_back(2), std::logic_error);
  BudgetedSampler big(*split, instances, 10, torch::kCPU);
  EXPECT_THROW(big.hold_back(11), std::logic_error);
}

// A finite table (modular arithmetic, 130 training pairs per member) makes
// "nothing outside the budget" checkable: at budget 130 the whole table is
// the budget, so a validation drawn from anywhere else would need a 131st
// pair; instead the test split has nothing left.
const char* kSweptTable = R"(
suite: swept
budgets: [100, 130]
seeds: 2
eval_samples: 1000
tasks:
  - name: mod
    family: modular-arithmetic
    params: {p: 13, held_out_operands: 3}
    ood: {held-out: {operands: held-out}}
agents:
  - name: r
    learner: test-recording
    sweep: {tag: [1, 2]}
)";

TEST(SweepValidation, DrawsNothingOutsideTheBudgetAndNeverTrainsOnTheHeldOutShare) {
  const Suite suite = suite_from_yaml(kSweptTable);
  const auto plan = expand(suite);
  ASSERT_EQ(plan.size(), 4u);  // 2 configurations x 2 budgets
  EXPECT_EQ(plan[0].key, "mod/r[tag=1]/100");
  // Both configurations see the same draws (the sweep's seeds).
  EXPECT_EQ(plan[0].trial_seeds, plan[2].trial_seeds);
  take_seen();
  for (const auto& population : plan) {
    const auto trials = run_population(suite, population, "cpu");
    const int64_t budget = population.budget;
    const int64_t held = validation_samples(budget, 0.2);  // 20, 26
    const auto learners = take_seen();
    ASSERT_EQ(learners.size(), 1u);                // one population learner
    EXPECT_EQ(learners[0].budget, budget - held);  // the learner never sees the share
    EXPECT_EQ(learners[0].drawn, budget - held);
    ASSERT_EQ(trials.size(), 2u);
    for (const auto& t : trials) {
      EXPECT_EQ(t.samples_used, budget) << t.message;  // training + validation = the budget
      EXPECT_EQ(t.configuration,
                population.key.find("tag=1") != std::string::npos ? "tag=1" : "tag=2");
      ASSERT_GE(t.splits.size(), 3u);
      EXPECT_EQ(t.splits[0].split, "train");
      EXPECT_EQ(t.splits[1].split, "validation");
      EXPECT_TRUE(std::isnan(t.find_split("train")->raw));          // all trained on
      EXPECT_TRUE(std::isfinite(t.find_split("validation")->raw));  // none trained on
      // At 130 the table is spent: the validation pairs were the budget's own.
      EXPECT_EQ(t.find_split("test") == nullptr, budget == 130);
    }
  }
}

// refit: true. The held-out learner is scored on validation only; a fresh
// learner of the configuration trains on the whole budget (the same draws)
// and is scored on everything else.
TEST(SweepRefit, ScoresAFreshLearnerTrainedOnTheWholeBudget) {
  std::string yaml = kSweptTable;
  yaml += "    refit: true\n";
  const Suite suite = suite_from_yaml(yaml);
  ASSERT_TRUE(suite.agents[0].refit);
  take_seen();
  for (const auto& population : expand(suite)) {
    const int64_t budget = population.budget;
    const auto trials = run_population(suite, population, "cpu");
    const auto learners = take_seen();
    ASSERT_EQ(learners.size(), 2u);  // the validated learner, then the refit one
    EXPECT_EQ(learners[0].budget, budget - validation_samples(budget, 0.2));
    EXPECT_EQ(learners[1].budget, budget);
    EXPECT_EQ(learners[1].drawn, budget);
    for (const auto& t : trials) {
      EXPECT_EQ(t.samples_used, budget);  // the same budget's samples, counted once
      ASSERT_NE(t.find_split("validation"), nullptr);
      EXPECT_TRUE(std::isfinite(t.find_split("validation")->raw));  // the validated learner
      EXPECT_TRUE(std::isnan(t.find_split("train")->raw));          // the refit one trained on all
      // At 130 the refit learner has seen the whole table: nothing left to test on.
      EXPECT_EQ(t.find_split("test") == nullptr, budget == 130);
    }
  }
}

TEST(SweepOracle, TrainsOnTheWholeBudgetWithoutAValidationSplit) {
  std::string yaml = kSweptTable;
  yaml += "    selection: oracle\n";
  const Suite suite = suite_from_yaml(yaml);
  take_seen();
  const auto trials = run_population(suite, expand(suite)[0], "cpu");
  const auto learners = take_seen();
  ASSERT_EQ(learners.size(), 1u);
  EXPECT_EQ(learners[0].budget, 100);
  for (const auto& t : trials) {
    EXPECT_EQ(t.samples_used, 100);
    EXPECT_EQ(t.find_split("validation"), nullptr);
  }
}

// Interactive families: the held-out share is environment steps, played on
// training levels the learner did not train on.
TEST(SweepValidation, InteractiveHoldsOutStepsAndLevels) {
  const Suite suite = suite_from_yaml(R"(
suite: chain
budgets: [400]
seeds: 2
tasks:
  - name: c
    family: delayed-chain
    params: {length: 4, levels: 10, eval_episodes: 20}
agents:
  - name: rf
    learner: reinforce
    params: {hidden: [8], num_envs: 4, rollout_steps: 4}
    sweep: {lr: [0.001, 0.01]}
)");
  const auto trials = run_population(suite, expand(suite)[0], "cpu");
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kOk) << t.message;
    // The learner's steps (at most 400 - 80) and the held-out share (80).
    EXPECT_LE(t.samples_used, 400);
    EXPECT_GT(t.samples_used, 80);
    ASSERT_NE(t.find_split("validation"), nullptr);
    EXPECT_TRUE(std::isfinite(t.find_split("validation")->normalized));
  }
  // One training level cannot be split: the trials fail and say why.
  const Suite one = suite_from_yaml(R"(
suite: chain
budgets: [400]
seeds: 2
tasks:
  - name: c
    family: delayed-chain
    params: {length: 4, levels: 1}
agents:
  - name: rf
    learner: reinforce
    sweep: {lr: [0.001, 0.01]}
)");
  for (const auto& t : run_population(one, expand(one)[0], "cpu")) {
    EXPECT_EQ(t.status, TrialStatus::kFailed);
    EXPECT_NE(t.message.find("needs at least 2"), std::string::npos) << t.message;
  }
}

}  // namespace
}  // namespace hg
