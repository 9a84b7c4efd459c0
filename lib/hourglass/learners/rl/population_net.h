// Building blocks of the population-batched reinforcement-learning learners
// (reinforce, actor-critic, ppo, dqn): one set of weights per member, stacked
// [P, ...], updated with few large ops. Each member's loss is its own: the
// learners sum the members' losses, so gradients never mix members.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hourglass/core/params.h"
#include "hourglass/core/random.h"
#include "hourglass/learners/learner.h"

namespace hg::rl {

// A multilayer perceptron per member, trained through autograd (not to be
// confused with hg::PopulationMlp, learners/mlp/population_mlp.h, the
// supervised learners' network with a hand-written backward pass): layer l
// has weights [P, in, out]
// (N(0, gain / in), gain 2 for relu, 1 for tanh; the last layer scaled by
// `out_scale`) and biases [P, 1, out] (zeros), applied with baddbmm. On the
// CPU, tanh is tanh_approx (hourglass/core/fast_math.h, within 4e-7 of
// tanh, 7x the throughput of LibTorch's; it was a quarter of actor-critic's
// time).
//
// Storage: every weight and bias of member i lies in row i of one buffer,
// flat() [P, M] (W_0, b_0, W_1, ... in each row). The tensors forward() uses
// are autograd leaves that share that memory; collect_grad() gathers their
// gradients into a [P, M] buffer laid out alike, with one op. So the
// optimizer and a target-network copy are a few ops on whole buffers, and a
// member's gradient norm is one reduction over its row. (The leaves keep
// autograd's own gradients until then: gradients pre-placed in a strided
// buffer break autograd's gradient layout contract, and LibTorch says so.)
class PopulationNet {
 public:
  PopulationNet() = default;
  PopulationNet(const std::vector<uint64_t>& member_seeds, const std::string& label,
                const std::vector<int64_t>& sizes, bool tanh, double out_scale,
                c10::Device device);

  // x: [P, n, in] -> [P, n, out].
  at::Tensor forward(const at::Tensor& x) const;
  const at::Tensor& flat() const { return flat_; }
  // The leaves (W_0, b_0, W_1, ...: views of flat()), e.g. for a loss on the
  // weights themselves.
  const std::vector<at::Tensor>& parameters() const { return params_; }
  // Moves the gradients backward() left on the leaves (zero where a leaf
  // got none) into the [P, M] gradient buffer and returns it; the leaves'
  // gradients are cleared, so the next backward() starts from zero.
  const at::Tensor& collect_grad();
  // Copies `other`'s weights into this one (a target network).
  void copy_from(const PopulationNet& other);

 private:
  bool tanh_ = true;
  at::Tensor flat_, grad_;
  std::vector<at::Tensor> weights_, biases_;  // leaves sharing flat_'s memory
  std::vector<at::Tensor> params_;            // the same, in flat_'s order
};

// Adam (Kingma and Ba 2015) over the flat buffers of one or more networks
// (actor-critic: policy and value), after clipping each member's gradient,
// over all of them, to a global norm of max_grad_norm (0: no clipping).
// A handful of ops per network, whatever the population and depth.
class PopulationAdam {
 public:
  // The networks must outlive the optimizer.
  PopulationAdam(const std::vector<PopulationNet*>& nets, double lr, double max_grad_norm);
  // Call after backward(): collects the gradients (clearing them) and steps.
  void step();

 private:
  std::vector<PopulationNet*> nets_;
  std::vector<at::Tensor> m_, v_;
  double lr_, max_grad_norm_;
  int64_t t_ = 0;
};

// Actions drawn from softmax(logits) with member i's stream:
// logits [P, n, A] (any device) -> [P, n] int64 on the host.
at::Tensor sample_categorical(const at::Tensor& logits, std::vector<Rng>& streams);


// Hyperparameters every policy-gradient learner shares (their specs, and the
// values read from Params).
std::vector<ParamSpec> policy_gradient_params(std::vector<ParamSpec> own);
struct PolicyGradientConfig {
  std::vector<int64_t> hidden;
  bool tanh = true;
  double lr = 0, gamma = 0, entropy_coef = 0, max_grad_norm = 0;
  int64_t num_envs = 0, rollout_steps = 0, max_updates = 0;
  explicit PolicyGradientConfig(const Params& p);
};

// The shared part of reinforce, actor-critic and ppo: a softmax policy per
// member that acts by sampling with the member's own stream.
class PolicyGradientLearner : public InteractiveLearner {
 protected:
  explicit PolicyGradientLearner(const Params& p) : cfg_(p) {}
  // Builds the policy network (last layer scaled by 0.01: near-uniform start).
  void init_policy(const InteractiveTrainContext& ctx);
  at::Tensor do_act(const at::Tensor& obs) override;
  // Restarts act_streams_ from (member seed, split) (begin_episodes).
  void do_begin_episodes(const std::vector<uint64_t>& member_seeds,
                         const std::string& split) override;

  PolicyGradientConfig cfg_;
  PopulationNet policy_;
  std::vector<Rng> act_streams_;
};

// Layer sizes obs_dim, hidden..., out.
std::vector<int64_t> layer_sizes(int64_t in, const std::vector<int64_t>& hidden, int64_t out);

// Generalized advantage estimation (Schulman et al. 2016) over a rollout in
// time-major host arrays of T * n entries (n = P * E copies):
//   rewards, dones, values (V(s_t)), last_values (V(s_T), n entries)
// writes advantages and returns (advantages + values). A done step does not
// bootstrap (time limits are treated as terminal).
void gae(const std::vector<float>& rewards, const std::vector<uint8_t>& dones,
         const std::vector<float>& values, const std::vector<float>& last_values, int64_t T,
         int64_t n, double gamma, double lambda, std::vector<float>& advantages,
         std::vector<float>& returns);

}  // namespace hg::rl
