// Golden outputs: the report formats are a contract (papers, CI job summaries
// and scripts parse them). The input is the committed fixture
// tests/data/results/small.json (the smoke suite at budgets 20, 100, 500 with
// 4 seeds, one failed and one diverged trial).
// To update on purpose: HOURGLASS_UPDATE_GOLDEN=1 ./hourglass_tests, then
// review the diff of tests/data/golden/.
#include "hourglass/report/renderer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "../test_util.h"
#include "hourglass/core/error.h"

namespace hg {
namespace {

const Report& fixture_report() {
  static const Report report = [] {
    const std::string path = std::string(HOURGLASS_TEST_DATA_DIR) + "/results/small.json";
    ReportOptions options;
    options.reference = "mlp";
    return build_report({{"small.json", read_results(path)}}, options);
  }();
  return report;
}

std::string render(Format format) {
  std::ostringstream out;
  make_renderer(format)->render(fixture_report(), out);
  return out.str();
}

void expect_golden(Format format, const std::string& name) {
  testing::expect_golden(render(format), name);
}

TEST(Renderer, MarkdownMatchesGolden) { expect_golden(Format::kMarkdown, "report.md"); }
TEST(Renderer, CsvMatchesGolden) { expect_golden(Format::kCsv, "report.csv"); }
TEST(Renderer, TableMatchesGolden) { expect_golden(Format::kTable, "report.txt"); }
TEST(Renderer, LatexMatchesGolden) { expect_golden(Format::kLatex, "report.tex"); }

TEST(Renderer, TablesHoldEverySection) {
  const std::string table = render(Format::kTable);
  for (const char* heading : {"== Scores per task ==", "== Aggregate over tasks ==",
                              "== Sample efficiency ==", "== Generalization =="})
    EXPECT_NE(table.find(heading), std::string::npos) << heading;
  // The failed trial (sine, mlp, 20) leaves 3 of 4 seeds: flagged and counted.
  EXPECT_NE(table.find("trials: 72 (70 ok, 1 failed, 1 diverged)"), std::string::npos);
  EXPECT_NE(table.find("* 1 trial(s) failed or diverged; means are over the rest"),
            std::string::npos);
}

TEST(Renderer, JsonFollowsTheSchema) {
  const auto doc = nlohmann::json::parse(render(Format::kJson));
  EXPECT_EQ(doc["schema"], kReportSchema);
  EXPECT_EQ(doc["suite"], "smoke");
  EXPECT_EQ(doc["options"]["reference"], "mlp");
  EXPECT_EQ(doc["trials"]["total"], 72);
  EXPECT_EQ(doc["trials"]["failed"], 1);
  // 2 tasks x 3 agents x 3 budgets x 3 splits
  EXPECT_EQ(doc["populations"].size(), 54u);
  // train, test, worst-ood (the ood splits differ between the tasks) x 3 agents x 3 budgets
  EXPECT_EQ(doc["aggregates"].size(), 27u);
  for (const char* key : {"sample_efficiency", "generalization", "probability_of_improvement",
                          "accuracy_on_the_line"})
    EXPECT_FALSE(doc[key].empty()) << key;
  const auto& first = doc["aggregates"][0];
  for (const char* key : {"iqm", "mean", "median", "optimality_gap"})
    for (const char* field : {"value", "ci_low", "ci_high"})
      EXPECT_TRUE(first[key][field].is_number()) << key << "." << field;
}

TEST(Renderer, HtmlIsSelfContainedWithEveryPlot) {
  const std::string html = render(Format::kHtml);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("url(http"), std::string::npos);
  // the only URL is the SVG namespace
  const std::regex url("https?://(?!www\\.w3\\.org/2000/svg)");
  EXPECT_FALSE(std::regex_search(html, url));
  auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t at = html.find(needle); at != std::string::npos; at = html.find(needle, at + 1))
      ++n;
    return n;
  };
  // curves: 2 tasks x (train, test, ood, worst-ood) + all tasks x (train, test, worst-ood)
  EXPECT_EQ(count("data-plot=\"curve\""), 11u);
  EXPECT_EQ(count("data-plot=\"scatter\""), 2u);
  EXPECT_EQ(count("data-plot=\"iqm\""), 3u);
  EXPECT_EQ(count("data-plot=\"improvement\""), 9u);
  EXPECT_NE(html.find("R² = "), std::string::npos);
  EXPECT_NE(html.find("#0072B2"), std::string::npos);  // Okabe-Ito blue
}

// The compact report (what `hourglass run` prints by default).
const Report& compact_fixture_report() {
  static const Report report = [] {
    const std::string path = std::string(HOURGLASS_TEST_DATA_DIR) + "/results/small.json";
    ReportOptions options;
    options.reference = "mlp";
    options.detail = ReportDetail::kCompact;
    return build_report({{"small.json", read_results(path)}}, options);
  }();
  return report;
}

std::string render_compact(Format format) {
  std::ostringstream out;
  make_renderer(format)->render(compact_fixture_report(), out);
  return out.str();
}

