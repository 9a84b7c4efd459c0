// protocol: deployment (prequential: "test, then train"), its LibTorch-free
// half (deployment_info.cpp): keys, split names, checks and the per-chunk
// parameters of a drift. The run (deployment.cpp) registers the protocol;
// the report is deployment_report.{h,cpp}.
//
// budget = pretraining samples (the budget axis, so deployment curves sit
// beside sample-efficiency curves). Each member's learner is pretrained on
// the task's params, then deployed on the task's `segments`, in order, cut
// into chunks of `deployment: {chunk}` samples (environment steps). For
// every chunk the harness first hands the learner the chunk's inputs and
// scores its predictions, and only then hands it the chunk (inputs and
// labels) to update on (Learner::continue_training on a sampler holding
// exactly that chunk). The frozen learner, the same pretrained learner never
// updated, is scored on the same chunks. Interactive families: a chunk's
// score is the return on evaluation episodes of the chunk's context with the
// policy as it stands, the same episodes for frozen and learning; then the
// learning learner trains on `chunk` environment steps of that context.
//
// Trial splits (results/protocol_splits.h):
//   retention/pretrained     right after pretraining, on the first segment
//   frozen/<segment>/<k>     chunk k of the segment, the frozen learner
//   learning/<segment>/<k>   chunk k, predicted before updating on it
//   retention/end            the learning learner after the whole stream, on
//                            the draws (episodes) of retention/pretrained
// samples_used counts pretraining and the stream's samples the learning
// learner updated on.
#pragma once

#include <string>
#include <vector>

#include "hourglass/results/protocol_splits.h"
#include "hourglass/run/protocol.h"

namespace hg {

// Everything but `run` and the report hooks (LibTorch-free).
ProtocolInfo deployment_info();

// The task's chunk: its own `chunk:`, else the suite's deployment.chunk.
int64_t deployment_chunk(const Suite& suite, const TaskSpec& task);

// retention/pretrained, frozen/<s>/<k> for every chunk in stream order, the
// same for learning/, then retention/end.
std::vector<std::string> deployment_split_names(const TaskSpec& task, int64_t chunk);

// The parameter overrides of each chunk of `segment` (samples / chunk of
// them), on top of the task's params: the segment's `params`, and for a
// drift each drifting parameter at from + (to - from) * k / (K - 1) for
// chunk k of K (from at the first chunk, to at the last; integers rounded to
// the nearest).
std::vector<ParamMap> deployment_chunk_params(const SegmentSpec& segment, int64_t chunk);

}  // namespace hg
