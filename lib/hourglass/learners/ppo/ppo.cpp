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
#include "hourglass/learners/rl/population_net.h"
#include "hourglass/learners/rl/rollout.h"

namespace hg {
namespace {

class Ppo final : public rl::PolicyGradientLearner {
 public:
  explicit Ppo(const Params& p)
      : PolicyGradientLearner(p),
        lambda_(p.real("gae_lambda")),
        vf_coef_(p.real("vf_coef")),
        clip_(p.real("clip")),
        epochs_(p.integer("epochs")),
        minibatches_(p.integer("minibatches")) {}

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
    auto order = rl::member_streams(ctx.member_seeds, "ppo/order");
    while (collector.can_step() && ctx.updates < cfg_.max_updates) {
      const auto ro = collector.collect(policy_, value, cfg_.rollout_steps, cfg_.gamma, lambda_);
      const int64_t P = ro.obs.size(0), N = ro.obs.size(1), D = ro.obs.size(2);
      const int64_t batch = std::max<int64_t>(1, N / minibatches_);
      for (int64_t epoch = 0; epoch < epochs_ && ctx.updates < cfg_.max_updates; ++epoch) {
        const auto perm = member_permutations(order, N).to(ctx.device);
        for (int64_t start = 0; start + batch <= N && ctx.updates < cfg_.max_updates;
             start += batch) {
          const auto idx = perm.narrow(1, start, batch);
          const auto obs = ro.obs.gather(1, idx.unsqueeze(2).expand({P, batch, D}));
          const auto actions = ro.actions.gather(1, idx);
          const auto old_log_prob = ro.log_probs.gather(1, idx);
          auto adv = ro.advantages.gather(1, idx);
          adv = (adv - adv.mean(1, true)) / (adv.std(1, true, true) + 1e-8);
          const auto returns = ro.returns.gather(1, idx);

          const auto log_all = torch::log_softmax(policy_.forward(obs), -1);
          const auto log_prob = log_all.gather(2, actions.unsqueeze(2)).squeeze(2);
          const auto ratio = (log_prob - old_log_prob).exp();
          const auto surrogate =
              torch::min(ratio * adv, ratio.clamp(1.0 - clip_, 1.0 + clip_) * adv);
          const auto entropy = -(log_all.exp() * log_all).sum(2);
          const auto v = value.forward(obs).squeeze(2);
          const auto per_member = -surrogate.mean(1) + vf_coef_ * (v - returns).pow(2).mean(1) -
                                  cfg_.entropy_coef * entropy.mean(1);
          per_member.sum().backward();
          adam.step();
          ++ctx.updates;
          rl::mark_diverged(per_member, ctx.updates, ctx.diverged_at);
        }
      }
    }
  }

 private:
  double lambda_, vf_coef_, clip_;
  int64_t epochs_, minibatches_;
};

LearnerInfo MakeInfo() {
  LearnerInfo info;
  info.name = "ppo";
  info.doc = "proximal policy optimization (clipped objective, GAE, minibatch epochs), population-batched";
  info.kinds = {TaskKind::kInteractive};
  info.params = rl::policy_gradient_params({
      ParamSpec::Real("gae_lambda", 0.95, 0.0, 1.0, "GAE lambda"),
      ParamSpec::Real("vf_coef", 0.5, 0.0, 100.0, "weight of the value loss"),
      ParamSpec::Real("clip", 0.2, 0.0, 10.0, "clip range of the probability ratio"),
      ParamSpec::Int("epochs", 4, 1, 1000, "passes over each rollout"),
      ParamSpec::Int("minibatches", 4, 1, 1 << 20, "minibatches per pass"),
  });
  info.make_interactive = [](const Params& p) { return std::make_unique<Ppo>(p); };
  return info;
}

const LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
