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
// Values of one chunk of the Gram matrix's rows (32 MiB in double).
constexpr int64_t kGramEntries = int64_t{1} << 22;

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

  at::Tensor do_predict(const at::Tensor& x) override { return logits(x, weights_); }

 private:
  // Re-centres on the data's mean (keeping the predictions) and runs the
  // accelerated gradient from the current weights. Nothing with no data.
  //
  // Memory: the data are used as drawn. The centred inputs with their column
  // of ones, [X - m, 1], are never built (at 60,000 images of 784 pixels that
  // is 188 MB per member, and twice that again in double for the Gram
  // matrix): the products fold the centring and the bias in, and the Gram
  // matrix is summed over chunks of rows.
  void fit(TrainContext& ctx, const Batch& data) {
    const auto& X = data.x;  // [P, n, d]
    const int64_t P = X.size(0), n = X.size(1), d = X.size(2);
    if (n == 0) return;
    const int64_t C = ctx.shape.output_dim;
    const auto opts = X.options();
    const auto mean = X.mean(1, /*keepdim=*/true);
    // (x - m) W + b = (x - m') W + b + (m' - m) W
    weights_.narrow(1, d, 1).add_(torch::bmm(mean - mean_, weights_.narrow(1, 0, d)));
    mean_ = mean;
    const auto onehot = torch::zeros({P, n, C}, opts).scatter_(2, data.y.unsqueeze(2), 1.0);

    // Per-member step 1/L from the largest eigenvalue of the smaller Gram matrix.
    const auto top = std::get<0>(at::linalg_eigvalsh(centred_gram(X)).max(1));  // [P]
    const auto step =
        (1.0 / (top / (2.0 * static_cast<double>(n)) + lambda_)).to(opts.dtype()).view({P, 1, 1});

    auto penalized = torch::ones({1, d + 1, 1}, opts);
    penalized.narrow(1, d, 1).zero_();  // no penalty on the bias row
    auto previous = weights_;
    double t = 1.0;
    // The gradient of f at w = [W; b]: with R = softmax((X - m) W + b) - Y,
    // [(X - m)^T R; 1^T R] / n = [X^T R - m^T (1^T R); 1^T R] / n.
    auto gradient = [&](const at::Tensor& w) {
      const auto r = torch::softmax(logits(X, w), 2) - onehot;
      const auto r_sum = r.sum(1, /*keepdim=*/true);  // [P, 1, C]
      const auto gx = torch::bmm(X.transpose(1, 2), r) - torch::bmm(mean_.transpose(1, 2), r_sum);
      return torch::cat({gx, r_sum}, 1) / static_cast<double>(n) + lambda_ * penalized * w;
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

  // (x - m) W + b for w = [W; b], computed as x W + (b - m W): x - m would be
  // a copy of the inputs (the whole training set when it is scored).
  at::Tensor logits(const at::Tensor& x, const at::Tensor& w) const {
    const int64_t d = x.size(2);
    const auto W = w.narrow(1, 0, d);
    return torch::baddbmm(w.narrow(1, d, 1) - torch::bmm(mean_, W), x, W);
  }

  // The Gram matrix of A = [X - mean_, 1] in double, the smaller of A^T A
  // [P, d + 1, d + 1], summed over chunks of rows (kGramEntries values each),
  // and A A^T [P, n, n] (n <= d: A is small).
  at::Tensor centred_gram(const at::Tensor& X) const {
    const int64_t P = X.size(0), n = X.size(1), d = X.size(2);
    auto rows = [&](int64_t s, int64_t len) {
      auto a = torch::empty({P, len, d + 1}, X.options().dtype(torch::kDouble));
      a.narrow(2, 0, d).copy_(X.narrow(1, s, len) - mean_);
      a.narrow(2, d, 1).fill_(1.0);
      return a;
    };
    if (n < d + 1) {
      const auto a = rows(0, n);
      return torch::bmm(a, a.transpose(1, 2));
    }
    auto gram = torch::zeros({P, d + 1, d + 1}, X.options().dtype(torch::kDouble));
    const int64_t chunk = std::max<int64_t>(d + 1, kGramEntries / (P * (d + 1)));
    for (int64_t s = 0; s < n; s += chunk) {
      const auto a = rows(s, std::min(chunk, n - s));
      gram.baddbmm_(a.transpose(1, 2), a);
    }
    return gram;
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
