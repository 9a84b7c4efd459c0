// `linear-regression`: y = w . x + noise, one hidden w per member.
//
//   w ~ N(0, I / dim) per member (drawn from the instance seed)
//   x ~ N(x_mean * 1, x_scale^2 I)        (split parameters: covariate shift)
//   noise ~ N(0, noise^2)
//
// References (per member, exact): trivial = -(x_scale^2 |w|^2 + noise^2), the
// MSE of predicting the split's mean of y; optimal = -noise^2, the noise floor.
// When noise = 0 the optimum is 0.
#include <torch/torch.h>

#include "hourglass/tasks/family.h"

namespace hg {
namespace {

class LinearRegressionSplit final : public RegressionSplit {
 public:
  LinearRegressionSplit(const Params& p, const std::vector<uint64_t>& instance_seeds)
      : RegressionSplit(static_cast<int64_t>(instance_seeds.size())),
        dim_(p.integer("dim")),
        noise_(p.real("noise")),
        x_mean_(p.real("x_mean")),
        x_scale_(p.real("x_scale")) {
    const double w_std = 1.0 / std::sqrt(static_cast<double>(dim_));
    for (uint64_t seed : instance_seeds) {
      Rng rng(seed);
      std::vector<double> w(dim_);
      for (auto& v : w) v = w_std * rng.normal();
      weights_.push_back(std::move(w));
    }
  }

  TaskShape shape() const override { return {TaskKind::kRegression, dim_, 1}; }

  Batch sample(int64_t n, std::vector<Rng>& streams) const override {
    const int64_t P = population();
    auto x = torch::empty({P, n, dim_}, torch::kFloat);
    auto y = torch::empty({P, n, 1}, torch::kFloat);
    auto xa = x.accessor<float, 3>();
    auto ya = y.accessor<float, 3>();
    for (int64_t i = 0; i < P; ++i) {
      Rng& rng = streams[i];
      const auto& w = weights_[i];
      for (int64_t k = 0; k < n; ++k) {
        double dot = 0.0;
        for (int64_t d = 0; d < dim_; ++d) {
          const double v = x_mean_ + x_scale_ * rng.normal();
          xa[i][k][d] = static_cast<float>(v);
          dot += w[d] * v;
        }
        ya[i][k][0] = static_cast<float>(dot + noise_ * rng.normal());
      }
    }
    return {x, y};
  }

  Reference reference() const override {
    Reference r;
    for (const auto& w : weights_) {
      double norm2 = 0.0;
      for (double v : w) norm2 += v * v;
      r.trivial.push_back(-(x_scale_ * x_scale_ * norm2 + noise_ * noise_));
      r.optimal.push_back(-noise_ * noise_);
    }
    return r;
  }

 private:
  int64_t dim_;
  double noise_, x_mean_, x_scale_;
  std::vector<std::vector<double>> weights_;
};

FamilyInfo MakeInfo() {
  FamilyInfo info;
  info.name = "linear-regression";
  info.doc = "y = w.x + noise with a hidden w ~ N(0, I/dim) per seed; shift x_mean/x_scale for OOD";
  info.kind = TaskKind::kRegression;
  info.params = {
      ParamSpec::Int("dim", 8, 1, 4096, "input dimension"),
      ParamSpec::Real("noise", 0.5, 0.0, 1e6, "standard deviation of the label noise"),
      ParamSpec::Real("x_mean", 0.0, -1e6, 1e6, "mean of every input coordinate"),
      ParamSpec::Real("x_scale", 1.0, 1e-6, 1e6, "standard deviation of every input coordinate"),
  };
  info.make_split = [](const Params& p, const std::vector<uint64_t>& seeds) {
    return std::make_unique<LinearRegressionSplit>(p, seeds);
  };
  info.suggested_ood = {
      {"wide-x", {{"x_scale", 3.0}}, "inputs three times as spread (covariate shift)"},
      {"shifted-x", {{"x_mean", 2.0}}, "inputs moved off centre (covariate shift)"},
  };
  return info;
}

const FamilyRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
