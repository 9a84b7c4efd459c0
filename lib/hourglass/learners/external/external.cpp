// `external`: an agent in its own process, in any language, speaking
// `hourglass.agent/1` over its stdin and stdout (docs/agent-protocol.md;
// the framing is agent_process.h's).
//
// One process per population: the harness starts `command` (argv, no shell;
// path-like elements resolved relative to the suite file by the loader), says
// hello (the task's kind and shapes, the members and their seeds), then for
// each training phase sends `train` with the phase's budget and answers the
// agent's requests until it says `done`:
//   supervised   draw {n}          -> data {x, y}   (n per member)
//   interactive  reset {copies}    -> observation {obs}
//                step {actions}    -> transition {obs, reward, done}
// A request past the budget is refused and fails the population. Then the
// harness asks `predict {x}` -> prediction {y} or `act {obs}` -> action
// {actions} on every split's evaluation inputs (never labels or rewards),
// and finally sends `close`.
//
// Anything the agent does wrong (exits, dies by a signal, hangs past
// `timeout`, sends malformed JSON, an unknown message, a wrong dtype or
// shape, too few bytes, non-finite predictions, asks past the budget) throws,
// so the runner records the population's trials as failed with the message,
// which ends with the agent's last stderr lines; the agent's process group
// is killed. Its stderr is kept in the run folder (learner_log_dir()) under
// agents/.
#include <sys/stat.h>
#include <unistd.h>

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>

#include "hourglass/learners/external/agent_process.h"
#include "hourglass/learners/learner.h"

namespace hg {
namespace {

constexpr const char* kProtocol = "hourglass.agent/1";

std::string shape_text(at::IntArrayRef s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

// Where the agent's stderr goes: <run folder>/agents/<script>-<seed>.stderr,
// or a temporary file (removed with the learner) when there is no run folder.
struct StderrFile {
  std::string path;
  bool temporary = false;
  ~StderrFile() {
    if (temporary) std::remove(path.c_str());
  }
};

std::unique_ptr<StderrFile> stderr_file(const std::vector<std::string>& argv, uint64_t seed) {
  namespace fs = std::filesystem;
  auto f = std::make_unique<StderrFile>();
  std::string stem = fs::path(argv.size() > 1 ? argv[1] : argv[0]).stem().string();
  for (auto& c : stem)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(seed));
  const std::string dir = learner_log_dir();
  if (!dir.empty()) {
    std::error_code ec;
    fs::create_directories(fs::path(dir) / "agents", ec);
    f->path = (fs::path(dir) / "agents" / (stem + "-" + hex + ".stderr")).string();
    return f;
  }
  static std::atomic<int> counter{0};
  f->path = (fs::temp_directory_path() / ("hourglass-agent-" + std::to_string(::getpid()) + "-" +
                                          std::to_string(counter++) + ".stderr"))
                .string();
  f->temporary = true;
  return f;
}

// The harness's own parameters of an agent (docs/learners.md#external).
struct AgentSettings {
  explicit AgentSettings(const Params& p)
      : argv(p.command("command")), timeout(p.real("timeout")), spin_us(p.integer("spin_us")) {}
  std::vector<std::string> argv;
  double timeout;
  int64_t spin_us;
};

// The conversation with one agent, shared by the supervised and the
// interactive learner.
class Session {
 public:
  Session(const AgentSettings& a, const std::vector<uint64_t>& seeds, nlohmann::json task)
      : stderr_(stderr_file(a.argv, seeds.empty() ? 0 : seeds[0])),
        agent_(a.argv, stderr_->path, a.timeout, a.spin_us * 1000),
        members_(static_cast<int64_t>(seeds.size())) {
    nlohmann::json hello = {{"type", "hello"},     {"protocol", kProtocol},
                            {"task", task},        {"members", members_},
                            {"seeds", seeds},      {"params", {{"timeout", a.timeout}}}};
    agent_.send(hello);
    const AgentMessage& reply = agent_.receive("its reply to 'hello'");
    expect_type(reply, "hello", "its reply to 'hello'");
    const std::string* protocol = reply.string("protocol");
    const std::string speaks = protocol ? *protocol : std::string();
    if (speaks != kProtocol)
      throw agent_.failure("the agent speaks protocol '" + speaks + "', the harness " +
                           kProtocol);
  }

