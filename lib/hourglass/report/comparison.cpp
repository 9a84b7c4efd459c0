#include "hourglass/report/comparison.h"

#include <cmath>
#include <cstdio>
#include <vector>

#include "hourglass/core/error.h"

namespace hg {
namespace {

constexpr const char* kLostNote =
    "some trials failed or diverged: the mean is over the others; \"lost\": all of them did";

std::string fixed(double v) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

std::string signed_fixed(double v) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.4f", v);
  return buf;
}

std::string mean_text(const RowSide& s) {
  if (!s.present) return "-";
  if (s.ok == 0) return "lost";  // every trial failed or diverged
  std::string out = fixed(s.mean);
  if (s.ok < s.trials) out += "*";
  return out;
}

std::string difference_text(const ComparisonRow& r) {
  if (!std::isfinite(r.delta)) return "";
  return signed_fixed(r.delta) + " [" + signed_fixed(r.lo) + ", " + signed_fixed(r.hi) + "]";
}

std::string plural(size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string counts_text(const Comparison& c) {
  return plural(c.count(Verdict::kRegression), "regression") + ", " +
         plural(c.count(Verdict::kImprovement), "improvement") + ", " +
         std::to_string(c.count(Verdict::kUnchanged)) + " unchanged, " +
         std::to_string(c.count(Verdict::kMissing)) + " missing, " +
         std::to_string(c.count(Verdict::kNew)) + " new";
}

std::string rule_text(const Comparison& c) {
  char tol[32];
  std::snprintf(tol, sizeof tol, "%g", c.options.tolerance);
  char conf[32];
  std::snprintf(conf, sizeof conf, "%g", 100 * c.options.confidence);
  return std::string("a regression is a mean normalized score below the baseline's by more "
                     "than ") +
         tol + " whose " + conf + "% bootstrap interval of the difference lies below zero" +
         (c.options.paired ? "; trials are paired by seed index where both runs have the same "
                             "seeds (\"paired n\"), else the populations are compared "
                             "unpaired; detectable: the smallest drop the gate flags at this "
                             "number of seeds"
                           : "; unpaired (--unpaired)") +
         (c.options.splits.empty() ? "" : "; splits: " + c.options.splits) +
         (c.options.allow_missing ? "; missing rows allowed" : "");
}

std::string source_text(const ComparisonSource& s) {
  return s.path + " (suite " + s.suite + ", sha256 " + s.sha256.substr(0, 12) + ", commit " +
         s.git_commit + ")";
}

std::string outcome(const Comparison& c) {
  if (!c.regressed()) return "no regression";
  const size_t missing_failing =
      c.options.allow_missing ? 0 : c.count(Verdict::kMissing);
  const size_t regressions = c.count(Verdict::kRegression);
  std::string out = "REGRESSED: ";
  if (regressions) out += plural(regressions, "regression");
  if (regressions && missing_failing) out += " and ";
  if (missing_failing)
    out += std::to_string(missing_failing) + " missing row" + (missing_failing == 1 ? "" : "s");
  return out;
}

// Whether some row's mean is over fewer trials than it has.
bool any_lost(const Comparison& c) {
  for (const auto& r : c.rows)
    if ((r.baseline.present && r.baseline.ok < r.baseline.trials) ||
        (r.current.present && r.current.ok < r.current.trials))
      return true;
  return false;
}

// "paired 5" (seed-index pairs) or "unpaired"; empty without a difference.
std::string pairing_text(const ComparisonRow& r) {
  if (!std::isfinite(r.delta)) return "";
  return r.paired ? "paired " + std::to_string(r.pairs) : "unpaired";
}

std::string detectable_text(const ComparisonRow& r) {
  return std::isfinite(r.detectable) ? fixed(r.detectable) : "";
}

std::vector<std::string> cells(const ComparisonRow& r) {
  return {r.task,          r.agent,          std::to_string(r.budget),
          r.split,         mean_text(r.baseline), mean_text(r.current),
          difference_text(r), verdict_name(r.verdict), r.note,
          pairing_text(r), detectable_text(r)};
}

void render_table(const Comparison& c, const ComparisonSource& baseline,
                  const ComparisonSource& current, std::ostream& out) {
  out << "baseline: " << source_text(baseline) << '\n'
      << "current:  " << source_text(current) << '\n'
      << rule_text(c) << "\n\n";
  std::vector<std::vector<std::string>> grid;
  grid.push_back({"task", "agent", "budget", "split", "baseline", "current",
                  "difference [95% CI]", "test", "detectable", "verdict", "note"});
  for (const auto& r : c.rows) {
    const auto x = cells(r);
    grid.push_back({x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[9], x[10], x[7], x[8]});
  }
  write_aligned_table(
      grid, {false, false, true, false, true, true, false, false, true, false, false}, out);
  if (any_lost(c)) out << "* " << kLostNote << '\n';
  out << '\n' << counts_text(c) << ": " << outcome(c) << '\n';
}

std::string md_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '|' || ch == '`' || ch == '*' || ch == '_' || ch == '<' || ch == '>') out += '\\';
    out += ch;
  }
  return out;
}

