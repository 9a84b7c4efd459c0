// Rendering of a Comparison (results/compare.h) for `hourglass compare`:
// a terminal table, Markdown made for a pull-request comment, or JSON.
// No LibTorch here.
//
// table  every row: task, agent, budget, split, baseline and current means,
//        the difference with its 95% interval, the verdict and a note; then
//        the counts and the outcome.
// md     a heading with the outcome, the rule, the counts, then a table of
//        the rows that matter (regressions, missing, improvements, new) and
//        the unchanged rows folded in a <details> block, so a comment on a PR
//        stays short.
// json   to_json(comparison) with the two sources added.
#pragma once

#include <ostream>
#include <string>

#include "hourglass/report/renderer.h"
#include "hourglass/results/compare.h"

namespace hg {

// Where one side of a comparison came from, for the header lines.
struct ComparisonSource {
  std::string path;
  std::string suite;       // suite name
  std::string sha256;      // suite hash
  std::string git_commit;  // of the harness that produced it
};

// From a results file's `suite` and `environment` (missing fields: "?").
ComparisonSource comparison_source(const std::string& path, const Results& results);

// Format::kTable, kMarkdown or kJson; throws InputError for the others.
void render_comparison(const Comparison& comparison, const ComparisonSource& baseline,
                       const ComparisonSource& current, Format format, std::ostream& out);

}  // namespace hg
