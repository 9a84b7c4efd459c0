// One external agent process and the framing of `hourglass.agent/1`
// (docs/agent-protocol.md): messages are one JSON line each, followed by the
// raw little-endian, C-contiguous bytes of the tensors the line declares in
// its "tensors" list ({"name", "dtype", "shape"}), in that order.
//
// AgentProcess owns the child: it starts argv (no shell, execvp) in a process
// group of its own with stdin and stdout as pipes and stderr appended to a
// file, and its destructor (or kill()) ends the whole group: the agent and
// any children it started are gone when the AgentProcess is. Every wait for
// the agent (a message, a tensor's bytes, room in its stdin) is bounded by
// `timeout_seconds`; past it the group is killed and AgentError says so.
//
// Whatever goes wrong is an AgentError whose message names the cause, the
// agent's exit status or signal when it has ended, and the last lines of its
// stderr.
#pragma once

#include <ATen/core/Tensor.h>
#include <sys/types.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hg {

class AgentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A message: its JSON line ("type" and the rest) and its tensors by name.
struct AgentMessage {
  nlohmann::json line;
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  // The tensor called `name`, or AgentError naming what is missing.
  const at::Tensor& tensor(const std::string& name) const;
};

// "float32", "float64", "int64", "int32", "uint8", "bool": the dtypes of the
// wire (at::ScalarType names otherwise rejected).
std::string wire_dtype(const at::Tensor& t);

class AgentProcess {
 public:
  // Starts argv[0] (searched on PATH when it holds no '/') with argv.
  // stderr goes to `stderr_path` (created, or emptied); throws AgentError when
  // the program cannot be started.
  AgentProcess(const std::vector<std::string>& argv, const std::string& stderr_path,
               double timeout_seconds);
  ~AgentProcess();
  AgentProcess(const AgentProcess&) = delete;
  AgentProcess& operator=(const AgentProcess&) = delete;

  // Sends a message: `line` gains "tensors" describing `tensors` (host, any
  // of the wire dtypes; made contiguous).
  void send(nlohmann::json line,
            const std::vector<std::pair<std::string, at::Tensor>>& tensors = {});
  // Receives the next message (waits at most the timeout). `expecting` names
  // what the harness waits for, for messages ("a reply to 'hello'").
  AgentMessage receive(const std::string& expecting);

  // Ends the agent: closes its stdin, waits up to `grace_seconds` for it to
  // exit, then kills its process group (SIGKILL) either way. Idempotent.
  void finish(double grace_seconds);
  // The AgentError to throw for `cause`: the cause, how the agent ended (if
  // it has), and its stderr's last lines. Kills the agent first.
  AgentError failure(const std::string& cause);

  pid_t pid() const { return pid_; }
  const std::string& stderr_path() const { return stderr_path_; }
  // The last `lines` lines of the agent's stderr so far.
  std::string stderr_tail(int lines = 8) const;

 private:
  // Reads exactly n bytes into out (timeout, EOF -> AgentError).
  void read_exact(char* out, size_t n, const std::string& what);
  void write_all(const char* data, size_t n, const std::string& what);
  // Fills buffer_ with at least one more byte; false on EOF.
  bool fill(const std::string& what);
  // How the process ended ("exited with status 3", "was killed by signal 9
  // (Killed)"), or "" while it runs (non-blocking check).
  std::string ended();

  pid_t pid_ = -1;
  int to_child_ = -1, from_child_ = -1;
  std::string stderr_path_;
  double timeout_;
  std::string buffer_;  // bytes read but not yet consumed
  size_t consumed_ = 0;
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace hg
