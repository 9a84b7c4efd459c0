// protocol: deployment, its report (deployment_report.cpp; LibTorch-free).
// deployment.cpp sets ProtocolInfo::report_rows = deployment_rows and
// report_sections = report::deployment_sections.
//
// What it reads, per trial (results/protocol_splits.h; normalized scores):
//   learning/<segment>/<k>   chunk k of the segment, predicted by the
//                            learner that updates on the stream before it
//                            sees chunk k's labels (or rewards)
//   frozen/<segment>/<k>     the same chunk, by the frozen pretrained learner
//   retention/pretrained     the first segment's distribution right after
//                            pretraining; retention/end: the same draws at
//                            the end of the stream (learning learner)
// and, from each results file's resolved config (suite.config):
//   deployment: {chunk, recovery_fraction}
//   tasks[i]: {name, segments: [{name, samples, ...}, ...]}
// Segments and their chunk counts come from the config (samples / chunk);
// a task the configs do not describe takes its segments in the order their
// learning/<segment>/ splits first appear, with as many chunks as the
// highest index seen, and counts positions in chunks (DeploymentRow::chunk
// = 0). Without recovery_fraction, metrics::kDefaultRecoveryFraction.
//
// Per trial (metrics/deployment.h), then mean [95% bootstrap CI] over the
// trials usable on every split the number needs: per segment the mean
// prequential score of learning and frozen, and their difference (the
// gain, paired per trial); the same over the whole stream; recovery samples
// after each switch (the learner's own settled score before the switch as
// the level to get back to; censored trials counted as the segment's
// length, which makes the mean a lower bound); retention.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "hourglass/report/report.h"
#include "hourglass/report/text_report.h"

namespace hg {

// Fills Report::deployment from report.trial_records and the configs.
void deployment_rows(Report& report, const std::vector<nlohmann::json>& configs);

namespace report {
// One table per (task, segment), then the whole stream and retention per
// task: the text sections that replace the standard ones.
std::vector<TextSection> deployment_sections(const Report& report);
}  // namespace report

}  // namespace hg
