// The `torchscript` learner: modules built in C++ (torch::jit::Module with
// registered parameters and a forward defined from TorchScript source),
// saved to temp files and trained through the real runner. No Python.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>

#include "../test_util.h"
#include "hourglass/core/error.h"
#include "hourglass/learners/learner.h"
#include "hourglass/learners/torchscript/torchscript.h"
#include "hourglass/run/runner.h"

namespace hg {
namespace {

using testing::TempDir;

std::string save_mlp(const TempDir& dir, const std::string& name, int64_t in,
                     const std::vector<int64_t>& hidden, int64_t out, uint64_t seed = 1) {
  const std::string path = dir.path() + "/" + name;
  make_torchscript_mlp(in, hidden, out, seed).save(path);
  return path;
}

Suite load(const TempDir& dir, const std::string& yaml) {
  return load_suite(dir.file("suite.yaml", yaml), registered_catalog());
}

double mean_normalized(const std::vector<TrialRecord>& trials, const std::string& split) {
  double sum = 0;
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kOk) << t.message;
    sum += t.find_split(split)->normalized;
  }
  return sum / static_cast<double>(trials.size());
}

// The diagnostics of a suite that must not load, one per line.
std::string errors_of(const TempDir& dir, const std::string& yaml) {
  try {
    load(dir, yaml);
  } catch (const SuiteError& e) {
    std::string out;
    for (const auto& d : e.diagnostics()) out += d.str() + "\n";
    return out;
  }
  return "";
}

TEST(TorchScriptModule, TheCppBuiltMlpMapsABatchToItsOutputs) {
  TempDir dir;
  auto m = torch::jit::load(save_mlp(dir, "m.pt", 3, {5}, 2));
  const auto y = m.forward({torch::ones({4, 3})}).toTensor();
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{4, 2}));
}

TEST(TorchScriptInit, LinearWeightsAndBiasesAreUniformWithinOneOverRootFanIn) {
  // fc0: 400 inputs -> bound 1/20 = 0.05, U(-b, b) has standard deviation
  // b / sqrt(3) = 0.028868; fc1: 8 inputs -> bound 0.35355.
  auto m = make_torchscript_mlp(400, {300}, 2, 1);
  reinitialize_like_pytorch(m, 42);
  const auto w0 = m.attr("fc0").toModule().attr("weight").toTensor();
  const auto b0 = m.attr("fc0").toModule().attr("bias").toTensor();
  EXPECT_LE(w0.abs().max().item<double>(), 0.05);
  EXPECT_GT(w0.abs().max().item<double>(), 0.0499);
  EXPECT_NEAR(w0.std().item<double>(), 0.028868, 0.0005);  // 120,000 draws
  EXPECT_NEAR(w0.mean().item<double>(), 0.0, 0.0005);
  EXPECT_LE(b0.abs().max().item<double>(), 0.05);
  const auto w1 = m.attr("fc1").toModule().attr("weight").toTensor();
  EXPECT_LE(w1.abs().max().item<double>(), 1.0 / std::sqrt(300.0));
  // Deterministic per seed, different across seeds.
  auto again = make_torchscript_mlp(400, {300}, 2, 1);
  reinitialize_like_pytorch(again, 42);
  EXPECT_TRUE(torch::equal(again.attr("fc0").toModule().attr("weight").toTensor(), w0));
  reinitialize_like_pytorch(again, 43);
  EXPECT_FALSE(torch::equal(again.attr("fc0").toModule().attr("weight").toTensor(), w0));
}

TEST(TorchScriptInit, ConvFanInCountsTheKernelAndEmbeddingsAreStandardNormal) {
  torch::jit::Module net("Net");
  torch::jit::Module conv("Conv2d");
  conv.register_parameter("weight", torch::zeros({16, 4, 3, 3}), false);  // fan_in 36
  conv.register_parameter("bias", torch::zeros({16}), false);
  conv.define("def forward(self, x):\n    return x\n");
  torch::jit::Module emb("Embedding");
  emb.register_parameter("weight", torch::zeros({500, 40}), false);
  emb.define("def forward(self, x):\n    return x\n");
  torch::jit::Module norm("LayerNorm");
  norm.register_parameter("weight", torch::ones({8}), false);
  norm.define("def forward(self, x):\n    return x\n");
  net.register_module("conv", conv);
  net.register_module("emb", emb);
  net.register_module("norm", norm);
  net.define("def forward(self, x):\n    return x\n");
  reinitialize_like_pytorch(net, 3);
  const auto w = conv.attr("weight").toTensor();
  EXPECT_LE(w.abs().max().item<double>(), 1.0 / 6.0);
  EXPECT_GT(w.abs().max().item<double>(), 0.16);
  EXPECT_LE(conv.attr("bias").toTensor().abs().max().item<double>(), 1.0 / 6.0);
  const auto e = emb.attr("weight").toTensor();
  EXPECT_NEAR(e.std().item<double>(), 1.0, 0.02);  // 20,000 draws
  EXPECT_TRUE(torch::equal(norm.attr("weight").toTensor(), torch::ones({8})));
}

