// The report of one or more results files: every number that `hourglass
// report` prints, computed once from the trials, so that every format (table,
// md, csv, latex, json, html) shows the same numbers. No LibTorch here: the
// report depends on results and metrics only.
//
// What is in it (docs/metrics.md has each formula, docs/reports.md each
// column):
//   populations        per (task, agent, budget, split): mean normalized score
//                      over seeds with a 95% bootstrap interval, and std
//   aggregates         per (agent, budget, split), across tasks: IQM and
//                      optimality gap of the pooled runs, mean and median of the
//                      per-task means (rliable's definitions), with stratified
//                      bootstrap intervals, and a flag when tasks have unequal
//                      numbers of ok runs
//   sample_efficiency  per (task or all tasks, agent, split): the curve, AUC over
//                      log budget, samples to threshold, practice multiplier
//                      against the reference agent at each budget
//   generalization     per (task, agent, budget): generalization gap, OOD drop
//                      per split, worst OOD, transfer ratio, from the trials
//   improvement        per (split, budget, agent X, agent Y): probability of
//                      improvement with its stratified bootstrap interval
//   on_the_line        per (task, OOD split): test against OOD population means
//                      on the probit scale, the linear fit and its R^2
//   scaling            per (task, agent, split): the power-law fit of the error
//                      1 - score against the budget, a bootstrap interval on
//                      its exponent, and the budget it predicts for the
//                      threshold
//   selection          per (task, swept agent, budget): the configuration its
//                      selection rule chose (report/selection.h), the oracle's
//                      choice and the selection gap; the tables above show the
//                      chosen configuration under the sweep's name
//
// Only trials with status ok and finite normalized scores enter a statistic;
// failed and diverged trials are counted (and listed in csv) but never
// averaged. Every bootstrap is seeded from the names of what it summarizes
// (stable_hash), so the same trials always give the same intervals.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hourglass/metrics/power_law.h"
#include "hourglass/metrics/sample_efficiency.h"
#include "hourglass/metrics/statistics.h"
#include "hourglass/report/selection.h"
#include "hourglass/results/results.h"
#include "hourglass/results/summary.h"

