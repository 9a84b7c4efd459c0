// protocol: transfer. Per target: pretrain a learner on the source, score it
// (zero-shot), adapt it on n target samples, score it again; train a fresh
// learner on the same n target samples and score it (scratch).
#include <torch/torch.h>

#include "hourglass/core/random.h"
#include "hourglass/protocols/phase.h"
#include "hourglass/protocols/protocols.h"

namespace hg::protocols {

std::vector<TrialRecord> run_transfer(const Suite& suite, const Population& population,
                                      const FamilyInfo& family, const LearnerInfo& info,
                                      const c10::Device& device) {
  const TaskSpec& task = suite.tasks.at(population.task);
  const AgentSpec& agent = suite.agents.at(population.agent);
  const int64_t n = population.budget;
  const auto& instances = population.instance_seeds;
  std::vector<TrialRecord> trials = blank_trials(suite, population);

  // Pretraining does not depend on the budget: the same pretrained learner
  // in every population of this (task, agent).
  std::vector<uint64_t> pretrain_seeds, pretrain_learner, adapt_learner, scratch_learner;
  for (size_t i = 0; i < instances.size(); ++i) {
    const uint64_t seed = mix_seed(
        derive_seed(suite.seed, task.name, agent.name, 0, static_cast<int64_t>(i)), "pretrain");
    pretrain_seeds.push_back(seed);
    pretrain_learner.push_back(mix_seed(seed, "learner"));
    adapt_learner.push_back(mix_seed(population.trial_seeds[i], "adapt/learner"));
    scratch_learner.push_back(mix_seed(population.trial_seeds[i], "scratch/learner"));
  }
  const Params learner_params = resolve_params(info.params, {&agent.params});

  try {
    const auto source = make_split(family, task, task.source, instances);
    const Batch source_eval = evaluation_batch(*source, instances, kSourceSplit, suite.eval_samples);
    for (size_t k = 0; k < task.targets.size(); ++k) {
      const SplitSpec& spec = task.targets[k];
      const std::string target_name = spec.name.substr(std::string(kTargetPrefix).size());
      const auto target = make_split(family, task, spec, instances);
      const Batch target_eval = evaluation_batch(*target, instances, spec.name, suite.eval_samples);
      const std::string data_label = "train/" + spec.name;

      // Pretrained, then adapted (one learner object throughout).
      auto learner = info.make(learner_params);
      auto phase = train_phase(*learner, /*first=*/true, *source, pretrain_seeds, "train/source",
                               pretrain_learner, suite.pretrain_budget, device);
      if (!record_phase(phase, "pretraining on the source", trials)) return trials;
      if (k == 0) score_split(*learner, *source, source_eval, kSourceSplit, device, trials);
      score_split(*learner, *target, target_eval, kZeroShotPrefix + target_name, device, trials);
      phase = train_phase(*learner, /*first=*/false, *target, population.trial_seeds, data_label,
                          adapt_learner, n, device);
      for (auto& t : trials) t.samples_used += phase.used;
      if (!record_phase(phase, "adapting to " + spec.name, trials)) return trials;
      score_split(*learner, *target, target_eval, kAdaptedPrefix + target_name, device, trials);

      // From scratch on the same target samples.
      auto scratch = info.make(learner_params);
      phase = train_phase(*scratch, /*first=*/true, *target, population.trial_seeds, data_label,
                          scratch_learner, n, device);
      if (!record_phase(phase, "training from scratch on " + spec.name, trials)) return trials;
      score_split(*scratch, *target, target_eval, kScratchPrefix + target_name, device, trials);
    }
  } catch (const std::exception& e) {
    mark_evaluation_failed(e.what(), trials);
    return trials;
  }
  mark_not_finite(trials);
  return trials;
}

}  // namespace hg::protocols
