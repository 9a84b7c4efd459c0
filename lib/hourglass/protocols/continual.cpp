// protocol: continual. One learner: initialized (0 samples) and scored on
// every stage (b_j), then trained on each stage of the stream in turn, each
// with a fresh sampler over that stage only, and scored on every stage after
// each (R[i][j]).
#include <torch/torch.h>

#include "hourglass/core/random.h"
#include "hourglass/protocols/phase.h"
#include "hourglass/protocols/protocols.h"

namespace hg::protocols {

std::vector<TrialRecord> run_continual(const Suite& suite, const Population& population,
                                       const FamilyInfo& family, const LearnerInfo& info,
                                       const c10::Device& device) {
  const TaskSpec& task = suite.tasks.at(population.task);
  const AgentSpec& agent = suite.agents.at(population.agent);
  const auto& instances = population.instance_seeds;
  std::vector<TrialRecord> trials = blank_trials(suite, population);
  std::vector<uint64_t> learner_seeds;
  for (uint64_t s : population.trial_seeds) learner_seeds.push_back(mix_seed(s, "learner"));

  try {
    std::vector<std::unique_ptr<SupervisedSplit>> stages;
    std::vector<Batch> evals;
    for (const auto& stage : task.stream) {
      stages.push_back(make_split(family, task, stage, instances));
      evals.push_back(evaluation_batch(*stages.back(), instances, stage.name, suite.eval_samples));
    }
    auto score_all = [&](Learner& learner, const std::string& prefix) {
      for (size_t j = 0; j < stages.size(); ++j)
        score_split(learner, *stages[j], evals[j], prefix + task.stream[j].name, device, trials);
    };
    auto learner = info.make(resolve_params(info.params, {&agent.params}));
    auto phase = train_phase(*learner, /*first=*/true, *stages[0], population.trial_seeds,
                             "train/untrained", learner_seeds, 0, device);
    if (!record_phase(phase, "initializing", trials)) return trials;
    score_all(*learner, kUntrainedPrefix);
    for (size_t i = 0; i < stages.size(); ++i) {
      const std::string& name = task.stream[i].name;
      phase = train_phase(*learner, /*first=*/false, *stages[i], population.trial_seeds,
                          "train/" + name, learner_seeds, population.budget, device);
      for (auto& t : trials) t.samples_used += phase.used;
      if (!record_phase(phase, "stage " + name, trials)) return trials;
      score_all(*learner, kAfterPrefix + name + "/");
    }
  } catch (const std::exception& e) {
    mark_evaluation_failed(e.what(), trials);
    return trials;
  }
  mark_not_finite(trials);
  return trials;
}

}  // namespace hg::protocols
