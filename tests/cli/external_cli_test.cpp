// The `external` learner with the real binary and real agent processes
// (Python agents under Debian's /usr/bin/python3 with python3-numpy; these
// tests FAIL naming the package when it is missing, never pass silently):
//   * equivalence: the numpy ridge agent through the pipe and the built-in
//     `ridge` (identity features, no intercept, same lambda) give the same
//     test scores on linear-regression, trial by trial, within 1e-4;
//   * a random-acting agent scores about 0 on cart-pole, and the numpy
//     REINFORCE example (examples/agents/cartpole.yaml) runs;
//   * a corpus of broken agents: each one fails its own trials with the
//     documented message, the rest of the suite runs, its stderr is kept in
//     the run folder, and no process it started survives the run;
//   * a run stopped by a signal while an agent trains leaves no agent behind.
#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "cli_fixture.h"
#include "cli_util.h"

namespace {

using hg::testing::Cli;
using hg::testing::contains;
using nlohmann::json;

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, with python3-numpy

class External : public Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    const std::string probe = std::string(kPython) + " -c 'import numpy' >/dev/null 2>&1";
    ASSERT_EQ(std::system(probe.c_str()), 0)
        << "needs Debian's python3-numpy for " << kPython
        << " (apt-get install python3-numpy, or ./scripts/setup.sh --tests)";
  }

  json run_suite(const std::string& name, const std::string& yaml, int expected_code) {
    const std::string path = write(name, yaml);
    const auto o = hourglass("run '" + path + "' --quiet --threads 1 --out '" + dir_ + "/run-" + name + "'");
    EXPECT_EQ(o.code, expected_code) << o.err << o.out;
    last_ = o;
    return json::parse(read(dir_ + "/run-" + name + "/results.json"));
  }

  hg::testing::Outcome last_;
};

std::string agent_command(const std::string& script, const std::string& args = "") {
  return std::string("[") + kPython + ", " + HOURGLASS_SOURCE_DIR + "/" + script +
         (args.empty() ? "" : ", " + args) + "]";
}

// trial key "task/budget/seed_index" -> the trial, for one agent.
std::map<std::string, json> trials_of(const json& results, const std::string& agent) {
  std::map<std::string, json> out;
  for (const auto& t : results.at("trials"))
    if (t.at("agent") == agent)
      out[t.at("task").get<std::string>() + "/" + std::to_string(t.at("budget").get<int>()) + "/" +
          std::to_string(t.at("seed_index").get<int>())] = t;
  return out;
}

// Trial seeds include the agent's name, so the two learners run as the same
// agent ("ridge") in two suites that differ only in the learner: every trial
// then draws the same training samples and evaluation inputs.
TEST_F(External, NumpyRidgeThroughThePipeEqualsTheBuiltInRidgeTrialByTrial) {
  const std::string head = R"(suite: equivalence
seeds: 5
budgets: [20, 100, 1000]
eval_samples: 2000
tasks:
  - name: lin
    family: linear-regression
    params: {dim: 8, noise: 0.5}
    ood: {wide: {x_scale: 3.0}}
agents:
  - name: ridge
)";
  const json builtin_results = run_suite(
      "builtin.yaml",
      head + "    learner: ridge\n    params: {features: identity, intercept: false, lambda: 1.0e-3}\n",
      0);
  const json results = run_suite(
      "external.yaml",
      head + "    learner: external\n    params: {command: " +
          agent_command("examples/agents/ridge_agent.py", "--lambda, 1.0e-3") + "}\n",
      0);
  const auto builtin = trials_of(builtin_results, "ridge");
  const auto numpy = trials_of(results, "ridge");
  ASSERT_EQ(builtin.size(), 15u);
  ASSERT_EQ(numpy.size(), 15u);
  double largest = 0;
  for (const auto& [key, b] : builtin) {
    const json& n = numpy.at(key);
    ASSERT_EQ(n.at("status"), "ok") << n.dump();
    EXPECT_EQ(n.at("samples_used"), b.at("samples_used"));
    for (const char* split : {"train", "test", "ood/wide"})
      for (const char* field : {"raw", "normalized"}) {
        const double d = std::abs(n.at("splits").at(split).at(field).get<double>() -
                                  b.at("splits").at(split).at(field).get<double>());
        largest = std::max(largest, d);
        EXPECT_LE(d, 1e-4) << key << " " << split << " " << field;
      }
  }
  std::printf("[ largest |external - builtin| score difference: %.3g ]\n", largest);
  // The agent's stderr is kept in the run folder.
  int kept = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_ + "/run-external.yaml/agents"))
    kept += e.path().extension() == ".stderr";
  EXPECT_EQ(kept, 3);  // one agent per population
}

