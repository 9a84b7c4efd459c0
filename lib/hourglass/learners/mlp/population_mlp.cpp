#include "hourglass/learners/mlp/population_mlp.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "hourglass/core/fast_math.h"
#include "hourglass/core/tensor_util.h"

#ifdef HOURGLASS_HAVE_BLAS
extern "C" void sgemm_(const char* transa, const char* transb, const int* m, const int* n,
                       const int* k, const float* alpha, const float* a, const int* lda,
                       const float* b, const int* ldb, const float* beta, float* c,
                       const int* ldc);
#endif

// Element-wise loops compiled for AVX2+FMA as well as the baseline, picked at
// run time (GCC/Clang function multi-versioning on x86-64).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HG_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define HG_CLONES
#endif

namespace hg {
namespace {

int64_t product(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

#ifdef HOURGLASS_HAVE_BLAS  // the fused CPU path's helpers
// Row-major C[m, n] = A' B' + beta C, where A' is A [m, k] (or A [k, m]
// transposed) and B' is B [k, n] (or B [n, k] transposed); leading dimensions
// are row lengths as stored. Column-major BLAS computes C^T = B'^T A'^T.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const char ta = trans_a ? 'T' : 'N', tb = trans_b ? 'T' : 'N';
  const int mi = static_cast<int>(m), ni = static_cast<int>(n), ki = static_cast<int>(k);
  const int la = static_cast<int>(lda), lb = static_cast<int>(ldb), lc = static_cast<int>(ldc);
  const float one = 1.0f;
  sgemm_(&tb, &ta, &ni, &mi, &ki, &one, b, &lb, a, &la, &beta, c, &lc);
}

// z[r, :] += bias, then the activation, in place (rows x width).
HG_CLONES void bias_activation(float* z, const float* bias, int64_t rows, int64_t width,
                               int activation /* 0 none, 1 relu, 2 tanh */) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = z + r * width;
    if (activation == 1) {
      for (int64_t j = 0; j < width; ++j) row[j] = std::max(row[j] + bias[j], 0.0f);
    } else {
      for (int64_t j = 0; j < width; ++j) row[j] += bias[j];
    }
  }
  // The C library's tanhf is scalar: it was three quarters of a tanh
  // network's step.
  if (activation == 2) tanh_approx(z, z, rows * width);
}

// dz = dh * act'(h) in place, h the activation's output.
HG_CLONES void activation_backward(float* dh, const float* h, int64_t count, bool tanh) {
  if (tanh) {
    for (int64_t j = 0; j < count; ++j) dh[j] *= 1.0f - h[j] * h[j];
  } else {
    for (int64_t j = 0; j < count; ++j) dh[j] = h[j] > 0.0f ? dh[j] : 0.0f;
  }
}

// db = column sums of g (rows x width).
HG_CLONES void column_sums(const float* g, float* db, int64_t rows, int64_t width) {
  for (int64_t j = 0; j < width; ++j) db[j] = 0.0f;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < width; ++j) db[j] += g[r * width + j];
}

struct AdamScalars {
  float b1, b2, step_size, inv_sqrt_bc2, eps, decay;
};

HG_CLONES void adam_update(float* p, const float* g, float* m, float* v, int64_t count,
                           AdamScalars s) {
  for (int64_t j = 0; j < count; ++j) {
    const float mj = s.b1 * m[j] + (1.0f - s.b1) * g[j];
    const float vj = s.b2 * v[j] + (1.0f - s.b2) * g[j] * g[j];
    m[j] = mj;
    v[j] = vj;
    p[j] = p[j] * s.decay - s.step_size * mj / (std::sqrt(vj) * s.inv_sqrt_bc2 + s.eps);
  }
}

HG_CLONES void sgd_update(float* p, const float* g, float* m, int64_t count, float lr,
                          float momentum, float wd) {
  for (int64_t j = 0; j < count; ++j) {
    const float mj = momentum * m[j] + (g[j] + wd * p[j]);
    m[j] = mj;
    p[j] -= lr * mj;
  }
}
#endif  // HOURGLASS_HAVE_BLAS

}  // namespace

