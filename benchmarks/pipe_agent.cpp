// hourglass_pipe_agent: the smallest agent that speaks hourglass.agent/1,
// for measuring what the pipe itself costs (benchmarks/pipe_bench.cpp). It
// trains on nothing: supervised, it draws `batch` samples per message until
// the budget is spent; interactive, it resets `batch` copies and steps them
// with action 0 until the budget is spent. It predicts zeros and acts 0.
//
// It does what an efficient agent in C++ would do, nothing the harness
// relies on: it reads its stdin with read() into one buffer (no iostreams),
// non-blocking, for up to SPIN_US microseconds before it sleeps in poll()
// while the harness's answers come that fast (spin_read.h, as the harness),
// reads each line with the harness's own exact header reader
// (lib/hourglass/learners/external/wire_header.h: torch-free, any agent may
// compile it in), skips the tensors' bytes, and writes each message (line and
// bytes) with one write().
//
//   hourglass_pipe_agent [BATCH [SPIN_US]]      (defaults 64 and 100)
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hourglass/learners/external/spin_read.h"
#include "hourglass/learners/external/wire_header.h"

namespace {

using hg::WireHeader;
using hg::WireHeaderWriter;

// stdin, buffered: bytes in buf[begin, end).
hg::SpinPolicy spin;
std::vector<char> buf(size_t{1} << 16);
size_t begin = 0, end = 0;

// Reads more of stdin into the buffer; exits at end of file (the harness
// has closed our stdin: it is done with us).
void fill() {
  if (begin == end) begin = end = 0;
  if (end == buf.size()) {
    if (begin > 0) {
      std::memmove(buf.data(), buf.data() + begin, end - begin);
      end -= begin;
      begin = 0;
    } else {
      buf.resize(buf.size() * 2);
    }
  }
  // stdin is non-blocking: read for a while (spin_read.h), then sleep in
  // poll() until something comes.
  const int64_t start = hg::monotonic_ns();
  for (int64_t budget = spin.budget_ns();; budget = 0) {
    const ssize_t n = hg::spin_read(0, buf.data() + end, buf.size() - end, budget);
    if (n > 0) {
      spin.waited(hg::monotonic_ns() - start);
      end += static_cast<size_t>(n);
      return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{0, POLLIN, 0};
      ::poll(&p, 1, -1);
      continue;
    }
    std::exit(0);
  }
}

int64_t dtype_bytes(const std::string& dtype) {
  if (dtype == "float32" || dtype == "int32") return 4;
  if (dtype == "float64" || dtype == "int64") return 8;
  return 1;
}

std::string text;  // the last line received

// The next message's line; its tensors' bytes are skipped.
const WireHeader& receive() {
  static WireHeader h;
  size_t scanned = begin;
  for (;;) {
    const void* nl = std::memchr(buf.data() + scanned, '\n', end - scanned);
    if (nl) {
      const size_t at = static_cast<size_t>(static_cast<const char*>(nl) - buf.data());
      text.assign(buf.data() + begin, at - begin);
      hg::read_wire_header(text, "a message", h);
      begin = at + 1;
      break;
    }
    scanned = end - begin;  // relative: fill() may move the bytes
    fill();
    scanned += begin;
  }
  for (const auto& t : h.tensors) {
    int64_t bytes = dtype_bytes(t.dtype);
    for (int64_t s : t.shape) bytes *= s;
    auto left = static_cast<size_t>(bytes);
    for (;;) {
      const size_t take = std::min(left, end - begin);
      begin += take;
      left -= take;
      if (left == 0) break;
      fill();
    }
  }
  return h;
}

int64_t integer(const WireHeader& h, const char* key) {
  const hg::WireField* f = h.field(key);
  if (!f || f->kind != hg::WireField::Kind::kInteger) std::exit(3);
  return f->integer;
}

std::string line;  // the message being sent: its line, then its bytes

// Writes `line` (the header, written by WireHeaderWriter) and `body`.
void send(const std::string& body = {}) {
  line += body;
  size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = ::write(1, line.data() + sent, line.size() - sent);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      std::exit(1);
    }
  }
}

void send_type(const char* type) {
  WireHeaderWriter w(line, type);
  w.finish();
  send();
}

// A message with tensors of zeros: `name` [P, n(, k)] of `dtype`.
void send_zeros(const char* type, const char* name, const char* dtype, std::vector<int64_t> shape) {
  WireHeaderWriter w(line, type);
  w.tensor(name, dtype, shape.data(), shape.size());
  w.finish();
  int64_t bytes = dtype_bytes(dtype);
  for (int64_t s : shape) bytes *= s;
  send(std::string(static_cast<size_t>(bytes), '\0'));
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t batch = argc > 1 ? std::atoll(argv[1]) : 64;
  spin = hg::SpinPolicy(argc > 2 ? std::atoll(argv[2]) * 1000 : hg::SpinPolicy::kDefaultMaxSpinNs);
  ::fcntl(0, F_SETFL, ::fcntl(0, F_GETFL) | O_NONBLOCK);
  if (receive().type != "hello") return 2;
  // hello's task is a nested object: read once with a JSON DOM.
  const nlohmann::json hello = nlohmann::json::parse(text);
  line = R"({"type":"hello","protocol":"hourglass.agent/1"})"
         "\n";
  send();
  const int64_t P = hello.at("members");
  const bool interactive = hello.at("task").at("kind") == "interactive";
  const int64_t outputs = interactive ? 0 : hello.at("task").at("output_dim").get<int64_t>();
  // A step's line and bytes are the same every time: written once.
  std::string step;
  {
    WireHeaderWriter w(step, "step");
    const int64_t shape[] = {P, batch};
    w.tensor("actions", "int64", shape, 2);
    w.finish();
    step.append(static_cast<size_t>(P * batch * 8), '\0');
  }
  for (;;) {
    const WireHeader& m = receive();
    if (m.type == "close") return 0;
    if (m.type == "train") {
      int64_t remaining = integer(m, "remaining");
      if (interactive && remaining >= batch) {
        WireHeaderWriter w(line, "reset");
        w.integer("copies", batch);
        w.finish();
        send();
        remaining = integer(receive(), "remaining");
        while (remaining >= batch) {
          line = step;
          send();
          remaining = integer(receive(), "remaining");
        }
      } else {
        while (!interactive && remaining >= batch) {
          WireHeaderWriter w(line, "draw");
          w.integer("n", batch);
          w.finish();
          send();
          remaining = integer(receive(), "remaining");
        }
      }
      send_type("done");
    } else if (m.type == "predict") {
      const auto& shape = m.tensors.at(0).shape;
      send_zeros("prediction", "y", "float32", {shape.at(0), shape.at(1), outputs});
    } else if (m.type == "act") {
      const auto& shape = m.tensors.at(0).shape;
      send_zeros("action", "actions", "int64", {shape.at(0), shape.at(1)});
    } else {
      line.clear();
      nlohmann::json error = {{"type", "error"}, {"message", "pipe_agent: unexpected " + m.type}};
      line = error.dump() + "\n";
      send();
      return 1;
    }
  }
}
