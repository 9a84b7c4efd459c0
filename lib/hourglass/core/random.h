// Seeds and random numbers that are the same on every platform, compiler,
// LibTorch version and device.
//
// Trial seeds are derived from names and numbers, never from execution order:
//   derive_seed(suite seed, task, agent, budget, seed index)
// Data and initial weights are drawn with Rng (xoshiro256**, seeded through
// SplitMix64) on the host and copied to the device, so a trial's data do not
// depend on LibTorch's generators.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace hg {

// One SplitMix64 step: a good 64-bit mixer of `x`.
uint64_t splitmix64(uint64_t x);

// FNV-1a 64 of the bytes of `text`, finished with splitmix64.
uint64_t stable_hash(std::string_view text);

// Hash-combine: order-sensitive, stable.
uint64_t mix_seed(uint64_t seed, uint64_t value);
uint64_t mix_seed(uint64_t seed, std::string_view label);

// The seed of one trial; see docs/suite-format.md ("seeds").
uint64_t derive_seed(uint64_t suite_seed, std::string_view task, std::string_view agent,
                     int64_t budget, int64_t seed_index);

// xoshiro256** with its own portable distributions.
class Rng {
 public:
  explicit Rng(uint64_t seed);

  uint64_t next_u64();
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift with rejection).
  uint64_t below(uint64_t n);
  // Standard normal (Box-Muller; the second value is kept for the next call).
  double normal();

 private:
  uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// Fisher-Yates on the first n entries: afterwards items[0..n) is a uniform
// random n-subset of items in random order (n == size: a full shuffle).
// Requires 0 <= n <= items.size().
void partial_shuffle(std::vector<int64_t>& items, int64_t n, Rng& rng);

// One stream per member: Rng(mix_seed(seeds[i], label)).
std::vector<Rng> member_streams(const std::vector<uint64_t>& seeds, std::string_view label);

}  // namespace hg