PopulationMlp::PopulationMlp(const PopulationMlpOptions& options,
                             const std::vector<uint64_t>& member_seeds, c10::Device device)
    : options_(options), population_(static_cast<int64_t>(member_seeds.size())) {
  auto& sizes = options_.sizes;
  if (sizes.size() < 2) throw std::invalid_argument("PopulationMlp: need input and output sizes");
  const int64_t P = population_;
  std::vector<int64_t> dense = sizes;  // widths seen by the dense layers
  if (options_.embedding > 0) {
    if (options_.vocab <= 0 || sizes[0] % options_.vocab != 0)
      throw std::invalid_argument("PopulationMlp: input_dim is not a multiple of the vocabulary");
    dense[0] = sizes[0] / options_.vocab * options_.embedding;
  }
  const size_t layers = dense.size() - 1;
  int64_t total = options_.embedding > 0 ? P * options_.vocab * options_.embedding : 0;
  for (size_t l = 0; l < layers; ++l) total += P * (dense[l] * dense[l + 1] + dense[l + 1]);
  const auto options_f = at::TensorOptions(device).dtype(at::kFloat);
  params_ = at::zeros({total}, options_f);
  grads_ = at::zeros({total}, options_f);
  first_moment_ = at::zeros({total}, options_f);
  if (options_.adam) second_moment_ = at::zeros({total}, options_f);

  const double gain = options_.tanh ? 1.0 : 2.0;
  int64_t offset = 0;
  auto view = [&](const at::Tensor& flat, const std::vector<int64_t>& shape) {
    return flat.narrow(0, offset, product(shape)).view(shape);
  };
  if (options_.embedding > 0) {
    const std::vector<int64_t> shape{P, options_.vocab, options_.embedding};
    table_ = view(params_, shape);
    table_grad_ = view(grads_, shape);
    table_.copy_(member_normal(member_seeds, "mlp/embedding",
                               {options_.vocab, options_.embedding}, 1.0));
    offset += product(shape);
  }
  for (size_t l = 0; l < layers; ++l) {
    const int64_t in = dense[l], out = dense[l + 1];
    weights_.push_back(view(params_, {P, in, out}));
    weight_grads_.push_back(view(grads_, {P, in, out}));
    weights_.back().copy_(member_normal(member_seeds, "mlp/w" + std::to_string(l), {in, out},
                                        std::sqrt(gain / static_cast<double>(in))));
    offset += P * in * out;
    biases_.push_back(view(params_, {P, 1, out}));
    bias_grads_.push_back(view(grads_, {P, 1, out}));
    offset += P * out;
  }
#ifdef HOURGLASS_HAVE_BLAS
  fused_ = options_.fused_cpu && device.is_cpu();
#endif
  widths_ = {weights_[0].size(1)};
  for (const auto& weight : weights_) widths_.push_back(weight.size(2));
  max_width_ = *std::max_element(widths_.begin(), widths_.end());
  const float* base = params_.data_ptr<float>();
  auto block = [&](const at::Tensor& t, int64_t size) {
    const Block b{t.data_ptr<float>() - base, size, member_params_};
    member_params_ += size;
    return b;
  };
  if (options_.embedding > 0) table_block_.push_back(block(table_, options_.vocab * options_.embedding));
  for (size_t l = 0; l < layers; ++l) {
    weight_blocks_.push_back(block(weights_[l], dense[l] * dense[l + 1]));
    bias_blocks_.push_back(block(biases_[l], dense[l + 1]));
  }
}

at::Tensor PopulationMlp::embed(const at::Tensor& x) const {
  // [P, n, B*V] -> [P, n*B, V] x [P, V, e] -> [P, n, B*e]
  const int64_t P = x.size(0), n = x.size(1);
  return at::bmm(x.reshape({P, -1, options_.vocab}), table_).reshape({P, n, -1});
}

at::Tensor PopulationMlp::forward(const at::Tensor& x) const {
  if (fused_ && x.is_cpu()) return fused_forward(x);
  at::Tensor h = table_.defined() ? embed(x) : x;
  for (size_t l = 0; l < weights_.size(); ++l) {
    h = at::baddbmm(biases_[l], h, weights_[l]);
    if (l + 1 < weights_.size()) h = options_.tanh ? at::tanh_(h) : at::relu_(h);
  }
  return h;
}

