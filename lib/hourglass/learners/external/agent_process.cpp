#include "hourglass/learners/external/agent_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <torch/torch.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

#include "hourglass/core/children.h"

extern char** environ;

namespace hg {
namespace {

// The calling thread's SigpipeBlock state: how many are alive, whether an
// EPIPE was seen, and the mask the outermost found.
thread_local int sigpipe_depth = 0;
thread_local bool sigpipe_raised = false;
thread_local sigset_t sigpipe_old;

sigset_t just_sigpipe() {
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  return pipe;
}

}  // namespace

SigpipeBlock::SigpipeBlock() {
  if (sigpipe_depth++ > 0) return;
  sigpipe_raised = false;
  const sigset_t pipe = just_sigpipe();
  pthread_sigmask(SIG_BLOCK, &pipe, &sigpipe_old);
}

SigpipeBlock::~SigpipeBlock() {
  if (--sigpipe_depth > 0) return;
  if (sigpipe_raised) {
    const sigset_t pipe = just_sigpipe();
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe, nullptr, &zero) > 0) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &sigpipe_old, nullptr);
}

void SigpipeBlock::raised() { sigpipe_raised = true; }

namespace {

using Clock = std::chrono::steady_clock;

// The initial size of the read buffer: a whole small message (a `step` of
// 64 x 64 copies is 32 KiB) arrives in one read().
constexpr size_t kReadBuffer = size_t{64} << 10;
// The capacity asked for each of the agent's pipes.
constexpr int kPipeBytes = 256 << 10;
// The longest line the agent may send.
constexpr size_t kMaxLine = size_t{1} << 20;
// How long one poll() sleeps before the harness looks whether the agent has
// exited (a process it started may hold its stdout open: no end of file).
constexpr int kPollSliceMs = 50;

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
  throw AgentError("message '" + type() + "' has no tensor '" + name + "'");
}

std::optional<int64_t> AgentMessage::integer(std::string_view key) const {
  const WireField* f = header.field(key);
  if (!f || f->kind != WireField::Kind::kInteger) return std::nullopt;
  return f->integer;
}

const std::string* AgentMessage::string(std::string_view key) const {
  const WireField* f = header.field(key);
  return f && f->kind == WireField::Kind::kString ? &f->text : nullptr;
}

nlohmann::json AgentMessage::json() const { return nlohmann::json::parse(text); }

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
                           double timeout_seconds, int64_t max_spin_ns)
    : stderr_path_(stderr_path), timeout_(timeout_seconds), spin_(max_spin_ns), in_(kReadBuffer) {
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
  args.reserve(argv.size() + 1);
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
  // Room for a whole message of a large population (a cart-pole transition
  // of 64 x 64 copies is 84 KiB, over the default 64 KiB), so that it goes
  // in one write instead of waiting for the reader to drain the pipe.
  // Best effort: a user past fs/pipe-user-pages-soft keeps the default.
  ::fcntl(to_child_, F_SETPIPE_SZ, kPipeBytes);
  ::fcntl(from_child_, F_SETPIPE_SZ, kPipeBytes);
}

AgentProcess::~AgentProcess() { finish(0.0); }

void AgentProcess::finish(double grace_seconds) {
  if (pid_ < 0) return;
  if (to_child_ >= 0) ::close(to_child_);
  to_child_ = -1;
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(grace_seconds * 1000));
  // An agent usually exits within a fraction of a millisecond of the end of
  // its stdin: look often at first (50 us, doubling), then every 5 ms.
  auto pause = std::chrono::microseconds(50);
  while (!reaped_ && Clock::now() < deadline) {
    if (reap(/*wait=*/false)) break;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(5000));
  }
  if (!reaped_) {
    // Not reaped, so the group id is still this agent's: the agent and
    // everything it started. Never after the reap (see reap()).
    ::kill(-pid_, SIGKILL);
    if (!reap(/*wait=*/true)) untrack_child_group(pid_);
  }
  if (from_child_ >= 0) ::close(from_child_);
  from_child_ = -1;
  pid_ = -1;
}

std::string AgentProcess::ended() {
  if (!reaped_ && pid_ > 0) reap(/*wait=*/false);
  if (!reaped_) return "";
  if (WIFEXITED(status_)) return "exited with status " + std::to_string(WEXITSTATUS(status_));
  if (WIFSIGNALED(status_)) {
    const int sig = WTERMSIG(status_);
    const char* name = ::strsignal(sig);
    return "was killed by signal " + std::to_string(sig) + (name ? std::string(" (") + name + ")" : "");
  }
  return "ended";
}

bool AgentProcess::reap(bool wait) {
  siginfo_t info{};
  const int flags = WEXITED | WNOWAIT | (wait ? 0 : WNOHANG);  // WNOWAIT: not reaped yet
  int rc = 0;
  do {
    rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, flags);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0 || info.si_pid != pid_) return false;  // still running (or not our child)
  ::kill(-pid_, SIGKILL);  // what it started: the unreaped agent still holds the group id
  untrack_child_group(pid_);
  pid_t r = 0;
  do {
    r = ::waitpid(pid_, &status_, 0);
  } while (r < 0 && errno == EINTR);
  reaped_ = r == pid_;
  return reaped_;
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

