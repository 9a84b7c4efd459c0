// Families: C++ code that generates data from parameters, registered by name.
//
// A family never sees a learner. For one split of one task it builds, for a
// whole population at once, each member's instance (its hidden function,
// weights, class means) from that member's instance seed, under the split's
// parameters (task params + `train` overrides + the OOD split's overrides).
// Instances are drawn with the same random stream in every split, so a split
// that overrides only the input range keeps the member's hidden function.
//
// Who calls what: the runner builds one SupervisedSplit per split, hands the
// `train` one to the BudgetedSampler (the only way a learner gets data), and
// scores predictions with `score` and `reference` on every split.
//
// Two kinds of supervised data:
//   * regression: y holds targets, predictions are values;
//   * classification: y holds class ids, predictions are one score (a logit,
//     a vote count) per class; the predicted class is the argmax.
// And two kinds of split:
//   * a distribution (every family by default): `sample` draws fresh
//     examples, with replacement, as many as asked;
//   * a finite table of distinct examples (modular arithmetic's p x p pairs):
//     the split also exposes an ExamplePool, and the harness, not the family,
//     decides which examples a member sees. See ExamplePool below.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hourglass/core/params.h"
#include "hourglass/core/random.h"
#include "hourglass/core/registry.h"

namespace hg {

class Environment;  // interactive families: tasks/interactive.h

enum class TaskKind { kRegression, kClassification, kInteractive };

// "regression" | "classification" | "interactive": the spelling used in specs
// and docs.
std::string to_string(TaskKind kind);

struct TaskShape {
  TaskKind kind = TaskKind::kRegression;
  int64_t input_dim = 1;
  // Regression: the number of targets. Classification: the number of
  // classes C (class ids are 0..C-1; predictions have C scores).
  int64_t output_dim = 1;
  // When > 0, every input is input_dim / one_hot_block one-hot vectors of
  // this size, concatenated (modular arithmetic: two operands, block p).
  // Learners may embed such inputs (mlp's `embedding`); 0 = dense inputs.
  int64_t one_hot_block = 0;
};

// Labelled examples for every member. Tensors live on the host; the sampler
// moves them to the training device.
//   x: [P, n, input_dim] float32
//   y: regression      [P, n, output_dim] float32 targets
//      classification  [P, n] int64 class ids in [0, output_dim)
struct Batch {
  at::Tensor x;
  at::Tensor y;
};

// Per-member references of one split: a score of trivial[i] normalizes to 0,
// optimal[i] to 1. trivial[i] < optimal[i] for every member.
struct Reference {
  std::vector<double> trivial;
  std::vector<double> optimal;
};

class ExamplePool;

class SupervisedSplit {
 public:
  virtual ~SupervisedSplit() = default;

  virtual TaskShape shape() const = 0;
  int64_t population() const { return population_; }

  // Draws n examples for every member; member i uses streams[i] only, so its
  // data do not depend on the other members. streams.size() == P. A split
  // with a pool draws n distinct examples of the pool (n <= its size) and
  // throws std::invalid_argument past that.
  virtual Batch sample(int64_t n, std::vector<Rng>& streams) const = 0;

  // Raw score per member, higher is better. prediction: [P, n, output_dim]
  // on any device; batch as returned by sample().
  virtual std::vector<double> score(const at::Tensor& prediction, const Batch& batch) const = 0;

  virtual Reference reference() const = 0;

  // The split's finite table of examples, or nullptr for a distribution.
  virtual const ExamplePool* pool() const { return nullptr; }

 protected:
  explicit SupervisedSplit(int64_t population) : population_(population) {}

