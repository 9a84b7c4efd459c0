// The phase engine (run/phase.h): failure and divergence look the same in
// every protocol, LibTorch backtraces are stripped, compute adds up over
// phases, and evaluation draws are paired by instance seed.
#include "hourglass/run/phase.h"

#include <torch/torch.h>
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "hourglass/core/error.h"
#include "hourglass/run/budgeted_sampler.h"
#include "hourglass/run/episodes.h"
#include "hourglass/run/protocol.h"
#include "hourglass/tasks/family.h"

namespace hg {
namespace {

std::vector<TrialRecord> three_trials() {
  std::vector<TrialRecord> trials(3);
  for (size_t i = 0; i < trials.size(); ++i) trials[i].seed_index = static_cast<int64_t>(i);
  return trials;
}

TEST(RecordPhase, AFailedPhaseFailsEveryTrialWithEverySplitNaN) {
  auto trials = three_trials();
  trials[0].splits.push_back({"source", 0.5, 0.5});  // scored by an earlier phase
  PhaseOutcome phase;
  phase.used = 4;
  phase.updates = 6;
  phase.seconds = 3.0;
  phase.failure = "boom";
  EXPECT_FALSE(record_phase(phase, {"adapting to target/a", true}, {"source", "adapted/a"}, trials));
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kFailed);
    EXPECT_EQ(t.message, "adapting to target/a: boom");
    ASSERT_EQ(t.splits.size(), 2u);
    EXPECT_EQ(t.splits[0].split, "source");
    EXPECT_EQ(t.splits[1].split, "adapted/a");
    for (const auto& s : t.splits) EXPECT_TRUE(std::isnan(s.raw) && std::isnan(s.normalized));
    EXPECT_EQ(t.samples_used, 4);
    EXPECT_EQ(t.updates, 6);
    EXPECT_DOUBLE_EQ(t.train_seconds, 1.0);  // 3 s over 3 members
  }
}

TEST(RecordPhase, AddsComputeOverPhasesAndCountsOnlyTheSamplesThatCount) {
  auto trials = three_trials();
  PhaseOutcome pretrain;
  pretrain.used = 50;
  pretrain.updates = 10;
  pretrain.seconds = 0.3;
  PhaseOutcome adapt;
  adapt.used = 7;
  adapt.updates = 2;
  adapt.seconds = 0.6;
  EXPECT_TRUE(record_phase(pretrain, {"pretraining", false}, {}, trials));
  EXPECT_TRUE(record_phase(adapt, {"adapting", true}, {}, trials));
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kOk);
    EXPECT_EQ(t.samples_used, 7);
    EXPECT_EQ(t.updates, 12);
    EXPECT_DOUBLE_EQ(t.train_seconds, 0.3);  // (0.3 + 0.6) / 3
  }
}

TEST(RecordPhase, RecordsAMembersFirstDivergenceWithThePhaseName) {
  auto trials = three_trials();
  PhaseOutcome first, second;
  first.diverged_at = {std::nullopt, 17, std::nullopt};
  second.diverged_at = {std::nullopt, 3, 5};
  EXPECT_TRUE(record_phase(first, {"stage a", true}, {}, trials));
  EXPECT_TRUE(record_phase(second, {"stage b", true}, {}, trials));
  EXPECT_EQ(trials[0].status, TrialStatus::kOk);
  EXPECT_EQ(trials[1].status, TrialStatus::kDiverged);
  EXPECT_EQ(trials[1].diverged_at, 17);
  EXPECT_EQ(trials[1].message, "stage a: loss not finite at update 17");
  EXPECT_EQ(trials[2].diverged_at, 5);
  EXPECT_EQ(trials[2].message, "stage b: loss not finite at update 5");
  // A protocol's only phase has no name in front.
  auto single = three_trials();
  EXPECT_TRUE(record_phase(first, {}, {}, single));
  EXPECT_EQ(single[1].message, "loss not finite at update 17");
}

TEST(MarkNotFinite, NamesTheFirstSplitThatIsNotFiniteAndKeepsTheScores) {
  auto trials = three_trials();
  for (auto& t : trials) t.splits = {{"train", 0.1, 0.9}, {"ood/far", 0.2, 0.8}};
  trials[1].splits[1].raw = std::nan("");
  trials[2].status = TrialStatus::kFailed;
  trials[2].splits[0].raw = INFINITY;
  mark_not_finite("prediction", trials);
  EXPECT_EQ(trials[0].status, TrialStatus::kOk);
  EXPECT_EQ(trials[1].status, TrialStatus::kDiverged);
  EXPECT_EQ(trials[1].message, "prediction not finite (ood/far)");
  EXPECT_EQ(trials[1].splits.size(), 2u);
  EXPECT_EQ(trials[2].status, TrialStatus::kFailed);  // failed stays failed
}

