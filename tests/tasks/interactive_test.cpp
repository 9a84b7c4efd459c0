// Interactive families: every registered one (determinism, member
// independence, episode limits), level ownership, and each family against
// hand-built or hand-computed cases.
#include <torch/torch.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "hourglass/run/episodes.h"
#include "hourglass/tasks/family.h"
#include "hourglass/tasks/interactive.h"
#include "hourglass/tasks/maze/maze.h"

namespace hg {
namespace {

std::unique_ptr<Environment> make_env(const std::string& family,
                                      const std::vector<std::pair<std::string, ParamValue>>& set,
                                      const std::vector<uint64_t>& seeds, int64_t copies) {
  const FamilyInfo* info = FamilyRegistry::instance().find(family);
  EXPECT_NE(info, nullptr) << family;
  Params p(info->params);
  for (const auto& [k, v] : set) p.set(k, v);
  return info->make_environment(p, seeds, copies);
}

// Steps `env` with pseudo-random actions (the same for every run with the
// same `seed`) and returns every observation, reward and done flag.
struct Trace {
  std::vector<float> obs, reward;
  std::vector<bool> done;
};
Trace play_random(Environment& env, LevelSchedule& levels, int64_t steps, uint64_t seed,
                  int64_t only_member = -1) {
  const int64_t P = env.population(), E = env.copies(), D = env.spec().obs_dim;
  std::vector<float> obs(static_cast<size_t>(P * E * D)), reward(static_cast<size_t>(P * E));
  std::unique_ptr<bool[]> done(new bool[P * E]);
  std::vector<int64_t> actions(static_cast<size_t>(P * E));
  Rng rng(seed);
  Trace trace;
  auto record = [&] {
    const int64_t i0 = only_member < 0 ? 0 : only_member, i1 = only_member < 0 ? P : only_member + 1;
    trace.obs.insert(trace.obs.end(), obs.begin() + i0 * E * D, obs.begin() + i1 * E * D);
    trace.reward.insert(trace.reward.end(), reward.begin() + i0 * E, reward.begin() + i1 * E);
    for (int64_t k = i0 * E; k < i1 * E; ++k) trace.done.push_back(done[k]);
  };
  env.reset(levels, obs.data());
  std::fill(done.get(), done.get() + P * E, false);
  record();
  for (int64_t t = 0; t < steps; ++t) {
    for (auto& a : actions) a = static_cast<int64_t>(rng.below(env.spec().num_actions));
    env.step(actions.data(), levels, obs.data(), reward.data(), done.get());
    record();
  }
  return trace;
}

std::vector<std::string> interactive_families() {
  std::vector<std::string> out;
  for (const auto& [name, info] : FamilyRegistry::instance().entries())
    if (info.kind == TaskKind::kInteractive) out.push_back(name);
  return out;
}

class EveryInteractiveFamily : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryInteractiveFamily, IsDeterministicForASeed) {
  const std::vector<uint64_t> seeds{11, 12};
  auto a = make_env(GetParam(), {}, seeds, 5), b = make_env(GetParam(), {}, seeds, 5);
  auto la = LevelSchedule::training(seeds, 0, "t"), lb = LevelSchedule::training(seeds, 0, "t");
  const Trace ta = play_random(*a, la, 300, 1), tb = play_random(*b, lb, 300, 1);
  EXPECT_EQ(ta.obs, tb.obs);
  EXPECT_EQ(ta.reward, tb.reward);
  EXPECT_EQ(ta.done, tb.done);
  for (float v : ta.obs) ASSERT_TRUE(std::isfinite(v));
}

TEST_P(EveryInteractiveFamily, MembersAreIndependentOfEachOther) {
  auto alone = make_env(GetParam(), {}, {11}, 3), together = make_env(GetParam(), {}, {11, 99}, 3);
  auto l1 = LevelSchedule::training({11}, 0, "t"), l2 = LevelSchedule::training({11, 99}, 0, "t");
  // Same actions for member 0: play member 0's actions from a stream of its own.
  const auto D = alone->spec().obs_dim;
  std::vector<float> o1(3 * D), o2(6 * D), r1(3), r2(6);
  bool d1[3], d2[6];
  alone->reset(l1, o1.data());
  together->reset(l2, o2.data());
  Rng rng(5);
  for (int t = 0; t < 200; ++t) {
    int64_t a1[3], a2[6] = {0, 0, 0, 0, 0, 0};
    for (int e = 0; e < 3; ++e) a1[e] = a2[e] = static_cast<int64_t>(rng.below(alone->spec().num_actions));
    alone->step(a1, l1, o1.data(), r1.data(), d1);
    together->step(a2, l2, o2.data(), r2.data(), d2);
    ASSERT_TRUE(std::equal(o1.begin(), o1.end(), o2.begin())) << "step " << t;
    ASSERT_TRUE(std::equal(r1.begin(), r1.end(), r2.begin()));
  }
}

TEST_P(EveryInteractiveFamily, EpisodesEndWithinTheLimitAndReferencesAreOrdered) {
  auto env = make_env(GetParam(), {}, {3}, 4);
  auto levels = LevelSchedule::training({3}, 0, "t");
  const auto spec = env->spec();
  const Trace trace = play_random(*env, levels, 3 * spec.max_steps, 9);
  std::vector<int64_t> length(4, 0);
  for (size_t s = 1; s < trace.done.size() / 4; ++s)
    for (int e = 0; e < 4; ++e) {
      ++length[e];
      ASSERT_LE(length[e], spec.max_steps);
      if (trace.done[s * 4 + e]) length[e] = 0;
    }
  for (uint64_t id = 0; id < 5; ++id) {
    const double optimal = env->optimal_return(0, levels.seed_of(0, id));
    EXPECT_TRUE(std::isfinite(optimal));
    if (auto r = env->random_return(0, levels.seed_of(0, id))) {
      EXPECT_LT(*r, optimal);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Registered, EveryInteractiveFamily,
                         ::testing::ValuesIn(interactive_families()));

TEST(Environment, RejectsActionsOutOfRange) {
  auto env = make_env("cartpole", {}, {1}, 1);
  auto levels = LevelSchedule::training({1}, 0, "t");
  float obs[4], reward[1];
  bool done[1];
  env->reset(levels, obs);
  const int64_t bad[1] = {2};
  EXPECT_THROW(env->step(bad, levels, obs, reward, done), std::invalid_argument);
}

TEST(LevelSchedule, TrainingAndHeldOutLevelsAreDisjoint) {
  const std::vector<uint64_t> seeds{1, 2, 3};
  for (int64_t levels : {int64_t{0}, int64_t{1}, int64_t{10}, int64_t{1000}}) {
    auto train = LevelSchedule::training(seeds, levels, "a");
    auto held = LevelSchedule::held_out(seeds, "b");
    std::set<uint64_t> train_ids;
    for (int k = 0; k < 2000; ++k) {
      const uint64_t id = train.next_id(k % 3, 0);
      EXPECT_TRUE(is_training_level(id, levels));
      train_ids.insert(id);
      EXPECT_FALSE(is_training_level(held.next_id(k % 3, 0), levels));
    }
    if (levels > 0) {
      EXPECT_LE(train_ids.size(), static_cast<size_t>(levels));
    }
    if (levels == 10) {
      EXPECT_EQ(train_ids.size(), 10u);
    }
    for (uint64_t s : seeds) {
      for (uint64_t id : evaluation_level_ids(s, false, levels, "test", 500))
        EXPECT_FALSE(is_training_level(id, levels));
      for (uint64_t id : evaluation_level_ids(s, true, levels, "train", 500))
        EXPECT_TRUE(is_training_level(id, levels));
    }
  }
  // Level seeds are a bijection of ids: distinct ids, distinct levels.
  auto s = LevelSchedule::training(seeds, 0, "a");
  std::set<uint64_t> level_seeds;
  for (uint64_t id = 0; id < 10000; ++id) level_seeds.insert(s.seed_of(0, id));
  EXPECT_EQ(level_seeds.size(), 10000u);
}

TEST(Maze, LevelsAreSolvableAndDistinctPerSeed) {
  std::set<std::vector<uint8_t>> layouts;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    const auto level = maze::generate(mix_seed(seed, "x"), 9, 0.45);
    ASSERT_GT(level.shortest, 0);
    EXPECT_EQ(level.shortest, maze::shortest_path(level.wall, 9, level.start, level.goal));
    EXPECT_EQ(level.wall[level.start], 0);
    EXPECT_EQ(level.wall[level.goal], 0);
    auto key = level.wall;
    key.push_back(static_cast<uint8_t>(level.start));
    key.push_back(static_cast<uint8_t>(level.goal));
    layouts.insert(key);
  }
  EXPECT_EQ(layouts.size(), 300u);
  // The same seed gives the same level.
  const auto a = maze::generate(42, 11, 0.3), b = maze::generate(42, 11, 0.3);
  EXPECT_EQ(a.wall, b.wall);
  EXPECT_EQ(a.start, b.start);
}

TEST(Maze, BreadthFirstOptimumMatchesAHandBuiltMaze) {
  // S . . . .
  // # # # # .
  // . . . . .
  // . # # # #
  // . . . . G      a serpentine: 4 + 2 + 4 + 2 + 4 = 16 moves.
  const std::vector<uint8_t> wall = {0, 0, 0, 0, 0,  //
                                     1, 1, 1, 1, 0,  //
                                     0, 0, 0, 0, 0,  //
                                     0, 1, 1, 1, 1,  //
                                     0, 0, 0, 0, 0};
  EXPECT_EQ(maze::shortest_path(wall, 5, 0, 24), 16);
  EXPECT_EQ(maze::shortest_path(wall, 5, 24, 0), 16);
  EXPECT_EQ(maze::shortest_path(wall, 5, 10, 14), 4);
  auto blocked = wall;
  blocked[15] = 1;  // closes the only way down on the left
  EXPECT_EQ(maze::shortest_path(blocked, 5, 0, 24), -1);
}

TEST(Maze, BitRowAndQueueSearchesAgree) {
  // Grids up to 64 wide are searched one bit row per word, wider ones with a
  // queue: a level embedded in the corner of a 70 x 70 grid of walls must
  // give the same distances.
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const int size = 5 + static_cast<int>(seed % 20);
    const auto level = maze::generate(mix_seed(seed, "bfs"), size, 0.2 + 0.05 * (seed % 7));
    std::vector<uint8_t> big(70 * 70, 1);
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) big[y * 70 + x] = level.wall[y * size + x];
    const auto in_big = [&](int c) { return (c / size) * 70 + c % size; };
    for (int to = 0; to < size * size; to += 3) {
      EXPECT_EQ(maze::shortest_path(level.wall, size, level.start, to),
                maze::shortest_path(big, 70, in_big(level.start), in_big(to)))
          << "seed " << seed << " to " << to;
    }
  }
}

