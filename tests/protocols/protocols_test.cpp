// The transfer and continual protocols: what each phase may draw, what the
// trials record, and what the loader refuses.
#include <torch/torch.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "../learner_examples.h"
#include "../test_util.h"
#include "hourglass/core/error.h"
#include "hourglass/learners/learner.h"
#include "hourglass/run/protocol.h"
#include "hourglass/run/budgeted_sampler.h"
#include "hourglass/run/episodes.h"
#include "hourglass/run/phase.h"
#include "hourglass/tasks/family.h"
#include "hourglass/run/runner.h"

namespace hg {
namespace {

using testing::suite_errors;
using testing::suite_from_yaml;

// What one train() or continue_training() call of the recorder saw.
struct Call {
  bool first = false;     // train() rather than continue_training()
  int64_t budget = 0;     // the phase's budget
  int64_t drawn = 0;      // samples per member it was handed
  double x_lo = 0, x_hi = 0;  // range of the inputs it was handed (all members)
};

std::mutex g_mutex;
std::vector<Call> g_calls;

// Draws its whole budget on every call (optionally one sample more when
// continuing) and records what it saw; predicts zeros. Registered only in
// this test binary.
class RecorderLearner final : public Learner {
 public:
  explicit RecorderLearner(bool overdraw) : overdraw_(overdraw) {}

 protected:
  void do_train(TrainContext& ctx) override { record(ctx, true); }
  void do_continue(TrainContext& ctx) override {
    if (overdraw_) ctx.data.draw(ctx.data.remaining() + 1);
    record(ctx, false);
  }
  at::Tensor do_predict(const at::Tensor& x) override { return x.narrow(2, 0, 1) * 0; }

 private:
  void record(TrainContext& ctx, bool first) {
    Call call;
    call.first = first;
    call.budget = ctx.data.budget();
    const Batch b = ctx.data.draw(ctx.data.remaining());
    call.drawn = b.x.size(1);
    if (call.drawn > 0) {
      call.x_lo = b.x.min().item<double>();
      call.x_hi = b.x.max().item<double>();
    }
    EXPECT_EQ(ctx.data.remaining(), 0);
    std::lock_guard<std::mutex> lock(g_mutex);
    g_calls.push_back(call);
  }
  bool overdraw_;
};

LearnerInfo recorder_info() {
  LearnerInfo info;
  info.name = "test-recorder";
  info.doc = "records what each phase hands it";
  info.kinds = {TaskKind::kRegression, TaskKind::kClassification};
  info.params = {ParamSpec::Bool("overdraw", false, "ask for one sample past the budget")};
  info.make = [](const Params& p) { return std::make_unique<RecorderLearner>(p.boolean("overdraw")); };
  info.can_continue = true;
  return info;
}

const LearnerRegistrar kRecorder(recorder_info());

std::vector<Call> take_calls() {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto out = g_calls;
  g_calls.clear();
  return out;
}

const char* kTransfer = R"(
suite: t
protocol: transfer
seeds: 3
pretrain_budget: 50
budgets: [0, 7, 20]
eval_samples: 64
tasks:
  - name: sine
    family: sinusoid
    source: {x: [-5, -4]}
    targets:
      near: {x: [1, 2]}
      far: {x: [4, 5]}
agents:
  - name: rec
    learner: test-recorder
)";

TEST(TransferProtocol, EveryPhaseDrawsItsOwnSplitUpToItsBudget) {
  const Suite suite = suite_from_yaml(kTransfer);
  ASSERT_EQ(suite.protocol, "transfer");
  EXPECT_EQ(suite.budgets, (std::vector<int64_t>{0, 7, 20}));
  for (const auto& population : expand(suite)) {
    take_calls();
    const auto trials = run_population(suite, population, "cpu");
    const auto calls = take_calls();
    const int64_t n = population.budget;
    // Per target, in order: pretrain (train), adapt (continue), scratch (train).
    ASSERT_EQ(calls.size(), 6u) << population.key;
    const std::pair<double, double> target_x[] = {{1, 2}, {4, 5}};
    for (size_t k = 0; k < 2; ++k) {
      const Call& pre = calls[3 * k];
      EXPECT_TRUE(pre.first);
      EXPECT_EQ(pre.budget, 50);
      EXPECT_EQ(pre.drawn, 50);
      EXPECT_GE(pre.x_lo, -5);
      EXPECT_LE(pre.x_hi, -4);
      for (const Call* c : {&calls[3 * k + 1], &calls[3 * k + 2]}) {
        EXPECT_EQ(c->budget, n);
        EXPECT_EQ(c->drawn, n);
        if (n > 0) {
          EXPECT_GE(c->x_lo, target_x[k].first);
          EXPECT_LE(c->x_hi, target_x[k].second);
        }
      }
      EXPECT_FALSE(calls[3 * k + 1].first);
      EXPECT_TRUE(calls[3 * k + 2].first);
    }
    ASSERT_EQ(trials.size(), 3u);
    for (const auto& t : trials) {
      EXPECT_EQ(t.status, TrialStatus::kOk) << t.message;
      EXPECT_EQ(t.samples_used, 2 * n);  // two targets
      for (const char* split : {"source", "zero-shot/near", "adapted/near", "scratch/near",
                                "zero-shot/far", "adapted/far", "scratch/far"})
        EXPECT_NE(t.find_split(split), nullptr) << split;
      EXPECT_EQ(t.splits.size(), 7u);
    }
  }
}

TEST(TransferProtocol, AdaptingPastTheBudgetFailsTheTrials) {
  std::string yaml = kTransfer;
  yaml.replace(yaml.find("learner: test-recorder"), 22,
               "learner: test-recorder\n    params: {overdraw: true}");
  const Suite suite = suite_from_yaml(yaml);
  const auto plan = expand(suite);
  const auto trials = run_population(suite, plan[1], "cpu");
  take_calls();
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kFailed);
    EXPECT_NE(t.message.find("adapting to target/near: budget exceeded"), std::string::npos)
        << t.message;
    // Like a failed standard trial: every split the protocol scores, NaN.
    ASSERT_EQ(t.splits.size(), 7u);
    EXPECT_EQ(t.splits[0].split, "source");
    EXPECT_EQ(t.splits[6].split, "scratch/far");
    for (const auto& s : t.splits) EXPECT_TRUE(std::isnan(s.raw) && std::isnan(s.normalized));
  }
}

