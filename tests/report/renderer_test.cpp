// Golden outputs: the table formats are a contract (papers and CI parse them).
// To update on purpose: HOURGLASS_UPDATE_GOLDEN=1 ./hourglass_tests, then
// review the diff of tests/data/golden/.
#include "hourglass/report/renderer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "../test_util.h"
#include "hourglass/core/error.h"

namespace hg {
namespace {

ScoreTable fixed_table() {
  auto row = [](std::string agent, int64_t budget, std::string split, int64_t trials, int64_t ok,
                double mean, double lo, double hi) {
    PopulationSummary s;
    s.task = "sine";
    s.agent = std::move(agent);
    s.budget = budget;
    s.split = std::move(split);
    s.trials = trials;
    s.ok = ok;
    s.mean = mean;
    s.lo = lo;
    s.hi = hi;
    s.raw_mean = -mean;
    return s;
  };
  ScoreTable t;
  t.suite = "golden";
  t.rows = {row("mlp", 100, "train", 3, 3, 0.91, 0.88, 0.95),
            row("mlp", 100, "test", 3, 3, 0.62, 0.55, 0.7),
            row("mlp", 100, "ood/far-x", 3, 3, -0.41, -0.6, -0.2),
            row("mlp", 1000, "train", 3, 2, 0.99, 0.98, 1.0),
            row("mlp", 1000, "test", 3, 2, 0.97, 0.96, 0.98),
            row("mlp", 1000, "ood/far-x", 3, 2, -0.3, -0.5, -0.1),
            row("ridge", 100, "train", 3, 0, std::nan(""), std::nan(""), std::nan("")),
            row("ridge", 100, "test", 3, 0, std::nan(""), std::nan(""), std::nan("")),
            row("ridge", 100, "ood/far-x", 3, 0, std::nan(""), std::nan(""), std::nan(""))};
  return t;
}

void expect_golden(Format format, const std::string& name) {
  std::ostringstream out;
  make_renderer(format)->render(fixed_table(), out);
  testing::expect_golden(out.str(), name);
}

TEST(Renderer, TableMatchesGolden) { expect_golden(Format::kTable, "table.txt"); }
TEST(Renderer, MarkdownMatchesGolden) { expect_golden(Format::kMarkdown, "table.md"); }
TEST(Renderer, CsvMatchesGolden) { expect_golden(Format::kCsv, "table.csv"); }
TEST(Renderer, JsonMatchesGolden) { expect_golden(Format::kJson, "table.json"); }

TEST(Renderer, ParsesFormatNames) {
  EXPECT_EQ(parse_format("md"), Format::kMarkdown);
  EXPECT_EQ(parse_format("csv"), Format::kCsv);
  EXPECT_THROW(parse_format("xml"), InputError);
}

}  // namespace
}  // namespace hg
