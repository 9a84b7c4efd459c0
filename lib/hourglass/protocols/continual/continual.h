// protocol: continual, its LibTorch-free half (continual_info.cpp): split
// names, keys, checks and the report. The run itself (continual.cpp)
// registers the protocol.
//
// budget = samples per stage; stages s_0 .. s_{T-1} in order. One learner:
// initialized (trained on 0 samples) and scored on every stage, then trained
// on each stage in turn, each with a fresh sampler over that stage only (it
// can never reach an earlier stage's data again), and scored on every stage
// after each:
//   untrained/<s_j>        the learner before any stage, on stage j: b_j
//   after/<s_i>/<s_j>      after training through stage i, on stage j: R[i][j]
// A trial's samples_used is the samples of all stages; updates and
// train_seconds sum every phase.
#pragma once

#include <string>
#include <vector>

#include "hourglass/run/protocol.h"
#include "hourglass/results/protocol_splits.h"

namespace hg {

// Everything but `run` and the report hooks (LibTorch-free, and free of the
// report too: the suite loader's fuzzer builds it alone).
ProtocolInfo continual_info();

// untrained/<s_j> for every stage, then after/<s_i>/<s_j> row by row.
std::vector<std::string> continual_split_names(const TaskSpec& task);

// The report (report_rows, report_sections; continual_report.cpp): fills
// Report::continual from the trial records (and the resolved configs), and the
// text sections that replace the standard ones.
void continual_rows(Report& report, const std::vector<nlohmann::json>& configs);
namespace report {
std::vector<TextSection> continual_sections(const Report& report);
}  // namespace report

}  // namespace hg
