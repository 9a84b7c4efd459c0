// Helpers shared by the unit tests.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
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

// Loads `yaml` as a suite against the registered families and learners.
inline Suite suite_from_yaml(const std::string& yaml) {
  TempDir dir;
  return load_suite(dir.file("suite.yaml", yaml), registered_catalog());
}

}  // namespace hg::testing
