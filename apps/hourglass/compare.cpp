// hourglass compare BASELINE.json CURRENT.json: the regression gate.
// Exit 0 when nothing regressed, 1 when something did, 2 for bad input.
#include <iostream>
#include <sstream>

#include "commands.h"
#include "hourglass/core/error.h"
#include "hourglass/report/comparison.h"
#include "hourglass/report/selection.h"
#include "hourglass/results/compare.h"
#include "hourglass/results/results.h"

namespace hg::cli {
namespace {

struct CompareArgs {
  std::string baseline, current;
  CompareOptions options;
  bool unpaired = false;
  std::string format = "table";
  std::string export_format;
  std::string output;
  std::function<uint64_t()> max_bytes;
};

int compare(CompareArgs args) {
  args.options.paired = !args.unpaired;
  // Everything that can be wrong with the command line first, then the inputs;
  // nothing is written until both have been read and compared.
  const Format format = parse_format(args.format);
  if (format != Format::kTable && format != Format::kMarkdown && format != Format::kJson)
    throw InputError("--format: compare writes table, md or json, got '" + args.format + "'");
  if (!args.export_format.empty() && args.export_format != "github-action-benchmark")
    throw InputError("--export: the only export is github-action-benchmark, got '" +
                     args.export_format + "'");
  if (!args.export_format.empty() && args.output.empty())
    throw InputError("--export " + args.export_format + " needs -o FILE");
  if (args.export_format.empty() && !args.output.empty())
    throw InputError("-o FILE goes with --export (the comparison itself goes to stdout)");

  const uint64_t max_bytes = args.max_bytes();
  // Sweeps: the selected agents' rows are compared too (report/selection.h).
  const Results baseline = with_selected_trials(read_results(args.baseline, max_bytes));
  const Results current = with_selected_trials(read_results(args.current, max_bytes));
  const Comparison comparison = compare_results(baseline, current, args.options);

  for (const auto& note : comparison.notes) std::cerr << "note: " << note << "\n";
  std::ostringstream text;
  render_comparison(comparison, comparison_source(args.baseline, baseline),
                    comparison_source(args.current, current), format, text);
  if (!args.export_format.empty())
    write_file_atomic(args.output, github_action_benchmark(comparison).dump(2) + "\n");
  std::cout << text.str() << std::flush;
  return comparison.regressed() ? kExitFailed : kExitOk;
}

}  // namespace

void add_compare(CLI::App& app, Action& action) {
  auto args = std::make_shared<CompareArgs>();
  auto* cmd = app.add_subcommand(
      "compare",
      "Compare a results file against a baseline, row by row (task, agent, budget, split). "
      "A regression is a mean normalized score below the baseline's by more than the "
      "tolerance whose 95% bootstrap interval of the difference lies below zero (paired by "
      "seed index where both runs have the same seeds, else unpaired); missing "
      "rows count as regressions unless --allow-missing. Exit 0: no regression; 1: "
      "regression; 2: bad input. See docs/ci-regression.md.");
  cmd->add_option("baseline", args->baseline, "the baseline results.json")->required();
  cmd->add_option("current", args->current, "the results.json to check")->required();
  cmd->add_option("--tolerance", args->options.tolerance,
                  "largest drop of the mean normalized score that is not a regression")
      ->capture_default_str();
  cmd->add_option("--splits", args->options.splits,
                  "only these splits: comma-separated regexes, each matching a whole split "
                  "name (e.g. test,ood/.*); default all");
  cmd->add_option("--format", args->format, "table, md (for a pull-request comment) or json")
      ->capture_default_str();
  cmd->add_flag("--allow-missing", args->options.allow_missing,
                "rows of the baseline absent from the current file do not fail the gate");
  cmd->add_flag(
      "--unpaired", args->unpaired,
      "compare the two populations of every row as independent samples, even where trials "
      "pair by seed index (by default a row whose seed indices and derived seeds match is "
      "compared on the per-seed differences)");
  cmd->add_option("--bootstrap", args->options.bootstrap_reps,
                  "bootstrap replicates of every interval of a difference")
      ->capture_default_str();
  cmd->add_flag("--allow-suite-change", args->options.allow_suite_change,
                "compare files of different suites (different sha256) anyway, row by row");
  cmd->add_option("--export", args->export_format,
                  "also write the current scores for another tool: github-action-benchmark "
                  "(customBiggerIsBetter JSON), to -o FILE");
  cmd->add_option("--output,-o", args->output, "file for --export (written atomically)");
  args->max_bytes = add_max_input_size(cmd);
  cmd->callback([&action, args] { action = [args] { return compare(*args); }; });
}

}  // namespace hg::cli
