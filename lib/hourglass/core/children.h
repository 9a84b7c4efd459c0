// The process groups the harness started (external agents) and must not
// leave behind. An agent lives in a process group of its own; its owner
// tracks the group while it runs, and a path that ends the harness without
// running destructors (the one-signal stop in `hourglass run`, which saves
// and calls _Exit) kills whatever is still tracked first.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace hg {

// Starts / stops tracking the process group `pgid` (> 0). Thread-safe.
void track_child_group(pid_t pgid);
void untrack_child_group(pid_t pgid);

// Sends SIGKILL to every tracked group and returns how many there were.
// Thread-safe; the groups stay tracked until their owners untrack them.
size_t kill_child_groups() noexcept;

}  // namespace hg