TEST(Maze, ARepeatedLevelReplaysExactlyAsWhenFirstPlayed) {
  // Levels are cached per environment: an episode on a level seen before
  // (a cache hit) starts exactly as on a fresh environment (a miss).
  const std::vector<std::pair<std::string, ParamValue>> set = {{"size", int64_t{11}}};
  auto env = make_env("maze", set, {9}, 4);
  auto levels = LevelSchedule::training({9}, 2, "replay");
  const int64_t D = env->spec().obs_dim;
  std::vector<float> obs(4 * D), reward(4);
  std::unique_ptr<bool[]> done(new bool[4]);
  std::vector<int64_t> actions(4);
  env->reset(levels, obs.data());
  Rng rng(3);
  int64_t checked = 0;
  for (int t = 0; t < 2000; ++t) {
    for (auto& a : actions) a = static_cast<int64_t>(rng.below(4));
    env->step(actions.data(), levels, obs.data(), reward.data(), done.get());
    for (int64_t k = 0; k < 4; ++k) {
      if (!done[k]) continue;
      // Which of the two levels it is does not matter: one of them matches.
      bool matched = false;
      for (uint64_t id = 0; id < 2 && !matched; ++id) {
        auto fresh = make_env("maze", set, {9}, 1);
        auto one = LevelSchedule::fixed({9}, {id}, 1);
        std::vector<float> first(D);
        fresh->reset(one, first.data());
        matched = std::equal(first.begin(), first.end(), obs.begin() + k * D);
      }
      EXPECT_TRUE(matched) << "step " << t << " copy " << k;
      ++checked;
    }
  }
  EXPECT_GT(checked, 20);
}

