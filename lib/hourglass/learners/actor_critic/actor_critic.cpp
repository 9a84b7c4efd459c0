// `actor-critic`: advantage actor-critic (A2C; Mnih et al. 2016) with a learned
// value function and generalized advantage estimation (Schulman et al. 2016).
//
// Per update: a rollout of rollout_steps steps of num_envs copies per member,
// advantages by GAE(gamma, gae_lambda) bootstrapped from the critic, then one
// Adam step on
//   -mean(log pi(a|s) A) + vf_coef mean((V(s) - R)^2) - entropy_coef mean(H)
// per member (separate policy and value networks). Done steps, time limits
// included, do not bootstrap.
#include <torch/torch.h>

#include "hourglass/learners/rl/rollout.h"

namespace hg {
namespace {

class ActorCritic final : public rl::ActorCriticBase {
 public:
  explicit ActorCritic(const Params& p)
      : ActorCriticBase(p), normalize_(p.boolean("normalize_advantages")) {}

 protected:
  void train_on(InteractiveTrainContext& ctx) override {
    while (another_rollout_fits(ctx)) {
      const auto ro = collect();
      auto adv = ro.advantages;
      if (normalize_) adv = (adv - adv.mean(1, true)) / (adv.std(1, true, true) + 1e-8);
      const auto log_all = torch::log_softmax(policy_.forward(ro.obs), -1);
      const auto log_prob = log_all.gather(2, ro.actions.unsqueeze(2)).squeeze(2);
      update(ro.obs, log_all, -(log_prob * adv).mean(1), ro.returns, ctx);
    }
  }

 private:
  bool normalize_;
};

LearnerInfo MakeInfo() {
  LearnerInfo info;
  info.name = "actor-critic";
  info.doc = "advantage actor-critic with a learned value function and GAE, population-batched";
  info.kinds = {TaskKind::kInteractive};
  info.params = rl::actor_critic_params({
      ParamSpec::Bool("normalize_advantages", false, "standardize advantages per member and update"),
  });
  info.make_interactive = [](const Params& p) { return std::make_unique<ActorCritic>(p); };
  info.can_continue = true;
  return info;
}

const LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
