// The runner on interactive families: step budgets, references (random about
// 0, the breadth-first agent exactly 1), and every RL learner against random.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "../test_util.h"
#include "hourglass/core/error.h"
#include "hourglass/learners/learner.h"
#include "hourglass/run/runner.h"
#include "hourglass/run/seal.h"
#include "hourglass/tasks/maze/maze.h"

namespace hg {
namespace {

using testing::suite_from_yaml;

// Steps 8 copies until the budget is spent, then asks for one step more.
class GreedyStepper final : public InteractiveLearner {
 protected:
  void do_train(InteractiveTrainContext& ctx) override {
    ctx.env.reset(8);
    const auto zeros = torch::zeros({static_cast<int64_t>(ctx.member_seeds.size()), 8}, torch::kLong);
    while (ctx.env.remaining() >= 8) ctx.env.step(zeros);
    ctx.env.step(zeros);
  }
  at::Tensor do_act(const at::Tensor& obs) override {
    return torch::zeros({obs.size(0), obs.size(1)}, torch::kLong);
  }
};

// Follows a breadth-first shortest path, read from the maze's full-grid
// observation (planes: wall, goal, agent). Test-only.
class BfsAgent final : public InteractiveLearner {
 protected:
  void do_train(InteractiveTrainContext&) override {}
  at::Tensor do_act(const at::Tensor& obs) override {
    const auto o = obs.to(torch::kCPU).contiguous();
    const int64_t P = o.size(0), n = o.size(1), cells = o.size(2) / 3;
    const int size = static_cast<int>(std::lround(std::sqrt(static_cast<double>(cells))));
    auto actions = torch::zeros({P, n}, torch::kLong);
    const float* data = o.data_ptr<float>();
    for (int64_t k = 0; k < P * n; ++k) {
      const float* row = data + k * 3 * cells;
      std::vector<uint8_t> wall(static_cast<size_t>(cells));
      int goal = 0, pos = 0;
      for (int c = 0; c < cells; ++c) {
        wall[c] = row[c] > 0.5f;
        if (row[cells + c] > 0.5f) goal = c;
        if (row[2 * cells + c] > 0.5f) pos = c;
      }
      const int here = maze::shortest_path(wall, size, pos, goal);
      for (int a = 0; a < 4; ++a) {
        const int x = pos % size + maze::kDx[a], y = pos / size + maze::kDy[a];
        if (x < 0 || y < 0 || x >= size || y >= size || wall[y * size + x]) continue;
        if (maze::shortest_path(wall, size, y * size + x, goal) == here - 1) {
          actions.data_ptr<int64_t>()[k] = a;
          break;
        }
      }
    }
    return actions;
  }
};

const LearnerRegistrar kGreedy(LearnerInfo{"test-greedy-stepper", "steps past its budget",
                                           {TaskKind::kInteractive}, {}, nullptr,
                                           [](const Params&) {
                                             return std::make_unique<GreedyStepper>();
                                           }});
const LearnerRegistrar kBfs(LearnerInfo{"test-bfs", "follows the breadth-first path",
                                        {TaskKind::kInteractive}, {}, nullptr,
                                        [](const Params&) { return std::make_unique<BfsAgent>(); }});

std::vector<TrialRecord> run_one(const std::string& yaml) {
  const Suite suite = suite_from_yaml(yaml);
  const auto plan = expand(suite);
  EXPECT_EQ(plan.size(), 1u);
  return run_population(suite, plan[0], "cpu");
}

double mean_normalized(const std::vector<TrialRecord>& trials, const std::string& split) {
  double sum = 0;
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kOk) << t.message;
    const auto* s = t.find_split(split);
    EXPECT_NE(s, nullptr) << split;
    if (s) sum += s->normalized;
  }
  return sum / static_cast<double>(trials.size());
}

TEST(InteractiveRunner, TheBudgetIsEnvironmentStepsAndIsNeverExceeded) {
  const auto trials = run_one(R"(
suite: t
budgets: [100]
seeds: 2
tasks: [{name: c, family: cartpole}]
agents: [{name: g, learner: test-greedy-stepper}]
)");
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kFailed);
    EXPECT_NE(t.message.find("budget exceeded"), std::string::npos) << t.message;
    EXPECT_EQ(t.samples_used, 96);  // 12 steps of 8 copies; the 13th was refused
  }
}

