#include "hourglass/run/phase.h"

#include "hourglass/results/split_names.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>

#include "hourglass/core/error.h"
#include "hourglass/metrics/generalization.h"
#include "hourglass/run/budgeted_sampler.h"
#include "hourglass/run/episodes.h"

namespace hg {
namespace {

// Runs `body` timed; what it throws becomes the failure.
void guarded(const std::function<void()>& body, PhaseOutcome& out) {
  const auto start = std::chrono::steady_clock::now();
  try {
    body();
  } catch (const BudgetExceeded& e) {
    out.failure = std::string("budget exceeded: ") + e.what();
  } catch (const std::exception& e) {
    out.failure = message_of(e);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

PhaseOutcome supervised_phase(const std::function<void(TrainContext&)>& train,
                              BudgetedSampler& sampler, const TaskShape& shape,
                              const std::vector<uint64_t>& learner_seeds,
                              const c10::Device& device, const std::string& data) {
  PhaseOutcome out;
  TrainContext ctx{sampler, shape, device, learner_seeds, 0, {}};
  guarded(
      [&] {
        if (sampler.capacity() < sampler.budget())
          throw InputError("budget " + std::to_string(sampler.budget()) + " exceeds the " +
                           std::to_string(sampler.capacity()) + " distinct examples of " + data);
        train(ctx);
        if (!sampler.refused().empty())
          throw BudgetExceeded(sampler.refused() + " (the learner caught the refusal and went on)");
      },
      out);
  sampler.close();
  out.used = sampler.used();
  out.updates = ctx.updates;
  out.diverged_at = ctx.diverged_at;
  return out;
}

// Evaluation items of a finite table: per member, distinct items of the pool
// that the member was not handed, min(limit, fewest left over the members)
// of them, chosen with rngs. An empty batch when none is left.
Batch unseen_examples(const ExamplePool& pool, const BudgetedSampler& sampler, int64_t population,
                      int64_t limit, std::vector<Rng>& rngs) {
  std::vector<std::vector<int64_t>> left(population);
  int64_t n = limit;
  for (int64_t i = 0; i < population; ++i) {
    const auto items = pool.items(i);
    const auto seen = sampler.seen(i);
    std::set_difference(items.begin(), items.end(), seen.begin(), seen.end(),
                        std::back_inserter(left[i]));
    n = std::min(n, static_cast<int64_t>(left[i].size()));
  }
  if (n == 0) return {};
  auto ids = torch::empty({population, n}, torch::kLong);
  for (int64_t i = 0; i < population; ++i) {
    partial_shuffle(left[i], n, rngs[i]);
    std::copy(left[i].begin(), left[i].begin() + n, ids.data_ptr<int64_t>() + i * n);
  }
  return pool.gather(ids);
}

void append_scores(const std::string& name, const std::vector<double>& raw,
                   const std::vector<double>& trivial, const std::vector<double>& optimal,
                   std::vector<TrialRecord>& trials) {
  for (size_t i = 0; i < trials.size(); ++i)
    trials[i].splits.push_back(
        {name, raw[i], metrics::normalized_score(raw[i], trivial[i], optimal[i])});
}

}  // namespace

std::string message_of(const std::exception& e) {
  if (const auto* torch_error = dynamic_cast<const c10::Error*>(&e))
    return torch_error->what_without_backtrace();
  return e.what();
}

PhaseOutcome train_phase(std::unique_ptr<Learner>& learner, const LearnerFactory& make,
                         BudgetedSampler& sampler, const TaskShape& shape,
                         const std::vector<uint64_t>& learner_seeds, const c10::Device& device,
                         const std::string& data) {
  return supervised_phase(
      [&](TrainContext& ctx) {
        learner = make();
        learner->train(ctx);
      },
      sampler, shape, learner_seeds, device, data);
}

PhaseOutcome continue_phase(Learner& learner, BudgetedSampler& sampler, const TaskShape& shape,
                            const std::vector<uint64_t>& learner_seeds,
                            const c10::Device& device, const std::string& data) {
  return supervised_phase([&](TrainContext& ctx) { learner.continue_training(ctx); }, sampler,
                          shape, learner_seeds, device, data);
}

namespace {

PhaseOutcome interactive_phase(const std::function<void(InteractiveTrainContext&)>& train,
                               BudgetedEnvironment& env,
                               const std::vector<uint64_t>& learner_seeds,
                               const c10::Device& device) {
  PhaseOutcome out;
  InteractiveTrainContext ctx{env, env.spec(), device, learner_seeds, 0, {}};
  guarded([&] { train(ctx); }, out);
  out.used = env.used();
  out.updates = ctx.updates;
  out.diverged_at = ctx.diverged_at;
  return out;
}

}  // namespace

PhaseOutcome train_interactive_phase(
    std::unique_ptr<InteractiveLearner>& learner,
    const std::function<std::unique_ptr<InteractiveLearner>()>& make, BudgetedEnvironment& env,
    const std::vector<uint64_t>& learner_seeds, const c10::Device& device) {
  return interactive_phase(
      [&](InteractiveTrainContext& ctx) {
        learner = make();
        learner->train(ctx);
      },
      env, learner_seeds, device);
}

PhaseOutcome continue_interactive_phase(InteractiveLearner& learner, BudgetedEnvironment& env,
                                        const std::vector<uint64_t>& learner_seeds,
                                        const c10::Device& device) {
  return interactive_phase([&](InteractiveTrainContext& ctx) { learner.continue_training(ctx); },
                           env, learner_seeds, device);
}

RunParts::RunParts(const ProtocolRun& run)
    : suite(run.suite),
      population(run.population),
      task(run.suite.tasks.at(run.population.task)),
      agent(run.suite.agents.at(run.population.agent)),
      family(run.family),
      info(run.learner),
      device(run.device) {}

std::unique_ptr<Learner> RunParts::make_learner() const {
  if (!info.make) throw std::logic_error("learner '" + info.name + "' has no factory");
  return info.make(resolve_params(info.params, {&agent.params}));
}

std::unique_ptr<InteractiveLearner> RunParts::make_interactive_learner() const {
  if (!info.make_interactive)
    throw std::logic_error("learner '" + info.name + "' has no interactive factory");
  return info.make_interactive(resolve_params(info.params, {&agent.params}));
}

void mark_failed(const std::string& message, const std::vector<std::string>& all_splits,
                 std::vector<TrialRecord>& trials) {
  for (auto& t : trials) {
    t.status = TrialStatus::kFailed;
    t.message = message;
    t.splits.clear();
    for (const auto& name : all_splits) t.splits.push_back({name, std::nan(""), std::nan("")});
  }
}

bool record_phase(const PhaseOutcome& phase, const PhaseRecord& record,
                  const std::vector<std::string>& all_splits, std::vector<TrialRecord>& trials) {
  const std::string prefix = record.what.empty() ? "" : record.what + ": ";
  for (auto& t : trials) {
    if (record.counts_samples) t.samples_used += phase.used;
    t.updates += phase.updates;
    t.train_seconds += phase.seconds / static_cast<double>(trials.size());
  }
  if (!phase.failure.empty()) {
    mark_failed(prefix + phase.failure, all_splits, trials);
    return false;
  }
  for (size_t i = 0; i < trials.size() && i < phase.diverged_at.size(); ++i) {
    auto& t = trials[i];
    if (!phase.diverged_at[i] || t.status != TrialStatus::kOk) continue;
    t.status = TrialStatus::kDiverged;
    t.diverged_at = phase.diverged_at[i];
    t.message = prefix + "loss not finite at update " + std::to_string(*phase.diverged_at[i]);
  }
  return true;
}

void mark_not_finite(const std::string& noun, std::vector<TrialRecord>& trials) {
  for (auto& t : trials) {
    if (t.status != TrialStatus::kOk) continue;
    for (const auto& s : t.splits)
      if (!std::isfinite(s.raw)) {
        t.status = TrialStatus::kDiverged;
        t.message = noun + " not finite (" + s.split + ")";
        break;
      }
  }
}

Batch evaluation_draws(const SupervisedSplit& split, const std::vector<uint64_t>& seeds,
                       const std::string& label, int64_t n, const BudgetedSampler* trained_on) {
  auto rngs = member_streams(seeds, label);
  if (const ExamplePool* pool = split.pool(); pool && trained_on)
    return unseen_examples(*pool, *trained_on, static_cast<int64_t>(seeds.size()), n, rngs);
  return split.sample(n, rngs);
}

void score_split(Learner& learner, const SupervisedSplit& split, const Batch& batch,
                 const std::string& name, const c10::Device& device,
                 std::vector<TrialRecord>& trials) {
  const auto prediction = learner.predict(batch.x.to(device));
  const auto raw = split.score(prediction, batch);
  const auto ref = split.reference();
  append_scores(name, raw, ref.trivial, ref.optimal, trials);
}

void score_episodes(InteractiveLearner& learner, const FamilyInfo& family, const Params& params,
                    const std::vector<uint64_t>& instance_seeds, bool training_levels,
                    int64_t levels, const std::string& name, const c10::Device& device,
                    std::vector<TrialRecord>& trials, const std::string& label) {
  const std::string& episodes = label.empty() ? name : label;
  learner.begin_episodes(episodes);  // member i's actions on these episodes are its own
  const Policy policy = [&](const at::Tensor& obs) { return learner.act(obs.to(device)); };
  const auto scores = evaluate_episodes(family, params, instance_seeds, training_levels, levels,
                                        episodes, policy);
  append_scores(name, scores.raw, scores.trivial, scores.optimal, trials);
}

void score_validation_episodes(InteractiveLearner& learner, const FamilyInfo& family,
                               const Params& params, const std::vector<uint64_t>& instance_seeds,
                               int64_t levels, int64_t validation_levels, int64_t episodes,
                               const c10::Device& device, std::vector<TrialRecord>& trials) {
  learner.begin_episodes(kValidationSplit);
  const Policy policy = [&](const at::Tensor& obs) { return learner.act(obs.to(device)); };
  const auto scores = evaluate_validation_episodes(family, params, instance_seeds, levels,
                                                   validation_levels, episodes, policy);
  append_scores(kValidationSplit, scores.raw, scores.trivial, scores.optimal, trials);
}

bool guarded_evaluation(const std::function<void()>& score,
                        const std::vector<std::string>& all_splits,
                        std::vector<TrialRecord>& trials) {
  try {
    score();
  } catch (const std::exception& e) {
    mark_failed("evaluation failed: " + message_of(e), all_splits, trials);
    return false;
  }
  return true;
}

std::unique_ptr<SupervisedSplit> make_split(const FamilyInfo& family, const TaskSpec& task,
                                            const std::vector<const ParamMap*>& layers,
                                            const std::vector<uint64_t>& instance_seeds) {
  std::vector<const ParamMap*> all{&task.params};
  all.insert(all.end(), layers.begin(), layers.end());
  return family.make_split(resolve_params(family.params, all), instance_seeds);
}

std::vector<TrialRecord> blank_trials(const Suite& suite, const Population& population) {
  std::vector<TrialRecord> trials(population.trial_seeds.size());
  for (size_t i = 0; i < trials.size(); ++i) {
    auto& t = trials[i];
    t.task = suite.tasks.at(population.task).name;
    t.agent = suite.agents.at(population.agent).name;
    t.budget = population.budget;
    t.seed_index = static_cast<int64_t>(i);
    t.seed = population.trial_seeds[i];
    t.configuration = suite.agents.at(population.agent).configuration_text();
  }
  return trials;
}

std::vector<uint64_t> member_seeds(const std::vector<uint64_t>& seeds, const std::string& label) {
  std::vector<uint64_t> out;
  out.reserve(seeds.size());
  for (uint64_t s : seeds) out.push_back(mix_seed(s, label));
  return out;
}

}  // namespace hg
