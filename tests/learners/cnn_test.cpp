// PopulationCnn and the `cnn` learner: the population's network equals each
// member's own network (members never mix), a member's training does not
// depend on the other members, runs are deterministic, and the network
// learns a simple image task. The learner on real images is in
// tests/cli/fashion_mnist_cli_test.cpp; every-learner checks in
// tests/conformance/.
#include "hourglass/learners/cnn/population_cnn.h"

#include <torch/torch.h>
#include <gtest/gtest.h>

#include "hourglass/core/random.h"
#include "hourglass/learners/learner.h"

namespace hg {
namespace {

PopulationCnnOptions small(int64_t side = 8) {
  PopulationCnnOptions o;
  o.image = {1, side, side};
  o.classes = 3;
  o.channels = {4, 6};
  o.kernel = 3;
  o.hidden = {16};
  o.dropout = 0.25;
  o.lr = 1e-2;
  return o;
}

// The same network for one member with plain (ungrouped) convolutions on its
// slice of the parameters: the reference the population's computation must match.
at::Tensor member_forward(const PopulationCnn& net, int64_t member, const at::Tensor& images,
                          const PopulationCnnOptions& o) {
  const auto p = net.parameters();
  auto h = images;  // [n, C, H, W]
  for (int b = 0; b < 2; ++b) {
    const int64_t out = o.channels[b];
    h = torch::conv2d(h, p[2 * b].narrow(0, member * out, out), p[2 * b + 1].narrow(0, member * out, out),
                      1, o.kernel / 2);
    h = torch::max_pool2d(torch::relu(h), 2);
  }
  h = h.flatten(1);
  for (size_t l = 4; l < p.size(); l += 2) {
    h = torch::addmm(p[l + 1][member][0], h, p[l][member]);
    if (l + 2 < p.size()) h = torch::relu(h);
  }
  return h;
}

TEST(PopulationCnn, TheGroupedConvolutionIsEachMembersOwnNetwork) {
  torch::NoGradGuard no_grad;
  const auto o = small();
  PopulationCnn net(o, {1, 2, 3}, torch::kCPU);
  torch::manual_seed(0);
  const auto x = torch::rand({3, 5, 64});
  const auto logits = net.forward(x, 0);
  ASSERT_EQ(logits.sizes(), (std::vector<int64_t>{3, 5, 3}));
  for (int64_t i = 0; i < 3; ++i) {
    const auto ref = member_forward(net, i, x[i].view({5, 1, 8, 8}), o);
    EXPECT_TRUE(torch::allclose(logits[i], ref, 1e-5, 1e-5)) << "member " << i;
  }
  // Changing member 1's images leaves members 0 and 2 exactly as they were.
  auto y = x.clone();
  y[1].uniform_();
  const auto again = net.forward(y, 0);
  EXPECT_TRUE(torch::equal(again[0], logits[0]));
  EXPECT_TRUE(torch::equal(again[2], logits[2]));
  EXPECT_FALSE(torch::equal(again[1], logits[1]));
}

TEST(PopulationCnn, AMembersWeightsAndTrainingDoNotDependOnTheOthers) {
  const auto o = small();
  PopulationCnn alone(o, {7}, torch::kCPU), together(o, {7, 8, 9}, torch::kCPU);
  const auto pa = alone.parameters(), pt = together.parameters();
  EXPECT_TRUE(torch::equal(pa[0], pt[0].narrow(0, 0, 4)));  // same initial filters
  EXPECT_TRUE(torch::equal(pa[4][0], pt[4][0]));           // same dense weights
  torch::manual_seed(1);
  const auto x = torch::rand({3, 16, 64});
  const auto y = torch::randint(0, 3, {3, 16}, torch::kLong);
  for (int64_t step = 1; step <= 20; ++step) {
    alone.train_step(x.narrow(0, 0, 1), y.narrow(0, 0, 1), step);
    together.train_step(x, y, step);
  }
  torch::NoGradGuard no_grad;
  const auto a = alone.forward(x.narrow(0, 0, 1), 0)[0], t = together.forward(x, 0)[0];
  EXPECT_TRUE(torch::allclose(a, t, 1e-4, 1e-4)) << (a - t).abs().max().item<float>();
}

TEST(PopulationCnn, TrainingIsDeterministic) {
  const auto o = small();
  torch::manual_seed(2);
  const auto x = torch::rand({2, 16, 64});
  const auto y = torch::randint(0, 3, {2, 16}, torch::kLong);
  PopulationCnn a(o, {3, 4}, torch::kCPU), b(o, {3, 4}, torch::kCPU);
  for (int64_t step = 1; step <= 10; ++step) {
    const auto la = a.train_step(x, y, step), lb = b.train_step(x, y, step);
    ASSERT_TRUE(torch::equal(la, lb)) << step;
  }
  for (size_t k = 0; k < a.parameters().size(); ++k)
    EXPECT_TRUE(torch::equal(a.parameters()[k], b.parameters()[k])) << k;
}

TEST(PopulationCnn, LearnsWhichHalfOfTheImageIsBright) {
  // Class 0: left half bright, 1: right half, 2: top half; plus noise.
  Rng rng(5);
  const int64_t P = 2, n = 96;
  auto x = torch::zeros({P, n, 8, 8});
  auto y = torch::empty({P, n}, torch::kLong);
  for (int64_t i = 0; i < P; ++i)
    for (int64_t k = 0; k < n; ++k) {
      const int64_t c = static_cast<int64_t>(rng.below(3));
      y[i][k] = c;
      if (c == 0) x[i][k].narrow(1, 0, 4).fill_(1.0);
      if (c == 1) x[i][k].narrow(1, 4, 4).fill_(1.0);
      if (c == 2) x[i][k].narrow(0, 0, 4).fill_(1.0);
    }
  x = (x + 0.3 * torch::randn({P, n, 8, 8})).view({P, n, 64});
  PopulationCnn net(small(), {1, 2}, torch::kCPU);
  for (int64_t step = 1; step <= 60; ++step) net.train_step(x, y, step);
  torch::NoGradGuard no_grad;
  const auto accuracy = (net.forward(x, 0).argmax(2) == y).to(torch::kDouble).mean(1);
  EXPECT_GT(accuracy[0].item<double>(), 0.95);
  EXPECT_GT(accuracy[1].item<double>(), 0.95);
}

TEST(PopulationCnn, RefusesEvenKernelsAndTinyImages) {
  auto o = small();
  o.kernel = 4;
  EXPECT_THROW(PopulationCnn(o, {1}, torch::kCPU), std::invalid_argument);
  EXPECT_THROW(PopulationCnn(small(2), {1}, torch::kCPU), std::invalid_argument);
}

TEST(CnnLearner, DeclaresThatItNeedsImages) {
  const LearnerInfo* info = LearnerRegistry::instance().find("cnn");
  ASSERT_NE(info, nullptr);
  EXPECT_TRUE(info->images_only);
  EXPECT_EQ(info->kinds, std::vector<TaskKind>{TaskKind::kClassification});
}

}  // namespace
}  // namespace hg
