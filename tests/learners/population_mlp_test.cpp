// The hand-written backward pass and flat optimizer of PopulationMlp,
// checked against LibTorch's autograd and torch::optim.
#include "hourglass/learners/mlp/population_mlp.h"

#include <torch/torch.h>
#include <gtest/gtest.h>

namespace hg {
namespace {

std::vector<uint64_t> seeds(int64_t p) {
  std::vector<uint64_t> out;
  for (int64_t i = 0; i < p; ++i) out.push_back(static_cast<uint64_t>(7 + i));
  return out;
}

// The same network through autograd: loss = sum over members of the mean
// squared error, as the mlp learner trains.
at::Tensor autograd_loss(const std::vector<at::Tensor>& w, const std::vector<at::Tensor>& b,
                         const at::Tensor& x, const at::Tensor& y, bool tanh) {
  at::Tensor h = x;
  for (size_t l = 0; l < w.size(); ++l) {
    h = torch::baddbmm(b[l], h, w[l]);
    if (l + 1 < w.size()) h = tanh ? torch::tanh(h) : torch::relu(h);
  }
  return (h - y).pow(2).mean({1, 2}).sum();
}

class Backward : public ::testing::TestWithParam<bool> {};

TEST_P(Backward, MatchesAutograd) {
  const bool tanh = GetParam();
  const int64_t P = 3, n = 17;
  PopulationMlp mlp({{5, 16, 8, 2}, tanh, true, 1e-3, 0.9, 0.0}, seeds(P), torch::kCPU);
  // Non-zero biases so that every path is exercised.
  for (const auto& b : mlp.biases()) b.copy_(0.1 * torch::randn_like(b));
  torch::manual_seed(0);
  const auto x = torch::randn({P, n, 5});
  const auto y = torch::randn({P, n, 2});

  const auto out = mlp.forward_train(x);
  mlp.backward(2 * (out - y) / static_cast<double>(n * 2));

  std::vector<at::Tensor> w, b;
  for (const auto& t : mlp.weights()) w.push_back(t.detach().clone().requires_grad_());
  for (const auto& t : mlp.biases()) b.push_back(t.detach().clone().requires_grad_());
  autograd_loss(w, b, x, y, tanh).backward();
  for (size_t l = 0; l < w.size(); ++l) {
    EXPECT_TRUE(torch::allclose(mlp.weight_grads()[l], w[l].grad(), 1e-5, 1e-6)) << l;
    EXPECT_TRUE(torch::allclose(mlp.bias_grads()[l], b[l].grad(), 1e-5, 1e-6)) << l;
  }
  EXPECT_TRUE(torch::allclose(mlp.forward(x), out));
}

INSTANTIATE_TEST_SUITE_P(Activations, Backward, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "tanh" : "relu"; });

TEST(FlatAdam, MatchesTorchOptimAdam) {
  const int64_t P = 2;
  PopulationMlp mlp({{3, 4, 1}, false, true, 1e-2, 0.9, 0.0}, seeds(P), torch::kCPU);
  std::vector<at::Tensor> reference;
  for (const auto& t : mlp.weights()) reference.push_back(t.detach().clone().requires_grad_());
  for (const auto& t : mlp.biases()) reference.push_back(t.detach().clone().requires_grad_());
  torch::optim::Adam adam(reference, torch::optim::AdamOptions(1e-2));
  torch::manual_seed(1);
  for (int step = 0; step < 3; ++step) {
    const auto x = torch::randn({P, 6, 3});
    const auto y = torch::randn({P, 6, 1});
    const auto out = mlp.forward_train(x);
    mlp.backward(2 * (out - y) / 6.0);
    mlp.step();
    adam.zero_grad();
    std::vector<at::Tensor> w{reference[0], reference[1]}, b{reference[2], reference[3]};
    autograd_loss(w, b, x, y, false).backward();
    adam.step();
  }
  EXPECT_TRUE(torch::allclose(mlp.weights()[0], reference[0], 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(mlp.biases()[1], reference[3], 1e-5, 1e-6));
}

TEST(FlatSgd, AppliesMomentumAndWeightDecay) {
  // One parameter set by hand: p = 1, g = 0.5, wd = 0.1, lr = 0.1, momentum 0.9:
  // step 1: g' = 0.5 + 0.1 = 0.6, m = 0.6, p = 1 - 0.06 = 0.94;
  // step 2: g' = 0.5 + 0.094 = 0.594, m = 0.54 + 0.594 = 1.134, p = 0.94 - 0.1134 = 0.8266.
  PopulationMlp mlp({{1, 1}, false, false, 0.1, 0.9, 0.1}, seeds(1), torch::kCPU);
  mlp.params().fill_(1.0);
  for (int step = 0; step < 2; ++step) {
    mlp.grads().fill_(0.5);
    mlp.step();
  }
  EXPECT_NEAR(mlp.params()[0].item<float>(), 0.8266, 1e-6);
}

}  // namespace
}  // namespace hg
