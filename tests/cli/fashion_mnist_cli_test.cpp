// Fashion-MNIST through the real `hourglass` binary on the real files of the
// Debian package dataset-fashion-mnist (`./scripts/setup.sh --tests`
// installs it). Without the package these tests FAIL, naming it: a missing
// data set is never a silent pass.
#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace {

using hg::testing::Cli;
using hg::testing::contains;

constexpr const char* kDebianDir = "/usr/share/datasets/fashion-mnist";

// A small budget, two seeds, 500 test images per split: a few seconds.
constexpr const char* kSuite = R"(suite: fashion-cli
version: 1
seed: 1
seeds: 2
budgets: [300]
eval_samples: 500
tasks:
  - name: fashion
    family: fashion-mnist
    ood:
      rotate-90: {transform: rotate, severity: 90}
      invert: {transform: invert}
agents:
  - name: knn
    learner: knn
    params: {k: 5}
  - name: logistic
    learner: logistic
  - name: cnn
    learner: cnn
    params: {max_updates: 60}
)";

class FashionMnistCli : public Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    ASSERT_TRUE(std::filesystem::exists(std::string(kDebianDir) + "/train-images-idx3-ubyte.gz"))
        << "the Debian package dataset-fashion-mnist is not installed (" << kDebianDir
        << "): run ./scripts/setup.sh --tests";
  }
};

TEST_F(FashionMnistCli, RealImagesScoreWellAboveChanceInDistributionAndDropUnderShift) {
  const std::string suite = write("fashion.yaml", kSuite);
  const auto r = hourglass("run '" + suite + "' --quiet --threads 1 --report full --out '" + dir_ + "/a'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "ood/rotate-90")) << r.out;
  const auto results = nlohmann::json::parse(read(dir_ + "/a/results.json"));
  ASSERT_EQ(results["trials"].size(), 6u);
  for (const auto& t : results["trials"]) {
    ASSERT_EQ(t["status"], "ok") << t.dump();
    EXPECT_EQ(t["samples_used"], 300) << t.dump();
    const double test = t["splits"]["test"]["raw"].get<double>();
    // 300 images: kNN, logistic regression and 60 steps of the CNN reach
    // about 0.7 (chance 0.1).
    EXPECT_GT(test, 0.55) << t.dump();
    EXPECT_LT(test, 0.9) << t.dump();
    // Normalized: 0 = chance (0.1), 1 = perfect.
    EXPECT_NEAR(t["splits"]["test"]["normalized"].get<double>(), (test - 0.1) / 0.9, 1e-9);
    // Rotating by 90 degrees and inverting cost most of it.
    EXPECT_LT(t["splits"]["ood/rotate-90"]["raw"].get<double>(), test - 0.2) << t.dump();
    EXPECT_LT(t["splits"]["ood/invert"]["raw"].get<double>(), test - 0.2) << t.dump();
  }
}

TEST_F(FashionMnistCli, MissingFilesAreALocatedErrorNamingTheFileAndThePackage) {
  std::string yaml = kSuite;
  yaml.replace(yaml.find("    family: fashion-mnist\n"), 26,
               "    family: fashion-mnist\n    params: {data_dir: " + dir_ + "/nothing}\n");
  const std::string suite = write("missing.yaml", yaml);
  const auto r = hourglass("run '" + suite + "' --quiet --out '" + dir_ + "/a'");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, suite + ":8:5: error: task 'fashion'")) << r.err;
  EXPECT_TRUE(contains(r.err, "train-images-idx3-ubyte.gz")) << r.err;
  EXPECT_TRUE(contains(r.err, "dataset-fashion-mnist")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/a/results.json"));

  // HOURGLASS_DATA points the default elsewhere: the same error.
  const auto env = hourglass("validate '" + write("env.yaml", kSuite) + "'",
                             "HOURGLASS_DATA='" + dir_ + "/nothing'");
  EXPECT_EQ(env.code, 2) << env.err;
  EXPECT_TRUE(contains(env.err, dir_ + "/nothing/fashion-mnist/train-images-idx3-ubyte.gz"))
      << env.err;
}

TEST_F(FashionMnistCli, ABudgetAboveTheTrainingImagesIsALocatedError) {
  std::string yaml = kSuite;
  yaml.replace(yaml.find("budgets: [300]"), 14, "budgets: [300, 60001]");
  const auto r = hourglass("validate '" + write("big.yaml", yaml) + "'");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "big.yaml:8:5: error: task 'fashion'")) << r.err;
  EXPECT_TRUE(contains(r.err, "budget 60001 exceeds the 60000")) << r.err;
}

TEST_F(FashionMnistCli, CorruptFilesAreRefusedWithTheFileAndThePackage) {
  // A copy of the package's files with one byte of the training labels changed.
  const std::string copy = dir_ + "/copy";
  std::filesystem::create_directories(copy);
  for (const auto& e : std::filesystem::directory_iterator(kDebianDir))
    std::filesystem::copy_file(e.path(), copy + "/" + e.path().filename().string());
  {
    std::fstream f(copy + "/train-labels-idx1-ubyte.gz", std::ios::in | std::ios::out |
                                                             std::ios::binary);
    f.seekp(100);
    f.put('\x5a');
  }
  std::string yaml = kSuite;
  yaml.replace(yaml.find("    family: fashion-mnist\n"), 26,
               "    family: fashion-mnist\n    params: {data_dir: " + copy + "}\n");
  const auto r = hourglass("run '" + write("corrupt.yaml", yaml) + "' --quiet --out '" + dir_ +
                           "/a'");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, copy + "/train-labels-idx1-ubyte.gz: SHA-256")) << r.err;
  EXPECT_TRUE(contains(r.err, "dataset-fashion-mnist")) << r.err;
}

TEST_F(Cli, TheCnnIsRefusedOnAFlatFamilyWithALocatedError) {
  const std::string suite = write("flat.yaml", R"(suite: flat
budgets: [100]
tasks:
  - name: blobs
    family: gaussian-blobs
agents:
  - name: conv
    learner: cnn
)");
  const auto r = hourglass("validate '" + suite + "'");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, suite + ":8:14: error: agent 'conv': learner 'cnn' takes image inputs "
                              "only, and task 'blobs' (family 'gaussian-blobs') has flat inputs "
                              "(families with images: fashion-mnist)"))
      << r.err;
}

}  // namespace