TEST(TransferProtocol, PretrainingIsTheSameAtEveryBudgetAndZeroShotIsAdaptedAtZero) {
  const Suite suite = suite_from_yaml(R"(
suite: t
protocol: transfer
seeds: 2
pretrain_budget: 64
budgets: [0, 16]
eval_samples: 128
tasks:
  - name: sine
    family: sinusoid
    source: {amplitude: [1, 2]}
    targets: {big: {amplitude: [2, 3]}}
agents:
  - name: mlp
    learner: mlp
    params: {hidden: [16], max_updates: 30, batch_size: 16}
)");
  const auto plan = expand(suite);
  const auto zero = run_population(suite, plan[0], "cpu");
  const auto sixteen = run_population(suite, plan[1], "cpu");
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_EQ(zero[i].status, TrialStatus::kOk) << zero[i].message;
    ASSERT_EQ(sixteen[i].status, TrialStatus::kOk) << sixteen[i].message;
    EXPECT_EQ(zero[i].find_split("zero-shot/big")->raw, zero[i].find_split("adapted/big")->raw);
    EXPECT_EQ(zero[i].find_split("zero-shot/big")->raw,
              sixteen[i].find_split("zero-shot/big")->raw);
    EXPECT_EQ(zero[i].find_split("source")->raw, sixteen[i].find_split("source")->raw);
    EXPECT_NE(sixteen[i].find_split("adapted/big")->raw,
              sixteen[i].find_split("zero-shot/big")->raw);
    EXPECT_EQ(zero[i].samples_used, 0);
    EXPECT_EQ(sixteen[i].samples_used, 16);
  }
}