  ~Session() {
    try {
      agent_.send({{"type", "close"}});
    } catch (const std::exception&) {
      // It is going either way.
    }
    agent_.finish(2.0);
  }

  AgentProcess& agent() { return agent_; }
  int64_t members() const { return members_; }

  void expect_type(const AgentMessage& m, const char* type, const char* when) {
    const std::string& got = m.type();
    if (got != type)
      throw agent_.failure("the agent sent an unknown or unexpected message '" + got + "' as " +
                           when + " (expected '" + std::string(type) + "')");
  }

  // The tensor `name` of m with exactly this dtype and shape.
  const at::Tensor& checked(const AgentMessage& m, const std::string& name, at::ScalarType dtype,
                            at::IntArrayRef shape) {
    const std::string& type = m.type();
    const at::Tensor* found = nullptr;
    for (const auto& [n, t] : m.tensors)
      if (!found && n == name) found = &t;
    if (!found) throw agent_.failure("message '" + type + "' has no tensor '" + name + "'");
    const at::Tensor& t = *found;
    if (t.scalar_type() != dtype)
      throw agent_.failure("message '" + type + "', tensor '" + name + "': dtype " +
                           wire_dtype(t) + ", expected " +
                           wire_dtype(torch::empty({0}, torch::dtype(dtype))));
    if (t.sizes() != shape)
      throw agent_.failure("message '" + type + "', tensor '" + name + "': shape " +
                           shape_text(t.sizes()) + ", expected " + shape_text(shape));
    return t;
  }

  int64_t count(const AgentMessage& m, const char* key) {
    const std::optional<int64_t> n = m.integer(key);
    if (!n || *n < 0)
      throw agent_.failure("message '" + m.type() + "' needs \"" + key +
                           "\", a non-negative integer, got " + m.json().dump());
    return *n;
  }

  // The budget-exceeded failure: tell the agent, then fail.
  AgentError refuse(const std::string& what, int64_t asked, int64_t remaining, int64_t budget) {
    const std::string message = "budget exceeded: the agent asked to " + what + " " +
                                std::to_string(asked) + " with " + std::to_string(remaining) +
                                " of its budget of " + std::to_string(budget) + " left";
    try {
      agent_.send(
          nlohmann::json{{"type", "refused"}, {"message", message}, {"remaining", remaining}});
    } catch (const std::exception&) {
    }
    return agent_.failure(message);
  }

 private:
  std::unique_ptr<StderrFile> stderr_;
  AgentProcess agent_;
  int64_t members_;
};

// Whether every action in `a` (int64, contiguous: a received tensor) is in
// [0, num_actions).
bool actions_in_range(const at::Tensor& a, int64_t num_actions) {
  const int64_t* v = a.data_ptr<int64_t>();
  return std::all_of(v, v + a.numel(), [&](int64_t x) { return x >= 0 && x < num_actions; });
}

nlohmann::json supervised_task(const TaskShape& s) {
  nlohmann::json t = {{"kind", to_string(s.kind)},
                      {"input_dim", s.input_dim},
                      {"output_dim", s.output_dim},
                      {"one_hot_block", s.one_hot_block}};
  if (s.kind == TaskKind::kClassification) t["classes"] = s.output_dim;
  return t;
}

class ExternalLearner final : public Learner {
 public:
  explicit ExternalLearner(const Params& p) : settings_(p) {}

