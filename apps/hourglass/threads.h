// How `hourglass run` spends the cores: defaults that are never much slower
// than one thread on a loaded machine, and use the cores on a quiet one
// (measured in docs/performance.md#threads-on-a-shared-machine).
//
//   jobs     populations trained in parallel: default the cores, at most the
//            populations to run (each population is computed alone and seeded
//            by name, so results do not depend on it)
//   threads  intra-op threads per job: default 1. A member's step is a few
//            small matrix products that a second thread cannot share well,
//            and OpenMP threads that spin-wait for a descheduled partner make
//            a run many times slower on a shared machine.
//
// When a run asks for more than one intra-op thread, the process re-executes
// itself once with OMP_WAIT_POLICY=PASSIVE (unless the variable is set
// already): libgomp reads it when it is loaded, before main(), so setting it
// later would do nothing. The wait policy never changes results; the number
// of intra-op threads may (docs/performance.md).
#pragma once

#include <cstddef>
#include <string>

namespace hg::cli {

struct ThreadPlan {
  int jobs = 1;
  int threads = 1;  // intra-op threads per job
};

// requested_jobs / requested_threads: 0 for the default. `populations`: how
// many the run has to train (at least one job even when 0).
ThreadPlan choose_threads(int requested_jobs, int requested_threads, size_t populations);

// The command line, saved by main() for the re-execution below.
void set_program_arguments(int argc, char** argv);

// Re-executes this process with OMP_WAIT_POLICY=PASSIVE when the variable is
// not set (returns only when it is set, or when the re-execution failed,
// with a warning).
void reexec_with_passive_openmp_wait();

// OMP_WAIT_POLICY as this process started with it ("" when unset), for
// results.json.
std::string openmp_wait_policy();

}  // namespace hg::cli
