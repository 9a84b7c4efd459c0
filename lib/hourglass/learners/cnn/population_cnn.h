// PopulationCnn: the `cnn` learner's network for a population of P members
// (see cnn.cpp for the architecture and the learner), exposed for the
// benchmarks and the tests.
//
// The convolutions member by member (the weights [P * c_out, c_in, k, k]
// hold member i's filters in rows i*c_out..(i+1)*c_out-1; member i's images
// go through its own filters in a convolution of the shapes a population of
// one has, so its numbers are bit for bit those it has alone); dense layers
// are batched products (baddbmm) with weights [P, in, out]. Everything random (initial
// weights, dropout masks) is drawn per member from its own seed on the host,
// so a member's numbers do not depend on the other members.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "hourglass/tasks/family.h"

namespace torch::optim {
class Adam;
}

namespace hg {

struct PopulationCnnOptions {
  ImageShape image;                  // of one input
  int64_t classes = 10;
  std::vector<int64_t> channels = {16, 32};  // the two convolution blocks
  int64_t kernel = 5;                // odd: same padding
  std::vector<int64_t> hidden = {128};       // dense layers before the output
  double dropout = 0.25;             // on the last hidden layer's output
  double lr = 1e-3;                  // Adam
};

class PopulationCnn {
 public:
  // Fresh weights N(0, 2 / fan_in) (He) from Rng(mix_seed(member_seeds[i],
  // "cnn/<layer>")), biases 0, and a fresh Adam. Throws std::invalid_argument
  // for an image the two poolings cannot halve twice or an even kernel.
  PopulationCnn(const PopulationCnnOptions& options, const std::vector<uint64_t>& member_seeds,
                c10::Device device);
  ~PopulationCnn();

  int64_t population() const { return P_; }
  // The parameters, in order: the two convolutions' weights [P * c_out, c_in,
  // k, k] and biases [P * c_out], then each dense layer's weights [P, in,
  // out] and biases [P, 1, out]. The tensors themselves (tests read them).
  std::vector<at::Tensor> parameters() const;

  // Logits [P, n, classes] of x [P, n, C * H * W] (each row an image,
  // channel-major). `step` > 0 applies that training step's dropout masks;
  // 0 = evaluation (no dropout). Records autograd unless under no-grad.
  at::Tensor forward(const at::Tensor& x, int64_t step) const;

  // One Adam step on the sum over members of each member's mean
  // cross-entropy on its minibatch: x [P, b, C*H*W], y [P, b] int64 class
  // ids. Returns each member's loss before the step, [P] (detached).
  at::Tensor train_step(const at::Tensor& x, const at::Tensor& y, int64_t step);

 private:
  at::Tensor dropout_mask(const at::Tensor& h, int64_t step) const;

  PopulationCnnOptions o_;
  int64_t P_ = 0;
  std::vector<uint64_t> seeds_;
  std::vector<at::Tensor> conv_w_, conv_b_, dense_w_, dense_b_;
  std::unique_ptr<torch::optim::Adam> adam_;
};

}  // namespace hg