TEST(CompactReport, TableMatchesGolden) {
  testing::expect_golden(render_compact(Format::kTable), "report-compact.txt");
}
TEST(CompactReport, MarkdownMatchesGolden) {
  testing::expect_golden(render_compact(Format::kMarkdown), "report-compact.md");
}

// compact_numbers_only computes the means alone (no interval, no other
// section): the compact table, md and latex must not change by a character,
// on the fixture (failed and diverged trials, worst OOD) and on a results
// file with a task without OOD splits.
TEST(CompactReport, MeansOnlyGiveTheSameCompactText) {
  const std::string path = std::string(HOURGLASS_TEST_DATA_DIR) + "/results/small.json";
  Results with_plain_task = read_results(path);
  const size_t n = with_plain_task.trials.size();
  for (size_t i = 0; i < n; ++i) {
    TrialRecord t = with_plain_task.trials[i];
    t.task = "plain-" + t.task;
    auto is_ood = [](const SplitScore& s) { return s.split.rfind("ood/", 0) == 0; };
    t.splits.erase(std::remove_if(t.splits.begin(), t.splits.end(), is_ood), t.splits.end());
    with_plain_task.trials.push_back(t);
  }
  for (const Results& results : {read_results(path), with_plain_task}) {
    ReportOptions options;
    options.detail = ReportDetail::kCompact;
    const Report full = build_report({{"small.json", results}}, options);
    options.compact_numbers_only = true;
    const Report means = build_report({{"small.json", results}}, options);
    EXPECT_TRUE(means.improvement.empty());  // nothing else was computed
    EXPECT_TRUE(means.scaling.empty());
    ASSERT_FALSE(full.improvement.empty());
    for (Format format : {Format::kTable, Format::kMarkdown, Format::kLatex}) {
      std::ostringstream a, b;
      make_renderer(format)->render(full, a);
      make_renderer(format)->render(means, b);
      EXPECT_EQ(a.str(), b.str());
      EXPECT_NE(a.str().find("all tasks (IQM)"), std::string::npos);
    }
  }
}

TEST(CompactReport, FitsATerminal) {
  const std::string table = render_compact(Format::kTable);
  std::istringstream lines(table);
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count)
    EXPECT_LE(line.size(), 120u) << line;
  EXPECT_LE(count, 60) << table;
  // Only the scores and the aggregate: the full report's other sections are not there.
  EXPECT_NE(table.find("== Scores per task =="), std::string::npos);
  EXPECT_NE(table.find("== Aggregate over tasks =="), std::string::npos);
  EXPECT_EQ(table.find("== Sample efficiency =="), std::string::npos);
  EXPECT_EQ(table.find("== Generalization =="), std::string::npos);
}

// A cell recomputed from the fixture's trials: (linear, ridge, 500) holds the
// mean test score and the mean over trials of the worst OOD split's score.
TEST(CompactReport, CellsAreTheMeansOfTheTrials) {
  std::ifstream in(std::string(HOURGLASS_TEST_DATA_DIR) + "/results/small.json");
  const auto doc = nlohmann::json::parse(in);
  double test = 0.0, worst = 0.0;
  int n = 0;
  for (const auto& t : doc["trials"]) {
    if (t["task"] != "linear" || t["agent"] != "ridge" || t["budget"] != 500) continue;
    ASSERT_EQ(t["status"], "ok");
    test += t["splits"]["test"]["normalized"].get<double>();
    double w = 1e300;
    for (const auto& [name, s] : t["splits"].items())
      if (name.rfind("ood/", 0) == 0) w = std::min(w, s["normalized"].get<double>());
    worst += w;
    ++n;
  }
  ASSERT_EQ(n, 4);
  char cell[64];
  std::snprintf(cell, sizeof cell, "%.3f / %.3f", test / n, worst / n);
  const std::string table = render_compact(Format::kTable);
  const size_t task = table.find("\nlinear  (");
  ASSERT_NE(task, std::string::npos) << table;
  const size_t row = table.find("\nridge ", task);
  ASSERT_NE(row, std::string::npos) << table;
  const std::string line = table.substr(row + 1, table.find('\n', row + 1) - row - 1);
  EXPECT_NE(line.find(cell), std::string::npos) << cell << " in: " << line;
}

TEST(CompactReport, ParsesDetailNames) {
  EXPECT_EQ(parse_report_detail("compact"), ReportDetail::kCompact);
  EXPECT_EQ(parse_report_detail("full"), ReportDetail::kFull);
  EXPECT_THROW(parse_report_detail("short"), InputError);
}

TEST(Renderer, ParsesFormatNames) {
  EXPECT_EQ(parse_format("md"), Format::kMarkdown);
  EXPECT_EQ(parse_format("csv"), Format::kCsv);
  EXPECT_EQ(parse_format("latex"), Format::kLatex);
  EXPECT_EQ(parse_format("html"), Format::kHtml);
  EXPECT_THROW(parse_format("xml"), InputError);
}

}  // namespace
}  // namespace hg