 protected:
  void do_train(TrainContext& ctx) override {
    shape_ = ctx.shape;
    session_ = std::make_unique<Session>(settings_, ctx.member_seeds, supervised_task(ctx.shape));
    phase(ctx);
  }
  void do_continue(TrainContext& ctx) override { phase(ctx); }

  at::Tensor do_predict(const at::Tensor& x) override {
    auto& agent = session_->agent();
    agent.send("predict", {}, {{"x", x}});
    const AgentMessage& m = agent.receive("its 'prediction'");
    session_->expect_type(m, "prediction", "the answer to 'predict'");
    const at::Tensor& y =
        session_->checked(m, "y", at::kFloat, {x.size(0), x.size(1), shape_.output_dim});
    const float* v = y.data_ptr<float>();
    if (!std::all_of(v, v + y.numel(), [](float f) { return std::isfinite(f); }))
      throw agent.failure("the agent's prediction holds NaN or infinite values");
    return y.to(x.device());
  }

 private:
  void phase(TrainContext& ctx) {
    const SigpipeBlock quiet;  // once for the phase's messages, not per message
    auto& agent = session_->agent();
    const int64_t budget = ctx.data.budget();
    agent.send("train", {{"budget", budget}, {"remaining", ctx.data.remaining()}});
    for (;;) {
      const AgentMessage& m = agent.receive("a training request ('draw' or 'done')");
      const std::string& type = m.type();
      if (type == "done") {
        if (const auto updates = m.integer("updates")) ctx.updates += *updates;
        return;
      }
      if (type != "draw")
        throw agent.failure("the agent sent an unknown or unexpected message '" + type +
                            "' during training (expected 'draw' or 'done')");
      const int64_t n = session_->count(m, "n");
      if (n > ctx.data.remaining())
        throw session_->refuse("draw", n, ctx.data.remaining(), budget);
      const Batch b = ctx.data.draw(n);
      agent.send("data", {{"remaining", ctx.data.remaining()}}, {{"x", b.x}, {"y", b.y}});
    }
  }

  AgentSettings settings_;
  TaskShape shape_;
  std::unique_ptr<Session> session_;
};

class ExternalInteractiveLearner final : public InteractiveLearner {
 public:
  explicit ExternalInteractiveLearner(const Params& p) : settings_(p) {}

 protected:
  void do_train(InteractiveTrainContext& ctx) override {
    spec_ = ctx.spec;
    const nlohmann::json task = {{"kind", "interactive"},
                                 {"obs_dim", ctx.spec.obs_dim},
                                 {"num_actions", ctx.spec.num_actions},
                                 {"max_steps", ctx.spec.max_steps}};
    session_ = std::make_unique<Session>(settings_, ctx.member_seeds, task);
    phase(ctx);
  }
  // A further `train` message, on the new environment.
  void do_continue(InteractiveTrainContext& ctx) override { phase(ctx); }

  at::Tensor do_act(const at::Tensor& obs) override {
    auto& agent = session_->agent();
    agent.send("act", {}, {{"obs", obs}});
    const AgentMessage& m = agent.receive("its 'action'");
    session_->expect_type(m, "action", "the answer to 'act'");
    const at::Tensor& a = session_->checked(m, "actions", at::kLong, {obs.size(0), obs.size(1)});
    if (!actions_in_range(a, spec_.num_actions))
      throw agent.failure("message 'action': actions outside [0, " +
                          std::to_string(spec_.num_actions) + ")");
    return a.to(obs.device());
  }

 private:
  void phase(InteractiveTrainContext& ctx) {
    const SigpipeBlock quiet;  // once for the phase's messages, not per message
    auto& agent = session_->agent();
    const int64_t P = session_->members();
    const int64_t budget = ctx.env.budget();
    agent.send("train", {{"budget", budget}, {"remaining", ctx.env.remaining()}});
    int64_t copies = 0;
    for (;;) {
      const AgentMessage& m = agent.receive("a training request ('reset', 'step' or 'done')");
      const std::string& type = m.type();
      if (type == "done") {
        if (const auto updates = m.integer("updates")) ctx.updates += *updates;
        return;
      }
      if (type == "reset") {
        copies = session_->count(m, "copies");
        if (copies < 1) throw agent.failure("message 'reset' needs \"copies\" >= 1");
        const auto obs = ctx.env.reset(copies);
        agent.send("observation", {{"remaining", ctx.env.remaining()}}, {{"obs", obs}});
        continue;
      }
      if (type != "step")
        throw agent.failure("the agent sent an unknown or unexpected message '" + type +
                            "' during training (expected 'reset', 'step' or 'done')");
      if (copies == 0) throw agent.failure("the agent sent 'step' before 'reset'");
      const at::Tensor& actions = session_->checked(m, "actions", at::kLong, {P, copies});
      if (copies > ctx.env.remaining())
        throw session_->refuse("step", copies, ctx.env.remaining(), budget);
      if (!actions_in_range(actions, spec_.num_actions))
        throw agent.failure("message 'step': actions outside [0, " +
                            std::to_string(spec_.num_actions) + ")");
      const Transition t = ctx.env.step(actions);
      agent.send("transition", {{"remaining", ctx.env.remaining()}},
                 {{"obs", t.obs}, {"reward", t.reward}, {"done", t.done.to(at::kBool)}});
    }
  }

  AgentSettings settings_;
  EnvSpec spec_;
  std::unique_ptr<Session> session_;
};

// The command can start: argv[0] is an executable file (or found on PATH),
// and every other element that looks like a path (holds a '/', does not
// start with '-') exists.
std::optional<ParamProblem> check_command(const Params& p, const TaskShape&, const std::string&) {
  namespace fs = std::filesystem;
  const auto& argv = p.command("command");
  if (argv.empty())
    return ParamProblem{"command", "parameter 'command' is required: the agent's argv, e.g. "
                                   "[python3, agents/my_agent.py]"};
  const std::string& program = argv[0];
  if (program.find('/') != std::string::npos) {
    if (::access(program.c_str(), X_OK) != 0 || fs::is_directory(program))
      return ParamProblem{"command", "command " + program + ": no such executable file"};
  } else {
    bool found = false;
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':') && !found;)
      found = !dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0;
    if (!found) return ParamProblem{"command", "command '" + program + "': not found on PATH"};
  }
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.find('/') == std::string::npos || a.front() == '-') continue;
    std::error_code ec;
    if (!fs::exists(a, ec))
      return ParamProblem{"command", "command argument " + a + ": no such file"};
  }
  return std::nullopt;
}

LearnerInfo MakeInfo() {
  LearnerInfo info;
  info.name = "external";
  info.doc = "an agent in its own process, any language, speaking hourglass.agent/1 "
             "(docs/agent-protocol.md)";
  info.kinds = {TaskKind::kRegression, TaskKind::kClassification, TaskKind::kInteractive};
  info.can_continue = true;  // a further `train` phase, supervised or interactive
  info.params = {
      ParamSpec::Command("command", {},
                         "the agent's argv, run without a shell; elements with a '/' (not "
                         "starting with '-') are paths relative to the suite file (required)",
                         0),
      ParamSpec::Real("timeout", 60.0, 0.01, 86400.0,
                      "seconds the harness waits for any one message from the agent before "
                      "killing it (and its children)"),
      ParamSpec::Int("spin_us", 100, 0, 100000,
                     "microseconds the harness keeps reading without sleeping while an "
                     "answer is due, when the agent's answers usually come that fast (saves "
                     "the wake-up; 0: always sleep; docs/performance.md)"),
  };
  info.make = [](const Params& p) { return std::make_unique<ExternalLearner>(p); };
  info.make_interactive = [](const Params& p) {
    return std::make_unique<ExternalInteractiveLearner>(p);
  };
  info.check_task = check_command;
  return info;
}

const LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
