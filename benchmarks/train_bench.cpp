// The training core, timed: MLP training steps for populations of 1 to 256
// members, evaluation throughput, and a batched GEMM at the same shapes so
// each result is also a share of the measured peak. One intra-op thread
// unless HOURGLASS_BENCH_THREADS says otherwise; on --device (bench_main.cpp).
//
// BM_MlpTrainStep times what the runner does with the `mlp` learner: a fresh
// learner's train() (initial weights, one permutation gather per epoch, 100
// minibatch updates through PopulationMlp, the divergence check), on data
// drawn beforehand.
//
// BM_MlpTrainTask does the same for other shipped suites' networks:
// transfer-sinusoid's (1-64-64-1 with tanh), classification-shift's blobs
// (2-D, 4 classes, hidden [64, 64]), parity's 24 bits (hidden [128, 128]),
// and grokking's modular addition (p = 23, an embedding of 32, hidden [256],
// full batch: 450 pairs drawn with replacement, batch_size 512).
//
// Counters, in the units users think in:
//   member_updates/s  optimizer steps of one member per second (P x steps / s)
//   samples/s         training examples processed per second (x batch)
//   GFLOP/s           multiply-adds x 2 of forward + backward (3x forward)
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "bench_device.h"
#include "hourglass/learners/fixed_source.h"
#include "hourglass/learners/learner.h"
#include "hourglass/tasks/family.h"