TEST(TorchScriptLearner, FitsLinearRegressionFromReinitializedWeights) {
  TempDir dir;
  save_mlp(dir, "net.pt", 8, {}, 1);
  const Suite suite = load(dir, R"(
suite: t
budgets: [500]
seeds: 3
tasks: [{name: lin, family: linear-regression, params: {noise: 0.1}}]
agents: [{name: mine, learner: torchscript, params: {model: net.pt, lr: 0.03, max_updates: 400}}]
)");
  const auto trials = run_population(suite, expand(suite)[0], "cpu");
  EXPECT_GT(mean_normalized(trials, "test"), 0.95);
  EXPECT_EQ(trials[0].samples_used, 500);
  EXPECT_EQ(trials[0].updates, 400);
}

TEST(TorchScriptLearner, ClassifiesBlobsWithCrossEntropyAndSgd) {
  TempDir dir;
  save_mlp(dir, "net.pt", 2, {16}, 4);
  const Suite suite = load(dir, R"(
suite: t
budgets: [400]
seeds: 2
tasks: [{name: blobs, family: gaussian-blobs, params: {separation: 4.0}}]
agents: [{name: mine, learner: torchscript, params: {model: net.pt, optimizer: sgd, lr: 0.05, max_updates: 300}}]
)");
  const auto trials = run_population(suite, expand(suite)[0], "cpu");
  EXPECT_GT(mean_normalized(trials, "test"), 0.7);
}

// A learner of the file at `path` with `init`, given no data (budget 0): its
// predictions are its starting weights' forward.
std::unique_ptr<Learner> untrained(const std::string& path, const std::string& init) {
  const LearnerInfo* info = LearnerRegistry::instance().find("torchscript");
  EXPECT_NE(info, nullptr);
  Params p(info->params);
  p.set("model", path);
  p.set("init", init);
  auto learner = info->make(p);
  struct Empty final : SampleSource {
    int64_t remaining() const override { return 0; }
    int64_t budget() const override { return 0; }
    Batch draw(int64_t n) override { return {torch::zeros({2, n, 8}), torch::zeros({2, n, 1})}; }
  } empty;
  TrainContext ctx{empty, TaskShape{TaskKind::kRegression, 8, 1, 0}, c10::Device("cpu"), {1, 2},
                   0, {}};
  learner->train(ctx);
  return learner;
}

TEST(TorchScriptLearner, InitFileStartsEveryMemberFromTheFilesWeights) {
  TempDir dir;
  const std::string path = save_mlp(dir, "net.pt", 8, {4}, 1, 5);
  const auto x = torch::randn({2, 5, 8});
  const auto y = untrained(path, "file")->predict(x);
  auto file = torch::jit::load(path);
  EXPECT_TRUE(torch::allclose(y[0], file.forward({x[0]}).toTensor()));
  EXPECT_TRUE(torch::allclose(y[1], file.forward({x[1]}).toTensor()));
}

TEST(TorchScriptLearner, InitSeedRedrawsEachMembersWeightsDeterministically) {
  TempDir dir;
  const std::string path = save_mlp(dir, "net.pt", 8, {4}, 1, 5);
  const auto x = torch::randn({1, 5, 8}).expand({2, 5, 8}).contiguous();
  const auto y = untrained(path, "seed")->predict(x);
  auto file = torch::jit::load(path);
  EXPECT_FALSE(torch::allclose(y[0], y[1]));  // members differ
  EXPECT_FALSE(torch::allclose(y[0], file.forward({x[0]}).toTensor()));  // and from the file
  EXPECT_TRUE(torch::equal(y, untrained(path, "seed")->predict(x)));  // same seeds, same weights
}

