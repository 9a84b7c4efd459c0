#include "hourglass/learners/rl/population_net.h"

#include <torch/torch.h>

#include <cmath>

#include "hourglass/core/fast_math.h"
#include "hourglass/core/tensor_util.h"

namespace hg::rl {
namespace {

// tanh by tanh_approx (float tensors on the CPU; LibTorch's tanh otherwise),
// with its derivative 1 - y^2 from the output, as autograd's own. Under
// no-grad (acting) it overwrites its input, a fresh product.
struct ApproxTanh : torch::autograd::Function<ApproxTanh> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x) {
    auto y = at::empty_like(x);
    apply_to(x, y);
    ctx->save_for_backward({y});
    return y;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    return {at::tanh_backward(grad[0], ctx->get_saved_variables()[0])};
  }
  static void apply_to(const at::Tensor& x, const at::Tensor& y) {
    const float* in = x.data_ptr<float>();
    float* out = y.data_ptr<float>();
    at::parallel_for(0, x.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
      tanh_approx(in + begin, out + begin, end - begin);
    });
  }
};

at::Tensor activate_tanh(const at::Tensor& h) {
  if (!h.is_cpu() || h.scalar_type() != at::kFloat || !h.is_contiguous()) return torch::tanh(h);
  if (!at::GradMode::is_enabled()) {
    ApproxTanh::apply_to(h, h);
    return h;
  }
  return ApproxTanh::apply(h);
}

}  // namespace

PopulationNet::PopulationNet(const std::vector<uint64_t>& member_seeds, const std::string& label,
                             const std::vector<int64_t>& sizes, bool tanh, double out_scale,
                             c10::Device device)
    : tanh_(tanh) {
  const auto P = static_cast<int64_t>(member_seeds.size());
  const double gain = tanh ? 1.0 : 2.0;
  int64_t per_member = 0;
  for (size_t l = 0; l + 1 < sizes.size(); ++l) per_member += (sizes[l] + 1) * sizes[l + 1];
  const auto options = torch::TensorOptions(device).dtype(torch::kFloat);
  flat_ = torch::zeros({P, per_member}, options);
  grad_ = torch::zeros({P, per_member}, options);
  int64_t offset = 0;
  // A [P, rows, cols] leaf sharing flat_'s memory.
  auto leaf = [&](int64_t rows, int64_t cols) {
    auto t = flat_.narrow(1, offset, rows * cols).view({P, rows, cols}).detach();
    offset += rows * cols;
    return t.requires_grad_(true);
  };
  for (size_t l = 0; l + 1 < sizes.size(); ++l) {
    double stddev = std::sqrt(gain / static_cast<double>(sizes[l]));
    if (l + 2 == sizes.size()) stddev *= out_scale;
    weights_.push_back(leaf(sizes[l], sizes[l + 1]));
    {
      torch::NoGradGuard no_grad;
      weights_.back().copy_(member_normal(member_seeds, label + "/w" + std::to_string(l),
                                          {sizes[l], sizes[l + 1]}, stddev));
    }
    biases_.push_back(leaf(1, sizes[l + 1]));
    params_.push_back(weights_.back());
    params_.push_back(biases_.back());
  }
}

at::Tensor PopulationNet::forward(const at::Tensor& x) const {
  at::Tensor h = x;
  for (size_t l = 0; l < weights_.size(); ++l) {
    h = torch::baddbmm(biases_[l], h, weights_[l]);
    if (l + 1 < weights_.size()) h = tanh_ ? activate_tanh(h) : torch::relu(h);
  }
  return h;
}

const at::Tensor& PopulationNet::collect_grad() {
  torch::NoGradGuard no_grad;
  const int64_t P = flat_.size(0);
  std::vector<at::Tensor> parts;
  for (auto& p : params_) {
    auto& g = p.mutable_grad();
    parts.push_back(g.defined() ? g.reshape({P, -1}) : at::zeros({P, p.numel() / P}, flat_.options()));
    g.reset();
  }
  at::cat_out(grad_, parts, 1);
  return grad_;
}

void PopulationNet::copy_from(const PopulationNet& other) {
  torch::NoGradGuard no_grad;
  flat_.copy_(other.flat_);
}

PopulationAdam::PopulationAdam(const std::vector<PopulationNet*>& nets, double lr,
                               double max_grad_norm)
    : nets_(nets), lr_(lr), max_grad_norm_(max_grad_norm) {
  for (const auto* net : nets_) {
    m_.push_back(torch::zeros_like(net->flat()));
    v_.push_back(torch::zeros_like(net->flat()));
  }
}

void PopulationAdam::step() {
  torch::NoGradGuard no_grad;
  ++t_;
  std::vector<at::Tensor> grads;
  for (auto* net : nets_) grads.push_back(net->collect_grad());
  if (max_grad_norm_ > 0) {
    at::Tensor sq;  // [P, 1]: each member's squared gradient norm over every network
    for (const auto& g : grads) {
      const auto s = g.square().sum(1, /*keepdim=*/true);
      sq = sq.defined() ? sq + s : s;
    }
    const auto scale = (max_grad_norm_ / (sq.sqrt() + 1e-6)).clamp_max(1.0);
    for (auto& g : grads) g.mul_(scale);
  }
  constexpr double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const double bc1 = 1.0 - std::pow(b1, static_cast<double>(t_));
  const double bc2 = 1.0 - std::pow(b2, static_cast<double>(t_));
  for (size_t i = 0; i < grads.size(); ++i) {
    const auto& g = grads[i];
    m_[i].mul_(b1).add_(g, 1.0 - b1);
    v_[i].mul_(b2).addcmul_(g, g, 1.0 - b2);
    const auto denom = (v_[i].sqrt() / std::sqrt(bc2)).add_(eps);
    // flat() is a handle to the buffer the leaves share: update it in place.
    auto flat = nets_[i]->flat();
    flat.addcdiv_(m_[i], denom, -lr_ / bc1);
  }
}

