// protocol: deployment, its report (deployment_report.h): per (task, agent,
// pretraining budget) the prequential scores per segment and over the
// stream, the gain over the frozen learner, recovery samples after each
// switch, retention, and the prequential curve. No LibTorch here.
#include "hourglass/protocols/deployment/deployment_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "hourglass/core/error.h"
#include "hourglass/metrics/deployment.h"
#include "hourglass/report/protocol_report.h"
#include "hourglass/results/protocol_splits.h"

namespace hg {

using report::by_population;
using report::mean_ci;
using report::population_label;
using report::usable;

namespace {

struct SegmentPlan {
  std::string name;
  int64_t chunks = 0;
};

// A task's stream as the report reads it.
struct StreamPlan {
  std::vector<SegmentPlan> segments;
  int64_t chunk = 0;  // 0: unknown (positions and recovery in chunks)
  double fraction = metrics::kDefaultRecoveryFraction;
};

// chunk and recovery_fraction of one config's `deployment` object.
std::pair<int64_t, double> deployment_keys(const nlohmann::json& config) {
  auto it = config.find("deployment");
  if (it == config.end() || !it->is_object()) return {0, metrics::kDefaultRecoveryFraction};
  int64_t chunk = 0;
  double fraction = metrics::kDefaultRecoveryFraction;
  if (auto c = it->find("chunk"); c != it->end()) {
    if (!c->is_number_integer() || c->get<int64_t>() < 1)
      throw InputError("results config: deployment.chunk: expected an integer >= 1, got " +
                       c->dump());
    chunk = c->get<int64_t>();
  }
  if (auto f = it->find("recovery_fraction"); f != it->end()) {
    if (!f->is_number() || !(f->get<double>() > 0.0 && f->get<double>() <= 1.0))
      throw InputError(
          "results config: deployment.recovery_fraction: expected a number in (0, 1], got " +
          f->dump());
    fraction = f->get<double>();
  }
  return {chunk, fraction};
}

// Per task: its stream, from the resolved configs (trial splits are JSON
// objects: no order). Only tasks with `segments` and a known chunk.
std::map<std::string, StreamPlan> stream_plans(const std::vector<nlohmann::json>& configs) {
  std::map<std::string, StreamPlan> out;
  for (const auto& config : configs) {
    if (!config.is_object()) continue;
    const auto [suite_chunk, fraction] = deployment_keys(config);
    auto tasks = config.find("tasks");
    if (suite_chunk == 0 || tasks == config.end() || !tasks->is_array()) continue;
    for (const auto& task : *tasks) {
      if (!task.is_object() || !task.contains("segments") || !task["segments"].is_array() ||
          !task.contains("name") || !task["name"].is_string())
        continue;
      const std::string name = task["name"].get<std::string>();
      // The task's own chunk (tasks[i].chunk, its `chunk:` or the suite's).
      int64_t chunk = suite_chunk;
      if (auto c = task.find("chunk"); c != task.end()) {
        if (!c->is_number_integer() || c->get<int64_t>() < 1)
          throw InputError("results config: task '" + name +
                           "': chunk: expected an integer >= 1, got " + c->dump());
        chunk = c->get<int64_t>();
      }
      StreamPlan plan;
      plan.chunk = chunk;
      plan.fraction = fraction;
      for (const auto& segment : task["segments"]) {
        if (!segment.is_object() || !segment.contains("name") || !segment["name"].is_string())
          throw InputError("results config: task '" + name + "': a segment has no name");
        const std::string where = "results config: task '" + name + "': segment '" +
                                  segment["name"].get<std::string>() + "': samples";
        auto samples = segment.find("samples");
        if (samples == segment.end() || !samples->is_number_integer() ||
            samples->get<int64_t>() < chunk || samples->get<int64_t>() % chunk != 0)
          throw InputError(where + ": expected a positive multiple of the chunk (" +
                           std::to_string(chunk) + "), got " +
                           (samples == segment.end() ? std::string("nothing") : samples->dump()));
        plan.segments.push_back(
            {segment["name"].get<std::string>(), samples->get<int64_t>() / chunk});
      }
      out[name] = plan;
    }
  }
  return out;
}

// A task the configs do not describe: segments in the order their
// learning/<segment>/<k> splits first appear, chunks up to the highest k.
StreamPlan plan_from_splits(const std::vector<const TrialRecord*>& trials, double fraction) {
  StreamPlan plan;
  plan.fraction = fraction;
  const std::string prefix = kLearningPrefix;
  for (const TrialRecord* t : trials)
    for (const auto& s : t->splits) {
      if (s.split.compare(0, prefix.size(), prefix) != 0) continue;
      const size_t slash = s.split.rfind('/');
      const std::string index = s.split.substr(slash + 1);
      if (slash < prefix.size() + 1 || index.empty() || index.size() > 9 ||
          index.find_first_not_of("0123456789") != std::string::npos)
        continue;
      const std::string name = s.split.substr(prefix.size(), slash - prefix.size());
      const int64_t chunks = std::stoll(index) + 1;
      auto it = std::find_if(plan.segments.begin(), plan.segments.end(),
                             [&](const SegmentPlan& p) { return p.name == name; });
      if (it == plan.segments.end())
        plan.segments.push_back({name, chunks});
      else
        it->chunks = std::max(it->chunks, chunks);
    }
  return plan;
}

std::string chunk_split(const char* prefix, const std::string& segment, int64_t k) {
  return prefix + segment + "/" + std::to_string(k);
}

// The trial's scores of every chunk of a segment; absent unless all usable.
std::optional<std::vector<double>> chunk_scores(const TrialRecord& t, const char* prefix,
                                                const SegmentPlan& segment) {
  std::vector<double> out;
  out.reserve(static_cast<size_t>(segment.chunks));
  for (int64_t k = 0; k < segment.chunks; ++k) {
    auto v = usable(t, chunk_split(prefix, segment.name, k));
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

}  // namespace

void deployment_rows(Report& r, const std::vector<nlohmann::json>& configs) {
  const auto plans = stream_plans(configs);
  double fallback_fraction = metrics::kDefaultRecoveryFraction;
  for (const auto& config : configs)
    if (config.is_object()) fallback_fraction = deployment_keys(config).second;
  const int reps = r.options.reps;
  const int curve_reps = std::min(reps, kCurveBootstrapReps);
  for (const auto& [key, trials] : by_population(r.trial_records)) {
    DeploymentRow row;
    std::tie(row.task, row.agent, row.budget) = key;
    auto found = plans.find(row.task);
    const StreamPlan plan =
        found != plans.end() ? found->second : plan_from_splits(trials, fallback_fraction);
    if (plan.segments.empty()) continue;
    row.chunk = plan.chunk;
    row.recovery_fraction = plan.fraction;
    const int64_t unit = plan.chunk > 0 ? plan.chunk : 1;
    const size_t S = plan.segments.size();
    const std::string base = "deployment/" + population_label(key) + "/";

    // Per trial and segment: its learning and frozen chunk scores.
    std::vector<std::vector<std::optional<std::vector<double>>>> L, F;
    for (const TrialRecord* t : trials) {
      L.emplace_back();
      F.emplace_back();
      for (const auto& segment : plan.segments) {
        L.back().push_back(chunk_scores(*t, kLearningPrefix, segment));
        F.back().push_back(chunk_scores(*t, kFrozenPrefix, segment));
      }
    }

    int64_t start = 0;
    for (size_t s = 0; s < S; ++s) {
      const SegmentPlan& p = plan.segments[s];
      DeploymentSegment seg;
      seg.name = p.name;
      seg.start = start;
      seg.samples = p.chunks * unit;
      std::vector<double> learning, frozen, gain;
      for (size_t i = 0; i < trials.size(); ++i) {
        if (!L[i][s] || !F[i][s]) continue;
        learning.push_back(metrics::prequential_score(*L[i][s]));
        frozen.push_back(metrics::prequential_score(*F[i][s]));
        gain.push_back(metrics::deployment_gain(*L[i][s], *F[i][s]));
      }
      seg.n = static_cast<int>(learning.size());
      const std::string at = base + p.name + "/";
      seg.learning = mean_ci(learning, reps, at + "learning");
      seg.frozen = mean_ci(frozen, reps, at + "frozen");
      seg.gain = mean_ci(gain, reps, at + "gain");
      if (s > 0) {
        DeploymentRecovery rec;
        std::vector<double> samples;
        for (size_t i = 0; i < trials.size(); ++i) {
          if (!L[i][s - 1] || !L[i][s]) continue;
          const metrics::Recovery one =
              metrics::recovery_samples(*L[i][s - 1], *L[i][s], unit, plan.fraction);
          if (one.status == metrics::RecoveryStatus::kUndefined) {
            ++rec.undefined;
            continue;
          }
          if (one.status == metrics::RecoveryStatus::kRecovered) ++rec.recovered;
          rec.lower_bound = rec.lower_bound || one.status == metrics::RecoveryStatus::kCensored;
          samples.push_back(one.samples);
        }
        rec.defined = static_cast<int>(samples.size());
        rec.samples = mean_ci(samples, reps, at + "recovery");
        seg.recovery = rec;
      }
      for (int64_t k = 0; k < p.chunks; ++k) {
        DeploymentPoint point;
        point.segment = p.name;
        point.chunk = k;
        point.position = start + k * unit;
        std::vector<double> l, f;
        for (const TrialRecord* t : trials) {
          auto lv = usable(*t, chunk_split(kLearningPrefix, p.name, k));
          auto fv = usable(*t, chunk_split(kFrozenPrefix, p.name, k));
          if (!lv || !fv) continue;
          l.push_back(*lv);
          f.push_back(*fv);
        }
        point.n = static_cast<int>(l.size());
        const std::string c = base + "curve/" + p.name + "/" + std::to_string(k) + "/";
        point.learning = mean_ci(l, curve_reps, c + "learning");
        point.frozen = mean_ci(f, curve_reps, c + "frozen");
        row.curve.push_back(std::move(point));
      }
      start += seg.samples;
      row.segments.push_back(std::move(seg));
    }

    std::vector<double> learning, frozen, gain;
    for (size_t i = 0; i < trials.size(); ++i) {
      std::vector<double> l, f;
      bool complete = true;
      for (size_t s = 0; s < S && complete; ++s) {
        complete = L[i][s] && F[i][s];
        if (!complete) break;
        l.insert(l.end(), L[i][s]->begin(), L[i][s]->end());
        f.insert(f.end(), F[i][s]->begin(), F[i][s]->end());
      }
      if (!complete) continue;
      learning.push_back(metrics::prequential_score(l));
      frozen.push_back(metrics::prequential_score(f));
      gain.push_back(metrics::deployment_gain(l, f));
    }
    row.n = static_cast<int>(learning.size());
    row.learning = mean_ci(learning, reps, base + "stream/learning");
    row.frozen = mean_ci(frozen, reps, base + "stream/frozen");
    row.gain = mean_ci(gain, reps, base + "stream/gain");

    std::vector<double> pretrained, end, change;
    for (const TrialRecord* t : trials) {
      auto p = usable(*t, kRetentionPretrained);
      auto e = usable(*t, kRetentionEnd);
      if (!p || !e) continue;
      pretrained.push_back(*p);
      end.push_back(*e);
      change.push_back(metrics::retention_change(*p, *e));
    }
    row.retention_n = static_cast<int>(change.size());
    row.retention_pretrained = mean_ci(pretrained, reps, base + "retention/pretrained");
    row.retention_end = mean_ci(end, reps, base + "retention/end");
    row.retention_change = mean_ci(change, reps, base + "retention/change");
    r.deployment.push_back(std::move(row));
  }
}

namespace report {
namespace {

std::string samples_text(double v) {
  if (!std::isfinite(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

// ">= 1400 [1200, 1600]" (a censored trial makes it a lower bound), "-" for
// the first segment, "n/a" where no trial has it defined.
std::string recovery_cell(const std::optional<DeploymentRecovery>& rec) {
  if (!rec) return "-";
  if (rec->defined == 0) return "n/a";
  const auto& e = rec->samples;
  return (rec->lower_bound ? ">= " : "") + samples_text(e.value) + " [" + samples_text(e.ci.lo) +
         ", " + samples_text(e.ci.hi) + "]";
}

// "3/5", and how many trials had no level to recover to.
std::string recovered_cell(const std::optional<DeploymentRecovery>& rec) {
  if (!rec) return "-";
  std::string out = std::to_string(rec->recovered) + "/" + std::to_string(rec->defined);
  if (rec->undefined > 0) out += " (" + std::to_string(rec->undefined) + " n/a)";
  return out;
}

std::vector<std::string> task_order(const Report& r) {
  std::vector<std::string> tasks;
  for (const auto& row : r.deployment)
    if (std::find(tasks.begin(), tasks.end(), row.task) == tasks.end()) tasks.push_back(row.task);
  return tasks;
}

std::string unit_of(const DeploymentRow& row) { return row.chunk > 0 ? "samples" : "chunks"; }

}  // namespace

std::vector<TextSection> deployment_sections(const Report& r) {
  const std::vector<std::string> tasks = task_order(r);
  char fraction[32] = "0.9";
  if (!r.deployment.empty())
    std::snprintf(fraction, sizeof fraction, "%g", r.deployment.front().recovery_fraction);
  TextSection segments{
      "deployment",
      "Deployment: per segment",
      "After pretraining on the budget, each learner meets the stream of segments in order, "
      "chunk by chunk: it predicts a chunk's inputs before it sees their labels (or rewards), "
      "then may update on them. learning = mean prequential score of the segment's chunks by "
      "the learner that updates; frozen = the same chunks by the pretrained learner, never "
      "updated; gain = learning - frozen per trial (positive: learning on the job helped). "
      "recovery = samples into the segment until the learner's chunk score first gets back to " +
          std::string(fraction) +
          " x its own settled score before the switch (the mean of the last half of the "
          "previous segment's chunks); 0 when it never dropped below. '>=': some trial never got "
          "back within the segment and counts as the segment's length; recovered = trials that "
          "got back / trials with a positive pre-switch score (n/a: at or below the trivial "
          "reference, nothing to get back to). Mean [95% bootstrap CI] over seeds.",
      {}};
  TextSection stream{"deployment-stream",
                     "Deployment: the whole stream",
                     "The same prequential scores over every chunk of the stream (every chunk "
                     "weighs the same; the mean per sample), and the gain of learning over frozen "
                     "with its interval: an interval above 0 says learning during deployment "
                     "helped beyond resampling noise.",
                     {}};
  TextSection retention{
      "deployment-retention",
      "Deployment: retention",
      "The learner on the first segment's distribution (the same evaluation draws twice): "
      "right after pretraining, and at the end of the stream after learning on every "
      "segment. change = end - after pretraining per trial: 0 kept everything, negative "
      "forgot what the stream moved away from.",
      {}};
  for (const auto& task : tasks) {
    std::vector<const DeploymentRow*> rows;
    for (const auto& row : r.deployment)
      if (row.task == task) rows.push_back(&row);
    // Segment tables in stream order (of the task's first row).
    for (size_t s = 0; s < rows.front()->segments.size(); ++s) {
      const auto& first = rows.front()->segments[s];
      TextTable table;
      table.title = task + ", segment " + first.name + " (" + unit_of(*rows.front()) + " " +
                    std::to_string(first.start) + " to " +
                    std::to_string(first.start + first.samples) + ")";
      table.caption = "normalized prequential scores, mean [95% CI] over n seeds; recovery in " +
                      unit_of(*rows.front());
      table.header = {"agent",  "budget", "n",        "learning",
                      "frozen", "gain",   "recovery", "recovered"};
      table.numeric = {false, true, true, false, false, false, false, true};
      for (const DeploymentRow* row : rows) {
        auto it = std::find_if(row->segments.begin(), row->segments.end(),
                               [&](const DeploymentSegment& x) { return x.name == first.name; });
        if (it == row->segments.end()) continue;
        table.rows.push_back({row->agent, std::to_string(row->budget), std::to_string(it->n),
                              format_estimate(it->learning), format_estimate(it->frozen),
                              format_estimate(it->gain), recovery_cell(it->recovery),
                              recovered_cell(it->recovery)});
      }
      segments.tables.push_back(std::move(table));
    }
    TextTable whole;
    whole.title = task;
    whole.caption = "normalized prequential scores over the whole stream, mean [95% CI]";
    whole.header = {"agent", "budget", "n", "learning", "frozen", "gain"};
    whole.numeric = {false, true, true, false, false, false};
    TextTable kept;
    kept.title = task;
    kept.caption = "normalized scores on the first segment's distribution, mean [95% CI]";
    kept.header = {"agent", "budget", "n", "after pretraining", "at the end", "change"};
    kept.numeric = {false, true, true, false, false, false};
    for (const DeploymentRow* row : rows) {
      whole.rows.push_back({row->agent, std::to_string(row->budget), std::to_string(row->n),
                            format_estimate(row->learning), format_estimate(row->frozen),
                            format_estimate(row->gain)});
      kept.rows.push_back(
          {row->agent, std::to_string(row->budget), std::to_string(row->retention_n),
           format_estimate(row->retention_pretrained), format_estimate(row->retention_end),
           format_estimate(row->retention_change)});
    }
    stream.tables.push_back(std::move(whole));
    retention.tables.push_back(std::move(kept));
  }
  return {segments, stream, retention};
}

}  // namespace report
}  // namespace hg
