// The deployment protocol with the real binary: a suite mixing a supervised
// stream (agents with `tasks:`) and an interactive one runs, prints the
// per-segment tables, and `hourglass report` re-renders them in every format.
#include "cli_fixture.h"

namespace {

using hg::testing::Cli;
using hg::testing::contains;
using nlohmann::json;

const char* kSmallDeployment = R"(suite: small-deployment
protocol: deployment
seeds: 2
budgets: [304]  # a multiple of ppo's 8 copies: it steps all of them at once
eval_samples: 200
deployment: {chunk: 50}
tasks:
  - name: blobs
    family: gaussian-blobs
    params: {separation: 3.0}
    segments:
      - {name: r0, samples: 100}
      - {name: r90, samples: 200, params: {rotation: 90}}
      - {name: turning, samples: 100, drift: {rotation: [90, 180]}}
  - name: poles
    family: cartpole
    params: {eval_episodes: 4}
    chunk: 256
    segments:
      - {name: short, samples: 256}
      - {name: long, samples: 512, params: {length: [1.0, 2.0]}}
agents:
  - name: mlp
    learner: mlp
    tasks: [blobs]
    params: {hidden: [16], max_updates: 50, lr: 0.01}
  - name: ppo
    learner: ppo
    tasks: [poles]
    params: {hidden: [16], num_envs: 8, rollout_steps: 32}
)";

TEST_F(Cli, DeploymentRunPrintsEverySegmentAndReportReRendersIt) {
  const std::string path = write("deploy.yaml", kSmallDeployment);
  const auto o = hourglass("run '" + path + "' --quiet --threads 1 --out '" + dir_ + "/d'");
  ASSERT_EQ(o.code, 0) << o.err;
  for (const char* s : {"protocol: deployment", "blobs, segment r0", "blobs, segment r90",
                        "blobs, segment turning", "poles, segment short", "poles, segment long",
                        "learning", "frozen", "gain", "recovery", "Deployment: the whole stream",
                        "Deployment: retention"})
    EXPECT_TRUE(contains(o.out, s)) << s << "\n" << o.out;
  const json doc = json::parse(read(dir_ + "/d/results.json"));
  // Only the pairs the agents' `tasks:` select: blobs/mlp and poles/ppo.
  ASSERT_EQ(doc["trials"].size(), 4u);
  for (const auto& t : doc["trials"]) {
    EXPECT_EQ(t["status"], "ok") << t.dump();
    const bool blobs = t["task"] == "blobs";
    EXPECT_EQ(t["agent"], blobs ? "mlp" : "ppo");
    EXPECT_EQ(t["samples_used"], 304 + (blobs ? 400 : 768));
    EXPECT_EQ(t["splits"].size(), blobs ? 2u + 2u * 8u : 2u + 2u * 3u);
  }
  EXPECT_EQ(doc["suite"]["config"]["deployment"]["chunk"], 50);
  EXPECT_EQ(doc["suite"]["config"]["tasks"][1]["chunk"], 256);
  EXPECT_EQ(doc["suite"]["config"]["agents"][0]["tasks"], json::array({"blobs"}));

  const std::string results = "'" + dir_ + "/d/results.json'";
  const auto r = hourglass("report " + results);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, o.out);
  const auto j = hourglass("report " + results + " --format json");
  ASSERT_EQ(j.code, 0) << j.err;
  const json report = json::parse(j.out);
  ASSERT_EQ(report["deployment"].size(), 2u);
  const auto h = hourglass("report " + results + " --format html");
  ASSERT_EQ(h.code, 0) << h.err;
  EXPECT_TRUE(contains(h.out, "<svg")) << "no plot";
  EXPECT_TRUE(contains(h.out, "Prequential")) << "no prequential curve";
  const auto c = hourglass("report " + results + " --format csv");
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_TRUE(contains(c.out, "deployment,blobs,mlp")) << c.out.substr(0, 600);
  for (const char* format : {"md", "latex"})
    EXPECT_EQ(hourglass("report " + results + " --format " + format).code, 0) << format;
}

TEST_F(Cli, ValidateChecksTheAgentsTasksAndTheDeploymentSuite) {
  const auto ok = hourglass("validate suites/deployment-drift.yaml");
  EXPECT_EQ(ok.code, 0) << ok.err;
  std::string yaml = kSmallDeployment;
  yaml.replace(yaml.find("tasks: [poles]"), 14, "tasks: [pole]");
  const std::string path = write("typo.yaml", yaml);
  const auto bad = hourglass("validate '" + path + "'");
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(contains(bad.err, "agent 'ppo': key 'tasks' names 'pole', which is not a task of "
                                "the suite (did you mean 'poles'?)"))
      << bad.err;
  EXPECT_TRUE(contains(bad.err, "task 'poles': no agent runs on it")) << bad.err;
  // Without `tasks:` ppo would have to train on the blobs.
  yaml = kSmallDeployment;
  yaml.replace(yaml.find("    tasks: [poles]\n"), 18, "");
  const auto all = hourglass("validate '" + write("all.yaml", yaml) + "'");
  EXPECT_EQ(all.code, 2);
  EXPECT_TRUE(contains(all.err, "agent 'ppo': learner 'ppo' cannot train on task 'blobs'"))
      << all.err;
}

TEST_F(Cli, ListProtocolsShowsDeployment) {
  const auto l = hourglass("list protocols");
  ASSERT_EQ(l.code, 0) << l.err;
  for (const char* s : {"deployment  ", "segments (required)", "deployment (required)",
                        "learning/<segment>/<k>", "frozen/<segment>/<k>", "retention/end"})
    EXPECT_TRUE(contains(l.out, s)) << s << "\n" << l.out;
}

}  // namespace
