// spin_read(): a non-blocking read tried for a while; SpinPolicy: how long.
#include "hourglass/learners/external/spin_read.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

namespace hg {
namespace {

// A pipe whose read end is non-blocking; closes what is still open.
struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    EXPECT_EQ(::pipe(fd), 0);
    ::fcntl(fd[0], F_SETFL, O_NONBLOCK);
  }
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  void close_writer() {
    ::close(fd[1]);
    fd[1] = -1;
  }
};

TEST(SpinPolicy, SpinsWhileAnswersComeWithinTheLongestSpin) {
  SpinPolicy p(100'000);
  EXPECT_EQ(p.budget_ns(), 100'000);  // nothing known yet: spin
  for (int i = 0; i < 50; ++i) p.waited(3'000);
  EXPECT_EQ(p.budget_ns(), 100'000);
  EXPECT_LE(p.average_ns(), 3'000 + 100);
}

TEST(SpinPolicy, TheAverageWeighsTheNewestWaitByAnEighth) {
  SpinPolicy p(100'000);
  p.waited(800);  // 0 + (800 - 0) / 8
  EXPECT_EQ(p.average_ns(), 100);
  p.waited(800);  // 100 + (800 - 100) / 8 = 100 + 87
  EXPECT_EQ(p.average_ns(), 187);
  p.waited(-5);  // a clock that went back counts as 0: 187 - 187 / 8 = 187 - 23
  EXPECT_EQ(p.average_ns(), 164);
}

TEST(SpinPolicy, ASlowAgentIsSpunForOnlyOnEverySixteenthWait) {
  SpinPolicy p(100'000);
  for (int i = 0; i < 40; ++i) p.waited(2'000'000);  // 2 ms answers
  ASSERT_GT(p.average_ns(), 100'000);
  int spins = 0;
  for (int i = 0; i < 64; ++i) spins += p.budget_ns() > 0 ? 1 : 0;
  EXPECT_EQ(spins, 64 / static_cast<int>(SpinPolicy::kProbeEvery));
  // Answers fast again: the average falls under the longest spin, and every
  // wait spins once more.
  for (int i = 0; i < 60; ++i) p.waited(5'000);
  EXPECT_LT(p.average_ns(), 100'000);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(p.budget_ns(), 100'000);
}

TEST(SpinPolicy, ZeroNeverSpins) {
  SpinPolicy p(0);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(p.budget_ns(), 0);
}

TEST(SpinRead, ReturnsWhatIsThereAtOnce) {
  Pipe pipe;
  ASSERT_EQ(::write(pipe.fd[1], "abc", 3), 3);
  char buf[8] = {};
  EXPECT_EQ(spin_read(pipe.fd[0], buf, sizeof buf, 0), 3);
  EXPECT_EQ(std::string(buf, 3), "abc");
}

TEST(SpinRead, NothingThereIsEagainAfterTheBudget) {
  Pipe pipe;
  char buf[8];
  errno = 0;
  EXPECT_EQ(spin_read(pipe.fd[0], buf, sizeof buf, 0), -1);  // one try only
  EXPECT_EQ(errno, EAGAIN);
  const int64_t start = monotonic_ns();
  EXPECT_EQ(spin_read(pipe.fd[0], buf, sizeof buf, 2'000'000), -1);
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_GE(monotonic_ns() - start, 2'000'000);
}

TEST(SpinRead, CatchesBytesWrittenWhileItSpins) {
  Pipe pipe;
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT_EQ(::write(pipe.fd[1], "late", 4), 4);
  });
  char buf[8] = {};
  // A budget far longer than the writer's delay: the bytes end the spin.
  const ssize_t got = spin_read(pipe.fd[0], buf, sizeof buf, 10'000'000'000);
  writer.join();
  EXPECT_EQ(got, 4);
  EXPECT_EQ(std::string(buf, 4), "late");
}

TEST(SpinRead, EndOfFileIsZero) {
  Pipe pipe;
  pipe.close_writer();
  char buf[8];
  EXPECT_EQ(spin_read(pipe.fd[0], buf, sizeof buf, 1'000'000), 0);
}

}  // namespace
}  // namespace hg
