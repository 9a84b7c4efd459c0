#include "hourglass/metrics/deployment.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace hg::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

[[noreturn]] void fail(const char* function, const std::string& message) {
  throw std::invalid_argument(std::string("hg::metrics::") + function + ": " + message);
}

void require_scores(const std::vector<double>& scores, const char* function, const char* what) {
  if (scores.empty()) fail(function, std::string("no ") + what + " chunk scores");
  for (size_t k = 0; k < scores.size(); ++k)
    if (!std::isfinite(scores[k]))
      fail(function, std::string(what) + " chunk score " + std::to_string(k) + " is not finite");
}

// Mean summed left to right (the same order as statistics.h's mean).
double mean_of(const std::vector<double>& x, size_t from) {
  double sum = 0.0;
  for (size_t k = from; k < x.size(); ++k) sum += x[k];
  return sum / static_cast<double>(x.size() - from);
}

}  // namespace

double prequential_score(const std::vector<double>& chunk_scores) {
  require_scores(chunk_scores, "prequential_score", "the");
  return mean_of(chunk_scores, 0);
}

double deployment_gain(const std::vector<double>& learning, const std::vector<double>& frozen) {
  require_scores(learning, "deployment_gain", "learning");
  require_scores(frozen, "deployment_gain", "frozen");
  if (learning.size() != frozen.size())
    fail("deployment_gain", "learning has " + std::to_string(learning.size()) +
                                " chunk scores, frozen " + std::to_string(frozen.size()));
  return mean_of(learning, 0) - mean_of(frozen, 0);
}

double settled_score(const std::vector<double>& chunk_scores) {
  require_scores(chunk_scores, "settled_score", "the");
  const size_t last = (chunk_scores.size() + 1) / 2;  // ceil(K / 2)
  return mean_of(chunk_scores, chunk_scores.size() - last);
}

Recovery recovery_samples(const std::vector<double>& previous, const std::vector<double>& current,
                          int64_t chunk, double fraction) {
  require_scores(previous, "recovery_samples", "previous segment's");
  require_scores(current, "recovery_samples", "current segment's");
  if (chunk < 1) fail("recovery_samples", "chunk must be >= 1, got " + std::to_string(chunk));
  if (!(fraction > 0.0 && fraction <= 1.0))
    fail("recovery_samples", "fraction must be in (0, 1], got " + std::to_string(fraction));
  const double pre = settled_score(previous);
  if (!(pre > 0.0) || !std::isfinite(pre)) return {RecoveryStatus::kUndefined, kNaN, pre, kNaN};
  const double threshold = fraction * pre;
  for (size_t k = 0; k < current.size(); ++k)
    if (current[k] >= threshold)
      return {RecoveryStatus::kRecovered, static_cast<double>(chunk) * static_cast<double>(k), pre,
              threshold};
  return {RecoveryStatus::kCensored,
          static_cast<double>(chunk) * static_cast<double>(current.size()), pre, threshold};
}

double retention_change(double pretrained, double end) { return end - pretrained; }

}  // namespace hg::metrics
