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

#include "hourglass/learners/rl/population_net.h"
#include "hourglass/learners/rl/rollout.h"

namespace hg {
namespace {

class ActorCritic final : public rl::PolicyGradientLearner {
 public:
  explicit ActorCritic(const Params& p)
      : PolicyGradientLearner(p),
        lambda_(p.real("gae_lambda")),
        vf_coef_(p.real("vf_coef")),
        normalize_(p.boolean("normalize_advantages")) {}

 protected:
  void do_train(InteractiveTrainContext& ctx) override {
    init_policy(ctx);
    const rl::PopulationMlp value(ctx.member_seeds, "value",
                                  rl::layer_sizes(ctx.spec.obs_dim, cfg_.hidden, 1), cfg_.tanh,
                                  1.0, ctx.device);
    auto params = policy_.parameters();
    params.insert(params.end(), value.parameters().begin(), value.parameters().end());
    rl::PopulationAdam adam(params, cfg_.lr, cfg_.max_grad_norm);
    rl::RolloutCollector collector(ctx.env, cfg_.num_envs, ctx.member_seeds, ctx.device);
    while (collector.can_step() && ctx.updates < cfg_.max_updates) {
      const auto ro = collector.collect(policy_, value, cfg_.rollout_steps, cfg_.gamma, lambda_);
      auto adv = ro.advantages;
      if (normalize_) adv = (adv - adv.mean(1, true)) / (adv.std(1, true, true) + 1e-8);
      const auto log_all = torch::log_softmax(policy_.forward(ro.obs), -1);
      const auto log_prob = log_all.gather(2, ro.actions.unsqueeze(2)).squeeze(2);
      const auto entropy = -(log_all.exp() * log_all).sum(2);
      const auto v = value.forward(ro.obs).squeeze(2);
      const auto per_member = -(log_prob * adv).mean(1) +
                              vf_coef_ * (v - ro.returns).pow(2).mean(1) -
                              cfg_.entropy_coef * entropy.mean(1);
      per_member.sum().backward();
      adam.step();
      ++ctx.updates;
      rl::mark_diverged(per_member, ctx.updates, ctx.diverged_at);
    }
  }

 private:
  double lambda_, vf_coef_;
  bool normalize_;
};

LearnerInfo MakeInfo() {
  LearnerInfo info;
  info.name = "actor-critic";
  info.doc = "advantage actor-critic with a learned value function and GAE, population-batched";
  info.kinds = {TaskKind::kInteractive};
  info.params = rl::policy_gradient_params({
      ParamSpec::Real("gae_lambda", 0.95, 0.0, 1.0, "GAE lambda (1 = Monte Carlo advantages)"),
      ParamSpec::Real("vf_coef", 0.5, 0.0, 100.0, "weight of the value loss"),
      ParamSpec::Bool("normalize_advantages", false, "standardize advantages per member and update"),
  });
  info.make_interactive = [](const Params& p) { return std::make_unique<ActorCritic>(p); };
  return info;
}

const LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
