// Golden outputs of `hourglass compare`: the Markdown lands in pull-request
// comments and the JSON is read by scripts, so both are a contract.
// To update on purpose: HOURGLASS_UPDATE_GOLDEN=1 ./hourglass_tests, then
// review the diff of tests/data/golden/.
#include "hourglass/report/comparison.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "../test_util.h"
#include "hourglass/core/error.h"

namespace hg {
namespace {

TrialRecord trial(const std::string& agent, int64_t budget, int64_t index, double test) {
  TrialRecord t;
  t.task = "sine";
  t.agent = agent;
  t.budget = budget;
  t.seed_index = index;
  t.splits = {{"test", -test, test}};
  return t;
}

// A regression, an improvement, an unchanged row, a missing and a new one,
// and a population that lost a seed.
Comparison fixed_comparison() {
  std::vector<TrialRecord> base, cur;
  auto add = [](std::vector<TrialRecord>& to, const std::string& agent, int64_t budget,
                std::vector<double> scores) {
    for (size_t i = 0; i < scores.size(); ++i)
      to.push_back(trial(agent, budget, static_cast<int64_t>(i), scores[i]));
  };
  add(base, "mlp", 100, {0.8, 0.82, 0.81});
  add(cur, "mlp", 100, {0.6, 0.61, 0.62});
  add(base, "mlp", 1000, {0.9, 0.91, 0.92});
  add(cur, "mlp", 1000, {0.95, 0.96, 0.97});
  add(base, "ridge", 100, {0.5, 0.5, 0.5});
  add(cur, "ridge", 100, {0.5, 0.5, 0.5});
  add(base, "ridge", 1000, {0.7, 0.7, 0.7});
  add(base, "knn", 100, {0.3, 0.4, 0.5});
  add(cur, "knn", 100, {0.3, 0.4, 0.5});
  cur.back().status = TrialStatus::kDiverged;
  add(cur, "gp", 100, {0.99});
  return compare_trials(base, cur);
}

const ComparisonSource kBaseline{"suites/baselines/golden.json", "golden", "0123456789abcdef", "abc123"};
const ComparisonSource kCurrent{"runs/golden/results.json", "golden", "0123456789abcdef", "def456"};

void expect_golden(Format format, const std::string& name) {
  std::ostringstream out;
  render_comparison(fixed_comparison(), kBaseline, kCurrent, format, out);
  testing::expect_golden(out.str(), name);
}

TEST(ComparisonRenderer, TableMatchesGolden) { expect_golden(Format::kTable, "compare.txt"); }
TEST(ComparisonRenderer, MarkdownMatchesGolden) { expect_golden(Format::kMarkdown, "compare.md"); }
TEST(ComparisonRenderer, JsonMatchesGolden) { expect_golden(Format::kJson, "compare.json"); }

TEST(ComparisonRenderer, MarkdownLeadsWithTheOutcomeAndFoldsUnchangedRows) {
  std::ostringstream out;
  render_comparison(fixed_comparison(), kBaseline, kCurrent, Format::kMarkdown, out);
  const std::string md = out.str();
  EXPECT_EQ(md.rfind("### Hourglass: REGRESSED: 2 regressions and 1 missing row\n", 0), 0u) << md;
  EXPECT_NE(md.find("| **regression** | sine | mlp | 100 | test |"), std::string::npos) << md;
  EXPECT_NE(md.find("<details><summary>1 unchanged row</summary>"), std::string::npos);
  EXPECT_LT(md.find("| improvement |"), md.find("<details>"));
}

TEST(ComparisonRenderer, RefusesCsv) {
  std::ostringstream out;
  EXPECT_THROW(render_comparison(fixed_comparison(), kBaseline, kCurrent, Format::kCsv, out),
               InputError);
}

}  // namespace
}  // namespace hg
