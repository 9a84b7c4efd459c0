// Renderers of a Report, one interface and one subclass per format, writing
// to an injected stream (Google Benchmark's reporters). No LibTorch here.
//
//   table  aligned text tables for a terminal
//   md     GitHub-flavoured markdown (fits a GitHub job summary)
//   latex  a standalone document of booktabs tables (pdflatex)
//   csv    tidy long format: one row per trial x split, one per statistic
//   json   the report in the schema hourglass.report/1
//   html   one self-contained page: the tables and inline SVG plots
//
// table, md, latex and html draw the same tables (text_report.h); csv and
// json hold the same numbers at full precision. docs/reports.md documents
// every column and the json schema.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "hourglass/report/report.h"

namespace hg {

enum class Format { kTable, kMarkdown, kCsv, kLatex, kJson, kHtml };

inline constexpr const char* kReportSchema = "hourglass.report/1";

// Parses "table" | "md" | "csv" | "latex" | "json" | "html" (and the aliases
// "markdown", "tex"); throws InputError otherwise.
Format parse_format(const std::string& name);

class Renderer {
 public:
  virtual ~Renderer() = default;
  virtual void render(const Report& report, std::ostream& out) const = 0;
};

std::unique_ptr<Renderer> make_renderer(Format format);

// Writes `grid` (the header row first) as plain-text columns two spaces
// apart, padded to the widest cell, with a rule of dashes under the header;
// column c is aligned right when right_aligned[c] (numbers); trailing spaces
// are trimmed. Shared by the terminal table renderer and `hourglass compare`.
void write_aligned_table(const std::vector<std::vector<std::string>>& grid,
                         const std::vector<bool>& right_aligned, std::ostream& out);

}  // namespace hg
