// `mlp`: a multilayer perceptron per member, the whole population trained as
// one computation: layer l has weights [P, in, out] and biases [P, 1, out],
// applied with baddbmm; the loss is the sum over members of each member's
// mean loss over its minibatch, so each member's gradient is its own:
//   regression      mean squared error (over examples and targets);
//   classification  cross-entropy of the softmax of the C outputs (logits).
//
// Embedding (`embedding: e > 0`): the inputs first go through a learned
// table E [P, V, e] without bias. When the family declares one-hot inputs
// (TaskShape::one_hot_block = V, e.g. modular arithmetic's two operands),
// each of the input_dim / V one-hot blocks is embedded with the same table
// and the embeddings are concatenated (input_dim / V * e values): a token
// embedding shared by positions. On dense inputs V = input_dim: a bias-free
// linear layer of width e. Entries of E start N(0, 1).
//
// Training: the budget is drawn once; then up to `max_updates` minibatch
// steps (the compute cap), each member walking its own random permutation of
// its data, epoch after epoch (several passes over the budget are allowed;
// a last partial batch of an epoch is skipped; batch_size >= budget is full
// batch). Optimizers: Adam (Kingma and Ba 2015, decoupled weight decay as
// AdamW, applied to every parameter, embedding included) or SGD with momentum
// (weight decay added to the gradient). Initial weights N(0, gain/in) with
// gain 2 for relu and 1 for tanh, biases 0.
//
// Divergence: each update's per-member loss is kept on the device in a window
// of kCheckEvery updates; every kCheckEvery updates and at the end the window
// comes to the host once, and a member whose loss stopped being finite is
// marked diverged at the first update where it did.
//
// Continuing (can_continue: the transfer and continual protocols): a budget of
// 0 only initializes. continue_training draws the new budget and runs up to
// `max_updates` more steps from the current weights, with a fresh optimizer
// (Adam's moments and step count, SGD's momentum reset to zero), as when
// fine-tuning a pretrained network; with a budget of 0 nothing changes.
#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

#include "hourglass/core/tensor_util.h"
#include "hourglass/learners/learner.h"

namespace hg {
namespace {

constexpr int64_t kCheckEvery = 100;
constexpr int64_t kPredictChunk = 16384;

class MlpLearner final : public Learner {
 public:
  explicit MlpLearner(const Params& p)
      : hidden_(p.int_list("hidden")),
        tanh_(p.choice("activation") == "tanh"),
        adam_(p.choice("optimizer") == "adam"),
        lr_(p.real("lr")),
        momentum_(p.real("momentum")),
        weight_decay_(p.real("weight_decay")),
        batch_size_(p.integer("batch_size")),
        max_updates_(p.integer("max_updates")),
        embedding_(p.integer("embedding")) {}

 protected:
  void do_train(TrainContext& ctx) override {
    init(ctx);
    fit(ctx);
  }

  void do_continue(TrainContext& ctx) override {
    for (auto& m : first_moment_) m.zero_();
    for (auto& m : second_moment_) m.zero_();
    fit(ctx);
  }

  at::Tensor do_predict(const at::Tensor& x) override {
    if (x.size(1) <= kPredictChunk) return forward(x);
    std::vector<at::Tensor> parts;
    for (int64_t s = 0; s < x.size(1); s += kPredictChunk)
      parts.push_back(forward(x.narrow(1, s, std::min(kPredictChunk, x.size(1) - s))));
    return torch::cat(parts, 1);
  }

