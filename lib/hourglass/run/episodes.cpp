#include "hourglass/run/episodes.h"

#include <torch/torch.h>

#include <stdexcept>

#include "hourglass/core/error.h"
#include "hourglass/core/progress.h"

namespace hg {

BudgetedEnvironment::BudgetedEnvironment(const FamilyInfo& family, Params params,
                                         std::vector<uint64_t> instance_seeds, int64_t levels,
                                         int64_t budget, c10::Device device)
    : family_(family),
      params_(std::move(params)),
      instance_seeds_(std::move(instance_seeds)),
      schedule_(LevelSchedule::training(instance_seeds_, levels, "levels/train")),
      budget_(budget),
      device_(device) {
  spec_ = family_.make_environment(params_, instance_seeds_, 1)->spec();
}

BudgetedEnvironment::~BudgetedEnvironment() = default;

at::Tensor BudgetedEnvironment::reset(int64_t copies) {
  if (copies < 1) throw std::invalid_argument("EnvironmentSource::reset: copies must be >= 1");
  const auto P = static_cast<int64_t>(instance_seeds_.size());
  env_ = family_.make_environment(params_, instance_seeds_, copies);
  obs_ = torch::zeros({P, copies, spec_.obs_dim}, torch::kFloat);
  reward_ = torch::zeros({P, copies}, torch::kFloat);
  done_ = torch::zeros({P, copies}, torch::kBool);
  env_->reset(schedule_, obs_.data_ptr<float>());
  return obs_.to(device_, /*non_blocking=*/false, /*copy=*/true);
}

Transition BudgetedEnvironment::step(const at::Tensor& actions) {
  if (!env_) throw std::logic_error("EnvironmentSource::step before reset");
  const int64_t copies = env_->copies();
  if (copies > remaining())
    throw BudgetExceeded("learner asked for " + std::to_string(copies) + " steps with " +
                         std::to_string(remaining()) + " of its budget of " +
                         std::to_string(budget_) + " left");
  const auto a = actions.to(torch::kCPU, torch::kLong).contiguous();
  if (a.dim() != 2 || a.size(0) != env_->population() || a.size(1) != copies)
    throw std::logic_error("EnvironmentSource::step: expected actions of shape [P, E]");
  env_->step(a.data_ptr<int64_t>(), schedule_, obs_.data_ptr<float>(), reward_.data_ptr<float>(),
             done_.data_ptr<bool>());
  used_ += copies;
  count_samples(copies);  // the progress bar's view (core/progress.h)
  return {obs_.to(device_, false, true), reward_.to(device_, false, true),
          done_.to(device_, false, true)};
}

std::vector<uint64_t> evaluation_level_ids(uint64_t instance_seed, bool training_levels,
                                           int64_t levels, const std::string& split,
                                           int64_t episodes) {
  Rng rng(mix_seed(instance_seed, "levels/eval/" + split));
  std::vector<uint64_t> ids;
  for (int64_t k = 0; k < episodes; ++k) {
    if (training_levels)
      ids.push_back(levels > 0 ? rng.below(static_cast<uint64_t>(levels))
                               : rng.below(kHeldOutLevelBase));
    else
      ids.push_back(kHeldOutLevelBase + rng.below(kHeldOutLevelBase));
  }
  return ids;
}

namespace {

// Plays one episode per copy (the first of each) and returns the returns.
std::vector<double> play(Environment& env, LevelSchedule& schedule, const Policy& policy) {
  const int64_t P = env.population(), E = env.copies(), n = P * E;
  const EnvSpec spec = env.spec();
  auto obs = torch::zeros({P, E, spec.obs_dim}, torch::kFloat);
  auto reward = torch::zeros({P, E}, torch::kFloat);
  auto done = torch::zeros({P, E}, torch::kBool);
  env.reset(schedule, obs.data_ptr<float>());
  std::vector<double> returns(static_cast<size_t>(n), 0.0);
  std::vector<bool> finished(static_cast<size_t>(n), false);
  int64_t open = n;
  for (int64_t t = 0; t < spec.max_steps && open > 0; ++t) {
    const auto actions = policy(obs).to(torch::kCPU, torch::kLong).contiguous();
    env.step(actions.data_ptr<int64_t>(), schedule, obs.data_ptr<float>(),
             reward.data_ptr<float>(), done.data_ptr<bool>());
    const float* r = reward.data_ptr<float>();
    const bool* d = done.data_ptr<bool>();
    for (int64_t k = 0; k < n; ++k) {
      if (finished[k]) continue;
      returns[k] += r[k];
      if (d[k]) {
        finished[k] = true;
        --open;
      }
    }
  }
  if (open > 0) throw std::logic_error("an episode ran past the family's max_steps");
  return returns;
}

std::vector<double> member_means(const std::vector<double>& values, int64_t P, int64_t E) {
  std::vector<double> out(static_cast<size_t>(P), 0.0);
  for (int64_t i = 0; i < P; ++i) {
    for (int64_t e = 0; e < E; ++e) out[i] += values[i * E + e];
    out[i] /= static_cast<double>(E);
  }
  return out;
}

}  // namespace

namespace {

// Every member plays `episodes` episodes, copy (i, e) on level ids[i * episodes + e].
EpisodeScores evaluate_on(const FamilyInfo& family, const Params& params,
                          const std::vector<uint64_t>& instance_seeds,
                          const std::vector<uint64_t>& ids, int64_t episodes,
                          const Policy& policy);

}  // namespace

EpisodeScores evaluate_episodes(const FamilyInfo& family, const Params& params,
                                const std::vector<uint64_t>& instance_seeds, bool training_levels,
                                int64_t levels, const std::string& split, const Policy& policy) {
  const int64_t episodes = params.integer("eval_episodes");
  std::vector<uint64_t> ids;
  for (uint64_t seed : instance_seeds) {
    const auto member_ids = evaluation_level_ids(seed, training_levels, levels, split, episodes);
    for (uint64_t id : member_ids)
      if (!training_levels && is_training_level(id, levels))
        throw std::logic_error("split " + split + " would play a training level");
    ids.insert(ids.end(), member_ids.begin(), member_ids.end());
  }
  return evaluate_on(family, params, instance_seeds, ids, episodes, policy);
}

std::vector<uint64_t> validation_level_ids(uint64_t instance_seed, int64_t levels,
                                           int64_t validation_levels, int64_t episodes) {
  if (levels > 0 && (validation_levels < 1 || validation_levels >= levels))
    throw std::invalid_argument("validation_level_ids: 1 <= validation levels < levels");
  Rng rng(mix_seed(instance_seed, "levels/validation"));
  std::vector<uint64_t> ids;
  for (int64_t k = 0; k < episodes; ++k)
    ids.push_back(levels > 0 ? static_cast<uint64_t>(levels - validation_levels) +
                                   rng.below(static_cast<uint64_t>(validation_levels))
                             : rng.below(kHeldOutLevelBase));
  return ids;
}

EpisodeScores evaluate_validation_episodes(const FamilyInfo& family, const Params& params,
                                           const std::vector<uint64_t>& instance_seeds,
                                           int64_t levels, int64_t validation_levels,
                                           int64_t episodes, const Policy& policy) {
  std::vector<uint64_t> ids;
  for (uint64_t seed : instance_seeds) {
    const auto member_ids = validation_level_ids(seed, levels, validation_levels, episodes);
    ids.insert(ids.end(), member_ids.begin(), member_ids.end());
  }
  return evaluate_on(family, params, instance_seeds, ids, episodes, policy);
}

namespace {

EpisodeScores evaluate_on(const FamilyInfo& family, const Params& params,
                          const std::vector<uint64_t>& instance_seeds,
                          const std::vector<uint64_t>& ids, int64_t episodes,
                          const Policy& policy) {
  const auto P = static_cast<int64_t>(instance_seeds.size());
  auto env = family.make_environment(params, instance_seeds, episodes);
  auto schedule = LevelSchedule::fixed(instance_seeds, ids, episodes);

  EpisodeScores scores;
  scores.raw = member_means(play(*env, schedule, policy), P, episodes);

  std::vector<double> optimal, trivial;
  bool exact_random = true;
  for (int64_t i = 0; i < P; ++i)
    for (int64_t e = 0; e < episodes; ++e) {
      const uint64_t level_seed = schedule.seed_of(i, ids[i * episodes + e]);
      optimal.push_back(env->optimal_return(i, level_seed));
      const auto r = env->random_return(i, level_seed);
      exact_random = exact_random && r.has_value();
      trivial.push_back(r.value_or(0.0));
    }
  if (!exact_random) {
    auto rngs = member_streams(instance_seeds, "reference/random");
    const int64_t num_actions = env->spec().num_actions;
    const Policy random = [&](const at::Tensor& obs) {
      auto a = torch::empty({obs.size(0), obs.size(1)}, torch::kLong);
      auto* p = a.data_ptr<int64_t>();
      for (int64_t i = 0; i < obs.size(0); ++i)
        for (int64_t k = 0; k < obs.size(1); ++k)
          p[i * obs.size(1) + k] =
              static_cast<int64_t>(rngs[i].below(static_cast<uint64_t>(num_actions)));
      return a;
    };
    trivial = play(*env, schedule, random);
  }
  scores.optimal = member_means(optimal, P, episodes);
  scores.trivial = member_means(trivial, P, episodes);
  return scores;
}

}  // namespace

}  // namespace hg
