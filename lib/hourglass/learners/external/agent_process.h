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
//
// The hot path (one `step` and its `transition`, one `draw` and its `data`)
// is built to cost little more than the two context switches it needs:
// a message goes out in one writev() (its line and its tensors' bytes
// together), the line is written and read without a JSON DOM
// (wire_header.h, exact), the reader takes whatever the pipe holds in one
// read() and, when nothing is buffered, reads non-blocking for up to
// `max_spin_ns` before it sleeps in poll() (spin_read.h: an idle processor's
// wake-up costs more than a fast agent's answer), and a tensor's bytes are
// copied once into the tensor handed over (read() straight into it beyond
// what is buffered; the last message's tensor of the same dtype and shape
// is reused when nobody else holds it). docs/performance.md has the
// measurements.
#pragma once

#include <ATen/core/Tensor.h>
#include <sys/types.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "hourglass/learners/external/spin_read.h"
#include "hourglass/learners/external/wire_header.h"

namespace hg {

class AgentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A message received: its line (the "type", the other fields, the tensors it
// declares) and its tensors by name.
struct AgentMessage {
  WireHeader header;
  std::string text;  // the JSON line as received, without its newline
  std::vector<std::pair<std::string, at::Tensor>> tensors;

  const std::string& type() const { return header.type; }
  // The field `key` when it is an integer (that fits int64_t), else nullopt.
  std::optional<int64_t> integer(std::string_view key) const;
  // The field `key` when it is a string, else nullptr.
  const std::string* string(std::string_view key) const;
  // The line as a JSON document (parses `text`: for messages and tests).
  nlohmann::json json() const;
  // The tensor called `name`, or AgentError naming what is missing.
  const at::Tensor& tensor(const std::string& name) const;
};

// A tensor to send: its name on the wire and the tensor (any device, any of
// the wire dtypes; sent C-contiguous from the host).
struct NamedTensor {
  std::string_view name;
  at::Tensor tensor;
};

// An integer field of a message the harness sends.
struct IntField {
  std::string_view key;
  int64_t value;
};

// "float32", "float64", "int64", "int32", "uint8", "bool": the dtypes of the
// wire (at::ScalarType names otherwise rejected).
std::string wire_dtype(const at::Tensor& t);

// Blocks SIGPIPE in the calling thread while alive, so that a write to an
// agent that has gone returns EPIPE instead of killing the harness. Such a
// write also raises SIGPIPE (pending, as it is blocked): after an EPIPE,
// call raised() and it is discarded before the old mask returns. Nests: only
// the outermost changes the mask (two system calls), so a loop of many
// messages holds one around them all instead of one per message.
class SigpipeBlock {
 public:
  SigpipeBlock();
  ~SigpipeBlock();
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;
  static void raised();
};

class AgentProcess {
 public:
  // Starts argv[0] (searched on PATH when it holds no '/') with argv.
  // stderr goes to `stderr_path` (created, or emptied); throws AgentError when
  // the program cannot be started. `max_spin_ns`: the longest the harness
  // reads without sleeping while an answer is due (SpinPolicy; 0: never).
  AgentProcess(const std::vector<std::string>& argv, const std::string& stderr_path,
               double timeout_seconds, int64_t max_spin_ns = SpinPolicy::kDefaultMaxSpinNs);
  ~AgentProcess();
  AgentProcess(const AgentProcess&) = delete;
  AgentProcess& operator=(const AgentProcess&) = delete;

  // Sends {"type": type, fields..., "tensors": [...]} and the tensors'
  // bytes (the hot messages).
  void send(std::string_view type, std::initializer_list<IntField> fields,
            std::initializer_list<NamedTensor> tensors = {});
  // Sends any JSON object (`line` must not hold "tensors": it gains the list
  // describing `tensors`).
  void send(const nlohmann::json& line, std::initializer_list<NamedTensor> tensors = {});
  // Receives the next message (waits at most the timeout for each piece).
  // `expecting` names what the harness waits for, for messages ("its reply to
  // 'hello'"). The message is valid until the next receive().
  const AgentMessage& receive(std::string_view expecting);

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
  // What the harness waits for, spelled out only when a failure needs it.
  struct Waiting {
    std::string_view expecting;  // a message ("its 'action'"), or
    std::string_view tensor;     // a tensor's bytes: its name,
    std::string_view type;       // its message's type
    size_t bytes = 0;            // and its size
    std::string text() const;
  };
  // Reads up to n bytes into out, waiting at most the timeout for the first;
  // 0 at end of file, or when the agent has exited and its stdout is drained
  // (a process it started may hold the pipe open). `poll_first`: when the
  // bytes are probably not there yet (saves a read() that would fail).
  size_t read_some(char* out, size_t n, const Waiting& what, bool poll_first);
  // Reads exactly n bytes into out: from the buffer first, then straight
  // from the pipe (timeout, EOF -> AgentError).
  void read_exact(char* out, size_t n, const Waiting& what);
  // Reads more of the pipe into the buffer; false at end of file.
  bool fill(const Waiting& what);
  // Writes header_ and bodies_ with writev (timeout, EPIPE -> AgentError).
  void write_message(std::string_view type, std::initializer_list<NamedTensor> tensors);
  // Adds `tensors` to the line in `w` and their host copies to bodies_.
  void describe(WireHeaderWriter& w, std::initializer_list<NamedTensor> tensors);
  // How the process ended ("exited with status 3", "was killed by signal 9
  // (Killed)"), or "" while it runs (non-blocking check).
  std::string ended();
  // Once the agent has exited: kills its process group, then reaps it. The
  // exited agent, until reaped, keeps its pid and so its group id from being
  // given to another process, so the signal reaches only what this agent
  // started (after the reap, kill(-pid) could hit another run's agent: pids
  // wrap around at 32,768 here). `wait`: block until it exits. Returns
  // whether it was reaped (false while it runs, or if it cannot be waited for).
  bool reap(bool wait);

  pid_t pid_ = -1;
  int to_child_ = -1, from_child_ = -1;
  std::string stderr_path_;
  double timeout_;
  SpinPolicy spin_;  // how long to read before sleeping while an answer is due
  // Bytes read but not yet consumed are in_[begin_, end_); a line is
  // searched for from scan_ on. Grows for long lines (up to 1 MiB).
  std::vector<char> in_;
  size_t begin_ = 0, end_ = 0, scan_ = 0;
  AgentMessage message_;            // the last message received
  std::vector<at::Tensor> spare_;   // the one before's tensors, reused when unshared
  std::string header_;              // the line being sent
  std::vector<at::Tensor> bodies_;  // the tensors being sent, on the host, contiguous
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace hg
