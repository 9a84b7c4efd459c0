// hourglass_pipe_agent: the smallest agent that speaks hourglass.agent/1,
// for measuring what the pipe itself costs (benchmarks/pipe_bench.cpp). It
// trains on nothing: supervised, it draws `batch` samples per message until
// the budget is spent; interactive, it resets `batch` copies and steps them
// with action 0 until the budget is spent. It predicts zeros and acts 0.
//
//   hourglass_pipe_agent [BATCH]      (default 64)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

std::vector<char> scratch;

json receive() {
  std::string line;
  if (!std::getline(std::cin, line)) std::exit(0);
  json m = json::parse(line);
  if (m.contains("tensors"))
    for (const auto& t : m["tensors"]) {
      int64_t bytes = t["dtype"] == "float32" || t["dtype"] == "int32" ? 4
                      : t["dtype"] == "float64" || t["dtype"] == "int64" ? 8
                                                                           : 1;
      for (int64_t s : t["shape"].get<std::vector<int64_t>>()) bytes *= s;
      scratch.resize(static_cast<size_t>(bytes));
      std::cin.read(scratch.data(), bytes);
    }
  return m;
}

void send(const json& m, const std::string& body = "") {
  const std::string line = m.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fwrite(body.data(), 1, body.size(), stdout);
  std::fflush(stdout);
}

json tensor(const std::string& name, const std::string& dtype, std::vector<int64_t> shape) {
  return {{"name", name}, {"dtype", dtype}, {"shape", shape}};
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  const int64_t batch = argc > 1 ? std::atoll(argv[1]) : 64;
  const json hello = receive();
  send({{"type", "hello"}, {"protocol", "hourglass.agent/1"}});
  const int64_t P = hello["members"];
  const bool interactive = hello["task"]["kind"] == "interactive";
  for (;;) {
    const json m = receive();
    const std::string type = m["type"];
    if (type == "close") return 0;
    if (type == "train") {
      int64_t remaining = m["remaining"];
      if (interactive && remaining >= batch) {
        send({{"type", "reset"}, {"copies", batch}});
        remaining = receive()["remaining"];
        const std::string zeros(static_cast<size_t>(P * batch * 8), '\0');
        while (remaining >= batch) {
          send({{"type", "step"}, {"tensors", {tensor("actions", "int64", {P, batch})}}}, zeros);
          remaining = receive()["remaining"];
        }
      } else {
        while (!interactive && remaining >= batch) {
          send({{"type", "draw"}, {"n", batch}});
          remaining = receive()["remaining"];
        }
      }
      send({{"type", "done"}});
    } else if (type == "predict") {
      const auto shape = m["tensors"][0]["shape"].get<std::vector<int64_t>>();
      const int64_t k = hello["task"]["output_dim"];
      send({{"type", "prediction"}, {"tensors", {tensor("y", "float32", {shape[0], shape[1], k})}}},
           std::string(static_cast<size_t>(shape[0] * shape[1] * k * 4), '\0'));
    } else if (type == "act") {
      const auto shape = m["tensors"][0]["shape"].get<std::vector<int64_t>>();
      send({{"type", "action"}, {"tensors", {tensor("actions", "int64", {shape[0], shape[1]})}}},
           std::string(static_cast<size_t>(shape[0] * shape[1] * 8), '\0'));
    } else {
      send({{"type", "error"}, {"message", "pipe_agent: unexpected " + type}});
      return 1;
    }
  }
}