TEST(InteractiveRunner, RandomScoresAboutZeroOnEverySplit) {
  const auto trials = run_one(R"(
suite: t
budgets: [1000]
seeds: 4
tasks:
  - name: m
    family: maze
    params: {size: 7, eval_episodes: 300, levels: 20}
    ood: {big: {size: 11}, dense: {density: 0.45}}
agents: [{name: r, learner: random}]
)");
  for (const char* split : {"train", "test", "ood/big", "ood/dense"})
    EXPECT_NEAR(mean_normalized(trials, split), 0.0, 0.1) << split;
  EXPECT_EQ(trials[0].samples_used, 0);
}

// A sealed split of an interactive family: its levels come from the key.
TEST(InteractiveRunner, SealedSplitsAreDrawnFromTheKey) {
  const Suite suite = suite_from_yaml(R"(
suite: t
budgets: [100]
seeds: 3
tasks:
  - name: m
    family: maze
    params: {size: 7, eval_episodes: 20, levels: 5}
    ood: {dense: {density: 0.45}, hidden: {density: 0.45}}
    sealed: [hidden]
agents: [{name: r, learner: random}]
)");
  const auto population = expand(suite)[0];
  const SealKey a = seal_key_from_bytes("key a"), b = seal_key_from_bytes("key b");
  const auto none = run_population(suite, population, "cpu");
  const auto with_a = run_population(suite, population, "cpu", &a);
  const auto with_b = run_population(suite, population, "cpu", &b);
  double differ = 0;
  for (size_t i = 0; i < none.size(); ++i) {
    ASSERT_EQ(none[i].splits.size(), 3u);
    ASSERT_EQ(with_a[i].splits.size(), 4u);
    EXPECT_EQ(with_a[i].splits[3].split, "ood/hidden");
    for (size_t s = 0; s < 3; ++s) EXPECT_EQ(with_b[i].splits[s].raw, none[i].splits[s].raw);
    differ += with_a[i].splits[3].raw != with_b[i].splits[3].raw;
  }
  EXPECT_GT(differ, 0);
}

TEST(InteractiveRunner, TheBreadthFirstAgentScoresExactlyOne) {
  const auto trials = run_one(R"(
suite: t
budgets: [10]
seeds: 3
tasks:
  - name: m
    family: maze
    params: {size: 8, observation: full, eval_episodes: 50, levels: 5}
    ood: {dense: {density: 0.45}}
agents: [{name: bfs, learner: test-bfs}]
)");
  for (const auto& t : trials)
    for (const auto& s : t.splits) EXPECT_EQ(s.normalized, 1.0) << s.split;
  EXPECT_EQ(trials[0].splits.size(), 3u);
}

TEST(InteractiveRunner, IsDeterministic) {
  const char* yaml = R"(
suite: t
budgets: [2048]
seeds: 2
tasks: [{name: c, family: delayed-chain, params: {length: 4, eval_episodes: 20}}]
agents: [{name: p, learner: ppo, params: {hidden: [16], num_envs: 8, rollout_steps: 16}}]
)";
  const auto a = run_one(yaml), b = run_one(yaml);
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t s = 0; s < a[i].splits.size(); ++s)
      EXPECT_EQ(a[i].splits[s].raw, b[i].splits[s].raw);
}

// Each learner, on a tiny chain (4 states, 2 actions, 8 steps: random
// reaches the end 64% of the time), beats random clearly within a small
// budget.
class EveryRlLearner : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(EveryRlLearner, ImprovesOverRandomOnATinyChain) {
  const auto& [learner, params] = GetParam();
  const auto trials = run_one(R"(
suite: t
budgets: [12000]
seeds: 3
tasks:
  - name: chain
    family: delayed-chain
    params: {length: 4, actions: 2, max_steps: 8, eval_episodes: 200}
agents: [{name: a, learner: )" + learner + ", params: " + params + "}]\n");
  EXPECT_GT(mean_normalized(trials, "test"), 0.5) << learner;
  EXPECT_LE(trials[0].samples_used, 12000);
  EXPECT_GT(trials[0].updates, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Learners, EveryRlLearner,
    ::testing::Values(
        std::make_pair("reinforce", "{hidden: [32], lr: 1.0e-2, num_envs: 16, rollout_steps: 16}"),
        std::make_pair("actor-critic", "{hidden: [32], lr: 1.0e-2, num_envs: 16, rollout_steps: 8}"),
        std::make_pair("ppo", "{hidden: [32], lr: 3.0e-3, num_envs: 16, rollout_steps: 32}"),
        std::make_pair("dqn", "{hidden: [32], learning_starts: 200, train_freq: 8, target_update: 50, num_envs: 4}")),
    [](const auto& info) {
      std::string name = info.param.first;
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

}  // namespace
}  // namespace hg
