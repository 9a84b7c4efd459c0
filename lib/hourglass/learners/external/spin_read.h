// Waiting for a pipe without sleeping, when the answer is due in microseconds.
//
// A process that blocks in poll() or read() and is woken by the other end's
// write pays a wake-up: on this project's 2-vCPU virtual machine, when the
// vCPU has gone idle, 30 to 40 us each way (2 KiB there and back between two
// processes that both sleep: 72 to 78 us; both reading non-blocking in a
// loop: 2.7 us; measured 2026-12-01). An agent that answers a cart-pole step
// of 64 copies in a few microseconds thus waits mostly for wake-ups.
//
// spin_read() tries a non-blocking read() for up to a budget, giving the
// processor away (sched_yield) after each empty try, so that on a busy
// machine a spinning reader lets whatever else is runnable on its processor
// run instead (without the yield, two spinning ends and one busy neighbour
// on 2 vCPUs took 100 us a round trip; with it 3.5 us). SpinPolicy chooses
// the budget from how long the last waits took: it spins only while
// answers usually come within the longest spin, so a slow agent (a Python
// one taking milliseconds a step) costs a spin only on every 16th wait, the
// probe that notices when answers become fast again.
//
// Torch-free: agents written in C++ may compile it in
// (benchmarks/pipe_agent.cpp does).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace hg {

class SpinPolicy {
 public:
  // max_spin_ns: the longest spin (0: never spin).
  explicit SpinPolicy(int64_t max_spin_ns = kDefaultMaxSpinNs) : max_spin_ns_(max_spin_ns) {}

  static constexpr int64_t kDefaultMaxSpinNs = 100'000;
  // A wait that does not spin: every kProbeEvery-th one spins anyway.
  static constexpr uint32_t kProbeEvery = 16;

  // How long the next wait may spin, in nanoseconds (0: block at once).
  int64_t budget_ns();
  // After a wait: nanoseconds from its start until the data came (spin and
  // sleep together).
  void waited(int64_t ns);

  // The running average of the waits (weight 1/8 for the newest).
  int64_t average_ns() const { return average_ns_; }
  int64_t max_spin_ns() const { return max_spin_ns_; }

 private:
  int64_t max_spin_ns_;
  int64_t average_ns_ = 0;
  uint32_t without_spin_ = 0;  // waits since the last one that could spin
};

// Reads up to n bytes from `fd`, which must be non-blocking, trying again
// (after sched_yield) for up to budget_ns nanoseconds while nothing is there.
// Returns what read() returned last: bytes read (> 0), 0 at end of file, or
// -1 with errno (EAGAIN when the budget ran out with nothing to read; EINTR
// is retried).
ssize_t spin_read(int fd, void* out, size_t n, int64_t budget_ns);

// Monotonic nanoseconds (CLOCK_MONOTONIC), for timing the waits.
int64_t monotonic_ns();

}  // namespace hg
