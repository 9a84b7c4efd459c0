// protocol: standard (the default). One phase: a fresh learner trains on
// `budget` samples of the task's `train` split; it is then scored on
//   train    the samples it trained on (not scored when it drew none),
//   test     eval_samples fresh draws from the train distribution,
//   ood/<n>  eval_samples draws from each OOD split, in suite order.
// A split with held-out examples (SupervisedSplit::held_out, a dataset's test
// files) is scored on those for test and ood/*.
// Splits with an ExamplePool (a finite table) are drawn without replacement:
// the budget counts distinct items, and test and OOD splits are scored only
// on items the member was not handed (a split with none left is not scored).
// Interactive families train on a BudgetedEnvironment over the train levels
// and are scored by evaluation episodes on every split (run/episodes.h).
// A swept configuration selected by validation (suite/suite.h, AgentSpec::
// sweep) trains on its budget less the held-out share (validation_samples),
// which is then drawn from the same streams and scored as `validation`
// (interactive: steps, and the last training levels; evaluate_validation_
// episodes). With `refit: true` a second, fresh learner trains on the whole
// budget and is the one scored on train, test and ood/*.
// A sealed OOD split (the task's `sealed:` list) draws what it evaluates on
// from seeds mixed with the run's seal key (run/seal.h), so only a holder of
// the key can reproduce or look at it; without a key it is skipped (not in
// the trials). Supervised families: the evaluation inputs (the trial seeds
// mixed with the key); the member's instance, the function it learned, is
// the one it trained on, as for every OOD split. Interactive families: the
// evaluation levels (and contexts), which are drawn from the instance seeds,
// so the instance seeds are mixed with the key. Public splits never see the
// key: their draws are as before.
#include <torch/torch.h>

#include <algorithm>

#include "hourglass/core/random.h"
#include "hourglass/learners/learner.h"
#include "hourglass/protocols/builtin.h"
#include "hourglass/results/split_names.h"
#include "hourglass/run/protocol.h"
#include "hourglass/protocols/standard/standard.h"
#include "hourglass/run/budgeted_sampler.h"
#include "hourglass/run/episodes.h"
#include "hourglass/run/phase.h"
#include "hourglass/run/seal.h"
#include "hourglass/tasks/family.h"