TEST(Maze, ReachingTheGoalPaysOneMinusTheStepCostAndEndsTheEpisode) {
  // Full observation, follow the breadth-first path: the return is the
  // optimal reference exactly.
  auto env = make_env("maze", {{"observation", std::string("full")}, {"size", int64_t{7}}}, {5}, 1);
  auto levels = LevelSchedule::fixed({5}, {123}, 1);
  const uint64_t seed = levels.seed_of(0, 123);
  const auto level = maze::generate(seed, 7, 0.3);
  std::vector<float> obs(3 * 49);
  float reward = 0;
  bool done = false;
  env->reset(levels, obs.data());
  int pos = level.start;
  double ret = 0;
  for (int t = 0; t < level.shortest; ++t) {
    ASSERT_FALSE(done);
    int64_t best = -1;
    for (int a = 0; a < 4 && best < 0; ++a) {
      const int x = pos % 7 + maze::kDx[a], y = pos / 7 + maze::kDy[a];
      if (x < 0 || y < 0 || x >= 7 || y >= 7 || level.wall[y * 7 + x]) continue;
      if (maze::shortest_path(level.wall, 7, y * 7 + x, level.goal) == level.shortest - t - 1) {
        best = a;
        pos = y * 7 + x;
      }
    }
    ASSERT_GE(best, 0);
    env->step(&best, levels, obs.data(), &reward, &done);
    ret += reward;
  }
  EXPECT_TRUE(done);
  EXPECT_FLOAT_EQ(reward, 0.99f);
  EXPECT_EQ(ret, env->optimal_return(0, seed));
  EXPECT_NEAR(ret, 1.0 - 0.01 * level.shortest, 1e-6);
}

