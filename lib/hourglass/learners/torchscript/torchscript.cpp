// `torchscript`: a user's model, saved with torch.jit.save (from Python's
// torch.jit.script or trace, or from C++), trained by Hourglass.
//
// The module's `forward` takes a float32 batch [n, input_dim] and returns
// [n, output_dim]: regression values, or one logit per class. Each member of
// the population is an independent deep copy of the file's module (members
// train one after another: a population of P costs P times one member).
//
// Initial weights (`init`):
//   seed  (default) every member re-draws its parameters from its own seed
//         with the distributions PyTorch gives Linear and Conv layers
//         (torch.nn.Linear.reset_parameters, _ConvNd.reset_parameters):
//         in every submodule that has a parameter `weight` of two or more
//         dimensions, weight ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (that is
//         kaiming_uniform_ with a = sqrt(5)) and its `bias` ~ the same
//         uniform, with fan_in = weight.size(1) * prod(weight.size(2:))
//         (in_features; in_channels / groups * kernel size). A submodule of
//         type Embedding draws its weight N(0, 1) as PyTorch does. Every
//         other parameter (norm layers' scales and shifts, parameters
//         registered outside such submodules) keeps the file's value.
//   file  every member starts from the file's weights (a pretrained model).
//
// Training: the budget is drawn once; then up to `max_updates` minibatch
// steps per member, each member walking its own random permutation of its
// data epoch after epoch (as `mlp`), with its own optimizer: adam
// (torch::optim::Adam, L2 weight decay) or sgd (momentum 0.9, L2 weight
// decay). Loss: mean squared error for regression, cross-entropy of the
// outputs for classification. A member whose loss stops being finite is
// marked diverged and stops training.
//
// Continuing (can_continue): continue_training draws the new budget and runs
// up to `max_updates` more steps from the current weights with a fresh
// optimizer, so the transfer and continual protocols accept it.
//
// Validation (LearnerInfo::check_task, run by `hourglass validate` and `run`):
// the file must load as TorchScript, have a `forward` method, and map a batch
// [2, input_dim] of zeros to a tensor [2, output_dim].
#include <torch/script.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include "hourglass/core/error.h"
#include "hourglass/core/random.h"
#include "hourglass/core/tensor_util.h"
#include "hourglass/learners/learner.h"
#include "hourglass/learners/torchscript/torchscript.h"

namespace hg {

torch::jit::Module make_torchscript_mlp(int64_t input_dim, const std::vector<int64_t>& hidden,
                                        int64_t output_dim, uint64_t seed) {
  torch::jit::Module net("Mlp");
  std::vector<int64_t> widths{input_dim};
  widths.insert(widths.end(), hidden.begin(), hidden.end());
  widths.push_back(output_dim);
  std::string body = "    h = x\n";
  const size_t layers = widths.size() - 1;
  for (size_t l = 0; l < layers; ++l) {
    torch::jit::Module linear("Linear");
    const double bound = 1.0 / std::sqrt(static_cast<double>(widths[l]));
    const std::string name = "fc" + std::to_string(l);
    // Parameters require grad, as in a module saved from Python.
    linear.register_parameter(
        "weight",
        member_uniform({seed}, name + ".w", {widths[l + 1], widths[l]}, -bound, bound)[0]
            .clone()
            .set_requires_grad(true),
        false);
    linear.register_parameter(
        "bias",
        member_uniform({seed}, name + ".b", {widths[l + 1]}, -bound, bound)[0].clone().set_requires_grad(
            true),
        false);
    linear.define(
        "def forward(self, x):\n"
        "    return torch.matmul(x, self.weight.t()) + self.bias\n");
    net.register_module(name, linear);
    // forward by name: a module defined from C++ sees its submodules as plain
    // objects, which TorchScript cannot call (no __call__), only their methods.
    body += "    h = self." + name + ".forward(h)\n";
    if (l + 1 < layers) body += "    h = torch.relu(h)\n";
  }
  net.define("def forward(self, x):\n" + body + "    return h\n");
  return net;
}

// PyTorch's default initialization of Linear and Conv layers (see the top of
// this file), drawn with hg::Rng from one member's seed (the same numbers on
// every LibTorch version), one stream per parameter name.
void reinitialize_like_pytorch(torch::jit::Module& module, uint64_t seed) {
  torch::NoGradGuard no_grad;
  for (const auto& sub : module.named_modules()) {
    torch::jit::Module m = sub.value;
    at::Tensor weight, bias;
    for (const auto& p : m.named_parameters(/*recurse=*/false)) {
      if (p.name == "weight") weight = p.value;
      if (p.name == "bias") bias = p.value;
    }
    if (!weight.defined() || weight.dim() < 2) continue;
    const std::string label = "torchscript/" + sub.name + ".";
    const auto type_name = m.type()->name() ? m.type()->name()->name() : std::string();
    if (type_name == "Embedding") {
      weight.copy_(member_normal({seed}, label + "weight", weight.sizes().vec(), 1.0)[0]);
      continue;
    }
    int64_t fan_in = weight.size(1);
    for (int64_t d = 2; d < weight.dim(); ++d) fan_in *= weight.size(d);
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    weight.copy_(member_uniform({seed}, label + "weight", weight.sizes().vec(), -bound, bound)[0]);
    if (bias.defined())
      bias.copy_(member_uniform({seed}, label + "bias", bias.sizes().vec(), -bound, bound)[0]);
  }
}

namespace {

constexpr int64_t kPredictChunk = 8192;

std::string shape_string(at::IntArrayRef sizes) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < sizes.size(); ++i) os << (i ? ", " : "") << sizes[i];
  os << "]";
  return os.str();
}

