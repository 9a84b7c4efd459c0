#include "hourglass/protocols/phase.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>

#include "hourglass/core/error.h"
#include "hourglass/metrics/generalization.h"
#include "hourglass/run/budgeted_sampler.h"

namespace hg::protocols {

PhaseOutcome train_phase(Learner& learner, bool first, const SupervisedSplit& split,
                         const std::vector<uint64_t>& data_seeds, const std::string& label,
                         const std::vector<uint64_t>& member_seeds, int64_t budget,
                         const c10::Device& device) {
  PhaseOutcome out;
  BudgetedSampler sampler(split, data_seeds, budget, device, label);
  TrainContext ctx{sampler, split.shape(), device, member_seeds, 0, {}};
  const auto start = std::chrono::steady_clock::now();
  try {
    if (sampler.capacity() < budget)
      throw InputError("budget " + std::to_string(budget) + " exceeds the " +
                       std::to_string(sampler.capacity()) + " distinct examples of the split");
    if (first) {
      learner.train(ctx);
    } else {
      learner.continue_training(ctx);
    }
    if (!sampler.refused().empty())
      throw BudgetExceeded(sampler.refused() + " (the learner caught the refusal and went on)");
  } catch (const BudgetExceeded& e) {
    out.failure = std::string("budget exceeded: ") + e.what();
  } catch (const std::exception& e) {
    out.failure = e.what();
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.used = sampler.used();
  out.updates = ctx.updates;
  out.diverged_at = ctx.diverged_at;
  return out;
}

Batch evaluation_batch(const SupervisedSplit& split, const std::vector<uint64_t>& instance_seeds,
                       const std::string& name, int64_t eval_samples) {
  auto rngs = streams(instance_seeds, "eval/" + name);
  return split.sample(eval_samples, rngs);
}

void score_split(Learner& learner, const SupervisedSplit& split, const Batch& batch,
                 const std::string& name, const c10::Device& device,
                 std::vector<TrialRecord>& trials) {
  const auto prediction = learner.predict(batch.x.to(device));
  const auto raw = split.score(prediction, batch);
  const auto ref = split.reference();
  for (size_t i = 0; i < trials.size(); ++i)
    trials[i].splits.push_back(
        {name, raw[i], metrics::normalized_score(raw[i], ref.trivial[i], ref.optimal[i])});
}

bool record_phase(const PhaseOutcome& phase, const std::string& what,
                  std::vector<TrialRecord>& trials) {
  for (size_t i = 0; i < trials.size(); ++i) {
    auto& t = trials[i];
    t.updates += phase.updates;
    t.train_seconds += phase.seconds / static_cast<double>(trials.size());
    if (!phase.failure.empty()) {
      t.status = "failed";
      t.message = what + ": " + phase.failure;
    } else if (i < phase.diverged_at.size() && phase.diverged_at[i] && t.status == "ok") {
      t.status = "diverged";
      t.diverged_at = phase.diverged_at[i];
      t.message = what + ": loss not finite at update " + std::to_string(*phase.diverged_at[i]);
    }
  }
  return phase.failure.empty();
}

void mark_not_finite(std::vector<TrialRecord>& trials) {
  for (auto& t : trials) {
    if (t.status != "ok") continue;
    for (const auto& s : t.splits)
      if (!std::isfinite(s.raw)) {
        t.status = "diverged";
        t.message = "prediction not finite (" + s.split + ")";
        break;
      }
  }
}

void mark_evaluation_failed(const std::string& why, std::vector<TrialRecord>& trials) {
  for (auto& t : trials) {
    t.status = "failed";
    t.message = "evaluation failed: " + why;
  }
}

std::unique_ptr<SupervisedSplit> make_split(const FamilyInfo& family, const TaskSpec& task,
                                            const SplitSpec& split,
                                            const std::vector<uint64_t>& instance_seeds) {
  return family.make_split(resolve_params(family.params, {&task.params, &split.overrides}),
                           instance_seeds);
}

}  // namespace hg::protocols