void md_table(const std::vector<const ComparisonRow*>& rows, std::ostream& out) {
  out << "| verdict | task | agent | budget | split | baseline | current | difference [95% CI] "
         "| test | detectable | note |\n"
      << "| --- | --- | --- | ---: | --- | ---: | ---: | --- | --- | ---: | --- |\n";
  for (const ComparisonRow* r : rows) {
    const auto c = cells(*r);
    const bool bold = r->fails_gate;
    const std::string verdict = bold ? "**" + c[7] + "**" : c[7];
    out << "| " << verdict << " | " << md_escape(c[0]) << " | " << md_escape(c[1]) << " | "
        << c[2] << " | " << md_escape(c[3]) << " | " << md_escape(c[4]) << " | "
        << md_escape(c[5]) << " | " << c[6] << " | " << c[9] << " | " << c[10] << " | "
        << md_escape(c[8]) << " |\n";
  }
}

void render_markdown(const Comparison& c, const ComparisonSource& baseline,
                     const ComparisonSource& current, std::ostream& out) {
  const bool bad = c.regressed();
  out << "### Hourglass: " << (bad ? outcome(c) : std::string("no regression")) << "\n\n"
      << (bad ? "**" : "") << counts_text(c) << (bad ? "**" : "") << "\n\n"
      << "Baseline `" << md_escape(baseline.path) << "` (suite `" << md_escape(baseline.suite)
      << "`, commit `" << md_escape(baseline.git_commit) << "`), current `"
      << md_escape(current.path) << "` (commit `" << md_escape(current.git_commit) << "`). "
      << "Scores are normalized (0 = trivial reference, 1 = optimal); "
      << rule_text(c) << ".\n";
  std::vector<const ComparisonRow*> changed, unchanged;
  for (const auto& r : c.rows) (r.verdict == Verdict::kUnchanged ? unchanged : changed).push_back(&r);
  // Rows that fail the gate first, then the rest in their order.
  std::stable_sort(changed.begin(), changed.end(),
                   [](const ComparisonRow* a, const ComparisonRow* b) {
                     return a->fails_gate && !b->fails_gate;
                   });
  if (!changed.empty()) {
    out << '\n';
    md_table(changed, out);
  }
  if (!unchanged.empty()) {
    out << "\n<details><summary>" << unchanged.size() << " unchanged row"
        << (unchanged.size() == 1 ? "" : "s") << "</summary>\n\n";
    md_table(unchanged, out);
    out << "\n</details>\n";
  }
  if (any_lost(c)) out << "\n\\* " << kLostNote << '\n';
}

nlohmann::json source_json(const ComparisonSource& s) {
  return {{"path", s.path}, {"suite", s.suite}, {"sha256", s.sha256}, {"git_commit", s.git_commit}};
}

std::string string_at(const nlohmann::json& j, const char* key) {
  if (j.is_object()) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string()) return it->get<std::string>();
  }
  return "?";
}

}  // namespace

ComparisonSource comparison_source(const std::string& path, const Results& results) {
  return {path, string_at(results.suite, "name"), string_at(results.suite, "sha256"),
          string_at(results.environment, "git_commit")};
}

void render_comparison(const Comparison& comparison, const ComparisonSource& baseline,
                       const ComparisonSource& current, Format format, std::ostream& out) {
  switch (format) {
    case Format::kTable:
      render_table(comparison, baseline, current, out);
      return;
    case Format::kMarkdown:
      render_markdown(comparison, baseline, current, out);
      return;
    case Format::kJson: {
      auto j = to_json(comparison);
      j["baseline"] = source_json(baseline);
      j["current"] = source_json(current);
      out << j.dump(2) << '\n';
      return;
    }
    case Format::kCsv:
    case Format::kLatex:
    case Format::kHtml:
      break;
  }
  throw InputError("--format: compare writes table, md or json");
}

}  // namespace hg
