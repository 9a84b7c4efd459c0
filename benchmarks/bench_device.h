// The device hourglass_bench's training-core benchmarks run on (--device).
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <vector>

namespace hg {

c10::Device bench_device();
// Waits for the device's queued work (no-op on CPU), so a timing holds it.
void bench_sync();

// Member seeds first, first + 1, ..., first + p - 1 of a benchmark population.
inline std::vector<uint64_t> bench_seeds(int64_t p, uint64_t first) {
  std::vector<uint64_t> out;
  for (int64_t i = 0; i < p; ++i) out.push_back(first + static_cast<uint64_t>(i));
  return out;
}

}  // namespace hg