at::Tensor sample_categorical(const at::Tensor& logits, std::vector<Rng>& streams) {
  const auto probs = torch::softmax(logits.detach(), -1).to(torch::kCPU, torch::kDouble).contiguous();
  const int64_t P = probs.size(0), n = probs.size(1), A = probs.size(2);
  auto out = torch::empty({P, n}, torch::kLong);
  const double* p = probs.data_ptr<double>();
  int64_t* a = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < P; ++i)
    for (int64_t k = 0; k < n; ++k) {
      const double* row = p + (i * n + k) * A;
      double u = streams[i].uniform();
      int64_t choice = A - 1;
      for (int64_t j = 0; j < A; ++j) {
        u -= row[j];
        if (u < 0) {
          choice = j;
          break;
        }
      }
      a[i * n + k] = choice;
    }
  return out;
}

std::vector<ParamSpec> policy_gradient_params(std::vector<ParamSpec> own) {
  std::vector<ParamSpec> common = {
      ParamSpec::IntList("hidden", {64, 64}, 1, 4096, "hidden layer widths", 0),
      ParamSpec::Choice("activation", "tanh", {"tanh", "relu"}, "hidden activation"),
      ParamSpec::Real("lr", 3e-4, 1e-8, 1.0, "Adam learning rate"),
      ParamSpec::Real("gamma", 0.99, 0.0, 1.0, "discount factor"),
      ParamSpec::Real("entropy_coef", 0.01, 0.0, 10.0, "weight of the entropy bonus"),
      ParamSpec::Real("max_grad_norm", 0.5, 0.0, 1e6, "per-member gradient norm clip (0 = none)"),
      ParamSpec::Int("num_envs", 16, 1, 1 << 20, "parallel environment copies per member"),
      ParamSpec::Int("rollout_steps", 32, 1, 1 << 20, "steps per copy between updates"),
      ParamSpec::Int("max_updates", 1'000'000, 1, 1e9,
                     "compute cap: gradient steps (the budget is environment steps)"),
  };
  common.insert(common.end(), own.begin(), own.end());
  return common;
}

PolicyGradientConfig::PolicyGradientConfig(const Params& p)
    : hidden(p.int_list("hidden")),
      tanh(p.choice("activation") == "tanh"),
      lr(p.real("lr")),
      gamma(p.real("gamma")),
      entropy_coef(p.real("entropy_coef")),
      max_grad_norm(p.real("max_grad_norm")),
      num_envs(p.integer("num_envs")),
      rollout_steps(p.integer("rollout_steps")),
      max_updates(p.integer("max_updates")) {}

void PolicyGradientLearner::init_policy(const InteractiveTrainContext& ctx) {
  policy_ = PopulationNet(ctx.member_seeds, "policy",
                          layer_sizes(ctx.spec.obs_dim, cfg_.hidden, ctx.spec.num_actions),
                          cfg_.tanh, 0.01, ctx.device);
  act_streams_ = member_streams(ctx.member_seeds, "act/eval");
}

void PolicyGradientLearner::do_begin_episodes(const std::vector<uint64_t>& member_seeds,
                                              const std::string& split) {
  act_streams_ = member_streams(member_seeds, "act/eval/" + split);
}

at::Tensor PolicyGradientLearner::do_act(const at::Tensor& obs) {
  return sample_categorical(policy_.forward(obs), act_streams_);
}

std::vector<int64_t> layer_sizes(int64_t in, const std::vector<int64_t>& hidden, int64_t out) {
  std::vector<int64_t> sizes{in};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  sizes.push_back(out);
  return sizes;
}

void gae(const std::vector<float>& rewards, const std::vector<uint8_t>& dones,
         const std::vector<float>& values, const std::vector<float>& last_values, int64_t T,
         int64_t n, double gamma, double lambda, std::vector<float>& advantages,
         std::vector<float>& returns) {
  advantages.assign(static_cast<size_t>(T * n), 0.0f);
  returns.assign(static_cast<size_t>(T * n), 0.0f);
  for (int64_t k = 0; k < n; ++k) {
    double next_adv = 0.0, next_value = last_values[k];
    for (int64_t t = T - 1; t >= 0; --t) {
      const size_t i = static_cast<size_t>(t * n + k);
      const double live = dones[i] ? 0.0 : 1.0;
      const double delta = rewards[i] + gamma * next_value * live - values[i];
      next_adv = delta + gamma * lambda * live * next_adv;
      next_value = values[i];
      advantages[i] = static_cast<float>(next_adv);
      returns[i] = static_cast<float>(next_adv + values[i]);
    }
  }
}

}  // namespace hg::rl
