// Internal to the protocols: one phase of training (a fresh budgeted sampler
// over one split) and scoring a learner on a fixed evaluation batch.
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hourglass/learners/learner.h"
#include "hourglass/results/results.h"
#include "hourglass/run/plan.h"
#include "hourglass/run/runner.h"  // blank_trials
#include "hourglass/suite/suite.h"
#include "hourglass/tasks/family.h"

namespace hg::protocols {

// What one phase did. `failure` is empty on success.
struct PhaseOutcome {
  int64_t used = 0;
  int64_t updates = 0;
  double seconds = 0.0;
  std::vector<std::optional<int64_t>> diverged_at;
  std::string failure;
};

// Trains `learner` on `budget` samples per member of `split`, drawn from the
// streams mix_seed(data_seeds[i], label), with member_seeds for the learner's
// own randomness: train() when `first`, else continue_training(). Catches
// what the learner throws (a refused draw too, even if the learner caught it)
// into `failure`.
PhaseOutcome train_phase(Learner& learner, bool first, const SupervisedSplit& split,
                         const std::vector<uint64_t>& data_seeds, const std::string& label,
                         const std::vector<uint64_t>& member_seeds, int64_t budget,
                         const c10::Device& device);

// A split's evaluation draws: eval_samples per member, from the streams
// mix_seed(instance_seeds[i], "eval/" + name), the same for every agent,
// budget and phase of a seed index.
Batch evaluation_batch(const SupervisedSplit& split, const std::vector<uint64_t>& instance_seeds,
                       const std::string& name, int64_t eval_samples);

// Scores the learner on `batch` of `split` and appends {name, raw,
// normalized} to every trial.
void score_split(Learner& learner, const SupervisedSplit& split, const Batch& batch,
                 const std::string& name, const c10::Device& device,
                 std::vector<TrialRecord>& trials);


// Adds a phase's compute to every trial; marks the trials failed (with
// `what` in front of the message) and returns false when it failed, and
// records a member's first divergence.
bool record_phase(const PhaseOutcome& phase, const std::string& what,
                  std::vector<TrialRecord>& trials);

// Members whose scores are not finite become diverged (when still ok).
void mark_not_finite(std::vector<TrialRecord>& trials);

// Every trial failed with "evaluation failed: <why>".
void mark_evaluation_failed(const std::string& why, std::vector<TrialRecord>& trials);

// The split's SupervisedSplit for a population (task params + overrides).
std::unique_ptr<SupervisedSplit> make_split(const FamilyInfo& family, const TaskSpec& task,
                                            const SplitSpec& split,
                                            const std::vector<uint64_t>& instance_seeds);

}  // namespace hg::protocols

namespace hg::protocols {

// The two protocols (protocols.h documents what they record).
std::vector<TrialRecord> run_transfer(const Suite& suite, const Population& population,
                                      const FamilyInfo& family, const LearnerInfo& learner,
                                      const c10::Device& device);
std::vector<TrialRecord> run_continual(const Suite& suite, const Population& population,
                                       const FamilyInfo& family, const LearnerInfo& learner,
                                       const c10::Device& device);

}  // namespace hg::protocols
