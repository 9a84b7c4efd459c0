// `random`: uniformly random actions, never trained (it takes no environment
// step). The reference and sanity check of interactive suites: its
// normalized score is about 0 by construction (the trivial reference is the
// random policy on the same levels), up to the noise of eval_episodes.
//
// The smallest complete interactive learner: copy it to add one.
#include <torch/torch.h>

#include "hourglass/learners/learner.h"

namespace hg {
namespace {

class RandomLearner final : public InteractiveLearner {
 protected:
  void do_train(InteractiveTrainContext& ctx) override {
    num_actions_ = ctx.spec.num_actions;
    for (uint64_t s : ctx.member_seeds) rngs_.emplace_back(mix_seed(s, "random/act"));
  }

  // Each split's actions from (member seed, split) alone (begin_episodes).
  void do_begin_episodes(const std::vector<uint64_t>& member_seeds,
                         const std::string& split) override {
    rngs_.clear();
    for (uint64_t s : member_seeds) rngs_.emplace_back(mix_seed(s, "random/act/" + split));
  }

  at::Tensor do_act(const at::Tensor& obs) override {
    const int64_t P = obs.size(0), n = obs.size(1);
    auto actions = torch::empty({P, n}, torch::kLong);
    int64_t* a = actions.data_ptr<int64_t>();
    for (int64_t i = 0; i < P; ++i)
      for (int64_t k = 0; k < n; ++k)
        a[i * n + k] = static_cast<int64_t>(rngs_[i].below(static_cast<uint64_t>(num_actions_)));
    return actions;
  }

 private:
  int64_t num_actions_ = 1;
  std::vector<Rng> rngs_;
};

LearnerInfo MakeInfo() {
  LearnerInfo info;
  info.name = "random";
  info.doc = "uniformly random actions (the trivial reference; scores about 0)";
  info.kinds = {TaskKind::kInteractive};
  info.trivial = true;
  info.make_interactive = [](const Params&) { return std::make_unique<RandomLearner>(); };
  return info;
}

const LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
