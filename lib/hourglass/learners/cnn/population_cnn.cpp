#include "hourglass/learners/cnn/population_cnn.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "hourglass/core/tensor_util.h"

namespace hg {

PopulationCnn::PopulationCnn(const PopulationCnnOptions& options,
                             const std::vector<uint64_t>& member_seeds, c10::Device device)
    : o_(options), P_(static_cast<int64_t>(member_seeds.size())), seeds_(member_seeds) {
  if (!o_.image.defined() || o_.image.height < 4 || o_.image.width < 4)
    throw std::invalid_argument("cnn: needs images of at least 4x4 pixels (two 2x2 poolings)");
  if (o_.kernel % 2 == 0)
    throw std::invalid_argument("cnn: `kernel` must be odd (same padding), got " +
                                std::to_string(o_.kernel));
  if (o_.channels.size() != 2)
    throw std::invalid_argument("cnn: `channels` must give the widths of the two convolution "
                                "blocks, e.g. [32, 64]");
  const auto opts = torch::dtype(torch::kFloat).device(device);
  auto he = [&](const std::string& label, const std::vector<int64_t>& shape, int64_t fan_in) {
    return member_normal(seeds_, "cnn/" + label, shape, std::sqrt(2.0 / fan_in)).to(device);
  };
  const int64_t k = o_.kernel;
  int64_t in = o_.image.channels;
  for (size_t b = 0; b < 2; ++b) {
    const int64_t out = o_.channels[b];
    // [P, out, in, k, k] is the grouped layout [P * out, in, k, k]; stored
    // channels-last, so that the convolutions (oneDNN) take and give
    // channels-last maps, whose max-pooling LibTorch 1.13 runs about 9x
    // faster than that of NCHW maps (see forward()).
    conv_w_.push_back(he("conv" + std::to_string(b), {out, in, k, k}, in * k * k)
                          .view({P_ * out, in, k, k})
                          .clone(at::MemoryFormat::ChannelsLast)
                          .requires_grad_());
    conv_b_.push_back(torch::zeros({P_ * out}, opts).requires_grad_());
    in = out;
  }
  int64_t width = in * (o_.image.height / 4) * (o_.image.width / 4);
  std::vector<int64_t> sizes = o_.hidden;
  sizes.push_back(o_.classes);
  for (size_t l = 0; l < sizes.size(); ++l) {
    dense_w_.push_back(he("dense" + std::to_string(l), {width, sizes[l]}, width).requires_grad_());
    dense_b_.push_back(torch::zeros({P_, 1, sizes[l]}, opts).requires_grad_());
    width = sizes[l];
  }
  adam_ = std::make_unique<torch::optim::Adam>(parameters(), torch::optim::AdamOptions(o_.lr));
}

PopulationCnn::~PopulationCnn() = default;

std::vector<at::Tensor> PopulationCnn::parameters() const {
  std::vector<at::Tensor> out{conv_w_[0], conv_b_[0], conv_w_[1], conv_b_[1]};
  for (size_t l = 0; l < dense_w_.size(); ++l) {
    out.push_back(dense_w_[l]);
    out.push_back(dense_b_[l]);
  }
  return out;
}

at::Tensor PopulationCnn::forward(const at::Tensor& x, int64_t step) const {
  const int64_t n = x.size(1), k = o_.kernel;
  const ImageShape& im = o_.image;
  // The convolutions member by member: member i's images through its own
  // filters (rows i c_out .. (i+1) c_out - 1 of the weights), one
  // convolution of the shapes a population of one has, so a member's numbers
  // are those it has alone, bit for bit (one grouped convolution over the
  // members, groups = P, rounded differently; and im2col with a batched
  // product was 2.5x slower than either, measured with
  // hourglass_bench --benchmark_filter=CnnTrainStep).
  const auto images = x.reshape({P_, n, im.channels, im.height, im.width});
  std::vector<at::Tensor> members;
  members.reserve(static_cast<size_t>(P_));
  for (int64_t i = 0; i < P_; ++i) {
    auto h = images[i];
    for (size_t b = 0; b < 2; ++b) {
      const int64_t out = o_.channels[b];
      h = torch::conv2d(h, conv_w_[b].narrow(0, i * out, out), conv_b_[b].narrow(0, i * out, out),
                        /*stride=*/1, /*padding=*/k / 2);
      // relu(max_pool(h)) is max_pool(relu(h)), value and gradient, bit for
      // bit (relu is monotone, and a window whose maximum is not positive
      // passes no gradient either way), on a quarter of the values.
      h = torch::relu(torch::max_pool2d(h, 2));
    }
    members.push_back(h.reshape({n, -1}));  // channels-last: copied in C, H, W order
  }
  // [P, n, c2 * H/4 * W/4]
  auto h = torch::stack(members);
  for (size_t l = 0; l < dense_w_.size(); ++l) {
    h = torch::baddbmm(dense_b_[l], h, dense_w_[l]);
    if (l + 1 == dense_w_.size()) break;
    h = torch::relu(h);
    if (l + 2 == dense_w_.size() && step > 0 && o_.dropout > 0.0) h = h * dropout_mask(h, step);
  }
  return h;
}

at::Tensor PopulationCnn::train_step(const at::Tensor& x, const at::Tensor& y, int64_t step) {
  const int64_t b = x.size(1);
  const auto logits = forward(x, step);
  const auto per_example = torch::nn::functional::cross_entropy(
      logits.reshape({P_ * b, o_.classes}), y.reshape({P_ * b}),
      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
  const auto per_member = per_example.view({P_, b}).mean(1);
  // Gradients dropped rather than zeroed (LibTorch 1.13's zero_grad() fills
  // them): backward() then stores the first gradient instead of adding it
  // to zeros, the same values.
  for (auto& p : parameters()) p.mutable_grad().reset();
  per_member.sum().backward();
  adam_->step();
  return per_member.detach();
}

// Inverted dropout: 0 with probability `dropout`, else 1 / (1 - dropout);
// member i's mask [n, width] from its own seed and the step.
at::Tensor PopulationCnn::dropout_mask(const at::Tensor& h, int64_t step) const {
  const auto u = member_uniform(seeds_, "cnn/dropout/" + std::to_string(step),
                                {h.size(1), h.size(2)}, 0.0, 1.0);
  return ((u >= o_.dropout).to(torch::kFloat) / (1.0 - o_.dropout)).to(h.device());
}

}  // namespace hg
