// The transfer and continual protocols with the real binary: validate refuses
// a learner that cannot continue, run prints the protocol's tables, and
// hourglass report re-renders them from results.json.
#include <map>

#include "cli_fixture.h"

namespace {

using hg::testing::Cli;
using hg::testing::contains;
using nlohmann::json;

TEST_F(Cli, ValidateRefusesATransferSuiteWhoseLearnerCannotContinue) {
  const std::string path = write("knn.yaml", R"(suite: knn-transfer
protocol: transfer
pretrain_budget: 100
budgets: [0, 10, 100]
tasks:
  - name: blobs
    family: gaussian-blobs
    targets: {rotated: {rotation: 90}}
agents:
  - name: knn
    learner: knn
)");
  const auto o = hourglass("validate '" + path + "'");
  EXPECT_EQ(o.code, 2);
  EXPECT_TRUE(contains(o.err, path + ":11:14: error: agent 'knn': learner 'knn' cannot continue "
                                     "training from its state, which protocol 'transfer' needs"))
      << o.err;
  const auto run = hourglass("run '" + path + "' --quiet --out '" + dir_ + "/never'");
  EXPECT_EQ(run.code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/never/results.json"));
}

TEST_F(Cli, ListMarksTheLearnersThatCanContinue) {
  const auto l = hourglass("list learners");
  ASSERT_EQ(l.code, 0);
  auto line_of = [&](const std::string& name) {
    const auto at = l.out.find("\n" + name + "  [");
    return at == std::string::npos ? std::string() : l.out.substr(at + 1, l.out.find('\n', at + 1) - at - 1);
  };
  EXPECT_TRUE(contains(line_of("mlp"), "(can continue)")) << l.out;
  EXPECT_TRUE(contains(line_of("logistic"), "(can continue)"));
  EXPECT_FALSE(contains(line_of("knn"), "(can continue)"));
  EXPECT_FALSE(line_of("knn").empty());
  // Trivial learners (never the default practice-multiplier reference).
  EXPECT_TRUE(contains(line_of("constant"), "(trivial)")) << l.out;
  EXPECT_TRUE(contains(line_of("random"), "(trivial)")) << l.out;
  EXPECT_FALSE(contains(line_of("mlp"), "(trivial)"));
  EXPECT_TRUE(contains(l.out, "\"trivial\": it scores the trivial reference")) << l.out;
}

TEST_F(Cli, ListProtocolsPrintsEachWithItsKeysAndSplits) {
  const auto l = hourglass("list protocols");
  ASSERT_EQ(l.code, 0) << l.err;
  // The section of one protocol: from its name line to the blank line.
  auto section_of = [&](const std::string& name) {
    const auto at = l.out.find(name + "  ") == 0 ? 0 : l.out.find("\n" + name + "  ");
    if (at == std::string::npos) return std::string();
    const auto start = at == 0 ? 0 : at + 1;
    return l.out.substr(start, l.out.find("\n\n", start) - start);
  };
  const std::string standard = section_of("standard");
  EXPECT_TRUE(contains(standard, "standard  (default)")) << l.out;
  EXPECT_TRUE(contains(standard, "      train: map of parameter overrides")) << standard;
  EXPECT_TRUE(contains(standard, "      ood: map of OOD split name")) << standard;
  EXPECT_TRUE(contains(standard, "      ood/<name>: ")) << standard;
  const std::string transfer = section_of("transfer");
  EXPECT_TRUE(contains(transfer, "      targets (required): a map of target name")) << transfer;
  EXPECT_TRUE(contains(transfer, "      pretrain_budget (required): the source samples"))
      << transfer;
  for (const char* split : {"      source: ", "      zero-shot/<target>: ", "      adapted/<target>: ",
                            "      scratch/<target>: "})
    EXPECT_TRUE(contains(transfer, split)) << split << "\n" << transfer;
  EXPECT_TRUE(contains(transfer, "learners that can continue; budgets >= 0")) << transfer;
  const std::string continual = section_of("continual");
  EXPECT_TRUE(contains(continual, "      stream (required): a map of at least two stages"))
      << continual;
  EXPECT_TRUE(contains(continual, "      after/<stage i>/<stage j>: ")) << continual;
  EXPECT_FALSE(contains(continual, "(default)"));
}

TEST_F(Cli, ValidateAcceptsTheProtocolSuites) {
  const auto o =
      hourglass("validate suites/transfer-sinusoid.yaml suites/continual-rotations.yaml");
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(contains(o.out, "suites/transfer-sinusoid.yaml: ok")) << o.out;
  EXPECT_TRUE(contains(o.out, "suites/continual-rotations.yaml: ok")) << o.out;
}

// Interactive families under transfer and continual: contexts as source,
// targets and stages, budgets in environment steps, every phase on its own
// budgeted environment.
TEST_F(Cli, TransferAndContinualRunInteractiveFamilies) {
  const std::string transfer = write("poles.yaml", R"(suite: small-poles
protocol: transfer
seeds: 2
pretrain_budget: 2048
budgets: [0, 512, 2048]
tasks:
  - name: poles
    family: cartpole
    params: {eval_episodes: 4}
    source: {length: [0.25, 0.75]}
    targets: {long: {length: [1.0, 2.0]}}
agents:
  - name: reinforce
    learner: reinforce
    params: {hidden: [16], num_envs: 8, rollout_steps: 32}
)");
  const auto o = hourglass("run '" + transfer + "' --quiet --threads 1 --out '" + dir_ + "/t'");
  ASSERT_EQ(o.code, 0) << o.err;
  for (const char* s : {"== Transfer ==", "poles -> long", "zero-shot", "adapted", "scratch",
                        "effective data"})
    EXPECT_TRUE(contains(o.out, s)) << s << "\n" << o.out;
  const json doc = json::parse(read(dir_ + "/t/results.json"));
  ASSERT_EQ(doc["trials"].size(), 6u);
  for (const auto& t : doc["trials"]) {
    EXPECT_EQ(t["status"], "ok") << t.dump();
    // Only the adaptation's steps count: exactly the budget (a multiple of 8 copies).
    EXPECT_EQ(t["samples_used"], t["budget"]) << t.dump();
    for (const char* s : {"source", "zero-shot/long", "adapted/long", "scratch/long"})
      EXPECT_TRUE(t["splits"].contains(s)) << s;
  }
  // Pretraining does not depend on the budget: every population of a seed
  // index scores the same pretrained learner zero-shot.
  std::map<int, double> zero_shot;
  for (const auto& t : doc["trials"]) {
    const int seed = t["seed_index"];
    const double z = t["splits"]["zero-shot/long"]["raw"];
    if (zero_shot.count(seed)) {
      EXPECT_EQ(zero_shot[seed], z) << t.dump();
    }
    zero_shot[seed] = z;
  }

  const std::string continual = write("stages.yaml", R"(suite: small-stages
protocol: continual
seeds: 2
budgets: [1024]
tasks:
  - name: poles
    family: cartpole
    params: {eval_episodes: 4}
    stream: {short: {length: [0.25, 0.5]}, long: {length: [1.0, 2.0]}}
agents:
  - name: ppo
    learner: ppo
    params: {hidden: [16], num_envs: 8, rollout_steps: 32}
)");
  const auto c = hourglass("run '" + continual + "' --quiet --threads 1 --out '" + dir_ + "/c'");
  ASSERT_EQ(c.code, 0) << c.err;
  const json cdoc = json::parse(read(dir_ + "/c/results.json"));
  ASSERT_EQ(cdoc["trials"].size(), 2u);
  for (const auto& t : cdoc["trials"]) {
    EXPECT_EQ(t["status"], "ok") << t.dump();
    EXPECT_EQ(t["samples_used"], 2 * 1024);  // both stages
    for (const char* s : {"untrained/short", "after/short/long", "after/long/short"})
      EXPECT_TRUE(t["splits"].contains(s)) << s;
  }
}

TEST_F(Cli, TransferRunPrintsZeroShotAdaptedScratchAndEffectiveData) {
  const std::string path = write("transfer.yaml", R"(suite: small-transfer
protocol: transfer
seeds: 2
pretrain_budget: 200
budgets: [0, 10, 100]
eval_samples: 200
tasks:
  - name: sine
    family: sinusoid
    source: {amplitude: [1, 2]}
    targets: {big: {amplitude: [2, 3]}}
agents:
  - name: mlp
    learner: mlp
    params: {hidden: [16], activation: tanh, max_updates: 100}
)");
  const auto o = hourglass("run '" + path + "' --quiet --threads 1 --out '" + dir_ + "/t'");
  ASSERT_EQ(o.code, 0) << o.err;
  for (const char* s : {"protocol: transfer", "== Transfer ==", "sine -> big", "zero-shot",
                        "adapted", "scratch", "effective data", "ratio"})
    EXPECT_TRUE(contains(o.out, s)) << s << "\n" << o.out;
  const json doc = json::parse(read(dir_ + "/t/results.json"));
  EXPECT_EQ(doc["suite"]["config"]["protocol"], "transfer");
  EXPECT_EQ(doc["suite"]["config"]["pretrain_budget"], 200);
  ASSERT_EQ(doc["trials"].size(), 6u);
  for (const auto& t : doc["trials"]) {
    EXPECT_EQ(t["status"], "ok");
    for (const char* s : {"source", "zero-shot/big", "adapted/big", "scratch/big"})
      EXPECT_TRUE(t["splits"].contains(s)) << s;
  }
  // hourglass report re-renders the same tables from results.json.
  const auto r = hourglass("report '" + dir_ + "/t/results.json'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, o.out);
  const auto j = hourglass("report '" + dir_ + "/t/results.json' --format json");
  ASSERT_EQ(j.code, 0) << j.err;
  const json report = json::parse(j.out);
  ASSERT_EQ(report["transfer"].size(), 3u);
  EXPECT_TRUE(report["transfer"][1]["effective_data_transferred"].contains("bound"));
  for (const char* format : {"md", "csv", "latex", "html"})
    EXPECT_EQ(hourglass("report '" + dir_ + "/t/results.json' --format " + format).code, 0)
        << format;
}

TEST_F(Cli, ContinualRunPrintsTheMatrixAndAccBwtFwt) {
  const std::string path = write("continual.yaml", R"(suite: small-continual
protocol: continual
seeds: 2
budgets: [100]
eval_samples: 200
tasks:
  - name: blobs
    family: gaussian-blobs
    params: {separation: 3.0}
    stream: {r0: {rotation: 0}, r90: {rotation: 90}, r180: {rotation: 180}}
agents:
  - name: mlp
    learner: mlp
    params: {hidden: [16], max_updates: 100, lr: 0.01}
)");
  const auto o = hourglass("run '" + path + "' --quiet --threads 1 --out '" + dir_ + "/c'");
  ASSERT_EQ(o.code, 0) << o.err;
  for (const char* s : {"protocol: continual", "== Continual learning ==", "ACC", "BWT", "FWT",
                        "== Continual: the R matrix ==", "after r0", "after r180", "untrained"})
    EXPECT_TRUE(contains(o.out, s)) << s << "\n" << o.out;
  const auto j = hourglass("report '" + dir_ + "/c/results.json' --format json");
  ASSERT_EQ(j.code, 0) << j.err;
  const json report = json::parse(j.out);
  ASSERT_EQ(report["continual"].size(), 1u);
  const auto& c = report["continual"][0];
  EXPECT_EQ(c["stages"], json({"r0", "r90", "r180"}));  // stream order
  EXPECT_EQ(c["r"].size(), 3u);
  EXPECT_EQ(c["n"], 2);
  EXPECT_LT(c["bwt"]["value"].get<double>(), 0.0);  // a plain mlp forgets
  const auto html = hourglass("report '" + dir_ + "/c/results.json' --format html");
  ASSERT_EQ(html.code, 0) << html.err;
  EXPECT_TRUE(contains(html.out, "R matrix heatmaps"));
}

}  // namespace
