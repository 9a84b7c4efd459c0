// Progress inside a population: the share-of-training rule on hand-computed
// values, and the runner's sampler, environment and learners filling the
// counters of a real run.
#include "hourglass/core/progress.h"

#include <torch/torch.h>
#include <gtest/gtest.h>

#include <vector>

#include "../test_util.h"
#include "hourglass/run/runner.h"

namespace hg {
namespace {

TEST(TrainingFraction, SamplesWithoutACapOnUpdates) {
  EXPECT_DOUBLE_EQ(training_fraction(250, 3, 0, 1000, 0), 0.25);
  EXPECT_DOUBLE_EQ(training_fraction(1000, 1, 1, 1000, 0), 1.0);
  EXPECT_DOUBLE_EQ(training_fraction(0, 0, 0, 0, 0), 1.0);  // budget 0: nothing to do
}

TEST(TrainingFraction, EverythingDrawnUpFrontCountsTheUpdates) {
  // mlp: draws its 1,000 samples at once, then 50 of its 200 updates.
  EXPECT_DOUBLE_EQ(training_fraction(1000, 1, 50, 1000, 200), 0.25);
  EXPECT_DOUBLE_EQ(training_fraction(1000, 1, 0, 1000, 200), 0.0);
}

TEST(TrainingFraction, DrawingWhileTrainingStopsAtWhicheverRunsOut) {
  // ppo: 4,000 of 16,000 steps taken in 10 draws, 30 of 40 updates: 0.75.
  EXPECT_DOUBLE_EQ(training_fraction(4000, 10, 30, 16000, 40), 0.75);
  EXPECT_DOUBLE_EQ(training_fraction(12000, 10, 3, 16000, 400), 0.75);
  // Never past 1, whatever the counters say (a protocol's several phases).
  EXPECT_DOUBLE_EQ(training_fraction(40000, 20, 900, 16000, 400), 1.0);
}

TEST(PopulationProgress, TheRunnerFillsTheCountersOfEachPopulation) {
  const Suite suite = testing::suite_from_yaml(R"(
suite: progress
seed: 1
seeds: 2
budgets: [40, 120]
eval_samples: 20
tasks:
  - name: lin
    family: linear-regression
    params: {dim: 2}
agents:
  - name: mlp
    learner: mlp
    params: {hidden: [8], batch_size: 16, max_updates: 30}
)");
  const auto plan = expand(suite);
  ASSERT_EQ(plan.size(), 2u);
  std::vector<PopulationProgress> progress(plan.size());
  RunnerOptions options;
  options.progress = progress.data();
  run_plan(suite, plan, options, [](size_t, const std::vector<TrialRecord>&) {});
  for (size_t i = 0; i < plan.size(); ++i) {
    EXPECT_EQ(progress[i].samples.load(), plan[i].budget) << i;  // drawn at once
    EXPECT_EQ(progress[i].draws.load(), 1) << i;
    EXPECT_EQ(progress[i].updates.load(), 30) << i;  // the last divergence check
    EXPECT_FALSE(progress[i].running.load()) << i;
    EXPECT_DOUBLE_EQ(training_fraction(progress[i].samples, progress[i].draws,
                                       progress[i].updates, plan[i].budget, 30),
                     1.0);
  }
  EXPECT_EQ(current_population_progress(), nullptr);  // restored after the run
}

TEST(PopulationProgress, EnvironmentStepsCountAsTheyAreTaken) {
  const Suite suite = testing::suite_from_yaml(R"(
suite: progress-rl
seed: 1
seeds: 2
budgets: [512]
tasks:
  - name: chain
    family: delayed-chain
    params: {length: 3, eval_episodes: 4}
agents:
  - name: ppo
    learner: ppo
    params: {hidden: [8], num_envs: 4, rollout_steps: 16}
)");
  const auto plan = expand(suite);
  std::vector<PopulationProgress> progress(plan.size());
  RunnerOptions options;
  options.progress = progress.data();
  run_plan(suite, plan, options, [](size_t, const std::vector<TrialRecord>&) {});
  EXPECT_EQ(progress[0].samples.load(), 512);  // steps per member
  EXPECT_EQ(progress[0].draws.load(), 512 / 4);  // one step of 4 copies at a time
  EXPECT_GT(progress[0].updates.load(), 0);
}

}  // namespace
}  // namespace hg
