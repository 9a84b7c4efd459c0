// The project's own regression gate, checked on the smoke run that CI has
// just made (CTest fixture `smoke_run`, see tests/CMakeLists.txt): the run
// passes against the committed baseline, and copies of the baseline whose
// scores were raised by a margin (as if the current code had made a learner
// worse by that much) make `hourglass compare` exit 1.
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
const std::string kCurrent = HOURGLASS_GATE_RESULTS;

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

}  // namespace
