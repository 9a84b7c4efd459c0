// libFuzzer target for the suite loader (docs/ci-regression.md, "Fuzzing").
//
// Each input is written as a suite file and loaded against a catalog shaped
// like the registered one (every parameter type appears). The loader's
// contract: it returns a Suite or throws SuiteError, whatever the bytes; any
// other exception, a crash, a hang or a sanitizer report is a bug. Inputs can
// include `main.yaml` (themselves: a cycle) or `common.yaml`, a fixed valid
// fragment, so includes are exercised too.
//
// Built without LibTorch from lib/hourglass/suite/*.cpp,
// core/{error,params,sha256}.cpp and the protocols' declarations
// (protocols/*/*_info.cpp) by tests/fuzz/CMakeLists.txt (clang).
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "hourglass/protocols/continual/continual.h"
#include "hourglass/protocols/deployment/deployment.h"
#include "hourglass/protocols/standard/standard.h"
#include "hourglass/protocols/transfer/transfer.h"
#include "hourglass/suite/suite.h"

namespace {

hg::Catalog make_catalog() {
  using hg::ParamSpec;
  hg::Catalog c;
  // Named fields rather than aggregate braces: Component grows optional hooks.
  auto component = [](std::vector<ParamSpec> params, std::string kind,
                      std::vector<std::string> kinds) {
    hg::Catalog::Component out;
    out.params = std::move(params);
    out.kind = std::move(kind);
    out.kinds = std::move(kinds);
    return out;
  };
  c.families["sinusoid"] =
      component({ParamSpec::RealRange("amplitude", 0.1, 5.0, 0.0, 1e6, "amplitude"),
                 ParamSpec::RealRange("x", -5.0, 5.0, -1e6, 1e6, "x"),
                 ParamSpec::Real("noise", 0.0, 0.0, 1e6, "noise")},
                "regression", {});
  c.families["linear-regression"] = component({ParamSpec::Int("dim", 8, 1, 4096, "dim"),
                                               ParamSpec::Real("x_scale", 1.0, 1e-6, 1e6, "scale")},
                                              "regression", {});
  c.families["gridworld"] =
      component({ParamSpec::Int("size", 8, 2, 64, "size")}, "interactive", {});
  c.learners["mlp"] = component({ParamSpec::IntList("hidden", {64, 64}, 1, 8192, "hidden", 0),
                                 ParamSpec::Choice("activation", "relu", {"relu", "tanh"}, "act"),
                                 ParamSpec::Real("lr", 1e-3, 1e-8, 10.0, "lr"),
                                 ParamSpec::Int("max_updates", 2000, 1, 100'000'000, "updates")},
                                "", {"regression"});
  c.learners["ridge"] = component({ParamSpec::Bool("intercept", true, "intercept"),
                                   ParamSpec::Real("lambda", 1e-3, 0.0, 1e6, "lambda")},
                                  "", {"regression"});
  c.learners["ppo"] = component({}, "", {"interactive"});
  c.learners["mlp"].can_continue = true;
  static const hg::ProtocolInfo protocols[] = {hg::standard_info(), hg::transfer_info(),
                                               hg::continual_info(), hg::deployment_info()};
  for (const auto& p : protocols) c.protocols[p.name] = &p;
  return c;
}

struct Workspace {
  Workspace() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hourglass-fuzz-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    std::ofstream(dir + "/common.yaml") << "seeds: 2\nbudgets: [10, 100]\n"
                                           "agents:\n  - {name: ridge, learner: ridge}\n";
    path = dir + "/main.yaml";
  }
  ~Workspace() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string dir, path;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const hg::Catalog catalog = make_catalog();
  static Workspace workspace;
  {
    std::ofstream out(workspace.path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    const hg::Suite suite = hg::load_suite(workspace.path, catalog);
    // A suite that loads must be one the rest of the harness can trust.
    if (suite.budgets.empty() || suite.tasks.empty() || suite.agents.empty()) std::abort();
    for (size_t i = 1; i < suite.budgets.size(); ++i)
      if (suite.budgets[i - 1] >= suite.budgets[i]) std::abort();
    if (suite.seeds < 1 || suite.seeds > hg::kMaxSeeds) std::abort();
  } catch (const hg::SuiteError&) {
    // Expected for almost every input.
  }
  return 0;
}
