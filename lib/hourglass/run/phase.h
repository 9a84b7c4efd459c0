// The phase engine: the one place where a learner is trained and scored.
//
// A protocol (standard, transfer, continual, ...) runs a population as a
// sequence of phases. Each phase
//   1. trains: a fresh learner (made inside the phase, so a factory that
//      throws fails the phase like training does) or a continuation of one
//      that trained before, under the phase's OWN budgeted source (a
//      BudgetedSampler over one supervised split, or a BudgetedEnvironment),
//      which the learner cannot draw past and which no later phase can reach;
//   2. is timed (wall seconds of the whole phase, learner construction
//      included) and its compute recorded in every trial (updates and
//      train_seconds add up over the phases, samples_used adds the phases
//      that count, see PhaseRecord);
//   3. catches whatever the learner throws (a refused draw too, even when
//      the learner caught the refusal and went on) into PhaseOutcome::failure
//      (LibTorch messages without their C++ backtrace), and records
//      per-member divergence (the update at which a member's loss stopped
//      being finite).
// Then the protocol scores the learner on a list of splits with
// score_split / score_episodes, each on evaluation draws that
// evaluation_draws makes.
//
// Failed and diverged trials look the same whichever protocol produced them:
//   failed    every trial of the population, status failed, message
//             "<phase>: <why>" (just "<why>" for a protocol's only phase),
//             and EVERY split the protocol would have scored present with
//             NaN scores (tables and comparisons show the population as lost
//             instead of leaving it out); an evaluation that throws fails the
//             trials the same way with "evaluation failed: <why>".
//   diverged  a member whose loss stopped being finite in some phase
//             ("<phase>: loss not finite at update N", diverged_at = N), or,
//             after scoring, one with a score that is not finite
//             ("prediction not finite (<split>)", "return not finite (...)").
//             Its scores are kept as they are.
//
// Evaluation draws come from per-member streams mix_seed(seeds[i], label)
// that the protocol names (evaluation_draws): transfer and continual draw
// from the members' INSTANCE seeds ("eval/<split>"), so every agent, budget
// and phase of seed index i is scored on the same inputs; standard draws from
// the TRIAL seeds ("split/<split>"), as it always has (moving it to instance
// seeds changes its test and ood scores by evaluation noise, which the
// committed baselines would flag).
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hourglass/learners/learner.h"
#include "hourglass/results/results.h"
#include "hourglass/run/plan.h"
#include "hourglass/run/protocol.h"
#include "hourglass/suite/suite.h"
#include "hourglass/tasks/family.h"