std::string what_of(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) {
    std::string s = c->what_without_backtrace();
    // TorchScript errors carry a multi-line source excerpt: keep the first line.
    if (auto nl = s.find('\n'); nl != std::string::npos) s = s.substr(0, nl);
    return s;
  }
  return e.what();
}

// Loads the module, or throws InputError saying why (the message names the
// model as `model <path>`).
torch::jit::Module load_module(const std::string& path) {
  const std::string name = "model " + path;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw InputError(name + ": no such file (a TorchScript file saved by torch.jit.save)");
  if (std::filesystem::is_directory(path, ec))
    throw InputError(name + ": is a directory, not a TorchScript file");
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, c10::Device(c10::kCPU));
  } catch (const std::exception& e) {
    throw InputError(name + ": not a TorchScript file saved by torch.jit.save (" + what_of(e) +
                     ")");
  }
  if (!module.find_method("forward"))
    throw InputError(name + ": the module has no forward method");
  return module;
}

// forward(x) as a tensor, or std::runtime_error naming the model.
at::Tensor forward(torch::jit::Module& module, const at::Tensor& x, const std::string& path) {
  c10::IValue out;
  try {
    out = module.forward({x});
  } catch (const std::exception& e) {
    throw std::runtime_error("model " + path + ": forward on a batch " + shape_string(x.sizes()) +
                             " failed: " + what_of(e));
  }
  if (!out.isTensor())
    throw std::runtime_error("model " + path + ": forward returns a " + out.tagKind() +
                             ", not a tensor");
  return out.toTensor();
}

// The shape problem of forward's output for a batch of n, or "": `task` names
// the task ("task 'blobs'", "the task").
std::string check_output(const at::Tensor& y, int64_t n, const TaskShape& shape,
                         const std::string& path, const std::string& task) {
  if (y.dim() == 2 && y.size(0) == n && y.size(1) == shape.output_dim) return "";
  return "model " + path + " returns " + shape_string(y.sizes()) + ", " + task + " needs [" +
         std::to_string(n) + ", " + std::to_string(shape.output_dim) + "]";
}

class TorchScriptLearner final : public Learner {
 public:
  explicit TorchScriptLearner(const Params& p)
      : path_(p.path("model")),
        from_file_(p.choice("init") == "file"),
        adam_(p.choice("optimizer") == "adam"),
        lr_(p.real("lr")),
        weight_decay_(p.real("weight_decay")),
        batch_size_(p.integer("batch_size")),
        max_updates_(p.integer("max_updates")) {}

 protected:
  void do_train(TrainContext& ctx) override {
    shape_ = ctx.shape;
    torch::jit::Module file = load_module(path_);
    const auto P = static_cast<int64_t>(ctx.member_seeds.size());
    for (int64_t i = 0; i < P; ++i) {
      torch::jit::Module copy;
      {
        // Under grad mode deepcopy clones parameters that require grad into
        // non-leaf tensors, which an optimizer refuses.
        torch::NoGradGuard no_grad;
        copy = file.deepcopy();
      }
      if (!from_file_) reinitialize_like_pytorch(copy, mix_seed(ctx.member_seeds[i], "torchscript/init"));
      copy.to(ctx.device);
      members_.push_back(std::move(copy));
    }
    fit(ctx);
  }

  void do_continue(TrainContext& ctx) override { fit(ctx); }

  at::Tensor do_predict(const at::Tensor& x) override {
    std::vector<at::Tensor> out;
    for (size_t i = 0; i < members_.size(); ++i) {
      auto& m = members_[i];
      m.eval();
      std::vector<at::Tensor> chunks;
      const auto xi = x[static_cast<int64_t>(i)];
      for (int64_t s = 0; s < xi.size(0); s += kPredictChunk) {
        const auto chunk = xi.narrow(0, s, std::min(kPredictChunk, xi.size(0) - s));
        const auto y = forward(m, chunk, path_);
        if (auto problem = check_output(y, chunk.size(0), shape_, path_, "the task"); !problem.empty())
          throw std::runtime_error(problem);
        chunks.push_back(y.to(torch::kFloat));
      }
      out.push_back(chunks.empty() ? torch::empty({0, shape_.output_dim}, x.options())
                                   : torch::cat(chunks, 0));
    }
    return torch::stack(out, 0);
  }

