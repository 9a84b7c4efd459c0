// `constant`: predicts each member's training mean of y. The reference
// learner: on the train distribution it scores about 0 normalized by
// construction (the trivial reference predicts the split's true mean).
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
    mean_ = batch.y.mean(/*dim=*/1, /*keepdim=*/true);  // [P, 1, d_out]
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
  info.doc = "predicts the training mean of y (the trivial reference; scores about 0)";
  info.kinds = {TaskKind::kRegression};
  info.make = [](const Params&) { return std::make_unique<ConstantLearner>(); };
  return info;
}

const LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
