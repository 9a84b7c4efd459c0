// `sinusoid`: y = A sin(x - phase) + noise, as in MAML (Finn et al. 2017).
//
// Each member draws u_A, u_phase ~ U(0, 1) from its instance seed and sets
// A = lerp(amplitude, u_A), phase = lerp(phase, u_phase). A split that
// overrides `amplitude` keeps the member's u_A: the same function family
// member, scaled into the new range. x ~ U(x_lo, x_hi).
//
// References (per member, exact): trivial = -(A^2 Var_x[sin(x - phase)] +
// noise^2), the MSE of predicting the split's mean of y; optimal = -noise^2.
// With x ~ U(a, b) and s = x - phase:
//   E[sin s]   = (cos(a - phase) - cos(b - phase)) / (b - a)
//   E[sin^2 s] = 1/2 - (sin(2(b - phase)) - sin(2(a - phase))) / (4 (b - a))
// and for a == b the variance is 0.
#include <torch/torch.h>

#include <cmath>

#include "hourglass/tasks/family.h"

namespace hg {
namespace {

class SinusoidSplit final : public RegressionSplit {
 public:
  SinusoidSplit(const Params& p, const std::vector<uint64_t>& instance_seeds)
      : RegressionSplit(static_cast<int64_t>(instance_seeds.size())),
        x_(p.range("x")),
        noise_(p.real("noise")) {
    const auto amplitude = p.range("amplitude");
    const auto phase = p.range("phase");
    for (uint64_t seed : instance_seeds) {
      Rng rng(seed);
      const double ua = rng.uniform();
      const double up = rng.uniform();
      amplitude_.push_back(amplitude.first + ua * (amplitude.second - amplitude.first));
      phase_.push_back(phase.first + up * (phase.second - phase.first));
    }
  }

  TaskShape shape() const override { return {TaskKind::kRegression, 1, 1}; }

  Batch sample(int64_t n, std::vector<Rng>& streams) const override {
    const int64_t P = population();
    auto x = torch::empty({P, n, 1}, torch::kFloat);
    auto y = torch::empty({P, n, 1}, torch::kFloat);
    auto xa = x.accessor<float, 3>();
    auto ya = y.accessor<float, 3>();
    for (int64_t i = 0; i < P; ++i) {
      Rng& rng = streams[i];
      for (int64_t k = 0; k < n; ++k) {
        const double v = rng.uniform(x_.first, x_.second);
        xa[i][k][0] = static_cast<float>(v);
        ya[i][k][0] =
            static_cast<float>(amplitude_[i] * std::sin(v - phase_[i]) + noise_ * rng.normal());
      }
    }
    return {x, y};
  }

  Reference reference() const override {
    Reference r;
    const double a = x_.first, b = x_.second;
    for (size_t i = 0; i < amplitude_.size(); ++i) {
      double var = 0.0;
      if (b > a) {
        const double ph = phase_[i];
        const double m1 = (std::cos(a - ph) - std::cos(b - ph)) / (b - a);
        const double m2 = 0.5 - (std::sin(2 * (b - ph)) - std::sin(2 * (a - ph))) / (4 * (b - a));
        var = std::max(0.0, m2 - m1 * m1);
      }
      r.trivial.push_back(-(amplitude_[i] * amplitude_[i] * var + noise_ * noise_));
      r.optimal.push_back(-noise_ * noise_);
    }
    return r;
  }

 private:
  std::pair<double, double> x_;
  double noise_;
  std::vector<double> amplitude_, phase_;
};

FamilyInfo MakeInfo() {
  FamilyInfo info;
  info.name = "sinusoid";
  info.doc = "y = A sin(x - phase) + noise with A, phase drawn per seed (MAML's regression)";
  info.kind = TaskKind::kRegression;
  info.params = {
      ParamSpec::RealRange("amplitude", 0.1, 5.0, 0.0, 1e6, "range of the amplitude A"),
      ParamSpec::RealRange("phase", 0.0, M_PI, -1e6, 1e6, "range of the phase"),
      ParamSpec::RealRange("x", -5.0, 5.0, -1e6, 1e6, "range of the input x (uniform)"),
      ParamSpec::Real("noise", 0.0, 0.0, 1e6, "standard deviation of the label noise"),
  };
  info.make_split = [](const Params& p, const std::vector<uint64_t>& seeds) {
    return std::make_unique<SinusoidSplit>(p, seeds);
  };
  info.suggested_ood = {
      {"far-x", {{"x", std::vector<double>{5.0, 10.0}}}, "inputs beyond the training range"},
      {"big-amplitude", {{"amplitude", std::vector<double>{5.0, 10.0}}},
       "the same kind of functions, larger"},
  };
  return info;
}

const FamilyRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
