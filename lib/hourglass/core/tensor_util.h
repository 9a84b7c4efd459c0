// Host-side tensor helpers that draw with hg::Rng, one stream per member, so
// a population's random tensors are the same on every LibTorch version and
// device (they are made on the host and copied).
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "hourglass/core/random.h"

namespace hg {

// [P, shape...] float32 on the host, member i drawn from
// Rng(mix_seed(member_seeds[i], label)), entries N(0, stddev^2).
at::Tensor member_normal(const std::vector<uint64_t>& member_seeds, std::string_view label,
                         const std::vector<int64_t>& shape, double stddev);
// Same with entries U(lo, hi).
at::Tensor member_uniform(const std::vector<uint64_t>& member_seeds, std::string_view label,
                          const std::vector<int64_t>& shape, double lo, double hi);
// [P, n] int64 on the host: an independent random permutation of 0..n-1 per
// member, drawn from rngs[i].
at::Tensor member_permutations(std::vector<Rng>& rngs, int64_t n);

// Resolves "auto" (cuda when available), "cpu" or "cuda"; throws InputError
// for cuda without a GPU or an unknown name.
c10::Device resolve_device(const std::string& name);

// "OpenBLAS (openmp)", "reference BLAS" ...: what LibTorch multiplies with,
// read from its build configuration.
std::string blas_description();

// Tells glibc's malloc to keep freed memory for reuse instead of handing it
// back to the kernel (blocks under 64 MiB from the heap, not mmap; trim only
// above 256 MiB free). LibTorch allocates and frees activation-sized tensors
// every step; by default each big one is a fresh mmap whose pages the kernel
// must zero again (actor-critic at P = 64 took 1.4x as long). Call once at
// the start of main. No effect off glibc.
void keep_freed_memory();

}  // namespace hg
