// The TorchScript example with the real binary and the real Python route:
// examples/torchscript/make_models.py (Debian's python3-torch) writes the
// models, `hourglass run` trains them beside the built-in learners, and the
// transfer example prints effective data transferred for a pretrained file.
// Runs use --threads 1: a TorchScript step is small, and spinning intra-op
// threads on a shared machine cost ten times its CPU time (measured).
// These tests FAIL, naming the package, when python3-torch is missing
// (./scripts/setup.sh --tests installs it): never a silent pass.
#include <algorithm>
#include <filesystem>
#include <map>

#include "cli_fixture.h"

namespace {

using hg::testing::Cli;
using hg::testing::contains;

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, not a virtualenv's

class TorchScriptExample : public Cli {
 protected:
  // Copies the example suites into the test directory and makes the models
  // next to them with make_models.py.
  void SetUp() override {
    Cli::SetUp();
    const std::string probe = std::string(kPython) + " -c 'import torch' >/dev/null 2>&1";
    ASSERT_EQ(std::system(probe.c_str()), 0)
        << "needs Debian's python3-torch for " << kPython
        << " (apt-get install python3-torch, or ./scripts/setup.sh --tests)";
    for (const char* name : {"suite.yaml", "transfer.yaml"})
      std::filesystem::copy_file(HOURGLASS_SOURCE_DIR "/examples/torchscript/" + std::string(name),
                                 dir_ + "/" + name);
    const std::string make = std::string(kPython) +
                             " '" HOURGLASS_SOURCE_DIR "/examples/torchscript/make_models.py' '" +
                             dir_ + "/models' >'" + dir_ + "/make.log' 2>&1";
    ASSERT_EQ(std::system(make.c_str()), 0) << read(dir_ + "/make.log");
  }
};

TEST_F(TorchScriptExample, TheSuitePrintsTheUserModelsRowsAtEveryBudget) {
  const auto v = hourglass("validate '" + dir_ + "/suite.yaml'");
  ASSERT_EQ(v.code, 0) << v.err;
  const auto o = hourglass("run '" + dir_ + "/suite.yaml' --quiet --threads 1 --out '" + dir_ + "/run'");
  ASSERT_EQ(o.code, 0) << o.err;
  for (const char* agent : {"my-mlp", "my-cnn", "mlp", "logistic"})
    EXPECT_TRUE(contains(o.out, agent)) << agent << "\n" << o.out;
  const auto results = nlohmann::json::parse(read(dir_ + "/run/results.json"));
  std::map<std::string, int> rows;  // agent/budget -> ok trials
  for (const auto& t : results.at("trials")) {
    EXPECT_EQ(t.at("status"), "ok") << t.dump();
    rows[t.at("agent").get<std::string>() + "/" + std::to_string(t.at("budget").get<int>())] += 1;
  }
  for (const char* agent : {"my-mlp", "my-cnn"})
    for (int budget : {100, 1000, 10000})
      EXPECT_EQ((rows[std::string(agent) + "/" + std::to_string(budget)]), 3)
          << agent << " at " << budget;
  // A trained user classifier is far above chance in distribution.
  double best = -1;
  for (const auto& t : results.at("trials"))
    if (t.at("agent") == "my-mlp" && t.at("budget") == 10000)
      for (const auto& [name, s] : t.at("splits").items())
        if (name == "test") best = std::max(best, s.at("normalized").get<double>());
  EXPECT_GT(best, 0.8);
}

TEST_F(TorchScriptExample, APretrainedFileUnderTransferPrintsEffectiveDataTransferred) {
  const auto o = hourglass("run '" + dir_ + "/transfer.yaml' --quiet --threads 1 --out '" + dir_ + "/run'");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(contains(o.out, "effective data")) << o.out;
  EXPECT_TRUE(contains(o.out, "my-pretrained")) << o.out;
}

TEST_F(TorchScriptExample, AModelOfTheWrongShapeIsAnErrorAtItsModelKey) {
  write("wrong.yaml", R"(suite: wrong
budgets: [100]
tasks:
  - name: blobs
    family: gaussian-blobs
    params: {dim: 8, classes: 3}
agents:
  - name: mine
    learner: torchscript
    params: {model: models/blob_mlp.pt}
)");
  const auto o = hourglass("validate '" + dir_ + "/wrong.yaml'");
  EXPECT_EQ(o.code, 2);
  EXPECT_TRUE(contains(o.err, dir_ + "/wrong.yaml:10:21: error: agent 'mine': model " + dir_ +
                                  "/models/blob_mlp.pt returns [2, 4], task 'blobs' needs [2, 3]"))
      << o.err;
}

}  // namespace