TEST(CartPole, StepMatchesHandComputedGymDynamics) {
  // gym CartPole-v1: g 9.8, m_c 1.0, m_p 0.1, l 0.5, F 10, tau 0.02, Euler.
  auto env = make_env("cartpole", {}, {7}, 1);
  auto levels = LevelSchedule::training({7}, 0, "t");
  float obs[4], reward = 0;
  bool done = false;
  env->reset(levels, obs);
  for (int64_t action : {int64_t{1}, int64_t{0}, int64_t{1}}) {
    const double x = obs[0], x_dot = obs[1], th = obs[2], th_dot = obs[3];
    const double force = action == 1 ? 10.0 : -10.0;
    const double total = 1.1, pml = 0.1 * 0.5;
    const double temp = (force + pml * th_dot * th_dot * std::sin(th)) / total;
    const double th_acc = (9.8 * std::sin(th) - std::cos(th) * temp) /
                          (0.5 * (4.0 / 3.0 - 0.1 * std::cos(th) * std::cos(th) / total));
    const double x_acc = temp - pml * th_acc * std::cos(th) / total;
    env->step(&action, levels, obs, &reward, &done);
    EXPECT_FALSE(done);
    EXPECT_EQ(reward, 1.0f);
    // The environment steps in double from the unrounded state: float32
    // observations agree to about 1e-7 relative.
    EXPECT_NEAR(obs[0], x + 0.02 * x_dot, 1e-6);
    EXPECT_NEAR(obs[1], x_dot + 0.02 * x_acc, 1e-6);
    EXPECT_NEAR(obs[2], th + 0.02 * th_dot, 1e-6);
    EXPECT_NEAR(obs[3], th_dot + 0.02 * th_acc, 1e-6);
  }
  // The random policy's mean episode length, a well-known figure (about 22
  // steps), checks the termination thresholds.
  auto many = make_env("cartpole", {}, {1}, 256);
  auto l2 = LevelSchedule::training({1}, 0, "t");
  const Trace trace = play_random(*many, l2, 200, 3);
  int64_t episodes = 0;
  for (bool d : trace.done) episodes += d;
  const double mean_length = 200.0 * 256 / static_cast<double>(episodes);
  EXPECT_GT(mean_length, 18.0);
  EXPECT_LT(mean_length, 26.0);
}

TEST(DelayedChain, ReferencesAreExactBinomialTails) {
  // length 2, 2 actions, 4 steps: the random policy needs 2 of 4 coin flips:
  // P(Bin(4, 1/2) >= 2) = 11/16; the optimal one always gets there.
  auto env = make_env("delayed-chain",
                      {{"length", int64_t{2}}, {"actions", int64_t{2}}, {"max_steps", int64_t{4}}},
                      {1}, 1);
  EXPECT_DOUBLE_EQ(*env->random_return(0, 0), 11.0 / 16.0);
  EXPECT_DOUBLE_EQ(env->optimal_return(0, 0), 1.0);
  // With slip 0.5 the optimal policy advances with q = 0.75:
  // P(Bin(4, 3/4) >= 2) = 1 - 1/256 - 12/256 = 243/256.
  auto slippery = make_env("delayed-chain",
                           {{"length", int64_t{2}}, {"actions", int64_t{2}},
                            {"max_steps", int64_t{4}}, {"slip", 0.5}},
                           {1}, 1);
  EXPECT_NEAR(slippery->optimal_return(0, 0), 243.0 / 256.0, 1e-12);
}

TEST(DelayedChain, OnlyTheCorrectActionAdvancesAndTheEndPaysOne) {
  auto env = make_env("delayed-chain", {{"length", int64_t{3}}, {"actions", int64_t{4}}}, {8}, 4);
  auto levels = LevelSchedule::training({8}, 0, "t");
  std::vector<float> obs(4 * 64), reward(4);
  bool done[4];
  env->reset(levels, obs.data());
  // Copy e always plays action e: exactly the copies whose action is correct
  // at the current state advance.
  int64_t actions[4] = {0, 1, 2, 3};
  for (int t = 0; t < 6; ++t) {
    env->step(actions, levels, obs.data(), reward.data(), done);
    for (int e = 0; e < 4; ++e) {
      int pos = -1;
      for (int s = 0; s < 64; ++s)
        if (obs[e * 64 + s] == 1.0f) pos = s;
      ASSERT_GE(pos, 0);
      if (done[e]) {
        EXPECT_TRUE(reward[e] == 1.0f || t == 5);
      } else {
        EXPECT_EQ(reward[e], 0.0f);
      }
    }
  }
}

}  // namespace
}  // namespace hg