namespace hg {
namespace {

// The splits this run scores: every split of the task, less the sealed ones
// when the run has no seal key, and `validation` after `train` for a swept
// configuration selected by validation.
std::vector<std::string> scored_split_names(const ProtocolRun& run, const TaskSpec& task,
                                            bool validation) {
  std::vector<std::string> names;
  for (const auto& name : standard_split_names(task)) {
    const bool skipped = !run.seal && std::any_of(task.ood.begin(), task.ood.end(), [&](auto& o) {
      return o.sealed && o.name == name;
    });
    if (!skipped) names.push_back(name);
    if (name == kTrainSplit && validation) names.push_back(kValidationSplit);
  }
  return names;
}

// selection: validation. The samples (environment steps) of the budget held
// out of training (suite/suite.h); 0 for every other agent.
int64_t held_out_samples(const RunParts& r) {
  return r.agent.selection == "validation"
             ? validation_samples(r.population.budget, r.agent.validation_fraction)
             : 0;
}

// The held-out share counts in samples_used: it was drawn from the budget.
void count_held_out(int64_t held, std::vector<TrialRecord>& trials) {
  for (auto& t : trials) t.samples_used += held;
}

// A sealed split's seeds (mixed with the key), or `seeds` for a public one.
std::vector<uint64_t> split_seeds(const ProtocolRun& run, const SplitSpec& split,
                                  const std::vector<uint64_t>& seeds) {
  return split.sealed ? sealed_seeds(seeds, *run.seal) : seeds;
}

std::vector<TrialRecord> run_interactive(const ProtocolRun& run) {
  const RunParts r(run);
  const Params train_params = resolve_params(r.family.params, {&r.task.params, &r.task.train});
  const int64_t held = held_out_samples(r);
  const auto splits = scored_split_names(run, r.task, held > 0);
  std::vector<TrialRecord> trials = blank_trials(r.suite, r.population);
  // selection: validation holds out a share of the budget's steps and of its
  // training levels (all of them fresh when levels = 0, unlimited); the
  // learner trains on the rest, and the `train` split plays only those.
  const int64_t all_levels = train_params.integer("levels");
  int64_t validation_levels = 0;
  if (held > 0 && all_levels > 0) {
    validation_levels = std::max<int64_t>(
        1, static_cast<int64_t>(r.agent.validation_fraction * static_cast<double>(all_levels)));
    if (validation_levels >= all_levels) {
      mark_failed("selection: validation holds out training levels, and the task has " +
                      std::to_string(all_levels) +
                      " (it needs at least 2, or levels: 0 for unlimited)",
                  splits, trials);
      return trials;
    }
  }
  const int64_t levels = all_levels - validation_levels;

  BudgetedEnvironment env(r.family, train_params, r.population.instance_seeds, levels,
                          r.population.budget - held, r.device);
  // Validation episodes each end within max_steps steps: as many as the
  // held-out steps pay for (at most the family's eval_episodes).
  const int64_t max_steps = std::max<int64_t>(1, env.spec().max_steps);
  const int64_t validation_episodes =
      std::min(train_params.integer("eval_episodes"), held / max_steps);
  if (held > 0 && validation_episodes < 1) {
    mark_failed("selection: validation holds out " + std::to_string(held) +
                    " steps of the budget, fewer than one episode can take (" +
                    std::to_string(max_steps) + "); raise validation_fraction or the budget",
                splits, trials);
    return trials;
  }
  std::unique_ptr<InteractiveLearner> learner;
  const auto phase = train_interactive_phase(
      learner,
      [&] { return r.make_interactive_learner(); },
      env, member_seeds(r.population.trial_seeds, "learner"), r.device);
  if (!record_phase(phase, {}, splits, trials)) return trials;

  // refit: a fresh learner on the whole budget and every training level is
  // the one scored on train, test and ood/* (as in run_standard).
  std::unique_ptr<InteractiveLearner> refit_learner;
  if (held > 0 && r.agent.refit) {
    BudgetedEnvironment whole(r.family, train_params, r.population.instance_seeds, all_levels,
                              r.population.budget, r.device);
    const auto refit = train_interactive_phase(
        refit_learner,
        [&] { return r.make_interactive_learner(); },
        whole, member_seeds(r.population.trial_seeds, "learner"), r.device);
    if (!record_phase(refit, {"refit on the whole budget", false}, splits, trials))
      return trials;
  }
  InteractiveLearner& scored_learner = refit_learner ? *refit_learner : *learner;
  const int64_t scored_levels = refit_learner ? all_levels : levels;

  const bool scored = guarded_evaluation(
      [&] {
        score_episodes(scored_learner, r.family, train_params, r.population.instance_seeds, true,
                       scored_levels, "train", r.device, trials);
        if (held > 0)
          score_validation_episodes(*learner, r.family, train_params,
                                    r.population.instance_seeds, all_levels, validation_levels,
                                    validation_episodes, r.device, trials);
        score_episodes(scored_learner, r.family, train_params, r.population.instance_seeds, false,
                       scored_levels, "test", r.device, trials);
        for (const auto& ood : r.task.ood) {
          if (ood.sealed && !run.seal) continue;
          score_episodes(
              scored_learner, r.family,
              resolve_params(r.family.params, {&r.task.params, &r.task.train, &ood.overrides}),
              split_seeds(run, ood, r.population.instance_seeds), false, scored_levels,
              ood.name, r.device, trials);
        }
      },
      splits, trials);
  if (scored) {
    mark_not_finite("return", trials);
    count_held_out(held, trials);
  }
  return trials;
}

std::vector<TrialRecord> run_standard(const ProtocolRun& run) {
  if (run.family.kind == TaskKind::kInteractive) return run_interactive(run);
  const RunParts r(run);
  const auto& instances = r.population.instance_seeds;
  const int64_t held = held_out_samples(r);
  const auto splits = scored_split_names(run, r.task, held > 0);
  std::vector<TrialRecord> trials = blank_trials(r.suite, r.population);

  const auto train_split = make_split(r.family, r.task, {&r.task.train}, instances);
  BudgetedSampler sampler(*train_split, r.population.trial_seeds, r.population.budget, r.device);
  if (held > 0) sampler.hold_back(held);  // the learner sees the rest of the budget
  std::unique_ptr<Learner> learner;
  const auto phase = train_phase(
      learner,
      [&] { return r.make_learner(); },
      sampler, train_split->shape(), member_seeds(r.population.trial_seeds, "learner"), r.device,
      "the train split of task '" + r.task.name + "' (family '" + r.task.family +
          "' draws without replacement from a finite table)");
  if (!record_phase(phase, {}, splits, trials)) return trials;

  // refit: a fresh learner on the whole budget (the same streams, so the same
  // draws, the held-out share included) is the one scored on train, test and
  // ood/*; the held-out learner is scored on validation only. Its samples are
  // the same budget's: they do not count in samples_used again.
  std::unique_ptr<BudgetedSampler> refit_sampler;
  std::unique_ptr<Learner> refit_learner;
  if (held > 0 && r.agent.refit) {
    refit_sampler = std::make_unique<BudgetedSampler>(*train_split, r.population.trial_seeds,
                                                      r.population.budget, r.device);
    const auto refit = train_phase(
        refit_learner,
        [&] { return r.make_learner(); },
        *refit_sampler, train_split->shape(), member_seeds(r.population.trial_seeds, "learner"),
        r.device, "the train split of task '" + r.task.name + "'");
    if (!record_phase(refit, {"refit on the whole budget", false}, splits, trials))
      return trials;
  }
  Learner& scored_learner = refit_learner ? *refit_learner : *learner;
  const BudgetedSampler& trained_on = refit_sampler ? *refit_sampler : sampler;

  const bool scored = guarded_evaluation(
      [&] {
        if (const Batch drawn = trained_on.all_drawn(); drawn.x.defined())
          score_split(scored_learner, *train_split, drawn, "train", r.device, trials);
        // The held-out share: the next draws of the same streams, after training.
        if (held > 0)
          score_split(*learner, *train_split, sampler.draw_held_back(), kValidationSplit,
                      r.device, trials);
        auto score_fresh = [&](const SupervisedSplit& split, const std::string& name,
                               const std::vector<uint64_t>& trial_seeds) {
          // A split with held-out examples (a dataset's test files) is scored on those.
          const SupervisedSplit& source = split.held_out() ? *split.held_out() : split;
          // From the trial seeds (run/phase.h says why); never on what it trained on.
          const Batch batch =
              evaluation_draws(source, trial_seeds, "split/" + name, r.suite.eval_samples,
                               refit_sampler ? refit_sampler.get() : &sampler);
          if (batch.x.defined())
            score_split(scored_learner, source, batch, name, r.device, trials);
        };
        score_fresh(*train_split, "test", r.population.trial_seeds);
        for (const auto& ood : r.task.ood) {
          if (ood.sealed && !run.seal) continue;
          // The member's instance (the function it learned) stays; the inputs are sealed.
          score_fresh(*make_split(r.family, r.task, {&r.task.train, &ood.overrides}, instances),
                      ood.name, split_seeds(run, ood, r.population.trial_seeds));
        }
      },
      splits, trials);
  if (scored) {
    mark_not_finite("prediction", trials);
    count_held_out(held, trials);
  }
  return trials;
}

ProtocolInfo MakeInfo() {
  ProtocolInfo info = standard_protocol_without_run();  // protocols/builtin.h
  info.run = run_standard;
  return info;
}

const ProtocolRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
