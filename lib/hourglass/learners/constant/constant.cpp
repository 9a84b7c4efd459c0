// `constant`: predicts each member's training mean of y (regression) or the
// class frequencies of its training labels (classification: the majority
// class wins). The reference learner: on the train distribution it scores
// about 0 normalized by construction (the trivial reference predicts the
// split's true mean, or its majority class).
//
// This is also the smallest complete learner: copy it to add one.
#include <torch/torch.h>

#include "hourglass/learners/learner.h"

namespace hg {
namespace {

class ConstantLearner final : public Learner {
 protected:
  void do_train(TrainContext& ctx) override {
    // Draw the whole budget at once; the SampleSource counts it.
    const Batch batch = ctx.data.draw(ctx.data.remaining());
    const auto y = ctx.shape.kind == TaskKind::kClassification
                       ? torch::one_hot(batch.y, ctx.shape.output_dim).to(torch::kFloat)
                       : batch.y;
    mean_ = y.mean(/*dim=*/1, /*keepdim=*/true);  // [P, 1, d_out]
    ctx.updates = 1;
  }

  at::Tensor do_predict(const at::Tensor& x) override {
    return mean_.expand({x.size(0), x.size(1), mean_.size(2)}).contiguous();
  }

 private:
  at::Tensor mean_;
};

LearnerInfo MakeInfo() {
  LearnerInfo info;
  info.name = "constant";
  info.doc = "predicts the training mean of y or its majority class (the trivial reference)";
  info.kinds = {TaskKind::kRegression, TaskKind::kClassification};
  info.trivial = true;
  info.make = [](const Params&) { return std::make_unique<ConstantLearner>(); };
  return info;
}

const LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
