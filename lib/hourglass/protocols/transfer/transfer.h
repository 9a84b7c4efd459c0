// protocol: transfer, its LibTorch-free half (transfer_info.cpp): split
// names, keys, checks and the report. The run itself (transfer.cpp, its
// contract below) registers the protocol.
//
// Per target t (budget = n adaptation samples per target):
//   source            the pretrained learner on fresh source draws
//   zero-shot/<t>     the pretrained learner on target t, before adapting
//   adapted/<t>       after continue_training on n samples of target t
//   scratch/<t>       a fresh learner trained on the same n samples of t
// The pretraining (pretrain_budget source samples per member) is the same in
// every population of an (agent, task): its seeds do not depend on the
// budget. Adapted and scratch learners see the same n target samples, and
// every learner of a seed index is scored on the same evaluation draws of a
// split (run/phase.h), so the comparisons are paired.
//
// A trial's samples_used is the target samples the adapted learners drew,
// summed over targets (the scratch learners draw the same ones; the
// pretraining's source samples are not counted); updates and train_seconds
// sum every phase.
#pragma once

#include <string>
#include <vector>

#include "hourglass/run/protocol.h"
#include "hourglass/results/protocol_splits.h"

namespace hg {

// Everything but `run` and the report hooks (LibTorch-free, and free of the
// report too: the suite loader's fuzzer builds it alone).
ProtocolInfo transfer_info();

// source, then per target: zero-shot/<t>, adapted/<t>, scratch/<t>.
std::vector<std::string> transfer_split_names(const TaskSpec& task);

// The report (report_rows, report_sections; transfer_report.cpp): fills
// Report::transfer from the trial records (and the resolved configs), and the
// text sections that replace the standard ones.
void transfer_rows(Report& report, const std::vector<nlohmann::json>& configs);
namespace report {
std::vector<TextSection> transfer_sections(const Report& report);
}  // namespace report

}  // namespace hg
