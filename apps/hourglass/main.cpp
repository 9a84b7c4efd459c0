// hourglass: generalization and sample-efficiency benchmarks from a terminal.
//
// Built twice. `hourglass-torch` (HOURGLASS_FRONT undefined) has every
// command and links LibTorch. `hourglass` (HOURGLASS_FRONT) is the front
// end users call: it links no LibTorch, answers `report`, `merge` and
// `compare` itself, and replaces itself (execv, same arguments and pid) by
// `hourglass-torch` beside it for everything else. Loading LibTorch costs
// about 0.4 s of every start here (Debian's libtorch_cpu binds all its
// symbols at load, over some 290 shared libraries), which commands that only
// read results files need not pay.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>

#include "commands.h"
#include "hourglass/core/error.h"
#include "hourglass/core/text.h"
#ifdef HOURGLASS_FRONT
#include "hourglass/protocols/builtin.h"
#else
#include "hourglass/core/tensor_util.h"
#include "threads.h"
#endif

namespace {

void setup_logging() {
  const bool color = std::getenv("NO_COLOR") == nullptr && ::isatty(STDERR_FILENO);
  std::shared_ptr<spdlog::logger> logger;
  if (color)
    logger = spdlog::stderr_color_mt("hourglass");
  else
    logger = spdlog::stderr_logger_mt("hourglass");
  logger->set_pattern("%^[%l]%$ %v");
  spdlog::set_default_logger(logger);
}

#ifdef HOURGLASS_FRONT
// The commands the front end answers without LibTorch.
bool answered_here(int argc, char** argv) {
  static const std::set<std::string> kHere = {"report", "merge", "compare"};
  return argc >= 2 && kHere.count(argv[1]) > 0;
}

// Replaces this process by hourglass-torch beside this executable (found
// through /proc/self/exe, which resolves symbolic links; else beside
// argv[0], as when a dynamic loader was started with this file as its
// argument), with the same arguments; returns only when that fails (exit
// code 3, said why).
int run_with_libtorch(char** argv) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  fs::path torch = fs::path(argv[0]).parent_path() / "hourglass-torch";
  if (!ec && fs::exists(self.parent_path() / "hourglass-torch", ec))
    torch = self.parent_path() / "hourglass-torch";
  std::fflush(stdout);
  std::fflush(stderr);
  ::execv(torch.c_str(), argv);
  std::cerr << "internal error: cannot run " << torch.string() << " (" << std::strerror(errno)
            << "): every command but report, merge and compare needs it beside hourglass\n";
  return hg::cli::kExitInternal;
}
#endif

}  // namespace

int main(int argc, char** argv) {
#ifdef HOURGLASS_FRONT
  if (!answered_here(argc, argv)) return run_with_libtorch(argv);
  hg::register_builtin_protocols_without_run();
#else
  hg::cli::set_program_arguments(argc, argv);
  hg::keep_freed_memory();
#endif
  setup_logging();
  CLI::App app{
      "hourglass: how well do learners generalize, and how much practice do they need?\n"
      "Runs suites (YAML) of tasks x agents x sample budgets x seeds, scores every agent on\n"
      "its training distribution, fresh draws from it, and shifted (OOD) splits.\n"
      "Docs: docs/getting-started.md. Exit codes: 0 ok, 1 failed or diverged trials (run)\n"
      "or a regression (compare), 2 bad usage or input, 3 internal error.",
      "hourglass"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(HOURGLASS_VERSION));
  hg::cli::Action action;
#ifndef HOURGLASS_FRONT
  hg::cli::add_run(app, action);
  hg::cli::add_validate(app, action);
  hg::cli::add_list(app, action);
#endif
  hg::cli::add_merge(app, action);
#ifndef HOURGLASS_FRONT
  hg::cli::add_slurm(app, action);
#endif
  hg::cli::add_report(app, action);
  hg::cli::add_compare(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : hg::cli::kExitInput;
  }
  try {
    return action();
  } catch (const hg::SuiteError& e) {
    for (const auto& d : e.diagnostics()) std::cerr << d.str() << '\n';
    return hg::cli::kExitInput;
  } catch (const hg::InputError& e) {
    // Messages echo names and file content: printed with control characters
    // escaped (ANSI escapes never reach the terminal raw).
    std::cerr << (e.located() ? "" : "error: ") << hg::printable(e.what(), true) << '\n';
    return hg::cli::kExitInput;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << hg::printable(e.what(), true) << '\n';
    return hg::cli::kExitInternal;
  }
}