 private:
  // Draws the whole budget, then up to max_updates steps per member from its
  // current weights with a fresh optimizer (nothing with a budget of 0).
  void fit(TrainContext& ctx) {
    const Batch data = ctx.data.draw(ctx.data.remaining());
    const int64_t n = data.x.size(1);
    if (n == 0) return;
    const bool classification = shape_.kind == TaskKind::kClassification;
    const int64_t batch = std::min(batch_size_, n);
    int64_t most_updates = 0;
    for (size_t i = 0; i < members_.size(); ++i) {
      auto& m = members_[i];
      m.train();
      std::vector<at::Tensor> params;
      for (const auto& p : m.parameters()) {
        p.set_requires_grad(true);
        params.push_back(p);
      }
      std::unique_ptr<torch::optim::Optimizer> opt;
      if (adam_)
        opt = std::make_unique<torch::optim::Adam>(
            params, torch::optim::AdamOptions(lr_).weight_decay(weight_decay_));
      else
        opt = std::make_unique<torch::optim::SGD>(
            params, torch::optim::SGDOptions(lr_).momentum(0.9).weight_decay(weight_decay_));
      const auto x = data.x[static_cast<int64_t>(i)].to(ctx.device);
      const auto y = data.y[static_cast<int64_t>(i)].to(ctx.device);
      std::vector<Rng> order{Rng(mix_seed(ctx.member_seeds[i], "torchscript/order"))};
      at::Tensor perm;
      int64_t cursor = n;
      int64_t step = 1;
      for (; step <= max_updates_; ++step) {
        if (cursor + batch > n) {
          perm = member_permutations(order, n)[0].to(ctx.device);
          cursor = 0;
        }
        const auto idx = perm.narrow(0, cursor, batch);
        cursor += batch;
        const auto out = forward(m, x.index_select(0, idx), path_);
        if (auto problem = check_output(out, batch, shape_, path_, "the task"); !problem.empty())
          throw std::runtime_error(problem);
        const auto target = y.index_select(0, idx);
        const auto loss = classification ? torch::cross_entropy_loss(out, target)
                                         : torch::mse_loss(out, target);
        opt->zero_grad();
        loss.backward();
        opt->step();
        if (!std::isfinite(loss.item<double>())) {
          ctx.diverged_at[i] = ctx.updates + step;
          break;
        }
      }
      most_updates = std::max(most_updates, std::min(step, max_updates_));
      for (const auto& p : m.parameters()) p.set_requires_grad(false);
    }
    ctx.updates += most_updates;
  }

  std::string path_;
  bool from_file_, adam_;
  double lr_, weight_decay_;
  int64_t batch_size_, max_updates_;
  TaskShape shape_;
  std::vector<torch::jit::Module> members_;
};

std::optional<ParamProblem> check_task(const Params& p, const TaskShape& shape,
                                       const std::string& task) {
  const std::string& path = p.path("model");
  if (path.empty())
    return ParamProblem{"model", "parameter 'model' is required: a TorchScript file saved by "
                                 "torch.jit.save, relative to the suite file"};
  try {
    torch::jit::Module m = load_module(path);
    m.eval();
    torch::NoGradGuard no_grad;
    const auto y = forward(m, torch::zeros({2, shape.input_dim}), path);
    if (auto problem = check_output(y, 2, shape, path, "task '" + task + "'"); !problem.empty())
      return ParamProblem{"model", problem};
  } catch (const std::exception& e) {
    return ParamProblem{"model", e.what()};
  }
  return std::nullopt;
}

LearnerInfo MakeInfo() {
  LearnerInfo info;
  info.name = "torchscript";
  info.doc = "a user's TorchScript module (torch.jit.save), trained with MSE or cross-entropy";
  info.kinds = {TaskKind::kRegression, TaskKind::kClassification};
  info.can_continue = true;
  info.params = {
      ParamSpec::Path("model", "",
                      "TorchScript file saved by torch.jit.save, relative to the suite file; "
                      "forward maps [n, input_dim] to [n, output_dim] (required)"),
      ParamSpec::Choice("init", "seed", {"seed", "file"},
                        "seed: each member re-draws Linear/Conv weights as PyTorch does, from "
                        "its own seed; file: keep the file's weights (pretrained)"),
      ParamSpec::Choice("optimizer", "adam", {"adam", "sgd"},
                        "adam, or sgd with momentum 0.9 (both with L2 weight decay)"),
      ParamSpec::Real("lr", 1e-3, 1e-8, 10.0, "learning rate"),
      ParamSpec::Real("weight_decay", 0.0, 0.0, 10.0, "L2 weight decay"),
      ParamSpec::Int("batch_size", 64, 1, 1'000'000, "minibatch size (capped at the budget)"),
      ParamSpec::Int("max_updates", 2000, 1, 100'000'000,
                     "optimizer steps per member: the compute cap, independent of the budget"),
  };
  info.make = [](const Params& p) { return std::make_unique<TorchScriptLearner>(p); };
  info.check_task = check_task;
  info.example = [](const TaskShape& shape, const std::string& dir) {
    const std::string path = dir + "/example-mlp.pt";
    make_torchscript_mlp(shape.input_dim, {32}, shape.output_dim, 7).save(path);
    return ParamOverrides{{"model", path}, {"max_updates", int64_t{50}}};
  };
  return info;
}

const LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
