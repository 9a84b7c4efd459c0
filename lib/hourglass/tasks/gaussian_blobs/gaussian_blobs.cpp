// `gaussian-blobs`: C equiprobable Gaussian classes with a shared isotropic
// covariance, the classic setting for classification under covariate shift.
//
//   class means  mu_c = separation * g_c / |g_c|, g_c ~ N(0, I_dim), per member
//   label        y uniform on {0, ..., C-1}
//   input        z ~ N(mu_y, noise^2 I),  x = scale * R z + shift * (1, ..., 1)
// R rotates the plane of the first two coordinates by `rotation` degrees
// (counter-clockwise from axis 0 towards axis 1). A split that overrides
// rotation, shift, scale, noise or separation keeps the member's directions
// g_c; classes and dim must stay those of `train`.
//
// References (per member):
//   trivial = 1/C, the accuracy of predicting the majority class (all classes
//             are equally likely, so every class is a majority class);
//   optimal = the Bayes classifier's accuracy under the split. z -> x is
//             invertible (scale > 0), so it equals the Bayes accuracy of the
//             untransformed mixture, whose Bayes classifier is the nearest mean:
//               C = 2: exactly Phi(|mu_0 - mu_1| / (2 noise));
//               C > 2: Monte Carlo, E_z[max_c p(c | z)] over kBayesSamples
//               draws (kBayesSamples / C per class) from a stream fixed by the
//               member's instance seed. Each term is >= 1/C, so the estimate
//               is never below chance; its standard error is below 0.001.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "hourglass/tasks/family.h"

namespace hg {
namespace {

constexpr int64_t kBayesSamples = 200'000;

class GaussianBlobsSplit final : public ClassificationSplit {
 public:
  GaussianBlobsSplit(const Params& p, const std::vector<uint64_t>& instance_seeds)
      : ClassificationSplit(static_cast<int64_t>(instance_seeds.size())),
        classes_(p.integer("classes")),
        dim_(p.integer("dim")),
        separation_(p.real("separation")),
        noise_(p.real("noise")),
        shift_(p.real("shift")),
        scale_(p.real("scale")) {
    const double radians = p.real("rotation") * M_PI / 180.0;
    cos_ = std::cos(radians);
    sin_ = std::sin(radians);
    for (uint64_t seed : instance_seeds) {
      Rng rng(seed);
      std::vector<double> means(classes_ * dim_);
      for (int64_t c = 0; c < classes_; ++c) {
        double* mu = means.data() + c * dim_;
        double norm2 = 0.0;
        while (norm2 < 1e-12) {  // a zero draw has no direction: draw again
          norm2 = 0.0;
          for (int64_t d = 0; d < dim_; ++d) {
            mu[d] = rng.normal();
            norm2 += mu[d] * mu[d];
          }
        }
        const double to_sphere = separation_ / std::sqrt(norm2);
        for (int64_t d = 0; d < dim_; ++d) mu[d] *= to_sphere;
      }
      means_.push_back(std::move(means));
      bayes_.push_back(bayes_accuracy(means_.back(), mix_seed(seed, "gaussian-blobs/bayes")));
    }
  }

  TaskShape shape() const override { return {TaskKind::kClassification, dim_, classes_, 0}; }

  Batch sample(int64_t n, std::vector<Rng>& streams) const override {
    const int64_t P = population();
    auto x = torch::empty({P, n, dim_}, torch::kFloat);
    auto y = torch::empty({P, n}, torch::kLong);
    auto xa = x.accessor<float, 3>();
    auto ya = y.accessor<int64_t, 2>();
    std::vector<double> z(dim_);
    for (int64_t i = 0; i < P; ++i) {
      Rng& rng = streams[i];
      for (int64_t k = 0; k < n; ++k) {
        const auto label = static_cast<int64_t>(rng.below(static_cast<uint64_t>(classes_)));
        const double* mu = means_[i].data() + label * dim_;
        for (int64_t d = 0; d < dim_; ++d) z[d] = mu[d] + noise_ * rng.normal();
        const double z0 = z[0], z1 = z[1];
        z[0] = cos_ * z0 - sin_ * z1;
        z[1] = sin_ * z0 + cos_ * z1;
        for (int64_t d = 0; d < dim_; ++d) xa[i][k][d] = static_cast<float>(scale_ * z[d] + shift_);
        ya[i][k] = label;
      }
    }
    return {x, y};
  }