// A suite of the random agent on cart-pole; `params` is added to its
// command's line ("" or ", spin_us: 0").
std::string random_cartpole(const std::string& name, int seeds, int budget,
                            const std::string& params = "") {
  return "suite: " + name + "\nseeds: " + std::to_string(seeds) + "\nbudgets: [" +
         std::to_string(budget) + R"(]
tasks:
  - name: cartpole
    family: cartpole
agents:
  - name: random
    learner: external
    params: {command: )" +
         agent_command("tests/data/agents/random_agent.py") + params + "}\n";
}

TEST_F(External, ARandomAgentScoresAboutZeroOnCartPole) {
  const json results =
      run_suite("cartpole.yaml", random_cartpole("random-cartpole", 4, 2000), 0);
  double sum = 0;
  int n = 0;
  for (const auto& [key, t] : trials_of(results, "random")) {
    ASSERT_EQ(t.at("status"), "ok") << t.dump();
    EXPECT_EQ(t.at("samples_used"), 2000);
    sum += t.at("splits").at("test").at("normalized").get<double>();
    ++n;
  }
  EXPECT_EQ(n, 4);
  EXPECT_NEAR(sum / n, 0.0, 0.1);
}

// spin_us only changes how the harness waits for the agent (reading in a loop
// first, or sleeping in poll() at once), never what is said: the same
// trials, score for score.
TEST_F(External, TheHarnessScoresTheSameWhetherItSpinsOrSleepsWhileWaiting) {
  const auto sleeping =
      trials_of(run_suite("sleeps.yaml", random_cartpole("spin", 2, 1000, ", spin_us: 0"), 0),
                "random");
  const auto spinning =  // the default, 100
      trials_of(run_suite("spins.yaml", random_cartpole("spin", 2, 1000), 0), "random");
  ASSERT_EQ(sleeping.size(), 2u);
  for (const auto& [key, t] : sleeping) {
    ASSERT_EQ(t.at("status"), "ok") << t.dump();
    EXPECT_EQ(t.at("splits"), spinning.at(key).at("splits")) << key;
  }
}

TEST_F(External, TheExamplesRunBesideTheBuiltInLearners) {
  const auto r = hourglass("run examples/agents/ridge.yaml --quiet --out '" + dir_ + "/ridge'",
                           "PATH=/usr/bin:$PATH");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "numpy-ridge")) << r.out;
  EXPECT_TRUE(contains(r.out, "builtin-ridge")) << r.out;
}

TEST_F(External, TheCartPoleExampleRunsBesideTheBuiltInReinforce) {
  const auto o = hourglass("run examples/agents/cartpole.yaml --quiet --threads 1 --out '" + dir_ + "/run'",
                           "PATH=/usr/bin:$PATH");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(contains(o.out, "numpy-reinforce")) << o.out;
  EXPECT_TRUE(contains(o.out, "builtin-reinforce")) << o.out;
}

// Processes whose command line holds `marker` (children the broken agents
// started).
int processes_with(const std::string& marker) {
  int count = 0;
  DIR* proc = ::opendir("/proc");
  if (!proc) return -1;
  while (const dirent* e = ::readdir(proc)) {
    if (!std::isdigit(static_cast<unsigned char>(e->d_name[0]))) continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (contains(cmdline, marker)) ++count;
  }
  ::closedir(proc);
  return count;
}

