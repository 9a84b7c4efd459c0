#include "hourglass/core/children.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

// A child in a process group of its own that sleeps until killed.
pid_t sleeping_group_leader() {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    for (;;) ::pause();
  }
  ::setpgid(pid, pid);  // also from the parent, so the group exists on return
  return pid;
}

TEST(ChildGroups, KillEndsEveryTrackedGroupAndNothingUntracked) {
  const pid_t tracked = sleeping_group_leader();
  const pid_t untracked = sleeping_group_leader();
  ASSERT_GT(tracked, 0);
  ASSERT_GT(untracked, 0);
  hg::track_child_group(tracked);
  EXPECT_EQ(hg::kill_child_groups(), 1u);
  int status = 0;
  ASSERT_EQ(::waitpid(tracked, &status, 0), tracked);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  // The other one still runs.
  EXPECT_EQ(::waitpid(untracked, &status, WNOHANG), 0);
  hg::untrack_child_group(tracked);
  EXPECT_EQ(hg::kill_child_groups(), 0u);
  ::kill(untracked, SIGKILL);
  ::waitpid(untracked, &status, 0);
}

}  // namespace
