// `mlp`: a multilayer perceptron per member, the whole population trained as
// one computation: layer l has weights [P, in, out] and biases [P, 1, out],
// applied as batched products (PopulationMlp); the loss is the sum over
// members of each member's mean loss over its minibatch, so each member's
// gradient is its own:
//   regression      mean squared error (over examples and targets);
//   classification  cross-entropy of the softmax of the C outputs (logits).
//
// Embedding (`embedding: e > 0`): the inputs first go through a learned
// table E [P, V, e] without bias. When the family declares one-hot inputs
// (TaskShape::one_hot_block = V, e.g. modular arithmetic's two operands),
// each of the input_dim / V one-hot blocks is embedded with the same table
// and the embeddings are concatenated (input_dim / V * e values): a token
// embedding shared by positions. On dense inputs V = input_dim: a bias-free
// linear layer of width e. Entries of E start N(0, 1).
//
// Training: the budget is drawn once; then up to `max_updates` minibatch
// steps (the compute cap), each member walking its own random permutation of
// its data, epoch after epoch (several passes over the budget are allowed;
// a last partial batch of an epoch is skipped; batch_size >= budget is full
// batch). Optimizers: Adam (Kingma and Ba 2015, decoupled weight decay as
// AdamW, applied to every parameter, embedding included) or SGD with momentum
// (weight decay added to the gradient). Initial weights N(0, gain/in) with
// gain 2 for relu and 1 for tanh, biases 0.
//
// Divergence: each update's per-member loss (before the update) goes into a
// window of kCheckEvery rows kept on the device; every kCheckEvery updates and
// at the end the window comes to the host once, and a member whose loss
// stopped being finite is marked diverged at the first update where it did.
//
// Continuing (can_continue: the transfer and continual protocols): a budget of
// 0 only initializes. continue_training draws the new budget and runs up to
// `max_updates` more steps from the current weights, with a fresh optimizer
// (Adam's moments and step count, SGD's momentum reset to zero), as when
// fine-tuning a pretrained network; with a budget of 0 nothing changes.
//
// The computation is PopulationMlp's (population_mlp.h): hand-written forward
// and backward, one flat parameter buffer, and on CPU a fused step that does a
// member's forward, backward and optimizer update in one pass. Each epoch's
// permutation is applied to the data once (row copies into reused buffers on
// the host, a gather on other devices), so a minibatch is a contiguous slice.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "hourglass/core/tensor_util.h"
#include "hourglass/learners/learner.h"
#include "hourglass/learners/mlp/population_mlp.h"

namespace hg {
namespace {

constexpr int64_t kCheckEvery = 100;
constexpr int64_t kPredictChunk = 16384;

// dst[i, k] = src[i, perm[i, from + k]] for k < dst.size(1), host tensors
// [P, n, ...] (src and dst contiguous, perm [P, n]): one memcpy per row, where
// ATen's gather walks elements one by one.
void copy_rows(const at::Tensor& src, const at::Tensor& perm, int64_t from, at::Tensor& dst) {
  const int64_t P = src.size(0), n = src.size(1), count = dst.size(1);
  const int64_t row = src.numel() / std::max<int64_t>(P * n, 1) * src.element_size();
  const auto* in = static_cast<const char*>(src.data_ptr());
  auto* out = static_cast<char*>(dst.data_ptr());
  const int64_t* index = perm.data_ptr<int64_t>();
  for (int64_t i = 0; i < P; ++i)
    for (int64_t k = 0; k < count; ++k)
      std::memcpy(out + (i * count + k) * row, in + (i * n + index[i * n + from + k]) * row,
                  static_cast<size_t>(row));
}

class MlpLearner final : public Learner {
 public:
  explicit MlpLearner(const Params& p)
      : hidden_(p.int_list("hidden")),
        tanh_(p.choice("activation") == "tanh"),
        adam_(p.choice("optimizer") == "adam"),
        lr_(p.real("lr")),
        momentum_(p.real("momentum")),
        weight_decay_(p.real("weight_decay")),
        batch_size_(p.integer("batch_size")),
        max_updates_(p.integer("max_updates")),
        embedding_(p.integer("embedding")) {}

 protected:
  void do_train(TrainContext& ctx) override {
    init(ctx);
    fit(ctx);
  }

  void do_continue(TrainContext& ctx) override {
    net_->reset_optimizer();
    fit(ctx);
  }

  at::Tensor do_predict(const at::Tensor& x) override {
    if (x.size(1) <= kPredictChunk) return net_->forward(x);
    std::vector<at::Tensor> parts;
    for (int64_t s = 0; s < x.size(1); s += kPredictChunk)
      parts.push_back(net_->forward(x.narrow(1, s, std::min(kPredictChunk, x.size(1) - s))));
    return torch::cat(parts, 1);
  }

