// protocol: transfer (transfer.h). Per target: pretrain a learner on the
// source, score it (zero-shot), adapt it on n target samples, score it again;
// train a fresh learner on the same n target samples and score it (scratch).
// Every phase runs through the phase engine (run/phase.h) with its own
// budgeted sampler (environment, for interactive families).
#include <torch/torch.h>

#include "hourglass/core/random.h"
#include "hourglass/learners/learner.h"
#include "hourglass/protocols/builtin.h"
#include "hourglass/protocols/transfer/transfer.h"
#include "hourglass/report/text_report.h"
#include "hourglass/run/budgeted_sampler.h"
#include "hourglass/run/episodes.h"
#include "hourglass/run/phase.h"
#include "hourglass/tasks/family.h"

namespace hg {
namespace {

// Interactive families: the same phases on budgeted environments. Source and
// targets are the task's parameters under their overrides (other contexts,
// other physics); budgets count environment steps per member. Pretraining
// steps environments of the pretraining seeds (the same pretrained learner in
// every budget's population), adapting and scratch both step those of the
// trial seeds, and every score is the return on fresh episodes (held-out
// levels) of the instance seeds, as `test` is under the standard protocol.
std::vector<TrialRecord> run_transfer_interactive(const ProtocolRun& run,
                                                  const std::vector<uint64_t>& pretrain_seeds) {
  const RunParts r(run);
  const auto& instances = r.population.instance_seeds;
  const auto splits = transfer_split_names(r.task);
  std::vector<TrialRecord> trials = blank_trials(r.suite, r.population);
  const auto pretrain_learner = member_seeds(pretrain_seeds, "learner");
  const auto adapt_learner = member_seeds(r.population.trial_seeds, "adapt/learner");
  const auto scratch_learner = member_seeds(r.population.trial_seeds, "scratch/learner");
  const auto make = [&] { return r.make_interactive_learner(); };
  const Params source = resolve_params(r.family.params, {&r.task.params, &r.task.source.overrides});
  const int64_t source_levels = source.integer("levels");

  for (size_t k = 0; k < r.task.targets.size(); ++k) {
    const SplitSpec& spec = r.task.targets[k];
    const std::string target_name = strip_prefix(spec.name, kTargetPrefix);
    const Params target = resolve_params(r.family.params, {&r.task.params, &spec.overrides});
    const int64_t target_levels = target.integer("levels");
    auto score_target = [&](InteractiveLearner& learner, const std::string& prefix) {
      return guarded_evaluation(
          [&] {
            score_episodes(learner, r.family, target, instances, false, target_levels,
                           prefix + target_name, r.device, trials);
          },
          splits, trials);
    };

    std::unique_ptr<InteractiveLearner> learner;
    BudgetedEnvironment pretraining(r.family, source, pretrain_seeds, source_levels,
                                    r.suite.pretrain_budget, r.device);
    auto phase =
        train_interactive_phase(learner, make, pretraining, pretrain_learner, r.device);
    if (!record_phase(phase, {"pretraining on the source", false}, splits, trials)) return trials;
    if (k == 0 && !guarded_evaluation(
                      [&] {
                        score_episodes(*learner, r.family, source, instances, false, source_levels,
                                       kSourceSplit, r.device, trials);
                      },
                      splits, trials))
      return trials;
    if (!score_target(*learner, kZeroShotPrefix)) return trials;
    BudgetedEnvironment adapting(r.family, target, r.population.trial_seeds, target_levels,
                                 r.population.budget, r.device);
    phase = continue_interactive_phase(*learner, adapting, adapt_learner, r.device);
    if (!record_phase(phase, {"adapting to " + spec.name, true}, splits, trials)) return trials;
    if (!score_target(*learner, kAdaptedPrefix)) return trials;

    std::unique_ptr<InteractiveLearner> scratch;
    BudgetedEnvironment from_scratch(r.family, target, r.population.trial_seeds, target_levels,
                                     r.population.budget, r.device);
    phase = train_interactive_phase(scratch, make, from_scratch, scratch_learner, r.device);
    if (!record_phase(phase, {"training from scratch on " + spec.name, false}, splits, trials))
      return trials;
    if (!score_target(*scratch, kScratchPrefix)) return trials;
  }
  mark_not_finite("return", trials);
  return trials;
}

std::vector<TrialRecord> run_transfer(const ProtocolRun& run) {
  const RunParts r(run);
  const int64_t n = r.population.budget;
  const auto& instances = r.population.instance_seeds;
  const auto splits = transfer_split_names(r.task);
  std::vector<TrialRecord> trials = blank_trials(r.suite, r.population);

  // Pretraining does not depend on the budget: the same pretrained learner
  // in every population of this (task, agent).
  std::vector<uint64_t> pretrain_seeds;
  for (size_t i = 0; i < instances.size(); ++i)
    pretrain_seeds.push_back(mix_seed(
        derive_seed(r.suite.seed, r.task.name, r.agent.name, 0, static_cast<int64_t>(i)), "pretrain"));
  if (r.family.kind == TaskKind::kInteractive) return run_transfer_interactive(run, pretrain_seeds);
  const auto pretrain_learner = member_seeds(pretrain_seeds, "learner");
  const auto adapt_learner = member_seeds(r.population.trial_seeds, "adapt/learner");
  const auto scratch_learner = member_seeds(r.population.trial_seeds, "scratch/learner");
  const LearnerFactory make = [&] { return r.make_learner(); };

  std::unique_ptr<SupervisedSplit> source;
  Batch source_eval;
  if (!guarded_evaluation(
          [&] {
            source = make_split(r.family, r.task, {&r.task.source.overrides}, instances);
            source_eval = evaluation_draws(*source, instances, std::string("eval/") + kSourceSplit,
                                           r.suite.eval_samples);
          },
          splits, trials))
    return trials;
  for (size_t k = 0; k < r.task.targets.size(); ++k) {
    const SplitSpec& spec = r.task.targets[k];
    const std::string target_name = strip_prefix(spec.name, kTargetPrefix);
    const std::string data_label = "train/" + spec.name;
    std::unique_ptr<SupervisedSplit> target;
    Batch target_eval;
    if (!guarded_evaluation(
            [&] {
              target = make_split(r.family, r.task, {&spec.overrides}, instances);
              target_eval =
                  evaluation_draws(*target, instances, "eval/" + spec.name, r.suite.eval_samples);
            },
            splits, trials))
      return trials;

    // Pretrained, then adapted (one learner object throughout).
    std::unique_ptr<Learner> learner;
    BudgetedSampler pretraining(*source, pretrain_seeds, r.suite.pretrain_budget, r.device,
                                "train/source");
    auto phase =
        train_phase(learner, make, pretraining, source->shape(), pretrain_learner, r.device);
    if (!record_phase(phase, {"pretraining on the source", false}, splits, trials)) return trials;
    if (!guarded_evaluation(
            [&] {
              if (k == 0) score_split(*learner, *source, source_eval, kSourceSplit, r.device, trials);
              score_split(*learner, *target, target_eval, kZeroShotPrefix + target_name, r.device,
                          trials);
            },
            splits, trials))
      return trials;
    BudgetedSampler adapting(*target, r.population.trial_seeds, n, r.device, data_label);
    phase = continue_phase(*learner, adapting, target->shape(), adapt_learner, r.device);
    if (!record_phase(phase, {"adapting to " + spec.name, true}, splits, trials)) return trials;
    if (!guarded_evaluation(
            [&] {
              score_split(*learner, *target, target_eval, kAdaptedPrefix + target_name, r.device,
                          trials);
            },
            splits, trials))
      return trials;

    // From scratch on the same target samples.
    std::unique_ptr<Learner> scratch;
    BudgetedSampler from_scratch(*target, r.population.trial_seeds, n, r.device, data_label);
    phase = train_phase(scratch, make, from_scratch, target->shape(), scratch_learner, r.device);
    if (!record_phase(phase, {"training from scratch on " + spec.name, false}, splits, trials))
      return trials;
    if (!guarded_evaluation(
            [&] {
              score_split(*scratch, *target, target_eval, kScratchPrefix + target_name, r.device,
                          trials);
            },
            splits, trials))
      return trials;
  }
  mark_not_finite("prediction", trials);
  return trials;
}

ProtocolInfo MakeInfo() {
  ProtocolInfo info = transfer_protocol_without_run();  // protocols/builtin.h
  info.run = run_transfer;
  return info;
}

const ProtocolRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
