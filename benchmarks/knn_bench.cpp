// The `knn` learner's prediction, timed: P members of n = 10,000 training
// inputs of 784 values each (the size of a Fashion-MNIST image), 2,000
// queries per member, k = 5, euclidean: what the runner's evaluation of one
// split costs at budget 10,000 of suites/fashion-shift.yaml. Inputs are
// uniform in [0, 1] (pixel intensities), drawn once per benchmark.
//
// Counters:
//   queries/s   query rows answered per second (P x 2,000 per iteration)
//   GFLOP/s     2 x queries x n x 784 per second (the multiply-adds of the
//               query-by-training-set distance matrix, whichever way it is
//               computed), so a value is comparable with a GEMM's peak
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "bench_device.h"
#include "hourglass/learners/fixed_source.h"
#include "hourglass/learners/learner.h"

namespace hg {
namespace {

constexpr int64_t kTrain = 10'000;
constexpr int64_t kDim = 28 * 28;
constexpr int64_t kQueries = 2'000;
constexpr int64_t kClasses = 10;

void BM_KnnPredict(benchmark::State& state) {
  const int64_t P = state.range(0);
  const auto on = torch::TensorOptions(bench_device());
  torch::manual_seed(0);
  Batch data{torch::rand({P, kTrain, kDim}, on),
             torch::randint(0, kClasses, {P, kTrain}, on.dtype(torch::kLong))};
  const auto queries = torch::rand({P, kQueries, kDim}, on);
  const LearnerInfo* info = LearnerRegistry::instance().find("knn");
  Params params(info->params);
  params.set("k", int64_t{5});
  auto learner = info->make(params);
  FixedSource source(data);
  TrainContext ctx{
      source, {TaskKind::kClassification, kDim, kClasses}, bench_device(), bench_seeds(P, 1000), 0,
      {}};
  learner->train(ctx);
  for (auto _ : state) {
    benchmark::DoNotOptimize(learner->predict(queries));
    bench_sync();
  }
  const double rows = static_cast<double>(state.iterations() * P * kQueries);
  state.counters["queries/s"] = benchmark::Counter(rows, benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(
      rows * 2.0 * static_cast<double>(kTrain * kDim) / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_KnnPredict)->Arg(1)->Arg(3)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace hg
