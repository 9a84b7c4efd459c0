// An interactive suite end to end through the real `hourglass` binary: maze
// with random, ppo and reinforce on a budget that runs in about a second.
#include <cmath>

#include "cli_fixture.h"

namespace {

using hg::testing::Cli;
using hg::testing::contains;

// 10 training levels, unseen levels (test) and larger mazes (ood/larger).
// 1000 evaluation episodes keep the random policy's normalized score within a
// few hundredths of 0 (its reference is estimated on the same levels).
constexpr const char* kSuite = R"(suite: interactive-cli
version: 1
description: maze end to end through the CLI, small and fast
seed: 3
seeds: 3
budgets: [4096]
tasks:
  - name: maze
    family: maze
    params: {size: 5, levels: 10, eval_episodes: 1000}
    ood:
      larger: {size: 7}
agents:
  - name: random
    learner: random
  - name: ppo
    learner: ppo
    params: {hidden: [16], num_envs: 8, rollout_steps: 32, lr: 1.0e-3}
  - name: reinforce
    learner: reinforce
    params: {hidden: [16], num_envs: 8, rollout_steps: 32, lr: 1.0e-3}
)";

TEST_F(Cli, InteractiveSuiteRunsEverySplitAndRandomScoresAboutZero) {
  const std::string suite = write("interactive.yaml", kSuite);
  const auto a = hourglass("run '" + suite + "' --quiet --threads 1 --report full --out '" + dir_ + "/a'");
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_TRUE(contains(a.out, "ood/larger")) << a.out;

  const auto results = nlohmann::json::parse(read(dir_ + "/a/results.json"));
  ASSERT_EQ(results["trials"].size(), 3u * 3u);  // agents x seeds
  double random_sum[3] = {0, 0, 0};
  const char* splits[3] = {"train", "test", "ood/larger"};
  for (const auto& t : results["trials"]) {
    ASSERT_EQ(t["status"], "ok") << t.dump();
    const bool random = t["agent"] == "random";
    // The budget is environment steps; random draws none.
    EXPECT_EQ(t["samples_used"].get<int64_t>(), random ? 0 : 4096) << t.dump();
    for (int s = 0; s < 3; ++s) {
      const auto& split = t["splits"][splits[s]];
      ASSERT_TRUE(split["raw"].is_number()) << splits[s] << " " << t.dump();
      ASSERT_TRUE(split["normalized"].is_number()) << splits[s] << " " << t.dump();
      const double normalized = split["normalized"].get<double>();
      EXPECT_TRUE(std::isfinite(normalized)) << t.dump();
      if (random) {
        EXPECT_LT(std::abs(normalized), 0.15) << splits[s] << " " << t.dump();
        random_sum[s] += normalized;
      }
    }
  }
  for (int s = 0; s < 3; ++s) EXPECT_LT(std::abs(random_sum[s] / 3), 0.07) << splits[s];

  // The same suite again, two jobs: identical scores.
  const auto b =
      hourglass("run '" + suite + "' --quiet --threads 1 --jobs 2 --out '" + dir_ + "/b'");
  ASSERT_EQ(b.code, 0) << b.err;
  const auto again = nlohmann::json::parse(read(dir_ + "/b/results.json"));
  ASSERT_EQ(again["trials"].size(), results["trials"].size());
  for (size_t i = 0; i < results["trials"].size(); ++i)
    EXPECT_EQ(results["trials"][i]["splits"], again["trials"][i]["splits"]) << i;
}

}  // namespace
