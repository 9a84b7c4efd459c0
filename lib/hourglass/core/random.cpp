#include "hourglass/core/random.h"

#include <cmath>
#include <string>
#include <utility>

namespace hg {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t stable_hash(std::string_view text) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return splitmix64(h);
}

uint64_t mix_seed(uint64_t seed, uint64_t value) {
  return splitmix64(seed ^ splitmix64(value + 0x632BE59BD9B4E019ull));
}

uint64_t mix_seed(uint64_t seed, std::string_view label) {
  return mix_seed(seed, stable_hash(label));
}

uint64_t derive_seed(uint64_t suite_seed, std::string_view task, std::string_view agent,
                     int64_t budget, int64_t seed_index) {
  uint64_t s = splitmix64(suite_seed);
  s = mix_seed(s, task);
  s = mix_seed(s, agent);
  s = mix_seed(s, static_cast<uint64_t>(budget));
  s = mix_seed(s, static_cast<uint64_t>(seed_index));
  return s;
}

Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  for (auto& s : s_) {
    x = splitmix64(x);
    s = x;
  }
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t Rng::next_u64() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

uint64_t Rng::below(uint64_t n) {
  __uint128_t m = static_cast<__uint128_t>(next_u64()) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<__uint128_t>(next_u64()) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u1 = uniform();
  while (u1 <= 0.0) u1 = uniform();
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * M_PI * u2;
  spare_ = r * std::sin(theta);
  has_spare_ = true;
  return r * std::cos(theta);
}

void partial_shuffle(std::vector<int64_t>& items, int64_t n, Rng& rng) {
  const auto size = static_cast<int64_t>(items.size());
  for (int64_t k = 0; k < n && k + 1 < size; ++k) {
    const auto j = k + static_cast<int64_t>(rng.below(static_cast<uint64_t>(size - k)));
    std::swap(items[k], items[j]);
  }
}

std::vector<Rng> member_streams(const std::vector<uint64_t>& seeds, std::string_view label) {
  std::vector<Rng> out;
  out.reserve(seeds.size());
  for (uint64_t s : seeds) out.emplace_back(mix_seed(s, label));
  return out;
}

}  // namespace hg