TEST(ContinualProtocol, EachStageIsDrawnOnceAndNeverAgain) {
  const Suite suite = suite_from_yaml(R"(
suite: c
protocol: continual
seeds: 2
budgets: [13]
eval_samples: 32
tasks:
  - name: sine
    family: sinusoid
    stream:
      s0: {x: [0, 1]}
      s1: {x: [2, 3]}
      s2: {x: [4, 5]}
agents:
  - name: rec
    learner: test-recorder
)");
  ASSERT_EQ(suite.protocol, "continual");
  ASSERT_EQ(suite.tasks[0].stream.size(), 3u);
  take_calls();
  const auto trials = run_population(suite, expand(suite)[0], "cpu");
  const auto calls = take_calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_TRUE(calls[0].first);  // initialization: nothing to draw
  EXPECT_EQ(calls[0].budget, 0);
  EXPECT_EQ(calls[0].drawn, 0);
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_FALSE(calls[i].first);
    EXPECT_EQ(calls[i].budget, 13);
    EXPECT_EQ(calls[i].drawn, 13);
    const double lo = 2.0 * static_cast<double>(i - 1);
    EXPECT_GE(calls[i].x_lo, lo) << "stage " << i - 1;
    EXPECT_LE(calls[i].x_hi, lo + 1) << "stage " << i - 1;
  }
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kOk) << t.message;
    EXPECT_EQ(t.samples_used, 39);
    EXPECT_EQ(t.splits.size(), 3u + 9u);
    for (const char* s : {"s0", "s1", "s2"}) {
      EXPECT_NE(t.find_split(std::string("untrained/") + s), nullptr);
      for (const char* j : {"s0", "s1", "s2"})
        EXPECT_NE(t.find_split(std::string("after/") + s + "/" + j), nullptr);
    }
  }
}

TEST(ContinualProtocol, APlainMlpForgetsARotatedStage) {
  const Suite suite = suite_from_yaml(R"(
suite: c
protocol: continual
seeds: 2
budgets: [200]
eval_samples: 500
tasks:
  - name: blobs
    family: gaussian-blobs
    params: {classes: 4, separation: 3.0}
    stream: {a: {rotation: 0}, b: {rotation: 180}}
agents:
  - name: mlp
    learner: mlp
    params: {hidden: [32], lr: 0.01, max_updates: 200}
)");
  const auto trials = run_population(suite, expand(suite)[0], "cpu");
  for (const auto& t : trials) {
    ASSERT_EQ(t.status, TrialStatus::kOk) << t.message;
    const double learned = t.find_split("after/a/a")->normalized;
    const double later = t.find_split("after/b/a")->normalized;
    EXPECT_GT(learned, 0.5);
    EXPECT_LT(later, learned - 0.3);  // rotated by 180 degrees: the classes swap
  }
}

// ---- every learner that declares can_continue -------------------------------

TEST(ContinueTraining, EveryLearnerThatCanContinueStartsFromZeroAndKeepsItsState) {
  int checked = 0;
  for (const auto& [name, info] : LearnerRegistry::instance().entries()) {
    if (!info.can_continue || name.rfind("test-", 0) == 0) continue;
    if (testing::needs_user_artifact(info)) continue;  // tested on its own
    for (TaskKind kind : info.kinds) {
      if (kind == TaskKind::kInteractive) continue;
      const std::string family_name =
          kind == TaskKind::kClassification ? "gaussian-blobs" : "sinusoid";
      const FamilyInfo* family = FamilyRegistry::instance().find(family_name);
      ASSERT_NE(family, nullptr);
      const std::vector<uint64_t> seeds = {1, 2};
      const auto split = family->make_split(resolve_params(family->params, {}), seeds);
      testing::TempDir scratch;
      auto learner = info.make(*testing::example_learner_params(info, split->shape(), scratch.path()));
      const c10::Device cpu("cpu");
      std::vector<Rng> eval_rngs{Rng(7), Rng(8)};
      const Batch eval = split->sample(64, eval_rngs);

      BudgetedSampler nothing(*split, seeds, 0, cpu, "a");
      TrainContext init{nothing, split->shape(), cpu, {11, 12}, 0, {}};
      learner->train(init);  // a budget of 0: initialized only
      const auto untrained = learner->predict(eval.x);
      EXPECT_TRUE(torch::isfinite(untrained).all().item<bool>()) << name;

      BudgetedSampler still_nothing(*split, seeds, 0, cpu, "b");
      TrainContext zero{still_nothing, split->shape(), cpu, {11, 12}, 0, {}};
      learner->continue_training(zero);
      EXPECT_TRUE(torch::equal(learner->predict(eval.x), untrained)) << name;

      BudgetedSampler some(*split, seeds, 50, cpu, "c");
      TrainContext more{some, split->shape(), cpu, {11, 12}, 0, {}};
      learner->continue_training(more);
      EXPECT_EQ(some.used(), 50) << name;
      EXPECT_GT(more.updates, 0) << name;
      const auto trained = learner->predict(eval.x);
      EXPECT_FALSE(torch::equal(trained, untrained)) << name;
      ++checked;
    }
  }
  EXPECT_GE(checked, 3);  // mlp (regression, classification), logistic
}

