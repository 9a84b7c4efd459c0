// Helpers shared by the unit tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "hourglass/run/plan.h"
#include "hourglass/suite/suite.h"

namespace hg::testing {

// A fresh directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hourglass-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name, const std::string& contents) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p) << contents;
    return p;
  }

 private:
  std::string path_;
};

// Expects `actual` to equal tests/data/golden/<name>. To update the golden
// files on purpose: HOURGLASS_UPDATE_GOLDEN=1 ./hourglass_tests, then review
// the diff of tests/data/golden/.
inline void expect_golden(const std::string& actual, const std::string& name) {
  const std::string path = std::string(HOURGLASS_TEST_DATA_DIR) + "/golden/" + name;
  if (std::getenv("HOURGLASS_UPDATE_GOLDEN")) std::ofstream(path) << actual;
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing golden file " << path;
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "golden " << path;
}

// Loads `yaml` as a suite against the registered families and learners.
inline Suite suite_from_yaml(const std::string& yaml) {
  TempDir dir;
  return load_suite(dir.file("suite.yaml", yaml), registered_catalog());
}

// The loader's errors for a suite, one diagnostic per line ("" when it loads).
inline std::string suite_errors(const std::string& yaml) {
  try {
    suite_from_yaml(yaml);
  } catch (const SuiteError& e) {
    std::string out;
    for (const auto& d : e.diagnostics()) out += d.str() + "\n";
    return out;
  }
  return "";
}

}  // namespace hg::testing
