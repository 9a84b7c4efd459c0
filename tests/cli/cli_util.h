// More helpers for the CLI tests, on top of the fixture (cli_fixture.h):
// reading results, comparing trial scores, and runs of the real `hourglass`
// binary in the background (posix_spawn), to be signalled.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

extern char** environ;

namespace hg::cli_testing {

namespace fs = std::filesystem;

using hg::testing::Cli;
using hg::testing::contains;

// How a background run ended.
struct Ended {
  int code = -1;   // exit status; -1 when killed by a signal
  int signal = 0;  // the signal that killed it, if one did
  std::string out, err;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `git rev-parse --short=12 HEAD` of the source tree; empty outside a checkout.
inline std::string source_head() {
  std::string out;
  if (FILE* pipe = ::popen("git -C '" HOURGLASS_SOURCE_DIR "' rev-parse --short=12 HEAD 2>/dev/null", "r")) {
    char buf[64];
    while (std::fgets(buf, sizeof buf, pipe)) out += buf;
    if (::pclose(pipe) != 0) return "";
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

inline nlohmann::json read_json(const std::string& path) {
  return nlohmann::json::parse(read_file(path));
}

// The scores of every trial, keyed "task/agent/budget/seed_index", for
// comparing two runs: status, diverged_at and every split's raw and normalized
// score (timings excluded).
inline std::map<std::string, nlohmann::json> trial_scores(const nlohmann::json& results) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& t : results.at("trials")) {
    const std::string key = t["task"].get<std::string>() + "/" + t["agent"].get<std::string>() +
                            "/" + std::to_string(t["budget"].get<int64_t>()) + "/" +
                            std::to_string(t["seed_index"].get<int64_t>());
    out[key] = {{"status", t["status"]},
                {"seed", t["seed"]},
                {"samples_used", t["samples_used"]},
                {"updates", t["updates"]},
                {"splits", t["splits"]},
                {"diverged_at", t.value("diverged_at", nlohmann::json())}};
  }
  return out;
}

// `hourglass ARGS` in the background (from the source directory), to be
// signalled; killed and reaped by the destructor if still running.
class BackgroundRun {
 public:
  // Standard output and error go to the files `out` and `err`.
  BackgroundRun(const std::vector<std::string>& args, const std::string& out,
                const std::string& err)
      : out_(out), err_(err) {
    std::vector<std::string> argv{HOURGLASS_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
    // Run from the source directory, as the foreground helper does.
    posix_spawn_file_actions_addchdir_np(&actions, HOURGLASS_SOURCE_DIR);
    if (posix_spawn(&pid_, HOURGLASS_BINARY, &actions, &attr, cargv.data(), environ) != 0)
      pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  ~BackgroundRun() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  BackgroundRun(const BackgroundRun&) = delete;
  BackgroundRun& operator=(const BackgroundRun&) = delete;

  pid_t pid() const { return pid_; }
  bool running() {
    if (reaped_) return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      status_ = status;
      return false;
    }
    return true;
  }
  void signal(int sig) { ::kill(pid_, sig); }
  Ended wait() {
    if (!reaped_) {
      ::waitpid(pid_, &status_, 0);
      reaped_ = true;
    }
    Ended o;
    o.code = WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
    o.signal = WIFSIGNALED(status_) ? WTERMSIG(status_) : 0;
    o.out = read_file(out_);
    o.err = read_file(err_);
    return o;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::string out_, err_;
};

// Complete lines of a journal (header included).
inline size_t journal_lines(const std::string& path) {
  const std::string text = read_file(path);
  size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

}  // namespace hg::cli_testing
