// What `hourglass report` and `hourglass run --resume` of a finished run
// spend on a 10,000-trial results file (issue 18; docs/performance.md,
// "Reports of 10,000 trials"): the shape of benchmarks/report-10k.yaml,
// 10 tasks x 10 agents x 10 budgets x 10 seeds, each task with train, test
// and one OOD split (ood/wide-x on even tasks, ood/far-x on odd ones, so 5
// aggregated splits with worst-ood), scores generated here (deterministic:
// a power law in the budget per agent plus seeded noise).
//
//   BM_Report10k        build_report with the default 10,000 bootstrap
//                       replicates (every number of the full report; the
//                       rendering is not included)
//   BM_ResultsSummary10k summarize(): the `summary` of results.json, which
//                       `run` (and `--resume`) writes before its report
//
//   build/hourglass_bench --benchmark_filter='Report10k|Summary10k'
//
// The target (issue 18): the report and --resume in under 5 s on a 2-core
// machine. A speed target, not a timed test: read it here and in the docs.
#include <benchmark/benchmark.h>

#include <cmath>
#include <string>
#include <vector>

#include "hourglass/metrics/statistics.h"
#include "hourglass/report/report.h"
#include "hourglass/results/summary.h"

namespace {

hg::Results results_10k() {
  hg::metrics::Xoshiro256StarStar rng(18);
  auto uniform = [&] { return static_cast<double>(rng.next() >> 11) * 0x1.0p-53; };
  hg::Results results;
  results.suite = {{"name", "scale-10k"}, {"sha256", "bench"}};
  for (int task = 0; task < 10; ++task)
    for (int agent = 0; agent < 10; ++agent)
      for (int b = 0; b < 10; ++b)
        for (int seed = 0; seed < 10; ++seed) {
          hg::TrialRecord t;
          t.task = "task-" + std::to_string(task);
          t.agent = "agent-" + std::to_string(agent);
          t.budget = int64_t{10} << b;
          t.seed_index = seed;
          t.samples_used = t.budget;
          const double test = 1.0 - (0.5 + 0.3 * agent) * std::pow(t.budget, -0.4) +
                              0.05 * (uniform() - 0.5);
          const std::string ood = task % 2 == 0 ? "ood/wide-x" : "ood/far-x";
          t.splits = {{"train", -1.0, test + 0.05 * uniform()},
                      {"test", -1.0, test},
                      {ood, -2.0, test - 0.3 * uniform()}};
          results.trials.push_back(std::move(t));
        }
  return results;
}

void BM_Report10k(benchmark::State& state) {
  const std::vector<hg::ReportInput> inputs = {{"results.json", results_10k()}};
  hg::ReportOptions options;
  options.reps = static_cast<int>(state.range(0));
  for (auto _ : state) {
    const hg::Report report = hg::build_report(inputs, options);
    benchmark::DoNotOptimize(report.improvement.data());
  }
  state.counters["trials"] = static_cast<double>(inputs.front().results.trials.size());
}
BENCHMARK(BM_Report10k)->Arg(hg::kDefaultBootstrapReps)->Unit(benchmark::kMillisecond)
    ->Iterations(1)->UseRealTime();

void BM_ResultsSummary10k(benchmark::State& state) {
  const hg::Results results = results_10k();
  for (auto _ : state) {
    const auto summary = hg::summarize(results.trials);
    benchmark::DoNotOptimize(summary.data());
  }
}
BENCHMARK(BM_ResultsSummary10k)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace
