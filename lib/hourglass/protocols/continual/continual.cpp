// protocol: continual (continual.h). One learner through the stream, every
// phase through the phase engine (run/phase.h) with its own budgeted sampler.
#include <torch/torch.h>

#include "hourglass/core/random.h"
#include "hourglass/learners/learner.h"
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
  const Suite& suite = run.suite;
  const Population& population = run.population;
  const TaskSpec& task = suite.tasks.at(population.task);
  const AgentSpec& agent = suite.agents.at(population.agent);
  const FamilyInfo& family = run.family;
  const LearnerInfo& info = run.learner;
  const c10::Device device(run.device);
  const auto splits = continual_split_names(task);
  std::vector<TrialRecord> trials = blank_trials(suite, population);
  const auto learner_seeds = member_seeds(population.trial_seeds, "learner");
  std::vector<Params> stages;
  for (const auto& stage : task.stream)
    stages.push_back(resolve_params(family.params, {&task.params, &stage.overrides}));
  auto score_all = [&](InteractiveLearner& learner, const std::string& prefix) {
    return guarded_evaluation(
        [&] {
          for (size_t j = 0; j < stages.size(); ++j)
            score_episodes(learner, family, stages[j], population.instance_seeds, false,
                           stages[j].integer("levels"), prefix + task.stream[j].name, device,
                           trials);
        },
        splits, trials);
  };

  std::unique_ptr<InteractiveLearner> learner;
  BudgetedEnvironment initializing(family, stages[0], population.trial_seeds,
                                   stages[0].integer("levels"), 0, device);
  auto phase = train_interactive_phase(
      learner,
      [&] {
        if (!info.make_interactive)
          throw std::logic_error("learner '" + info.name + "' has no interactive factory");
        return info.make_interactive(resolve_params(info.params, {&agent.params}));
      },
      initializing, learner_seeds, device);
  if (!record_phase(phase, {"initializing", true}, splits, trials)) return trials;
  if (!score_all(*learner, kUntrainedPrefix)) return trials;
  for (size_t i = 0; i < stages.size(); ++i) {
    const std::string& name = task.stream[i].name;
    BudgetedEnvironment stage(family, stages[i], population.trial_seeds,
                              stages[i].integer("levels"), population.budget, device);
    phase = continue_interactive_phase(*learner, stage, learner_seeds, device);
    if (!record_phase(phase, {"stage " + name, true}, splits, trials)) return trials;
    if (!score_all(*learner, kAfterPrefix + name + "/")) return trials;
  }
  mark_not_finite("return", trials);
  return trials;
}

std::vector<TrialRecord> run_continual(const ProtocolRun& run) {
  if (run.family.kind == TaskKind::kInteractive) return run_continual_interactive(run);
  const Suite& suite = run.suite;
  const Population& population = run.population;
  const TaskSpec& task = suite.tasks.at(population.task);
  const AgentSpec& agent = suite.agents.at(population.agent);
  const FamilyInfo& family = run.family;
  const LearnerInfo& info = run.learner;
  const c10::Device device(run.device);
  const auto& instances = population.instance_seeds;
  const auto splits = continual_split_names(task);
  std::vector<TrialRecord> trials = blank_trials(suite, population);
  const auto learner_seeds = member_seeds(population.trial_seeds, "learner");

  std::vector<std::unique_ptr<SupervisedSplit>> stages;
  std::vector<Batch> evals;
  if (!guarded_evaluation(
          [&] {
            for (const auto& stage : task.stream) {
              stages.push_back(make_split(family, task, {&stage.overrides}, instances));
              evals.push_back(evaluation_draws(*stages.back(), instances, "eval/" + stage.name,
                                               suite.eval_samples));
            }
          },
          splits, trials))
    return trials;
  auto score_all = [&](Learner& learner, const std::string& prefix) {
    return guarded_evaluation(
        [&] {
          for (size_t j = 0; j < stages.size(); ++j)
            score_split(learner, *stages[j], evals[j], prefix + task.stream[j].name, device,
                        trials);
        },
        splits, trials);
  };

  std::unique_ptr<Learner> learner;
  BudgetedSampler initializing(*stages[0], population.trial_seeds, 0, device, "train/untrained");
  auto phase = train_phase(
      learner, [&] { return info.make(resolve_params(info.params, {&agent.params})); },
      initializing, stages[0]->shape(), learner_seeds, device);
  if (!record_phase(phase, {"initializing", true}, splits, trials)) return trials;
  if (!score_all(*learner, kUntrainedPrefix)) return trials;
  for (size_t i = 0; i < stages.size(); ++i) {
    const std::string& name = task.stream[i].name;
    BudgetedSampler stage(*stages[i], population.trial_seeds, population.budget, device,
                          "train/" + name);
    phase = continue_phase(*learner, stage, stages[i]->shape(), learner_seeds, device);
    if (!record_phase(phase, {"stage " + name, true}, splits, trials)) return trials;
    if (!score_all(*learner, kAfterPrefix + name + "/")) return trials;
  }
  mark_not_finite("prediction", trials);
  return trials;
}

ProtocolInfo MakeInfo() {
  ProtocolInfo info = continual_info();
  info.report_rows = continual_rows;
  info.report_sections = report::continual_sections;
  info.run = run_continual;
  return info;
}

const ProtocolRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
