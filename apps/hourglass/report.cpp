// hourglass report RESULTS.json...: the tables (and plots) of one or more
// results files, side by side.
#include "hourglass/report/report.h"

#include <iostream>
#include <sstream>

#include "commands.h"
#include "hourglass/core/error.h"
#ifndef HOURGLASS_FRONT
#include "hourglass/learners/learner.h"
#endif
#include "hourglass/report/renderer.h"
#include "hourglass/results/results.h"

namespace hg::cli {
namespace {

struct ReportArgs {
  std::vector<std::string> files;
  std::string format = "table";
  std::string output;
  std::string detail = "full";
  ReportOptions options;
  std::function<uint64_t()> max_bytes;
};

// LearnerInfo::trivial of a registered learner; false for unknown names.
// The front end (main.cpp) has no learner registry: it asks the list of the
// built-in trivial learners, which a unit test holds equal to the registry's
// (`report` loads no plugins, so the registry holds the built-ins alone).
bool is_trivial_learner(const std::string& learner) {
#ifdef HOURGLASS_FRONT
  return is_builtin_trivial_learner(learner);
#else
  const LearnerInfo* info = LearnerRegistry::instance().find(learner);
  return info && info->trivial;
#endif
}

// The compact table, md and latex show means only: compute nothing else.
bool shows_means_only(Format format, ReportDetail detail) {
  return detail == ReportDetail::kCompact &&
         (format == Format::kTable || format == Format::kMarkdown || format == Format::kLatex);
}

int report(ReportArgs args) {
  const Format format = parse_format(args.format);
  args.options.is_trivial_learner = is_trivial_learner;
  args.options.detail = parse_report_detail(args.detail);
  args.options.compact_numbers_only = shows_means_only(format, args.options.detail);
  const uint64_t max_bytes = args.max_bytes();
  std::vector<ReportInput> inputs;
  for (const auto& path : args.files) inputs.push_back({path, read_results(path, max_bytes)});
  std::ostringstream text;
  make_renderer(format)->render(build_report(inputs, args.options), text);
  if (args.output.empty() || args.output == "-") {
    std::cout << text.str();
  } else {
    write_file_atomic(args.output, text.str());  // a device or pipe: written through
  }
  return kExitOk;
}

}  // namespace

#ifndef HOURGLASS_FRONT
void print_run_report(const Results& results, const std::string& label, const std::string& format,
                      ReportDetail detail, std::ostream& out) {
  ReportOptions options;
  options.detail = detail;
  options.is_trivial_learner = is_trivial_learner;
  options.compact_numbers_only = shows_means_only(parse_format(format), detail);
  make_renderer(parse_format(format))->render(build_report({{label, results}}, options), out);
}
#endif

std::function<uint64_t()> add_max_input_size(CLI::App* cmd) {
  auto text = std::make_shared<std::string>("1GiB");
  cmd->add_option("--max-input-size", *text,
                  "refuse results files larger than this, before reading them (e.g. 1GiB, "
                  "500MB, bytes)")
      ->capture_default_str();
  return [text] { return parse_byte_size(*text, "--max-input-size"); };
}

void add_report(CLI::App& app, Action& action) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand(
      "report",
      "Print the report of one or more results files: scores per task, aggregates over tasks "
      "(IQM, mean, median, optimality gap), sample efficiency (AUC, samples to threshold, "
      "practice multiplier) and generalization (gap, OOD drop, worst OOD). Several files are "
      "shown side by side. docs/reports.md explains every format and column.");
  cmd->add_option("results", args->files, "results files (results.json of hourglass run)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--format", args->format, "table, md, csv, latex, json or html")
      ->capture_default_str();
  cmd->add_option("--report", args->detail,
                  "full: every table; compact: per task one row per agent, test and worst OOD "
                  "at each budget, and the aggregate IQM (what hourglass run prints)")
      ->capture_default_str();
  cmd->add_option("--output,-o", args->output,
                  "write the report to FILE (atomically) instead of stdout; an existing "
                  "device or pipe (/dev/null, /dev/stdout) is written through, a symbolic "
                  "link to a regular file or a directory is refused");
  cmd->add_option("--reference", args->options.reference,
                  "agent the practice multiplier is measured against (default: the suite's "
                  "'reference:' key, else the agent with the highest AUC on test that is not "
                  "a trivial learner such as constant or random)");
  cmd->add_option("--threshold", args->options.threshold,
                  "normalized score of 'samples to threshold'")
      ->capture_default_str();
  cmd->add_flag("--allow-mixed", args->options.allow_mixed,
                "accept results files of different suites (suite.sha256)");
  cmd->add_option("--bootstrap,--reps", args->options.reps,
                  "bootstrap replicates of every interval (rliable uses 50000)")
      ->capture_default_str();
  args->max_bytes = add_max_input_size(cmd);
  cmd->callback([&action, args] { action = [args] { return report(*args); }; });
}

}  // namespace hg::cli
