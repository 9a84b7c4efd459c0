#include "hourglass/run/runner.h"

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <iterator>
#include <limits>
#include <mutex>
#include <thread>

#include "hourglass/core/error.h"
#include "hourglass/learners/learner.h"
#include "hourglass/metrics/generalization.h"
#include "hourglass/run/budgeted_sampler.h"
#include "hourglass/run/episodes.h"
#include "hourglass/protocols/protocols.h"
#include "hourglass/tasks/family.h"

namespace hg {
namespace {

// Evaluation examples of a split with a pool: per member, distinct items of
// the pool that the member was not handed, min(limit, fewest left over the
// members) of them, chosen with rngs. An empty batch when none is left.
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

// train, test, then ood/* in suite order: the splits every trial of `task` names.
std::vector<std::string> split_names(const TaskSpec& task) {
  std::vector<std::string> names{"train", "test"};
  for (const auto& ood : task.ood) names.push_back(ood.name);
  return names;
}

// An exception's message; LibTorch's without its C++ backtrace.
std::string message_of(const std::exception& e) {
  if (const auto* torch_error = dynamic_cast<const c10::Error*>(&e))
    return torch_error->what_without_backtrace();
  return e.what();
}

// A failed trial still names every split (with null scores), so that tables
// and comparisons show the population as lost instead of leaving it out.
void mark_failed(const std::string& message, const std::vector<std::string>& splits,
                 std::vector<TrialRecord>& trials) {
  for (auto& t : trials) {
    t.status = "failed";
    t.message = message;
    t.splits.clear();
    for (const auto& name : splits) t.splits.push_back({name, std::nan(""), std::nan("")});
  }
}

// Makes and trains the learner (`train`), timing it, and records the compute
// in every trial; on an exception marks the trials failed and returns the
// message (empty on success). `updates` is read after training.
std::string train_timed(const std::function<void()>& train, const std::function<int64_t()>& used,
                        const int64_t& updates, const std::vector<std::string>& splits,
                        std::vector<TrialRecord>& trials) {
  std::string failure;
  const auto start = std::chrono::steady_clock::now();
  try {
    train();
  } catch (const BudgetExceeded& e) {
    failure = std::string("budget exceeded: ") + e.what();
  } catch (const std::exception& e) {
    failure = message_of(e);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto& t : trials) {
    t.samples_used = used();
    t.updates = updates;
    t.train_seconds = seconds / static_cast<double>(trials.size());
  }
  if (!failure.empty()) mark_failed(failure, splits, trials);
  return failure;
}

// A member whose loss (diverged_at) or any split's score is not finite.
void mark_diverged(const std::vector<std::optional<int64_t>>& diverged_at,
                   const std::string& not_finite, std::vector<TrialRecord>& trials) {
  for (size_t i = 0; i < trials.size(); ++i) {
    auto& t = trials[i];
    bool finite = true;
    for (const auto& s : t.splits) finite = finite && std::isfinite(s.raw);
    if (diverged_at[i]) {
      t.status = "diverged";
      t.diverged_at = diverged_at[i];
      t.message = "loss not finite at update " + std::to_string(*diverged_at[i]);
    } else if (!finite) {
      t.status = "diverged";
      t.message = not_finite;
    }
  }
}

// Interactive families: the learner trains on a BudgetedEnvironment over the
// train levels and is scored by evaluation episodes on every split
// (run/episodes.h).
std::vector<TrialRecord> run_interactive(const Suite& suite, const TaskSpec& task,
                                         const AgentSpec& agent, const FamilyInfo& family, const LearnerInfo& learner_info,
                                         const Population& population, const c10::Device& device) {
  const auto P = static_cast<int64_t>(population.trial_seeds.size());
  const Params train_params = resolve_params(family.params, {&task.params, &task.train});
  const int64_t levels = train_params.integer("levels");
  std::vector<TrialRecord> trials = blank_trials(suite, population);

  BudgetedEnvironment env(family, train_params, population.instance_seeds, levels,
                          population.budget, device);
  InteractiveTrainContext ctx{env, env.spec(), device, {}, 0, {}};
  for (uint64_t s : population.trial_seeds) ctx.member_seeds.push_back(mix_seed(s, "learner"));

  std::unique_ptr<InteractiveLearner> learner;
  const std::string failure = train_timed(
      [&] {
        if (!learner_info.make_interactive)
          throw std::logic_error("learner '" + learner_info.name + "' has no interactive factory");
        learner =
            learner_info.make_interactive(resolve_params(learner_info.params, {&agent.params}));
        learner->train(ctx);
      },
      [&] { return env.used(); }, ctx.updates, split_names(task), trials);
  if (!failure.empty()) return trials;

  struct Split {
    std::string name;
    Params params;
  };
  std::vector<Split> splits{{"train", train_params}, {"test", train_params}};
  for (const auto& ood : task.ood)
    splits.push_back(
        {ood.name, resolve_params(family.params, {&task.params, &task.train, &ood.overrides})});
  const Policy policy = [&](const at::Tensor& obs) { return learner->act(obs.to(device)); };
  try {
    for (const auto& split : splits) {
      const auto scores =
          evaluate_episodes(family, split.params, population.instance_seeds,
                            split.name == "train", levels, split.name, policy);
      for (int64_t i = 0; i < P; ++i)
        trials[i].splits.push_back(
            {split.name, scores.raw[i],
             metrics::normalized_score(scores.raw[i], scores.trivial[i], scores.optimal[i])});
    }
  } catch (const std::exception& e) {
    mark_failed("evaluation failed: " + message_of(e), split_names(task), trials);
    return trials;
  }
  mark_diverged(ctx.diverged_at, "return not finite", trials);
  return trials;
}

}  // namespace

std::vector<TrialRecord> blank_trials(const Suite& suite, const Population& population) {
  std::vector<TrialRecord> trials(population.trial_seeds.size());
  for (size_t i = 0; i < trials.size(); ++i) {
    auto& t = trials[i];
    t.task = suite.tasks.at(population.task).name;
    t.agent = suite.agents.at(population.agent).name;
    t.budget = population.budget;
    t.seed_index = static_cast<int64_t>(i);
    t.seed = population.trial_seeds[i];
  }
  return trials;
}

std::vector<TrialRecord> run_population(const Suite& suite, const Population& population,
                                        const std::string& device_name) {
  if (suite.protocol != kProtocolStandard)
    return run_protocol_population(suite, population, device_name);
  const TaskSpec& task = suite.tasks.at(population.task);
  const AgentSpec& agent = suite.agents.at(population.agent);
  const FamilyInfo* family = FamilyRegistry::instance().find(task.family);
  const LearnerInfo* learner_info = LearnerRegistry::instance().find(agent.learner);
  if (!family || !learner_info) throw std::logic_error("unregistered family or learner");
  const c10::Device device(device_name);
  const auto P = static_cast<int64_t>(population.trial_seeds.size());
  if (family->kind == TaskKind::kInteractive)
    return run_interactive(suite, task, agent, *family, *learner_info, population, device);

  // Splits: train/test share the train parameters; each OOD split adds its own.
  struct Split {
    std::string name;
    std::unique_ptr<SupervisedSplit> data;
  };
  std::vector<Split> splits;
  splits.push_back({"train", family->make_split(resolve_params(family->params, {&task.params, &task.train}),
                                                population.instance_seeds)});
  splits.push_back({"test", nullptr});
  for (const auto& ood : task.ood)
    splits.push_back({ood.name, family->make_split(resolve_params(family->params,
                                                                  {&task.params, &task.train,
                                                                   &ood.overrides}),
                                                   population.instance_seeds)});
  const SupervisedSplit& train_split = *splits[0].data;

  std::vector<TrialRecord> trials = blank_trials(suite, population);

  BudgetedSampler sampler(train_split, population.trial_seeds, population.budget, device);
  TrainContext ctx{sampler, train_split.shape(), device, {}, 0, {}};
  for (uint64_t s : population.trial_seeds) ctx.member_seeds.push_back(mix_seed(s, "learner"));

  std::unique_ptr<Learner> learner;
  const std::string failure = train_timed(
      [&] {
        if (sampler.capacity() < population.budget)
          throw InputError("budget " + std::to_string(population.budget) + " exceeds the " +
                           std::to_string(sampler.capacity()) + " distinct examples of the train " +
                           "split of task '" + task.name + "' (family '" + task.family +
                           "' draws without replacement from a finite table)");
        learner = learner_info->make(resolve_params(learner_info->params, {&agent.params}));
        learner->train(ctx);
        if (!sampler.refused().empty())
          throw BudgetExceeded(sampler.refused() + " (the learner caught the refusal and went on)");
      },
      [&] { return sampler.used(); }, ctx.updates, split_names(task), trials);
  if (!failure.empty()) return trials;

  try {
    for (auto& split : splits) {
      Batch batch;
      const SupervisedSplit* source = split.data.get();
      if (split.name == "train") {
        batch = sampler.all_drawn();
        if (!batch.x.defined()) continue;  // nothing drawn: no train score
      } else {
        if (split.name == "test") source = &train_split;
        if (const SupervisedSplit* held_out = source->held_out()) source = held_out;
        auto rngs = streams(population.trial_seeds, "split/" + split.name);
        if (const ExamplePool* pool = source->pool()) {
          batch = unseen_examples(*pool, sampler, P, suite.eval_samples, rngs);
          if (!batch.x.defined()) continue;  // every item trained on: nothing to score
        } else {
          batch = source->sample(suite.eval_samples, rngs);
        }
      }
      const auto prediction = learner->predict(batch.x.to(device));
      const auto raw = source->score(prediction, batch);
      const auto ref = source->reference();
      for (int64_t i = 0; i < P; ++i)
        trials[i].splits.push_back(
            {split.name, raw[i], metrics::normalized_score(raw[i], ref.trivial[i], ref.optimal[i])});
    }
  } catch (const std::exception& e) {
    mark_failed("evaluation failed: " + message_of(e), split_names(task), trials);
    return trials;
  }

  mark_diverged(ctx.diverged_at, "prediction not finite", trials);
  return trials;
}

std::vector<TrialRecord> run_plan(
    const Suite& suite, const std::vector<Population>& plan, const RunnerOptions& options,
    const std::function<void(size_t, const std::vector<TrialRecord>&)>& on_done,
    const std::function<bool()>& stop) {
  std::vector<std::vector<TrialRecord>> done(plan.size());
  std::atomic<size_t> next{0};
  std::mutex mutex;
  std::exception_ptr error;

  auto worker = [&] {
    at::set_num_threads(options.threads_per_job);
    for (;;) {
      if (stop()) return;
      const size_t i = next.fetch_add(1);
      if (i >= plan.size()) return;
      try {
        auto trials = run_population(suite, plan[i], options.device);
        std::lock_guard<std::mutex> lock(mutex);
        if (error) return;
        on_done(i, trials);
        done[i] = std::move(trials);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
        next = plan.size();
        return;
      }
    }
  };

  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(plan.size())));
  if (jobs == 1) {
    worker();
  } else {
    std::vector<std::thread> threads;
    for (int j = 0; j < jobs; ++j) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }
  if (error) std::rethrow_exception(error);

  std::vector<TrialRecord> trials;
  for (auto& d : done)
    for (auto& t : d) trials.push_back(std::move(t));
  return trials;
}

}  // namespace hg
