// `knn`: k nearest neighbours among each member's training examples, the
// whole population at once.
//   euclidean  ExactEuclideanNeighbours (exact_euclidean.h): candidates from
//              one batched matrix product, their distances recomputed
//              directly, and a rounding-error certificate per query (the full
//              direct row when it fails), so the neighbours are exactly those
//              of cdist without matrix products: a training input is its own
//              nearest neighbour;
//   manhattan  distances [P, queries, n] from one batched cdist, then topk;
//   cosine     1 - the products of unit vectors (one bmm), then topk.
//
//   classification  scores = votes per class among the k nearest, plus 1/2
//                   for the class of the nearest one: a tie between classes
//                   goes to the nearest neighbour's class when it is among
//                   them, else to the lowest class id (ClassificationSplit).
//   regression      the mean of the k nearest targets.
// k is capped at the number of training examples. Training stores the budget
// (one update). Prediction is chunked over queries so that the distance
// matrix holds at most kMaxDistanceEntries values (64 MiB in float32).
#include <torch/torch.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "hourglass/learners/knn/exact_euclidean.h"
#include "hourglass/learners/learner.h"

namespace hg {
namespace {

constexpr int64_t kMaxDistanceEntries = int64_t{1} << 24;

enum class Distance { kEuclidean, kManhattan, kCosine };

class KnnLearner final : public Learner {
 public:
  explicit KnnLearner(const Params& p) : k_(p.integer("k")) {
    const std::string& d = p.choice("distance");
    distance_ = d == "euclidean"   ? Distance::kEuclidean
                : d == "manhattan" ? Distance::kManhattan
                                   : Distance::kCosine;
  }

 protected:
  void do_train(TrainContext& ctx) override {
    const Batch batch = ctx.data.draw(ctx.data.remaining());
    x_ = batch.x;
    y_ = batch.y;
    classification_ = ctx.shape.kind == TaskKind::kClassification;
    classes_ = ctx.shape.output_dim;
    if (distance_ == Distance::kEuclidean) {
      euclidean_ = std::make_unique<ExactEuclideanNeighbours>(x_, kMaxDistanceEntries);
    }
    ctx.updates = 1;
  }

  at::Tensor do_predict(const at::Tensor& x) override {
    const int64_t P = x.size(0), m = x.size(1), n = x_.size(1);
    if (n == 0) throw std::logic_error("knn: no training examples");
    const int64_t k = std::min(k_, n);
    const int64_t chunk = std::max<int64_t>(1, kMaxDistanceEntries / std::max<int64_t>(1, P * n));
    std::vector<at::Tensor> parts;
    for (int64_t s = 0; s < m; s += chunk) {
      const int64_t len = std::min(chunk, m - s);
      const auto q = x.narrow(1, s, len);
      const auto nearest = euclidean_ ? euclidean_->nearest(q, k)  // [P, len, k]
                                      : std::get<1>(distances(q).topk(k, 2, /*largest=*/false));
      if (classification_) {
        const auto labels = y_.unsqueeze(1).expand({P, len, n}).gather(2, nearest);
        auto votes = torch::zeros({P, len, classes_}, x.options());
        votes.scatter_add_(2, labels, torch::ones({P, len, k}, x.options()));
        votes.scatter_add_(2, labels.narrow(2, 0, 1), torch::full({P, len, 1}, 0.5, x.options()));
        parts.push_back(votes);
      } else {
        const int64_t d = y_.size(2);
        const auto flat = nearest.reshape({P, len * k, 1}).expand({P, len * k, d});
        parts.push_back(y_.gather(1, flat).reshape({P, len, k, d}).mean(2));
      }
    }
    return parts.size() == 1 ? parts[0] : torch::cat(parts, 1);
  }

 private:
  // Manhattan and cosine (euclidean goes through euclidean_).
  at::Tensor distances(const at::Tensor& q) const {
    switch (distance_) {
      case Distance::kEuclidean:
        return direct_euclidean_distances(q, x_);
      case Distance::kManhattan:
        return torch::cdist(q, x_, 1.0);
      case Distance::kCosine: {
        const auto unit = [](const at::Tensor& t) {
          return t / t.norm(2, {2}, /*keepdim=*/true).clamp_min(1e-12);
        };
        return 1.0 - torch::bmm(unit(q), unit(x_).transpose(1, 2));
      }
    }
    return {};
  }

  int64_t k_;
  Distance distance_ = Distance::kEuclidean;
  bool classification_ = false;
  int64_t classes_ = 0;
  at::Tensor x_, y_;  // the training examples, on the training device
  std::unique_ptr<ExactEuclideanNeighbours> euclidean_;  // euclidean only
};

LearnerInfo MakeInfo() {
  LearnerInfo info;
  info.name = "knn";
  info.doc = "k nearest neighbours (majority vote or mean of targets), population-batched";
  info.kinds = {TaskKind::kRegression, TaskKind::kClassification};
  info.params = {
      ParamSpec::Int("k", 5, 1, 100'000, "number of neighbours (capped at the budget)"),
      ParamSpec::Choice("distance", "euclidean", {"euclidean", "manhattan", "cosine"},
                        "distance between inputs (cosine: 1 - cosine similarity)"),
  };
  info.make = [](const Params& p) { return std::make_unique<KnnLearner>(p); };
  return info;
}

const LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
