// Environment steps per second per family, random actions, one member with
// E = 16, 256, 4096 copies, each episode on a new level (levels: 0) unless
// the name gives the number of training levels, stepped in plain C++ into
// preallocated buffers (what the runner's BudgetedEnvironment does, without
// the tensor copies it hands the learner). Actions come from a pregenerated pool, so the figure is
// the environment's alone. One thread: the rate is per core.
//
//   build/hourglass_bench --benchmark_filter=Env
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "hourglass/core/random.h"
#include "hourglass/tasks/family.h"
#include "hourglass/tasks/interactive.h"

namespace {

void BM_EnvStep(benchmark::State& state, const std::string& family, int64_t levels_count) {
  const int64_t E = state.range(0);
  const hg::FamilyInfo* info = hg::FamilyRegistry::instance().find(family);
  if (!info) {
    state.SkipWithError(("no family " + family).c_str());
    return;
  }
  const hg::Params params(info->params);
  const std::vector<uint64_t> seeds{1};
  auto env = info->make_environment(params, seeds, E);
  auto levels = hg::LevelSchedule::training(seeds, levels_count, "bench");
  const auto spec = env->spec();
  std::vector<float> obs(static_cast<size_t>(E * spec.obs_dim)), reward(static_cast<size_t>(E));
  std::unique_ptr<bool[]> done(new bool[static_cast<size_t>(E)]);
  constexpr int64_t kPool = 64;  // steps of actions, reused in turn
  std::vector<int64_t> actions(static_cast<size_t>(kPool * E));
  hg::Rng rng(7);
  for (auto& a : actions) a = static_cast<int64_t>(rng.below(static_cast<uint64_t>(spec.num_actions)));
  env->reset(levels, obs.data());
  int64_t t = 0;
  for (auto _ : state) {
    env->step(actions.data() + (t % kPool) * E, levels, obs.data(), reward.data(), done.get());
    benchmark::DoNotOptimize(obs.data());
    benchmark::ClobberMemory();
    ++t;
  }
  state.counters["steps_per_s"] =
      benchmark::Counter(static_cast<double>(t * E), benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(BM_EnvStep, cartpole, std::string("cartpole"), 0)->Arg(16)->Arg(256)->Arg(4096);
BENCHMARK_CAPTURE(BM_EnvStep, maze, std::string("maze"), 0)->Arg(16)->Arg(256)->Arg(4096);
// Training on a finite set of levels (procgen-maze's middle size).
BENCHMARK_CAPTURE(BM_EnvStep, maze_100_levels, std::string("maze"), 100)->Arg(4096);
BENCHMARK_CAPTURE(BM_EnvStep, delayed_chain, std::string("delayed-chain"), 0)
    ->Arg(16)->Arg(256)->Arg(4096);

}  // namespace
