// Renderers of per-population score tables, one interface and one subclass
// per format, writing to an injected stream (Google Benchmark's reporters).
// No LibTorch here.
//
// Layout (table and md): one block per task; rows are (agent, budget); columns
// are the splits in suite order (train, test, ood/*); each cell is the mean
// normalized score over seeds and its 95% bootstrap interval. A cell whose
// population lost trials (failed or diverged) is marked with `*` and counted
// under the block. csv and json are long format: one row per
// (task, agent, budget, split).
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "hourglass/results/summary.h"

namespace hg {

enum class Format { kTable, kMarkdown, kCsv, kJson };

// Parses "table" | "md" | "csv" | "json"; throws InputError otherwise.
Format parse_format(const std::string& name);

struct ScoreTable {
  std::string suite;
  std::vector<PopulationSummary> rows;  // as summarize() orders them
};

class Renderer {
 public:
  virtual ~Renderer() = default;
  virtual void render(const ScoreTable& table, std::ostream& out) const = 0;
};

std::unique_ptr<Renderer> make_renderer(Format format);

// Writes `grid` (the header row first) as plain-text columns two spaces
// apart, padded to the widest cell, with a rule of dashes under the header;
// the columns listed in `right_aligned` are aligned right (numbers), trailing
// spaces are trimmed. Shared by the terminal renderers.
void write_aligned_table(const std::vector<std::vector<std::string>>& grid,
                         const std::vector<size_t>& right_aligned, std::ostream& out);

}  // namespace hg
