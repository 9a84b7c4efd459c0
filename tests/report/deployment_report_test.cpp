// The report of the deployment protocol (protocols/deployment/
// deployment_report.h) against hand-computed values: per segment learning,
// frozen and gain, recovery samples (recovered, censored, undefined),
// the whole stream, retention and the prequential curve, from synthetic
// trial records and a resolved config; then the text sections and the csv,
// json and html renderings of the same rows.
#include "hourglass/protocols/deployment/deployment_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <sstream>

#include "hourglass/core/error.h"
#include "hourglass/report/renderer.h"
#include "hourglass/results/protocol_splits.h"
#include "hourglass/run/protocol.h"

namespace hg {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The stream of the tests: segments z (2 chunks), m (3), a (2) of 100
// samples each, in that order (not the names' order).
const std::vector<std::pair<std::string, int>> kSegments = {{"z", 2}, {"m", 3}, {"a", 2}};

nlohmann::json config(double fraction = 0.5) {
  nlohmann::json segments = nlohmann::json::array();
  for (const auto& [name, chunks] : kSegments)
    segments.push_back(
        {{"name", name}, {"samples", 100 * chunks}, {"params", nlohmann::json::object()}});
  return {{"protocol", "deployment"},
          {"deployment", {{"chunk", 100}, {"recovery_fraction", fraction}}},
          {"tasks", {{{"name", "blobs"}, {"family", "gaussian-blobs"}, {"segments", segments}}}}};
}

using Scores = std::map<std::string, std::vector<double>>;  // segment -> chunk scores

TrialRecord trial(int64_t seed, const Scores& learning, const Scores& frozen, double pretrained,
                  double end) {
  TrialRecord t;
  t.task = "blobs";
  t.agent = "mlp";
  t.budget = 500;
  t.seed_index = seed;
  t.splits.push_back({kRetentionPretrained, pretrained, pretrained});
  for (const auto& [name, chunks] : kSegments)
    for (int k = 0; k < chunks; ++k) {
      const double l = learning.at(name)[static_cast<size_t>(k)];
      const double f = frozen.at(name)[static_cast<size_t>(k)];
      t.splits.push_back({kLearningPrefix + name + "/" + std::to_string(k), l, l});
      t.splits.push_back({kFrozenPrefix + name + "/" + std::to_string(k), f, f});
    }
  t.splits.push_back({kRetentionEnd, end, end});
  return t;
}

// Five trials, hand-computed below:
//   0: recovers in m after 1 chunk, and in a at once
//   1: never gets back in m (censored: 300); its pre-switch score for a is 0
//   2: its pre-switch score for m is -0.5 (undefined)
//   3: failed (no score counts)
//   4: frozen/a/1 is NaN: out of segment a and the whole stream only
std::vector<TrialRecord> trials() {
  std::vector<TrialRecord> out;
  out.push_back(trial(0, {{"z", {0.5, 1.0}}, {"m", {0.25, 0.5, 0.75}}, {"a", {0.75, 0.75}}},
                      {{"z", {0.5, 0.5}}, {"m", {0.25, 0.25, 0.25}}, {"a", {0.0, 0.5}}}, 0.75,
                      0.5));
  out.push_back(trial(1, {{"z", {0.25, 0.25}}, {"m", {0.0, 0.0, 0.0}}, {"a", {0.5, 0.5}}},
                      {{"z", {0.25, 0.25}}, {"m", {0.0, 0.0, 0.0}}, {"a", {0.5, 0.5}}}, 0.5, 0.5));
  out.push_back(trial(2, {{"z", {0.0, -0.5}}, {"m", {0.5, 0.5, 0.5}}, {"a", {0.25, 0.25}}},
                      {{"z", {0.0, 0.0}}, {"m", {0.5, 0.5, 0.5}}, {"a", {0.25, 0.25}}}, 0.25, 0.0));
  TrialRecord failed = trial(3, {{"z", {1, 1}}, {"m", {1, 1, 1}}, {"a", {1, 1}}},
                             {{"z", {1, 1}}, {"m", {1, 1, 1}}, {"a", {1, 1}}}, 1, 1);
  failed.status = TrialStatus::kFailed;
  for (auto& s : failed.splits) s.raw = s.normalized = kNaN;
  out.push_back(failed);
  out.push_back(trial(4, {{"z", {1.0, 1.0}}, {"m", {1.0, 1.0, 1.0}}, {"a", {1.0, 1.0}}},
                      {{"z", {1.0, 1.0}}, {"m", {0.5, 0.5, 0.5}}, {"a", {1.0, kNaN}}}, 1.0, 1.0));
  return out;
}

Report report_of(std::vector<TrialRecord> records, const std::vector<nlohmann::json>& configs) {
  Report r;
  r.suite = "unit";
  r.protocol = "deployment";
  r.protocol_tables = true;
  r.options.reps = 200;
  r.trials = records.size();
  r.tasks = {"blobs"};
  r.task_splits = {{}};  // (build_report fills both; the renderers index one by the other)
  r.agents = {"mlp"};
  r.budgets = {500};
  r.trial_records = std::move(records);
  deployment_rows(r, configs);
  return r;
}

void expect_brackets(const metrics::Estimate& e) {
  EXPECT_LE(e.ci.lo, e.value + 1e-12);
  EXPECT_GE(e.ci.hi, e.value - 1e-12);
}

TEST(DeploymentReport, SegmentsStreamRecoveryRetentionByHand) {
  const Report r = report_of(trials(), {config()});
  ASSERT_EQ(r.deployment.size(), 1u);
  const DeploymentRow& d = r.deployment[0];
  EXPECT_EQ(d.task, "blobs");
  EXPECT_EQ(d.budget, 500);
  EXPECT_EQ(d.chunk, 100);
  EXPECT_DOUBLE_EQ(d.recovery_fraction, 0.5);
  ASSERT_EQ(d.segments.size(), 3u);
  const auto& z = d.segments[0];
  const auto& m = d.segments[1];
  const auto& a = d.segments[2];
  EXPECT_EQ(z.name, "z");
  EXPECT_EQ(m.name, "m");
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(m.start, 200);
  EXPECT_EQ(m.samples, 300);
  EXPECT_EQ(a.start, 500);

  // z, trials 0, 1, 2, 4: learning 0.75, 0.25, -0.25, 1.0 -> 1.75 / 4;
  // frozen 0.5, 0.25, 0.0, 1.0 -> 1.75 / 4; gain 0.25, 0, -0.25, 0 -> 0.
  EXPECT_EQ(z.n, 4);
  EXPECT_DOUBLE_EQ(z.learning.value, 0.4375);
  EXPECT_DOUBLE_EQ(z.frozen.value, 0.4375);
  EXPECT_DOUBLE_EQ(z.gain.value, 0.0);
  EXPECT_FALSE(z.recovery);
  // m: learning 0.5, 0, 0.5, 1.0 -> 0.5; frozen 0.25, 0, 0.5, 0.5 -> 0.3125;
  // gain 0.25, 0, 0, 0.5 -> 0.1875.
  EXPECT_EQ(m.n, 4);
  EXPECT_DOUBLE_EQ(m.learning.value, 0.5);
  EXPECT_DOUBLE_EQ(m.frozen.value, 0.3125);
  EXPECT_DOUBLE_EQ(m.gain.value, 0.1875);
  expect_brackets(m.gain);
  // Recovery into m (fraction 0.5; pre = mean of the last 1 of z's 2 chunks):
  // trial 0: pre 1.0, threshold 0.5, reached at k = 1: 100;
  // trial 1: pre 0.25, threshold 0.125, never: censored at 300;
  // trial 2: pre -0.5: undefined; trial 4: pre 1.0, k = 0: 0.
  ASSERT_TRUE(m.recovery);
  EXPECT_EQ(m.recovery->defined, 3);
  EXPECT_EQ(m.recovery->recovered, 2);
  EXPECT_EQ(m.recovery->undefined, 1);
  EXPECT_TRUE(m.recovery->lower_bound);
  EXPECT_NEAR(m.recovery->samples.value, 400.0 / 3, 1e-9);
  expect_brackets(m.recovery->samples);
  // a, trials 0, 1, 2 (4's frozen/a/1 is NaN): learning 0.75, 0.5, 0.25 ->
  // 0.5; frozen 0.25, 0.5, 0.25 -> 1/3; gain 0.5, 0, 0 -> 1/6.
  EXPECT_EQ(a.n, 3);
  EXPECT_DOUBLE_EQ(a.learning.value, 0.5);
  EXPECT_NEAR(a.frozen.value, 1.0 / 3, 1e-12);
  EXPECT_NEAR(a.gain.value, 1.0 / 6, 1e-12);
  // Recovery into a needs only learning scores (trial 4 counts): pre = mean
  // of the last ceil(3 / 2) = 2 chunks of m. Trial 0: 0.625, a starts at
  // 0.75: 0; trial 1: pre 0: undefined; trial 2: pre 0.5, threshold 0.25,
  // a starts at 0.25 (>=): 0; trial 4: 0.
  ASSERT_TRUE(a.recovery);
  EXPECT_EQ(a.recovery->defined, 3);
  EXPECT_EQ(a.recovery->recovered, 3);
  EXPECT_EQ(a.recovery->undefined, 1);
  EXPECT_FALSE(a.recovery->lower_bound);
  EXPECT_DOUBLE_EQ(a.recovery->samples.value, 0.0);
  EXPECT_DOUBLE_EQ(a.recovery->samples.ci.hi, 0.0);

  // The whole stream, trials 0, 1, 2 (7 chunks each): learning sums 4.5,
  // 1.5, 1.5; frozen 2.25, 1.5, 2.0.
  EXPECT_EQ(d.n, 3);
  EXPECT_NEAR(d.learning.value, 7.5 / 21, 1e-12);
  EXPECT_NEAR(d.frozen.value, 5.75 / 21, 1e-12);
  EXPECT_NEAR(d.gain.value, 1.75 / 21, 1e-12);
  expect_brackets(d.gain);
  // Retention, trials 0, 1, 2, 4: pretrained 0.75, 0.5, 0.25, 1.0; end 0.5,
  // 0.5, 0.0, 1.0; change -0.25, 0, -0.25, 0.
  EXPECT_EQ(d.retention_n, 4);
  EXPECT_DOUBLE_EQ(d.retention_pretrained.value, 0.625);
  EXPECT_DOUBLE_EQ(d.retention_end.value, 0.5);
  EXPECT_DOUBLE_EQ(d.retention_change.value, -0.125);

  // The curve: 7 chunks at their first samples' positions.
  ASSERT_EQ(d.curve.size(), 7u);
  const std::vector<int64_t> positions = {0, 100, 200, 300, 400, 500, 600};
  for (size_t i = 0; i < 7; ++i) EXPECT_EQ(d.curve[i].position, positions[i]);
  EXPECT_EQ(d.curve[0].n, 4);
  EXPECT_DOUBLE_EQ(d.curve[0].learning.value, 0.4375);  // (0.5 + 0.25 + 0 + 1) / 4
  EXPECT_EQ(d.curve[6].segment, "a");
  EXPECT_EQ(d.curve[6].chunk, 1);
  EXPECT_EQ(d.curve[6].n, 3);
  EXPECT_DOUBLE_EQ(d.curve[6].learning.value, 0.5);  // (0.75 + 0.5 + 0.25) / 3
  EXPECT_NEAR(d.curve[6].frozen.value, 1.25 / 3, 1e-12);
  expect_brackets(d.curve[6].frozen);
}

TEST(DeploymentReport, WithoutAConfigSegmentsInOrderOfAppearanceAndPositionsInChunks) {
  const Report r = report_of(trials(), {});
  ASSERT_EQ(r.deployment.size(), 1u);
  const DeploymentRow& d = r.deployment[0];
  EXPECT_EQ(d.chunk, 0);
  EXPECT_DOUBLE_EQ(d.recovery_fraction, 0.9);
  ASSERT_EQ(d.segments.size(), 3u);
  EXPECT_EQ(d.segments[0].name, "z");
  EXPECT_EQ(d.segments[1].name, "m");
  EXPECT_EQ(d.segments[2].name, "a");
  EXPECT_EQ(d.segments[2].start, 5);  // chunks
  // Recovery into m at 0.9: trial 0 threshold 0.9, m never reaches it
  // (censored at 3 chunks); trial 1 censored; trial 4 at once: (3 + 3 + 0) / 3.
  ASSERT_TRUE(d.segments[1].recovery);
  EXPECT_DOUBLE_EQ(d.segments[1].recovery->samples.value, 2.0);
  EXPECT_EQ(d.segments[1].recovery->recovered, 1);
  EXPECT_TRUE(d.segments[1].recovery->lower_bound);
}

TEST(DeploymentReport, RefusesABadConfig) {
  nlohmann::json bad = config();
  bad["tasks"][0]["segments"][1]["samples"] = 250;  // not a multiple of 100
  EXPECT_THROW(report_of(trials(), {bad}), InputError);
  bad = config();
  bad["deployment"]["recovery_fraction"] = 1.5;
  EXPECT_THROW(report_of(trials(), {bad}), InputError);
  bad = config();
  bad["deployment"]["chunk"] = 0;
  EXPECT_THROW(report_of(trials(), {bad}), InputError);
}

TEST(DeploymentReport, TextSectionsHoldATablePerSegmentThenStreamAndRetention) {
  const Report r = report_of(trials(), {config()});
  const auto sections = report::deployment_sections(r);
  ASSERT_EQ(sections.size(), 3u);
  ASSERT_EQ(sections[0].tables.size(), 3u);
  EXPECT_NE(sections[0].tables[1].title.find("segment m (samples 200 to 500)"), std::string::npos)
      << sections[0].tables[1].title;
  const auto& m = sections[0].tables[1];
  EXPECT_EQ(m.header, (std::vector<std::string>{"agent", "budget", "n", "learning", "frozen",
                                                "gain", "recovery", "recovered"}));
  ASSERT_EQ(m.rows.size(), 1u);
  EXPECT_EQ(m.rows[0][0], "mlp");
  EXPECT_EQ(m.rows[0][2], "4");
  EXPECT_EQ(m.rows[0][3].substr(0, 5), "0.500");
  EXPECT_EQ(m.rows[0][6].substr(0, 7), ">= 133 ");  // 400 / 3, a lower bound
  EXPECT_EQ(m.rows[0][7], "2/3 (1 n/a)");
  EXPECT_EQ(sections[0].tables[0].rows[0][6], "-");  // no switch into the first segment
  EXPECT_EQ(sections[0].tables[2].rows[0][6], "0 [0, 0]");
  ASSERT_EQ(sections[1].tables.size(), 1u);
  EXPECT_EQ(sections[1].tables[0].header[5], "gain");
  ASSERT_EQ(sections[2].tables.size(), 1u);
  EXPECT_EQ(sections[2].tables[0].rows[0][5].substr(0, 6), "-0.125");
}

TEST(DeploymentReport, CsvAndJsonHoldTheRows) {
  const Report r = report_of(trials(), {config()});
  std::ostringstream csv, json;
  make_renderer(Format::kCsv)->render(r, csv);
  EXPECT_NE(csv.str().find("deployment,blobs,mlp,,500,m,,,gain,0.1875,"), std::string::npos)
      << csv.str();
  EXPECT_NE(csv.str().find("deployment,blobs,mlp,,500,m,,,recovery_samples,"), std::string::npos);
  EXPECT_NE(csv.str().find("deployment,blobs,mlp,,500,,,,retention_change,-0.125,"),
            std::string::npos);
  EXPECT_NE(csv.str().find("deployment,blobs,mlp,,500,learning/a/1,,,mean,0.5,"),
            std::string::npos);
  make_renderer(Format::kJson)->render(r, json);
  const auto doc = nlohmann::json::parse(json.str());
  EXPECT_EQ(doc["protocol"], "deployment");
  ASSERT_EQ(doc["deployment"].size(), 1u);
  const auto& row = doc["deployment"][0];
  EXPECT_EQ(row["chunk"], 100);
  EXPECT_EQ(row["segments"][1]["name"], "m");
  EXPECT_DOUBLE_EQ(row["segments"][1]["gain"]["value"].get<double>(), 0.1875);
  EXPECT_TRUE(row["segments"][0]["recovery_samples"].is_null());
  EXPECT_EQ(row["segments"][1]["recovery_samples"]["lower_bound"], true);
  EXPECT_EQ(row["segments"][1]["recovery_samples"]["recovered"], 2);
  EXPECT_DOUBLE_EQ(row["retention"]["change"]["value"].get<double>(), -0.125);
  EXPECT_EQ(row["curve"].size(), 7u);
  EXPECT_EQ(row["curve"][6]["position"], 600);
}

// The text formats and html look the protocol's sections up in the registry
// (report/text_report.cpp): they run once deployment.cpp registers it.
TEST(DeploymentReport, HtmlDrawsThePrequentialCurveWithSegmentBoundaries) {
  if (!ProtocolRegistry::instance().find("deployment"))
    GTEST_SKIP() << "the protocol 'deployment' is not registered in this build";
  const Report r = report_of(trials(), {config()});
  std::ostringstream html, table;
  make_renderer(Format::kHtml)->render(r, html);
  const std::string page = html.str();
  EXPECT_NE(page.find("id=\"prequential\""), std::string::npos);
  EXPECT_NE(page.find("data-plot=\"prequential\""), std::string::npos);
  // Two boundaries (into m and a), dashed "6 3", and the three labels.
  size_t boundaries = 0;
  for (size_t at = page.find("stroke-dasharray=\"6 3\""); at != std::string::npos;
       at = page.find("stroke-dasharray=\"6 3\"", at + 1))
    ++boundaries;
  EXPECT_EQ(boundaries, 2u);
  for (const char* label : {">z</text>", ">m</text>", ">a</text>"})
    EXPECT_NE(page.find(label), std::string::npos) << label;
  EXPECT_NE(page.find("learning, a chunk 1 (samples 600)"), std::string::npos);
  EXPECT_NE(page.find("Deployment: retention"), std::string::npos);
  make_renderer(Format::kTable)->render(r, table);
  EXPECT_NE(table.str().find("recovered"), std::string::npos) << table.str();
}

}  // namespace
}  // namespace hg
