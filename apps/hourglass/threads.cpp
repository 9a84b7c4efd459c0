#include "threads.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace hg::cli {
namespace {

char** g_argv = nullptr;

}  // namespace

ThreadPlan choose_threads(int requested_jobs, int requested_threads, size_t populations) {
  const auto cores = static_cast<size_t>(std::max(1u, std::thread::hardware_concurrency()));
  ThreadPlan plan;
  plan.threads = requested_threads > 0 ? requested_threads : 1;
  plan.jobs = requested_jobs > 0
                  ? requested_jobs
                  : static_cast<int>(std::max<size_t>(1, std::min(cores, populations)));
  return plan;
}

void set_program_arguments(int /*argc*/, char** argv) { g_argv = argv; }

void reexec_with_passive_openmp_wait() {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || g_argv == nullptr) return;
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  std::fflush(stdout);
  std::fflush(stderr);
  ::execv("/proc/self/exe", g_argv);
  // Still here: the re-execution failed; carry on with libgomp's default.
  spdlog::warn("could not re-execute with OMP_WAIT_POLICY=PASSIVE ({}); OpenMP threads may "
               "spin-wait (set OMP_WAIT_POLICY=PASSIVE yourself, or use --threads 1)",
               std::strerror(errno));
}

std::string openmp_wait_policy() {
  const char* value = std::getenv("OMP_WAIT_POLICY");
  return value ? value : "";
}

}  // namespace hg::cli