TEST_F(External, EveryBrokenAgentFailsItsOwnTrialsAndLeavesNoProcessBehind) {
  const std::string marker = "hourglass-broken-agent-" + std::to_string(::getpid());
  // mode -> what the failure message must say
  const std::map<std::string, std::string> expected = {
      {"exit", "the agent closed its stdout while the harness waited for a training request "
               "('draw' or 'done') (the agent exited with status 3)"},
      {"signal", "(the agent was killed by signal 11"},
      {"hang", "s (timeout) while the harness waited for a training request"},
      {"malformed", "the agent sent malformed JSON"},
      {"unknown", "unknown or unexpected message 'dance' during training"},
      {"short", "the agent closed its stdout after 100 of the 8000 bytes of tensor 'y'"},
      {"version", "the agent speaks protocol 'hourglass.agent/0'"},
      {"greedy", "budget exceeded: the agent asked to draw 101 with 100 of its budget of 100"},
      {"reset", "unknown or unexpected message 'reset' during training"},
      {"dtype", "tensor 'y': dtype float64, expected float32"},
      {"shape", "tensor 'y': shape [2, 100, 2], expected [2, 100, 1]"},
      {"nan", "the agent's prediction holds NaN or infinite values"},
      {"stdout", "the agent sent malformed JSON"},
      {"orphan", ""},  // behaves, but leaves a child running: must be killed
  };
  std::string agents;
  for (const auto& [mode, message] : expected)
    agents += "  - name: " + mode + "\n    learner: external\n    params: {timeout: 3, command: " +
              agent_command("tests/data/agents/broken_agent.py", mode + ", " + marker) + "}\n";
  const json results = run_suite("broken.yaml", R"(suite: broken-agents
seeds: 2
budgets: [100]
eval_samples: 1000
tasks: [{name: lin, family: linear-regression, params: {dim: 3}}]
agents:
  - name: builtin
    learner: ridge
)" + agents,
                                 1);
  for (const auto& [key, t] : trials_of(results, "builtin")) EXPECT_EQ(t.at("status"), "ok");
  for (const auto& [mode, message] : expected) {
    const auto trials = trials_of(results, mode);
    ASSERT_EQ(trials.size(), 2u) << mode;
    for (const auto& [key, t] : trials) {
      if (message.empty()) {
        EXPECT_EQ(t.at("status"), "ok") << mode << ": " << t.dump();
        continue;
      }
      EXPECT_EQ(t.at("status"), "failed") << mode;
      const std::string got = t.value("message", "");
      EXPECT_TRUE(contains(got, message)) << mode << ": " << got;
      // Its stderr's last lines: the greedy agent's end with the client's
      // traceback of the refusal; the others' with the agent's first line
      // ("broken_agent.py: mode ..."), or with a traceback through
      // broken_agent.py when the agent was still writing one as it was
      // killed (the reset agent's, whose reply never comes).
      EXPECT_TRUE(contains(got, mode == "greedy" ? "BudgetRefused" : "broken_agent.py"))
          << mode << ": " << got;
      EXPECT_TRUE(contains(got, "(stderr: " + dir_ + "/run-broken.yaml/agents/broken_agent-"))
          << mode << ": " << got;
    }
  }
  int stderr_files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_ + "/run-broken.yaml/agents")) {
    (void)e;
    ++stderr_files;
  }
  EXPECT_EQ(stderr_files, static_cast<int>(expected.size()));
  const int survivors = processes_with(marker);
  std::printf("[ child processes left after the run: %d ]\n", survivors);
  EXPECT_EQ(survivors, 0);
}

// The one-signal stop saves what finished and ends with _Exit, without the
// destructors that kill agents: it must kill their process groups itself.
TEST_F(External, ARunStoppedBySigintLeavesNoAgentBehind) {
  const std::string marker = "hourglass-interrupted-agent-" + std::to_string(::getpid());
  const std::string path = write("hang.yaml", R"(suite: interrupted
seeds: 2
budgets: [100]
tasks: [{name: lin, family: linear-regression, params: {dim: 3}}]
agents:
  - name: hang
    learner: external
    params: {timeout: 600, command: )" + agent_command("tests/data/agents/broken_agent.py",
                                                       "hang, " + marker) + R"(}
)");
  hg::cli_testing::BackgroundRun run({"run", path, "--quiet", "--threads", "1", "--out", dir_ + "/run"},
                                     dir_ + "/bg-stdout", dir_ + "/bg-stderr");
  ASSERT_GT(run.pid(), 0);
  // The agent and the child it starts both carry the marker in their argv.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (processes_with(marker) < 2 && run.running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_GE(processes_with(marker), 2) << "the agent never started: " << run.wait().err;
  run.signal(SIGINT);
  const auto o = run.wait();
  EXPECT_EQ(o.code, 130) << o.err;
  EXPECT_TRUE(contains(o.err, "population(s) finished and saved in")) << o.err;
  // Killed with SIGKILL just before the harness exits; give the kernel a moment.
  int survivors = processes_with(marker);
  for (int i = 0; i < 100 && survivors > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    survivors = processes_with(marker);
  }
  std::printf("[ agent processes left after SIGINT: %d ]\n", survivors);
  EXPECT_EQ(survivors, 0);
}

TEST_F(External, AMissingAgentProgramIsAnErrorAtTheCommandKey) {
  const std::string path = write("missing.yaml", R"(suite: missing
budgets: [100]
tasks: [{name: lin, family: linear-regression}]
agents:
  - name: ghost
    learner: external
    params: {command: [agents/ghost.py]}
)");
  const auto o = hourglass("validate '" + path + "'");
  EXPECT_EQ(o.code, 2);
  EXPECT_TRUE(contains(o.err, path + ":7:23: error: agent 'ghost': command " + dir_ +
                                  "/agents/ghost.py: no such executable file"))
      << o.err;
}

}  // namespace
