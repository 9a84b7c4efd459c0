// The report of the transfer and continual protocols against hand-computed
// values: effective data transferred on a scratch curve, and ACC, BWT, FWT
// and the mean R matrix of two trials.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "hourglass/core/error.h"
#include "hourglass/report/renderer.h"
#include "hourglass/report/report.h"

namespace hg {
namespace {

ReportInput protocol_input(const std::string& protocol, std::vector<TrialRecord> trials,
                           nlohmann::json tasks = nlohmann::json::array()) {
  Results r;
  r.suite = {{"name", "unit"},
             {"sha256", "abc"},
             {"config", {{"protocol", protocol}, {"tasks", tasks}}}};
  r.trials = std::move(trials);
  return {"r.json", std::move(r)};
}

TrialRecord transfer_trial(int64_t n, double zero, double adapted, double scratch) {
  TrialRecord t;
  t.task = "sine";
  t.agent = "mlp";
  t.budget = n;
  t.splits = {{"source", -0.1, 0.9},
              {"zero-shot/t", -zero, zero},
              {"adapted/t", -adapted, adapted},
              {"scratch/t", -scratch, scratch}};
  return t;
}

TEST(TransferReport, EffectiveDataTransferredOnTheScratchCurve) {
  // Scratch: 0.2 at 10, 0.5 at 100, 0.8 at 1000 (the untrained -0.1 at 0 is
  // not on the log-budget curve).
  const Report r = build_report({protocol_input(
      "transfer", {transfer_trial(0, 0.5, 0.5, -0.1), transfer_trial(10, 0.5, 0.65, 0.2),
                   transfer_trial(100, 0.5, 0.9, 0.5), transfer_trial(1000, 0.5, 0.95, 0.8)})});
  ASSERT_EQ(r.protocol, "transfer");
  ASSERT_EQ(r.transfer.size(), 4u);
  EXPECT_TRUE(r.aggregates.empty());
  const auto& zero = r.transfer[0];
  EXPECT_EQ(zero.target, "t");
  EXPECT_DOUBLE_EQ(zero.zero_shot.value, 0.5);
  EXPECT_DOUBLE_EQ(zero.scratch.value, -0.1);
  // Scratch reaches 0.5 exactly at 100: 100 - 0.
  ASSERT_TRUE(zero.effective_data);
  EXPECT_EQ(zero.effective_data->bound, metrics::Bound::kExact);
  EXPECT_DOUBLE_EQ(zero.effective_data->value, 100.0);
  EXPECT_TRUE(std::isnan(zero.transfer_ratio));  // scratch <= 0
  // 0.65 is half way from 0.5 (100) to 0.8 (1000) in log budget: 10^2.5 - 10.
  const auto& ten = r.transfer[1];
  EXPECT_NEAR(ten.effective_data->value, std::pow(10.0, 2.5) - 10.0, 1e-9);
  EXPECT_DOUBLE_EQ(ten.transfer_ratio, 0.65 / 0.2);
  // 0.9 and 0.95: scratch never gets there, at least 1000 - n.
  EXPECT_EQ(r.transfer[2].effective_data->bound, metrics::Bound::kMoreThan);
  EXPECT_DOUBLE_EQ(r.transfer[2].effective_data->value, 900.0);
  EXPECT_DOUBLE_EQ(r.transfer[3].effective_data->value, 0.0);

  std::ostringstream table;
  make_renderer(Format::kTable)->render(r, table);
  EXPECT_NE(table.str().find("sine -> t"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("> 900"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("effective data"), std::string::npos);
}

TrialRecord continual_trial(int64_t seed, const std::vector<std::vector<double>>& R,
                            const std::vector<double>& b) {
  const std::vector<std::string> stages = {"z", "a", "m"};  // stream order, not by name
  TrialRecord t;
  t.task = "blobs";
  t.agent = "mlp";
  t.budget = 100;
  t.seed_index = seed;
  for (size_t j = 0; j < 3; ++j) {
    t.splits.push_back({"untrained/" + stages[j], b[j], b[j]});
    for (size_t i = 0; i < 3; ++i)
      t.splits.push_back({"after/" + stages[i] + "/" + stages[j], R[i][j], R[i][j]});
  }
  return t;
}

TEST(ContinualReport, AccBwtFwtPerTrialThenOverSeeds) {
  const nlohmann::json tasks = {
      {{"name", "blobs"}, {"stream", {{{"name", "z"}}, {{"name", "a"}}, {{"name", "m"}}}}}};
  // Trial 0: ACC = 1.4 / 3, BWT = ((0.3 - 0.9) + (0.4 - 0.8)) / 2 = -0.5,
  //          FWT = ((0.1 - 0.1) + (0.2 - 0.05)) / 2 = 0.075.
  // Trial 1: ACC = 0.6, BWT = ((0.2 - 1) + (0.6 - 1)) / 2 = -0.6, FWT = 0.
  const Report r = build_report({protocol_input(
      "continual",
      {continual_trial(0, {{0.9, 0.1, 0.0}, {0.5, 0.8, 0.2}, {0.3, 0.4, 0.7}}, {0.0, 0.1, 0.05}),
       continual_trial(1, {{1.0, 0.0, 0.0}, {0.6, 1.0, 0.0}, {0.2, 0.6, 1.0}}, {0.0, 0.0, 0.0})},
      tasks)});
  ASSERT_EQ(r.continual.size(), 1u);
  const auto& c = r.continual[0];
  EXPECT_EQ(c.stages, (std::vector<std::string>{"z", "a", "m"}));
  EXPECT_EQ(c.n, 2);
  EXPECT_NEAR(c.acc.value, (1.4 / 3 + 0.6) / 2, 1e-12);
  EXPECT_NEAR(c.bwt.value, -0.55, 1e-12);
  EXPECT_NEAR(c.fwt.value, 0.0375, 1e-12);
  EXPECT_LE(c.bwt.ci.lo, -0.6 + 1e-12);
  EXPECT_GE(c.bwt.ci.hi, -0.5 - 1e-12);
  EXPECT_NEAR(c.r[2][0], 0.25, 1e-12);
  EXPECT_NEAR(c.r[1][2], 0.1, 1e-12);
  EXPECT_NEAR(c.untrained[2], 0.025, 1e-12);

  std::ostringstream table, json, html;
  make_renderer(Format::kTable)->render(r, table);
  EXPECT_NE(table.str().find("BWT"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("after z"), std::string::npos) << table.str();
  make_renderer(Format::kJson)->render(r, json);
  const auto doc = nlohmann::json::parse(json.str());
  EXPECT_EQ(doc["protocol"], "continual");
  EXPECT_NEAR(doc["continual"][0]["bwt"]["value"].get<double>(), -0.55, 1e-12);
  EXPECT_EQ(doc["continual"][0]["r"].size(), 3u);
  make_renderer(Format::kHtml)->render(r, html);
  EXPECT_NE(html.str().find("R matrix heatmaps"), std::string::npos);
}

TEST(ProtocolReport, RefusesToMixProtocols) {
  auto a = protocol_input("transfer", {transfer_trial(10, 0.5, 0.6, 0.2)});
  auto b = protocol_input("continual", {});
  b.label = "other.json";
  b.results.trials.push_back(transfer_trial(100, 0.5, 0.6, 0.2));
  EXPECT_THROW(build_report({a, b}), InputError);
}

}  // namespace
}  // namespace hg
