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
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
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
  int64_t output_dim = 1;  // regression targets; classes for classification
};

// Labelled examples for every member. Tensors live on the host (float32);
// the sampler moves them to the training device.
//   x: [P, n, input_dim]
//   y: [P, n, output_dim] (regression)
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

class SupervisedSplit {
 public:
  virtual ~SupervisedSplit() = default;

  virtual TaskShape shape() const = 0;
  int64_t population() const { return population_; }

  // Draws n fresh examples for every member; member i uses streams[i] only,
  // so its data do not depend on the other members. streams.size() == P.
  virtual Batch sample(int64_t n, std::vector<Rng>& streams) const = 0;

  // Raw score per member, higher is better. prediction: [P, n, output_dim]
  // on any device; batch as returned by sample().
  virtual std::vector<double> score(const at::Tensor& prediction, const Batch& batch) const = 0;

  virtual Reference reference() const = 0;

 protected:
  explicit SupervisedSplit(int64_t population) : population_(population) {}

 private:
  int64_t population_;
};

// Regression splits score minus the mean squared error (over examples and
// output dimensions), computed in double precision.
class RegressionSplit : public SupervisedSplit {
 public:
  std::vector<double> score(const at::Tensor& prediction, const Batch& batch) const final;

 protected:
  using SupervisedSplit::SupervisedSplit;
};

struct FamilyInfo {
  std::string name;
  std::string doc;  // one line
  TaskKind kind = TaskKind::kRegression;
  std::vector<ParamSpec> params;
  // Supervised kinds: builds one split for a population. `params` are the
  // split's resolved parameters; `instance_seeds[i]` seeds member i's instance.
  std::function<std::unique_ptr<SupervisedSplit>(const Params& params,
                                                 const std::vector<uint64_t>& instance_seeds)>
      make_split;
  // kInteractive: builds one split's environment with `copies` parallel
  // copies per member (tasks/interactive.h).
  std::function<std::unique_ptr<Environment>(const Params& params,
                                             const std::vector<uint64_t>& instance_seeds,
                                             int64_t copies)>
      make_environment;
};

using FamilyRegistry = Registry<FamilyInfo>;
using FamilyRegistrar = Registrar<FamilyInfo>;

}  // namespace hg
