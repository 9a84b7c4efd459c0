// Model selection over sweeps (report/selection.h): which configuration each
// rule chooses, against hand-computed means; the selected agent in the
// report's tables; the oracle's label in every format.
#include "hourglass/report/selection.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "hourglass/core/error.h"
#include "hourglass/report/renderer.h"
#include "hourglass/report/report.h"

namespace hg {
namespace {

TrialRecord trial(const std::string& agent, int64_t budget, int64_t seed_index, double validation,
                  double test, int64_t updates = 10) {
  TrialRecord t;
  t.task = "blobs";
  t.agent = agent;
  t.budget = budget;
  t.seed_index = seed_index;
  t.samples_used = budget;
  t.updates = updates;
  t.splits = {{"train", 1.0, 1.0}, {"test", test, test}};
  if (!std::isnan(validation))
    t.splits.insert(t.splits.begin() + 1, {"validation", validation, validation});
  return t;
}

nlohmann::json config_entry(const std::string& sweep, const std::string& configuration,
                            const std::string& selection) {
  return {{"name", sweep + "[" + configuration + "]"},
          {"learner", "mlp"},
          {"params", nlohmann::json::object()},
          {"sweep", sweep},
          {"configuration", configuration},
          {"selection", selection}};
}

nlohmann::json sweep_config(const std::string& selection) {
  return {{"agents",
           {{{"name", "ridge"}, {"learner", "ridge"}, {"params", nlohmann::json::object()}},
            config_entry("mlp", "lr=0.1", selection),
            config_entry("mlp", "lr=0.01", selection),
            config_entry("mlp", "lr=0.001", selection)}}};
}

// Budget 100, two seeds per configuration. Means (validation, test):
//   lr=0.1    (0.50, 0.40)   (0.7 + 0.3) / 2, (0.5 + 0.3) / 2
//   lr=0.01   (0.60, 0.55)   validation's choice
//   lr=0.001  (0.45, 0.70)   the oracle's choice: gap 0.70 - 0.55 = 0.15
// Budget 1000: lr=0.001 leads on both (gap 0); lr=0.01 ties it on
// validation at 0.8 but comes second in the sweep's order.
std::vector<TrialRecord> sweep_trials() {
  return {trial("ridge", 100, 0, NAN, 0.2),
          trial("ridge", 100, 1, NAN, 0.3),
          trial("mlp[lr=0.1]", 100, 0, 0.7, 0.5),
          trial("mlp[lr=0.1]", 100, 1, 0.3, 0.3),
          trial("mlp[lr=0.01]", 100, 0, 0.6, 0.5, 40),
          trial("mlp[lr=0.01]", 100, 1, 0.6, 0.6, 20),
          trial("mlp[lr=0.001]", 100, 0, 0.4, 0.7),
          trial("mlp[lr=0.001]", 100, 1, 0.5, 0.7),
          trial("mlp[lr=0.1]", 1000, 0, 0.1, 0.1),
          trial("mlp[lr=0.1]", 1000, 1, 0.1, 0.1),
          trial("mlp[lr=0.01]", 1000, 0, 0.8, 0.6),
          trial("mlp[lr=0.01]", 1000, 1, 0.8, 0.6),
          trial("mlp[lr=0.001]", 1000, 0, 0.8, 0.9),
          trial("mlp[lr=0.001]", 1000, 1, 0.8, 0.9)};
}

TEST(SelectConfigurations, ValidationChoosesByTheHeldOutShareAndReportsTheOraclesGap) {
  const auto members = sweep_members({sweep_config("validation")});
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members.at("mlp[lr=0.01]").sweep, "mlp");
  const Selection s = select_configurations(sweep_trials(), members);
  ASSERT_EQ(s.rows.size(), 2u);
  const SelectionRow& at100 = s.rows[0];
  EXPECT_EQ(at100.budget, 100);
  EXPECT_EQ(at100.agent, "mlp");
  EXPECT_EQ(at100.configurations, 3);
  EXPECT_EQ(at100.chosen, "lr=0.01");
  EXPECT_NEAR(at100.validation, 0.60, 1e-12);
  EXPECT_NEAR(at100.test, 0.55, 1e-12);
  EXPECT_NEAR(at100.updates, 30.0, 1e-12);  // (40 + 20) / 2 gradient steps
  EXPECT_EQ(at100.oracle, "lr=0.001");
  EXPECT_NEAR(at100.oracle_test, 0.70, 1e-12);
  EXPECT_NEAR(at100.gap, 0.15, 1e-12);
  const SelectionRow& at1000 = s.rows[1];
  EXPECT_EQ(at1000.chosen, "lr=0.01");  // the tie at 0.8 goes to the first in the sweep
  EXPECT_EQ(at1000.oracle, "lr=0.001");
  EXPECT_NEAR(at1000.gap, 0.3, 1e-12);
  // Every configuration's means, the choice and the oracle marked.
  ASSERT_EQ(s.configurations.size(), 6u);
  EXPECT_EQ(s.configurations[0].configuration, "lr=0.1");
  EXPECT_NEAR(s.configurations[0].validation, 0.5, 1e-12);
  EXPECT_NEAR(s.configurations[0].test, 0.4, 1e-12);
  EXPECT_TRUE(s.configurations[1].chosen);
  EXPECT_TRUE(s.configurations[2].oracle);
  EXPECT_FALSE(s.configurations[2].chosen);
  // The tables' trials: ridge unchanged, then the chosen configuration's
  // trials under the sweep's name, without their validation split.
  ASSERT_EQ(s.trials.size(), 2u + 2u + 2u);
  EXPECT_EQ(s.trials[0].agent, "ridge");
  EXPECT_EQ(s.trials[2].agent, "mlp");
  EXPECT_EQ(s.trials[2].budget, 100);
  EXPECT_NEAR(s.trials[2].find_split("test")->normalized, 0.5, 0);
  EXPECT_EQ(s.trials[2].find_split("validation"), nullptr);
  EXPECT_EQ(s.configuration_trials.size(), 12u);
}

TEST(SelectConfigurations, OracleChoosesByTheTestScoreAndIsLabelled) {
  const Selection s =
      select_configurations(sweep_trials(), sweep_members({sweep_config("oracle")}));
  ASSERT_EQ(s.rows.size(), 2u);
  EXPECT_EQ(s.rows[0].agent, "mlp (oracle)");
  EXPECT_EQ(s.rows[0].chosen, "lr=0.001");
  EXPECT_TRUE(std::isnan(s.rows[0].validation));
  EXPECT_NEAR(s.rows[0].gap, 0.0, 0);
  for (const auto& t : s.trials) {
    if (t.agent != "ridge") {
      EXPECT_EQ(t.agent, "mlp (oracle)");
    }
  }
}

TEST(SelectConfigurations, AConfigurationWithoutUsableScoresIsNeverChosen) {
  auto trials = sweep_trials();
  for (auto& t : trials)
    if (t.agent == "mlp[lr=0.01]") t.status = TrialStatus::kDiverged;
  const Selection s = select_configurations(trials, sweep_members({sweep_config("validation")}));
  EXPECT_EQ(s.rows[0].chosen, "lr=0.1");  // 0.50 > 0.45 once lr=0.01 is out
  EXPECT_EQ(s.configurations[1].n, 0);
  EXPECT_TRUE(std::isnan(s.configurations[1].validation));
}

TEST(SweepMembers, RefusesAMalformedOrConflictingConfiguration) {
  auto bad = sweep_config("validation");
  bad["agents"][1]["selection"] = "best";
  EXPECT_THROW(sweep_members({bad}), InputError);
  auto other = sweep_config("validation");
  other["agents"][1]["configuration"] = "lr=0.2";
  EXPECT_THROW(sweep_members({sweep_config("validation"), other}), InputError);
  EXPECT_TRUE(sweep_members({{{"agents", {{{"name", "ridge"}}}}}}).empty());
}

ReportInput sweep_input(const std::string& selection) {
  Results r;
  r.suite = {{"name", "unit"}, {"sha256", "abc"}, {"config", sweep_config(selection)}};
  r.trials = sweep_trials();
  return {"r.json", std::move(r)};
}

std::string render(const Report& report, Format format) {
  std::ostringstream out;
  make_renderer(format)->render(report, out);
  return out.str();
}

TEST(BuildReport, ShowsTheChosenConfigurationUnderTheSweepsName) {
  const Report r = build_report({sweep_input("validation")}, {});
  EXPECT_EQ(r.agents, (std::vector<std::string>{"ridge", "mlp"}));
  EXPECT_EQ(r.trials, 14u);  // every trial of the file is counted
  ASSERT_EQ(r.selection.size(), 2u);
  bool found = false;
  for (const auto& p : r.populations)
    if (p.agent == "mlp" && p.budget == 100 && p.split == "test") {
      EXPECT_NEAR(p.mean, 0.55, 1e-12);
      found = true;
    }
  EXPECT_TRUE(found);
  const std::string table = render(r, Format::kTable);
  EXPECT_NE(table.find("Model selection over sweeps"), std::string::npos);
  EXPECT_NE(table.find("lr=0.01"), std::string::npos);
  EXPECT_NE(table.find("0.150"), std::string::npos);  // the gap at 100
  const auto json = nlohmann::json::parse(render(r, Format::kJson));
  ASSERT_EQ(json["selection"].size(), 2u);
  EXPECT_EQ(json["selection"][0]["chosen"], "lr=0.01");
  EXPECT_EQ(json["selection"][0]["oracle"], "lr=0.001");
  EXPECT_EQ(json["sweep_configurations"].size(), 6u);
  const std::string csv = render(r, Format::kCsv);
  EXPECT_NE(csv.find("selection,blobs,mlp,mlp[lr=0.01],100,validation,,,chosen,0.6"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find("selection_gap"), std::string::npos);
}

TEST(BuildReport, LabelsOracleSelectionInEveryFormat) {
  ReportOptions options;
  for (const auto detail : {ReportDetail::kCompact, ReportDetail::kFull}) {
    options.detail = detail;
    const Report r = build_report({sweep_input("oracle")}, options);
    EXPECT_EQ(r.agents, (std::vector<std::string>{"ridge", "mlp (oracle)"}));
    for (const auto format : {Format::kTable, Format::kMarkdown, Format::kLatex, Format::kHtml,
                              Format::kCsv, Format::kJson}) {
      const std::string out = render(r, format);
      EXPECT_NE(out.find("mlp (oracle)"), std::string::npos) << static_cast<int>(format);
      if (format != Format::kCsv && format != Format::kJson) {
        EXPECT_NE(out.find("an upper bound"), std::string::npos) << static_cast<int>(format);
      }
    }
  }
}

TEST(BuildReport, TheSuitesReferenceMayNameASweep) {
  for (const char* selection : {"validation", "oracle"}) {
    ReportInput in = sweep_input(selection);
    in.results.suite["config"]["reference"] = "mlp";
    const Report r = build_report({in}, {});
    EXPECT_EQ(r.options.reference, selected_agent_name("mlp", selection));
    EXPECT_EQ(r.reference_source, "suite key 'reference'");
  }
}

TEST(WithSelectedTrials, AddsTheSelectedAgentForCompare) {
  Results r = sweep_input("validation").results;
  const Results with = with_selected_trials(r);
  ASSERT_EQ(with.trials.size(), r.trials.size() + 4u);  // mlp at 100 and 1000, 2 seeds each
  EXPECT_EQ(with.trials.back().agent, "mlp");
  EXPECT_EQ(with.trials.back().budget, 1000);
  EXPECT_NEAR(with.trials.back().find_split("test")->normalized, 0.6, 0);  // lr=0.01's
  r.suite.erase("config");
  EXPECT_EQ(with_selected_trials(r).trials.size(), r.trials.size());
}

}  // namespace
}  // namespace hg
