// Rollouts for actor-critic and ppo: T steps of E copies per member from the
// budgeted environment, with generalized advantage estimates.
#pragma once

#include <ATen/core/Tensor.h>

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
  Rollout collect(const PopulationMlp& policy, const PopulationMlp& value, int64_t T,
                  double gamma, double lambda);

 private:
  EnvironmentSource& env_;
  int64_t copies_;
  c10::Device device_;
  std::vector<Rng> streams_;
  at::Tensor obs_;  // [P, E, obs_dim] on the device
};

}  // namespace hg::rl
