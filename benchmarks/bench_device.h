// The device hourglass_bench's training-core benchmarks run on (--device).
#pragma once

#include <c10/core/Device.h>

namespace hg {

c10::Device bench_device();
// Waits for the device's queued work (no-op on CPU), so a timing holds it.
void bench_sync();

}  // namespace hg
