// A population of MLPs (one per member) with a hand-written forward and
// backward pass and an optimizer over flat parameter buffers.
//
// Layer l has weights W_l [P, in, out] and biases b_l [P, 1, out]; all of
// them are views into ONE contiguous buffer `params` (and their gradients
// into one buffer `grads`), so the optimizer updates the whole population in
// a handful of large element-wise ops instead of a loop over parameters, and
// no autograd graph is built: the backward pass is a few batched products
// written straight into the gradient views.
//
// Who calls what: the learner owns a PopulationMlp; per step it calls
// forward_train(x), computes dL/d(output) for its loss (any loss: MSE,
// cross-entropy), then backward(grad_output) and step(). forward(x) predicts
// without keeping activations. Not thread-safe; one per population.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hg {

struct PopulationMlpOptions {
  std::vector<int64_t> sizes;  // input, hidden..., output
  bool tanh = false;           // else relu
  bool adam = true;            // else sgd with momentum
  double lr = 1e-3;
  double momentum = 0.9;       // sgd
  double weight_decay = 0.0;   // adam: decoupled (AdamW); sgd: added to the gradient
};

class PopulationMlp {
 public:
  // Initial weights N(0, gain / in) (gain 2 for relu, 1 for tanh), drawn on
  // the host from each member's seed (labels "mlp/w<l>"), biases 0.
  PopulationMlp(const PopulationMlpOptions& options, const std::vector<uint64_t>& member_seeds,
                c10::Device device);

  // x: [P, n, sizes.front()] -> [P, n, sizes.back()]; keeps nothing.
  at::Tensor forward(const at::Tensor& x) const;
  // Same, keeping the activations for backward().
  at::Tensor forward_train(const at::Tensor& x);
  // grad_output: dL/d(output) of the last forward_train, [P, n, sizes.back()].
  // Writes every parameter's gradient into grads().
  void backward(const at::Tensor& grad_output);
  // One optimizer step with the gradients of the last backward().
  void step();

  const std::vector<at::Tensor>& weights() const { return weights_; }
  const std::vector<at::Tensor>& biases() const { return biases_; }
  const std::vector<at::Tensor>& weight_grads() const { return weight_grads_; }
  const std::vector<at::Tensor>& bias_grads() const { return bias_grads_; }
  const at::Tensor& params() const { return params_; }
  const at::Tensor& grads() const { return grads_; }

 private:
  PopulationMlpOptions options_;
  int64_t steps_ = 0;
  at::Tensor params_, grads_, first_moment_, second_moment_;  // flat [total]
  std::vector<at::Tensor> weights_, biases_, weight_grads_, bias_grads_;  // views
  std::vector<at::Tensor> inputs_, pre_activations_;  // of the last forward_train
};

}  // namespace hg
