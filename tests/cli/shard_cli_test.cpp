// Sharded runs and merging, with the real binary (issue: scale out on Slurm).
#include "cli_fixture.h"

namespace {

using hg::testing::Cli;
using hg::testing::contains;
using nlohmann::json;
namespace fs = std::filesystem;

const char* kSuite = "suites/smoke.yaml";

class Shards : public Cli {
 protected:
  json results(const std::string& dir) const {
    return json::parse(read(dir_ + "/" + dir + "/results.json"));
  }
  std::string path(const std::string& dir) const { return "'" + dir_ + "/" + dir + "/results.json'"; }
  void run_shard(const std::string& shard) const {
    const auto o = hourglass(std::string("run ") + kSuite + " --quiet --threads 1 --shard " + shard +
                             " --out '" + dir_ + "/shard-" + shard.substr(0, 1) + "'");
    ASSERT_EQ(o.code, 0) << o.err;
  }
};

TEST_F(Shards, MergedShardsEqualTheUnshardedRun) {
  const auto whole = hourglass(std::string("run ") + kSuite + " --quiet --threads 1 --out '" +
                               dir_ + "/whole'");
  ASSERT_EQ(whole.code, 0) << whole.err;
  for (const char* s : {"0/3", "1/3", "2/3"}) run_shard(s);
  size_t total = 0;
  for (const char* s : {"shard-0", "shard-1", "shard-2"}) {
    const auto r = results(s);
    EXPECT_EQ(r["environment"]["shard"]["count"], 3);
    EXPECT_GT(r["trials"].size(), 0u);
    total += r["trials"].size();
  }
  const auto merge = hourglass("merge " + path("shard-2") + " " + path("shard-0") + " " +
                               path("shard-1") + " -o '" + dir_ + "/merged.json'");
  ASSERT_EQ(merge.code, 0) << merge.err;
  const auto merged = json::parse(read(dir_ + "/merged.json"));
  const auto reference = results("whole");
  ASSERT_EQ(merged["trials"].size(), reference["trials"].size());
  EXPECT_EQ(total, reference["trials"].size());
  for (size_t i = 0; i < merged["trials"].size(); ++i) {
    auto a = merged["trials"][i], b = reference["trials"][i];
    a.erase("train_seconds");
    b.erase("train_seconds");
    EXPECT_EQ(a, b) << i;
  }
  EXPECT_EQ(merged["summary"], reference["summary"]);
  EXPECT_EQ(merged["suite"], reference["suite"]);
}

TEST_F(Shards, MergeRefusesMissingOverlappingAndMixedShards) {
  run_shard("0/2");
  run_shard("1/2");
  const auto missing = hourglass("merge " + path("shard-0") + " -o '" + dir_ + "/m.json'");
  EXPECT_EQ(missing.code, 2);
  EXPECT_TRUE(contains(missing.err, "missing from every file")) << missing.err;
  const auto twice = hourglass("merge " + path("shard-0") + " " + path("shard-0") + " " +
                               path("shard-1") + " -o '" + dir_ + "/m.json'");
  EXPECT_EQ(twice.code, 2);
  EXPECT_TRUE(contains(twice.err, "appears twice")) << twice.err;
  // Shard 1 of the same suite run with other budgets is another suite.
  const auto other = hourglass(std::string("run ") + kSuite +
                               " --quiet --budgets 20 --shard 1/2 --out '" + dir_ + "/other'");
  ASSERT_EQ(other.code, 0) << other.err;
  const auto mixed = hourglass("merge " + path("shard-0") + " " + path("other") + " -o '" +
                               dir_ + "/m.json'");
  EXPECT_EQ(mixed.code, 2);
  EXPECT_TRUE(contains(mixed.err, "from another suite")) << mixed.err;
  EXPECT_FALSE(fs::exists(dir_ + "/m.json"));
}

TEST_F(Shards, SlurmArrayVariablesSelectTheShareAndAreLogged) {
  run_shard("1/3");
  const auto o = hourglass(std::string("run ") + kSuite + " --threads 1 --out '" + dir_ +
                           "/slurm'", "SLURM_ARRAY_TASK_ID=11 SLURM_ARRAY_TASK_MIN=10 "
                           "SLURM_ARRAY_TASK_COUNT=3");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(contains(o.err, "shard 1/3 from SLURM_ARRAY_TASK_ID")) << o.err;
  const auto a = results("slurm"), b = results("shard-1");
  EXPECT_EQ(a["environment"]["shard"], b["environment"]["shard"]);
  ASSERT_EQ(a["trials"].size(), b["trials"].size());
  for (size_t i = 0; i < a["trials"].size(); ++i)
    EXPECT_EQ(a["trials"][i]["splits"], b["trials"][i]["splits"]);
}

TEST_F(Shards, SlurmWritesAnArrayAndADependentMergeJob) {
  const auto o = hourglass(std::string("slurm ") + kSuite + " --shards 4 --cpus 2 --time 00:10:00 "
                           "--partition short --out '" + dir_ + "/job'");
  ASSERT_EQ(o.code, 0) << o.err;
  const auto array = read(dir_ + "/job/array.sbatch");
  EXPECT_TRUE(contains(array, "#SBATCH --array=0-3")) << array;
  EXPECT_TRUE(contains(array, "#SBATCH --partition=short"));
  EXPECT_TRUE(contains(array, "--shard \"${SLURM_ARRAY_TASK_ID}/4\""));
  EXPECT_TRUE(contains(array, "--resume"));
  const auto merge = read(dir_ + "/job/merge.sbatch");
  EXPECT_TRUE(contains(merge, " merge ")) << merge;
  EXPECT_TRUE(contains(o.out, "--dependency=afterok:"));
  EXPECT_EQ(hourglass(std::string("slurm ") + kSuite + " --shards 0").code, 2);
}

}  // namespace