 private:
  // Draws the whole budget and takes up to max_updates steps on it from the
  // current weights and optimizer state (none with a budget of 0).
  void fit(TrainContext& ctx) {
    const Batch data = ctx.data.draw(ctx.data.remaining());
    const auto x = data.x.to(ctx.device);
    const auto y = data.y.to(ctx.device);
    const int64_t P = x.size(0), n = x.size(1);
    if (n == 0) return;
    const int64_t batch = std::min(batch_size_, n);

    std::vector<Rng> order;
    for (uint64_t s : ctx.member_seeds) order.emplace_back(mix_seed(s, "mlp/order"));
    at::Tensor perm;
    int64_t cursor = n;  // forces a fresh permutation on the first step
    auto losses = torch::zeros(
        {kCheckEvery, P}, torch::dtype(torch::kFloat).device(ctx.device));  // this window's losses

    for (int64_t step = 1; step <= max_updates_; ++step) {
      if (cursor + batch > n) {
        perm = member_permutations(order, n).to(ctx.device);
        cursor = 0;
      }
      const auto idx = perm.narrow(1, cursor, batch);
      cursor += batch;
      const auto xb = x.gather(1, idx.unsqueeze(2).expand({P, batch, x.size(2)}));
      const auto out = forward(xb);
      at::Tensor per_member;  // [P]
      if (classification_) {
        const auto yb = y.gather(1, idx);
        per_member = -torch::log_softmax(out, 2).gather(2, yb.unsqueeze(2)).squeeze(2).mean(1);
      } else {
        const auto yb = y.gather(1, idx.unsqueeze(2).expand({P, batch, y.size(2)}));
        per_member = (out - yb).pow(2).mean({1, 2});
      }
      for (auto& p : params_) p.mutable_grad() = at::Tensor();
      per_member.sum().backward();
      apply_update(step);
      ctx.updates = step;
      losses[(step - 1) % kCheckEvery].copy_(per_member.detach());
      if (step % kCheckEvery == 0 || step == max_updates_) mark_diverged(losses, step, ctx);
    }
  }

  void init(const TrainContext& ctx) {
    classification_ = ctx.shape.kind == TaskKind::kClassification;
    const int64_t P = static_cast<int64_t>(ctx.member_seeds.size());
    int64_t width = ctx.shape.input_dim;
    if (embedding_ > 0) {
      vocab_ = ctx.shape.one_hot_block > 0 ? ctx.shape.one_hot_block : ctx.shape.input_dim;
      if (ctx.shape.input_dim % vocab_ != 0)
        throw std::invalid_argument("mlp: input_dim is not a multiple of the one-hot block");
      table_ = member_normal(ctx.member_seeds, "mlp/embedding", {vocab_, embedding_}, 1.0)
                   .to(ctx.device)
                   .set_requires_grad(true);
      params_.push_back(table_);
      width = ctx.shape.input_dim / vocab_ * embedding_;
    }
    std::vector<int64_t> sizes{width};
    sizes.insert(sizes.end(), hidden_.begin(), hidden_.end());
    sizes.push_back(ctx.shape.output_dim);
    const double gain = tanh_ ? 1.0 : 2.0;
    for (size_t l = 0; l + 1 < sizes.size(); ++l) {
      const std::string label = "mlp/w" + std::to_string(l);
      auto w = member_normal(ctx.member_seeds, label, {sizes[l], sizes[l + 1]},
                             std::sqrt(gain / static_cast<double>(sizes[l])));
      weights_.push_back(w.to(ctx.device).set_requires_grad(true));
      biases_.push_back(
          torch::zeros({P, 1, sizes[l + 1]}, torch::TensorOptions(ctx.device)).set_requires_grad(true));
    }
    for (size_t l = 0; l < weights_.size(); ++l) {
      params_.push_back(weights_[l]);
      params_.push_back(biases_[l]);
    }
    for (const auto& p : params_) {
      first_moment_.push_back(torch::zeros_like(p));
      if (adam_) second_moment_.push_back(torch::zeros_like(p));
    }
  }

  at::Tensor forward(const at::Tensor& x) const {
    at::Tensor h = x;
    if (table_.defined()) {  // [P, n, B*V] -> [P, n*B, V] x [P, V, e] -> [P, n, B*e]
      const int64_t P = x.size(0), n = x.size(1);
      h = torch::bmm(x.reshape({P, -1, vocab_}), table_).reshape({P, n, -1});
    }
    for (size_t l = 0; l < weights_.size(); ++l) {
      h = torch::baddbmm(biases_[l], h, weights_[l]);
      if (l + 1 < weights_.size()) h = tanh_ ? torch::tanh(h) : torch::relu(h);
    }
    return h;
  }

