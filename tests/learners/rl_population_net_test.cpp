// The reinforcement-learning learners' network and optimizer
// (lib/hourglass/learners/rl/population_net.h): parameters in one [P, M]
// buffer, gradients accumulated into another, Adam with a per-member clip.
#include "hourglass/learners/rl/population_net.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "hourglass/core/tensor_util.h"

namespace hg::rl {
namespace {

const std::vector<uint64_t> kSeeds{11, 12, 13};
const std::vector<int64_t> kSizes{3, 5, 2};  // in 3, hidden 5, out 2
constexpr int64_t kPerMember = (3 + 1) * 5 + (5 + 1) * 2;

// The same network from the buffer, as plain tensors: W_l, b_l per layer.
std::vector<at::Tensor> unpack(const at::Tensor& flat) {
  std::vector<at::Tensor> out;
  int64_t offset = 0;
  const int64_t P = flat.size(0);
  for (size_t l = 0; l + 1 < kSizes.size(); ++l) {
    const int64_t in = kSizes[l], o = kSizes[l + 1];
    out.push_back(flat.narrow(1, offset, in * o).reshape({P, in, o}));
    offset += in * o;
    out.push_back(flat.narrow(1, offset, o).reshape({P, 1, o}));
    offset += o;
  }
  return out;
}

at::Tensor reference_forward(const std::vector<at::Tensor>& p, const at::Tensor& x) {
  auto h = torch::tanh(torch::baddbmm(p[1], x, p[0]));
  return torch::baddbmm(p[3], h, p[2]);
}

TEST(RlPopulationNetTest, OneBufferHoldsEveryMembersParameters) {
  PopulationNet net(kSeeds, "policy", kSizes, /*tanh=*/true, 0.5, torch::kCPU);
  ASSERT_EQ(net.flat().sizes(), (std::vector<int64_t>{3, kPerMember}));
  const auto p = unpack(net.flat());
  // Weights drawn per member and layer (the last scaled by out_scale), biases zero.
  const auto w0 = member_normal(kSeeds, "policy/w0", {3, 5}, std::sqrt(1.0 / 3));
  const auto w1 = member_normal(kSeeds, "policy/w1", {5, 2}, std::sqrt(1.0 / 5) * 0.5);
  EXPECT_TRUE(torch::equal(p[0], w0));
  EXPECT_TRUE(torch::equal(p[2], w1));
  EXPECT_EQ(p[1].abs().sum().item<float>(), 0.0f);
  // forward() reads the buffer: a change to it shows in the output.
  const auto x = torch::randn({3, 4, 3});
  EXPECT_TRUE(torch::allclose(net.forward(x), reference_forward(p, x)));
  {
    torch::NoGradGuard no_grad;
    net.flat().narrow(1, 5 * 3, 5).fill_(0.25);  // b_0 of every member
  }
  EXPECT_TRUE(torch::allclose(net.forward(x), reference_forward(unpack(net.flat()), x)));
}

TEST(RlPopulationNetTest, CollectGradGathersTheLeavesGradientsIntoOneBuffer) {
  PopulationNet net(kSeeds, "q", kSizes, true, 1.0, torch::kCPU);
  const auto x = torch::randn({3, 4, 3});
  // The reference: the same weights as separate leaves, through autograd.
  auto p = unpack(net.flat().clone());
  for (auto& t : p) t = t.contiguous().requires_grad_(true);
  auto loss = [&](const at::Tensor& out) {
    return (out.square().sum({1, 2}) * torch::arange(1, 4)).sum();
  };
  loss(reference_forward(p, x)).backward();
  // Two backward passes before collecting add up, as autograd does.
  loss(net.forward(x)).backward();
  loss(net.forward(x)).backward();
  const auto collected = net.collect_grad().clone();  // the buffer is reused
  ASSERT_EQ(collected.sizes(), net.flat().sizes());
  const auto g = unpack(collected);
  for (size_t i = 0; i < p.size(); ++i)
    EXPECT_TRUE(torch::allclose(g[i], 2 * p[i].grad(), 1e-5, 1e-6)) << i;
  // Collecting cleared the leaves: the next backward starts from zero, and a
  // collect with no backward in between gives zeros.
  EXPECT_EQ(net.collect_grad().abs().sum().item<float>(), 0.0f);
  loss(net.forward(x)).backward();
  const auto once = unpack(net.collect_grad().clone());
  for (size_t i = 0; i < p.size(); ++i)
    EXPECT_TRUE(torch::allclose(once[i], p[i].grad(), 1e-5, 1e-6)) << i;
}

TEST(RlPopulationNetTest, CopyFromCopiesTheWeights) {
  PopulationNet a(kSeeds, "a", kSizes, false, 1.0, torch::kCPU);
  PopulationNet b(kSeeds, "b", kSizes, false, 1.0, torch::kCPU);
  ASSERT_FALSE(torch::equal(a.flat(), b.flat()));
  b.copy_from(a);
  EXPECT_TRUE(torch::equal(a.flat(), b.flat()));
  const auto x = torch::randn({3, 2, 3});
  EXPECT_TRUE(torch::equal(a.forward(x), b.forward(x)));
}

// Adam by hand, one member, one parameter: m, v, bias corrections.
double adam_reference(const std::vector<double>& grads, double lr) {
  double p = 0, m = 0, v = 0;
  for (size_t t = 1; t <= grads.size(); ++t) {
    const double g = grads[t - 1];
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    const double mhat = m / (1 - std::pow(0.9, t)), vhat = v / (1 - std::pow(0.999, t));
    p -= lr * mhat / (std::sqrt(vhat) + 1e-8);
  }
  return p;
}

TEST(RlPopulationAdamTest, ClipsEachMemberOverEveryNetworkThenSteps) {
  // Two networks, two members, every entry of member i's gradient c_i (the
  // loss sum_i c_i sum(member i's parameters)), so member i's norm over both
  // networks is c_i sqrt(2 M): member 0 (c = 0.01) stays under the clip of
  // 1, member 1 (c = 10 at the first step) is scaled down to norm 1.
  const std::vector<uint64_t> seeds{1, 2};
  PopulationNet a(seeds, "a", kSizes, true, 1.0, torch::kCPU);
  PopulationNet b(seeds, "b", kSizes, true, 1.0, torch::kCPU);
  const double lr = 0.1;
  PopulationAdam adam({&a, &b}, lr, /*max_grad_norm=*/1.0);
  const auto start_a = a.flat().clone(), start_b = b.flat().clone();
  const double norm_unit = std::sqrt(2.0 * kPerMember);
  // Step 1: c = (0.01, 10); step 2: c = (0.01, 0.001): member 1 unclipped.
  const std::vector<std::vector<double>> c{{0.01, 10}, {0.01, 0.001}};
  for (const auto& step : c) {
    const auto per_member = torch::tensor({step[0], step[1]}, torch::kFloat);
    at::Tensor loss = torch::zeros({});
    for (const auto* net : {&a, &b})
      for (const auto& p : net->parameters())
        loss = loss + (p.reshape({2, -1}).sum(1) * per_member).sum();
    loss.backward();
    adam.step();
  }
  EXPECT_EQ(a.collect_grad().abs().sum().item<float>(), 0.0f) << "step() took the gradients";
  const double g1_clipped = 10 * std::min(1.0, 1.0 / (10 * norm_unit + 1e-6));
  const double expect0 = adam_reference({0.01, 0.01}, lr);
  const double expect1 = adam_reference({g1_clipped, 0.001}, lr);
  const auto moved_a = a.flat() - start_a, moved_b = b.flat() - start_b;
  EXPECT_NEAR(moved_a[0].mean().item<double>(), expect0, 1e-6);
  EXPECT_NEAR(moved_b[0].mean().item<double>(), expect0, 1e-6);
  EXPECT_NEAR(moved_a[1].mean().item<double>(), expect1, 1e-6);
  EXPECT_NEAR(moved_b[1].mean().item<double>(), expect1, 1e-6);
  // Every entry of a member moved alike.
  EXPECT_LT((moved_a[1] - moved_a[1].mean()).abs().max().item<double>(), 1e-6);
}

}  // namespace
}  // namespace hg::rl
