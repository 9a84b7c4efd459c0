#include "hourglass/report/renderer.h"

#include <algorithm>
#include <sstream>

#include "hourglass/core/error.h"
#include "hourglass/report/formats.h"
#include "hourglass/report/text_report.h"

namespace hg {

Format parse_format(const std::string& name) {
  if (name == "table") return Format::kTable;
  if (name == "md" || name == "markdown") return Format::kMarkdown;
  if (name == "csv") return Format::kCsv;
  if (name == "latex" || name == "tex") return Format::kLatex;
  if (name == "json") return Format::kJson;
  if (name == "html") return Format::kHtml;
  throw InputError("--format: expected table, md, csv, latex, json or html, got '" + name + "'");
}

std::unique_ptr<Renderer> make_renderer(Format format) {
  switch (format) {
    case Format::kTable:
      return report::make_table_renderer();
    case Format::kMarkdown:
      return report::make_markdown_renderer();
    case Format::kCsv:
      return report::make_csv_renderer();
    case Format::kLatex:
      return report::make_latex_renderer();
    case Format::kJson:
      return report::make_json_renderer();
    case Format::kHtml:
      return report::make_html_renderer();
  }
  return nullptr;
}

void write_aligned_table(const std::vector<std::vector<std::string>>& grid,
                         const std::vector<bool>& right_aligned, std::ostream& out) {
  if (grid.empty()) return;
  std::vector<size_t> width(grid.front().size(), 0);
  for (const auto& line : grid)
    for (size_t c = 0; c < line.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], line[c].size());
  for (size_t r = 0; r < grid.size(); ++r) {
    std::string text;
    for (size_t c = 0; c < grid[r].size() && c < width.size(); ++c) {
      const bool right = c < right_aligned.size() && right_aligned[c];
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

namespace report {
namespace {

// Greedy word wrap at `width` columns.
std::string wrap(const std::string& text, size_t width) {
  std::istringstream words(text);
  std::string word, line, out;
  while (words >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + '\n';
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  return out + line + '\n';
}

class TerminalRenderer final : public Renderer {
 public:
  void render(const Report& report, std::ostream& out) const override {
    const TextReport text = text_report(report);
    out << text.title << '\n';
    for (const auto& line : text.preamble) out << line << '\n';
    for (const auto& section : text.sections) {
      out << "\n== " << section.title << " ==\n" << wrap(section.intro, 100);
      for (const auto& table : section.tables) {
        out << '\n';
        draw(table, out);
      }
    }
  }

 private:
  static void draw(const TextTable& table, std::ostream& out) {
    out << table.title << "  (" << table.caption << ")\n";
    std::vector<std::vector<std::string>> grid{table.header};
    grid.insert(grid.end(), table.rows.begin(), table.rows.end());
    write_aligned_table(grid, table.numeric, out);
    for (const auto& note : table.notes) out << note << '\n';
  }
};

std::string markdown_cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

class MarkdownRenderer final : public Renderer {
 public:
  void render(const Report& report, std::ostream& out) const override {
    const TextReport text = text_report(report);
    out << "# " << text.title << "\n\n";
    for (const auto& line : text.preamble) out << "- " << line << '\n';
    for (const auto& section : text.sections) {
      out << "\n## " << section.title << "\n\n" << section.intro << '\n';
      for (const auto& table : section.tables) {
        out << "\n### " << table.title << "\n\n" << table.caption << "\n\n";
        out << '|';
        for (const auto& h : table.header) out << ' ' << markdown_cell(h) << " |";
        out << "\n|";
        for (bool numeric : table.numeric) out << (numeric ? " ---: |" : " --- |");
        out << '\n';
        for (const auto& row : table.rows) {
          out << '|';
          for (const auto& c : row) out << ' ' << markdown_cell(c) << " |";
          out << '\n';
        }
        for (const auto& note : table.notes)
          out << '\n' << (note.front() == '*' ? "\\" : "") << note << '\n';
      }
    }
  }
};

std::string latex_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\textbackslash{}";
        break;
      case '&':
      case '%':
      case '$':
      case '#':
      case '_':
      case '{':
      case '}':
        out += '\\';
        out += c;
        break;
      case '~':
        out += "\\textasciitilde{}";
        break;
      case '^':
        out += "\\textasciicircum{}";
        break;
      case '<':
        out += "\\textless{}";
        break;
      case '>':
        out += "\\textgreater{}";
        break;
      default:
        out += c;
    }
  }
  // A row must not start with '[' (it would read as the optional argument of \\).
  if (!out.empty() && out.front() == '[') out = "{}" + out;
  return out;
}

class LatexRenderer final : public Renderer {
  static constexpr size_t kRowsPerTabular = 36;

 public:
  void render(const Report& report, std::ostream& out) const override {
    const TextReport text = text_report(report);
    out << "% " << text.title << ". Compile with: pdflatex FILE.tex\n"
        << "\\documentclass[10pt]{article}\n"
        << "\\usepackage[T1]{fontenc}\n"
        << "\\usepackage[utf8]{inputenc}\n"
        << "\\usepackage[landscape,margin=1.5cm]{geometry}\n"
        << "\\usepackage{booktabs}\n"
        << "\\setlength{\\parindent}{0pt}\n"
        << "\\begin{document}\n\n"
        << "\\section*{" << latex_escape(text.title) << "}\n\n";
    for (const auto& line : text.preamble) out << latex_escape(line) << "\\\\\n";
    for (const auto& section : text.sections) {
      out << "\n\\subsection*{" << latex_escape(section.title) << "}\n"
          << latex_escape(section.intro) << "\n";
      for (const auto& table : section.tables) {
        out << "\n\\subsubsection*{" << latex_escape(table.title) << "}\n"
            << "\\emph{" << latex_escape(table.caption) << "}\n"
            << "\n";
        // Plain tabulars of at most kRowsPerTabular rows, each with the
        // header: column widths are right after one pdflatex pass (longtable
        // needs two), and a long table still breaks across pages.
        for (size_t first = 0; first == 0 || first < table.rows.size(); first += kRowsPerTabular) {
          out << "\\par\\smallskip{\\small\\begin{tabular}{";
          for (bool numeric : table.numeric) out << (numeric ? 'r' : 'l');
          out << "}\n\\toprule\n";
          row(table.header, out);
          out << "\\midrule\n";
          const size_t last = std::min(table.rows.size(), first + kRowsPerTabular);
          for (size_t r = first; r < last; ++r) row(table.rows[r], out);
          out << "\\bottomrule\n\\end{tabular}}\\par\n";
        }
        for (const auto& note : table.notes) out << latex_escape(note) << "\n\n";
      }
    }
    out << "\n\\end{document}\n";
  }

 private:
  static void row(const std::vector<std::string>& cells, std::ostream& out) {
    for (size_t c = 0; c < cells.size(); ++c) out << (c ? " & " : "") << latex_escape(cells[c]);
    out << " \\\\\n";
  }
};

}  // namespace

std::unique_ptr<Renderer> make_table_renderer() { return std::make_unique<TerminalRenderer>(); }
std::unique_ptr<Renderer> make_markdown_renderer() { return std::make_unique<MarkdownRenderer>(); }
std::unique_ptr<Renderer> make_latex_renderer() { return std::make_unique<LatexRenderer>(); }

}  // namespace report
}  // namespace hg
