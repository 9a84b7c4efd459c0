// What the agent protocol's pipe costs (the `external` learner), against the
// built-in path that hands a learner the same data in-process:
//   Pipe/supervised   draws of 64 samples x 8 features (linear-regression)
//                     through hourglass.agent/1 to benchmarks/pipe_agent.cpp,
//                     against BudgetedSampler::draw(64) in-process;
//   Pipe/cartpole     cart-pole steps with E = 64 copies per message, against
//                     BudgetedEnvironment::step on 64 copies in-process;
//   AgentLifetime     what a population pays once (start, hello, close,
//                     exit);
//   Floor             round trips of 2 or 16 KiB through /bin/cat, whose
//                     reads sleep: what a protocol over a pipe costs when
//                     one end sleeps between messages.
// The agent (a small C++ program; HOURGLASS_PIPE_AGENT=path runs another)
// does nothing with the data, so the difference is the pipe: the lines, the
// tensors' bytes, the round trip. A pipe iteration is one further training
// phase (1,000 messages) of an agent started before the timing; P = members;
// spin_us = how long the harness and the agent read without sleeping while
// an answer is due (0, or the default 100; spin_read.h).
//
//   build/hourglass_bench --benchmark_filter='Pipe(Cart|Sup)|AgentLifetime'
//       --benchmark_min_time=0.5 --benchmark_repetitions=3
//
// Measured 2026-12-01 on the 2-vCPU machine, idle, 3 rounds, ratio of the
// fastest repetitions (docs/performance.md, "The agent pipe", has the
// medians, the supervised ones and a busy neighbour's): cart-pole pipe /
// built-in at P = 1, 8, 64: 17.6, 5.9, 2.1 with spin_us 0; 1.87, 1.50, 1.66
// with spin_us 100. The goal, under 2x, holds at every P on an idle machine.
#include <benchmark/benchmark.h>
#include <spawn.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "hourglass/learners/external/spin_read.h"
#include "hourglass/learners/learner.h"
#include "hourglass/run/budgeted_sampler.h"
#include "hourglass/run/episodes.h"
#include "hourglass/tasks/family.h"

extern char** environ;

