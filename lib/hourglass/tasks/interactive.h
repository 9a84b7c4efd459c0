// Interactive families: vectorized environments for P members x E copies.
//
// An Environment is one split of one interactive family for a whole
// population: member i's instance comes from instance_seeds[i] (as for
// supervised families), and each of its E copies plays episodes on levels.
// State lives in plain C++ structure-of-arrays over all P x E copies; step()
// reads P x E actions and writes observations, rewards and done flags straight
// into caller-owned buffers (the runner points them at preallocated host
// tensors). A copy whose episode ends is reset at once on the next level of
// the schedule, and the observation written for it is the new episode's first
// (gym's automatic reset): done[k] says that the step taken by copy k ended
// its episode and reward[k] is that step's reward.
//
// Levels are integer ids owned by the harness, never the family (Procgen's
// split of levels): a LevelSchedule hands the environment the seed of each new
// episode's level, and the family builds the level (maze layout, physics
// context) from that seed alone. Everything random inside an episode (start
// state, slips) is drawn from the level seed, so an episode is a pure function
// of its level seed and the actions taken.
//
// Who calls what: the runner builds one Environment per split (train for
// training, fresh ones with E = eval_episodes for evaluation), and a learner
// reaches the train one only through the budgeted EnvironmentSource
// (learners/learner.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hourglass/core/params.h"
#include "hourglass/core/random.h"

namespace hg {

struct EnvSpec {
  int64_t obs_dim = 1;      // observation features per copy (float32)
  int64_t num_actions = 2;  // discrete actions 0 .. num_actions - 1
  int64_t max_steps = 1;    // episode limit: no episode is longer
};

// Level ids: member i's `train` split is the ids [0, levels) (levels > 0) or
// every id below kHeldOutLevelBase (levels == 0, "unlimited", Procgen's
// num_levels = 0); `test` and every `ood/*` split draw ids at or above
// kHeldOutLevelBase, so train and held-out levels never meet. A level's seed
// is mix_seed(level_base(instance seed), id), a bijection of the id: distinct
// ids are distinct levels.
inline constexpr uint64_t kHeldOutLevelBase = uint64_t{1} << 62;

// The per-member base that level ids are mixed with.
uint64_t level_base(uint64_t instance_seed);
// Whether `id` belongs to the training levels when `levels` are used.
bool is_training_level(uint64_t id, int64_t levels);

// Which level each new episode is played on: owned by the harness. One random
// stream per member, so a member's levels do not depend on the others.
class LevelSchedule {
 public:
  // Episodes draw uniformly from the training levels (see above).
  static LevelSchedule training(const std::vector<uint64_t>& instance_seeds, int64_t levels,
                                const std::string& stream_label);
  // Episodes draw uniformly from the held-out ids [kHeldOutLevelBase, 2^63).
  static LevelSchedule held_out(const std::vector<uint64_t>& instance_seeds,
                                const std::string& stream_label);
  // Copy (i, e) always plays level ids[i * copies + e] (evaluation: one
  // predetermined level per episode).
  static LevelSchedule fixed(const std::vector<uint64_t>& instance_seeds,
                             std::vector<uint64_t> ids, int64_t copies);

  // The level seed of the next episode of copy `copy` of member `member`.
  uint64_t next(int64_t member, int64_t copy) {
    return mix_seed(bases_[static_cast<size_t>(member)], next_id(member, copy));
  }
  uint64_t next_id(int64_t member, int64_t copy);
  uint64_t seed_of(int64_t member, uint64_t id) const {
    return mix_seed(bases_[static_cast<size_t>(member)], id);
  }

 private:
  enum class Kind { kTraining, kHeldOut, kFixed };
  LevelSchedule() = default;
  Kind kind_ = Kind::kTraining;
  int64_t levels_ = 0;
  int64_t copies_ = 0;
  std::vector<uint64_t> bases_;
  std::vector<Rng> streams_;
  std::vector<uint64_t> ids_;
};

class Environment {
 public:
  virtual ~Environment() = default;

  virtual EnvSpec spec() const = 0;
  int64_t population() const { return population_; }
  int64_t copies() const { return copies_; }

  // Starts a new episode in every copy, levels from `levels`.
  // obs: P * E * obs_dim floats, row-major [P, E, obs_dim].
  void reset(LevelSchedule& levels, float* obs);
  // One step of every copy. actions: P * E ids in [0, num_actions) (checked:
  // std::invalid_argument otherwise); obs as in reset; reward, done: P * E.
  void step(const int64_t* actions, LevelSchedule& levels, float* obs, float* reward,
            bool* done);

  // The best expected return of an episode of member `member` on the level
  // with this seed (the optimal reference): exact.
  virtual double optimal_return(int64_t member, uint64_t level_seed) const = 0;
  // The uniform random policy's expected return there when the family knows
  // it exactly; otherwise the harness estimates it by playing random actions
  // with a fixed seed.
  virtual std::optional<double> random_return(int64_t /*member*/, uint64_t /*level_seed*/) const {
    return std::nullopt;
  }

 protected:
  Environment(int64_t population, int64_t copies) : population_(population), copies_(copies) {}

  // Starts an episode of copy k = member * E + copy on `level_seed`; writes
  // its first observation to obs (obs_dim floats).
  virtual void do_reset(int64_t k, uint64_t level_seed, float* obs) = 0;
  // Steps every copy (actions already checked); calls do_reset itself, with
  // levels.next(k / E, k % E), for copies whose episode ended.
  virtual void do_step(const int64_t* actions, LevelSchedule& levels, float* obs, float* reward,
                       bool* done) = 0;

 private:
  int64_t population_;
  int64_t copies_;
};

// Parameters every interactive family has (EnvPool's shared keys), declared
// once here and appended to each family's own by interactive_params():
//   levels         training levels per member (0 = unlimited)
//   eval_episodes  episodes per member and split for scoring
std::vector<ParamSpec> interactive_params(std::vector<ParamSpec> own);

}  // namespace hg
