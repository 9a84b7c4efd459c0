#include "hourglass/learners/mlp/population_mlp.h"

#include <torch/torch.h>

#include <cmath>

#include "hourglass/core/tensor_util.h"

namespace hg {

PopulationMlp::PopulationMlp(const PopulationMlpOptions& options,
                             const std::vector<uint64_t>& member_seeds, c10::Device device)
    : options_(options) {
  const auto& sizes = options_.sizes;
  const int64_t P = static_cast<int64_t>(member_seeds.size());
  const size_t layers = sizes.size() - 1;
  int64_t total = 0;
  for (size_t l = 0; l < layers; ++l) total += P * (sizes[l] * sizes[l + 1] + sizes[l + 1]);
  const auto options_f = torch::TensorOptions(device).dtype(torch::kFloat);
  params_ = torch::zeros({total}, options_f);
  grads_ = torch::zeros({total}, options_f);
  first_moment_ = torch::zeros({total}, options_f);
  if (options_.adam) second_moment_ = torch::zeros({total}, options_f);

  const double gain = options_.tanh ? 1.0 : 2.0;
  int64_t offset = 0;
  auto view = [&](const at::Tensor& flat, int64_t o, std::vector<int64_t> shape) {
    int64_t n = 1;
    for (auto s : shape) n *= s;
    return flat.narrow(0, o, n).view(shape);
  };
  for (size_t l = 0; l < layers; ++l) {
    const int64_t in = sizes[l], out = sizes[l + 1];
    weights_.push_back(view(params_, offset, {P, in, out}));
    weight_grads_.push_back(view(grads_, offset, {P, in, out}));
    weights_.back().copy_(member_normal(member_seeds, "mlp/w" + std::to_string(l), {in, out},
                                        std::sqrt(gain / static_cast<double>(in))));
    offset += P * in * out;
    biases_.push_back(view(params_, offset, {P, 1, out}));
    bias_grads_.push_back(view(grads_, offset, {P, 1, out}));
    offset += P * out;
  }
}

at::Tensor PopulationMlp::forward(const at::Tensor& x) const {
  at::Tensor h = x;
  for (size_t l = 0; l < weights_.size(); ++l) {
    h = torch::baddbmm(biases_[l], h, weights_[l]);
    if (l + 1 < weights_.size()) h = options_.tanh ? torch::tanh_(h) : torch::relu_(h);
  }
  return h;
}

at::Tensor PopulationMlp::forward_train(const at::Tensor& x) {
  inputs_.clear();
  pre_activations_.clear();
  at::Tensor h = x;
  for (size_t l = 0; l < weights_.size(); ++l) {
    inputs_.push_back(h);
    const auto z = torch::baddbmm(biases_[l], h, weights_[l]);
    if (l + 1 == weights_.size()) return z;
    pre_activations_.push_back(z);
    h = options_.tanh ? torch::tanh(z) : torch::relu(z);
  }
  return h;
}

void PopulationMlp::backward(const at::Tensor& grad_output) {
  at::Tensor dz = grad_output;  // dL/dz of the current layer
  for (size_t l = weights_.size(); l-- > 0;) {
    torch::bmm_out(weight_grads_[l], inputs_[l].transpose(1, 2), dz);
    torch::sum_out(bias_grads_[l], dz, {1}, /*keepdim=*/true);
    if (l == 0) break;
    auto dh = torch::bmm(dz, weights_[l].transpose(1, 2));
    if (options_.tanh) {
      // h = tanh(z): dh/dz = 1 - h^2, with h = inputs_[l].
      dz = dh.mul_(1 - inputs_[l] * inputs_[l]);
    } else {
      dz = dh.mul_(pre_activations_[l - 1] > 0);
    }
  }
}

void PopulationMlp::step() {
  ++steps_;
  const double lr = options_.lr, wd = options_.weight_decay;
  if (options_.adam) {
    constexpr double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const double bc1 = 1.0 - std::pow(b1, static_cast<double>(steps_));
    const double bc2 = 1.0 - std::pow(b2, static_cast<double>(steps_));
    first_moment_.mul_(b1).add_(grads_, 1.0 - b1);
    second_moment_.mul_(b2).addcmul_(grads_, grads_, 1.0 - b2);
    const auto denom = (second_moment_.sqrt() / std::sqrt(bc2)).add_(eps);
    if (wd > 0) params_.mul_(1.0 - lr * wd);
    params_.addcdiv_(first_moment_, denom, -lr / bc1);
  } else {
    if (wd > 0) grads_.add_(params_, wd);
    first_moment_.mul_(options_.momentum).add_(grads_);
    params_.add_(first_moment_, -lr);
  }
}

}  // namespace hg