std::string AgentProcess::Waiting::text() const {
  if (tensor.empty()) return std::string(expecting);
  return "tensor '" + std::string(tensor) + "' of '" + std::string(type) + "' (" +
         std::to_string(bytes) + " bytes)";
}

size_t AgentProcess::read_some(char* out, size_t n, const Waiting& what, bool poll_first) {
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout_ * 1000));
  // An answer that is due: read non-blocking for a while before sleeping
  // (spin_read.h), and time the wait for the policy either way.
  const int64_t wait_start = poll_first ? monotonic_ns() : 0;
  const auto waited = [&] {
    if (poll_first) spin_.waited(monotonic_ns() - wait_start);
  };
  if (const int64_t budget = poll_first ? spin_.budget_ns() : 0; budget > 0) {
    const ssize_t got = spin_read(from_child_, out, n, budget);
    if (got >= 0) {
      waited();
      return static_cast<size_t>(got);
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      throw failure("reading from the agent: " + std::string(std::strerror(errno)));
  }
  for (bool try_read = !poll_first;; try_read = true) {
    if (try_read) {
      const ssize_t got = ::read(from_child_, out, n);
      if (got >= 0) waited();
      if (got > 0) return static_cast<size_t>(got);
      if (got == 0) return 0;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        throw failure("reading from the agent: " + std::string(std::strerror(errno)));
    }
    const int ms = remaining_ms(deadline);
    if (ms == 0)
      throw failure("the agent sent nothing for " + seconds_text(timeout_) +
                    " s (timeout) while the harness waited for " + what.text() +
                    "; it was killed with its process group");
    pollfd p{from_child_, POLLIN, 0};
    if (::poll(&p, 1, std::min(ms, kPollSliceMs)) == 0 && !ended().empty()) {
      // Quiet, and the agent has exited: a process it started may still hold
      // its stdout open, so no end of file would come. What is in the pipe
      // is the last of it.
      const ssize_t last = ::read(from_child_, out, n);
      return last > 0 ? static_cast<size_t>(last) : 0;
    }
  }
}

bool AgentProcess::fill(const Waiting& what) {
  // With nothing buffered the harness has usually just sent a request whose
  // answer is not there yet: poll() first, and read() once it is.
  const bool poll_first = begin_ == end_;
  if (begin_ == end_) {
    begin_ = end_ = scan_ = 0;
  } else if (end_ == in_.size() && begin_ > 0) {
    std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    scan_ -= begin_;
    begin_ = 0;
  }
  if (end_ == in_.size()) in_.resize(in_.size() * 2);  // a long line
  const size_t got = read_some(in_.data() + end_, in_.size() - end_, what, poll_first);
  end_ += got;
  return got > 0;
}

void AgentProcess::read_exact(char* out, size_t n, const Waiting& what) {
  const size_t buffered = std::min(n, end_ - begin_);
  std::memcpy(out, in_.data() + begin_, buffered);
  begin_ += buffered;
  scan_ = std::max(scan_, begin_);
  for (size_t got = buffered; got < n;) {
    const size_t more = read_some(out + got, n - got, what, false);
    if (more == 0)
      throw failure("the agent closed its stdout after " + std::to_string(got) + " of the " +
                    std::to_string(n) + " bytes of " + what.text());
    got += more;
  }
}

void AgentProcess::describe(WireHeaderWriter& w, std::initializer_list<NamedTensor> tensors) {
  bodies_.clear();
  for (const auto& [name, t] : tensors) {
    const at::Tensor host = t.is_cpu() && t.is_contiguous() ? t : t.to(at::kCPU).contiguous();
    w.tensor(name, wire_dtype(host), host.sizes().data(), host.sizes().size());
    bodies_.push_back(host);
  }
  w.finish();
}

void AgentProcess::send(std::string_view type, std::initializer_list<IntField> fields,
                        std::initializer_list<NamedTensor> tensors) {
  WireHeaderWriter w(header_, type);
  for (const auto& f : fields) w.integer(f.key, f.value);
  describe(w, tensors);
  write_message(type, tensors);
  bodies_.clear();
}

void AgentProcess::send(const nlohmann::json& line, std::initializer_list<NamedTensor> tensors) {
  if (!line.is_object() || line.contains("tensors"))
    throw std::logic_error("AgentProcess::send: a JSON object without \"tensors\"");
  WireHeaderWriter w = WireHeaderWriter::from_object(header_, line.dump());
  describe(w, tensors);
  const auto type = line.find("type");
  write_message(type != line.end() && type->is_string() ? type->get_ref<const std::string&>()
                                                        : std::string("?"),
                tensors);
  bodies_.clear();
}

