// The hand-written backward pass and flat optimizer of PopulationMlp,
// checked against LibTorch's autograd and torch::optim.
#include "hourglass/learners/mlp/population_mlp.h"

#include <torch/torch.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

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
  // forward() may take the fused path (another tanh): equal to float rounding.
  EXPECT_TRUE(torch::allclose(mlp.forward(x), out, 1e-5, 1e-6));
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


TEST(EmbeddingBackward, MatchesAutograd) {
  const int64_t P = 2, n = 6, V = 4, e = 3;
  PopulationMlpOptions options{{2 * V, 8, 3}, false, true, 1e-3, 0.9, 0.0, V, e, false};
  PopulationMlp mlp(options, seeds(P), torch::kCPU);
  torch::manual_seed(5);
  const auto x = torch::randn({P, n, 2 * V});
  const auto y = torch::randn({P, n, 3});
  const auto out = mlp.forward_train(x);
  mlp.backward(2 * (out - y) / static_cast<double>(n * 3));

  const auto table = mlp.table().detach().clone().requires_grad_();
  std::vector<at::Tensor> w, b;
  for (const auto& t : mlp.weights()) w.push_back(t.detach().clone().requires_grad_());
  for (const auto& t : mlp.biases()) b.push_back(t.detach().clone().requires_grad_());
  const auto h = torch::bmm(x.reshape({P, -1, V}), table).reshape({P, n, -1});
  autograd_loss(w, b, h, y, false).backward();
  EXPECT_TRUE(torch::allclose(mlp.table_grad(), table.grad(), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(mlp.weight_grads()[0], w[0].grad(), 1e-5, 1e-6));
}

// The fused CPU step (BLAS, member by member) against the generic ATen step.
struct FusedCase {
  const char* name;
  MlpLoss loss;
  bool tanh, adam;
  int64_t embedding;
};

class Fused : public ::testing::TestWithParam<FusedCase> {};

TEST_P(Fused, MatchesGenericStep) {
  const auto& c = GetParam();
  const int64_t P = 3, n = 9, V = 4, out_dim = 3;
  PopulationMlpOptions options{{2 * V, 16, 8, out_dim}, c.tanh, c.adam, 1e-2, 0.9, 0.1,
                               c.embedding > 0 ? V : 0, c.embedding, true};
  PopulationMlp fused(options, seeds(P), torch::kCPU);
  if (!fused.fused()) GTEST_SKIP() << "built without BLAS: no fused step";
  options.fused_cpu = false;
  PopulationMlp generic(options, seeds(P), torch::kCPU);
  ASSERT_FALSE(generic.fused());
  torch::manual_seed(6);
  // Data with a member stride that is not n rows (a narrow), as the learner passes.
  const auto x = torch::randn({P, 2 * n, 2 * V}).narrow(1, 3, n);
  const auto y = c.loss == MlpLoss::kCrossEntropy
                     ? torch::randint(0, out_dim, {P, 2 * n}, torch::kLong).narrow(1, 3, n)
                     : torch::randn({P, 2 * n, out_dim}).narrow(1, 3, n);
  auto loss_a = torch::zeros({P}), loss_b = torch::zeros({P});
  for (int step = 0; step < 4; ++step) {
    fused.train_step(x, y, c.loss, loss_a);
    generic.train_step(x, y, c.loss, loss_b);
    EXPECT_TRUE(torch::allclose(loss_a, loss_b, 1e-5, 1e-6)) << step;
  }
  EXPECT_TRUE(torch::allclose(fused.params(), generic.params(), 1e-4, 1e-6))
      << (fused.params() - generic.params()).abs().max().item<float>();
  EXPECT_TRUE(torch::allclose(fused.forward(x), generic.forward(x), 1e-4, 1e-5));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Fused,
    ::testing::Values(FusedCase{"mse_relu_adam", MlpLoss::kSquaredError, false, true, 0},
                      FusedCase{"mse_tanh_sgd", MlpLoss::kSquaredError, true, false, 0},
                      FusedCase{"ce_relu_adam", MlpLoss::kCrossEntropy, false, true, 0},
                      FusedCase{"ce_embedding_adam", MlpLoss::kCrossEntropy, false, true, 5},
                      FusedCase{"mse_embedding_sgd", MlpLoss::kSquaredError, true, false, 2}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Fused, ForwardInChunksMatchesGeneric) {
  // More rows than one chunk of the fused forward, an embedding and 3 layers.
  PopulationMlpOptions options{{6, 16, 8, 2}, true, true, 1e-3, 0.9, 0.0, 3, 4, true};
  PopulationMlp fused(options, seeds(2), torch::kCPU);
  if (!fused.fused()) GTEST_SKIP() << "built without BLAS: no fused path";
  options.fused_cpu = false;
  PopulationMlp generic(options, seeds(2), torch::kCPU);
  torch::manual_seed(8);
  const auto x = torch::randn({2, 700, 6});
  EXPECT_TRUE(torch::allclose(fused.forward(x), generic.forward(x), 1e-5, 1e-5));
}

TEST(Fused, SameResultsOnOneAndTwoThreads) {
  const int before = at::get_num_threads();
  auto train = [](int threads) {
    at::set_num_threads(threads);
    PopulationMlp mlp({{4, 32, 2}, false, true, 1e-2, 0.9, 0.01}, seeds(8), torch::kCPU);
    torch::manual_seed(9);
    const auto x = torch::randn({8, 16, 4});
    const auto y = torch::randn({8, 16, 2});
    auto loss = torch::zeros({8});
    for (int step = 0; step < 3; ++step) mlp.train_step(x, y, MlpLoss::kSquaredError, loss);
    return mlp.params().clone();
  };
  const auto one = train(1), two = train(2);
  at::set_num_threads(before);
  EXPECT_TRUE(torch::equal(one, two));
}

TEST(Fused, PropagatesNonFiniteLoss) {
  PopulationMlp mlp({{2, 4, 1}, false, true, 1e-3, 0.9, 0.0}, seeds(2), torch::kCPU);
  auto x = torch::randn({2, 3, 2});
  x[1][0][0] = std::numeric_limits<float>::infinity();
  auto loss = torch::zeros({2});
  mlp.train_step(x, torch::zeros({2, 3, 1}), MlpLoss::kSquaredError, loss);
  EXPECT_TRUE(std::isfinite(loss[0].item<float>()));
  EXPECT_FALSE(std::isfinite(loss[1].item<float>()));
}

}  // namespace
}  // namespace hg
