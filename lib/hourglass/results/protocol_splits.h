// Split names of the transfer, continual and deployment protocols in trial records
// (protocols/protocols.h runs them, report/ summarizes them; the names are
// part of the results format, docs/results-format.md). No LibTorch here.
#pragma once

#include <string>

#include "hourglass/results/split_names.h"

namespace hg {

inline constexpr const char* kSourceSplit = "source";         // transfer: pretrained, on source
inline constexpr const char* kZeroShotPrefix = "zero-shot/";  // + target: pretrained, on target
inline constexpr const char* kAdaptedPrefix = "adapted/";     // + target: after adapting
inline constexpr const char* kScratchPrefix = "scratch/";     // + target: trained from scratch
inline constexpr const char* kUntrainedPrefix = "untrained/";  // + stage: b_j
inline constexpr const char* kAfterPrefix = "after/";  // + stage i + "/" + stage j: R[i][j]
// deployment: + segment + "/" + chunk index k: chunk k's prequential score by
// the learner that updates on the stream, and by the frozen one.
inline constexpr const char* kLearningPrefix = "learning/";
inline constexpr const char* kFrozenPrefix = "frozen/";
// deployment: the first segment's distribution right after pretraining, and
// at the end of the stream (the learning learner).
inline constexpr const char* kRetentionPretrained = "retention/pretrained";
inline constexpr const char* kRetentionEnd = "retention/end";

// "target/<name>" as the suite names a target split (resolved config).
inline constexpr const char* kTargetPrefix = "target/";

}  // namespace hg
