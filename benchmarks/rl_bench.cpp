// The interactive learners, timed: actor-critic, ppo and dqn training on
// cartpole for populations of 1, 8 and 64 members, through the runner's
// BudgetedEnvironment, as `hourglass run` trains them.
//
// One iteration is a fresh learner's whole train() on a budget sized for a
// fixed number of updates (an update is one Adam step of every member):
//   actor-critic  8 updates: each a rollout of 64 steps of 16 copies, then one
//                 step on the whole rollout (1,024 transitions per member);
//   ppo           32 updates: 2 rollouts of 64 x 16, each 4 epochs of 4
//                 minibatches of 256 transitions;
//   dqn           64 updates after 256 steps of warm-up: one vector step of 4
//                 copies and one step on 64 replayed transitions each.
// Networks as in suites/cartpole-context.yaml (hidden [64, 64]). So the
// figure for an update includes what it costs to collect its data (acting,
// stepping, advantages), which is what a researcher waits for.
//
// Counters:
//   us/update         microseconds per update of the whole population
//   us/member_update  the same, per member (lower is better as P grows)
//   member_updates/s  P x updates per second
//   env_steps/s       environment steps of all members per second
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "bench_device.h"
#include "hourglass/learners/learner.h"
#include "hourglass/run/episodes.h"
#include "hourglass/tasks/family.h"

namespace hg {
namespace {

struct RlWorkload {
  std::string learner;
  int64_t budget;   // environment steps per member
  int64_t updates;  // max_updates: the updates that budget allows
  Params (*configure)(Params);
};

Params policy_gradient(Params p) {
  p.set("hidden", std::vector<int64_t>{64, 64});
  p.set("num_envs", int64_t{16});
  p.set("rollout_steps", int64_t{64});
  return p;
}

Params dqn(Params p) {
  p.set("hidden", std::vector<int64_t>{64, 64});
  p.set("num_envs", int64_t{4});
  p.set("learning_starts", int64_t{256});
  p.set("train_freq", int64_t{4});
  return p;
}

std::vector<uint64_t> member_seeds(int64_t p) { return bench_seeds(p, 2000); }

void BM_RlUpdate(benchmark::State& state, const RlWorkload& w) {
  const int64_t P = state.range(0);
  const FamilyInfo* family = FamilyRegistry::instance().find("cartpole");
  const LearnerInfo* info = LearnerRegistry::instance().find(w.learner);
  if (!family || !info) {
    state.SkipWithError("cartpole or the learner is not registered");
    return;
  }
  Params params = w.configure(Params(info->params));
  params.set("max_updates", w.updates);
  const Params env_params(family->params);
  int64_t updates = 0, steps = 0;
  for (auto _ : state) {
    BudgetedEnvironment env(*family, env_params, member_seeds(P), /*levels=*/0, w.budget,
                            bench_device());
    InteractiveTrainContext ctx{env, env.spec(), bench_device(), member_seeds(P), 0, {}};
    auto learner = info->make_interactive(params);
    learner->train(ctx);  // ends with host reads (divergence check, rewards)
    updates += ctx.updates;
    steps += env.used() * P;
  }
  if (updates == 0) {
    state.SkipWithError("no update fitted in the budget");
    return;
  }
  const auto u = static_cast<double>(updates);
  state.counters["us/update"] =
      benchmark::Counter(u / 1e6, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["us/member_update"] = benchmark::Counter(
      u * static_cast<double>(P) / 1e6,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["member_updates/s"] =
      benchmark::Counter(u * static_cast<double>(P), benchmark::Counter::kIsRate);
  state.counters["env_steps/s"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(BM_RlUpdate, actor_critic, RlWorkload{"actor-critic", 8 * 64 * 16, 8, policy_gradient})
    ->Arg(1)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_RlUpdate, ppo, RlWorkload{"ppo", 2 * 64 * 16, 32, policy_gradient})
    ->Arg(1)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_RlUpdate, dqn, RlWorkload{"dqn", 256 + 64 * 4, 64, dqn})
    ->Arg(1)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace hg