  void apply_update(int64_t step) {
    torch::NoGradGuard no_grad;
    if (adam_) {
      constexpr double b1 = 0.9, b2 = 0.999, eps = 1e-8;
      const double bc1 = 1.0 - std::pow(b1, static_cast<double>(step));
      const double bc2 = 1.0 - std::pow(b2, static_cast<double>(step));
      for (size_t i = 0; i < params_.size(); ++i) {
        auto& p = params_[i];
        const auto& g = p.grad();
        first_moment_[i].mul_(b1).add_(g, 1.0 - b1);
        second_moment_[i].mul_(b2).addcmul_(g, g, 1.0 - b2);
        const auto denom = (second_moment_[i].sqrt() / std::sqrt(bc2)).add_(eps);
        if (weight_decay_ > 0) p.mul_(1.0 - lr_ * weight_decay_);
        p.addcdiv_(first_moment_[i], denom, -lr_ / bc1);
      }
    } else {
      for (size_t i = 0; i < params_.size(); ++i) {
        auto& p = params_[i];
        auto g = p.grad();
        if (weight_decay_ > 0) g = g + weight_decay_ * p;
        first_moment_[i].mul_(momentum_).add_(g);
        p.add_(first_moment_[i], -lr_);
      }
    }
  }

  // `losses` row r holds the losses of update (window start + r); the window
  // ends at `step`.
  static void mark_diverged(const at::Tensor& losses, int64_t step, TrainContext& ctx) {
    const int64_t rows = (step - 1) % kCheckEvery + 1;
    const auto finite =
        torch::isfinite(losses.narrow(0, 0, rows)).to(torch::kCPU).contiguous();
    const auto* ok = finite.data_ptr<bool>();
    const auto P = static_cast<int64_t>(ctx.diverged_at.size());
    for (int64_t i = 0; i < P; ++i) {
      if (ctx.diverged_at[i]) continue;
      for (int64_t r = 0; r < rows; ++r) {
        if (!ok[r * P + i]) {
          ctx.diverged_at[i] = step - rows + 1 + r;
          break;
        }
      }
    }
  }

  std::vector<int64_t> hidden_;
  bool tanh_, adam_;
  double lr_, momentum_, weight_decay_;
  int64_t batch_size_, max_updates_, embedding_;
  bool classification_ = false;
  int64_t vocab_ = 0;
  at::Tensor table_;  // [P, vocab, embedding] when embedding_ > 0
  std::vector<at::Tensor> weights_, biases_, params_, first_moment_, second_moment_;
};

LearnerInfo MakeInfo() {
  LearnerInfo info;
  info.name = "mlp";
  info.doc = "multilayer perceptron (MSE or cross-entropy) trained by minibatch Adam or SGD";
  info.kinds = {TaskKind::kRegression, TaskKind::kClassification};
  info.can_continue = true;
  info.params = {
      ParamSpec::IntList("hidden", {64, 64}, 1, 8192, "hidden layer widths ([] = linear model)", 0),
      ParamSpec::Choice("activation", "relu", {"relu", "tanh"}, "hidden activation"),
      ParamSpec::Choice("optimizer", "adam", {"adam", "sgd"},
                        "adam (decoupled weight decay) or sgd with momentum"),
      ParamSpec::Real("lr", 1e-3, 1e-8, 10.0, "learning rate"),
      ParamSpec::Real("momentum", 0.9, 0.0, 0.999, "momentum of sgd (ignored by adam)"),
      ParamSpec::Real("weight_decay", 0.0, 0.0, 10.0, "weight decay"),
      ParamSpec::Int("batch_size", 64, 1, 1'000'000, "minibatch size (capped at the budget)"),
      ParamSpec::Int("max_updates", 2000, 1, 100'000'000,
                     "optimizer steps: the compute cap, independent of the data budget"),
      ParamSpec::Int("embedding", 0, 0, 8192,
                     "width of a learned input embedding shared by one-hot blocks (0 = none)"),
  };
  info.make = [](const Params& p) { return std::make_unique<MlpLearner>(p); };
  return info;
}

const LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
