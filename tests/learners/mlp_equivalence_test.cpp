// The `mlp` learner (PopulationMlp, fused CPU step) against the autograd
// implementation it replaced: same initial weights, minibatch order, loss and
// optimizer, so after a few updates the predictions agree to float tolerance.
#include <torch/torch.h>
#include <gtest/gtest.h>

#include <cmath>

#include "hourglass/core/tensor_util.h"
#include "hourglass/learners/fixed_source.h"
#include "hourglass/learners/learner.h"

namespace hg {
namespace {

struct Config {
  std::vector<int64_t> hidden{16, 8};
  bool tanh = false, adam = true;
  double lr = 1e-2, momentum = 0.9, weight_decay = 0.0;
  int64_t batch = 8, updates = 7, embedding = 0;
};

// The previous mlp learner, verbatim in substance: autograd over per-tensor
// parameters, per-step gather, torch ops for Adam/SGD.
at::Tensor autograd_mlp(const Config& c, const TaskShape& shape, const std::vector<uint64_t>& seeds,
                        const Batch& data, const at::Tensor& x_test) {
  const bool classification = shape.kind == TaskKind::kClassification;
  const int64_t P = static_cast<int64_t>(seeds.size());
  std::vector<at::Tensor> params, weights, biases;
  at::Tensor table;
  int64_t vocab = 0, width = shape.input_dim;
  if (c.embedding > 0) {
    vocab = shape.one_hot_block > 0 ? shape.one_hot_block : shape.input_dim;
    table = member_normal(seeds, "mlp/embedding", {vocab, c.embedding}, 1.0).set_requires_grad(true);
    params.push_back(table);
    width = shape.input_dim / vocab * c.embedding;
  }
  std::vector<int64_t> sizes{width};
  sizes.insert(sizes.end(), c.hidden.begin(), c.hidden.end());
  sizes.push_back(shape.output_dim);
  const double gain = c.tanh ? 1.0 : 2.0;
  for (size_t l = 0; l + 1 < sizes.size(); ++l) {
    weights.push_back(member_normal(seeds, "mlp/w" + std::to_string(l), {sizes[l], sizes[l + 1]},
                                    std::sqrt(gain / static_cast<double>(sizes[l])))
                          .set_requires_grad(true));
    biases.push_back(torch::zeros({P, 1, sizes[l + 1]}).set_requires_grad(true));
  }
  for (size_t l = 0; l < weights.size(); ++l) {
    params.push_back(weights[l]);
    params.push_back(biases[l]);
  }
  std::vector<at::Tensor> m1, m2;
  for (const auto& p : params) {
    m1.push_back(torch::zeros_like(p));
    m2.push_back(torch::zeros_like(p));
  }
  auto forward = [&](const at::Tensor& x) {
    at::Tensor h = x;
    if (table.defined())
      h = torch::bmm(x.reshape({P, -1, vocab}), table).reshape({P, x.size(1), -1});
    for (size_t l = 0; l < weights.size(); ++l) {
      h = torch::baddbmm(biases[l], h, weights[l]);
      if (l + 1 < weights.size()) h = c.tanh ? torch::tanh(h) : torch::relu(h);
    }
    return h;
  };
  const auto& x = data.x;
  const auto& y = data.y;
  const int64_t n = x.size(1), batch = std::min(c.batch, n);
  std::vector<Rng> order;
  for (uint64_t s : seeds) order.emplace_back(mix_seed(s, "mlp/order"));
  at::Tensor perm;
  int64_t cursor = n;
  for (int64_t step = 1; step <= c.updates; ++step) {
    if (cursor + batch > n) {
      perm = member_permutations(order, n);
      cursor = 0;
    }
    const auto idx = perm.narrow(1, cursor, batch);
    cursor += batch;
    const auto out = forward(x.gather(1, idx.unsqueeze(2).expand({P, batch, x.size(2)})));
    at::Tensor per_member;
    if (classification) {
      const auto yb = y.gather(1, idx);
      per_member = -torch::log_softmax(out, 2).gather(2, yb.unsqueeze(2)).squeeze(2).mean(1);
    } else {
      const auto yb = y.gather(1, idx.unsqueeze(2).expand({P, batch, y.size(2)}));
      per_member = (out - yb).pow(2).mean({1, 2});
    }
    for (auto& p : params) p.mutable_grad() = at::Tensor();
    per_member.sum().backward();
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < params.size(); ++i) {
      auto& p = params[i];
      auto g = p.grad();
      if (c.adam) {
        const double bc1 = 1.0 - std::pow(0.9, static_cast<double>(step));
        const double bc2 = 1.0 - std::pow(0.999, static_cast<double>(step));
        m1[i].mul_(0.9).add_(g, 0.1);
        m2[i].mul_(0.999).addcmul_(g, g, 0.001);
        const auto denom = (m2[i].sqrt() / std::sqrt(bc2)).add_(1e-8);
        if (c.weight_decay > 0) p.mul_(1.0 - c.lr * c.weight_decay);
        p.addcdiv_(m1[i], denom, -c.lr / bc1);
      } else {
        if (c.weight_decay > 0) g = g + c.weight_decay * p;
        m1[i].mul_(c.momentum).add_(g);
        p.add_(m1[i], -c.lr);
      }
    }
  }
  torch::NoGradGuard no_grad;
  return forward(x_test);
}

at::Tensor learner_mlp(const Config& c, const TaskShape& shape, const std::vector<uint64_t>& seeds,
                       const Batch& data, const at::Tensor& x_test) {
  const LearnerInfo* info = LearnerRegistry::instance().find("mlp");
  Params params(info->params);
  params.set("hidden", c.hidden);
  params.set("activation", std::string(c.tanh ? "tanh" : "relu"));
  params.set("optimizer", std::string(c.adam ? "adam" : "sgd"));
  params.set("lr", c.lr);
  params.set("momentum", c.momentum);
  params.set("weight_decay", c.weight_decay);
  params.set("batch_size", c.batch);
  params.set("max_updates", c.updates);
  params.set("embedding", c.embedding);
  auto learner = info->make(params);
  FixedSource source(data);
  TrainContext ctx{source, shape, c10::Device(c10::kCPU), seeds, 0, {}};
  learner->train(ctx);
  EXPECT_EQ(ctx.updates, c.updates);
  return learner->predict(x_test);
}

void expect_same(const Config& c, const TaskShape& shape, const Batch& data,
                 const at::Tensor& x_test) {
  const std::vector<uint64_t> seeds{3, 14, 15};
  const auto ours = learner_mlp(c, shape, seeds, data, x_test);
  const auto reference = autograd_mlp(c, shape, seeds, data, x_test);
  EXPECT_TRUE(torch::allclose(ours, reference, 1e-4, 1e-5))
      << "max difference " << (ours - reference).abs().max().item<float>();
}

TEST(MlpEquivalence, RegressionAdamMatchesAutograd) {
  torch::manual_seed(0);
  const TaskShape shape{TaskKind::kRegression, 5, 2, 0};
  const Batch data{torch::randn({3, 30, 5}), torch::randn({3, 30, 2})};
  Config c;
  c.weight_decay = 0.1;
  expect_same(c, shape, data, torch::randn({3, 11, 5}));
}

TEST(MlpEquivalence, RegressionSgdTanhMatchesAutograd) {
  torch::manual_seed(1);
  const TaskShape shape{TaskKind::kRegression, 4, 1, 0};
  const Batch data{torch::randn({3, 20, 4}), torch::randn({3, 20, 1})};
  Config c;
  c.tanh = true;
  c.adam = false;
  c.weight_decay = 0.05;
  c.hidden = {12};
  expect_same(c, shape, data, torch::randn({3, 9, 4}));
}

TEST(MlpEquivalence, ClassificationMatchesAutograd) {
  torch::manual_seed(2);
  const TaskShape shape{TaskKind::kClassification, 6, 4, 0};
  const Batch data{torch::randn({3, 25, 6}), torch::randint(0, 4, {3, 25}, torch::kLong)};
  Config c;
  c.batch = 10;
  expect_same(c, shape, data, torch::randn({3, 9, 6}));
}

TEST(MlpEquivalence, EmbeddingOfOneHotBlocksMatchesAutograd) {
  torch::manual_seed(3);
  const int64_t V = 5;
  const TaskShape shape{TaskKind::kClassification, 2 * V, V, V};
  auto one_hot = [&](int64_t n) {
    const auto ids = torch::randint(0, V, {3, n, 2}, torch::kLong);
    return torch::one_hot(ids, V).to(torch::kFloat).reshape({3, n, 2 * V});
  };
  const Batch data{one_hot(24), torch::randint(0, V, {3, 24}, torch::kLong)};
  Config c;
  c.embedding = 3;
  c.weight_decay = 0.5;
  c.hidden = {16};
  expect_same(c, shape, data, one_hot(10));
}

TEST(MlpEquivalence, FullBatchDenseEmbeddingMatchesAutograd) {
  torch::manual_seed(4);
  const TaskShape shape{TaskKind::kRegression, 3, 1, 0};
  const Batch data{torch::randn({3, 12, 3}), torch::randn({3, 12, 1})};
  Config c;
  c.embedding = 4;
  c.batch = 100;  // >= budget: full batch
  expect_same(c, shape, data, torch::randn({3, 5, 3}));
}

}  // namespace
}  // namespace hg
