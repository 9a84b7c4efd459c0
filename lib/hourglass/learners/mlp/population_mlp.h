// A population of MLPs (one per member) with a hand-written forward and
// backward pass and an optimizer over flat parameter buffers.
//
// Optional embedding: a bias-free table E [P, V, e] (V = `vocab`, e =
// `embedding`) applied to each of the input_dim / V blocks of the input, the
// embeddings concatenated (input_dim / V * e values) before layer 0. Layer l
// has weights W_l [P, in, out] and biases b_l [P, 1, out]. All of them are
// views into ONE contiguous buffer `params`, in the order E, W_0, b_0, W_1,
// ... (and their gradients into one buffer `grads`), so the optimizer is one
// pass over the whole population, and no autograd graph is built.
//
// Two implementations of a training step, same results to float rounding:
//   fused CPU  (device CPU, built with a BLAS, options.fused_cpu): member by
//              member (at::parallel_for over members), forward, loss,
//              backward and the optimizer update of that member's parameters
//              while they are in cache, with BLAS sgemm calls on raw pointers
//              into preallocated per-thread buffers: no tensor op, no
//              allocation and no dispatch inside a step (gradients stay in
//              the workspace: grads() is the generic path's); tanh is
//              hg::tanh_approx (within 4e-7 of tanh, vectorized);
//   generic    ATen batched ops (bmm/baddbmm) over the population: any device
//              (CUDA), and the reference the fused path is tested against.
//
// Who calls what: the learner owns a PopulationMlp; per step it calls
// train_step(x, y, loss, per_member_loss). forward(x) predicts without
// keeping activations. The lower-level forward_train/backward/step (generic
// path) serve tests. Not thread-safe; one per population.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hg {

enum class MlpLoss {
  kSquaredError,  // mean over examples and outputs of (out - y)^2; y float [P, n, d_out]
  kCrossEntropy,  // mean over examples of -log softmax(out)[y]; y int64 class ids [P, n]
};

struct PopulationMlpOptions {
  std::vector<int64_t> sizes;  // input_dim, hidden..., output
  bool tanh = false;           // else relu
  bool adam = true;            // else sgd with momentum
  double lr = 1e-3;
  double momentum = 0.9;       // sgd
  double weight_decay = 0.0;   // adam: decoupled (AdamW); sgd: added to the gradient
  int64_t vocab = 0;           // embedding: one-hot block size V (divides input_dim)
  int64_t embedding = 0;       // embedding width e; 0 = no embedding
  bool fused_cpu = true;       // use the fused CPU step where available
};

class PopulationMlp {
 public:
  // Initial weights N(0, gain / in) (gain 2 for relu, 1 for tanh; `in` the
  // layer's input width), embedding entries N(0, 1), drawn on the host from
  // each member's seed (labels "mlp/embedding", "mlp/w<l>"), biases 0.
  PopulationMlp(const PopulationMlpOptions& options, const std::vector<uint64_t>& member_seeds,
                c10::Device device);

  // Whether train_step takes the fused CPU path.
  bool fused() const { return fused_; }

  // One minibatch update: forward, loss, backward, optimizer step.
  // x [P, n, input_dim] float (rows contiguous); y as MlpLoss says.
  // Writes each member's loss before the update into per_member_loss ([P]
  // float on the device, e.g. a row of a window of losses).
  void train_step(const at::Tensor& x, const at::Tensor& y, MlpLoss loss,
                  const at::Tensor& per_member_loss);

  // x: [P, n, input_dim] -> [P, n, sizes.back()]; keeps nothing. On the fused
  // CPU path, member by member in chunks of rows (activations stay in cache).
  at::Tensor forward(const at::Tensor& x) const;
  // Generic path. Same, keeping the activations for backward().
  at::Tensor forward_train(const at::Tensor& x);
  // Generic path. grad_output: dL/d(output) of the last forward_train.
  // Writes every parameter's gradient into grads().
  void backward(const at::Tensor& grad_output);
  // Generic path. One optimizer step with the gradients in grads().
  void step();
  // A fresh optimizer on the current weights: moments zero, step count 0
  // (Adam's bias correction starts again), as when fine-tuning.
  void reset_optimizer();

  const at::Tensor& table() const { return table_; }  // undefined without embedding
  const at::Tensor& table_grad() const { return table_grad_; }
  const std::vector<at::Tensor>& weights() const { return weights_; }
  const std::vector<at::Tensor>& biases() const { return biases_; }
  const std::vector<at::Tensor>& weight_grads() const { return weight_grads_; }
  const std::vector<at::Tensor>& bias_grads() const { return bias_grads_; }
  const at::Tensor& params() const { return params_; }
  const at::Tensor& grads() const { return grads_; }

 private:
  void fused_step(const at::Tensor& x, const at::Tensor& y, MlpLoss loss,
                  const at::Tensor& per_member_loss);
  void generic_step(const at::Tensor& x, const at::Tensor& y, MlpLoss loss,
                    const at::Tensor& per_member_loss);
  at::Tensor embed(const at::Tensor& x) const;
  at::Tensor fused_forward(const at::Tensor& x) const;

  PopulationMlpOptions options_;
  int64_t population_ = 0;
  int64_t steps_ = 0;
  bool fused_ = false;
  at::Tensor params_, grads_, first_moment_, second_moment_;  // flat [total]
  at::Tensor table_, table_grad_;                              // views, [P, V, e]
  std::vector<at::Tensor> weights_, biases_, weight_grads_, bias_grads_;  // views
  std::vector<at::Tensor> inputs_, pre_activations_;  // of the last forward_train
  at::Tensor embed_input_;                            // x of the last forward_train
  // Fused path. The layout, fixed at construction: dense widths (widths_[0]
  // the first dense layer's input, widths_[l + 1] layer l's output) and where
  // each parameter block lies in the flat buffer.
  struct Block {
    int64_t offset;      // of member 0's block in params_
    int64_t per_member;  // its size per member (the stride between members)
    int64_t local;       // its place in one member's gradient (in the workspace)
  };
  std::vector<int64_t> widths_;
  int64_t max_width_ = 0, member_params_ = 0;
  std::vector<Block> table_block_, weight_blocks_, bias_blocks_;  // table: none or one
  // Sized for one batch size: each layer's output offset within a member's
  // activations, their total, and one preallocated workspace per thread.
  int64_t fused_batch_ = -1;
  std::vector<int64_t> act_offset_;
  int64_t act_size_ = 0;
  std::vector<float> workspace_;
};

}  // namespace hg
