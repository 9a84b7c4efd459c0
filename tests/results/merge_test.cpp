#include "hourglass/results/merge.h"

#include <gtest/gtest.h>

#include "hourglass/core/error.h"

namespace hg {
namespace {

using nlohmann::json;

TrialRecord trial(const std::string& agent, int64_t budget, int64_t index) {
  TrialRecord t;
  t.task = "t";
  t.agent = agent;
  t.budget = budget;
  t.seed_index = index;
  t.splits = {{"test", -1.0, 0.5 + index}};
  return t;
}

// A shard of the plan {t/a/10, t/a/20, t/b/10}.
ShardFile shard(const std::string& path, int index, std::vector<std::string> populations,
                std::vector<TrialRecord> trials, const std::string& sha = "s1") {
  ShardFile f;
  f.path = path;
  f.results.suite = {{"name", "x"}, {"sha256", sha}};
  f.results.environment = {{"version", "0.1.0"},
                           {"plan", {"t/a/10", "t/a/20", "t/b/10"}},
                           {"complete", true},
                           {"started_at", "2026-01-0" + std::to_string(index + 1)},
                           {"finished_at", "2026-02-0" + std::to_string(index + 1)},
                           {"shard", {{"index", index}, {"count", 2}, {"populations", populations}}}};
  f.results.trials = std::move(trials);
  return f;
}

std::string error_of(const std::vector<ShardFile>& files) {
  try {
    merge_shards(files);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(MergeShards, PutsTrialsInPlanOrder) {
  const auto merged = merge_shards(
      {shard("s1.json", 1, {"t/a/20"}, {trial("a", 20, 1), trial("a", 20, 0)}),
       shard("s0.json", 0, {"t/b/10", "t/a/10"}, {trial("b", 10, 0), trial("a", 10, 0)})});
  ASSERT_EQ(merged.trials.size(), 4u);
  EXPECT_EQ(population_key("t", merged.trials[0].agent, merged.trials[0].budget), "t/a/10");
  EXPECT_EQ(merged.trials[1].budget, 20);
  EXPECT_EQ(merged.trials[1].seed_index, 0);
  EXPECT_EQ(merged.trials[2].seed_index, 1);
  EXPECT_EQ(merged.trials[3].agent, "b");
  EXPECT_TRUE(merged.environment["shard"].is_null());
  EXPECT_EQ(merged.environment["merged_from"].size(), 2u);
  EXPECT_EQ(merged.environment["started_at"], "2026-01-01");
  EXPECT_EQ(merged.environment["finished_at"], "2026-02-02");
}

// Shards whose sealed splits were drawn with different seal keys (or skipped
// in one) do not merge; the same key merges and keeps its fingerprint.
TEST(MergeShards, RefusesShardsOfDifferentSealKeys) {
  const std::string fa(64, 'a'), fb(64, 'b');
  auto sealed = [](ShardFile f, const json& fingerprint) {
    f.results.environment["seal"] = {{"fingerprint", fingerprint}, {"splits", {"t ood/x"}}};
    return f;
  };
  const ShardFile s0 = shard("s0.json", 0, {"t/b/10", "t/a/10"},
                             {trial("b", 10, 0), trial("a", 10, 0)});
  const ShardFile s1 = shard("s1.json", 1, {"t/a/20"}, {trial("a", 20, 0)});
  EXPECT_EQ(merge_shards({sealed(s0, fa), sealed(s1, fa)}).environment["seal"]["fingerprint"],
            fa);
  const std::string other = error_of({sealed(s0, fa), sealed(s1, fb)});
  EXPECT_NE(other.find("s1.json: its sealed splits have seal key fingerprint " + fb +
                       ", s0.json has " + fa),
            std::string::npos)
      << other;
  const std::string none = error_of({sealed(s0, fa), sealed(s1, nullptr)});
  EXPECT_NE(none.find("s1.json: its sealed splits have seal key fingerprint none"),
            std::string::npos)
      << none;
}

TEST(MergeShards, ListsMissingOverlappingAndMixedShards) {
  const auto missing = error_of({shard("s0.json", 0, {"t/a/10"}, {trial("a", 10, 0)})});
  EXPECT_NE(missing.find("2 of 3 population(s) missing"), std::string::npos) << missing;
  EXPECT_NE(missing.find("t/a/20"), std::string::npos);
  EXPECT_NE(missing.find("t/b/10"), std::string::npos);

  const auto overlap = error_of({shard("s0.json", 0, {"t/a/10", "t/a/20"}, {}),
                                 shard("s1.json", 1, {"t/a/20", "t/b/10"}, {})});
  EXPECT_NE(overlap.find("population t/a/20 appears twice: in s0.json and in s1.json"),
            std::string::npos)
      << overlap;

  const auto mixed = error_of({shard("s0.json", 0, {"t/a/10"}, {}),
                               shard("s1.json", 1, {"t/a/20", "t/b/10"}, {}, "s2")});
  EXPECT_NE(mixed.find("s1.json: from another suite"), std::string::npos) << mixed;

  EXPECT_THROW(merge_shards({}), InputError);
}

}  // namespace
}  // namespace hg
