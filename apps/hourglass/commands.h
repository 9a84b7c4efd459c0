// The subcommands of the `hourglass` executable. Each add_* declares its
// options on `app` and sets `action` to what runs when it is chosen; main()
// maps exceptions to exit codes (see exit codes in docs/getting-started.md).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "hourglass/results/results.h"

namespace hg::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;    // failed or diverged trials, a regression
inline constexpr int kExitInput = 2;     // bad usage or bad input
inline constexpr int kExitInternal = 3;  // a bug

using Action = std::function<int()>;

void add_run(CLI::App& app, Action& action);
void add_validate(CLI::App& app, Action& action);
void add_list(CLI::App& app, Action& action);
void add_compare(CLI::App& app, Action& action);
void add_merge(CLI::App& app, Action& action);
void add_slurm(CLI::App& app, Action& action);
void add_report(CLI::App& app, Action& action);

// The report of a finished run in `format` (table, md, csv, latex, json or
// html) with default options; `label` names the results file. report.cpp.
void print_run_report(const Results& results, const std::string& label, const std::string& format,
                      std::ostream& out);

// Directory of the shipped suites: share/hourglass/suites beside an
// installed executable, else HOURGLASS_SUITES_DIR (the source tree) from the build.
std::string shipped_suites_dir();

// Adds `--plugin FILE` (repeatable) to `cmd`, filling `plugins`. plugins.cpp.
void add_plugin_option(CLI::App* cmd, std::vector<std::string>* plugins);
// Loads `files` (--plugin), then the plugins each suite file names
// (`plugins:`), before any suite is checked. Throws InputError naming the
// plugin that is refused (hourglass/core/plugin.h).
void load_plugins(const std::vector<std::string>& files, const std::vector<std::string>& suites);

// The current UTC time in strftime `format` (run directories, timestamps). run.cpp.
std::string utc_now(const char* format);

}  // namespace hg::cli
