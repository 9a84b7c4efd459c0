#include "hourglass/core/fast_math.h"

#include <algorithm>

// Compiled for AVX-512, AVX2+FMA and the baseline, picked at run time (GCC
// function multi-versioning on x86-64).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define HG_CLONES
#endif

namespace hg {

HG_CLONES void tanh_approx(const float* x, float* y, int64_t n) {
  // Numerator x * P(x^2) and denominator Q(x^2), Horner's rule.
  constexpr float a13 = -2.76076847742355e-16f, a11 = 2.00018790482477e-13f,
                  a9 = -8.60467152213735e-11f, a7 = 5.12229709037114e-08f,
                  a5 = 1.48572235717979e-05f, a3 = 6.37261928875436e-04f,
                  a1 = 4.89352455891786e-03f;
  constexpr float b6 = 1.19825839466702e-06f, b4 = 1.18534705686654e-04f,
                  b2 = 2.26843463243900e-03f, b0 = 4.89352518554385e-03f;
  for (int64_t i = 0; i < n; ++i) {
    // std::max(NaN, c) and std::min(NaN, c) return the NaN: it propagates.
    const float v = std::min(std::max(x[i], -9.0f), 9.0f);
    const float v2 = v * v;
    float p = v2 * a13 + a11;
    p = v2 * p + a9;
    p = v2 * p + a7;
    p = v2 * p + a5;
    p = v2 * p + a3;
    p = v2 * p + a1;
    float q = v2 * b6 + b4;
    q = v2 * q + b2;
    q = v2 * q + b0;
    // Near +-9 the quotient can round one step past 1.
    y[i] = std::min(std::max(v * p / q, -1.0f), 1.0f);
  }
}

}  // namespace hg
