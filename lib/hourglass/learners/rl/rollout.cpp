#include "hourglass/learners/rl/rollout.h"

#include <torch/torch.h>

namespace hg::rl {

RolloutCollector::RolloutCollector(EnvironmentSource& env, int64_t copies,
                                   const std::vector<uint64_t>& member_seeds, c10::Device device)
    : env_(env), copies_(copies), device_(device), streams_(member_streams(member_seeds, "act")) {
  obs_ = env_.reset(copies_);
}

Rollout RolloutCollector::collect(const PopulationNet& policy, const PopulationNet& value,
                                  int64_t T, double gamma, double lambda) {
  torch::NoGradGuard no_grad;
  const int64_t P = obs_.size(0), E = copies_, n = P * E;
  std::vector<at::Tensor> obs, actions, log_probs;
  std::vector<float> rewards;
  std::vector<uint8_t> dones;
  int64_t t = 0;
  for (; t < T && can_step(); ++t) {
    const auto logits = policy.forward(obs_);
    const auto a = sample_categorical(logits, streams_).to(device_);
    obs.push_back(obs_);
    actions.push_back(a);
    log_probs.push_back(torch::log_softmax(logits, -1).gather(2, a.unsqueeze(2)).squeeze(2));
    const Transition tr = env_.step(a);
    const auto r = tr.reward.to(torch::kCPU).contiguous();
    const auto d = tr.done.to(torch::kCPU).contiguous();
    rewards.insert(rewards.end(), r.data_ptr<float>(), r.data_ptr<float>() + n);
    dones.insert(dones.end(), d.data_ptr<bool>(), d.data_ptr<bool>() + n);
    obs_ = tr.obs;
  }
  Rollout out;
  out.steps = t;
  if (t == 0) return out;
  out.obs = torch::stack(obs, 1).reshape({P, t * E, obs_.size(2)});
  out.actions = torch::stack(actions, 1).reshape({P, t * E});
  out.log_probs = torch::stack(log_probs, 1).reshape({P, t * E});
  // Values of every visited state and of the state after the last step.
  const auto v = value.forward(torch::cat({out.obs, obs_}, 1)).squeeze(2).to(torch::kCPU);
  // Member-major [P, (t + 1) E] -> time-major host arrays.
  const auto tm = v.view({P, t + 1, E}).permute({1, 0, 2}).contiguous();
  const float* vp = tm.data_ptr<float>();
  std::vector<float> values(vp, vp + t * n), last(vp + t * n, vp + (t + 1) * n), adv, ret;
  gae(rewards, dones, values, last, t, n, gamma, lambda, adv, ret);
  auto to_member_major = [&](std::vector<float>& x) {
    return torch::from_blob(x.data(), {t, P, E}, torch::kFloat)
        .permute({1, 0, 2})
        .reshape({P, t * E})
        .clone()
        .to(device_);
  };
  out.advantages = to_member_major(adv);
  out.returns = to_member_major(ret);
  return out;
}

ActorCriticBase::ActorCriticBase(const Params& p)
    : PolicyGradientLearner(p), lambda_(p.real("gae_lambda")), vf_coef_(p.real("vf_coef")) {}

void ActorCriticBase::init_actor_critic(const InteractiveTrainContext& ctx) {
  init_policy(ctx);
  value_ = PopulationNet(ctx.member_seeds, "value", layer_sizes(ctx.spec.obs_dim, cfg_.hidden, 1),
                         cfg_.tanh, 1.0, ctx.device);
  start_phase(ctx);
}

void ActorCriticBase::start_phase(const InteractiveTrainContext& ctx) {
  adam_ = std::make_unique<PopulationAdam>(std::vector<PopulationNet*>{&policy_, &value_},
                                           cfg_.lr, cfg_.max_grad_norm);
  collector_ = std::make_unique<RolloutCollector>(ctx.env, cfg_.num_envs, ctx.member_seeds,
                                                  ctx.device);
}

void ActorCriticBase::update(const at::Tensor& obs, const at::Tensor& log_all,
                             const at::Tensor& policy_loss, const at::Tensor& returns,
                             InteractiveTrainContext& ctx) {
  const auto entropy = -(log_all.exp() * log_all).sum(2);
  const auto v = value_.forward(obs).squeeze(2);
  const auto per_member = policy_loss + vf_coef_ * (v - returns).pow(2).mean(1) -
                          cfg_.entropy_coef * entropy.mean(1);
  per_member.sum().backward();
  adam_->step();
  ++ctx.updates;
  mark_diverged_members(per_member, ctx.updates, ctx.diverged_at);
}

std::vector<ParamSpec> actor_critic_params(std::vector<ParamSpec> own) {
  std::vector<ParamSpec> specs = {
      ParamSpec::Real("gae_lambda", 0.95, 0.0, 1.0, "GAE lambda (1 = Monte Carlo advantages)"),
      ParamSpec::Real("vf_coef", 0.5, 0.0, 100.0, "weight of the value loss"),
  };
  specs.insert(specs.end(), own.begin(), own.end());
  return policy_gradient_params(specs);
}

}  // namespace hg::rl
