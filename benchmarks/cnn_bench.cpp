// The `cnn` learner's training step, timed: PopulationCnn (the network of
// suites/fashion-shift.yaml's cnn agent: 28x28 grey images, conv 5x5 with 16
// then 32 channels, each followed by relu and a 2x2 max-pool, dense 128 with
// dropout 0.25, 10 classes, Adam) on minibatches of 64 images per member, for
// populations of 1, 8 and 32 members. benchmarks/peer/cnn_peer.py runs the
// same network in Python PyTorch, one member at a time and as a loop over
// members; benchmarks/peer/compare.py --cnn prints the ratios.
//
// Counters:
//   us/member_step   microseconds per member per step (the step / P)
//   us/step          microseconds per population step
//   GFLOP/s          multiply-adds x 2 of forward + backward (3x forward)
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "bench_device.h"
#include "hourglass/learners/cnn/population_cnn.h"

namespace hg {
namespace {

constexpr int64_t kBatch = 64;
constexpr int64_t kSteps = 5;  // per iteration

PopulationCnnOptions fashion_cnn() {
  PopulationCnnOptions o;
  o.image = {1, 28, 28};
  o.classes = 10;
  o.channels = {16, 32};
  o.kernel = 5;
  o.hidden = {128};
  o.dropout = 0.25;
  o.lr = 1e-3;
  return o;
}

// Multiply-adds of one member's forward pass over one image.
double forward_macs(const PopulationCnnOptions& o) {
  const double k2 = static_cast<double>(o.kernel * o.kernel);
  const double c1 = static_cast<double>(o.channels[0]), c2 = static_cast<double>(o.channels[1]);
  const double conv1 = 28.0 * 28.0 * c1 * 1.0 * k2;
  const double conv2 = 14.0 * 14.0 * c2 * c1 * k2;
  const double dense = 7.0 * 7.0 * c2 * static_cast<double>(o.hidden[0]) +
                       static_cast<double>(o.hidden[0] * o.classes);
  return conv1 + conv2 + dense;
}

void BM_CnnTrainStep(benchmark::State& state) {
  const int64_t P = state.range(0);
  const auto o = fashion_cnn();
  const auto on = torch::TensorOptions(bench_device());
  torch::manual_seed(0);
  const auto x = torch::rand({P, kBatch, 28 * 28}, on);
  const auto y = torch::randint(0, 10, {P, kBatch}, on.dtype(torch::kLong));
  PopulationCnn net(o, bench_seeds(P, 1000), bench_device());
  int64_t step = 0;
  net.train_step(x, y, ++step);  // warm-up: first-call allocations
  for (auto _ : state) {
    for (int64_t s = 0; s < kSteps; ++s) benchmark::DoNotOptimize(net.train_step(x, y, ++step));
    bench_sync();
  }
  const double steps = static_cast<double>(state.iterations() * kSteps);
  state.counters["us/member_step"] = benchmark::Counter(
      steps * static_cast<double>(P) / 1e6,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["us/step"] = benchmark::Counter(
      steps / 1e6, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["GFLOP/s"] = benchmark::Counter(
      steps * static_cast<double>(P * kBatch) * 3 * 2 * forward_macs(o) / 1e9,
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CnnTrainStep)->Arg(1)->Arg(8)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace hg