 private:
  int64_t population_;
};

// A split whose examples are a finite set of distinct items (a table), each
// identified by an integer id that names the same item in every split of a
// task (modular arithmetic: id = a * p + b). With a pool, the harness owns
// which items each member sees:
//   * the budget counts distinct items: the BudgetedSampler shuffles each
//     member's `train` items once and hands them out in that order, without
//     replacement; a budget above the number of items is an error;
//   * `test` is scored on the member's `train` items it was not handed, and
//     every OOD split on its own items minus the ones the member trained on,
//     so no split ever scores an item the member trained on;
//   * evaluation takes min(eval_samples, items left) distinct items per
//     member (all of them when few enough), and skips a split with none left.
// A family with a pool keeps the ids of a task's splits comparable: parameters
// that change what an id means (the modulus p) must not change between splits
// (its FamilyInfo::check_split says so).
class ExamplePool {
 public:
  virtual ~ExamplePool() = default;
  // Ids of member i's items in this split, ascending. Members may differ
  // (held-out operands are drawn per seed).
  virtual std::vector<int64_t> items(int64_t member) const = 0;
  // The examples with these ids: ids [P, n] int64 on the host, row i holding
  // ids of member i's items.
  virtual Batch gather(const at::Tensor& ids) const = 0;
};

// Draws n distinct items of every member's pool (a uniform random subset in a
// random order, from streams[i]) and gathers them: the `sample` of a split
// with a pool. Throws std::invalid_argument when a member has fewer than n.
Batch sample_from_pool(const ExamplePool& pool, int64_t population, int64_t n,
                       std::vector<Rng>& streams);

// Regression splits score minus the mean squared error (over examples and
// output dimensions), computed in double precision.
class RegressionSplit : public SupervisedSplit {
 public:
  std::vector<double> score(const at::Tensor& prediction, const Batch& batch) const final;

 protected:
  using SupervisedSplit::SupervisedSplit;
};

// Classification splits score accuracy: the fraction of examples whose
// argmax over the C scores equals the class id. Ties go to the lowest class
// id (so a constant prediction means class 0). A member whose prediction
// holds a NaN scores NaN (the runner records it as diverged).
class ClassificationSplit : public SupervisedSplit {
 public:
  std::vector<double> score(const at::Tensor& prediction, const Batch& batch) const final;

 protected:
  using SupervisedSplit::SupervisedSplit;
};

// An OOD split that the family's docs suggest, and that the conformance
// tests build: `overrides` go on top of FamilyInfo::example_params.
struct SuggestedSplit {
  std::string name;
  ParamOverrides overrides;
  std::string doc;  // one line: what shifts
};

struct FamilyInfo {
  std::string name;
  std::string doc;  // one line
  TaskKind kind = TaskKind::kRegression;
  std::vector<ParamSpec> params;
  // Supervised kinds: builds one split for a population. `params` are the split's resolved
  // parameters; `instance_seeds[i]` seeds member i's instance. Throws
  // InputError for parameters that check_split would reject.
  std::function<std::unique_ptr<SupervisedSplit>(const Params& params,
                                                 const std::vector<uint64_t>& instance_seeds)>
      make_split;

  // Optional. Constraints beyond each parameter's own range, between
  // parameters or between a split and `train`: "" when `split` is fine, else
  // what is wrong ("rotation needs dim >= 2"). The suite loader calls it for
  // the train split (split == train) and for every OOD split.
  std::function<std::string(const Params& split, const Params& train)> check_split;
  // Optional. The largest budget the train split allows (the size of a finite
  // pool); nullopt = unbounded. The loader rejects larger budgets.
  std::function<std::optional<int64_t>(const Params& train)> max_budget;

  // A task the docs and `hourglass list families` suggest, built by the
  // conformance tests: task parameters over the defaults, and OOD splits.
  ParamOverrides example_params;
  std::vector<SuggestedSplit> suggested_ood;
  // kInteractive: builds one split's environment with `copies` parallel
  // copies per member (tasks/interactive.h).
  std::function<std::unique_ptr<Environment>(const Params& params,
                                             const std::vector<uint64_t>& instance_seeds,
                                             int64_t copies)>
      make_environment;
};

template <>
struct RegistryNoun<FamilyInfo> {
  static constexpr const char* value = "family";
};
using FamilyRegistry = Registry<FamilyInfo>;
using FamilyRegistrar = Registrar<FamilyInfo>;

}  // namespace hg
