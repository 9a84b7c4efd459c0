#include "hourglass/core/children.h"

#include <signal.h>

#include <mutex>
#include <set>

namespace hg {
namespace {

std::mutex& groups_mutex() {
  static std::mutex m;
  return m;
}

std::set<pid_t>& groups() {
  static std::set<pid_t> g;
  return g;
}

}  // namespace

void track_child_group(pid_t pgid) {
  if (pgid <= 0) return;
  std::lock_guard<std::mutex> lock(groups_mutex());
  groups().insert(pgid);
}

void untrack_child_group(pid_t pgid) {
  std::lock_guard<std::mutex> lock(groups_mutex());
  groups().erase(pgid);
}

size_t kill_child_groups() noexcept {
  std::lock_guard<std::mutex> lock(groups_mutex());
  for (pid_t g : groups()) ::kill(-g, SIGKILL);
  return groups().size();
}

}  // namespace hg
