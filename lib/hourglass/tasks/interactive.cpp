#include "hourglass/tasks/interactive.h"

#include <stdexcept>

namespace hg {

uint64_t level_base(uint64_t instance_seed) { return mix_seed(instance_seed, "levels"); }

bool is_training_level(uint64_t id, int64_t levels) {
  return levels > 0 ? id < static_cast<uint64_t>(levels) : id < kHeldOutLevelBase;
}

namespace {

std::vector<uint64_t> bases(const std::vector<uint64_t>& instance_seeds) {
  std::vector<uint64_t> out;
  out.reserve(instance_seeds.size());
  for (uint64_t s : instance_seeds) out.push_back(level_base(s));
  return out;
}

}  // namespace

LevelSchedule LevelSchedule::training(const std::vector<uint64_t>& instance_seeds, int64_t levels,
                                      const std::string& stream_label) {
  if (levels < 0) throw std::invalid_argument("LevelSchedule: negative number of levels");
  LevelSchedule s;
  s.kind_ = Kind::kTraining;
  s.levels_ = levels;
  s.bases_ = bases(instance_seeds);
  s.streams_ = member_streams(instance_seeds, stream_label);
  return s;
}

LevelSchedule LevelSchedule::held_out(const std::vector<uint64_t>& instance_seeds,
                                      const std::string& stream_label) {
  LevelSchedule s;
  s.kind_ = Kind::kHeldOut;
  s.bases_ = bases(instance_seeds);
  s.streams_ = member_streams(instance_seeds, stream_label);
  return s;
}

LevelSchedule LevelSchedule::fixed(const std::vector<uint64_t>& instance_seeds,
                                   std::vector<uint64_t> ids, int64_t copies) {
  if (copies <= 0 || ids.size() != instance_seeds.size() * static_cast<size_t>(copies))
    throw std::invalid_argument("LevelSchedule::fixed: expected one id per member and copy");
  LevelSchedule s;
  s.kind_ = Kind::kFixed;
  s.copies_ = copies;
  s.bases_ = bases(instance_seeds);
  s.ids_ = std::move(ids);
  return s;
}

uint64_t LevelSchedule::next_id(int64_t member, int64_t copy) {
  switch (kind_) {
    case Kind::kTraining: {
      Rng& rng = streams_[static_cast<size_t>(member)];
      return levels_ > 0 ? rng.below(static_cast<uint64_t>(levels_)) : rng.below(kHeldOutLevelBase);
    }
    case Kind::kHeldOut:
      return kHeldOutLevelBase + streams_[static_cast<size_t>(member)].below(kHeldOutLevelBase);
    case Kind::kFixed: return ids_[static_cast<size_t>(member * copies_ + copy)];
  }
  return 0;
}

void Environment::reset(LevelSchedule& levels, float* obs) {
  const int64_t dim = spec().obs_dim;
  for (int64_t k = 0; k < population_ * copies_; ++k)
    do_reset(k, levels.next(k / copies_, k % copies_), obs + k * dim);
}

void Environment::step(const int64_t* actions, LevelSchedule& levels, float* obs, float* reward,
                       bool* done) {
  const int64_t n = population_ * copies_;
  const uint64_t num_actions = static_cast<uint64_t>(spec().num_actions);
  bool ok = true;
  for (int64_t k = 0; k < n; ++k) ok &= static_cast<uint64_t>(actions[k]) < num_actions;
  if (!ok)
    throw std::invalid_argument("Environment::step: an action is outside [0, " +
                                std::to_string(num_actions) + ")");
  do_step(actions, levels, obs, reward, done);
}

std::vector<ParamSpec> interactive_params(std::vector<ParamSpec> own) {
  own.push_back(ParamSpec::Int(
      "levels", 0, 0, 1e15,
      "training levels per member, ids [0, levels) (0 = unlimited); test and ood/* play "
      "held-out levels"));
  own.push_back(ParamSpec::Int("eval_episodes", 100, 1, 1e6,
                               "episodes per member and split for scoring (one level each)"));
  return own;
}

}  // namespace hg
