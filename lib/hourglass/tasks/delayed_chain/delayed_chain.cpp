// `delayed-chain`: a chain of `length` states with reward only at the far end.
//
// Each member's instance draws one correct action per state,
// c[s] = Rng(mix_seed(instance seed, s)).below(actions) (so a longer chain
// keeps the prefix). From state s, the correct action moves to s + 1; every
// other action (the distractors) stays at s. With probability `slip` the
// action taken is replaced by a uniformly random one, drawn from the episode's
// stream (seeded by the level seed). Reaching state `length` gives reward 1
// and ends the episode; no other reward. Episodes also end after max_steps
// steps (0: 2 length). Observation: the one-hot position among kObsDim = 64
// (length <= 64, so OOD chains keep the observation size).
//
// References, exact: a step advances with probability q (q = 1 - slip +
// slip / actions under the optimal policy, q = 1 / actions under the uniform
// random one), so the return is P(Binomial(max_steps, q) >= length).
#include <cmath>
#include <memory>

#include "hourglass/core/random.h"
#include "hourglass/tasks/family.h"
#include "hourglass/tasks/interactive.h"

namespace hg {
namespace {

constexpr int64_t kObsDim = 64;

// P(Binomial(n, q) >= k).
double binomial_tail(int64_t n, double q, int64_t k) {
  // dp[j] = P(j successes so far), j capped at k (absorbing).
  std::vector<double> dp(static_cast<size_t>(k + 1), 0.0);
  dp[0] = 1.0;
  for (int64_t t = 0; t < n; ++t)
    for (int64_t j = k; j >= 0; --j) {
      const double stay = j == k ? dp[j] : dp[j] * (1 - q);
      dp[j] = stay + (j > 0 ? dp[j - 1] * q : 0.0);
    }
  return dp[static_cast<size_t>(k)];
}

class DelayedChain final : public Environment {
 public:
  DelayedChain(const Params& p, const std::vector<uint64_t>& instance_seeds, int64_t copies)
      : Environment(static_cast<int64_t>(instance_seeds.size()), copies),
        length_(p.integer("length")),
        actions_(p.integer("actions")),
        slip_(p.real("slip")),
        max_steps_(p.integer("max_steps") > 0 ? p.integer("max_steps") : 2 * length_) {
    for (uint64_t seed : instance_seeds)
      for (int64_t s = 0; s < kObsDim; ++s)
        correct_.push_back(static_cast<uint8_t>(
            Rng(mix_seed(seed, static_cast<uint64_t>(s))).below(static_cast<uint64_t>(actions_))));
    const auto n = static_cast<size_t>(population() * copies);
    pos_.assign(n, 0);
    steps_.assign(n, 0);
    if (slip_ > 0) rngs_.assign(n, Rng(0));
  }

  EnvSpec spec() const override { return {kObsDim, actions_, max_steps_}; }

  double optimal_return(int64_t, uint64_t) const override {
    const double a = static_cast<double>(actions_);
    return binomial_tail(max_steps_, 1.0 - slip_ + slip_ / a, length_);
  }
  std::optional<double> random_return(int64_t, uint64_t) const override {
    return binomial_tail(max_steps_, 1.0 / static_cast<double>(actions_), length_);
  }

 protected:
  void do_reset(int64_t k, uint64_t level_seed, float* obs) override {
    pos_[k] = 0;
    steps_[k] = 0;
    if (slip_ > 0) rngs_[k] = Rng(level_seed);
    std::fill(obs, obs + kObsDim, 0.0f);
    obs[0] = 1.0f;
  }

  void do_step(const int64_t* actions, LevelSchedule& levels, float* obs, float* reward,
               bool* done) override {
    const int64_t n = population() * copies();
    for (int64_t k = 0; k < n; ++k) {
      int64_t a = actions[k];
      if (slip_ > 0 && rngs_[k].uniform() < slip_)
        a = static_cast<int64_t>(rngs_[k].below(static_cast<uint64_t>(actions_)));
      float* o = obs + k * kObsDim;
      const int64_t member = k / copies();
      if (a == correct_[member * kObsDim + pos_[k]]) ++pos_[k];
      const bool reached = pos_[k] == length_;
      const bool end = reached || ++steps_[k] >= max_steps_;
      reward[k] = reached ? 1.0f : 0.0f;
      done[k] = end;
      if (end) {
        do_reset(k, levels.next(member, k % copies()), o);
      } else {
        std::fill(o, o + kObsDim, 0.0f);
        o[pos_[k]] = 1.0f;
      }
    }
  }

 private:
  int64_t length_, actions_;
  double slip_;
  int64_t max_steps_;
  std::vector<uint8_t> correct_;  // [P, kObsDim]
  std::vector<int32_t> pos_, steps_;
  std::vector<Rng> rngs_;
};

FamilyInfo MakeInfo() {
  FamilyInfo info;
  info.name = "delayed-chain";
  info.doc = "a chain of states with reward only at the far end, distractor actions, slips";
  info.kind = TaskKind::kInteractive;
  info.params = interactive_params({
      ParamSpec::Int("length", 10, 1, kObsDim, "states to cross; reward 1 at the end"),
      ParamSpec::Int("actions", 3, 2, 16, "actions per state: one advances, the rest stay"),
      ParamSpec::Real("slip", 0.0, 0.0, 0.9, "probability that a random action replaces the chosen one"),
      ParamSpec::Int("max_steps", 0, 0, 1e6, "episode limit (0 = 2 length)"),
  });
  info.make_environment = [](const Params& p, const std::vector<uint64_t>& seeds, int64_t copies) {
    return std::make_unique<DelayedChain>(p, seeds, copies);
  };
  info.suggested_ood = {
      {"longer", {{"length", int64_t{15}}}, "a longer chain than the default 10 states"},
      {"slippery", {{"slip", 0.3}}, "random actions replace 30% of the chosen ones"},
  };
  return info;
}

const FamilyRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
