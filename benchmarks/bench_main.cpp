// hourglass_bench's main: Google Benchmark's flags plus
//   --device cpu|cuda|auto   where the training-core benchmarks run (default cpu)
// and the intra-op thread count, fixed before any benchmark runs: one unless
// HOURGLASS_BENCH_THREADS says otherwise.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "bench_device.h"
#include "hourglass/core/tensor_util.h"

namespace hg {

namespace {
c10::Device g_device(c10::kCPU);
}

c10::Device bench_device() { return g_device; }

void bench_sync() {
  if (g_device.is_cuda()) torch::cuda::synchronize();
}

}  // namespace hg

int main(int argc, char** argv) {
  hg::keep_freed_memory();
  std::vector<char*> args;
  std::string device = "cpu";
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
      device = argv[++i];
    } else if (std::strncmp(argv[i], "--device=", 9) == 0) {
      device = argv[i] + 9;
    } else {
      args.push_back(argv[i]);
    }
  }
  try {
    hg::g_device = hg::resolve_device(device);
  } catch (const std::exception& e) {
    std::cerr << "hourglass_bench: " << e.what() << "\n";
    return 2;
  }
  const char* threads = std::getenv("HOURGLASS_BENCH_THREADS");
  at::set_num_threads(threads ? std::atoi(threads) : 1);
  benchmark::AddCustomContext("intra_op_threads", std::to_string(at::get_num_threads()));
  benchmark::AddCustomContext("libtorch", TORCH_VERSION);
  benchmark::AddCustomContext("device", hg::g_device.str());
  benchmark::AddCustomContext("blas", hg::blas_description());

  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