void AgentProcess::write_message(std::string_view type,
                                 std::initializer_list<NamedTensor> tensors) {
  if (to_child_ < 0) throw failure("the agent's stdin is closed");
  // The line and the tensors' bytes, in one writev() unless the pipe is full.
  constexpr size_t kMaxPieces = 16;
  iovec pieces[kMaxPieces];
  size_t count = 0;
  std::vector<iovec> more;  // only for messages of more than 15 tensors
  iovec* iov = pieces;
  const size_t total_pieces = 1 + bodies_.size();
  if (total_pieces > kMaxPieces) {
    more.resize(total_pieces);
    iov = more.data();
  }
  iov[count++] = {header_.data(), header_.size()};
  for (const auto& b : bodies_) iov[count++] = {b.data_ptr(), b.nbytes()};
  // Which piece a failure happened in, for its message.
  const auto piece_name = [&](size_t i) {
    if (i == 0) return "'" + std::string(type) + "'";
    return "tensor '" + std::string((tensors.begin() + (i - 1))->name) + "' of '" +
           std::string(type) + "'";
  };
  const SigpipeBlock block;
  auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout_ * 1000));
  size_t at = 0;  // the first piece not fully written
  while (at < count) {
    if (iov[at].iov_len == 0) {
      ++at;
      continue;
    }
    const int pieces_now = static_cast<int>(std::min<size_t>(count - at, IOV_MAX));
    const ssize_t w = ::writev(to_child_, iov + at, pieces_now);
    if (w > 0) {
      // Skip what was written; the piece written in part starts later.
      size_t left = static_cast<size_t>(w);
      while (at < count && left >= iov[at].iov_len) left -= iov[at++].iov_len;
      if (left > 0) {
        iov[at].iov_base = static_cast<char*>(iov[at].iov_base) + left;
        iov[at].iov_len -= left;
      }
      deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout_ * 1000));
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EPIPE) {
      SigpipeBlock::raised();
      throw failure("the agent closed its stdin while the harness sent " + piece_name(at));
    }
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
      throw failure("writing to the agent: " + std::string(std::strerror(errno)));
    pollfd p{to_child_, POLLOUT, 0};
    const int ms = remaining_ms(deadline);
    if (ms == 0 || ::poll(&p, 1, ms) == 0)
      throw failure("the agent read nothing for " + seconds_text(timeout_) +
                    " s (timeout) while the harness sent " + piece_name(at) +
                    "; it was killed with its process group");
  }
}

const AgentMessage& AgentProcess::receive(std::string_view expecting) {
  const Waiting waiting{expecting, {}, {}, 0};
  // The line: searched for in what is buffered, then in what each read adds.
  size_t newline = 0;
  for (;;) {
    const void* nl = std::memchr(in_.data() + scan_, '\n', end_ - scan_);
    if (nl) {
      newline = static_cast<size_t>(static_cast<const char*>(nl) - in_.data());
      break;
    }
    scan_ = end_;
    if (end_ - begin_ > kMaxLine)
      throw failure(
          "the agent sent a line of more than 1 MiB without a newline while the "
          "harness waited for " +
          std::string(expecting));
    if (!fill(waiting))
      throw failure("the agent closed its stdout while the harness waited for " +
                    std::string(expecting));
  }
  AgentMessage& m = message_;
  m.text.assign(in_.data() + begin_, newline - begin_);
  begin_ = scan_ = newline + 1;
  // Last message's tensors, for reuse by this one's of the same dtype and
  // shape when nobody else holds them (the hot path: the same `step` or
  // `draw` again and again).
  spare_.clear();
  for (auto& [name, t] : m.tensors) spare_.push_back(std::move(t));
  m.tensors.clear();
  try {
    read_wire_header(m.text, expecting, m.header);
  } catch (const WireHeaderError& e) {
    throw failure(e.what());
  }
  const std::string& type = m.header.type;
  // The tensors it declares, then their bytes.
  for (const auto& d : m.header.tensors) {
    at::ScalarType st;
    try {
      st = dtype_of(d.dtype);
    } catch (const AgentError& e) {
      throw failure("message '" + type + "', tensor '" + d.name + "': " + e.what());
    }
    int64_t count = 1;
    for (int64_t s : d.shape) {
      if (s < 0 || (s > 0 && count > (int64_t{1} << 40) / s)) {
        nlohmann::json shown = {{"name", d.name}, {"dtype", d.dtype}, {"shape", d.shape}};
        throw failure("message '" + type + "', tensor '" + d.name + "': bad shape " + shown.dump());
      }
      count *= s;
    }
    const size_t index = m.tensors.size();
    at::Tensor t;
    if (index < spare_.size()) {
      at::Tensor& old = spare_[index];
      if (old.defined() && old.scalar_type() == st && old.sizes() == at::IntArrayRef(d.shape) &&
          old.use_count() == 1 && old.storage().use_count() == 1)
        t = std::move(old);
    }
    if (!t.defined()) t = torch::empty(d.shape, torch::dtype(st));
    read_exact(static_cast<char*>(t.data_ptr()), static_cast<size_t>(t.nbytes()),
               Waiting{{}, d.name, type, static_cast<size_t>(t.nbytes())});
    m.tensors.emplace_back(d.name, std::move(t));
  }
  if (type == "error") {
    const std::string* text = m.string("message");
    throw failure("the agent reported an error: " + (text ? *text : std::string("?")));
  }
  return m;
}

}  // namespace hg