namespace hg {
namespace {

constexpr int64_t kInputDim = 8;   // linear-shift in suites/quickstart.yaml
constexpr int64_t kHidden = 64;    // mlp-64: hidden [64, 64]
constexpr int64_t kBatch = 64;
constexpr int64_t kBudget = 1000;
constexpr int64_t kUpdates = 100;

std::vector<uint64_t> seeds(int64_t p) { return bench_seeds(p, 1000); }

Batch draw(int64_t p, int64_t n) {
  const FamilyInfo* family = FamilyRegistry::instance().find("linear-regression");
  Params params(family->params);
  params.set("dim", kInputDim);
  auto split = family->make_split(params, seeds(p));
  std::vector<Rng> rngs;
  for (int64_t i = 0; i < p; ++i) rngs.emplace_back(static_cast<uint64_t>(i));
  return split->sample(n, rngs);
}

std::unique_ptr<Learner> make_mlp(int64_t updates) {
  const LearnerInfo* info = LearnerRegistry::instance().find("mlp");
  Params params(info->params);
  params.set("hidden", std::vector<int64_t>{kHidden, kHidden});
  params.set("batch_size", kBatch);
  params.set("max_updates", updates);
  return info->make(params);
}

// Multiply-adds of one member's forward pass over one batch.
double forward_macs() {
  return static_cast<double>(kBatch) *
         (kInputDim * kHidden + kHidden * kHidden + kHidden * 1);
}

void BM_MlpTrainStep(benchmark::State& state) {
  const int64_t P = state.range(0);
  const Batch data = draw(P, kBudget);
  for (auto _ : state) {
    auto learner = make_mlp(kUpdates);
    FixedSource source(data);
    TrainContext ctx{source, {TaskKind::kRegression, kInputDim, 1}, bench_device(), seeds(P), 0,
                     {}};
    learner->train(ctx);  // ends with a host read of the divergence check
    benchmark::DoNotOptimize(ctx.updates);
  }
  const double steps = static_cast<double>(state.iterations() * kUpdates);
  state.counters["member_updates/s"] =
      benchmark::Counter(steps * static_cast<double>(P), benchmark::Counter::kIsRate);
  state.counters["samples/s"] = benchmark::Counter(
      steps * static_cast<double>(P * kBatch), benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(
      steps * static_cast<double>(P) * 3 * 2 * forward_macs() / 1e9, benchmark::Counter::kIsRate);
  state.counters["us/member_step"] = benchmark::Counter(
      steps * static_cast<double>(P) / 1e6,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_MlpTrainStep)->Arg(1)->Arg(8)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// A workload of a shipped suite.
struct MlpTask {
  std::string family;
  std::vector<std::pair<std::string, ParamValue>> family_params;
  std::vector<int64_t> hidden;
  int64_t batch, embedding;
  int64_t budget = kBudget;  // examples per member
  std::string activation = "relu";
};

void BM_MlpTrainTask(benchmark::State& state, const MlpTask& t) {
  const int64_t P = state.range(0);
  const FamilyInfo* family = FamilyRegistry::instance().find(t.family);
  Params fp(family->params);
  for (const auto& [name, value] : t.family_params) fp.set(name, value);
  auto split = family->make_split(fp, seeds(P));
  std::vector<Rng> rngs;
  for (int64_t i = 0; i < P; ++i) rngs.emplace_back(static_cast<uint64_t>(i));
  const Batch data = split->sample(t.budget, rngs);
  const TaskShape shape = split->shape();
  const LearnerInfo* info = LearnerRegistry::instance().find("mlp");
  Params lp(info->params);
  lp.set("hidden", t.hidden);
  lp.set("batch_size", t.batch);
  lp.set("embedding", t.embedding);
  lp.set("activation", t.activation);
  lp.set("max_updates", kUpdates);
  for (auto _ : state) {
    auto learner = info->make(lp);
    FixedSource source(data);
    TrainContext ctx{source, shape, bench_device(), seeds(P), 0, {}};
    learner->train(ctx);
    benchmark::DoNotOptimize(ctx.updates);
  }
  // Multiply-adds of one forward pass over one batch (the embedding as the
  // products the step computes: blocks x V x e per example).
  const int64_t batch = std::min(t.batch, t.budget);
  std::vector<int64_t> w{shape.input_dim};
  double macs = 0;
  if (t.embedding > 0) {
    macs += static_cast<double>(shape.input_dim * t.embedding);
    w[0] = shape.input_dim / shape.one_hot_block * t.embedding;
  }
  w.insert(w.end(), t.hidden.begin(), t.hidden.end());
  w.push_back(shape.output_dim);
  for (size_t l = 0; l + 1 < w.size(); ++l) macs += static_cast<double>(w[l] * w[l + 1]);
  macs *= static_cast<double>(batch);
  const double steps = static_cast<double>(state.iterations() * kUpdates);
  state.counters["us/member_step"] = benchmark::Counter(
      steps * static_cast<double>(P) / 1e6,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["samples/s"] = benchmark::Counter(
      steps * static_cast<double>(P * batch), benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(
      steps * static_cast<double>(P) * 3 * 2 * macs / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_MlpTrainTask, blobs,
                  MlpTask{"gaussian-blobs", {{"classes", int64_t{4}}, {"dim", int64_t{2}}},
                          {64, 64}, 64, 0})
    ->Arg(1)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_MlpTrainTask, parity,
                  MlpTask{"sparse-parity", {{"bits", int64_t{24}}, {"k", int64_t{3}}},
                          {128, 128}, 64, 0})
    ->Arg(1)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_MlpTrainTask, grokking,
                  MlpTask{"modular-arithmetic", {{"p", int64_t{23}}}, {256}, 512, 32, 450})
    ->Arg(1)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();
// transfer-sinusoid's regression network: tanh rather than relu.
BENCHMARK_CAPTURE(BM_MlpTrainTask, sinusoid_tanh,
                  MlpTask{"sinusoid", {}, {64, 64}, 64, 0, kBudget, "tanh"})
    ->Arg(1)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MlpEvaluate(benchmark::State& state) {
  const int64_t P = state.range(0);
  const Batch data = draw(P, kBudget);
  auto learner = make_mlp(1);
  FixedSource source(data);
  TrainContext ctx{source, {TaskKind::kRegression, kInputDim, 1}, bench_device(), seeds(P), 0,
                   {}};
  learner->train(ctx);
  const auto x = draw(P, 2000).x.to(bench_device());
  for (auto _ : state) {
    benchmark::DoNotOptimize(learner->predict(x));
    bench_sync();
  }
  state.counters["samples/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * P * 2000), benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * P) * 2 * forward_macs() * 2000 / kBatch / 1e9,
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MlpEvaluate)->Arg(1)->Arg(8)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The peak to compare with: one batched product per hidden layer shape,
// [P, batch, 64] x [P, 64, 64], as the step's dominant matrix products.
void BM_BatchedGemm(benchmark::State& state) {
  const int64_t P = state.range(0);
  const auto on = torch::TensorOptions(bench_device());
  const auto a = torch::randn({P, kBatch, kHidden}, on);
  const auto b = torch::randn({P, kHidden, kHidden}, on);
  auto c = torch::empty({P, kBatch, kHidden}, on);
  for (auto _ : state) {
    torch::bmm_out(c, a, b);
    benchmark::DoNotOptimize(c.data_ptr<float>());
    bench_sync();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * P) * 2.0 * kBatch * kHidden * kHidden / 1e9,
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BatchedGemm)->Arg(1)->Arg(8)->Arg(64)->Arg(256)->UseRealTime();

}  // namespace
}  // namespace hg

