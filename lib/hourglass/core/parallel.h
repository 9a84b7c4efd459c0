// Independent items spread over a few threads, for the report's bootstrap
// cells (each seeded by its own name: the results do not depend on the
// threads). Header-only, no LibTorch.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hg {

// Calls fn(i) once for every i in [0, n), on up to `threads` threads (0: the
// machine's cores, at most 8; never more than n), and returns when every
// call has. Items are handed out one at a time (no spinning: a thread with
// nothing left ends). The first exception fn throws is rethrown here, once
// all threads stopped; later items may then be skipped.
inline void parallel_for(size_t n, const std::function<void(size_t)>& fn, unsigned threads = 0) {
  if (threads == 0) threads = std::min(8u, std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<unsigned>(std::min<size_t>(threads, n));
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    for (size_t i; !failed && (i = next++) < n;) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace hg
