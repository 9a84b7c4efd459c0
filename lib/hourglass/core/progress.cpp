#include "hourglass/core/progress.h"

#include <algorithm>

namespace hg {

PopulationProgress*& current_population_progress() {
  thread_local PopulationProgress* current = nullptr;
  return current;
}

double training_fraction(int64_t samples, int64_t draws, int64_t updates, int64_t budget,
                         int64_t max_updates) {
  const double s =
      budget > 0 ? std::clamp(static_cast<double>(samples) / static_cast<double>(budget), 0.0, 1.0)
                 : 1.0;
  if (max_updates <= 0) return s;
  const double u =
      std::clamp(static_cast<double>(updates) / static_cast<double>(max_updates), 0.0, 1.0);
  if (draws <= 1 && s >= 1.0) return u;  // everything drawn up front: training on it
  return std::max(s, u);
}

}  // namespace hg
