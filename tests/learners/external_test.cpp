// AgentProcess: the framing of hourglass.agent/1 and the control of the
// agent's process, with shell one-liners as agents (no Python needed). The
// external learner end to end, with Python agents, is tested in
// tests/cli/external_cli_test.cpp.
#include <gtest/gtest.h>
#include <signal.h>
#include <torch/torch.h>

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "../test_util.h"
#include "hourglass/learners/external/agent_process.h"

namespace hg {
namespace {

using testing::TempDir;

// Whether a live (not zombie) process is in process group `group`, and, when
// `command` is given, runs that command (its name in /proc/PID/stat).
bool group_alive(pid_t group, const std::string& command = "") {
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    std::ifstream in(e.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    long ppid = 0, pgrp = 0;
    rest >> state >> ppid >> pgrp;
    if (pgrp == group && state != 'Z' &&
        (command.empty() || stat.substr(open + 1, close - open - 1) == command))
      return true;
  }
  return false;
}

// SIGKILL is delivered asynchronously: a killed process may still be
// listed for a moment (longer on a loaded machine), so wait up to 5 s.
bool group_ends(pid_t group) {
  for (int i = 0; i < 250 && group_alive(group); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return !group_alive(group);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const AgentError& e) {
    return e.what();
  }
  return "";
}

TEST(AgentProcess, TensorsRoundTripThroughTheFramingByteForByte) {
  TempDir dir;
  AgentProcess cat({"cat"}, dir.path() + "/err", 10.0);  // echoes every message back
  const auto x = torch::randn({2, 3, 4});
  const auto ids = torch::arange(6, torch::kLong).reshape({2, 3});
  const auto done = torch::tensor({true, false, true});
  cat.send("data", {{"remaining", 7}}, {{"x", x}, {"y", ids}, {"done", done}});
  const AgentMessage& m = cat.receive("the echo");
  EXPECT_EQ(m.type(), "data");
  EXPECT_EQ(m.integer("remaining"), 7);
  EXPECT_EQ(m.json()["tensors"][0]["dtype"], "float32");
  EXPECT_EQ(m.json()["tensors"][0]["shape"], nlohmann::json({2, 3, 4}));
  EXPECT_TRUE(torch::equal(m.tensor("x"), x));
  EXPECT_TRUE(torch::equal(m.tensor("y"), ids));
  EXPECT_TRUE(torch::equal(m.tensor("done"), done));
  // Non-contiguous tensors are sent in C order.
  cat.send({{"type", "t"}}, {{"x", x.transpose(0, 2)}});
  EXPECT_TRUE(torch::equal(cat.receive("the echo").tensor("x"), x.transpose(0, 2).contiguous()));
}

TEST(AgentProcess, MessagesRoundTripTheSameWhetherTheHarnessSpinsOrSleeps) {
  TempDir dir;
  for (const int64_t spin_ns : {int64_t{0}, SpinPolicy::kDefaultMaxSpinNs}) {
    AgentProcess cat({"cat"}, dir.path() + "/err", 10.0, spin_ns);
    for (int64_t i = 0; i < 200; ++i) {
      const auto x = torch::arange(i, i + 64, torch::kLong).reshape({1, 64});
      cat.send("step", {{"i", i}}, {{"actions", x}});
      const AgentMessage& m = cat.receive("the echo");
      ASSERT_EQ(m.integer("i"), i);
      ASSERT_TRUE(torch::equal(m.tensor("actions"), x)) << "spin " << spin_ns << ", message " << i;
    }
  }
}

// The next message's tensor of the same dtype and shape reuses the last
// one's memory only when nobody holds the last one: a tensor kept by the
// caller keeps its values.
TEST(AgentProcess, AReceivedTensorIsReusedOnlyWhenNobodyHoldsIt) {
  TempDir dir;
  AgentProcess cat({"cat"}, dir.path() + "/err", 10.0);
  const auto send = [&](int64_t from) {
    cat.send("step", {}, {{"actions", torch::arange(from, from + 64, torch::kLong)}});
    return &cat.receive("the echo").tensor("actions");
  };
  const void* first = send(0)->data_ptr();
  EXPECT_EQ(send(100)->data_ptr(), first);  // not held: its memory again
  const at::Tensor kept = *send(200);       // held by the caller from here on
  const at::Tensor& next = *send(300);
  EXPECT_NE(next.data_ptr(), kept.data_ptr());
  EXPECT_TRUE(torch::equal(kept, torch::arange(200, 264, torch::kLong)));
  EXPECT_TRUE(torch::equal(next, torch::arange(300, 364, torch::kLong)));
  const at::Tensor view = send(400)->narrow(0, 0, 8);  // a view holds the storage
  const at::Tensor& after = *send(500);
  EXPECT_TRUE(torch::equal(view, torch::arange(400, 408, torch::kLong)));
  EXPECT_TRUE(torch::equal(after, torch::arange(500, 564, torch::kLong)));
}

// SIGPIPE blocked in this thread?
bool sigpipe_blocked() {
  sigset_t now;
  pthread_sigmask(SIG_BLOCK, nullptr, &now);
  return sigismember(&now, SIGPIPE) == 1;
}

TEST(SigpipeBlock, NestsAndDiscardsTheSignalOfAnEpipe) {
  ASSERT_FALSE(sigpipe_blocked());
  int fd[2];
  ASSERT_EQ(::pipe(fd), 0);
  ::close(fd[0]);  // nobody reads: a write raises SIGPIPE and fails with EPIPE
  {
    const SigpipeBlock outer;
    EXPECT_TRUE(sigpipe_blocked());
    {
      const SigpipeBlock inner;  // as write_message() inside a phase's block
      errno = 0;
      EXPECT_EQ(::write(fd[1], "x", 1), -1);
      EXPECT_EQ(errno, EPIPE);
      SigpipeBlock::raised();
    }
    EXPECT_TRUE(sigpipe_blocked());  // the inner one left the mask alone
    sigset_t pending;
    sigpending(&pending);
    EXPECT_EQ(sigismember(&pending, SIGPIPE), 1);
  }
  // The outer one discarded the pending signal (else it would end this test
  // process now) and restored the mask.
  EXPECT_FALSE(sigpipe_blocked());
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
  ::close(fd[1]);
}

TEST(AgentProcess, TheWireIsLittleEndianFloat32) {
  TempDir dir;
  AgentProcess cat({"cat"}, dir.path() + "/err", 10.0);
  // 1.0f is 0x3f800000: bytes 00 00 80 3f on the wire.
  cat.send({{"type", "t"}}, {{"x", torch::ones({1})}});
  const auto back = cat.receive("the echo").tensor("x");
  const auto bytes = static_cast<const unsigned char*>(back.data_ptr());
  EXPECT_EQ(bytes[0], 0x00);
  EXPECT_EQ(bytes[2], 0x80);
  EXPECT_EQ(bytes[3], 0x3f);
}

TEST(AgentProcess, AnAgentThatHangsIsKilledWithItsChildrenAfterTheTimeout) {
  TempDir dir;
  AgentProcess agent({"sh", "-c", "sleep 300 & sleep 300"}, dir.path() + "/err", 0.3);
  const pid_t group = agent.pid();
  const auto start = std::chrono::steady_clock::now();
  const std::string e = error_of([&] { agent.receive("a training request"); });
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_NE(e.find("the agent sent nothing for 0.3 s (timeout) while the harness waited for a "
                   "training request; it was killed with its process group"),
            std::string::npos)
      << e;
  EXPECT_LT(waited, 5.0);
  // The whole group is gone: the shell and its background sleep.
  EXPECT_TRUE(group_ends(group));
}

TEST(AgentProcess, ExitStatusAndTheStderrTailAreInTheMessage) {
  TempDir dir;
  AgentProcess agent({"sh", "-c", "echo first >&2; echo 'it broke' >&2; exit 3"},
                     dir.path() + "/err", 10.0);
  const std::string e = error_of([&] { agent.receive("its reply to 'hello'"); });
  EXPECT_NE(e.find("the agent closed its stdout while the harness waited for its reply to "
                   "'hello' (the agent exited with status 3); its stderr ends:\nfirst\nit broke"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("(stderr: " + dir.path() + "/err)"), std::string::npos) << e;
}

TEST(AgentProcess, MalformedJsonAndTooFewBytesAreNamed) {
  TempDir dir;
  {
    AgentProcess agent({"sh", "-c", "echo '{nope'; sleep 300"}, dir.path() + "/a", 10.0);
    EXPECT_NE(error_of([&] { agent.receive("x"); }).find("the agent sent malformed JSON"),
              std::string::npos);
  }
  {
    AgentProcess agent(
        {"sh", "-c",
         R"(printf '{"type":"prediction","tensors":[{"name":"y","dtype":"float32","shape":[4]}]}\nab')"},
        dir.path() + "/b", 10.0);
    const std::string e = error_of([&] { agent.receive("x"); });
    EXPECT_NE(e.find("the agent closed its stdout after 2 of the 16 bytes of tensor 'y'"),
              std::string::npos)
        << e;
  }
  {
    AgentProcess agent(
        {"sh", "-c",
         R"(printf '{"type":"p","tensors":[{"name":"y","dtype":"float16","shape":[1]}]}\n'; sleep 300)"},
        dir.path() + "/c", 10.0);
    EXPECT_NE(error_of([&] { agent.receive("x"); }).find("unknown dtype 'float16'"),
              std::string::npos);
  }
  {
    AgentProcess agent({"sh", "-c", R"(echo '{"type":"error","message":"out of ideas"}')"},
                       dir.path() + "/d", 10.0);
    EXPECT_NE(error_of([&] { agent.receive("x"); })
                  .find("the agent reported an error: out of ideas"),
              std::string::npos);
  }
}

TEST(AgentProcess, ALineAndItsBytesArrivingInPiecesAreReassembled) {
  TempDir dir;
  // The line in two writes, the bytes split across writes, and the next
  // message in the same write as the end of the bytes.
  AgentProcess agent(
      {"sh", "-c",
       R"(printf '{"type":"pre'; sleep 0.05; )"
       R"(printf 'diction","tensors":[{"name":"y","dtype":"uint8","shape":[4]}]}\nab'; sleep 0.05; )"
       R"(printf 'cd{"type":"done","updates":3}\n'; sleep 300)"},
      dir.path() + "/err", 10.0);
  const AgentMessage& m = agent.receive("x");
  EXPECT_EQ(m.type(), "prediction");
  const auto y = m.tensor("y");
  ASSERT_EQ(y.numel(), 4);
  EXPECT_EQ(std::string(static_cast<const char*>(y.data_ptr()), 4), "abcd");
  const AgentMessage& next = agent.receive("x");
  EXPECT_EQ(next.type(), "done");
  EXPECT_EQ(next.integer("updates"), 3);
}

TEST(AgentProcess, ATensorLargerThanTheBufferIsReadStraightIntoIt) {
  TempDir dir;
  // 400,000 bytes of 7: more than the 64 KiB read buffer and the pipe.
  AgentProcess agent(
      {"sh", "-c",
       R"(printf '{"type":"p","tensors":[{"name":"y","dtype":"uint8","shape":[400000]}]}\n'; )"
       R"(head -c 400000 /dev/zero | tr '\000' '\007'; printf '{"type":"done"}\n'; sleep 300)"},
      dir.path() + "/err", 10.0);
  const at::Tensor y = agent.receive("x").tensor("y");
  ASSERT_EQ(y.numel(), 400000);
  EXPECT_TRUE(torch::all(y == 7).item<bool>());
  EXPECT_EQ(agent.receive("x").type(), "done");
}

TEST(AgentProcess, ALineOfMoreThanOneMebibyteIsRefused) {
  TempDir dir;
  AgentProcess agent({"sh", "-c", "head -c 1100000 /dev/zero | tr '\\000' x; sleep 300"},
                     dir.path() + "/err", 10.0);
  const std::string e = error_of([&] { agent.receive("a training request"); });
  EXPECT_NE(e.find("the agent sent a line of more than 1 MiB without a newline while the harness "
                   "waited for a training request"),
            std::string::npos)
      << e.substr(0, 300);
}

TEST(AgentProcess, AProgramThatDoesNotExistCannotStart) {
  TempDir dir;
  const std::string e = error_of(
      [&] { AgentProcess agent({"/nonexistent/agent"}, dir.path() + "/err", 1.0); });
  EXPECT_NE(e.find("cannot start the agent '/nonexistent/agent'"), std::string::npos) << e;
}

TEST(AgentProcess, FinishKillsWhatTheAgentLeftRunning) {
  TempDir dir;
  pid_t group = -1;
  {
    AgentProcess agent({"sh", "-c", "sleep 300 & exit 0"}, dir.path() + "/err", 1.0);
    group = agent.pid();
    // Until the shell's `sleep` runs (a loaded machine can take a while to
    // schedule the shell). Not just any process of the group: while the
    // shell's child is in exec, its /proc entry can be missed, and the shell
    // itself may have exited, so the group looked empty for a moment (about
    // 8% of runs under load).
    for (int i = 0; i < 500 && !group_alive(group, "sleep"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(group_alive(group, "sleep"));
    agent.finish(1.0);
  }
  EXPECT_TRUE(group_ends(group));
}

}  // namespace
}  // namespace hg
