// The runner's side of interactive families: the budgeted environment a
// learner trains on, and scoring by evaluation episodes.
//
// Level ownership (Procgen's split, held by the harness): a member's `train`
// split plays the training levels of LevelSchedule::training (ids [0, levels),
// or every id below kHeldOutLevelBase when levels = 0); `test` and `ood/*`
// play held-out ids. evaluate_episodes checks that no held-out episode lands
// on a training level.
//
// Scoring of one split: every member plays `episodes` episodes, one per
// predetermined level (drawn from its own stream, the same for every agent
// and budget: paired comparisons), each copy until its first episode ends.
// raw = mean return; optimal = mean of the family's optimal return on those
// levels; trivial = mean of the family's exact random-policy return, or,
// where it has none, the return of uniformly random actions played on the
// same levels from a fixed seed.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hourglass/learners/learner.h"
#include "hourglass/tasks/family.h"
#include "hourglass/tasks/interactive.h"

namespace hg {

class BudgetedEnvironment final : public EnvironmentSource {
 public:
  BudgetedEnvironment(const FamilyInfo& family, Params params,
                      std::vector<uint64_t> instance_seeds, int64_t levels, int64_t budget,
                      c10::Device device);
  ~BudgetedEnvironment() override;

  int64_t remaining() const override { return budget_ - used_; }
  int64_t budget() const override { return budget_; }
  int64_t used() const { return used_; }
  EnvSpec spec() const override { return spec_; }
  at::Tensor reset(int64_t copies) override;
  Transition step(const at::Tensor& actions) override;

 private:
  const FamilyInfo& family_;
  Params params_;
  std::vector<uint64_t> instance_seeds_;
  LevelSchedule schedule_;
  EnvSpec spec_;
  int64_t budget_;
  c10::Device device_;
  int64_t used_ = 0;
  std::unique_ptr<Environment> env_;
  at::Tensor obs_, reward_, done_;  // host buffers the environment writes into
};

struct EpisodeScores {
  std::vector<double> raw, trivial, optimal;  // per member
};

// A policy for evaluation: obs [P, n, obs_dim] on the host -> actions [P, n].
using Policy = std::function<at::Tensor(const at::Tensor& obs)>;

// Scores one split (see above). `training_levels`: the `train` split (levels
// from the training set) or a held-out one; `levels` is the train split's.
EpisodeScores evaluate_episodes(const FamilyInfo& family, const Params& params,
                                const std::vector<uint64_t>& instance_seeds, bool training_levels,
                                int64_t levels, const std::string& split, const Policy& policy);

// selection: validation. Scores a swept configuration's `validation` split:
// `episodes` episodes per member on validation levels, which the learner did
// not train on: with `levels` > 0 the training levels' last
// `validation_levels` ids [levels - validation_levels, levels) (the learner
// trained on the others), with levels = 0 (unlimited) fresh ids of the
// training distribution from a stream of their own (the learner's episodes
// draw from 2^62 ids: a repeat is as likely as under any fresh draw).
EpisodeScores evaluate_validation_episodes(const FamilyInfo& family, const Params& params,
                                           const std::vector<uint64_t>& instance_seeds,
                                           int64_t levels, int64_t validation_levels,
                                           int64_t episodes, const Policy& policy);
std::vector<uint64_t> validation_level_ids(uint64_t instance_seed, int64_t levels,
                                           int64_t validation_levels, int64_t episodes);

// The level ids evaluate_episodes plays for member `instance_seed`.
std::vector<uint64_t> evaluation_level_ids(uint64_t instance_seed, bool training_levels,
                                           int64_t levels, const std::string& split,
                                           int64_t episodes);

}  // namespace hg
