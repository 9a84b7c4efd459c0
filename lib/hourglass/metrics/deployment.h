// Deployment (prequential, "test then train") metrics: what a learner that
// keeps learning on a stream after pretraining scores on each chunk of the
// stream, against a frozen copy of itself, how fast it gets back to its own
// score after the distribution switches, and what it keeps of the first
// distribution (protocols/deployment/ runs the stream; its report applies
// these per trial, then averages over seeds).
//
// The stream is a list of segments; each is cut into chunks of equal size
// (`chunk` samples). A chunk's score is the score of predictions made on the
// chunk's inputs before the learner has seen any of its labels. A segment's
// scores are given in chunk order, L[k] for the learner that updates on the
// stream, F[k] for the frozen one.
//
// Pure functions; only the C++17 standard library. All scores are
// normalized scores. Non-finite scores and empty score lists throw
// std::invalid_argument, as in statistics.h: the caller filters failed and
// diverged trials first. docs/metrics.md explains each formula.
#pragma once

#include <cstdint>
#include <vector>

namespace hg::metrics {

// The default fraction of the pre-switch score that counts as recovered.
inline constexpr double kDefaultRecoveryFraction = 0.9;

// Mean prequential score of chunk scores: (1 / K) sum_k L[k]. Chunks are of
// equal size, so this is also the mean per sample.
double prequential_score(const std::vector<double>& chunk_scores);

// Deployment gain: prequential_score(learning) - prequential_score(frozen),
// over the same chunks (the two lists must have the same length). Positive:
// learning on the job helped.
double deployment_gain(const std::vector<double>& learning, const std::vector<double>& frozen);

// The learner's settled score at the end of a segment: the mean of its last
// ceil(K / 2) chunk scores (K = 1: the one chunk; K = 5: the last 3).
double settled_score(const std::vector<double>& chunk_scores);

enum class RecoveryStatus {
  kRecovered,  // some chunk of the segment reached the threshold
  kCensored,   // none did: recovery takes more than the segment's length
  kUndefined,  // the pre-switch score is <= 0 (at or below the trivial reference)
};

struct Recovery {
  RecoveryStatus status;
  // kRecovered: chunk * (the first k with current[k] >= threshold), 0 when
  // the first chunk after the switch is already there. kCensored: the
  // segment's length, chunk * K (a lower bound). kUndefined: NaN.
  double samples;
  double pre;        // settled_score(previous)
  double threshold;  // fraction * pre (NaN when undefined)
};

// Recovery samples after the switch from the segment scored `previous` (the
// learning learner's chunk scores) to the one scored `current`:
//   pre       = settled_score(previous)     (the learner's own score before the switch)
//   threshold = fraction * pre
//   samples   = chunk * min{k : current[k] >= threshold}
// Undefined when pre <= 0 or is not finite: a fraction of a score at or
// below the trivial reference is not a level to get back to. Throws on
// empty or non-finite scores, chunk < 1, or fraction outside (0, 1].
Recovery recovery_samples(const std::vector<double>& previous, const std::vector<double>& current,
                          int64_t chunk, double fraction = kDefaultRecoveryFraction);

// Retention: end - pretrained, the score on the first segment's
// distribution at the end of the stream minus right after pretraining. 0:
// kept everything; negative: forgot. Plain IEEE arithmetic (NaN in, NaN out).
double retention_change(double pretrained, double end);

}  // namespace hg::metrics
