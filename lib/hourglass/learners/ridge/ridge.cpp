// `ridge`: closed-form ridge regression for a whole population at once.
//
// Features phi(x): `identity` (phi = x) or `random-fourier`
// (phi = sqrt(2/width) cos(x Omega + b), Omega ~ N(0, 1/bandwidth^2),
// b ~ U(0, 2 pi), drawn per member; Rahimi and Recht 2007).
// Objective per member: (1/n) |Phi w + c - y|^2 + lambda |w|^2, the intercept
// c unpenalized (with `intercept: false`, c = 0). Solved in double precision
// as (Phi_c^T Phi_c / n + lambda' I) w = Phi_c^T y_c / n with centred Phi_c,
// y_c, and lambda' = max(lambda, 1e-10) so the system is never singular.
#include <torch/torch.h>

#include <cmath>

#include "hourglass/core/tensor_util.h"
#include "hourglass/learners/learner.h"

namespace hg {
namespace {

class RidgeLearner final : public Learner {
 public:
  explicit RidgeLearner(const Params& p)
      : fourier_(p.choice("features") == "random-fourier"),
        width_(p.integer("width")),
        bandwidth_(p.real("bandwidth")),
        lambda_(p.real("lambda")),
        intercept_(p.boolean("intercept")) {}

 protected:
  void do_train(TrainContext& ctx) override {
    const int64_t d = ctx.shape.input_dim;
    if (fourier_) {
      omega_ = member_normal(ctx.member_seeds, "ridge/omega", {d, width_}, 1.0 / bandwidth_)
                   .to(ctx.device);
      offset_ = member_uniform(ctx.member_seeds, "ridge/offset", {1, width_}, 0.0, 2 * M_PI)
                    .to(ctx.device);
    }
    const Batch batch = ctx.data.draw(ctx.data.remaining());
    const auto phi = features(batch.x).to(torch::kDouble);
    const auto y = batch.y.to(torch::kDouble);
    const int64_t n = phi.size(1), f = phi.size(2);

    auto phi_mean = torch::zeros({phi.size(0), 1, f}, phi.options());
    auto y_mean = torch::zeros({y.size(0), 1, y.size(2)}, y.options());
    if (intercept_) {
      phi_mean = phi.mean(1, true);
      y_mean = y.mean(1, true);
    }
    const auto pc = phi - phi_mean;
    const auto yc = y - y_mean;
    const auto eye = torch::eye(f, phi.options()).unsqueeze(0);
    const auto a = torch::bmm(pc.transpose(1, 2), pc) / static_cast<double>(n) +
                   std::max(lambda_, 1e-10) * eye;
    const auto b = torch::bmm(pc.transpose(1, 2), yc) / static_cast<double>(n);
    const auto w = at::linalg_solve(a, b);                     // [P, f, d_out]
    const auto c = y_mean - torch::bmm(phi_mean, w);           // [P, 1, d_out]
    weights_ = w.to(torch::kFloat);
    bias_ = c.to(torch::kFloat);
    ctx.updates = 1;
  }

  at::Tensor do_predict(const at::Tensor& x) override {
    return torch::baddbmm(bias_, features(x), weights_);
  }

 private:
  at::Tensor features(const at::Tensor& x) const {
    if (!fourier_) return x;
    return std::sqrt(2.0 / static_cast<double>(width_)) *
           torch::cos(torch::baddbmm(offset_, x, omega_));
  }

  bool fourier_;
  int64_t width_;
  double bandwidth_, lambda_;
  bool intercept_;
  at::Tensor omega_, offset_, weights_, bias_;
};

LearnerInfo MakeInfo() {
  LearnerInfo info;
  info.name = "ridge";
  info.doc = "closed-form ridge regression on identity or random Fourier features";
  info.kinds = {TaskKind::kRegression};
  info.params = {
      ParamSpec::Choice("features", "identity", {"identity", "random-fourier"},
                        "feature map: the raw inputs, or random Fourier features"),
      ParamSpec::Int("width", 256, 1, 16384, "number of random Fourier features"),
      ParamSpec::Real("bandwidth", 1.0, 1e-6, 1e6,
                      "length scale of the random Fourier features (Omega ~ N(0, 1/bandwidth^2))"),
      ParamSpec::Real("lambda", 1e-3, 0.0, 1e6, "L2 penalty on the weights (per sample)"),
      ParamSpec::Bool("intercept", true, "fit an unpenalized intercept"),
  };
  info.make = [](const Params& p) { return std::make_unique<RidgeLearner>(p); };
  return info;
}

const LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
