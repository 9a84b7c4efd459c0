#include "hourglass/run/shard.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "../test_util.h"
#include "hourglass/core/error.h"
#include "hourglass/learners/learner.h"

namespace hg {
namespace {

TEST(ParseShard, AcceptsKOverN) {
  const auto s = parse_shard("2/5");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 5);
  EXPECT_EQ(s.str(), "2/5");
  for (const char* bad : {"", "3", "5/5", "-1/3", "1/0", "a/b", "1/3/4", "1 /3"})
    EXPECT_THROW(parse_shard(bad), InputError) << bad;
}

TEST(ShardFromSlurm, ReadsTheArrayVariables) {
  std::map<std::string, std::string> env;
  auto getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  EXPECT_FALSE(shard_from_slurm(getenv).has_value());
  env = {{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_COUNT", "4"}};
  auto s = shard_from_slurm(getenv);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->str(), "3/4");
  // An array 10-13: task 12 is shard 2 of 4.
  env = {{"SLURM_ARRAY_TASK_ID", "12"}, {"SLURM_ARRAY_TASK_COUNT", "4"},
         {"SLURM_ARRAY_TASK_MIN", "10"}};
  EXPECT_EQ(shard_from_slurm(getenv)->str(), "2/4");
  env["SLURM_ARRAY_TASK_ID"] = "14";
  EXPECT_THROW(shard_from_slurm(getenv), InputError);
}

TEST(AssignShards, LongestFirstToTheLightestShard) {
  // Costs 5, 4, 3, 3, 1 on 2 shards, by hand: 5 -> s0 (5), 4 -> s1 (4),
  // 3 -> s1 (7), 3 -> s0 (8), 1 -> s1 (8).
  EXPECT_EQ(assign_shards({5, 4, 3, 3, 1}, 2), (std::vector<int>{0, 1, 1, 0, 1}));
  // More shards than populations: the extra shards are empty.
  EXPECT_EQ(assign_shards({1, 1}, 3), (std::vector<int>{0, 1}));
}

TEST(SelectShard, PartitionsThePlanWithoutOverlapAndBalancesCost) {
  const Suite suite = testing::suite_from_yaml(R"(
suite: sharded
budgets: [10, 100, 1000, 10000]
seeds: 2
tasks: [{name: a, family: sinusoid}, {name: b, family: linear-regression}]
agents:
  - {name: ridge, learner: ridge}
  - {name: mlp, learner: mlp, params: {hidden: [32], max_updates: 100}}
)");
  const Catalog catalog = registered_catalog();
  const auto plan = expand(suite);
  std::multiset<std::string> seen;
  std::vector<double> load;
  for (int k = 0; k < 3; ++k) {
    double cost = 0;
    for (const auto& p : select_shard(suite, plan, catalog, {k, 3})) {
      seen.insert(p.key);
      cost += population_cost(suite, p, catalog);
    }
    load.push_back(cost);
  }
  EXPECT_EQ(seen.size(), plan.size());
  for (const auto& p : plan) EXPECT_EQ(seen.count(p.key), 1u) << p.key;
  const double most = *std::max_element(load.begin(), load.end());
  const double least = *std::min_element(load.begin(), load.end());
  EXPECT_LT(most, 1.5 * least);  // balanced
  // mlp's compute counts: 100 updates x min(64, budget) x 1.
  EXPECT_DOUBLE_EQ(population_cost(suite, plan[4], catalog), 2.0 * (10 + 100 * 10));
  EXPECT_EQ(plan[4].key, "a/mlp/10");
}

}  // namespace
}  // namespace hg