// The interactive learners that continue: a budget of 0 steps nothing and
// leaves the policy as it was; a further budget is stepped in full, with
// updates, and changes the policy (greedy or sampled actions differ on a
// fixed batch of observations).
TEST(ContinueTraining, EveryInteractiveLearnerThatCanContinueStepsItsNewBudget) {
  const FamilyInfo* family = FamilyRegistry::instance().find("cartpole");
  ASSERT_NE(family, nullptr);
  const Params env_params = resolve_params(family->params, {});
  const std::vector<uint64_t> seeds = {1, 2};
  const c10::Device cpu("cpu");
  int checked = 0;
  for (const auto& [name, info] : LearnerRegistry::instance().entries()) {
    if (!info.can_continue || name.rfind("test-", 0) == 0 || !info.make_interactive) continue;
    if (testing::needs_user_artifact(info)) continue;  // external: its own tests
    Params params = resolve_params(info.params, {});
    if (name == "dqn") params.set("learning_starts", int64_t{0});
    auto learner = info.make_interactive(params);
    // Acting twice on the same observations from the same state gives the
    // same actions only for a deterministic policy, so compare act() of two
    // learners instead: one continued, one not.
    auto twin = info.make_interactive(params);
    BudgetedEnvironment nothing(*family, env_params, seeds, env_params.integer("levels"), 0, cpu);
    InteractiveTrainContext init{nothing, nothing.spec(), cpu, {11, 12}, 0, {}};
    learner->train(init);
    BudgetedEnvironment twin_nothing(*family, env_params, seeds, env_params.integer("levels"), 0, cpu);
    InteractiveTrainContext twin_init{twin_nothing, twin_nothing.spec(), cpu, {11, 12}, 0, {}};
    twin->train(twin_init);
    const auto obs = torch::randn({2, 256, nothing.spec().obs_dim},
                                  torch::TensorOptions().dtype(torch::kFloat));

    BudgetedEnvironment zero(*family, env_params, seeds, env_params.integer("levels"), 0, cpu);
    InteractiveTrainContext none{zero, zero.spec(), cpu, {13, 14}, 0, {}};
    learner->continue_training(none);
    EXPECT_EQ(none.updates, 0) << name;
    EXPECT_TRUE(torch::equal(learner->act(obs), twin->act(obs))) << name;

    BudgetedEnvironment some(*family, env_params, seeds, env_params.integer("levels"), 4096, cpu);
    InteractiveTrainContext more{some, some.spec(), cpu, {13, 14}, 0, {}};
    learner->continue_training(more);
    EXPECT_GT(some.used(), 4096 - 64) << name;
    EXPECT_GT(more.updates, 0) << name;
    EXPECT_FALSE(torch::equal(learner->act(obs), twin->act(obs))) << name;
    ++checked;
  }
  EXPECT_GE(checked, 4);  // reinforce, actor-critic, ppo, dqn
}

// ---- the loader ------------------------------------------------------------


