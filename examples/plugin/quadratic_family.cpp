// `example-quadratic`: a template family. y = a x^2 + b x + c + noise, with a
// hidden (a, b, c) per member and x uniform in [x_min, x_max].
//
// A family builds, for one split and a whole population, every member's
// instance from that member's instance seed (here: its a, b, c), then draws
// labelled examples for all members at once. It never sees a learner. The
// harness decides which splits exist: a suite's task sets the family's
// parameters, and each OOD split overrides some of them (here, moving x out
// of the training range, or adding noise).
//
// References (exact, per member), which normalize scores to
// 0 = trivial, 1 = optimal:
//   optimal = -noise^2                       the noise floor
//   trivial = -(Var[a x^2 + b x] + noise^2)   predicting the split's mean of y
// with Var[f] = E[f^2] - E[f]^2 from the moments of the uniform distribution,
// E[x^k] = (x_max^(k+1) - x_min^(k+1)) / ((k + 1) (x_max - x_min)).
#include <ATen/ATen.h>

#include <cmath>
#include <memory>
#include <vector>

#include "hourglass/tasks/family.h"

namespace example {
namespace {

using hg::Batch;
using hg::FamilyInfo;
using hg::ParamSpec;
using hg::Params;
using hg::Reference;
using hg::Rng;
using hg::TaskKind;
using hg::TaskShape;

// The k-th moment of x ~ U(lo, hi).
double uniform_moment(double lo, double hi, int k) {
  return (std::pow(hi, k + 1) - std::pow(lo, k + 1)) / ((k + 1) * (hi - lo));
}

// One split of one task for a population. RegressionSplit scores minus the
// mean squared error; classification families derive ClassificationSplit.
class QuadraticSplit final : public hg::RegressionSplit {
 public:
  QuadraticSplit(const Params& p, const std::vector<uint64_t>& instance_seeds)
      : RegressionSplit(static_cast<int64_t>(instance_seeds.size())),
        x_min_(p.real("x_min")),
        x_max_(p.real("x_max")),
        noise_(p.real("noise")) {
    // Every member's instance comes from its own seed only, and is drawn the
    // same way in every split: an OOD split that moves x keeps the member's
    // hidden function.
    for (uint64_t seed : instance_seeds) {
      Rng rng(seed);
      coefficients_.push_back({rng.normal(), rng.normal(), rng.normal()});
    }
  }

  TaskShape shape() const override { return {TaskKind::kRegression, /*input_dim=*/1, 1}; }

  // n examples per member; member i draws from streams[i] only, so its data
  // do not depend on which other members share the population.
  Batch sample(int64_t n, std::vector<Rng>& streams) const override {
    const int64_t members = population();
    at::Tensor x = at::empty({members, n, 1}, at::kFloat);
    at::Tensor y = at::empty({members, n, 1}, at::kFloat);
    auto xa = x.accessor<float, 3>();
    auto ya = y.accessor<float, 3>();
    for (int64_t i = 0; i < members; ++i) {
      const auto& [a, b, c] = coefficients_[static_cast<size_t>(i)];
      for (int64_t k = 0; k < n; ++k) {
        const double v = streams[static_cast<size_t>(i)].uniform(x_min_, x_max_);
        xa[i][k][0] = static_cast<float>(v);
        ya[i][k][0] = static_cast<float>(a * v * v + b * v + c +
                                         noise_ * streams[static_cast<size_t>(i)].normal());
      }
    }
    return {x, y};
  }

  Reference reference() const override {
    Reference r;
    const double m1 = uniform_moment(x_min_, x_max_, 1), m2 = uniform_moment(x_min_, x_max_, 2),
                 m3 = uniform_moment(x_min_, x_max_, 3), m4 = uniform_moment(x_min_, x_max_, 4);
    for (const auto& [a, b, c] : coefficients_) {
      (void)c;  // a constant does not change the variance
      const double mean = a * m2 + b * m1;
      const double second = a * a * m4 + 2 * a * b * m3 + b * b * m2;
      r.trivial.push_back(-(second - mean * mean + noise_ * noise_));
      r.optimal.push_back(-noise_ * noise_);
    }
    return r;
  }

 private:
  struct Coefficients {
    double a, b, c;
  };
  double x_min_, x_max_, noise_;
  std::vector<Coefficients> coefficients_;
};

FamilyInfo MakeInfo() {
  FamilyInfo info;
  info.name = "example-quadratic";  // what a suite's `family:` names
  info.doc = "y = a x^2 + b x + c + noise with a hidden (a, b, c) per seed (an example plugin)";
  info.kind = TaskKind::kRegression;
  // Every parameter with a default, a range and a doc: the suite loader
  // checks values against these, `hourglass list families` prints them.
  info.params = {
      ParamSpec::Real("x_min", -1.0, -1e3, 1e3, "smallest input"),
      ParamSpec::Real("x_max", 1.0, -1e3, 1e3, "largest input"),
      ParamSpec::Real("noise", 0.1, 0.0, 1e3, "standard deviation of the label noise"),
  };
  info.make_split = [](const Params& p, const std::vector<uint64_t>& seeds) {
    return std::make_unique<QuadraticSplit>(p, seeds);
  };
  // Constraints between parameters: "" when fine. Called by the loader for
  // the train split and every OOD split, so a bad suite fails at load time.
  info.check_split = [](const Params& split, const Params&) -> std::string {
    if (split.real("x_min") >= split.real("x_max")) return "x_min must be below x_max";
    return "";
  };
  // The suggested OOD splits: `hourglass list families` shows them, and the
  // conformance checks build every one of them.
  info.suggested_ood = {
      {"far-x", {{"x_min", 1.0}, {"x_max", 2.0}}, "inputs beyond the training range"},
      {"noisy", {{"noise", 0.5}}, "five times the label noise"},
  };
  return info;
}

// Registers the family when the plugin is loaded. A name that exists
// already (built-in or from another plugin) makes `hourglass` refuse the
// plugin.
const hg::FamilyRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace example