at::Tensor PopulationMlp::forward_train(const at::Tensor& x) {
  inputs_.clear();
  pre_activations_.clear();
  embed_input_ = x;
  at::Tensor h = table_.defined() ? embed(x) : x;
  for (size_t l = 0; l < weights_.size(); ++l) {
    inputs_.push_back(h);
    auto z = at::baddbmm(biases_[l], h, weights_[l]);
    if (l + 1 == weights_.size()) return z;
    pre_activations_.push_back(z);
    h = options_.tanh ? at::tanh(z) : at::relu(z);
  }
  return h;
}

void PopulationMlp::backward(const at::Tensor& grad_output) {
  at::Tensor dz = grad_output;  // dL/dz of the current layer
  for (size_t l = weights_.size(); l-- > 0;) {
    at::bmm_out(weight_grads_[l], inputs_[l].transpose(1, 2), dz);
    at::sum_out(bias_grads_[l], dz, {1}, /*keepdim=*/true);
    if (l == 0 && !table_.defined()) break;
    auto dh = at::bmm(dz, weights_[l].transpose(1, 2));
    if (l == 0) {  // into the embedding: dE = X^T dh, over the n*B blocks
      const int64_t P = dh.size(0);
      at::bmm_out(table_grad_,
                  embed_input_.reshape({P, -1, options_.vocab}).transpose(1, 2),
                  dh.reshape({P, -1, options_.embedding}));
      break;
    }
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

void PopulationMlp::train_step(const at::Tensor& x, const at::Tensor& y, MlpLoss loss,
                               const at::Tensor& per_member_loss) {
  if (fused_)
    fused_step(x, y, loss, per_member_loss);
  else
    generic_step(x, y, loss, per_member_loss);
}

void PopulationMlp::generic_step(const at::Tensor& x, const at::Tensor& y, MlpLoss loss,
                                 const at::Tensor& per_member_loss) {
  const auto out = forward_train(x);
  const int64_t n = out.size(1);
  at::Tensor grad;
  if (loss == MlpLoss::kCrossEntropy) {
    // d/d(logits) of the mean cross-entropy: (softmax - onehot) / n.
    const auto log_p = at::log_softmax(out, 2);
    const auto index = y.unsqueeze(2);
    per_member_loss.copy_(log_p.gather(2, index).squeeze(2).mean(1).neg_());
    grad = log_p.exp_();
    grad.scatter_add_(2, index, at::full_like(index, -1.0, grad.options())).div_(n);
  } else {
    const auto diff = out - y;
    per_member_loss.copy_(diff.square().mean({1, 2}));
    grad = diff.mul_(2.0 / static_cast<double>(n * out.size(2)));
  }
  backward(grad);
  step();
}

at::Tensor PopulationMlp::fused_forward(const at::Tensor& x_in) const {
#ifdef HOURGLASS_HAVE_BLAS
  // Member by member, kRows rows at a time through every layer, so the
  // activations stay in cache whatever n is.
  constexpr int64_t kRows = 256;
  const int64_t P = population_, n = x_in.size(1), L = static_cast<int64_t>(weights_.size());
  const int64_t input_dim = options_.sizes[0], d_out = options_.sizes.back();
  const int64_t V = options_.vocab, e = options_.embedding;
  const bool embedding = table_.defined();
  const int64_t blocks = embedding ? input_dim / V : 0;
  const auto x = x_in.stride(2) == 1 && x_in.stride(1) == input_dim ? x_in : x_in.contiguous();
  auto out = at::empty({P, n, d_out}, x.options());
  const auto& w = widths_;
  const int64_t max_width = max_width_;
  const float* params = params_.data_ptr<float>();
  auto param = [&](const Block& b, int64_t i) { return params + b.offset + i * b.per_member; };
  const float* xs = x.data_ptr<float>();
  float* os = out.data_ptr<float>();
  at::parallel_for(0, P, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> buffer(static_cast<size_t>(2 * kRows * max_width));
    for (int64_t i = begin; i < end; ++i) {
      for (int64_t r0 = 0; r0 < n; r0 += kRows) {
        const int64_t rows = std::min(kRows, n - r0);
        const float* h = xs + i * x.stride(0) + r0 * input_dim;
        float* next = buffer.data();
        if (embedding) {
          gemm(false, false, rows * blocks, e, V, h, V, param(table_block_[0], i), e, 0.0f, next,
               e);
          h = next;
          next = buffer.data() + kRows * max_width;
        }
        for (int64_t l = 0; l < L; ++l) {
          float* z = l + 1 < L ? next : os + (i * n + r0) * d_out;
          gemm(false, false, rows, w[l + 1], w[l], h, w[l], param(weight_blocks_[l], i), w[l + 1],
               0.0f, z, w[l + 1]);
          bias_activation(z, param(bias_blocks_[l], i), rows, w[l + 1],
                          l + 1 < L ? (options_.tanh ? 2 : 1) : 0);
          next = z == buffer.data() ? buffer.data() + kRows * max_width : buffer.data();
          h = z;
        }
      }
    }
  });
  return out;
#else
  (void)x_in;
  throw std::logic_error("PopulationMlp: built without BLAS, no fused CPU forward");
#endif
}

void PopulationMlp::fused_step(const at::Tensor& x_in, const at::Tensor& y_in, MlpLoss loss,
                               const at::Tensor& per_member_loss) {
#ifdef HOURGLASS_HAVE_BLAS
  const int64_t P = population_, nb = x_in.size(1), L = static_cast<int64_t>(weights_.size());
  const int64_t input_dim = options_.sizes[0], d_out = options_.sizes.back();
  const bool embedding = table_.defined();
  const int64_t V = options_.vocab, e = options_.embedding;
  const int64_t blocks = embedding ? input_dim / V : 0;
  // Rows must be contiguous; members may be strided (a narrow of the data).
  const auto x = x_in.stride(2) == 1 && x_in.stride(1) == input_dim ? x_in : x_in.contiguous();
  const bool ce = loss == MlpLoss::kCrossEntropy;
  const auto y = (ce ? y_in.stride(1) == 1 : y_in.stride(2) == 1 && y_in.stride(1) == d_out)
                     ? y_in
                     : y_in.contiguous();
  if (!per_member_loss.is_contiguous() || per_member_loss.numel() != P)
    throw std::invalid_argument("PopulationMlp::train_step: per_member_loss must be [P], contiguous");

  const auto& w = widths_;
  const int64_t max_width = max_width_;
  // One workspace per thread (activations, two gradient scratch buffers, the
  // member's parameter gradients), reused member after member so it stays in
  // cache: nothing is allocated once the batch size is known. A member's
  // activations: [embedded input] [layer 0 output] ... [layer L-1 output].
  if (fused_batch_ != nb) {
    act_offset_.clear();
    act_size_ = embedding ? nb * w[0] : 0;
    for (int64_t l = 0; l < L; ++l) {
      act_offset_.push_back(act_size_);
      act_size_ += nb * w[l + 1];
    }
    fused_batch_ = nb;
  }
  const int64_t threads = at::get_num_threads();
  const int64_t workspace = act_size_ + 2 * nb * max_width + member_params_;
  if (static_cast<int64_t>(workspace_.size()) < threads * workspace)
    workspace_.assign(static_cast<size_t>(threads * workspace), 0.0f);

  ++steps_;
  AdamScalars adam{};
  if (options_.adam) {
    constexpr double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const double bc1 = 1.0 - std::pow(b1, static_cast<double>(steps_));
    const double bc2 = 1.0 - std::pow(b2, static_cast<double>(steps_));
    adam = {static_cast<float>(b1), static_cast<float>(b2),
            static_cast<float>(options_.lr / bc1), static_cast<float>(1.0 / std::sqrt(bc2)),
            static_cast<float>(eps), static_cast<float>(1.0 - options_.lr * options_.weight_decay)};
  }
  const int activation = options_.tanh ? 2 : 1;

  float* params = params_.data_ptr<float>();
  float* m1 = first_moment_.data_ptr<float>();
  float* m2 = options_.adam ? second_moment_.data_ptr<float>() : nullptr;
  const float* xs = x.data_ptr<float>();
  float* losses = per_member_loss.data_ptr<float>();
  auto member_step = [&](int64_t i, float* work) {
    const float* xi = xs + i * x.stride(0);
    float* act = work;
    float* g = act + act_size_;
    float* dh = g + nb * max_width;
    float* grads = dh + nb * max_width;
    auto param = [&](const Block& b) { return params + b.offset + i * b.per_member; };
    auto grad = [&](const Block& b) { return grads + b.local; };

    // Forward.
    const float* h = xi;
    if (embedding) {  // [nb*B, V] x [V, e] -> [nb*B, e] = [nb, B*e]
      gemm(false, false, nb * blocks, e, V, xi, V, param(table_block_[0]), e, 0.0f, act, e);
      h = act;
    }
    for (int64_t l = 0; l < L; ++l) {
      float* z = act + act_offset_[static_cast<size_t>(l)];
      gemm(false, false, nb, w[l + 1], w[l], h, w[l], param(weight_blocks_[l]), w[l + 1], 0.0f, z,
           w[l + 1]);
      bias_activation(z, param(bias_blocks_[l]), nb, w[l + 1], l + 1 < L ? activation : 0);
      h = z;
    }
    // Loss and dL/d(output) into g.
    const float* out = h;
    double total = 0.0;
    if (ce) {
      const int64_t* yi = y.data_ptr<int64_t>() + i * y.stride(0);
      for (int64_t r = 0; r < nb; ++r) {
        const float* o = out + r * d_out;
        float* gr = g + r * d_out;
        const float top = *std::max_element(o, o + d_out);
        double sum = 0.0;
        for (int64_t c = 0; c < d_out; ++c) sum += std::exp(static_cast<double>(o[c] - top));
        const double log_sum = std::log(sum);
        const int64_t label = yi[r];
        total += log_sum - static_cast<double>(o[label] - top);
        for (int64_t c = 0; c < d_out; ++c)
          gr[c] = static_cast<float>(std::exp(static_cast<double>(o[c] - top) - log_sum) /
                                     static_cast<double>(nb));
        gr[label] -= 1.0f / static_cast<float>(nb);
      }
      losses[i] = static_cast<float>(total / static_cast<double>(nb));
    } else {
      const float* yi = y.data_ptr<float>() + i * y.stride(0);
      const float scale = 2.0f / static_cast<float>(nb * d_out);
      for (int64_t k = 0; k < nb * d_out; ++k) {
        const float diff = out[k] - yi[k];
        total += static_cast<double>(diff) * diff;
        g[k] = scale * diff;
      }
      losses[i] = static_cast<float>(total / static_cast<double>(nb * d_out));
    }
    // Backward: g holds dL/dz of layer l.
    for (int64_t l = L - 1; l >= 0; --l) {
      const float* input = l > 0 ? act + act_offset_[static_cast<size_t>(l - 1)] : (embedding ? act : xi);
      gemm(true, false, w[l], w[l + 1], nb, input, w[l], g, w[l + 1], 0.0f,
           grad(weight_blocks_[l]), w[l + 1]);
      column_sums(g, grad(bias_blocks_[l]), nb, w[l + 1]);
      if (l == 0 && !embedding) break;
      gemm(false, true, nb, w[l], w[l + 1], g, w[l + 1], param(weight_blocks_[l]), w[l + 1], 0.0f,
           dh, w[l]);
      if (l == 0) {  // dE = X^T dh over the nb*B blocks: [V, nb*B] x [nb*B, e]
        gemm(true, false, V, e, nb * blocks, xi, V, dh, e, 0.0f, grad(table_block_[0]), e);
        break;
      }
      activation_backward(dh, input, nb * w[l], options_.tanh);
      std::swap(g, dh);
    }
    // This member's optimizer update, its parameters still in cache.
    auto update = [&](const Block& b) {
      const int64_t o = b.offset + i * b.per_member;
      if (options_.adam)
        adam_update(params + o, grads + b.local, m1 + o, m2 + o, b.per_member, adam);
      else
        sgd_update(params + o, grads + b.local, m1 + o, b.per_member, static_cast<float>(options_.lr),
                   static_cast<float>(options_.momentum),
                   static_cast<float>(options_.weight_decay));
    };
    for (const auto& b : table_block_) update(b);
    for (int64_t l = 0; l < L; ++l) {
      update(weight_blocks_[l]);
      update(bias_blocks_[l]);
    }
  };
  at::parallel_for(0, P, 1, [&](int64_t begin, int64_t end) {
    const int64_t thread = std::min<int64_t>(at::get_thread_num(), threads - 1);
    float* work = workspace_.data() + thread * workspace;
    for (int64_t i = begin; i < end; ++i) member_step(i, work);
  });
#else
  (void)x_in, (void)y_in, (void)loss, (void)per_member_loss;
  throw std::logic_error("PopulationMlp: built without BLAS, no fused CPU step");
#endif
}

void PopulationMlp::reset_optimizer() {
  steps_ = 0;
  first_moment_.zero_();
  if (second_moment_.defined()) second_moment_.zero_();
}

}  // namespace hg
