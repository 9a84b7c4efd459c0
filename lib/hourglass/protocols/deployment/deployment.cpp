// protocol: deployment (deployment.h). Pretraining, then the stream chunk by
// chunk: every phase through the phase engine (run/phase.h), each chunk's
// update on a sampler holding exactly that chunk, created only after the
// chunk was scored.
#include <torch/torch.h>

#include "hourglass/core/random.h"
#include "hourglass/learners/learner.h"
#include "hourglass/protocols/builtin.h"
#include "hourglass/protocols/deployment/deployment.h"
#include "hourglass/protocols/deployment/deployment_report.h"
#include "hourglass/report/text_report.h"
#include "hourglass/run/budgeted_sampler.h"
#include "hourglass/run/episodes.h"
#include "hourglass/run/phase.h"
#include "hourglass/tasks/family.h"

namespace hg {
namespace {

// One chunk of the stream: its segment, its index there, its overrides.
struct Chunk {
  const SegmentSpec* segment = nullptr;
  int64_t k = 0;
  ParamMap params;
  std::string suffix() const { return segment->name + "/" + std::to_string(k); }
  // The stream the chunk's inputs (episodes) come from: the members'
  // INSTANCE seeds, so every agent and budget of seed index i is deployed on
  // the same stream, and its frozen and learning scores are paired.
  std::string label() const { return "deploy/" + suffix(); }
};

std::vector<Chunk> stream_chunks(const TaskSpec& task, int64_t chunk) {
  std::vector<Chunk> out;
  for (const auto& segment : task.segments) {
    auto params = deployment_chunk_params(segment, chunk);
    for (size_t k = 0; k < params.size(); ++k)
      out.push_back({&segment, static_cast<int64_t>(k), std::move(params[k])});
  }
  return out;
}

// Interactive families: frozen, then the learning learner chunk by chunk on
// budgeted environments of the chunk's context, stepped with seeds of their
// own per chunk; every score is the return on evaluation episodes (held-out
// levels) of the instance seeds.
std::vector<TrialRecord> run_deployment_interactive(const ProtocolRun& run) {
  const RunParts r(run);
  const auto& instances = r.population.instance_seeds;
  const int64_t chunk = deployment_chunk(r.suite, r.task);
  const auto splits = deployment_split_names(r.task, chunk);
  std::vector<TrialRecord> trials = blank_trials(r.suite, r.population);
  const auto chunks = stream_chunks(r.task, chunk);
  const Params pretraining = resolve_params(r.family.params, {&r.task.params});
  std::vector<Params> contexts;
  contexts.reserve(chunks.size());
  for (const auto& c : chunks)
    contexts.push_back(resolve_params(r.family.params, {&r.task.params, &c.params}));

  auto score = [&](InteractiveLearner& learner, const Params& params, const std::string& name,
                   const std::string& label) {
    score_episodes(learner, r.family, params, instances, false, params.integer("levels"), name,
                   r.device, trials, label);
  };
  std::unique_ptr<InteractiveLearner> learner;
  BudgetedEnvironment pretrain_env(r.family, pretraining, r.population.trial_seeds,
                                   pretraining.integer("levels"), r.population.budget, r.device);
  auto phase = train_interactive_phase(
      learner, [&] { return r.make_interactive_learner(); }, pretrain_env,
      member_seeds(r.population.trial_seeds, "learner"), r.device);
  if (!record_phase(phase, {"pretraining", true}, splits, trials)) return trials;
  if (!guarded_evaluation(
          [&] {
            score(*learner, contexts[0], kRetentionPretrained, "eval/retention");
            for (size_t c = 0; c < chunks.size(); ++c)
              score(*learner, contexts[c], kFrozenPrefix + chunks[c].suffix(), chunks[c].label());
          },
          splits, trials))
    return trials;
  for (size_t c = 0; c < chunks.size(); ++c) {
    if (!guarded_evaluation(
            [&] {
              score(*learner, contexts[c], kLearningPrefix + chunks[c].suffix(),
                    chunks[c].label());
            },
            splits, trials))
      return trials;
    BudgetedEnvironment env(r.family, contexts[c],
                            member_seeds(r.population.trial_seeds, "train/" + chunks[c].label()),
                            contexts[c].integer("levels"), chunk, r.device);
    phase = continue_interactive_phase(
        *learner, env, member_seeds(r.population.trial_seeds, "learner/" + chunks[c].label()),
        r.device);
    if (!record_phase(phase, {"deployment chunk " + chunks[c].suffix(), true}, splits, trials))
      return trials;
  }
  if (!guarded_evaluation(
          [&] { score(*learner, contexts[0], kRetentionEnd, "eval/retention"); }, splits, trials))
    return trials;
  mark_not_finite("return", trials);
  return trials;
}

std::vector<TrialRecord> run_deployment(const ProtocolRun& run) {
  if (run.family.kind == TaskKind::kInteractive) return run_deployment_interactive(run);
  const RunParts r(run);
  const auto& instances = r.population.instance_seeds;
  const int64_t chunk = deployment_chunk(r.suite, r.task);
  const auto splits = deployment_split_names(r.task, chunk);
  std::vector<TrialRecord> trials = blank_trials(r.suite, r.population);
  const auto chunks = stream_chunks(r.task, chunk);

  // The pretraining split, and one per chunk (the chunks of a segment
  // without a drift share one).
  std::unique_ptr<SupervisedSplit> pretraining;
  std::vector<std::unique_ptr<SupervisedSplit>> owned;
  std::vector<const SupervisedSplit*> split_of(chunks.size(), nullptr);
  Batch retention;
  if (!guarded_evaluation(
          [&] {
            pretraining = make_split(r.family, r.task, {}, instances);
            for (size_t c = 0; c < chunks.size(); ++c) {
              if (c > 0 && chunks[c].segment == chunks[c - 1].segment &&
                  chunks[c].segment->drift_from.empty()) {
                split_of[c] = split_of[c - 1];
                continue;
              }
              owned.push_back(make_split(r.family, r.task, {&chunks[c].params}, instances));
              split_of[c] = owned.back().get();
            }
            retention =
                evaluation_draws(*split_of[0], instances, "eval/retention", r.suite.eval_samples);
          },
          splits, trials))
    return trials;
  auto chunk_batch = [&](size_t c) {
    return evaluation_draws(*split_of[c], instances, chunks[c].label(), chunk);
  };

  // Every sampler the learner was handed, kept (closed) to the end: a
  // learner that keeps one and draws from it later, to see labels early,
  // is refused, and the refusal fails the trials here even when the
  // learner caught it.
  std::vector<std::unique_ptr<BudgetedSampler>> samplers;
  auto check_no_late_draw = [&] {
    for (const auto& s : samplers)
      if (!s->refused().empty()) throw std::logic_error(s->refused());
  };
  auto score = [&](Learner& learner, const SupervisedSplit& split, const Batch& batch,
                   const std::string& name) {
    score_split(learner, split, batch, name, r.device, trials);
    check_no_late_draw();
  };

  std::unique_ptr<Learner> learner;
  samplers.push_back(std::make_unique<BudgetedSampler>(
      *pretraining, r.population.trial_seeds, r.population.budget, r.device, "train/pretrain"));
  auto phase = train_phase(
      learner, [&] { return r.make_learner(); }, *samplers.back(), pretraining->shape(),
      member_seeds(r.population.trial_seeds, "learner"), r.device,
      "the pretraining split of task '" + r.task.name + "'");
  if (!record_phase(phase, {"pretraining", true}, splits, trials)) return trials;
  if (!guarded_evaluation(
          [&] {
            score(*learner, *split_of[0], retention, kRetentionPretrained);
            for (size_t c = 0; c < chunks.size(); ++c)
              score(*learner, *split_of[c], chunk_batch(c), kFrozenPrefix + chunks[c].suffix());
          },
          splits, trials))
    return trials;
  for (size_t c = 0; c < chunks.size(); ++c) {
    // Test: the chunk's inputs only; the learner holds no source of its labels.
    const Batch batch = chunk_batch(c);
    if (!guarded_evaluation(
            [&] { score(*learner, *split_of[c], batch, kLearningPrefix + chunks[c].suffix()); },
            splits, trials))
      return trials;
    // Then train: a sampler holding exactly this chunk, made only now.
    samplers.push_back(std::make_unique<BudgetedSampler>(*split_of[c], batch, r.device));
    phase = continue_phase(*learner, *samplers.back(), split_of[c]->shape(),
                           member_seeds(r.population.trial_seeds, "learner/" + chunks[c].label()),
                           r.device);
    if (!record_phase(phase, {"deployment chunk " + chunks[c].suffix(), true}, splits, trials))
      return trials;
  }
  if (!guarded_evaluation([&] { score(*learner, *split_of[0], retention, kRetentionEnd); },
                          splits, trials))
    return trials;
  mark_not_finite("prediction", trials);
  return trials;
}

ProtocolInfo MakeInfo() {
  ProtocolInfo info = deployment_protocol_without_run();  // protocols/builtin.h
  info.run = run_deployment;
  return info;
}

const ProtocolRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
