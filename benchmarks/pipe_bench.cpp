// What the agent protocol's pipe costs (the `external` learner), against the
// built-in path that hands a learner the same data in-process:
//   Pipe/supervised   draws of 64 samples x 8 features (linear-regression)
//                     through hourglass.agent/1 to benchmarks/pipe_agent.cpp,
//                     against BudgetedSampler::draw(64) in-process;
//   Pipe/cartpole     cart-pole steps with E = 64 copies per message, against
//                     BudgetedEnvironment::step on 64 copies in-process.
// The agent (a small C++ program) does nothing with the data, so the
// difference is the pipe: JSON lines, tensor bytes, two context switches per
// message. Each iteration is one training phase of 1,000 messages (the
// agent's start is in it, about 1 ms). P = members per population.
//
//   build/hourglass_bench --benchmark_filter=Pipe
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "hourglass/learners/learner.h"
#include "hourglass/run/budgeted_sampler.h"
#include "hourglass/run/episodes.h"
#include "hourglass/tasks/family.h"

namespace {

constexpr int64_t kBatch = 64;
constexpr int64_t kMessages = 1000;

std::vector<uint64_t> seeds_of(int64_t P) {
  std::vector<uint64_t> s;
  for (int64_t i = 0; i < P; ++i) s.push_back(static_cast<uint64_t>(i + 1));
  return s;
}

// The agent: hourglass_pipe_agent, or the program HOURGLASS_PIPE_AGENT names
// (called with the batch as its one argument), e.g. an older build of it.
hg::Params external_params() {
  const hg::LearnerInfo* info = hg::LearnerRegistry::instance().find("external");
  hg::Params p(info->params);
  const char* other = std::getenv("HOURGLASS_PIPE_AGENT");
  p.set("command", std::vector<std::string>{other && *other ? other : HOURGLASS_PIPE_AGENT,
                                            std::to_string(kBatch)});
  return p;
}

void BM_PipeSupervised(benchmark::State& state, bool through_pipe) {
  const int64_t P = state.range(0);
  const hg::FamilyInfo* family = hg::FamilyRegistry::instance().find("linear-regression");
  const hg::LearnerInfo* info = hg::LearnerRegistry::instance().find("external");
  hg::Params fp(family->params);
  fp.set("dim", int64_t{8});
  const auto seeds = seeds_of(P);
  const auto split = family->make_split(fp, seeds);
  const c10::Device cpu("cpu");
  for (auto _ : state) {
    hg::BudgetedSampler sampler(*split, seeds, kBatch * kMessages, cpu);
    if (through_pipe) {
      auto learner = info->make(external_params());
      hg::TrainContext ctx{sampler, split->shape(), cpu, seeds, 0, {}};
      learner->train(ctx);
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
  for (auto _ : state) {
    hg::BudgetedEnvironment env(*family, fp, seeds, 0, kBatch * kMessages, cpu);
    if (through_pipe) {
      auto learner = info->make_interactive(external_params());
      hg::InteractiveTrainContext ctx{env, env.spec(), cpu, seeds, 0, {}};
      learner->train(ctx);
    } else {
      env.reset(kBatch);
      while (env.remaining() >= kBatch) benchmark::DoNotOptimize(env.step(zeros).obs);
    }
    if (env.used() != kBatch * kMessages) state.SkipWithError("the budget was not spent");
  }
  state.counters["steps_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * P * kBatch * kMessages), benchmark::Counter::kIsRate);
}

// The fixed cost in every pipe iteration above: the agent's start, hello, a
// training phase with no budget (it says done at once), close and its exit.
void BM_PipeAgentLifetime(benchmark::State& state) {
  const hg::FamilyInfo* family = hg::FamilyRegistry::instance().find("cartpole");
  const hg::LearnerInfo* info = hg::LearnerRegistry::instance().find("external");
  const hg::Params fp(family->params);
  const auto seeds = seeds_of(1);
  const c10::Device cpu("cpu");
  for (auto _ : state) {
    hg::BudgetedEnvironment env(*family, fp, seeds, 0, 0, cpu);
    auto learner = info->make_interactive(external_params());
    hg::InteractiveTrainContext ctx{env, env.spec(), cpu, seeds, 0, {}};
    learner->train(ctx);
  }
}

BENCHMARK(BM_PipeAgentLifetime)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PipeSupervised, builtin, false)->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PipeSupervised, pipe, true)->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PipeCartpole, builtin, false)
    ->Arg(1)
    ->Arg(8)
    ->Arg(64)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PipeCartpole, pipe, true)
    ->Arg(1)
    ->Arg(8)
    ->Arg(64)
    ->Unit(benchmark::kMillisecond);

}  // namespace
