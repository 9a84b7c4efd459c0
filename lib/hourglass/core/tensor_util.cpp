#include "hourglass/core/tensor_util.h"

#include <torch/torch.h>

#include <dlfcn.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "hourglass/core/error.h"

namespace hg {
namespace {

template <class Draw>
at::Tensor fill_members(const std::vector<uint64_t>& member_seeds, std::string_view label,
                        const std::vector<int64_t>& shape, Draw draw) {
  std::vector<int64_t> full{static_cast<int64_t>(member_seeds.size())};
  full.insert(full.end(), shape.begin(), shape.end());
  auto t = torch::empty(full, torch::kFloat);
  const int64_t per_member = member_seeds.empty() ? 0 : t.numel() / full[0];
  float* data = t.data_ptr<float>();
  for (size_t i = 0; i < member_seeds.size(); ++i) {
    Rng rng(mix_seed(member_seeds[i], label));
    float* row = data + static_cast<int64_t>(i) * per_member;
    for (int64_t k = 0; k < per_member; ++k) row[k] = static_cast<float>(draw(rng));
  }
  return t;
}

}  // namespace

at::Tensor member_normal(const std::vector<uint64_t>& member_seeds, std::string_view label,
                         const std::vector<int64_t>& shape, double stddev) {
  return fill_members(member_seeds, label, shape,
                      [stddev](Rng& rng) { return stddev * rng.normal(); });
}

at::Tensor member_uniform(const std::vector<uint64_t>& member_seeds, std::string_view label,
                          const std::vector<int64_t>& shape, double lo, double hi) {
  return fill_members(member_seeds, label, shape,
                      [lo, hi](Rng& rng) { return rng.uniform(lo, hi); });
}

at::Tensor member_permutations(std::vector<Rng>& rngs, int64_t n) {
  const int64_t P = static_cast<int64_t>(rngs.size());
  auto t = torch::empty({P, n}, torch::kLong);
  int64_t* data = t.data_ptr<int64_t>();
  for (int64_t i = 0; i < P; ++i) {
    int64_t* row = data + i * n;
    for (int64_t k = 0; k < n; ++k) row[k] = k;
    for (int64_t k = n - 1; k > 0; --k) {  // Fisher-Yates
      const int64_t j = static_cast<int64_t>(rngs[i].below(static_cast<uint64_t>(k + 1)));
      std::swap(row[k], row[j]);
    }
  }
  return t;
}

c10::Device resolve_device(const std::string& name) {
  if (name == "cpu") return c10::Device(c10::kCPU);
  if (name == "cuda") {
    if (!torch::cuda::is_available())
      throw InputError("--device cuda: no CUDA device is available (LibTorch " +
                       std::string(TORCH_VERSION) + " sees none); use --device cpu");
    return c10::Device(c10::kCUDA, 0);
  }
  if (name == "auto")
    return torch::cuda::is_available() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  throw InputError("--device: expected auto, cpu or cuda, got '" + name + "'");
}

std::string blas_description() {
  // LibTorch links libblas.so.3, which Debian's alternatives point at OpenBLAS
  // or the reference implementation. OpenBLAS exports openblas_get_config.
  using ConfigFn = const char* (*)();
  if (auto fn = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
    // "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ... USE_OPENMP Cooperlake MAX_THREADS=64"
    const std::string config = fn();
    std::string out = config.substr(0, config.find(' ', config.find(' ') + 1));
    if (config.find("USE_OPENMP") != std::string::npos) out += " (openmp)";
    return out;
  }
  if (dlsym(RTLD_DEFAULT, "mkl_get_max_threads")) return "MKL";
  return "reference BLAS";
}

void keep_freed_memory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

}  // namespace hg
