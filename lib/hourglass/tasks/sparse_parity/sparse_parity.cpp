// `sparse-parity`: the parity of k hidden bits out of `bits` (Barak et al.
// 2022, "Hidden progress in deep learning"): hard for linear models at any
// budget, learnable by networks with enough samples and updates.
//
//   hidden set S of k coordinates per member (from its instance seed)
//   x_j = +1 with probability `bias`, else -1, independently
//   clean label = 1 when an odd number of the x_S are -1, else 0
//   label = the clean label, flipped with probability `noise`
// A split that overrides bias or noise keeps the member's S; bits and k must
// stay those of `train`.
//
// References (per member, exact): with m = (2 bias - 1)^k = E[prod_S x_j],
// the clean label is 1 with probability q = (1 - m) / 2 and the label with
// probability t = noise + q (1 - 2 noise);
//   trivial = max(t, 1 - t), the accuracy of the majority class (chance);
//   optimal = 1 - noise: the Bayes classifier predicts the clean parity
//             (noise < 1/2, so predicting the flip never does better).
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "hourglass/core/error.h"
#include "hourglass/tasks/family.h"

namespace hg {
namespace {

std::string check_parity_split(const Params& split, const Params& train) {
  if (split.integer("bits") != train.integer("bits") || split.integer("k") != train.integer("k"))
    return "bits and k must be those of the train split (they define the hidden set)";
  if (split.integer("k") > split.integer("bits"))
    return "k must be at most bits (" + std::to_string(split.integer("bits")) + "), got " +
           std::to_string(split.integer("k"));
  return "";
}

class SparseParitySplit final : public ClassificationSplit {
 public:
  SparseParitySplit(const Params& p, const std::vector<uint64_t>& instance_seeds)
      : ClassificationSplit(static_cast<int64_t>(instance_seeds.size())),
        bits_(p.integer("bits")),
        k_(p.integer("k")),
        bias_(p.real("bias")),
        noise_(p.real("noise")) {
    if (auto why = check_parity_split(p, p); !why.empty()) throw InputError("sparse-parity: " + why);
    for (uint64_t seed : instance_seeds) {
      Rng rng(seed);
      std::vector<int64_t> coords(bits_);
      std::iota(coords.begin(), coords.end(), 0);
      partial_shuffle(coords, k_, rng);
      coords.resize(k_);
      std::sort(coords.begin(), coords.end());
      hidden_.push_back(std::move(coords));
    }
  }

  TaskShape shape() const override { return {TaskKind::kClassification, bits_, 2, 0}; }

  Batch sample(int64_t n, std::vector<Rng>& streams) const override {
    const int64_t P = population();
    auto x = torch::empty({P, n, bits_}, torch::kFloat);
    auto y = torch::empty({P, n}, torch::kLong);
    auto xa = x.accessor<float, 3>();
    auto ya = y.accessor<int64_t, 2>();
    for (int64_t i = 0; i < P; ++i) {
      Rng& rng = streams[i];
      for (int64_t k = 0; k < n; ++k) {
        for (int64_t j = 0; j < bits_; ++j) xa[i][k][j] = rng.uniform() < bias_ ? 1.0f : -1.0f;
        int64_t parity = 0;
        for (int64_t j : hidden_[i]) parity ^= xa[i][k][j] < 0 ? 1 : 0;
        if (noise_ > 0 && rng.uniform() < noise_) parity ^= 1;
        ya[i][k] = parity;
      }
    }
    return {x, y};
  }

  Reference reference() const override {
    const double m = std::pow(2.0 * bias_ - 1.0, static_cast<double>(k_));
    const double q = (1.0 - m) / 2.0;
    const double t = noise_ + q * (1.0 - 2.0 * noise_);
    Reference r;
    r.trivial.assign(hidden_.size(), std::max(t, 1.0 - t));
    r.optimal.assign(hidden_.size(), 1.0 - noise_);
    return r;
  }

 private:
  int64_t bits_, k_;
  double bias_, noise_;
  std::vector<std::vector<int64_t>> hidden_;  // per member, ascending
};

FamilyInfo MakeInfo() {
  FamilyInfo info;
  info.name = "sparse-parity";
  info.doc =
      "parity of k hidden bits out of `bits` in {-1, +1}; bias the bits or flip labels for OOD";
  info.kind = TaskKind::kClassification;
  info.params = {
      ParamSpec::Int("bits", 16, 1, 4096, "input bits, each -1 or +1"),
      ParamSpec::Int("k", 3, 1, 4096, "size of the hidden set whose parity is the label (<= bits)"),
      ParamSpec::Real("bias", 0.5, 0.01, 0.99, "probability that each bit is +1"),
      ParamSpec::Real("noise", 0.0, 0.0, 0.49, "probability that a label is flipped"),
  };
  info.make_split = [](const Params& p, const std::vector<uint64_t>& seeds) {
    return std::make_unique<SparseParitySplit>(p, seeds);
  };
  info.check_split = check_parity_split;
  info.suggested_ood = {
      {"biased", {{"bias", 0.75}}, "each bit +1 with probability 0.75 (covariate shift)"},
      {"noisy", {{"noise", 0.1}}, "10% of the labels flipped"},
  };
  return info;
}

const FamilyRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
