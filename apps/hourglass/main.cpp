// hourglass: generalization and sample-efficiency benchmarks from a terminal.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "hourglass/core/error.h"
#include "hourglass/core/tensor_util.h"
#include "hourglass/core/text.h"
#include "threads.h"

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

}  // namespace

int main(int argc, char** argv) {
  hg::cli::set_program_arguments(argc, argv);
  hg::keep_freed_memory();
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
  hg::cli::add_run(app, action);
  hg::cli::add_validate(app, action);
  hg::cli::add_list(app, action);
  hg::cli::add_merge(app, action);
  hg::cli::add_slurm(app, action);
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
