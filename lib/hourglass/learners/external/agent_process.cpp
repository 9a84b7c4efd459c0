#include "hourglass/learners/external/agent_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <torch/torch.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "hourglass/core/children.h"

extern char** environ;

namespace hg {
namespace {

using Clock = std::chrono::steady_clock;

// Blocks SIGPIPE in the calling thread while alive, so a write to an agent
// that has gone returns EPIPE instead of killing the harness, and discards a
// SIGPIPE raised meanwhile.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlock() {
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_, old_;
};

int remaining_ms(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(std::min<int64_t>(left, 1 << 30));
}

at::ScalarType dtype_of(const std::string& name) {
  if (name == "float32") return at::kFloat;
  if (name == "float64") return at::kDouble;
  if (name == "int64") return at::kLong;
  if (name == "int32") return at::kInt;
  if (name == "uint8") return at::kByte;
  if (name == "bool") return at::kBool;
  throw AgentError("unknown dtype '" + name +
                   "' (the wire has float32, float64, int64, int32, uint8, bool)");
}

std::string seconds_text(double s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

}  // namespace

const at::Tensor& AgentMessage::tensor(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return t;
  throw AgentError("message '" + line.value("type", std::string("?")) + "' has no tensor '" +
                   name + "'");
}

std::string wire_dtype(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    default: throw std::logic_error("no wire dtype for this tensor");
  }
}

AgentProcess::AgentProcess(const std::vector<std::string>& argv, const std::string& stderr_path,
                           double timeout_seconds)
    : stderr_path_(stderr_path), timeout_(timeout_seconds) {
  if (argv.empty()) throw AgentError("the agent's command is empty");
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throw AgentError(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    throw AgentError(std::string("pipe: ") + std::strerror(errno));
  }
  const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (err < 0) {
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    throw AgentError("cannot write the agent's stderr to " + stderr_path + ": " +
                     std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);  // a process group of its own: killed as one
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int rc = ::posix_spawnp(&pid_, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err);
  if (rc != 0) {
    ::close(in[1]);
    ::close(out[0]);
    pid_ = -1;
    throw AgentError("cannot start the agent '" + argv[0] + "': " + std::strerror(rc));
  }
  track_child_group(pid_);
  to_child_ = in[1];
  from_child_ = out[0];
  ::fcntl(to_child_, F_SETFL, O_NONBLOCK);
  ::fcntl(from_child_, F_SETFL, O_NONBLOCK);
}

AgentProcess::~AgentProcess() { finish(0.0); }

void AgentProcess::finish(double grace_seconds) {
  if (pid_ < 0) return;
  if (to_child_ >= 0) ::close(to_child_);
  to_child_ = -1;
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(grace_seconds * 1000));
  while (!reaped_ && Clock::now() < deadline) {
    if (!ended().empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(-pid_, SIGKILL);  // the agent, if still there, and everything it started
  untrack_child_group(pid_);
  if (!reaped_) {
    if (::waitpid(pid_, &status_, 0) == pid_) reaped_ = true;
  }
  if (from_child_ >= 0) ::close(from_child_);
  from_child_ = -1;
  pid_ = -1;
}

std::string AgentProcess::ended() {
  if (!reaped_ && pid_ > 0) {
    const pid_t r = ::waitpid(pid_, &status_, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      ::kill(-pid_, SIGKILL);  // what it started, before its group id can be reused
      untrack_child_group(pid_);
    }
  }
  if (!reaped_) return "";
  if (WIFEXITED(status_)) return "exited with status " + std::to_string(WEXITSTATUS(status_));
  if (WIFSIGNALED(status_)) {
    const int sig = WTERMSIG(status_);
    const char* name = ::strsignal(sig);
    return "was killed by signal " + std::to_string(sig) + (name ? std::string(" (") + name + ")" : "");
  }
  return "ended";
}

std::string AgentProcess::stderr_tail(int lines) const {
  std::ifstream in(stderr_path_, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > 8192) text = text.substr(text.size() - 8192);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return text;
  size_t at = text.size();
  for (int i = 0; i < lines && at != std::string::npos && at > 0; ++i)
    at = text.rfind('\n', at - 1);
  return at == std::string::npos ? text : text.substr(at + 1);
}

AgentError AgentProcess::failure(const std::string& cause) {
  std::string how;
  if (pid_ > 0) {
    // Give an agent that is on its way out a moment to exit, so that its
    // status is reported; then end it (and its children) for good.
    for (int i = 0; i < 20 && (how = ended()).empty(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const bool was_running = how.empty();
    finish(0.0);
    if (was_running) how = "";
  }
  std::string message = cause;
  if (!how.empty()) message += " (the agent " + how + ")";
  const std::string tail = stderr_tail();
  message += tail.empty() ? "; its stderr is empty" : "; its stderr ends:\n" + tail;
  message += "\n(stderr: " + stderr_path_ + ")";
  return AgentError(message);
}

bool AgentProcess::fill(const std::string& what) {
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout_ * 1000));
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::read(from_child_, chunk, sizeof chunk);
    if (n > 0) {
      if (consumed_ > 0 && (consumed_ == buffer_.size() || consumed_ > (size_t{1} << 20))) {
        buffer_.erase(0, consumed_);
        consumed_ = 0;
      }
      buffer_.append(chunk, static_cast<size_t>(n));
      return true;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      throw failure("reading from the agent: " + std::string(std::strerror(errno)));
    // The agent may have exited while a process it started still holds its
    // stdout open: no end of file comes then, so its exit counts as one
    // (after the pipe is drained).
    if (!ended().empty()) {
      const ssize_t last = ::read(from_child_, chunk, sizeof chunk);
      if (last > 0) {
        buffer_.append(chunk, static_cast<size_t>(last));
        return true;
      }
      return false;
    }
    pollfd p{from_child_, POLLIN, 0};
    const int ms = remaining_ms(deadline);
    if (ms == 0)
      throw failure("the agent sent nothing for " + seconds_text(timeout_) +
                    " s (timeout) while the harness waited for " + what +
                    "; it was killed with its process group");
    ::poll(&p, 1, std::min(ms, 50));  // wake up now and then to see whether it exited
  }
}

void AgentProcess::read_exact(char* out, size_t n, const std::string& what) {
  size_t got = 0;
  while (got < n) {
    if (consumed_ == buffer_.size() && !fill(what))
      throw failure("the agent closed its stdout after " + std::to_string(got) + " of the " +
                    std::to_string(n) + " bytes of " + what);
    const size_t take = std::min(n - got, buffer_.size() - consumed_);
    std::memcpy(out + got, buffer_.data() + consumed_, take);
    consumed_ += take;
    got += take;
  }
}

void AgentProcess::write_all(const char* data, size_t n, const std::string& what) {
  if (to_child_ < 0) throw failure("the agent's stdin is closed");
  SigpipeBlock block;
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout_ * 1000));
  size_t sent = 0;
  while (sent < n) {
    const ssize_t w = ::write(to_child_, data + sent, n - sent);
    if (w > 0) {
      sent += static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EPIPE)
      throw failure("the agent closed its stdin while the harness sent " + what);
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
      throw failure("writing to the agent: " + std::string(std::strerror(errno)));
    pollfd p{to_child_, POLLOUT, 0};
    const int ms = remaining_ms(deadline);
    if (ms == 0 || ::poll(&p, 1, ms) == 0)
      throw failure("the agent read nothing for " + seconds_text(timeout_) +
                    " s (timeout) while the harness sent " + what +
                    "; it was killed with its process group");
  }
}

