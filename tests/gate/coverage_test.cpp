// The regression gate covers everything: every registered family and learner
// appears in a gate suite (HOURGLASS_GATE_SUITES, tests/CMakeLists.txt) whose
// committed baseline (suites/baselines/<suite>.json) names it. A new family
// or learner fails this test until it is added to a gate suite and the
// baseline regenerated (scripts/update-baseline.sh; docs/ci-regression.md).
// Registrations made by the tests themselves are named "test-..." and are
// left out.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hourglass/learners/learner.h"
#include "hourglass/tasks/family.h"

namespace hg {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> gate_suites() {
  std::vector<std::string> out;
  std::stringstream list(HOURGLASS_GATE_SUITES);
  for (std::string name; std::getline(list, name, ',');) out.push_back(name);
  return out;
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

bool shipped(const std::string& name) { return name.rfind("test-", 0) != 0; }

struct Covered {
  std::set<std::string> families, learners;
};

Covered covered_by_baselines() {
  Covered c;
  for (const auto& suite : gate_suites()) {
    const fs::path baseline = fs::path(HOURGLASS_SOURCE_DIR) / "suites/baselines" / (suite + ".json");
    const auto doc = read_json(baseline);
    for (const auto& task : doc["suite"]["config"]["tasks"]) c.families.insert(task["family"]);
    for (const auto& agent : doc["suite"]["config"]["agents"]) c.learners.insert(agent["learner"]);
  }
  return c;
}

TEST(GateCoverage, EveryGateSuiteHasItsSuiteFileAndBaseline) {
  const auto suites = gate_suites();
  ASSERT_FALSE(suites.empty());
  std::set<std::string> listed(suites.begin(), suites.end());
  for (const auto& suite : suites) {
    const fs::path root(HOURGLASS_SOURCE_DIR);
    EXPECT_TRUE(fs::exists(root / "suites" / (suite + ".yaml"))) << suite;
    const fs::path baseline = root / "suites/baselines" / (suite + ".json");
    ASSERT_TRUE(fs::exists(baseline)) << "no baseline for gate suite " << suite
                                      << ": run scripts/update-baseline.sh " << suite;
    EXPECT_EQ(read_json(baseline)["suite"]["name"], suite);
  }
  // And no baseline that the gate does not run.
  for (const auto& entry : fs::directory_iterator(fs::path(HOURGLASS_SOURCE_DIR) / "suites/baselines")) {
    if (entry.path().extension() == ".json") {
      EXPECT_TRUE(listed.count(entry.path().stem().string()))
          << entry.path() << " is not a gate suite (HOURGLASS_GATE_SUITES in tests/CMakeLists.txt)";
    }
  }
}

TEST(GateCoverage, EveryRegisteredFamilyIsInAGateSuite) {
  const Covered c = covered_by_baselines();
  for (const auto& name : FamilyRegistry::instance().names())
    if (shipped(name)) {
      EXPECT_TRUE(c.families.count(name))
          << "family '" << name << "' is in no gate suite: add a small task with it to one of "
          << HOURGLASS_GATE_SUITES << " (suites/*.yaml) and run scripts/update-baseline.sh";
    }
}

TEST(GateCoverage, EveryRegisteredLearnerIsInAGateSuite) {
  const Covered c = covered_by_baselines();
  for (const auto& name : LearnerRegistry::instance().names())
    if (shipped(name)) {
      EXPECT_TRUE(c.learners.count(name))
          << "learner '" << name << "' is in no gate suite: add a small agent with it to one of "
          << HOURGLASS_GATE_SUITES << " (suites/*.yaml) and run scripts/update-baseline.sh";
    }
}

// The check itself can fail: a name the gate suites do not hold is reported.
TEST(GateCoverage, ANameOutsideTheGateSuitesIsNotCovered) {
  const Covered c = covered_by_baselines();
  EXPECT_FALSE(c.learners.count("no-such-learner"));
  EXPECT_FALSE(c.learners.empty());
  EXPECT_FALSE(c.families.empty());
}

}  // namespace
}  // namespace hg
