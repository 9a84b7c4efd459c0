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
// the protected hooks that each learner implements. Under the transfer and
// continual protocols (run/protocols.h) the runner then calls
// continue_training() with a fresh TrainContext (new data, new budget) and
// predicts again, as many times as there are phases; only learners that
// declare LearnerInfo::can_continue are given such suites.
//
// Interactive families have their own base, InteractiveLearner: train() steps
// a budgeted EnvironmentSource (the budget counts environment steps per
// member), act() picks actions for evaluation episodes, and
// continue_training() trains further on another environment. A learner may
// serve both kinds by registering both factories.
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
#include "hourglass/tasks/interactive.h"

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

// Records divergence: `losses` holds one row per update, [R, P] for updates
// last_update - R + 1 .. last_update (or [P] for last_update alone), on any
// device; a member whose entry is not finite is marked diverged at the first
// such update, unless it was marked before. Every learner's divergence check.
void mark_diverged_members(const at::Tensor& losses, int64_t last_update,
                           std::vector<std::optional<int64_t>>& diverged_at);

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
  // A budget of 0 is allowed: the learner then only initializes (its
  // predictions are those of the untrained learner).
  void train(TrainContext& ctx);
  // Trains further from the current state (weights, not the optimizer's
  // moments) on a new context: new data and a new budget (0: nothing
  // changes), the same population size and task shape. Only after train(),
  // and only for learners with LearnerInfo::can_continue. Sizes
  // ctx.diverged_at to P before calling do_continue.
  void continue_training(TrainContext& ctx);
  // x: [P, n, input_dim] on the training device -> [P, n, output_dim], under
  // no-grad: regression values, or for classification one score per class
  // (logits, votes; the argmax is the predicted class). Only valid after
  // train().
  at::Tensor predict(const at::Tensor& x);

 protected:
  virtual void do_train(TrainContext& ctx) = 0;
  virtual at::Tensor do_predict(const at::Tensor& x) = 0;
  // Learners that declare can_continue override this; the default throws
  // std::logic_error (the suite loader refuses such learners beforehand, so
  // reaching it is a harness bug).
  virtual void do_continue(TrainContext& ctx);

 private:
  bool trained_ = false;
  TaskShape shape_;
  int64_t population_ = 0;
};

// ---- Interactive families --------------------------------------------------

// One step of every copy, on the training device:
//   obs    [P, E, obs_dim] float: after the step (a new episode's first
//          observation where done)
//   reward [P, E] float: the step's reward
//   done   [P, E] bool: the step ended its episode (goal, failure or limit)
struct Transition {
  at::Tensor obs;
  at::Tensor reward;
  at::Tensor done;
};

// The budgeted environment of one population's `train` split, owned by the
// runner: the budget is environment steps per member, and one step() of E
// copies costs E. It never steps past the budget.
class EnvironmentSource {
 public:
  virtual ~EnvironmentSource() = default;
  virtual int64_t remaining() const = 0;  // steps each member may still take
  virtual int64_t budget() const = 0;
  virtual EnvSpec spec() const = 0;
  // (Re)starts `copies` parallel copies per member on training levels and
  // returns their first observations [P, copies, obs_dim]. Costs nothing.
  virtual at::Tensor reset(int64_t copies) = 0;
  // actions: [P, E] integer ids (any device). Throws BudgetExceeded when
  // E > remaining() (nothing is stepped), std::logic_error before reset().
  virtual Transition step(const at::Tensor& actions) = 0;
};

struct InteractiveTrainContext {
  EnvironmentSource& env;
  EnvSpec spec;
  c10::Device device;
  std::vector<uint64_t> member_seeds;  // as in TrainContext

  // Filled by the learner:
  int64_t updates = 0;
  std::vector<std::optional<int64_t>> diverged_at;
};

// A learner for interactive families: trains by stepping the budgeted
// environment, then acts on observations.
class InteractiveLearner {
 public:
  virtual ~InteractiveLearner() = default;

  // Sizes ctx.diverged_at to P and calls do_train.
  void train(InteractiveTrainContext& ctx);
  // Trains further from the current state on a new budgeted environment
  // (other contexts or levels, a new budget; 0: nothing changes), the same
  // population size, observation size and number of actions. Only after
  // train(), and only for learners with LearnerInfo::can_continue. What
  // carries over is the learner's to say (docs/learners.md): the built-in
  // ones keep their networks' weights and start everything else afresh
  // (optimizer moments, replay buffer, exploration schedule), as the
  // supervised learners do. Sizes ctx.diverged_at to P, calls do_continue.
  void continue_training(InteractiveTrainContext& ctx);
  // obs [P, n, obs_dim] on the training device -> actions [P, n] int64 in
  // [0, num_actions), under no-grad. Only valid after train(). A stochastic
  // policy draws from the learner's own per-member streams (deterministic).
  at::Tensor act(const at::Tensor& obs);
  // Called by the phase engine (run/phase.h, score_episodes) before it plays
  // one split's evaluation episodes; only valid after train(). Calls
  // do_begin_episodes with the member seeds of train(). Why: the members
  // play in lockstep until the population's LAST episode ends, so a policy
  // that draws from per-member streams draws, on each split, as often as the
  // longest episode of ANY member asks; the state its streams carried into
  // the next split would depend on the other members (and on which splits
  // were scored before). A stochastic policy restarts its streams here from
  // (member seed, split), so that member i's actions on a split depend on
  // its own seed, its own observations and the split's name only.
  void begin_episodes(const std::string& split);

