// Sweeps end to end (docs/suite-format.md#sweeps, issue 21 must-show 1 and
// 2): the real binary runs every configuration, keeps their trials with a
// configuration field, prints the chosen configuration per budget with the
// oracle's choice and the gap, labels oracle selection, and resume, shards,
// merge and compare work on sweeps.
#include "cli_util.h"

namespace {

using namespace hg::cli_testing;
using nlohmann::json;

class Sweep : public Cli {
 protected:
  std::string suite(const std::string& selection = "validation",
                    const std::string& extra = "") const {
    return write("swept-" + selection + (extra.empty() ? "" : "-extra") + ".yaml",
                 "suite: swept\n"
                 "seed: 1\nseeds: 3\nbudgets: [50, 200]\neval_samples: 200\n"
                 "tasks:\n"
                 "  - name: lin\n"
                 "    family: linear-regression\n"
                 "    params: {dim: 3, noise: 0.1}\n"
                 "    ood: {wide: {x_scale: 3.0}}\n"
                 "agents:\n"
                 "  - {name: constant, learner: constant}\n"
                 "  - name: ridge\n"
                 "    learner: ridge\n"
                 "    sweep: {lambda: [1.0e-3, 10.0, 1000.0]}\n"
                 "    selection: " +
                     selection + "\n" + extra);
  }
  hg::testing::Outcome run(const std::string& suite_path, const std::string& out,
                           const std::string& extra = "") const {
    return hourglass("run '" + suite_path + "' --quiet --threads 1 --jobs 1 --out '" + dir_ + "/" +
                     out + "' " + extra);
  }
  std::string results_path(const std::string& out) const {
    return dir_ + "/" + out + "/results.json";
  }
};

TEST_F(Sweep, RunsEveryConfigurationAndReportsTheChoicePerBudget) {
  const auto o = run(suite(), "v", "--report compact");
  ASSERT_EQ(o.code, 0) << o.err;
  const json r = read_json(results_path("v"));
  // 1 + 3 agents x 2 budgets x 3 seeds.
  EXPECT_EQ(r["trials"].size(), 24u);
  std::set<std::string> configurations;
  for (const auto& t : r["trials"]) {
    if (t["agent"] == "constant") {
      EXPECT_FALSE(t.contains("configuration"));
      continue;
    }
    configurations.insert(t["configuration"].get<std::string>());
    ASSERT_TRUE(t["splits"].contains("validation")) << t.dump();
    EXPECT_EQ(t["samples_used"], t["budget"]);  // training + held-out share = the budget
  }
  EXPECT_EQ(configurations, (std::set<std::string>{"lambda=0.001", "lambda=10", "lambda=1000"}));
  EXPECT_EQ(r["suite"]["config"]["agents"][1]["name"], "ridge[lambda=0.001]");
  EXPECT_EQ(r["suite"]["config"]["agents"][1]["sweep"], "ridge");
  EXPECT_EQ(r["suite"]["config"]["agents"][1]["validation_fraction"], 0.2);
  // The compact report: the selected agent under its own name, and the selection table.
  EXPECT_TRUE(contains(o.out, "== Model selection over sweeps ==")) << o.out;
  EXPECT_TRUE(contains(o.out, "oracle choice")) << o.out;
  EXPECT_FALSE(contains(o.out, "ridge[lambda")) << "the scores table shows the chosen one only";
  // Every format of the full report carries the selection.
  const auto csv = hourglass("report '" + results_path("v") + "' --format csv");
  ASSERT_EQ(csv.code, 0) << csv.err;
  EXPECT_TRUE(contains(csv.out, "selection,lin,ridge,ridge[lambda=")) << csv.out;
  EXPECT_TRUE(contains(csv.out, ",selection_gap,"));
  const auto js = hourglass("report '" + results_path("v") + "' --format json");
  ASSERT_EQ(js.code, 0) << js.err;
  const json report = json::parse(js.out);
  ASSERT_EQ(report["selection"].size(), 2u);
  EXPECT_EQ(report["selection"][0]["selection"], "validation");
  EXPECT_EQ(report["sweep_configurations"].size(), 6u);
  EXPECT_EQ(report["agents"], json::array({"constant", "ridge"}));
}

TEST_F(Sweep, ValidateCountsTheConfigurationsAndThePopulations) {
  const auto o = hourglass("validate '" + suite() + "'");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(contains(o.out,
                       "1 task(s) x 4 agent(s) (3 configuration(s) of 1 sweep(s)) x 2 "
                       "budget(s) = 8 population(s) of 3 seed(s)"))
      << o.out;
}

TEST_F(Sweep, RefitScoresALearnerRetrainedOnTheWholeBudget) {
  const auto o = run(suite("validation", "    refit: true\n"), "r");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(contains(o.out, "validation, refit")) << o.out;
  const json r = read_json(results_path("r"));
  EXPECT_EQ(r["suite"]["config"]["agents"][1]["refit"], true);
  for (const auto& t : r["trials"])
    if (t["agent"] != "constant") {
      EXPECT_EQ(t["samples_used"], t["budget"]);
      EXPECT_EQ(t["updates"], 2);  // ridge: one closed-form fit per learner, two learners
    }
}

TEST_F(Sweep, OracleSelectionIsLabelledInEveryFormat) {
  ASSERT_EQ(run(suite("oracle"), "o").code, 0);
  for (const char* format : {"table", "md", "latex", "html", "csv", "json"}) {
    const auto rep =
        hourglass("report '" + results_path("o") + "' --format " + std::string(format));
    ASSERT_EQ(rep.code, 0) << rep.err;
    EXPECT_TRUE(contains(rep.out, "ridge (oracle)")) << format;
  }
  for (const auto& t : read_json(results_path("o"))["trials"])
    EXPECT_FALSE(t["splits"].contains("validation"));
}

TEST_F(Sweep, ResumeShardsMergeAndCompareWorkOnSweeps) {
  const std::string s = suite();
  ASSERT_EQ(run(s, "whole").code, 0);
  // Resuming a finished run redoes nothing and keeps every trial.
  const auto again = run(s, "whole", "--resume");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(read_json(results_path("whole"))["trials"].size(), 24u);
  // Two shards merged give the same trials as the whole run.
  for (const char* shard : {"0/2", "1/2"})
    ASSERT_EQ(run(s, std::string("shard-") + shard[0], std::string("--shard ") + shard).code, 0);
  const auto merged = hourglass("merge '" + results_path("shard-0") + "' '" +
                                results_path("shard-1") + "' -o '" + dir_ + "/merged.json'");
  ASSERT_EQ(merged.code, 0) << merged.err;
  EXPECT_EQ(trial_scores(read_json(dir_ + "/merged.json")),
            trial_scores(read_json(results_path("whole"))));
  // compare: every configuration and the selected agent, equal to themselves.
  const auto cmp =
      hourglass("compare '" + results_path("whole") + "' '" + dir_ + "/merged.json' --format json");
  ASSERT_EQ(cmp.code, 0) << cmp.err << cmp.out;
  const json comparison = json::parse(cmp.out);
  std::set<std::string> agents;
  for (const auto& row : comparison["rows"]) agents.insert(row["agent"].get<std::string>());
  EXPECT_TRUE(agents.count("ridge")) << cmp.out.substr(0, 2000);
  EXPECT_TRUE(agents.count("ridge[lambda=10]"));
}

TEST_F(Sweep, BadSweepsAreLocatedErrors) {
  const std::string bad = write("bad.yaml",
                                "suite: s\nbudgets: [4]\n"
                                "tasks: [{name: t, family: linear-regression}]\n"
                                "agents:\n"
                                "  - name: r\n"
                                "    learner: ridge\n"
                                "    sweep: {lamda: [1, 2]}\n");
  const auto o = hourglass("validate '" + bad + "'");
  EXPECT_EQ(o.code, 2);
  EXPECT_TRUE(contains(o.err,
                       "bad.yaml:7:13: error: agent 'r': key 'sweep': unknown parameter "
                       "'lamda' "
                       "(did you mean 'lambda'?)"))
      << o.err;
  const std::string small = write("small.yaml",
                                  "suite: s\nbudgets: [4]\n"
                                  "tasks: [{name: t, family: linear-regression}]\n"
                                  "agents:\n"
                                  "  - name: r\n"
                                  "    learner: ridge\n"
                                  "    sweep: {lambda: [1, 2]}\n");
  const auto s = hourglass("validate '" + small + "'");
  EXPECT_EQ(s.code, 2);
  EXPECT_TRUE(contains(s.err,
                       "small.yaml:7:12: error: agent 'r': validation_fraction 0.2 of "
                       "budget 4 "
                       "holds out 0 samples"))
      << s.err;
}

}  // namespace
