// The project's own regression gate, checked on the gate runs that CI has
// just made (CTest fixture `gate_runs`, see tests/CMakeLists.txt): the smoke
// run passes against the committed baseline, copies of the baseline whose
// scores were raised by a margin (as if the current code had made a learner
// worse by that much) make `hourglass compare` exit 1, and so does an
// interactive learner really made worse (trained with a useless learning
// rate) against the interactive gate suite's baseline.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kBaseline = HOURGLASS_SOURCE_DIR "/suites/baselines/smoke.json";
const std::string kCurrent = HOURGLASS_GATE_DIR "/smoke/results.json";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Gate : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "hourglass-gate-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    ASSERT_TRUE(fs::exists(kCurrent)) << "run the CTest fixture gate.smoke_run first";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // `hourglass compare BASELINE CURRENT ARGS`: exit code and stdout.
  std::pair<int, std::string> compare(const std::string& baseline, const std::string& args = "") {
    const std::string out = dir_ + "/stdout";
    const std::string cmd = "'" HOURGLASS_BINARY "' compare '" + baseline + "' '" + kCurrent + "' " +
                            args + " >'" + out + "' 2>&1";
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out)};
  }

  // A copy of the baseline with `margin` added to the normalized scores of
  // the trials `pick` selects, on every split.
  template <class Pick>
  std::string raised(const std::string& name, double margin, Pick pick) {
    json doc = json::parse(read_file(kBaseline));
    for (auto& t : doc["trials"]) {
      if (!pick(t)) continue;
      for (auto& [split, s] : t["splits"].items())
        if (s["normalized"].is_number()) s["normalized"] = s["normalized"].template get<double>() + margin;
    }
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << doc.dump(1);
    return path;
  }

  std::string dir_;
};

TEST_F(Gate, TheSmokeRunMatchesTheCommittedBaseline) {
  const auto [code, out] = compare(kBaseline);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find(": no regression"), std::string::npos) << out;
}

TEST_F(Gate, TheCommittedBaselineIsAGeneratedResultsFile) {
  const json doc = json::parse(read_file(kBaseline));
  EXPECT_EQ(doc["schema"], "hourglass.results/1");
  EXPECT_EQ(doc["suite"]["name"], "smoke");
  EXPECT_EQ(doc["environment"]["complete"], true);
  EXPECT_EQ(doc["environment"]["threads_per_job"], 1);  // the CI settings, so reruns are exact
  EXPECT_EQ(doc["trials"].size(), 2u * 4u * 2u * 3u);
}

TEST_F(Gate, ABaselineRaisedByAMarginFailsTheGate) {
  const std::string every = raised("every.json", 0.1, [](const json&) { return true; });
  const auto [code, out] = compare(every, "--format md");
  EXPECT_EQ(code, 1) << out;
  EXPECT_EQ(out.rfind("### Hourglass: REGRESSED: ", 0), 0u) << out;
  EXPECT_NE(out.find("| **regression** |"), std::string::npos) << out;
}

TEST_F(Gate, OneLearnerMadeWorseOnOneBudgetIsCaught) {
  const std::string one = raised("one.json", 0.05, [](const json& t) {
    return t["agent"] == "mlp" && t["task"] == "linear" && t["budget"] == 500;
  });
  const auto [code, out] = compare(one, "--format json");
  EXPECT_EQ(code, 1) << out;
  const json result = json::parse(out);
  EXPECT_EQ(result["regressed"], true);
  for (const auto& row : result["rows"]) {
    const bool target = row["agent"] == "mlp" && row["task"] == "linear" && row["budget"] == 500;
    if (target)
      EXPECT_EQ(row["verdict"], "regression") << row.dump();
    else
      EXPECT_EQ(row["verdict"], "unchanged") << row.dump();
  }
  // Within the tolerance it is forgiven.
  EXPECT_EQ(compare(one, "--tolerance 0.06").first, 0);
}

TEST_F(Gate, AMarginWithinTheToleranceDoesNotFailTheGate) {
  const std::string small = raised("small.json", 0.01, [](const json&) { return true; });
  EXPECT_EQ(compare(small).first, 0);
}

// Runs `hourglass ARGS`: exit code, stdout, stderr.
struct Outcome {
  int code;
  std::string out, err;
};
Outcome hourglass(const std::string& args, const std::string& dir) {
  const std::string out = dir + "/hourglass.out", err = dir + "/hourglass.err";
  const std::string cmd = "'" HOURGLASS_BINARY "' " + args + " >'" + out + "' 2>'" + err + "'";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out), read_file(err)};
}

TEST_F(Gate, AnInteractiveLearnerMadeWorseFailsTheGate) {
  // smoke-interactive.yaml with ppo's learning rate cut to 1e-7: the same
  // seeds, the same budgets, a learner that can no longer learn.
  std::string suite = read_file(HOURGLASS_SOURCE_DIR "/suites/smoke-interactive.yaml");
  const size_t agent = suite.find("- name: ppo\n");
  ASSERT_NE(agent, std::string::npos) << "smoke-interactive.yaml has no agent 'ppo'";
  const size_t lr = suite.find("lr: ", agent);
  const size_t end = suite.find_first_of(",}\n", lr);
  ASSERT_TRUE(lr != std::string::npos && end != std::string::npos &&
              suite.find("- name:", agent + 1) > lr)
      << "ppo has no 'lr: ' in smoke-interactive.yaml";
  suite.replace(lr, end - lr, "lr: 1.0e-7");
  const std::string path = dir_ + "/smoke-interactive.yaml";
  std::ofstream(path) << suite;

  const auto run = hourglass("run '" + path + "' --agents '^ppo$' --tasks '^chain$' --quiet --out '" +
                                 dir_ + "/worse' --format json",
                             dir_);
  ASSERT_EQ(run.code, 0) << run.err;
  const auto [code, out, err] = hourglass(
      "compare '" HOURGLASS_SOURCE_DIR "/suites/baselines/smoke-interactive.json' '" + dir_ +
          "/worse/results.json' --allow-suite-change --allow-missing --format json",
      dir_);
  EXPECT_EQ(code, 1) << out << err;
  const json result = json::parse(out);
  EXPECT_EQ(result["regressed"], true);
  int regressions = 0;
  for (const auto& row : result["rows"]) {
    if (row["verdict"] != "regression") continue;
    EXPECT_EQ(row["agent"], "ppo") << row.dump();
    ++regressions;
  }
  EXPECT_GE(regressions, 1) << out;
}

// Every gate baseline was made with the default threads (one intra-op thread
// per job), so a rerun with the defaults is exact.
TEST_F(Gate, EveryGateBaselineUsesTheDefaultThreads) {
  for (const char* suite : {"smoke", "smoke-classification", "smoke-interactive"}) {
    const json doc = json::parse(
        read_file(std::string(HOURGLASS_SOURCE_DIR "/suites/baselines/") + suite + ".json"));
    EXPECT_EQ(doc["suite"]["name"], suite);
    EXPECT_EQ(doc["environment"]["threads_per_job"], 1) << suite;
    EXPECT_EQ(doc["environment"]["complete"], true) << suite;
  }
}

}  // namespace
