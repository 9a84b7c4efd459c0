// protocol: continual (continual.h). One learner through the stream, every
// phase through the phase engine (run/phase.h) with its own budgeted sampler.
#include <torch/torch.h>

#include "hourglass/core/random.h"
#include "hourglass/learners/learner.h"
#include "hourglass/protocols/builtin.h"
#include "hourglass/protocols/continual/continual.h"
#include "hourglass/report/text_report.h"
#include "hourglass/run/budgeted_sampler.h"
#include "hourglass/run/episodes.h"
#include "hourglass/run/phase.h"
#include "hourglass/tasks/family.h"

namespace hg {
namespace {

// Interactive families: the same stream on budgeted environments, one per
// stage (the task's parameters under the stage's overrides), stepped with the
// trial seeds; every score is the return on fresh episodes (held-out levels)
// of the instance seeds, as `test` is under the standard protocol.
std::vector<TrialRecord> run_continual_interactive(const ProtocolRun& run) {
  const RunParts r(run);
  const auto splits = continual_split_names(r.task);
  std::vector<TrialRecord> trials = blank_trials(r.suite, r.population);
  const auto learner_seeds = member_seeds(r.population.trial_seeds, "learner");
  std::vector<Params> stages;
  for (const auto& stage : r.task.stream)
    stages.push_back(resolve_params(r.family.params, {&r.task.params, &stage.overrides}));
  auto score_all = [&](InteractiveLearner& learner, const std::string& prefix) {
    return guarded_evaluation(
        [&] {
          for (size_t j = 0; j < stages.size(); ++j)
            score_episodes(learner, r.family, stages[j], r.population.instance_seeds, false,
                           stages[j].integer("levels"), prefix + r.task.stream[j].name, r.device,
                           trials);
        },
        splits, trials);
  };

  std::unique_ptr<InteractiveLearner> learner;
  BudgetedEnvironment initializing(r.family, stages[0], r.population.trial_seeds,
                                   stages[0].integer("levels"), 0, r.device);
  auto phase = train_interactive_phase(
      learner,
      [&] { return r.make_interactive_learner(); },
      initializing, learner_seeds, r.device);
  if (!record_phase(phase, {"initializing", true}, splits, trials)) return trials;
  if (!score_all(*learner, kUntrainedPrefix)) return trials;
  for (size_t i = 0; i < stages.size(); ++i) {
    const std::string& name = r.task.stream[i].name;
    BudgetedEnvironment stage(r.family, stages[i], r.population.trial_seeds,
                              stages[i].integer("levels"), r.population.budget, r.device);
    phase = continue_interactive_phase(*learner, stage, learner_seeds, r.device);
    if (!record_phase(phase, {"stage " + name, true}, splits, trials)) return trials;
    if (!score_all(*learner, kAfterPrefix + name + "/")) return trials;
  }
  mark_not_finite("return", trials);
  return trials;
}

std::vector<TrialRecord> run_continual(const ProtocolRun& run) {
  if (run.family.kind == TaskKind::kInteractive) return run_continual_interactive(run);
  const RunParts r(run);
  const auto& instances = r.population.instance_seeds;
  const auto splits = continual_split_names(r.task);
  std::vector<TrialRecord> trials = blank_trials(r.suite, r.population);
  const auto learner_seeds = member_seeds(r.population.trial_seeds, "learner");

  std::vector<std::unique_ptr<SupervisedSplit>> stages;
  std::vector<Batch> evals;
  if (!guarded_evaluation(
          [&] {
            for (const auto& stage : r.task.stream) {
              stages.push_back(make_split(r.family, r.task, {&stage.overrides}, instances));
              evals.push_back(evaluation_draws(*stages.back(), instances, "eval/" + stage.name,
                                               r.suite.eval_samples));
            }
          },
          splits, trials))
    return trials;
  auto score_all = [&](Learner& learner, const std::string& prefix) {
    return guarded_evaluation(
        [&] {
          for (size_t j = 0; j < stages.size(); ++j)
            score_split(learner, *stages[j], evals[j], prefix + r.task.stream[j].name, r.device,
                        trials);
        },
        splits, trials);
  };

  std::unique_ptr<Learner> learner;
  BudgetedSampler initializing(*stages[0], r.population.trial_seeds, 0, r.device, "train/untrained");
  auto phase = train_phase(
      learner, [&] { return r.make_learner(); },
      initializing, stages[0]->shape(), learner_seeds, r.device);
  if (!record_phase(phase, {"initializing", true}, splits, trials)) return trials;
  if (!score_all(*learner, kUntrainedPrefix)) return trials;
  for (size_t i = 0; i < stages.size(); ++i) {
    const std::string& name = r.task.stream[i].name;
    BudgetedSampler stage(*stages[i], r.population.trial_seeds, r.population.budget, r.device,
                          "train/" + name);
    phase = continue_phase(*learner, stage, stages[i]->shape(), learner_seeds, r.device);
    if (!record_phase(phase, {"stage " + name, true}, splits, trials)) return trials;
    if (!score_all(*learner, kAfterPrefix + name + "/")) return trials;
  }
  mark_not_finite("prediction", trials);
  return trials;
}

ProtocolInfo MakeInfo() {
  ProtocolInfo info = continual_protocol_without_run();  // protocols/builtin.h
  info.run = run_continual;
  return info;
}

const ProtocolRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
