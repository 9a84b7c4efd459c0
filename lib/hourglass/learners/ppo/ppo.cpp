// `ppo`: proximal policy optimization with the clipped objective (Schulman et
// al. 2017) and GAE.
//
// Per iteration: a rollout of rollout_steps steps of num_envs copies per
// member; then `epochs` passes over it, each in `minibatches` minibatches (a
// random permutation per member and epoch), each one Adam step on
//   -mean(min(r A, clip(r, 1 - clip, 1 + clip) A)) + vf_coef mean((V - R)^2)
//   - entropy_coef mean(H),   r = pi(a|s) / pi_old(a|s),
// with advantages standardized per member and minibatch. Separate policy and
// value networks. Done steps, time limits included, do not bootstrap.
#include <torch/torch.h>

#include "hourglass/core/tensor_util.h"
#include "hourglass/learners/rl/rollout.h"

namespace hg {
namespace {

class Ppo final : public rl::ActorCriticBase {
 public:
  explicit Ppo(const Params& p)
      : ActorCriticBase(p),
        clip_(p.real("clip")),
        epochs_(p.integer("epochs")),
        minibatches_(p.integer("minibatches")) {}

 protected:
  void train_on(InteractiveTrainContext& ctx) override {
    auto order = member_streams(ctx.member_seeds, "ppo/order");
    while (another_rollout_fits(ctx)) {
      const auto ro = collect();
      const int64_t P = ro.obs.size(0), N = ro.obs.size(1), D = ro.obs.size(2);
      const int64_t batch = std::max<int64_t>(1, N / minibatches_);
      for (int64_t epoch = 0; epoch < epochs_ && ctx.updates < cfg_.max_updates; ++epoch) {
        const auto perm = member_permutations(order, N).to(ctx.device);
        for (int64_t start = 0; start + batch <= N && ctx.updates < cfg_.max_updates;
             start += batch) {
          const auto idx = perm.narrow(1, start, batch);
          const auto obs = ro.obs.gather(1, idx.unsqueeze(2).expand({P, batch, D}));
          auto adv = ro.advantages.gather(1, idx);
          adv = (adv - adv.mean(1, true)) / (adv.std(1, true, true) + 1e-8);
          const auto log_all = torch::log_softmax(policy_.forward(obs), -1);
          const auto log_prob = log_all.gather(2, ro.actions.gather(1, idx).unsqueeze(2)).squeeze(2);
          const auto ratio = (log_prob - ro.log_probs.gather(1, idx)).exp();
          const auto surrogate =
              torch::min(ratio * adv, ratio.clamp(1.0 - clip_, 1.0 + clip_) * adv);
          update(obs, log_all, -surrogate.mean(1), ro.returns.gather(1, idx), ctx);
        }
      }
    }
  }

 private:
  double clip_;
  int64_t epochs_, minibatches_;
};

LearnerInfo MakeInfo() {
  LearnerInfo info;
  info.name = "ppo";
  info.doc = "proximal policy optimization (clipped objective, GAE, minibatch epochs), population-batched";
  info.kinds = {TaskKind::kInteractive};
  info.params = rl::actor_critic_params({
      ParamSpec::Real("clip", 0.2, 0.0, 10.0, "clip range of the probability ratio"),
      ParamSpec::Int("epochs", 4, 1, 1000, "passes over each rollout"),
      ParamSpec::Int("minibatches", 4, 1, 1 << 20, "minibatches per pass"),
  });
  info.make_interactive = [](const Params& p) { return std::make_unique<Ppo>(p); };
  info.can_continue = true;
  return info;
}

const LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