TEST(GuardedEvaluation, ATorchErrorFailsTheTrialsWithoutItsBacktrace) {
  auto trials = three_trials();
  const bool ok = guarded_evaluation(
      [] {
        const auto a = torch::zeros({2, 3});
        const auto b = torch::zeros({4, 5});
        (void)torch::matmul(a, b);  // shapes do not fit: c10::Error
      },
      {"train", "test"}, trials);
  EXPECT_FALSE(ok);
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kFailed);
    EXPECT_EQ(t.message.rfind("evaluation failed: ", 0), 0u) << t.message;
    EXPECT_EQ(t.message.find("Exception raised from"), std::string::npos) << t.message;
    EXPECT_EQ(t.message.find("frame #"), std::string::npos) << t.message;
    ASSERT_EQ(t.splits.size(), 2u);
  }
  try {
    (void)torch::matmul(torch::zeros({2, 3}), torch::zeros({4, 5}));
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_EQ(message_of(e), dynamic_cast<const c10::Error&>(e).what_without_backtrace());
  }
  EXPECT_EQ(message_of(std::runtime_error("plain")), "plain");
}

// The sinusoid family's split over given instance seeds.
std::unique_ptr<SupervisedSplit> sine_split(const std::vector<uint64_t>& instances) {
  const FamilyInfo* family = FamilyRegistry::instance().find("sinusoid");
  EXPECT_NE(family, nullptr);
  return family->make_split(resolve_params(family->params, {}), instances);
}

TEST(EvaluationDraws, ComeFromTheNamedStreamsOfTheGivenSeeds) {
  const std::vector<uint64_t> instances{11, 12};
  const auto split = sine_split(instances);
  const Batch a = evaluation_draws(*split, instances, "eval/test", 16);
  const Batch b = evaluation_draws(*split, instances, "eval/test", 16);
  const Batch other = evaluation_draws(*split, instances, "eval/ood/far", 16);
  ASSERT_EQ(a.x.sizes(), (std::vector<int64_t>{2, 16, 1}));
  EXPECT_TRUE(torch::equal(a.x, b.x));  // the same for every agent, budget and phase
  EXPECT_FALSE(torch::equal(a.x, other.x));
  // The streams are mix_seed(seed, label).
  auto rngs = member_streams(instances, "eval/test");
  EXPECT_TRUE(torch::equal(split->sample(16, rngs).x, a.x));
}

// A finite table: evaluation never draws an item a member trained on.
TEST(EvaluationDraws, OnATableSkipTheItemsTrainedOn) {
  const FamilyInfo* family = FamilyRegistry::instance().find("modular-arithmetic");
  ASSERT_NE(family, nullptr);
  const std::vector<uint64_t> seeds{3, 4};
  const auto split = family->make_split(resolve_params(family->params, {}), seeds);
  const ExamplePool* pool = split->pool();
  ASSERT_NE(pool, nullptr);
  BudgetedSampler sampler(*split, seeds, 10, torch::kCPU);
  (void)sampler.draw(10);
  const int64_t size = static_cast<int64_t>(pool->items(0).size());
  const Batch batch = evaluation_draws(*split, seeds, "split/test", size, &sampler);
  ASSERT_TRUE(batch.x.defined());
  EXPECT_EQ(batch.x.size(1), size - 10);  // every item left, none trained on
}

// A learner that throws from its constructor's factory: the phase fails,
// it does not throw.
TEST(TrainPhase, AFactoryThatThrowsFailsThePhase) {
  const std::vector<uint64_t> instances{1, 2};
  const auto split = sine_split(instances);
  BudgetedSampler sampler(*split, instances, 10, torch::kCPU);
  std::unique_ptr<Learner> learner;
  const auto phase = train_phase(
      learner, []() -> std::unique_ptr<Learner> { throw std::runtime_error("no such weights"); },
      sampler, split->shape(), {5, 6}, torch::kCPU);
  EXPECT_EQ(phase.failure, "no such weights");
  EXPECT_EQ(phase.used, 0);
  EXPECT_GE(phase.seconds, 0.0);
}