namespace hg {
namespace {

TEST(LearnerCost, DeclaredEstimatesByHand) {
  Params p;
  p.set("max_updates", int64_t{10});
  p.set("batch_size", int64_t{64});
  p.set("hidden", std::vector<int64_t>{32, 96});
  // 10 updates x min(64, 50) examples x (32 + 96) / 64 widths.
  EXPECT_DOUBLE_EQ(minibatch_cost(p, 50), 10.0 * 50.0 * 2.0);
  // Narrow networks count one width; batches larger than the budget, the budget.
  Params narrow;
  narrow.set("max_updates", int64_t{3});
  narrow.set("batch_size", int64_t{8});
  narrow.set("hidden", std::vector<int64_t>{16});
  EXPECT_DOUBLE_EQ(minibatch_cost(narrow, 100), 3.0 * 8.0 * 1.0);
  // A population: members x (budget + cost); without a declaration, cost = budget.
  EXPECT_DOUBLE_EQ(learner_cost(nullptr, narrow, 7, 3), 3.0 * (7.0 + 7.0));
  EXPECT_DOUBLE_EQ(learner_cost(minibatch_cost, narrow, 100, 2), 2.0 * (100.0 + 24.0));
  // The registered learners that declare it.
  EXPECT_TRUE(LearnerRegistry::instance().find("mlp")->cost);
  EXPECT_TRUE(LearnerRegistry::instance().find("dqn")->cost);
  EXPECT_FALSE(LearnerRegistry::instance().find("ridge")->cost);
}

TEST(EstimatePopulations, CountsFlopsByHand) {
  // linear-regression dim 4: 4 inputs, 1 output. mlp [8]: 4x8 + 8x1 = 40
  // weights. 2 seeds, budget 64, eval 50 on train and test (100 scored).
  //   data    (64 + 100) x 4 x 1           =     656
  //           + 2 splits x 10^4 x 4 x 1    =  80,000
  //   train   6 x 100 updates x 32 x 40    = 768,000
  //   predict 2 x 100 x 40                 =   8,000
  // 856,656 per seed, 1,713,312 for both, at 2e9 per second.
  const Suite suite = testing::suite_from_yaml(R"(suite: s
seeds: 2
budgets: [64]
eval_samples: 50
tasks:
  - name: line
    family: linear-regression
    params: {dim: 4}
agents:
  - name: mlp
    learner: mlp
    params: {hidden: [8], max_updates: 100, batch_size: 32}
  - name: ridge
    learner: ridge
    params: {features: random-fourier, width: 16}
)");
  const auto plan = expand(suite, {});
  const auto e = estimate_populations(suite, plan);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].input_dim, 4);
  EXPECT_EQ(e[0].output_dim, 1);
  EXPECT_DOUBLE_EQ(e[0].seconds, 1713312.0 / kEstimateFlopsPerSecond);
  // ridge, width 16: weights 4x16 + 16x1 = 80; train 64 x 16^2 + 16^3 =
  // 20,480; predict 2 x 100 x 80 = 16,000; data 80,656: 117,136 per seed.
  EXPECT_DOUBLE_EQ(e[1].seconds, 2 * 117136.0 / kEstimateFlopsPerSecond);
  EXPECT_NO_THROW(check_population_seconds(suite, plan, 1.0));
  try {
    check_population_seconds(suite, plan, 5e-4);  // between the two
    ADD_FAILURE() << "no error";
  } catch (const InputError& error) {
    const std::string what = error.what();
    EXPECT_NE(what.find(":6:5: error: 1 population(s) estimated to take longer than "
                        "--max-population-seconds (0 s) on one core: population line/mlp/64 "
                        "(2 seed(s), 4 input(s), 1 output(s)): about 0 s"),
              std::string::npos)
        << what;
  }
}

TEST(EstimatePopulations, HumanSeconds) {
  EXPECT_EQ(human_seconds(42), "42 s");
  EXPECT_EQ(human_seconds(150), "2.5 min");
  EXPECT_EQ(human_seconds(3 * 3600), "3.0 h");
  EXPECT_EQ(human_seconds(5 * 86400), "5 days");
}

}  // namespace
}  // namespace hg
