// `cartpole`: the classic cart-pole (Barto, Sutton and Anderson 1983) with the
// constants and Euler integration of gym's CartPole-v1, and CARL's context
// parameters (Benjamins et al. 2021) drawn per episode from ranges per split.
//
// Each episode's level seed draws, with Rng(level_seed): the initial state
// (x, x_dot, theta, theta_dot) ~ U(-0.05, 0.05)^4, then gravity, masscart,
// masspole, length (half the pole's length, as in gym) and force_mag, each
// uniform in its range. Action 1 pushes right with force_mag, 0 left. Reward
// 1 for every step, the last included; the episode ends when |x| > 2.4,
// |theta| > 12 degrees or after max_steps steps.
//
// Observation: (x, x_dot, theta, theta_dot) and, with context_obs, the five
// context values divided by gym's defaults. State in double precision (as
// gym), structure of arrays over all P x E copies.
//
// References: optimal = max_steps (balancing to the limit); trivial: the
// random policy, estimated by the harness.
#include <cmath>
#include <memory>

#include "hourglass/tasks/family.h"
#include "hourglass/tasks/interactive.h"

namespace hg {
namespace {

constexpr double kTau = 0.02;
constexpr double kXThreshold = 2.4;
constexpr double kThetaThreshold = 12 * 2 * M_PI / 360;
constexpr double kDefaults[5] = {9.8, 1.0, 0.1, 0.5, 10.0};  // gravity .. force_mag
const char* const kContextNames[5] = {"gravity", "masscart", "masspole", "length", "force_mag"};

class CartPole final : public Environment {
 public:
  CartPole(const Params& p, int64_t population, int64_t copies)
      : Environment(population, copies),
        context_obs_(p.boolean("context_obs")),
        max_steps_(p.integer("max_steps")) {
    for (int c = 0; c < 5; ++c) ranges_[c] = p.range(kContextNames[c]);
    const auto n = static_cast<size_t>(population * copies);
    for (auto* v : {&x_, &x_dot_, &theta_, &theta_dot_, &gravity_, &masspole_, &length_,
                    &force_mag_, &total_mass_, &polemass_length_, &masscart_})
      v->assign(n, 0.0);
    steps_.assign(n, 0);
  }

  EnvSpec spec() const override { return {context_obs_ ? 9 : 4, 2, max_steps_}; }

  double optimal_return(int64_t, uint64_t) const override {
    return static_cast<double>(max_steps_);
  }

 protected:
  void do_reset(int64_t k, uint64_t level_seed, float* obs) override {
    Rng rng(level_seed);
    x_[k] = rng.uniform(-0.05, 0.05);
    x_dot_[k] = rng.uniform(-0.05, 0.05);
    theta_[k] = rng.uniform(-0.05, 0.05);
    theta_dot_[k] = rng.uniform(-0.05, 0.05);
    double c[5];
    for (int i = 0; i < 5; ++i) c[i] = rng.uniform(ranges_[i].first, ranges_[i].second);
    gravity_[k] = c[0];
    masscart_[k] = c[1];
    masspole_[k] = c[2];
    length_[k] = c[3];
    force_mag_[k] = c[4];
    total_mass_[k] = c[1] + c[2];
    polemass_length_[k] = c[2] * c[3];
    steps_[k] = 0;
    write_obs(k, obs);
  }

  void do_step(const int64_t* actions, LevelSchedule& levels, float* obs, float* reward,
               bool* done) override {
    const int64_t n = population() * copies();
    const int64_t dim = context_obs_ ? 9 : 4;
    for (int64_t k = 0; k < n; ++k) {
      const double force = actions[k] == 1 ? force_mag_[k] : -force_mag_[k];
      const double costheta = std::cos(theta_[k]);
      const double sintheta = std::sin(theta_[k]);
      const double temp =
          (force + polemass_length_[k] * theta_dot_[k] * theta_dot_[k] * sintheta) / total_mass_[k];
      const double thetaacc =
          (gravity_[k] * sintheta - costheta * temp) /
          (length_[k] * (4.0 / 3.0 - masspole_[k] * costheta * costheta / total_mass_[k]));
      const double xacc = temp - polemass_length_[k] * thetaacc * costheta / total_mass_[k];
      x_[k] += kTau * x_dot_[k];
      x_dot_[k] += kTau * xacc;
      theta_[k] += kTau * theta_dot_[k];
      theta_dot_[k] += kTau * thetaacc;
      const int32_t t = ++steps_[k];
      const bool end = x_[k] < -kXThreshold || x_[k] > kXThreshold || theta_[k] < -kThetaThreshold ||
                       theta_[k] > kThetaThreshold || t >= max_steps_;
      reward[k] = 1.0f;
      done[k] = end;
      if (end)
        do_reset(k, levels.next(k / copies(), k % copies()), obs + k * dim);
      else
        write_obs(k, obs + k * dim);
    }
  }

 private:
  void write_obs(int64_t k, float* o) const {
    o[0] = static_cast<float>(x_[k]);
    o[1] = static_cast<float>(x_dot_[k]);
    o[2] = static_cast<float>(theta_[k]);
    o[3] = static_cast<float>(theta_dot_[k]);
    if (context_obs_) {
      o[4] = static_cast<float>(gravity_[k] / kDefaults[0]);
      o[5] = static_cast<float>(masscart_[k] / kDefaults[1]);
      o[6] = static_cast<float>(masspole_[k] / kDefaults[2]);
      o[7] = static_cast<float>(length_[k] / kDefaults[3]);
      o[8] = static_cast<float>(force_mag_[k] / kDefaults[4]);
    }
  }

  bool context_obs_;
  int64_t max_steps_;
  std::pair<double, double> ranges_[5];
  std::vector<double> x_, x_dot_, theta_, theta_dot_;
  std::vector<double> gravity_, masscart_, masspole_, length_, force_mag_, total_mass_,
      polemass_length_;
  std::vector<int32_t> steps_;
};

FamilyInfo MakeInfo() {
  FamilyInfo info;
  info.name = "cartpole";
  info.doc = "gym's CartPole-v1 with CARL context ranges per split (optimal = max_steps)";
  info.kind = TaskKind::kInteractive;
  info.params = interactive_params({
      ParamSpec::RealRange("gravity", 9.8, 9.8, 0.01, 1e3, "gravity (m/s^2), drawn per episode"),
      ParamSpec::RealRange("masscart", 1.0, 1.0, 0.01, 1e3, "mass of the cart, per episode"),
      ParamSpec::RealRange("masspole", 0.1, 0.1, 0.001, 1e3, "mass of the pole, per episode"),
      ParamSpec::RealRange("length", 0.5, 0.5, 0.01, 1e3,
                           "half the pole's length (gym's `length`), per episode"),
      ParamSpec::RealRange("force_mag", 10.0, 10.0, 0.01, 1e4, "push force, per episode"),
      ParamSpec::Bool("context_obs", false, "append the context (divided by the defaults) to the observation"),
      ParamSpec::Int("max_steps", 500, 1, 1e6, "episode limit (and the optimal return)"),
  });
  info.make_environment = [](const Params& p, const std::vector<uint64_t>& seeds, int64_t copies) {
    return std::make_unique<CartPole>(p, static_cast<int64_t>(seeds.size()), copies);
  };
  info.suggested_ood = {
      {"long-pole", {{"length", std::vector<double>{1.0, 2.0}}}, "poles two to four times as long"},
      {"heavy-pole", {{"masspole", std::vector<double>{0.3, 0.5}}}, "poles three to five times as heavy"},
  };
  return info;
}

const FamilyRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