// Interactive scoring keeps members independent: member 0 of a population
// scores the same on every split, bit for bit, whether it trains and plays
// alone or beside member 1. The members play in lockstep until the
// population's LAST episode ends, so a policy drawing actions from
// per-member streams would carry into the next split a stream that the other
// member's longest episode advanced; score_episodes restarts the streams per
// split (InteractiveLearner::begin_episodes).
std::vector<SplitScore> first_member_scores(const std::string& learner_name,
                                            const std::vector<uint64_t>& instances,
                                            const std::vector<uint64_t>& learner_seeds,
                                            int64_t budget) {
  const FamilyInfo* family = FamilyRegistry::instance().find("cartpole");
  const LearnerInfo* info = LearnerRegistry::instance().find(learner_name);
  if (!family || !info) throw std::logic_error("cartpole or " + learner_name + " not registered");
  const Params params = resolve_params(family->params, {});
  const int64_t levels = params.integer("levels");
  const c10::Device cpu("cpu");
  BudgetedEnvironment env(*family, params, instances, levels, budget, cpu);
  std::unique_ptr<InteractiveLearner> learner;
  const auto phase = train_interactive_phase(
      learner, [&] { return info->make_interactive(resolve_params(info->params, {})); }, env,
      learner_seeds, cpu);
  if (!phase.failure.empty()) throw std::runtime_error(phase.failure);
  std::vector<TrialRecord> trials(instances.size());
  score_episodes(*learner, *family, params, instances, true, levels, "train", cpu, trials);
  score_episodes(*learner, *family, params, instances, false, levels, "test", cpu, trials);
  score_episodes(*learner, *family, params, instances, false, levels, "ood/again", cpu, trials);
  return trials[0].splits;
}

TEST(ScoreEpisodes, AMembersScoresDoNotDependOnTheOtherMembers) {
  for (const auto& [learner, budget] :
       std::vector<std::pair<std::string, int64_t>>{{"random", 0}, {"ppo", 1024}}) {
    const auto alone = first_member_scores(learner, {101}, {11}, budget);
    const auto beside = first_member_scores(learner, {101, 202}, {11, 12}, budget);
    ASSERT_EQ(alone.size(), 3u) << learner;
    ASSERT_EQ(beside.size(), 3u) << learner;
    for (size_t j = 0; j < alone.size(); ++j) {
      EXPECT_EQ(alone[j].split, beside[j].split);
      EXPECT_EQ(alone[j].raw, beside[j].raw) << learner << " on " << alone[j].split;
    }
  }
}

// The streams restart from (member seed, split): scoring a split twice, or
// after other splits, plays the same actions.
TEST(ScoreEpisodes, ASplitScoresTheSameWhateverWasScoredBefore) {
  const FamilyInfo* family = FamilyRegistry::instance().find("cartpole");
  const LearnerInfo* info = LearnerRegistry::instance().find("random");
  ASSERT_TRUE(family && info);
  const Params params = resolve_params(family->params, {});
  const int64_t levels = params.integer("levels");
  const c10::Device cpu("cpu");
  const std::vector<uint64_t> instances{101, 202};
  BudgetedEnvironment env(*family, params, instances, levels, 0, cpu);
  std::unique_ptr<InteractiveLearner> learner;
  const auto phase = train_interactive_phase(
      learner, [&] { return info->make_interactive(resolve_params(info->params, {})); }, env,
      {11, 12}, cpu);
  ASSERT_EQ(phase.failure, "");
  std::vector<TrialRecord> trials(instances.size());
  score_episodes(*learner, *family, params, instances, false, levels, "test", cpu, trials);
  score_episodes(*learner, *family, params, instances, true, levels, "train", cpu, trials);
  score_episodes(*learner, *family, params, instances, false, levels, "test", cpu, trials);
  for (const auto& trial : trials) {
    ASSERT_EQ(trial.splits.size(), 3u);
    EXPECT_EQ(trial.splits[0].raw, trial.splits[2].raw);
  }
}

TEST(ProtocolRegistry, HoldsTheShippedProtocolsWithStandardTheDefault) {
  for (const char* name : {"standard", "transfer", "continual"}) {
    const ProtocolInfo* info = ProtocolRegistry::instance().find(name);
    ASSERT_NE(info, nullptr) << name;
    EXPECT_TRUE(info->run) << name;
    EXPECT_TRUE(info->split_names) << name;
    EXPECT_TRUE(info->is_split) << name;
    EXPECT_FALSE(info->task_keys.empty()) << name;
  }
  EXPECT_EQ(default_protocol().name, "standard");
  EXPECT_EQ(&find_protocol("transfer"), ProtocolRegistry::instance().find("transfer"));
  try {
    find_protocol("sideways");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown protocol 'sideways' (registered: "),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace hg
