// `cnn`: the standard small convolutional network for 28x28 images, per
// member, the whole population trained as one computation (PopulationCnn,
// population_cnn.h: the convolutions member by member, bit for bit as
// alone; dense layers as batched products):
//
//   image [C, H, W] -> conv k x k (c1 channels, same padding) -> relu -> max-pool 2
//                   -> conv k x k (c2 channels, same padding) -> relu -> max-pool 2
//                   -> flatten (c2 * H/4 * W/4) -> dense layers `hidden` (relu,
//                      dropout on the last one's output) -> dense to C classes
//
// trained with Adam (Kingma and Ba 2015) on cross-entropy: the loss is the
// sum over members of each member's mean cross-entropy on its minibatch, so
// each member's gradient, and (Adam being element-wise) its update, is its
// own. It needs image inputs (LearnerInfo::images_only, TaskShape::image);
// the suite loader refuses it on flat families with a located error.
//
// Training draws the whole budget, then takes up to `max_updates` minibatch
// steps (the compute cap), each member walking its own random permutation of
// its data from its own seed, epoch after epoch (a last partial batch of an
// epoch is skipped; batch_size >= budget is full batch). Initial weights and
// dropout masks are drawn per member from its seed too, so runs are
// deterministic for the same seeds, device and thread count, and a member's
// training does not depend on the other members. Divergence is checked as
// mlp does, on a window of per-update losses. Prediction runs in chunks of
// images, without dropout.
#include <torch/torch.h>

#include <algorithm>
#include <memory>

#include "hourglass/core/tensor_util.h"
#include "hourglass/learners/cnn/population_cnn.h"
#include "hourglass/learners/learner.h"

namespace hg {
namespace {

constexpr int64_t kCheckEvery = 100;
constexpr int64_t kPredictChunk = 1024;

class CnnLearner final : public Learner {
 public:
  explicit CnnLearner(const Params& p)
      : batch_size_(p.integer("batch_size")), max_updates_(p.integer("max_updates")) {
    options_.channels = p.int_list("channels");
    options_.hidden = p.int_list("hidden");
    options_.kernel = p.integer("kernel");
    options_.dropout = p.real("dropout");
    options_.lr = p.real("lr");
  }

 protected:
  void do_train(TrainContext& ctx) override {
    if (!ctx.shape.image.defined() || ctx.shape.image.size() != ctx.shape.input_dim)
      throw std::invalid_argument("cnn: the task's inputs are not images (TaskShape::image)");
    options_.image = ctx.shape.image;
    options_.classes = ctx.shape.output_dim;
    net_ = std::make_unique<PopulationCnn>(options_, ctx.member_seeds, ctx.device);

    const Batch data = ctx.data.draw(ctx.data.remaining());
    const auto x = data.x.to(ctx.device);
    const auto y = data.y.to(ctx.device);
    const int64_t P = x.size(0), n = x.size(1);
    if (n == 0) return;
    const int64_t batch = std::min(batch_size_, n);
    // losses[(step - 1) % kCheckEvery]: each member's loss at that update.
    const auto losses =
        torch::zeros({kCheckEvery, P}, torch::dtype(torch::kFloat).device(ctx.device));
    std::vector<Rng> order;
    for (uint64_t s : ctx.member_seeds) order.emplace_back(mix_seed(s, "cnn/order"));
    at::Tensor perm;
    int64_t cursor = n;  // a fresh permutation on the first step
    for (int64_t step = 1; step <= max_updates_; ++step) {
      if (cursor + batch > n) {
        perm = member_permutations(order, n).to(ctx.device);
        cursor = 0;
      }
      const auto idx = perm.narrow(1, cursor, batch);
      const auto xb = x.gather(1, idx.unsqueeze(2).expand({P, batch, x.size(2)}));
      const auto yb = y.gather(1, idx);
      const auto loss = net_->train_step(xb, yb, step);
      losses[(step - 1) % kCheckEvery].copy_(loss);
      cursor += batch;
      ctx.updates = step;
      if (step % kCheckEvery == 0 || step == max_updates_)  // the window so far
        mark_diverged_members(losses.narrow(0, 0, (step - 1) % kCheckEvery + 1), step,
                              ctx.diverged_at);
    }
  }

  at::Tensor do_predict(const at::Tensor& x) override {
    std::vector<at::Tensor> parts;
    for (int64_t s = 0; s < x.size(1); s += kPredictChunk)
      parts.push_back(net_->forward(x.narrow(1, s, std::min(kPredictChunk, x.size(1) - s)), 0));
    return parts.size() == 1 ? parts[0] : torch::cat(parts, 1);
  }

 private:
  PopulationCnnOptions options_;
  int64_t batch_size_, max_updates_;
  std::unique_ptr<PopulationCnn> net_;
};

LearnerInfo MakeInfo() {
  LearnerInfo info;
  info.name = "cnn";
  info.doc = "small convolutional network (2 conv + pool blocks, dense layers), Adam on "
             "cross-entropy, population-batched dense layers; image tasks only";
  info.kinds = {TaskKind::kClassification};
  info.images_only = true;
  info.params = {
      ParamSpec::IntList("channels", {16, 32}, 1, 1024,
                         "output channels of the two convolution + pooling blocks (two values)"),
      ParamSpec::Int("kernel", 5, 1, 9, "convolution kernel size (odd: same padding)"),
      ParamSpec::IntList("hidden", {128}, 1, 8192,
                         "widths of the dense layers before the output ([] = the output only)", 0),
      ParamSpec::Real("dropout", 0.25, 0.0, 0.9,
                      "dropout rate on the last hidden dense layer's output (none without one)"),
      ParamSpec::Real("lr", 1e-3, 1e-8, 10.0, "Adam's learning rate"),
      ParamSpec::Int("batch_size", 64, 1, 1'000'000, "minibatch size (capped at the budget)"),
      ParamSpec::Int("max_updates", 1000, 1, 100'000'000,
                     "optimizer steps: the compute cap, independent of the data budget"),
  };
  info.make = [](const Params& p) { return std::make_unique<CnnLearner>(p); };
  return info;
}

const LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
