// Test learners that reveal what they trained on (runner_test.cpp,
// sweep_runner_test.cpp): their prediction is NaN for every input equal to
// one they trained on and zeros elsewhere, so a split scores NaN exactly when
// it holds an example the member trained on.
#pragma once

#include <torch/torch.h>

#include <cmath>
#include <cstdint>

namespace hg::testing {

// x [P, n, d], trained_on [P, m, d] -> [P, n, classes].
inline at::Tensor nan_on_trained(const at::Tensor& x, const at::Tensor& trained_on,
                                 int64_t classes) {
  const auto hit = (torch::cdist(x, trained_on) == 0).any(2, /*keepdim=*/true);
  const auto zeros = torch::zeros({x.size(0), x.size(1), classes});
  return torch::where(hit.expand_as(zeros), torch::full_like(zeros, NAN), zeros);
}

}  // namespace hg::testing