namespace {

constexpr int64_t kBatch = 64;
constexpr int64_t kMessages = 1000;

std::vector<uint64_t> seeds_of(int64_t P) {
  std::vector<uint64_t> s;
  for (int64_t i = 0; i < P; ++i) s.push_back(static_cast<uint64_t>(i + 1));
  return s;
}

// The agent: hourglass_pipe_agent, or the program HOURGLASS_PIPE_AGENT names
// (called with the batch and spin_us as its arguments), e.g. an older build
// of it. spin_us: how long the harness (the external learner's `spin_us`)
// and the agent read without sleeping while an answer is due.
hg::Params external_params(int64_t spin_us) {
  const hg::LearnerInfo* info = hg::LearnerRegistry::instance().find("external");
  hg::Params p(info->params);
  const char* other = std::getenv("HOURGLASS_PIPE_AGENT");
  p.set("command", std::vector<std::string>{other && *other ? other : HOURGLASS_PIPE_AGENT,
                                            std::to_string(kBatch), std::to_string(spin_us)});
  p.set("spin_us", spin_us);
  return p;
}

// The pipe cases' second argument: spin_us (0: both ends sleep in poll()
// whenever nothing is there, as before spinning; 100: the default).
int64_t spin_us_of(const benchmark::State& state, bool through_pipe) {
  return through_pipe ? state.range(1) : 0;
}

// Through the pipe, each iteration is one further training phase of the
// same agent (continue_training: a `train` message, then kMessages draws or
// steps), started before the timing: the per-message cost, which a
// population pays for every step. The agent's start and end, paid once per
// population, is BM_PipeAgentLifetime's.
void BM_PipeSupervised(benchmark::State& state, bool through_pipe) {
  const int64_t P = state.range(0);
  const hg::FamilyInfo* family = hg::FamilyRegistry::instance().find("linear-regression");
  const hg::LearnerInfo* info = hg::LearnerRegistry::instance().find("external");
  hg::Params fp(family->params);
  fp.set("dim", int64_t{8});
  const auto seeds = seeds_of(P);
  const auto split = family->make_split(fp, seeds);
  const c10::Device cpu("cpu");
  std::unique_ptr<hg::Learner> learner;
  if (through_pipe) {  // started, with an empty first phase
    learner = info->make(external_params(spin_us_of(state, through_pipe)));
    hg::BudgetedSampler none(*split, seeds, 0, cpu);
    hg::TrainContext ctx{none, split->shape(), cpu, seeds, 0, {}};
    learner->train(ctx);
  }
  for (auto _ : state) {
    hg::BudgetedSampler sampler(*split, seeds, kBatch * kMessages, cpu);
    if (through_pipe) {
      hg::TrainContext ctx{sampler, split->shape(), cpu, seeds, 0, {}};
      learner->continue_training(ctx);
    } else {
      while (sampler.remaining() >= kBatch) benchmark::DoNotOptimize(sampler.draw(kBatch).x);
    }
    if (sampler.used() != kBatch * kMessages) state.SkipWithError("the budget was not spent");
  }
  state.counters["samples_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * P * kBatch * kMessages), benchmark::Counter::kIsRate);
}

void BM_PipeCartpole(benchmark::State& state, bool through_pipe) {
  const int64_t P = state.range(0);
  const hg::FamilyInfo* family = hg::FamilyRegistry::instance().find("cartpole");
  const hg::LearnerInfo* info = hg::LearnerRegistry::instance().find("external");
  const hg::Params fp(family->params);
  const auto seeds = seeds_of(P);
  const c10::Device cpu("cpu");
  const auto zeros = torch::zeros({P, kBatch}, torch::kLong);
  std::unique_ptr<hg::InteractiveLearner> learner;
  if (through_pipe) {  // started, with an empty first phase
    learner = info->make_interactive(external_params(spin_us_of(state, through_pipe)));
    hg::BudgetedEnvironment none(*family, fp, seeds, 0, 0, cpu);
    hg::InteractiveTrainContext ctx{none, none.spec(), cpu, seeds, 0, {}};
    learner->train(ctx);
  }
  for (auto _ : state) {
    hg::BudgetedEnvironment env(*family, fp, seeds, 0, kBatch * kMessages, cpu);
    if (through_pipe) {
      hg::InteractiveTrainContext ctx{env, env.spec(), cpu, seeds, 0, {}};
      learner->continue_training(ctx);
    } else {
      env.reset(kBatch);
      while (env.remaining() >= kBatch) benchmark::DoNotOptimize(env.step(zeros).obs);
    }
    if (env.used() != kBatch * kMessages) state.SkipWithError("the budget was not spent");
  }
  state.counters["steps_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * P * kBatch * kMessages), benchmark::Counter::kIsRate);
}

// The fixed cost of a population through the pipe, once: the agent's start,
// hello, a training phase with no budget (it says done at once), close and
// its exit.
void BM_PipeAgentLifetime(benchmark::State& state) {
  const hg::FamilyInfo* family = hg::FamilyRegistry::instance().find("cartpole");
  const hg::LearnerInfo* info = hg::LearnerRegistry::instance().find("external");
  const hg::Params fp(family->params);
  const auto seeds = seeds_of(1);
  const c10::Device cpu("cpu");
  for (auto _ : state) {
    hg::BudgetedEnvironment env(*family, fp, seeds, 0, 0, cpu);
    auto learner =
        info->make_interactive(external_params(hg::SpinPolicy::kDefaultMaxSpinNs / 1000));
    hg::InteractiveTrainContext ctx{env, env.spec(), cpu, seeds, 0, {}};
    learner->train(ctx);
  }
}

BENCHMARK(BM_PipeAgentLifetime)->Unit(benchmark::kMillisecond);

// The floor under any pipe protocol: a round trip of `bytes` to /bin/cat and
// back (two wake-ups, two copies each way), nothing parsed, 1,000 per
// iteration as above. bytes: a P = 1 step and transition (512 + 1,536 bytes
// of tensors, about 2 KiB), and a P = 8 one (about 16 KiB).
void BM_PipeFloor(benchmark::State& state) {
  const auto bytes = static_cast<size_t>(state.range(0));
  int in[2], out[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0) {
    state.SkipWithError("pipe");
    return;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addclose(&actions, in[1]);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  char cat[] = "cat";
  char* argv[] = {cat, nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, "cat", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  std::vector<char> buffer(bytes, 'x');
  bool ok = rc == 0;
  for (auto _ : state) {
    for (int64_t i = 0; i < kMessages && ok; ++i) {
      ok = ::write(in[1], buffer.data(), bytes) == static_cast<ssize_t>(bytes);
      for (size_t got = 0; got < bytes && ok;) {
        const ssize_t n = ::read(out[0], buffer.data() + got, bytes - got);
        ok = n > 0;
        got += n > 0 ? static_cast<size_t>(n) : 0;
      }
    }
  }
  if (!ok) state.SkipWithError("the round trip through cat failed");
  ::close(in[1]);
  ::close(out[0]);
  if (pid > 0) ::waitpid(pid, nullptr, 0);
}

BENCHMARK(BM_PipeFloor)->Arg(2048)->Arg(16384)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PipeSupervised, builtin, false)->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PipeSupervised, pipe, true)
    ->ArgsProduct({{1, 8}, {0, 100}})
    ->ArgNames({"P", "spin_us"})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PipeCartpole, builtin, false)
    ->Arg(1)
    ->Arg(8)
    ->Arg(64)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PipeCartpole, pipe, true)
    ->ArgsProduct({{1, 8, 64}, {0, 100}})
    ->ArgNames({"P", "spin_us"})
    ->Unit(benchmark::kMillisecond);

}  // namespace