TEST(ProtocolLoader, RefusesALearnerThatCannotContinueAtItsLearnerKey) {
  const std::string errors = suite_errors(R"(suite: t
protocol: transfer
pretrain_budget: 10
budgets: [0, 10]
tasks:
  - name: sine
    family: sinusoid
    targets: {far: {x: [5, 10]}}
agents:
  - name: ridge
    learner: ridge
)");
  EXPECT_NE(errors.find(":11:14: error: agent 'ridge': learner 'ridge' cannot continue training "
                        "from its state, which protocol 'transfer' needs"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("learners that can: "), std::string::npos);
  EXPECT_NE(errors.find("mlp"), std::string::npos);
}

TEST(ProtocolLoader, ChecksKeysAndBudgetsAgainstTheProtocol) {
  // A budget of 0 and transfer keys in a standard suite.
  std::string errors = suite_errors(R"(suite: s
budgets: [0, 10]
tasks:
  - name: sine
    family: sinusoid
    targets: {far: {x: [5, 10]}}
agents:
  - {name: mlp, learner: mlp}
)");
  EXPECT_NE(errors.find(":2:11: error: key 'budgets' element 1 "), std::string::npos) << errors;
  EXPECT_NE(errors.find("needs protocol: transfer"), std::string::npos) << errors;
  EXPECT_NE(errors.find(":6:5: error: task 'sine': key 'targets' belongs to protocol 'transfer'"),
            std::string::npos)
      << errors;
  // Transfer: no targets, an ood split, no pretrain_budget.
  errors = suite_errors(R"(suite: s
protocol: transfer
budgets: [10]
tasks:
  - name: sine
    family: sinusoid
    ood: {far: {x: [5, 10]}}
agents:
  - {name: mlp, learner: mlp}
)");
  EXPECT_NE(errors.find(":2:11: error: protocol 'transfer' needs key 'pretrain_budget'"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find(":5:5: error: task 'sine': protocol 'transfer' needs key 'targets'"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find(":7:5: error: task 'sine': key 'ood' belongs to protocol 'standard'"),
            std::string::npos)
      << errors;
  // Continual: one stage, a finite table, a misspelt protocol (interactive
  // families are accepted: maze).
  errors = suite_errors(R"(suite: s
protocol: continual
budgets: [10]
tasks:
  - name: sine
    family: sinusoid
    stream: {only: {x: [0, 1]}}
  - name: maze
    family: maze
    stream: {a: {}, b: {}}
  - name: mod
    family: modular-arithmetic
    stream: {a: {}, b: {}}
agents:
  - {name: mlp, learner: mlp}
)");
  EXPECT_NE(errors.find("task 'sine': protocol 'continual' needs key 'stream': a map of at least "
                        "two stages"),
            std::string::npos)
      << errors;
  EXPECT_EQ(errors.find("task 'maze': protocol"), std::string::npos) << errors;
  EXPECT_NE(errors.find("task 'mod': protocol 'continual' runs families drawn from a distribution "
                        "only; family 'modular-arithmetic' draws from a finite table"),
            std::string::npos)
      << errors;
  errors = suite_errors(
      "suite: s\nprotocol: continuous\nbudgets: [1]\ntasks: [{name: a, family: "
      "sinusoid}]\nagents: [{name: m, learner: mlp}]\n");
  // The registered protocols (by name), this binary's test protocol too.
  EXPECT_NE(
      errors.find(":2:11: error: key 'protocol' must be one of continual, deployment, standard, "),
      std::string::npos)
      << errors;
  EXPECT_NE(errors.find("transfer, got 'continuous' (did you mean 'continual'?)"),
            std::string::npos)
      << errors;
}

TEST(ProtocolLoader, StandardConfigIsUnchangedAndProtocolsAreRecorded) {
  const Suite standard = suite_from_yaml(
      "suite: s\nbudgets: [10]\ntasks: [{name: a, family: sinusoid}]\nagents: [{name: m, "
      "learner: mlp}]\n");
  const auto config = resolved_config(standard, registered_catalog());
  EXPECT_FALSE(config.contains("protocol"));
  EXPECT_FALSE(config.contains("pretrain_budget"));
  const Suite transfer = suite_from_yaml(kTransfer);
  const auto t = resolved_config(transfer, registered_catalog());
  EXPECT_EQ(t["protocol"], "transfer");
  EXPECT_EQ(t["pretrain_budget"], 50);
  EXPECT_TRUE(t["tasks"][0]["splits"].contains("source"));
  EXPECT_TRUE(t["tasks"][0]["splits"].contains("target/far"));
}

// ---- a protocol registered by a test, like any other ------------------------
//
// "test-train-twice": trains a fresh learner on `train` (budget samples),
// scores it ("once"), continues it on as many samples again and scores it
// ("twice"), through the phase engine. Regression families only.

std::vector<TrialRecord> run_train_twice(const ProtocolRun& run) {
  const TaskSpec& task = run.suite.tasks.at(run.population.task);
  const AgentSpec& agent = run.suite.agents.at(run.population.agent);
  const c10::Device device(run.device);
  const auto& instances = run.population.instance_seeds;
  const std::vector<std::string> splits{"once", "twice"};
  auto trials = blank_trials(run.suite, run.population);
  const auto split = make_split(run.family, task, {&task.train}, instances);
  const Batch eval = evaluation_draws(*split, instances, "eval/test", run.suite.eval_samples);
  const auto seeds = member_seeds(run.population.trial_seeds, "learner");
  std::unique_ptr<Learner> learner;
  BudgetedSampler first(*split, run.population.trial_seeds, run.population.budget, device,
                        "train/once");
  auto phase = train_phase(
      learner, [&] { return run.learner.make(resolve_params(run.learner.params, {&agent.params})); },
      first, split->shape(), seeds, device);
  if (!record_phase(phase, {"once", true}, splits, trials)) return trials;
  if (!guarded_evaluation([&] { score_split(*learner, *split, eval, "once", device, trials); },
                          splits, trials))
    return trials;
  BudgetedSampler second(*split, run.population.trial_seeds, run.population.budget, device,
                         "train/twice");
  phase = continue_phase(*learner, second, split->shape(), seeds, device);
  if (!record_phase(phase, {"twice", true}, splits, trials)) return trials;
  if (!guarded_evaluation([&] { score_split(*learner, *split, eval, "twice", device, trials); },
                          splits, trials))
    return trials;
  mark_not_finite("prediction", trials);
  return trials;
}

ProtocolInfo train_twice_info() {
  ProtocolInfo info;
  info.name = "test-train-twice";
  info.doc = "train, score, train as much again, score (test only)";
  info.task_keys = {{"train", "overrides", false}};
  info.splits = {{"once", "after the first phase"}, {"twice", "after the second"}};
  info.is_split = [](const std::string& s) { return s == "once" || s == "twice"; };
  info.family_kinds = {"regression"};
  info.needs_continue = true;
  info.split_names = [](const Suite&, const TaskSpec&) {
    return std::vector<std::string>{"once", "twice"};
  };
  info.checked_splits = [](const TaskSpec& task) {
    return std::vector<CheckedSplit>{{"", {&task.train}, task.where, "budgets"}};
  };
  info.task_config = [](const TaskSpec& task, const SplitResolver& resolve, nlohmann::json& e) {
    e["splits"] = {{"train", resolve({&task.train})}};
  };
  info.run = run_train_twice;
  return info;
}

const ProtocolRegistrar kTrainTwice(train_twice_info());

TEST(RegisteredProtocol, IsLoadedCheckedAndRunByName) {
  const char* yaml = R"(
suite: twice
protocol: test-train-twice
seeds: 2
budgets: [5]
eval_samples: 32
tasks:
  - name: sine
    family: sinusoid
    train: {x: [0, 1]}
agents:
  - name: rec
    learner: test-recorder
)";
  const Suite suite = suite_from_yaml(yaml);
  EXPECT_EQ(suite.protocol, "test-train-twice");
  const auto config = resolved_config(suite, registered_catalog());
  EXPECT_EQ(config["protocol"], "test-train-twice");
  take_calls();
  const auto trials = run_population(suite, expand(suite)[0], "cpu");
  const auto calls = take_calls();
  ASSERT_EQ(calls.size(), 2u);  // one train(), one continue_training()
  EXPECT_TRUE(calls[0].first);
  EXPECT_FALSE(calls[1].first);
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kOk) << t.message;
    EXPECT_EQ(t.samples_used, 10);  // both phases count
    ASSERT_EQ(t.splits.size(), 2u);
    EXPECT_EQ(t.splits[0].split, "once");
    EXPECT_EQ(t.splits[1].split, "twice");
  }
  // The loader applies its declarations: no ood key, regression families only.
  std::string bad = yaml;
  bad.replace(bad.find("    train: {x: [0, 1]}"), 22,
              "    ood: {far: {x: [4, 5]}}\n  - name: blobs\n    family: gaussian-blobs");
  const std::string errors = suite_errors(bad);
  EXPECT_NE(errors.find("task 'sine': key 'ood' belongs to protocol 'standard', and this "
                        "suite's protocol is 'test-train-twice' (it takes train)"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("task 'blobs': protocol 'test-train-twice' runs regression families "
                        "only; family 'gaussian-blobs' is classification"),
            std::string::npos)
      << errors;
}

}  // namespace
}  // namespace hg
