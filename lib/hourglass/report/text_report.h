// The report laid out as titled tables of text cells, once, for every
// renderer that prints tables (table, md, latex, html): they differ only in
// how they draw a table, never in what it holds. csv and json render the
// Report's numbers directly instead.
#pragma once

#include <string>
#include <vector>

#include "hourglass/metrics/statistics.h"
#include "hourglass/report/report.h"

namespace hg::report {

struct TextTable {
  std::string title;    // e.g. the task, "test", "all tasks (IQM)"
  std::string caption;  // what a cell holds
  std::vector<std::string> header;
  std::vector<bool> numeric;  // per column: right-aligned
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;  // footnotes, each marked by its first character
};

struct TextSection {
  std::string id;  // stable anchor: scores, aggregate, sample-efficiency, generalization
  std::string title;
  std::string intro;  // one paragraph: how to read the section
  std::vector<TextTable> tables;
};

struct TextReport {
  std::string title;
  std::vector<std::string> preamble;  // lines: inputs, trials, conventions
  std::vector<TextSection> sections;
};

TextReport text_report(const Report& report);

// Cell texts, shared with the html plots: "0.912", "n/a" for non-finite.
std::string format_score(double value);
// "0.912 [0.880, 0.950]", "n/a" when the value is not finite.
std::string format_estimate(const metrics::Estimate& estimate);

}  // namespace hg::report
