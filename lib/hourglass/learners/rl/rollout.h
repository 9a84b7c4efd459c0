// Rollouts for actor-critic and ppo: T steps of E copies per member from the
// budgeted environment, with generalized advantage estimates.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <vector>

#include "hourglass/learners/learner.h"
#include "hourglass/learners/rl/population_net.h"

namespace hg::rl {

// Member-major tensors on the training device; entry t * E + e of member i is
// copy e at step t.
struct Rollout {
  at::Tensor obs;         // [P, T * E, obs_dim]
  at::Tensor actions;     // [P, T * E] int64
  at::Tensor log_probs;   // [P, T * E] of the actions under the acting policy
  at::Tensor advantages;  // [P, T * E]
  at::Tensor returns;     // [P, T * E] advantages + values
  int64_t steps = 0;      // T actually collected
};

class RolloutCollector {
 public:
  // Resets `copies` copies per member.
  RolloutCollector(EnvironmentSource& env, int64_t copies, const std::vector<uint64_t>& member_seeds,
                   c10::Device device);

  // Whether one more step fits in the budget.
  bool can_step() const { return env_.remaining() >= copies_; }
  // Up to T steps (fewer when the budget ends), acting by sampling `policy`.
  Rollout collect(const PopulationNet& policy, const PopulationNet& value, int64_t T,
                  double gamma, double lambda);

 private:
  EnvironmentSource& env_;
  int64_t copies_;
  c10::Device device_;
  std::vector<Rng> streams_;
  at::Tensor obs_;  // [P, E, obs_dim] on the device
};

// The shared part of actor-critic and ppo: a value network beside the
// policy, one Adam over both, a rollout collector, and the common loss terms.
class ActorCriticBase : public PolicyGradientLearner {
 protected:
  explicit ActorCriticBase(const Params& p);  // reads gae_lambda and vf_coef
  // New networks, then train_on; continuing keeps the networks' weights and
  // starts Adam's moments and the collector afresh (start_phase), then
  // train_on.
  void do_train(InteractiveTrainContext& ctx) final {
    init_actor_critic(ctx);
    train_on(ctx);
  }
  void do_continue(InteractiveTrainContext& ctx) final {
    start_phase(ctx);
    train_on(ctx);
  }
  // The learner's updates until the budget or the compute cap ends.
  virtual void train_on(InteractiveTrainContext& ctx) = 0;
  // New policy and value networks (from the member seeds), then start_phase.
  void init_actor_critic(const InteractiveTrainContext& ctx);
  // A fresh Adam (no moments) and rollout collector on ctx.env; the
  // networks as they are (continue_training starts here).
  void start_phase(const InteractiveTrainContext& ctx);
  // Whether another rollout fits in the budget and the compute cap.
  bool another_rollout_fits(const InteractiveTrainContext& ctx) const {
    return collector_->can_step() && ctx.updates < cfg_.max_updates;
  }
  Rollout collect() { return collector_->collect(policy_, value_, cfg_.rollout_steps, cfg_.gamma, lambda_); }
  // One Adam step on policy_loss [P] + vf_coef mean((V(obs) - returns)^2)
  // - entropy_coef mean(H) per member, H from log_all = log pi(.|obs).
  void update(const at::Tensor& obs, const at::Tensor& log_all, const at::Tensor& policy_loss,
              const at::Tensor& returns, InteractiveTrainContext& ctx);

  double lambda_, vf_coef_;
  PopulationNet value_;
  std::unique_ptr<PopulationAdam> adam_;
  std::unique_ptr<RolloutCollector> collector_;
};

// gae_lambda and vf_coef, then `own`, on top of policy_gradient_params.
std::vector<ParamSpec> actor_critic_params(std::vector<ParamSpec> own);

}  // namespace hg::rl