void AgentProcess::send(nlohmann::json line,
                        const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  const std::string type = line.value("type", std::string("?"));
  std::vector<at::Tensor> bodies;
  if (!tensors.empty()) {
    auto list = nlohmann::json::array();
    for (const auto& [name, t] : tensors) {
      const auto host = t.to(at::kCPU).contiguous();
      list.push_back({{"name", name}, {"dtype", wire_dtype(host)}, {"shape", host.sizes().vec()}});
      bodies.push_back(host);
    }
    line["tensors"] = list;
  }
  const std::string text = line.dump() + "\n";
  write_all(text.data(), text.size(), "'" + type + "'");
  for (size_t i = 0; i < bodies.size(); ++i)
    write_all(static_cast<const char*>(bodies[i].data_ptr()), bodies[i].nbytes(),
              "tensor '" + tensors[i].first + "' of '" + type + "'");
}

AgentMessage AgentProcess::receive(const std::string& expecting) {
  constexpr size_t kMaxLine = 1 << 20;
  // The JSON line.
  std::string text;
  for (;;) {
    const auto nl = buffer_.find('\n', consumed_);
    if (nl != std::string::npos) {
      text = buffer_.substr(consumed_, nl - consumed_);
      consumed_ = nl + 1;
      break;
    }
    if (buffer_.size() - consumed_ > kMaxLine)
      throw failure("the agent sent a line of more than 1 MiB without a newline while the "
                    "harness waited for " + expecting);
    if (!fill(expecting))
      throw failure("the agent closed its stdout while the harness waited for " + expecting);
  }
  AgentMessage m;
  try {
    m.line = nlohmann::json::parse(text);
  } catch (const std::exception&) {
    const std::string shown = text.size() > 120 ? text.substr(0, 120) + "..." : text;
    throw failure("the agent sent malformed JSON while the harness waited for " + expecting +
                  ": '" + shown + "'");
  }
  if (!m.line.is_object() || !m.line.contains("type") || !m.line["type"].is_string())
    throw failure("the agent sent a message without a string \"type\" while the harness "
                  "waited for " + expecting + ": " + m.line.dump());
  const std::string type = m.line["type"];
  // The tensors it declares, then their bytes.
  if (m.line.contains("tensors")) {
    const auto& list = m.line["tensors"];
    if (!list.is_array()) throw failure("message '" + type + "': \"tensors\" must be a list");
    for (const auto& d : list) {
      std::string name, dtype;
      std::vector<int64_t> shape;
      try {
        name = d.at("name").get<std::string>();
        dtype = d.at("dtype").get<std::string>();
        shape = d.at("shape").get<std::vector<int64_t>>();
      } catch (const std::exception&) {
        throw failure("message '" + type + "': a tensor must be {\"name\", \"dtype\", "
                      "\"shape\"}, got " + d.dump());
      }
      at::ScalarType st;
      try {
        st = dtype_of(dtype);
      } catch (const AgentError& e) {
        throw failure("message '" + type + "', tensor '" + name + "': " + e.what());
      }
      int64_t count = 1;
      for (int64_t s : shape) {
        if (s < 0 || (s > 0 && count > (int64_t{1} << 40) / s))
          throw failure("message '" + type + "', tensor '" + name + "': bad shape " + d.dump());
        count *= s;
      }
      auto t = torch::empty(shape, torch::dtype(st));
      read_exact(static_cast<char*>(t.data_ptr()), static_cast<size_t>(t.nbytes()),
                 "tensor '" + name + "' of '" + type + "' (" + std::to_string(t.nbytes()) +
                     " bytes)");
      m.tensors.emplace_back(name, t);
    }
  }
  if (type == "error")
    throw failure("the agent reported an error: " + m.line.value("message", std::string("?")));
  return m;
}

}  // namespace hg
