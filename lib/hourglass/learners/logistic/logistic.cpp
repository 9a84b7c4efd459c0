// `logistic`: multinomial logistic regression with an L2 penalty, the linear
// baseline for classification, the whole population at once.
//
// Per member it minimizes over W [d, C] and b [C]
//   f(W, b) = (1/n) sum_i CE(softmax(x_i W + b), y_i) + (lambda / 2) |W|^2
// (b unpenalized). The inputs are centred with the member's training mean,
// which changes only b, not the minimizer's predictions, and helps the
// conditioning.
//
// Optimizer: full batch (the whole budget every step), Nesterov's accelerated
// gradient (FISTA momentum, Beck and Teboulle 2009) with step 1/L per member,
// L = lambda_max([X 1]^T [X 1] / n) / 2 + lambda, an upper bound on the
// curvature of f (Boehning 1992: the Hessian of the softmax cross-entropy in
// the logits is at most I / 2). No learning rate to tune: f is convex and the
// step is safe. Stops after max_updates steps, or once every member's gradient
// norm is below tol (checked every kCheckEvery steps). Gradients are written
// out by hand, no autograd.
//
// Continuing (can_continue): a budget of 0 only initializes (zero weights:
// every class scores 0). continue_training starts the accelerated gradient
// from the current weights (a warm start) on the new data alone, re-centred
// on the new data's mean with the bias adjusted so that the predictions do
// not change before the first step. f is strictly convex for lambda > 0, so
// given enough steps a warm start reaches the same minimizer as a cold one:
// what carries over is only what max_updates steps do not undo.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "hourglass/learners/learner.h"

namespace hg {
namespace {

constexpr int64_t kCheckEvery = 25;

class LogisticLearner final : public Learner {
 public:
  explicit LogisticLearner(const Params& p)
      : lambda_(p.real("lambda")), max_updates_(p.integer("max_updates")), tol_(p.real("tol")) {}

 protected:
  void do_train(TrainContext& ctx) override {
    const Batch data = ctx.data.draw(ctx.data.remaining());
    const int64_t P = data.x.size(0), d = data.x.size(2);
    const auto opts = data.x.options();
    mean_ = torch::zeros({P, 1, d}, opts);
    weights_ = torch::zeros({P, d + 1, ctx.shape.output_dim}, opts);
    fit(ctx, data);
  }

  void do_continue(TrainContext& ctx) override { fit(ctx, ctx.data.draw(ctx.data.remaining())); }

  at::Tensor do_predict(const at::Tensor& x) override {
    const int64_t d = x.size(2);
    return torch::baddbmm(weights_.narrow(1, d, 1), x - mean_, weights_.narrow(1, 0, d));
  }

 private:
  // Re-centres on the data's mean (keeping the predictions) and runs the
  // accelerated gradient from the current weights. Nothing with no data.
  void fit(TrainContext& ctx, const Batch& data) {
    const int64_t P = data.x.size(0), n = data.x.size(1), d = data.x.size(2);
    if (n == 0) return;
    const int64_t C = ctx.shape.output_dim;
    const auto opts = data.x.options();
    const auto mean = data.x.mean(1, /*keepdim=*/true);
    // (x - m) W + b = (x - m') W + b + (m' - m) W
    weights_.narrow(1, d, 1).add_(torch::bmm(mean - mean_, weights_.narrow(1, 0, d)));
    mean_ = mean;
    // [X - mean, 1]: the last row of the weights is the bias.
    const auto x = torch::cat({data.x - mean_, torch::ones({P, n, 1}, opts)}, 2);
    const auto onehot = torch::zeros({P, n, C}, opts).scatter_(2, data.y.unsqueeze(2), 1.0);

    // Per-member step 1/L from the largest eigenvalue of the smaller Gram matrix.
    const auto xd = x.to(torch::kDouble);
    const auto gram =
        d + 1 <= n ? torch::bmm(xd.transpose(1, 2), xd) : torch::bmm(xd, xd.transpose(1, 2));
    const auto top = std::get<0>(at::linalg_eigvalsh(gram).max(1));  // [P]
    const auto step =
        (1.0 / (top / (2.0 * static_cast<double>(n)) + lambda_)).to(opts.dtype()).view({P, 1, 1});

    auto penalized = torch::ones({1, d + 1, 1}, opts);
    penalized.narrow(1, d, 1).zero_();  // no penalty on the bias row
    auto previous = weights_;
    double t = 1.0;
    auto gradient = [&](const at::Tensor& w) {
      const auto p = torch::softmax(torch::bmm(x, w), 2);
      return torch::bmm(x.transpose(1, 2), p - onehot) / static_cast<double>(n) +
             lambda_ * penalized * w;
    };
    for (int64_t k = 1; k <= max_updates_; ++k) {
      const double t_next = (1.0 + std::sqrt(1.0 + 4.0 * t * t)) / 2.0;
      const auto look = weights_ + ((t - 1.0) / t_next) * (weights_ - previous);
      const auto g = gradient(look);
      previous = weights_;
      weights_ = look - step * g;
      t = t_next;
      ctx.updates = k;
      if (k % kCheckEvery == 0 || k == max_updates_) {
        const auto norms = gradient(weights_).flatten(1).norm(2, {1});
        ctx.mark_diverged(norms, k);
        if (norms.max().item<double>() < tol_) break;
      }
    }
  }

  double lambda_;
  int64_t max_updates_;
  double tol_;
  at::Tensor mean_;     // [P, 1, d]
  at::Tensor weights_;  // [P, d + 1, C], the last row the bias
};

LearnerInfo MakeInfo() {
  LearnerInfo info;
  info.name = "logistic";
  info.doc = "multinomial logistic regression with L2, full-batch accelerated gradient";
  info.kinds = {TaskKind::kClassification};
  info.can_continue = true;
  info.params = {
      ParamSpec::Real("lambda", 1e-3, 0.0, 1e6, "L2 penalty (lambda / 2) |W|^2 on the weights"),
      ParamSpec::Int("max_updates", 500, 1, 100'000'000, "full-batch gradient steps at most"),
      ParamSpec::Real("tol", 1e-6, 0.0, 1e6,
                      "stop once every member's gradient norm is below this"),
  };
  info.make = [](const Params& p) { return std::make_unique<LogisticLearner>(p); };
  return info;
}

const LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