namespace hg {

class BudgetedSampler;
class BudgetedEnvironment;

// What a protocol's run reads from its ProtocolRun, unpacked once: the
// population's task and agent, the family and learner, the device.
struct RunParts {
  explicit RunParts(const ProtocolRun& run);
  const Suite& suite;
  const Population& population;
  const TaskSpec& task;
  const AgentSpec& agent;
  const FamilyInfo& family;
  const LearnerInfo& info;
  c10::Device device;
  // A fresh learner of the agent (its parameters resolved), for
  // train_phase / train_interactive_phase: called inside the phase, so that
  // what it throws fails the phase. std::logic_error when the learner has
  // no factory of that kind.
  std::unique_ptr<Learner> make_learner() const;
  std::unique_ptr<InteractiveLearner> make_interactive_learner() const;
};

// What one phase did. `failure` is empty on success.
struct PhaseOutcome {
  int64_t used = 0;      // samples (steps) each member drew
  int64_t updates = 0;   // optimizer steps
  double seconds = 0.0;  // wall time of the phase, for the whole population
  std::vector<std::optional<int64_t>> diverged_at;  // per member
  std::string failure;
};

using LearnerFactory = std::function<std::unique_ptr<Learner>()>;

// Trains a fresh learner: `learner = make()`, then learner->train(ctx) on
// `sampler`, with learner_seeds (one per member) for its own randomness.
// A budget above what the sampler's split can hand out (a finite table)
// fails the phase with a message naming `data` (e.g. "the train split of
// task 'x'").
PhaseOutcome train_phase(std::unique_ptr<Learner>& learner, const LearnerFactory& make,
                         BudgetedSampler& sampler, const TaskShape& shape,
                         const std::vector<uint64_t>& learner_seeds, const c10::Device& device,
                         const std::string& data = "the split");

// Continues training `learner` (Learner::continue_training) on `sampler`.
PhaseOutcome continue_phase(Learner& learner, BudgetedSampler& sampler, const TaskShape& shape,
                            const std::vector<uint64_t>& learner_seeds,
                            const c10::Device& device, const std::string& data = "the split");

// Interactive families: a fresh learner from `make`, trained on `env`.
PhaseOutcome train_interactive_phase(
    std::unique_ptr<InteractiveLearner>& learner,
    const std::function<std::unique_ptr<InteractiveLearner>()>& make, BudgetedEnvironment& env,
    const std::vector<uint64_t>& learner_seeds, const c10::Device& device);

// Continues training `learner` (InteractiveLearner::continue_training) on `env`.
PhaseOutcome continue_interactive_phase(InteractiveLearner& learner, BudgetedEnvironment& env,
                                        const std::vector<uint64_t>& learner_seeds,
                                        const c10::Device& device);

// How a phase shows in the trials.
struct PhaseRecord {
  // "pretraining on the source", "stage s1"; "" for a protocol's only phase.
  std::string what;
  // Whether the phase's samples count in samples_used.
  bool counts_samples = true;
};

// Adds the phase's compute to every trial; when it failed, marks every trial
// failed (see above; `all_splits` are the split names the protocol scores
// for this task) and returns false; else records each member's first
// divergence and returns true.
bool record_phase(const PhaseOutcome& phase, const PhaseRecord& record,
                  const std::vector<std::string>& all_splits, std::vector<TrialRecord>& trials);

// Every trial failed with `message` and a NaN score on every one of `all_splits`.
void mark_failed(const std::string& message, const std::vector<std::string>& all_splits,
                 std::vector<TrialRecord>& trials);

// A trial still ok with a score that is not finite becomes diverged with
// "<noun> not finite (<split>)" (noun: "prediction", "return").
void mark_not_finite(const std::string& noun, std::vector<TrialRecord>& trials);

// An exception's message; LibTorch's without its C++ backtrace.
std::string message_of(const std::exception& e);

// A split's evaluation draws for one population: `n` per member from the
// streams mix_seed(seeds[i], label) (see above for which seeds and label).
// When the split is a finite table (an ExamplePool) and `trained_on` is
// given, the draws are distinct items the member was NOT handed by
// `trained_on`, min(n, fewest left over the members) of them; an empty batch
// (x undefined) when none is left (the split is then not scored).
Batch evaluation_draws(const SupervisedSplit& split, const std::vector<uint64_t>& seeds,
                       const std::string& label, int64_t n,
                       const BudgetedSampler* trained_on = nullptr);

// Scores the learner's predictions on `batch` of `split` and appends
// {name, raw, normalized} to every trial (normalized with the split's
// per-member references). Throws what the learner or family throws.
void score_split(Learner& learner, const SupervisedSplit& split, const Batch& batch,
                 const std::string& name, const c10::Device& device,
                 std::vector<TrialRecord>& trials);

// selection: validation, interactive families: plays `episodes` episodes per
// member on the validation levels (evaluate_validation_episodes) and appends
// the scores as the `validation` split.
void score_validation_episodes(InteractiveLearner& learner, const FamilyInfo& family,
                               const Params& params, const std::vector<uint64_t>& instance_seeds,
                               int64_t levels, int64_t validation_levels, int64_t episodes,
                               const c10::Device& device, std::vector<TrialRecord>& trials);

// Interactive families: plays the split's evaluation episodes
// (run/episodes.h) with the learner's policy and appends the scores as
// `name`. The episodes are those of split `label` ("" = `name`): two scores
// with the same label play the same levels (deployment's frozen and learning
// scores of one chunk). Calls learner.begin_episodes(label) first, so that a
// stochastic policy's actions there depend on (member seed, label) only; a
// protocol that plays episodes with evaluate_episodes itself must do the same.
void score_episodes(InteractiveLearner& learner, const FamilyInfo& family, const Params& params,
                    const std::vector<uint64_t>& instance_seeds, bool training_levels,
                    int64_t levels, const std::string& name, const c10::Device& device,
                    std::vector<TrialRecord>& trials, const std::string& label = "");

// Runs `score` (a protocol's scoring of one phase); when it throws, fails the
// trials with "evaluation failed: <why>" and returns false.
bool guarded_evaluation(const std::function<void()>& score,
                        const std::vector<std::string>& all_splits,
                        std::vector<TrialRecord>& trials);

// The split's SupervisedSplit for a population: the family's parameters from
// the task's params then each of `layers` (a split's overrides), over the
// members' instance seeds.
std::unique_ptr<SupervisedSplit> make_split(const FamilyInfo& family, const TaskSpec& task,
                                            const std::vector<const ParamMap*>& layers,
                                            const std::vector<uint64_t>& instance_seeds);

// Trials of the population with names, budget and seeds filled in, nothing
// run yet (every protocol's starting point).
std::vector<TrialRecord> blank_trials(const Suite& suite, const Population& population);

// One seed per member for the learner's own randomness: mix_seed(seeds[i], label).
std::vector<uint64_t> member_seeds(const std::vector<uint64_t>& seeds, const std::string& label);

}  // namespace hg