  Reference reference() const override {
    Reference r;
    r.optimal = bayes_;
    r.trivial.assign(bayes_.size(), 1.0 / static_cast<double>(classes_));
    return r;
  }

 private:
  double bayes_accuracy(const std::vector<double>& means, uint64_t seed) const {
    if (classes_ == 2) {
      double d2 = 0.0;
      for (int64_t d = 0; d < dim_; ++d) {
        const double diff = means[d] - means[dim_ + d];
        d2 += diff * diff;
      }
      return 0.5 * std::erfc(-std::sqrt(d2) / (2.0 * noise_) / std::sqrt(2.0));
    }
    // The posterior of the untransformed mixture: softmax_c(z . mu_c / noise^2),
    // the |mu_c|^2 terms being equal.
    Rng rng(seed);
    const int64_t per_class = kBayesSamples / classes_;
    std::vector<double> z(dim_), logit(classes_);
    double sum = 0.0;
    for (int64_t c = 0; c < classes_; ++c) {
      for (int64_t k = 0; k < per_class; ++k) {
        for (int64_t d = 0; d < dim_; ++d) z[d] = means[c * dim_ + d] + noise_ * rng.normal();
        double top = -INFINITY;
        for (int64_t j = 0; j < classes_; ++j) {
          double dot = 0.0;
          for (int64_t d = 0; d < dim_; ++d) dot += z[d] * means[j * dim_ + d];
          logit[j] = dot / (noise_ * noise_);
          top = std::max(top, logit[j]);
        }
        double total = 0.0;
        for (double l : logit) total += std::exp(l - top);
        sum += 1.0 / total;  // max_c p(c | z)
      }
    }
    return sum / static_cast<double>(per_class * classes_);
  }

  int64_t classes_, dim_;
  double separation_, noise_, shift_, scale_, cos_ = 1.0, sin_ = 0.0;
  std::vector<std::vector<double>> means_;  // per member, [classes * dim]
  std::vector<double> bayes_;               // per member
};

std::string check_blobs_split(const Params& split, const Params& train) {
  if (split.integer("classes") != train.integer("classes") ||
      split.integer("dim") != train.integer("dim"))
    return "classes and dim must be those of the train split (they define the instance)";
  return "";
}

FamilyInfo MakeInfo() {
  FamilyInfo info;
  info.name = "gaussian-blobs";
  info.doc = "C Gaussian classes with means on a sphere per seed; rotate, shift, scale for OOD";
  info.kind = TaskKind::kClassification;
  info.params = {
      ParamSpec::Int("classes", 4, 2, 1000, "number of classes (equally likely)"),
      ParamSpec::Int("dim", 2, 2, 4096, "input dimension"),
      ParamSpec::Real("separation", 2.0, 1e-6, 1e6, "radius of the sphere of class means"),
      ParamSpec::Real("noise", 1.0, 1e-6, 1e6,
                      "standard deviation of every class (shared isotropic covariance)"),
      ParamSpec::Real("rotation", 0.0, -360.0, 360.0,
                      "rotation of the inputs in the plane of dims 0 and 1, in degrees"),
      ParamSpec::Real("shift", 0.0, -1e6, 1e6, "added to every input coordinate (after scale)"),
      ParamSpec::Real("scale", 1.0, 1e-6, 1e6, "multiplies the inputs (about the origin)"),
  };
  info.make_split = [](const Params& p, const std::vector<uint64_t>& seeds) {
    return std::make_unique<GaussianBlobsSplit>(p, seeds);
  };
  info.check_split = check_blobs_split;
  info.suggested_ood = {
      {"rotated-30", {{"rotation", 30.0}}, "inputs rotated by 30 degrees"},
      {"rotated-90", {{"rotation", 90.0}}, "inputs rotated by 90 degrees"},
      {"shifted", {{"shift", 2.0}}, "every coordinate moved by 2"},
      {"scaled", {{"scale", 2.0}}, "inputs twice as spread"},
  };
  return info;
}

const FamilyRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