 private:
  // Fresh weights and optimizer state for the population.
  void init(const TrainContext& ctx) {
    classification_ = ctx.shape.kind == TaskKind::kClassification;
    PopulationMlpOptions options;
    options.sizes = {ctx.shape.input_dim};
    options.sizes.insert(options.sizes.end(), hidden_.begin(), hidden_.end());
    options.sizes.push_back(ctx.shape.output_dim);
    options.tanh = tanh_;
    options.adam = adam_;
    options.lr = lr_;
    options.momentum = momentum_;
    options.weight_decay = weight_decay_;
    if (embedding_ > 0) {
      options.embedding = embedding_;
      options.vocab = ctx.shape.one_hot_block > 0 ? ctx.shape.one_hot_block : ctx.shape.input_dim;
      if (ctx.shape.input_dim % options.vocab != 0)
        throw std::invalid_argument("mlp: input_dim is not a multiple of the one-hot block");
    }
    net_ = std::make_unique<PopulationMlp>(options, ctx.member_seeds, ctx.device);
  }

  // Draws the whole budget and takes up to max_updates steps on it from the
  // current weights and optimizer state (none with a budget of 0).
  void fit(TrainContext& ctx) {
    const Batch data = ctx.data.draw(ctx.data.remaining());
    const auto x = data.x.to(ctx.device).contiguous();
    const auto y = data.y.to(ctx.device).contiguous();
    torch::NoGradGuard no_grad;
    const int64_t P = x.size(0), n = x.size(1);
    if (n == 0) return;
    const int64_t batch = std::min(batch_size_, n);
    const MlpLoss loss = classification_ ? MlpLoss::kCrossEntropy : MlpLoss::kSquaredError;
    // losses[(step - 1) % kCheckEvery]: each member's loss at that update.
    const auto losses =
        torch::zeros({kCheckEvery, P}, torch::dtype(torch::kFloat).device(ctx.device));

    std::vector<Rng> order;
    for (uint64_t s : ctx.member_seeds) order.emplace_back(mix_seed(s, "mlp/order"));
    // Each epoch a permutation per member; each step the next `batch` rows of
    // it, copied out (a permuted copy of the whole data would be another
    // 188 MB per member at 60,000 images, and copies every row as often).
    at::Tensor perm;     // [P, n], on the host
    at::Tensor perm_on;  // on the device, off the host
    int64_t cursor = n;  // forces a fresh permutation on the first step
    at::Tensor xb, yb;
    if (x.is_cpu()) {
      xb = torch::empty({P, batch, x.size(2)}, x.options());
      yb = classification_ ? torch::empty({P, batch}, y.options())
                           : torch::empty({P, batch, y.size(2)}, y.options());
    }

    for (int64_t step = 1; step <= max_updates_; ++step) {
      if (cursor + batch > n) {
        perm = member_permutations(order, n);
        if (!x.is_cpu()) perm_on = perm.to(ctx.device);
        cursor = 0;
      }
      if (x.is_cpu()) {
        copy_rows(x, perm, cursor, xb);
        copy_rows(y, perm, cursor, yb);
      } else {
        const auto idx = perm_on.narrow(1, cursor, batch);
        xb = x.gather(1, idx.unsqueeze(2).expand({P, batch, x.size(2)}));
        yb = classification_ ? y.gather(1, idx)
                             : y.gather(1, idx.unsqueeze(2).expand({P, batch, y.size(2)}));
      }
      const auto row = losses[(step - 1) % kCheckEvery];
      net_->train_step(xb, yb, loss, row);
      cursor += batch;
      ctx.updates = step;
      if (step % kCheckEvery == 0 || step == max_updates_)  // the window so far
        mark_diverged_members(losses.narrow(0, 0, (step - 1) % kCheckEvery + 1), step,
                              ctx.diverged_at);
    }
  }

  std::vector<int64_t> hidden_;
  bool tanh_, adam_;
  double lr_, momentum_, weight_decay_;
  int64_t batch_size_, max_updates_, embedding_;
  bool classification_ = false;
  std::unique_ptr<PopulationMlp> net_;
};

LearnerInfo MakeInfo() {
  LearnerInfo info;
  info.name = "mlp";
  info.doc = "multilayer perceptron (MSE or cross-entropy) trained by minibatch Adam or SGD";
  info.kinds = {TaskKind::kRegression, TaskKind::kClassification};
  info.can_continue = true;
  info.cost = minibatch_cost;
  info.params = {
      ParamSpec::IntList("hidden", {64, 64}, 1, 8192, "hidden layer widths ([] = linear model)", 0),
      ParamSpec::Choice("activation", "relu", {"relu", "tanh"}, "hidden activation"),
      ParamSpec::Choice("optimizer", "adam", {"adam", "sgd"},
                        "adam (decoupled weight decay) or sgd with momentum"),
      ParamSpec::Real("lr", 1e-3, 1e-8, 10.0, "learning rate"),
      ParamSpec::Real("momentum", 0.9, 0.0, 0.999, "momentum of sgd (ignored by adam)"),
      ParamSpec::Real("weight_decay", 0.0, 0.0, 10.0, "weight decay"),
      ParamSpec::Int("batch_size", 64, 1, 1'000'000, "minibatch size (capped at the budget)"),
      ParamSpec::Int("max_updates", 2000, 1, 100'000'000,
                     "optimizer steps: the compute cap, independent of the data budget"),
      ParamSpec::Int("embedding", 0, 0, 8192,
                     "width of a learned input embedding shared by one-hot blocks (0 = none)"),
  };
  info.make = [](const Params& p) { return std::make_unique<MlpLearner>(p); };
  return info;
}

const LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
