#include "hourglass/report/renderer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hourglass/core/error.h"

namespace hg {

Format parse_format(const std::string& name) {
  if (name == "table") return Format::kTable;
  if (name == "md" || name == "markdown") return Format::kMarkdown;
  if (name == "csv") return Format::kCsv;
  if (name == "json") return Format::kJson;
  throw InputError("--format: expected table, md, csv or json, got '" + name + "'");
}

namespace {

std::string fixed(double v, int digits = 3) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string cell(const PopulationSummary& s) {
  if (s.ok == 0) return s.diverged > 0 && s.diverged == s.trials ? "diverged" : "failed";
  std::string out = fixed(s.mean) + " [" + fixed(s.lo) + ", " + fixed(s.hi) + "]";
  if (s.ok < s.trials) out += "*";
  return out;
}

// The task blocks of a table: per task, its splits in order, and its rows.
struct Block {
  std::string task;
  std::vector<std::string> splits;
  std::vector<std::pair<std::string, int64_t>> rows;  // (agent, budget)
  std::map<std::pair<std::string, int64_t>, std::map<std::string, const PopulationSummary*>>
      cells;
  int64_t seeds = 0, lost = 0;
};

std::vector<Block> blocks(const ScoreTable& table) {
  std::vector<Block> out;
  for (const auto& s : table.rows) {
    if (out.empty() || out.back().task != s.task) out.push_back({s.task, {}, {}, {}, 0, 0});
    auto& b = out.back();
    const auto row = std::make_pair(s.agent, s.budget);
    if (b.rows.empty() || b.rows.back() != row) b.rows.push_back(row);
    if (std::find(b.splits.begin(), b.splits.end(), s.split) == b.splits.end())
      b.splits.push_back(s.split);
    b.cells[row][s.split] = &s;
    b.seeds = std::max(b.seeds, s.trials);
    if (s.split == b.splits.front()) b.lost += s.trials - s.ok;
  }
  return out;
}

std::vector<std::vector<std::string>> grid(const Block& b) {
  std::vector<std::vector<std::string>> g;
  std::vector<std::string> header{"agent", "budget"};
  header.insert(header.end(), b.splits.begin(), b.splits.end());
  g.push_back(header);
  for (const auto& row : b.rows) {
    std::vector<std::string> line{row.first, std::to_string(row.second)};
    for (const auto& split : b.splits) {
      auto it = b.cells.at(row).find(split);
      line.push_back(it == b.cells.at(row).end() ? "" : cell(*it->second));
    }
    g.push_back(line);
  }
  return g;
}

std::string caption(const Block& b) {
  return "normalized score, mean [95% CI] over " + std::to_string(b.seeds) + " seeds";
}

std::string footnote(const Block& b) {
  if (b.lost == 0) return "";
  return "* " + std::to_string(b.lost) + " trial(s) failed or diverged; means are over the rest";
}

class TerminalRenderer final : public Renderer {
 public:
  void render(const ScoreTable& table, std::ostream& out) const override {
    bool first = true;
    for (const auto& b : blocks(table)) {
      if (!first) out << '\n';
      first = false;
      out << b.task << "  (" << caption(b) << ")\n";
      write_aligned_table(grid(b), /*right_aligned=*/{1}, out);  // budgets align right
      if (auto f = footnote(b); !f.empty()) out << f << '\n';
    }
  }
};

class MarkdownRenderer final : public Renderer {
 public:
  void render(const ScoreTable& table, std::ostream& out) const override {
    bool first = true;
    for (const auto& b : blocks(table)) {
      if (!first) out << '\n';
      first = false;
      out << "### " << b.task << "\n\n" << caption(b) << "\n\n";
      const auto g = grid(b);
      for (size_t r = 0; r < g.size(); ++r) {
        out << '|';
        for (const auto& c : g[r]) out << ' ' << c << " |";
        out << '\n';
        if (r == 0) {
          out << '|';
          for (size_t c = 0; c < g[r].size(); ++c) out << (c == 1 ? " ---: |" : " --- |");
          out << '\n';
        }
      }
      if (auto f = footnote(b); !f.empty()) out << '\n' << "\\" << f << '\n';
    }
  }
};

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Shortest text that reads back as the same double.
std::string csv_number(double v) {
  if (!std::isfinite(v)) return "";
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  return std::string(buf, end);
}

class CsvRenderer final : public Renderer {
 public:
  void render(const ScoreTable& table, std::ostream& out) const override {
    out << "task,agent,budget,split,trials,ok,mean,ci_low,ci_high,raw_mean\n";
    for (const auto& s : table.rows)
      out << csv_field(s.task) << ',' << csv_field(s.agent) << ',' << s.budget << ','
          << csv_field(s.split) << ',' << s.trials << ',' << s.ok << ',' << csv_number(s.mean)
          << ',' << csv_number(s.lo) << ',' << csv_number(s.hi) << ','
          << csv_number(s.raw_mean) << '\n';
  }
};

class JsonRenderer final : public Renderer {
 public:
  void render(const ScoreTable& table, std::ostream& out) const override {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& s : table.rows) rows.push_back(to_json(s));
    out << nlohmann::json{{"suite", table.suite}, {"summary", rows}}.dump(2) << '\n';
  }
};

}  // namespace

void write_aligned_table(const std::vector<std::vector<std::string>>& grid,
                         const std::vector<size_t>& right_aligned, std::ostream& out) {
  if (grid.empty()) return;
  std::vector<size_t> width(grid.front().size(), 0);
  for (const auto& line : grid)
    for (size_t c = 0; c < line.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], line[c].size());
  for (size_t r = 0; r < grid.size(); ++r) {
    std::string text;
    for (size_t c = 0; c < grid[r].size() && c < width.size(); ++c) {
      const bool right =
          std::find(right_aligned.begin(), right_aligned.end(), c) != right_aligned.end();
      const std::string pad(width[c] - grid[r][c].size(), ' ');
      text += (c ? "  " : "") + (right ? pad + grid[r][c] : grid[r][c] + pad);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << '\n';
    if (r == 0) {
      size_t total = 0;
      for (auto w : width) total += w;
      out << std::string(total + 2 * (width.size() - 1), '-') << '\n';
    }
  }
}

std::unique_ptr<Renderer> make_renderer(Format format) {
  switch (format) {
    case Format::kTable: return std::make_unique<TerminalRenderer>();
    case Format::kMarkdown: return std::make_unique<MarkdownRenderer>();
    case Format::kCsv: return std::make_unique<CsvRenderer>();
    case Format::kJson: return std::make_unique<JsonRenderer>();
  }
  return nullptr;
}

}  // namespace hg
