#include "hourglass/learners/external/spin_read.h"

#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace hg {

int64_t monotonic_ns() {
  timespec t{};
  ::clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

int64_t SpinPolicy::budget_ns() {
  if (max_spin_ns_ <= 0) return 0;
  if (average_ns_ <= max_spin_ns_ || ++without_spin_ >= kProbeEvery) {
    without_spin_ = 0;
    return max_spin_ns_;
  }
  return 0;
}

void SpinPolicy::waited(int64_t ns) {
  if (ns < 0) ns = 0;
  // average += (ns - average) / 8, without overflow for waits of hours.
  average_ns_ += (ns - average_ns_) / 8;
}

ssize_t spin_read(int fd, void* out, size_t n, int64_t budget_ns) {
  const int64_t start = budget_ns > 0 ? monotonic_ns() : 0;
  for (;;) {
    const ssize_t got = ::read(fd, out, n);
    if (got >= 0) return got;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    if (budget_ns <= 0 || monotonic_ns() - start >= budget_ns) {
      errno = EAGAIN;
      return -1;
    }
    ::sched_yield();
  }
}

}  // namespace hg