 protected:
  virtual void do_train(InteractiveTrainContext& ctx) = 0;
  virtual at::Tensor do_act(const at::Tensor& obs) = 0;
  // Learners that declare can_continue override this; the default throws
  // std::logic_error (the loader refuses such learners beforehand).
  virtual void do_continue(InteractiveTrainContext& ctx);
  // See begin_episodes. The default does nothing: right for deterministic
  // policies (greedy dqn) and for agents whose randomness is not ours
  // (external). `member_seeds` are train()'s InteractiveTrainContext's.
  virtual void do_begin_episodes(const std::vector<uint64_t>& member_seeds,
                                 const std::string& split);

 private:
  bool trained_ = false;
  EnvSpec spec_;
  int64_t population_ = 0;
  std::vector<uint64_t> member_seeds_;
};

struct LearnerInfo {
  std::string name;
  std::string doc;  // one line
  std::vector<TaskKind> kinds;  // what it can train on
  std::vector<ParamSpec> params;
  // For supervised kinds.
  std::function<std::unique_ptr<Learner>(const Params& params)> make;
  // For TaskKind::kInteractive.
  std::function<std::unique_ptr<InteractiveLearner>(const Params& params)> make_interactive;
  // Whether continue_training works (train further from the current state
  // on new data), for every kind the learner trains on: protocols that
  // declare needs_continue (run/protocol.h) accept only such learners.
  bool can_continue = false;
  // Optional: the estimated compute to train ONE member on `budget` samples
  // with `params` (resolved), in relative units: one example through one
  // layer of width 64, forward and backward, costs about 1. Not calibrated to
  // seconds: a caller that needs seconds times one unit on its machine.
  // Unset means `budget` (one unit per sample). See learner_cost.
  std::function<double(const Params& params, int64_t budget)> cost = nullptr;
  // Whether it needs image inputs (TaskShape::image, a family with
  // FamilyInfo::image_inputs), as a convolutional network does; flat
  // learners take any input, images included, as rows of input_dim values.
  bool images_only = false;
  // Whether it is a trivial learner: it scores the trivial reference by
  // construction (predict the mean, act at random), so it is a floor to
  // compare against, never the default reference of the practice multiplier
  // (`hourglass report`, docs/metrics.md).
  bool trivial = false;
  // Optional: checks the agent's resolved parameters against the shape of a
  // task it will train on, before anything runs (`hourglass validate` and
  // `run`): nullopt when fine, else the parameter at fault and what is wrong,
  // naming the task as `task` ("model net.pt returns [2, 3], task 'blobs'
  // needs [2, 4]"). For interactive families, shape.kind is kInteractive,
  // input_dim the observation size and output_dim the number of actions.
  // Errors are located at the parameter's value in the suite.
  std::function<std::optional<ParamProblem>(const Params& params, const TaskShape& shape,
                                            const std::string& task)>
      check_task = nullptr;
  // Optional, for learners that train something the user brings (a model
  // file, an agent program): writes a working example of it for a task of
  // this shape into the existing directory `dir` and returns the agent
  // parameters that use it. The conformance tests train every learner this
  // way; a learner with required parameters and no example is left out of
  // them (and must say where it is tested instead).
  std::function<ParamOverrides(const TaskShape& shape, const std::string& dir)> example = nullptr;
};

// The estimated compute of a population of `members` trained on `budget`
// samples each: members x (budget + cost(params, budget)), the first term
// for drawing and scoring the data (LearnerInfo::cost for the units). Only
// ratios between populations are meaningful. run/shard.cpp balances shards
// with it.
double learner_cost(const std::function<double(const Params&, int64_t)>& cost,
                    const Params& params, int64_t budget, int64_t members);

// The cost of minibatch learners (LearnerInfo::cost): max_updates x
// min(batch_size, budget) x max(1, sum of `hidden` widths / 64). Needs
// integer parameters max_updates and batch_size; `hidden` is optional.
double minibatch_cost(const Params& params, int64_t budget);

// Where learners may keep files of the current run (an external agent's
// stderr): the run's output folder, set by `hourglass run` before any
// population starts; "" (the default, tests) means nowhere. Process-wide on
// purpose: it is a property of the run, not of any population, and keeps the
// runner's signatures unchanged.
void set_learner_log_dir(const std::string& dir);
std::string learner_log_dir();

template <>
struct RegistryNoun<LearnerInfo> {
  static constexpr const char* value = "learner";
};
using LearnerRegistry = Registry<LearnerInfo>;
using LearnerRegistrar = Registrar<LearnerInfo>;

}  // namespace hg