namespace hg {

// The pseudo-split of the aggregate and sample-efficiency tables: per trial,
// the minimum normalized score over its ood/* splits (worst OOD).
inline constexpr const char* kWorstOodSplit = "worst-ood";

// How much the text formats (table, md, latex, html) draw. compact: per task
// one row per agent with the test and worst-OOD means at each budget, and
// the aggregate IQM (what `hourglass run` prints); full: every section.
// csv and json always hold every number.
enum class ReportDetail { kCompact, kFull };

// Parses "compact" | "full"; throws InputError otherwise.
ReportDetail parse_report_detail(const std::string& name);

struct ReportOptions {
  // The agent the practice multiplier is against. "" = the suite's
  // `reference:` key (suite.config.reference) when the results have one, else
  // the agent with the highest AUC on `test` (the mean over tasks of the AUC
  // of its test curve) that is not a trivial learner; no reference (no
  // multipliers) when every agent is trivial.
  std::string reference;
  // Whether a learner, by its registered name, is trivial
  // (LearnerInfo::trivial: it scores the trivial reference by construction,
  // e.g. constant, random), so that the default reference is never one.
  // Agents are mapped to learners through suite.config.agents. Unset: no
  // learner is trivial.
  std::function<bool(const std::string& learner)> is_trivial_learner;
  double threshold = 0.9;            // tau of samples to threshold (normalized score)
  int reps = kDefaultBootstrapReps;  // bootstrap replicates (>= 1)
  bool allow_mixed = false;          // accept results files of different suites (sha256)
  ReportDetail detail = ReportDetail::kFull;  // rendering only: changes no number
  // With detail kCompact: compute only what the compact table, md and latex
  // show (population means, the aggregate IQM, the worst-OOD mean per
  // population), with no interval (NaN) and no other section, instead of
  // every number. What `hourglass run` prints after a 10,000-trial run took
  // seconds of bootstraps it never showed (issue 18). The compact text is the
  // same; html (plots of every section), csv and json need every number:
  // leave it false for them. Ignored by protocols with their own report.
  bool compact_numbers_only = false;
};

// One results file read for the report; `label` is how the report names it.
struct ReportInput {
  std::string label;
  Results results;
};

// An estimate with its interval; every field NaN when there is no data.
using Estimate = metrics::Estimate;

struct AggregateRow {
  std::string agent;
  int64_t budget = 0;
  std::string split;       // train, test, ood/* shared by >= 2 tasks, or worst-ood
  int tasks = 0;           // tasks with at least one ok run
  int tasks_expected = 0;  // tasks that have this split (a shortfall is flagged)
  int runs = 0;            // ok runs over those tasks
  // Ok runs of each task with runs, in task order. When they differ, the
  // mean and median (of per-task means) still weigh every task the same but
  // the pooled IQM and optimality gap do not: the row is flagged, naming the
  // tasks whose count differs from the most common one (ties: the larger).
  std::vector<std::pair<std::string, int>> task_runs;
  std::vector<std::string> unequal_tasks;  // empty when every task has the same count
  uint64_t seed = 0;       // bootstrap seed (the same for all four statistics)
  Estimate iqm, mean, median, optimality_gap;
};

struct EfficiencyRow {
  std::string task;  // "" for the curve of the aggregate IQM over all tasks
  std::string agent;
  std::string split;
  std::vector<int64_t> budgets;  // ascending, where the curve has a value
  std::vector<double> means;     // mean normalized score (IQM for all tasks)
  std::vector<double> lo, hi;    // the 95% interval at each budget
  double auc = 0.0;
  metrics::BudgetEstimate to_threshold{0.0, metrics::Bound::kExact};
  // Against the reference agent, one per budget: how many times more samples
  // the reference needs to match this agent there. Empty for the reference
  // itself, or when the reference has no curve here.
  std::vector<std::optional<metrics::BudgetEstimate>> multiplier;
};

struct SplitEstimate {
  std::string split;
  Estimate estimate;
  int n = 0;  // trials it is over
};

struct GeneralizationRow {
  std::string task;
  std::string agent;
  int64_t budget = 0;
  SplitEstimate gap;                    // train - test, per trial, mean [CI] over trials
  std::vector<SplitEstimate> ood_drop;  // test - ood/j, per ood split in order
  SplitEstimate worst_ood;              // min_j ood/j per trial (split "worst-ood")
  // mean(ood/j) / mean(test) over the population, per ood split (NaN when
  // the test mean is 0 or missing).
  std::vector<std::pair<std::string, double>> transfer_ratio;
};

struct ImprovementCell {
  std::string split;
  int64_t budget = 0;
  std::string x, y;  // P(X > Y)
  int tasks = 0;     // tasks where both have ok runs
  Estimate p;
};

struct LinePoint {
  std::string agent;
  int64_t budget = 0;
  double test = 0.0, ood = 0.0;  // population mean normalized scores
};

struct OnTheLine {
  std::string task;
  std::string split;  // the ood split
  std::vector<LinePoint> points;
  std::optional<double> slope, intercept, r2;  // absent with < 2 points or equal x
  double clip = 0.0;  // scores clipped into [clip, 1 - clip] before the probit
};

// Per (task, agent, split) with ok runs at 2 budgets or more: the fit of
// 1 - mean normalized score against the budget (metrics/power_law.h; the
// pure power law with fewer than 4 budgets), alpha's percentile bootstrap
// interval (seeds resampled within each budget), and the budget at which the
// fitted curve reaches the report's threshold (NaN: never, or no fit).
struct ScalingRow {
  std::string task, agent, split;
  std::vector<int64_t> budgets;  // the budgets fitted (with ok runs)
  metrics::PowerLawFit fit;      // fit.ok false: fit.why says why there is none
  metrics::Interval alpha_ci{0.0, 0.0};  // NaN when fewer than half the replicates fit
  int reps = 0, kept = 0;        // bootstrap replicates, and those whose fit is ok
  double budget_to_threshold = 0.0;
  uint64_t seed = 0;             // bootstrap seed: stable_hash("scaling/task/agent/split")
};

// Replicates of the scaling fits' bootstrap: min(--bootstrap, this). Each
// replicate is a fit (a search over alpha), a thousand times the cost of a
// mean; 1,000 replicates keep the report fast and the 2.5th and 97.5th
// percentiles stable to about a hundredth of alpha.
inline constexpr int kScalingBootstrapReps = 1000;

// protocol: transfer, per (task, target, agent, adaptation budget n): mean
// normalized scores [95% bootstrap CI] over the population's ok trials.
struct TransferRow {
  std::string task;
  std::string target;  // the target's name (without "target/")
  std::string agent;
  int64_t budget = 0;  // n: target samples of the adapted and scratch learners
  int n = 0;           // ok trials
  Estimate zero_shot, adapted, scratch;
  // D_scratch(adapted mean) - n on the scratch curve of means over the
  // budgets > 0 (metrics::effective_data_transferred_estimate); absent when
  // there is no scratch curve or no adapted mean.
  std::optional<metrics::BudgetEstimate> effective_data;
  // adapted mean / scratch mean; NaN unless the scratch mean is > 0.
  double transfer_ratio = 0.0;
};

// protocol: continual, per (task, agent, budget per stage).
struct ContinualRow {
  std::string task;
  std::string agent;
  int64_t budget = 0;
  int n = 0;                            // ok trials
  std::vector<std::string> stages;      // in stream order
  std::vector<std::vector<double>> r;   // R[i][j]: mean over ok trials
  std::vector<double> untrained;        // b_j: mean over ok trials
  // Computed per trial from its own R and b, then mean [95% CI] over trials.
  Estimate acc, bwt, fwt;
};

// protocol: deployment (protocols/deployment/deployment_report.h). Every
// estimate is computed per trial from its chunk scores (metrics/deployment.h),
// then mean [95% bootstrap CI] over the trials usable on every split it needs.

// Recovery samples after a segment switch, over the trials where it is
// defined (the learner's settled score before the switch is > 0).
struct DeploymentRecovery {
  // Mean [CI] of the samples; a trial that never got back within the
  // segment counts as the segment's length (censored).
  Estimate samples;
  bool lower_bound = false;  // some trial is censored: the true mean is >= samples.value
  int recovered = 0;         // trials that got back to the threshold
  int defined = 0;           // recovered + censored
  int undefined = 0;         // usable trials whose pre-switch score was <= 0
};

struct DeploymentSegment {
  std::string name;
  int64_t start = 0;    // stream position of its first sample
  int64_t samples = 0;  // its length
  int n = 0;            // trials usable on every chunk of it, learning and frozen
  Estimate learning, frozen;  // mean prequential score of its chunks
  Estimate gain;              // learning - frozen, paired per trial
  // After the switch into this segment; absent for the first segment.
  std::optional<DeploymentRecovery> recovery;
};

// One chunk of the stream on the prequential curve: the mean [CI] over the
// trials usable on it of its learning and frozen scores (the CI from
// min(reps, kCurveBootstrapReps) replicates).
struct DeploymentPoint {
  std::string segment;
  int64_t chunk = 0;     // index k within the segment
  int64_t position = 0;  // stream position of the chunk's first sample
  int n = 0;
  Estimate learning, frozen;
};

// Replicates of the prequential curve's intervals: min(--bootstrap, this),
// since a stream has many chunks and the band is a picture, not a test.
inline constexpr int kCurveBootstrapReps = 1000;

// Per (task, agent, pretraining budget).
struct DeploymentRow {
  std::string task;
  std::string agent;
  int64_t budget = 0;  // pretraining samples
  // Samples per chunk (suite.config.deployment.chunk); 0 when the results'
  // config does not say, and then positions and recovery count chunks.
  int64_t chunk = 0;
  double recovery_fraction = 0.0;
  std::vector<DeploymentSegment> segments;  // in stream order
  int n = 0;  // trials usable on every chunk of the stream
  Estimate learning, frozen, gain;  // whole stream (every chunk weighs the same)
  int retention_n = 0;  // trials usable on both retention splits
  // The first segment's distribution right after pretraining and at the end
  // of the stream (the learning learner), and end - pretrained.
  Estimate retention_pretrained, retention_end, retention_change;
  std::vector<DeploymentPoint> curve;  // every chunk of the stream, in order
};

struct ReportFile {
  std::string label;
  std::string suite;
  std::string sha256;
  size_t trials = 0;
};

struct Report {
  std::string suite;  // the suite's name (names joined by " + " when mixed)
  // The results' protocol (suite.config.protocol; absent means the default
  // protocol, run/protocol.h). A protocol with its own report (ProtocolInfo::
  // report_rows) fills `populations` and its rows below instead of the
  // standard tables, and its sections replace the standard ones.
  std::string protocol;
  bool protocol_tables = false;  // whether it has its own report
  std::vector<TransferRow> transfer;
  std::vector<ContinualRow> continual;
  std::vector<DeploymentRow> deployment;
  std::vector<ReportFile> files;
  ReportOptions options;  // with the reference resolved ("" when there is none)
  // How the reference was chosen: "--reference", "suite key 'reference'",
  // "highest AUC on test", or "none: every agent is a trivial learner".
  std::string reference_source;
  size_t trials = 0, failed = 0, diverged = 0;
  std::vector<std::string> tasks, agents;             // in order of first appearance
  std::vector<std::vector<std::string>> task_splits;  // per task: train, test, ood/*
  std::vector<int64_t> budgets;                       // all budgets, ascending
  std::vector<TrialRecord> trial_records;             // every trial, in input order
  std::vector<PopulationSummary> populations;
  std::vector<std::string> aggregate_splits;
  std::vector<AggregateRow> aggregates;
  std::vector<EfficiencyRow> sample_efficiency;
  std::vector<GeneralizationRow> generalization;
  std::vector<ImprovementCell> improvement;
  std::vector<OnTheLine> on_the_line;
  std::vector<ScalingRow> scaling;
  // Sweeps (report/selection.h): per (task, sweep, budget) the configuration
  // the selection rule chose and the oracle's, and every configuration's
  // means. The tables above hold the chosen configurations' trials under the
  // sweep's name (trial_records, populations, ...); `trials`, `failed` and
  // `diverged` count every trial of the files.
  std::vector<SelectionRow> selection;
  std::vector<SweepConfigurationRow> sweep_configurations;
  // Sealed splits (docs/results-format.md): per task, the split names the
  // files' resolved configs mark sealed (every format marks their scores);
  // the fingerprint of the seal key they were drawn with ("" when no file
  // had a key); and whether some file skipped them (it had no key).
  std::map<std::string, std::set<std::string>> sealed;
  std::string seal_fingerprint;
  bool sealed_skipped = false;

  bool is_sealed(const std::string& task, const std::string& split) const {
    auto it = sealed.find(task);
    return it != sealed.end() && it->second.count(split) > 0;
  }
};

// Builds the report. Throws InputError (exit 2) when the files come from
// different suites (suite.sha256) without allow_mixed, when two trials have
// the same (task, agent, budget, seed_index), when the reference agent is
// not in the results, on no trials, or on bad options.
Report build_report(const std::vector<ReportInput>& inputs, const ReportOptions& options = {});

// Whether `learner` is one of the built-in learners that are trivial
// (LearnerInfo::trivial: constant and random), known without the learner
// registry, for the `hourglass` front end that loads no LibTorch
// (apps/hourglass/main.cpp). A unit test holds it equal to the registry.
bool is_builtin_trivial_learner(const std::string& learner);

}  // namespace hg
