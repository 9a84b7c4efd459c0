// Learners: C++ code that learns, registered by name.
//
// A learner trains a whole population (P members, one per seed) in one
// computation: parameters are stacked [P, ...] tensors, never a loop over
// seeds. It sees data only through the TrainContext's SampleSource, which the
// runner owns: the source counts what it hands out and refuses (throws
// BudgetExceeded) to go past the budget. It never sees `test` or `ood`.
//
// Who calls what: the runner calls the public, non-virtual train() once and
// then predict() on every split; they check arguments and bookkeeping and call
// the protected hooks that each learner implements.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hourglass/core/params.h"
#include "hourglass/core/registry.h"
#include "hourglass/tasks/family.h"

namespace hg {

// The budgeted stream of training examples of one population.
class SampleSource {
 public:
  virtual ~SampleSource() = default;
  // Samples each member may still draw.
  virtual int64_t remaining() const = 0;
  virtual int64_t budget() const = 0;
  // n fresh examples per member, on the training device (distinct items,
  // never one handed out before, when the split is a finite table). Throws
  // BudgetExceeded when n > remaining(): never silently more data.
  virtual Batch draw(int64_t n) = 0;
};

struct TrainContext {
  SampleSource& data;
  TaskShape shape;
  c10::Device device;
  // One seed per member for the learner's own randomness (initial weights,
  // minibatch order, random features); draw with hg::Rng.
  std::vector<uint64_t> member_seeds;

  // Filled by the learner:
  int64_t updates = 0;  // optimizer steps (a closed-form solve counts 1)
  // Per member: the update at which its loss stopped being finite, if it did.
  std::vector<std::optional<int64_t>> diverged_at;

  // Records, at update `step`, every member whose entry of `per_member` ([P],
  // a loss or a gradient norm, any device) is not finite; a member keeps the
  // first update it was recorded at.
  void mark_diverged(const at::Tensor& per_member, int64_t step);
};

class Learner {
 public:
  virtual ~Learner() = default;

  // Trains the population. Sizes ctx.diverged_at to P before calling do_train.
  void train(TrainContext& ctx);
  // x: [P, n, input_dim] on the training device -> [P, n, output_dim], under
  // no-grad: regression values, or for classification one score per class
  // (logits, votes; the argmax is the predicted class). Only valid after
  // train().
  at::Tensor predict(const at::Tensor& x);

 protected:
  virtual void do_train(TrainContext& ctx) = 0;
  virtual at::Tensor do_predict(const at::Tensor& x) = 0;

 private:
  bool trained_ = false;
  TaskShape shape_;
  int64_t population_ = 0;
};

struct LearnerInfo {
  std::string name;
  std::string doc;  // one line
  std::vector<TaskKind> kinds;  // what it can train on
  std::vector<ParamSpec> params;
  std::function<std::unique_ptr<Learner>(const Params& params)> make;
};

using LearnerRegistry = Registry<LearnerInfo>;
using LearnerRegistrar = Registrar<LearnerInfo>;

}  // namespace hg