TEST(TorchScriptLearner, RunsUnderTheTransferProtocolWithAPretrainedFile) {
  TempDir dir;
  save_mlp(dir, "pretrained.pt", 2, {16}, 4);
  const Suite suite = load(dir, R"(
suite: t
protocol: transfer
pretrain_budget: 200
budgets: [0, 50]
seeds: 2
eval_samples: 200
tasks:
  - name: blobs
    family: gaussian-blobs
    targets: {rotated: {rotation: 30}}
agents: [{name: mine, learner: torchscript, params: {model: pretrained.pt, init: file, max_updates: 50}}]
)");
  for (const auto& population : expand(suite)) {
    const auto trials = run_population(suite, population, "cpu");
    for (const auto& t : trials) EXPECT_EQ(t.status, TrialStatus::kOk) << t.message;
  }
}

// ---- validation against the task's shape, located at the model: key -----------

TEST(TorchScriptValidate, AWrongOutputShapeIsAnErrorAtTheModelKey) {
  TempDir dir;
  save_mlp(dir, "net.pt", 2, {8}, 3);
  const std::string errors = errors_of(dir, R"(suite: t
budgets: [100]
tasks:
  - name: blobs
    family: gaussian-blobs
agents:
  - name: mine
    learner: torchscript
    params: {model: net.pt}
)");
  EXPECT_NE(errors.find(dir.path() + "/suite.yaml:9:21: error: agent 'mine': model " + dir.path() +
                        "/net.pt returns [2, 3], task 'blobs' needs [2, 4]"),
            std::string::npos)
      << errors;
}

TEST(TorchScriptValidate, AWrongInputWidthIsAnErrorNamingTheForwardFailure) {
  TempDir dir;
  save_mlp(dir, "net.pt", 5, {8}, 4);
  const std::string errors = errors_of(dir, R"(suite: t
budgets: [100]
tasks: [{name: blobs, family: gaussian-blobs}]
agents: [{name: mine, learner: torchscript, params: {model: net.pt}}]
)");
  EXPECT_NE(errors.find("error: agent 'mine': model " + dir.path() +
                        "/net.pt: forward on a batch [2, 2] failed"),
            std::string::npos)
      << errors;
}

TEST(TorchScriptValidate, MissingGarbageAndForwardlessFilesAreErrors) {
  TempDir dir;
  dir.file("garbage.pt", "this is not a zip archive");
  torch::jit::Module no_forward("NoForward");
  no_forward.register_parameter("w", torch::zeros({2, 2}), false);
  no_forward.save(dir.path() + "/noforward.pt");
  torch::jit::Module tuple("Tuple");
  tuple.define("def forward(self, x):\n    return (x, x)\n");
  tuple.save(dir.path() + "/tuple.pt");
  auto suite_with = [&](const std::string& model) {
    return "suite: t\nbudgets: [100]\ntasks: [{name: blobs, family: gaussian-blobs}]\n"
           "agents: [{name: mine, learner: torchscript, params: {model: " +
           model + "}}]\n";
  };
  EXPECT_NE(errors_of(dir, suite_with("missing.pt")).find("/missing.pt: no such file"),
            std::string::npos);
  EXPECT_NE(errors_of(dir, suite_with("garbage.pt"))
                .find("/garbage.pt: not a TorchScript file saved by torch.jit.save"),
            std::string::npos);
  EXPECT_NE(errors_of(dir, suite_with("noforward.pt")).find("the module has no forward method"),
            std::string::npos);
  EXPECT_NE(errors_of(dir, suite_with("tuple.pt")).find("forward returns a Tuple, not a tensor"),
            std::string::npos)
      << errors_of(dir, suite_with("tuple.pt"));
  const std::string none = errors_of(
      dir, "suite: t\nbudgets: [100]\ntasks: [{name: blobs, family: gaussian-blobs}]\n"
           "agents: [{name: mine, learner: torchscript}]\n");
  EXPECT_NE(none.find("suite.yaml:4:"), std::string::npos) << none;
  EXPECT_NE(none.find("error: agent 'mine': parameter 'model' is required"),
            std::string::npos)
      << none;
}

TEST(TorchScriptValidate, ModelPathsAreRelativeToTheFileThatWritesThem) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/sub/models");
  make_torchscript_mlp(2, {4}, 4, 1).save(dir.path() + "/sub/models/net.pt");
  dir.file("sub/agents.yaml",
           "agents: [{name: mine, learner: torchscript, params: {model: models/net.pt}}]\n");
  const Suite suite = load(dir, R"(suite: t
include: [sub/agents.yaml]
budgets: [100]
tasks: [{name: blobs, family: gaussian-blobs}]
)");
  const auto& entry = suite.agents.at(0).params.at("model");
  EXPECT_EQ(std::get<std::string>(entry.value), dir.path() + "/sub/models/net.pt");
}

}  // namespace
}  // namespace hg
