// The regression gate: matching, verdicts on hand-computed cases, missing and
// new rows, lost trials, split filters, suite hashes, determinism, exports.
#include "hourglass/results/compare.h"

#include <gtest/gtest.h>

#include <cmath>

#include "hourglass/core/error.h"

namespace hg {
namespace {

// One trial of task "t" with a test score and, optionally, an OOD score.
TrialRecord trial(const std::string& agent, int64_t budget, int64_t index, double test,
                  double ood = 0.0) {
  TrialRecord t;
  t.task = "t";
  t.agent = agent;
  t.budget = budget;
  t.seed_index = index;
  t.samples_used = budget;
  t.splits = {{"test", -test, test}, {"ood/far", -ood, ood}};
  return t;
}

std::vector<TrialRecord> population(const std::string& agent, int64_t budget,
                                    const std::vector<double>& test) {
  std::vector<TrialRecord> out;
  for (size_t i = 0; i < test.size(); ++i)
    out.push_back(trial(agent, budget, static_cast<int64_t>(i), test[i]));
  return out;
}

const ComparisonRow& row(const Comparison& c, const std::string& agent, const std::string& split) {
  for (const auto& r : c.rows)
    if (r.agent == agent && r.split == split) return r;
  throw std::runtime_error("no row " + agent + " " + split);
}

TEST(ClassifyDifference, HandComputedCases) {
  // Below the baseline by more than the tolerance, interval below zero.
  EXPECT_EQ(classify_difference({-0.05, {-0.08, -0.02}}, 0.02), Verdict::kRegression);
  // Below by more than the tolerance but the interval covers zero: noise.
  EXPECT_EQ(classify_difference({-0.05, {-0.12, 0.01}}, 0.02), Verdict::kUnchanged);
  // Interval below zero but the drop is within tolerance: too small to care.
  EXPECT_EQ(classify_difference({-0.015, {-0.02, -0.01}}, 0.02), Verdict::kUnchanged);
  // Exactly the tolerance is not more than the tolerance.
  EXPECT_EQ(classify_difference({-0.02, {-0.03, -0.01}}, 0.02), Verdict::kUnchanged);
  // The mirror images.
  EXPECT_EQ(classify_difference({0.05, {0.02, 0.08}}, 0.02), Verdict::kImprovement);
  EXPECT_EQ(classify_difference({0.05, {-0.01, 0.12}}, 0.02), Verdict::kUnchanged);
  // Tolerance zero: any drop whose interval excludes zero.
  EXPECT_EQ(classify_difference({-1e-9, {-2e-9, -1e-10}}, 0.0), Verdict::kRegression);
  EXPECT_EQ(classify_difference({0.0, {0.0, 0.0}}, 0.0), Verdict::kUnchanged);
}

TEST(CompareTrials, IdenticalFilesAreUnchanged) {
  const auto trials = population("a", 100, {0.5, 0.6, 0.7});
  const Comparison c = compare_trials(trials, trials);
  ASSERT_EQ(c.rows.size(), 2u);  // test and ood/far
  for (const auto& r : c.rows) {
    EXPECT_EQ(r.verdict, Verdict::kUnchanged);
    EXPECT_FALSE(r.fails_gate);
    // Paired by seed index: every difference is exactly 0, so is the interval.
    EXPECT_TRUE(r.paired);
    EXPECT_EQ(r.pairs, 3);
    EXPECT_EQ(r.delta, 0.0);
    EXPECT_EQ(r.lo, 0.0);
    EXPECT_EQ(r.hi, 0.0);
    EXPECT_EQ(r.detectable, kDefaultTolerance);  // max(tolerance, 0)
    EXPECT_EQ(r.note, "");
  }
  EXPECT_FALSE(c.regressed());
  // Unpaired, the two sides are resampled independently: the interval of a
  // zero difference between spread scores straddles zero...
  CompareOptions unpaired;
  unpaired.paired = false;
  const Comparison u = compare_trials(trials, trials, unpaired);
  EXPECT_FALSE(row(u, "a", "test").paired);
  EXPECT_LT(row(u, "a", "test").lo, 0.0);
  EXPECT_GT(row(u, "a", "test").hi, 0.0);
  EXPECT_EQ(row(u, "a", "test").note, "unpaired: --unpaired");
  EXPECT_GT(row(u, "a", "test").detectable, kDefaultTolerance);
  // ...and is [0, 0] between constant ones (every ood/far score is 0).
  EXPECT_DOUBLE_EQ(row(u, "a", "ood/far").lo, 0.0);
  EXPECT_DOUBLE_EQ(row(u, "a", "ood/far").hi, 0.0);
}

// docs/ci-regression.md: a learner made worse by 0.03 on one budget. Five
// seeds whose scores spread by far more than 0.03 (the instance each seed
// draws matters more than the change): the current run's score at each seed
// index is the baseline's minus 0.03, give or take 0.003. Paired, the
// differences are -0.03 +- 0.003 and the gate sees the drop; unpaired, the
// spread between seeds hides it.
TEST(CompareTrials, ThePairedGateCatchesADropOf003ThatTheUnpairedOneMisses) {
  const std::vector<double> seeds = {0.55, 0.75, 0.62, 0.88, 0.70};
  const std::vector<double> jitter = {0.002, -0.003, 0.001, -0.001, 0.0};
  std::vector<double> worse;
  for (size_t i = 0; i < seeds.size(); ++i) worse.push_back(seeds[i] - 0.03 + jitter[i]);
  auto base = population("a", 100, seeds);
  auto cur = population("a", 100, worse);
  for (auto* side : {&base, &cur}) {  // budget 1000: unchanged
    const auto same = population("a", 1000, {0.9, 0.8, 0.85, 0.95, 0.9});
    side->insert(side->end(), same.begin(), same.end());
  }
  for (auto* side : {&base, &cur})
    for (auto& t : *side) t.seed = 1000 * static_cast<uint64_t>(t.budget) + t.seed_index;

  const Comparison paired = compare_trials(base, cur);
  const ComparisonRow* r = nullptr;
  for (const auto& x : paired.rows)
    if (x.budget == 100 && x.split == "test") r = &x;
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->paired);
  EXPECT_EQ(r->pairs, 5);
  // mean of the differences: -0.03 + (0.002 - 0.003 + 0.001 - 0.001) / 5 = -0.0302
  EXPECT_NEAR(r->delta, -0.0302, 1e-12);
  EXPECT_GE(r->lo, -0.033 - 1e-12);  // the interval lies within the differences
  EXPECT_LE(r->hi, -0.028 + 1e-12);
  EXPECT_EQ(r->verdict, Verdict::kRegression);
  EXPECT_LT(r->detectable, 0.03);  // the gate can see 0.03 at 5 seeds
  EXPECT_TRUE(paired.regressed());
  EXPECT_EQ(paired.count(Verdict::kRegression), 1u);  // budget 1000 is unchanged

  CompareOptions options;
  options.paired = false;
  const Comparison unpaired = compare_trials(base, cur, options);
  for (const auto& x : unpaired.rows)
    if (x.budget == 100 && x.split == "test") r = &x;
  EXPECT_FALSE(r->paired);
  EXPECT_NEAR(r->delta, -0.0302, 1e-12);
  EXPECT_LT(r->lo, -0.0302);
  EXPECT_GT(r->hi, 0.0);  // the interval covers 0: noise, as far as it can tell
  EXPECT_EQ(r->verdict, Verdict::kUnchanged);
  EXPECT_GT(r->detectable, 0.03);  // and it says it cannot see 0.03
  EXPECT_FALSE(unpaired.regressed());
}

TEST(CompareTrials, FallsBackToUnpairedAndSaysWhy) {
  const auto base = population("a", 100, {0.5, 0.6, 0.7});
  // Other seed indices (a rerun with --seeds 4 keeps 0..2 but adds 3).
  auto more = population("a", 100, {0.5, 0.6, 0.7, 0.8});
  const Comparison c = compare_trials(base, more);
  EXPECT_FALSE(row(c, "a", "test").paired);
  EXPECT_EQ(row(c, "a", "test").note, "unpaired: the ok seed indices differ");
  // The same indices with other derived seeds (another suite seed).
  auto reseeded = base;
  for (auto& t : reseeded) t.seed = 77 + static_cast<uint64_t>(t.seed_index);
  const Comparison d = compare_trials(base, reseeded);
  EXPECT_FALSE(row(d, "a", "test").paired);
  EXPECT_EQ(row(d, "a", "test").note,
            "unpaired: seed index 0 has another derived seed (another suite seed)");
  // A lost trial on one side: its pair is gone, so the row is unpaired too.
  auto lost = base;
  lost[1].status = TrialStatus::kFailed;
  const Comparison with_lost = compare_trials(base, lost);
  const auto& l = row(with_lost, "a", "test");
  EXPECT_FALSE(l.paired);
  EXPECT_NE(l.note.find("unpaired: the ok seed indices differ"), std::string::npos) << l.note;
}

TEST(CompareTrials, HandComputedRegressionAndImprovement) {
  // Baseline {0.8, 0.8, 0.8}; current {0.7, 0.7, 0.7}: every replicate of
  // the difference is 0.7 - 0.8 = -0.1, so the interval is [-0.1, -0.1],
  // below zero, and -0.1 < -0.02: a regression.
  auto base = population("a", 100, {0.8, 0.8, 0.8});
  auto cur = population("a", 100, {0.7, 0.7, 0.7});
  // Agent b improves by 0.25 with a single seed each: [0.25, 0.25].
  auto b_base = population("b", 100, {0.5});
  auto b_cur = population("b", 100, {0.75});
  base.insert(base.end(), b_base.begin(), b_base.end());
  cur.insert(cur.end(), b_cur.begin(), b_cur.end());
  const Comparison c = compare_trials(base, cur);
  const auto& a = row(c, "a", "test");
  EXPECT_EQ(a.verdict, Verdict::kRegression);
  EXPECT_TRUE(a.fails_gate);
  EXPECT_NEAR(a.delta, -0.1, 1e-12);
  EXPECT_NEAR(a.lo, -0.1, 1e-12);
  EXPECT_NEAR(a.hi, -0.1, 1e-12);
  EXPECT_DOUBLE_EQ(a.baseline.mean, 0.8);
  EXPECT_EQ(a.baseline.ok, 3);
  const auto& b = row(c, "b", "test");
  EXPECT_EQ(b.verdict, Verdict::kImprovement);
  EXPECT_FALSE(b.fails_gate);
  EXPECT_DOUBLE_EQ(b.delta, 0.25);
  EXPECT_EQ(row(c, "a", "ood/far").verdict, Verdict::kUnchanged);  // 0 vs 0
  EXPECT_TRUE(c.regressed());
  EXPECT_EQ(c.count(Verdict::kRegression), 1u);
  EXPECT_EQ(c.count(Verdict::kImprovement), 1u);
  EXPECT_EQ(c.count(Verdict::kUnchanged), 2u);
  // A wider tolerance forgives the drop.
  CompareOptions wide;
  wide.tolerance = 0.15;
  EXPECT_FALSE(compare_trials(base, cur, wide).regressed());
}

TEST(CompareTrials, ADropWithinNoiseIsNotARegression) {
  // Seeds spread over [0.2, 1.0]: unpaired, a drop of the mean by 0.05 is far
  // inside the interval of the difference, so it is unchanged although it
  // exceeds the tolerance.
  const auto base = population("a", 100, {0.2, 1.0, 0.6, 0.4, 0.8});
  const auto cur = population("a", 100, {0.15, 0.95, 0.55, 0.35, 0.75});
  CompareOptions options;
  options.paired = false;
  const Comparison c = compare_trials(base, cur, options);
  const auto& r = row(c, "a", "test");
  EXPECT_NEAR(r.delta, -0.05, 1e-12);
  EXPECT_LT(r.lo, 0.0);
  EXPECT_GT(r.hi, 0.0);
  EXPECT_EQ(r.verdict, Verdict::kUnchanged);
  EXPECT_FALSE(c.regressed());
  // Paired, every seed lost 0.05: the interval is [-0.05, -0.05].
  const Comparison paired = compare_trials(base, cur);
  const auto& p = row(paired, "a", "test");
  EXPECT_NEAR(p.lo, -0.05, 1e-12);
  EXPECT_NEAR(p.hi, -0.05, 1e-12);
  EXPECT_EQ(p.verdict, Verdict::kRegression);
}

TEST(CompareTrials, MissingRowsFailUnlessAllowedAndNewRowsNeverDo) {
  auto base = population("a", 100, {0.5, 0.5});
  const auto extra = population("gone", 100, {0.5, 0.5});
  base.insert(base.end(), extra.begin(), extra.end());
  auto cur = population("a", 100, {0.5, 0.5});
  const auto fresh = population("fresh", 100, {0.9});
  cur.insert(cur.end(), fresh.begin(), fresh.end());

  const Comparison c = compare_trials(base, cur);
  EXPECT_EQ(c.count(Verdict::kMissing), 2u);  // gone: test and ood/far
  EXPECT_EQ(c.count(Verdict::kNew), 2u);
  const auto& gone = row(c, "gone", "test");
  EXPECT_TRUE(gone.fails_gate);
  EXPECT_FALSE(gone.current.present);
  EXPECT_TRUE(std::isnan(gone.delta));
  EXPECT_FALSE(row(c, "fresh", "test").fails_gate);
  EXPECT_FALSE(row(c, "fresh", "test").baseline.present);
  EXPECT_TRUE(c.regressed());
  // Rows: the baseline's in its order, then the new ones.
  EXPECT_EQ(c.rows[0].agent, "a");
  EXPECT_EQ(c.rows[2].agent, "gone");
  EXPECT_EQ(c.rows[4].agent, "fresh");

  CompareOptions allow;
  allow.allow_missing = true;
  const Comparison allowed = compare_trials(base, cur, allow);
  EXPECT_EQ(allowed.count(Verdict::kMissing), 2u);
  EXPECT_FALSE(allowed.regressed());
}

TEST(CompareTrials, LostTrialsAreRegressions) {
  const auto base = population("a", 100, {0.5, 0.5, 0.5});
  // One current seed diverged: the mean of the others is unchanged, but a
  // larger share of the population was lost.
  auto cur = population("a", 100, {0.5, 0.5, 0.5});
  cur[1].status = TrialStatus::kDiverged;
  cur[1].splits[0].normalized = std::nan("");
  Comparison c = compare_trials(base, cur);
  const auto& r = row(c, "a", "test");
  EXPECT_EQ(r.verdict, Verdict::kRegression);
  EXPECT_EQ(r.current.ok, 2);
  EXPECT_EQ(r.current.trials, 3);
  EXPECT_NE(r.note.find("1 of 3 current trials failed or diverged (baseline 0 of 3)"),
            std::string::npos)
      << r.note;
  // Every current trial failed: no mean, a regression.
  for (auto& t : cur) t.status = TrialStatus::kFailed;
  c = compare_trials(base, cur);
  EXPECT_EQ(row(c, "a", "test").verdict, Verdict::kRegression);
  EXPECT_TRUE(std::isnan(row(c, "a", "test").current.mean));
  EXPECT_NE(row(c, "a", "test").note.find("every current trial failed"), std::string::npos);
  // The other way round: the baseline had lost them all; now they are back.
  c = compare_trials(cur, base);
  EXPECT_EQ(row(c, "a", "test").verdict, Verdict::kImprovement);
  EXPECT_FALSE(c.regressed());
  // Both lost: nothing to compare, unchanged.
  c = compare_trials(cur, cur);
  EXPECT_EQ(row(c, "a", "test").verdict, Verdict::kUnchanged);
}

TEST(CompareTrials, SplitsFilterByListOrRegex) {
  const auto base = population("a", 100, {0.8, 0.8});
  auto cur = population("a", 100, {0.8, 0.8});
  for (auto& t : cur) t.splits[1].normalized = -1.0;  // ood/far collapses
  EXPECT_TRUE(compare_trials(base, cur).regressed());
  CompareOptions only_test;
  only_test.splits = "test";
  const Comparison c = compare_trials(base, cur, only_test);
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].split, "test");
  EXPECT_FALSE(c.regressed());
  CompareOptions ood;
  ood.splits = "train,ood/.*";
  EXPECT_TRUE(compare_trials(base, cur, ood).regressed());
  EXPECT_EQ(compare_trials(base, cur, ood).rows.size(), 1u);
  CompareOptions partial;
  partial.splits = "tes";  // whole names only
  EXPECT_THROW(compare_trials(base, cur, partial), InputError);
  CompareOptions bad;
  bad.splits = "(";
  EXPECT_THROW(compare_trials(base, cur, bad), InputError);
  CompareOptions empty_item;
  empty_item.splits = "test,";
  EXPECT_THROW(compare_trials(base, cur, empty_item), InputError);
}

TEST(CompareTrials, RejectsABadTolerance) {
  const auto t = population("a", 100, {0.5});
  for (double tolerance : {-0.1, std::nan(""), HUGE_VAL}) {
    CompareOptions o;
    o.tolerance = tolerance;
    EXPECT_THROW(compare_trials(t, t, o), InputError) << tolerance;
  }
}

TEST(CompareTrials, IsDeterministic) {
  const auto base = population("a", 100, {0.2, 0.9, 0.5, 0.7});
  const auto cur = population("a", 100, {0.1, 0.3, 0.4, 0.2});
  const Comparison x = compare_trials(base, cur), y = compare_trials(base, cur);
  ASSERT_EQ(x.rows.size(), y.rows.size());
  for (size_t i = 0; i < x.rows.size(); ++i) {
    EXPECT_EQ(x.rows[i].lo, y.rows[i].lo);
    EXPECT_EQ(x.rows[i].hi, y.rows[i].hi);
    EXPECT_EQ(x.rows[i].baseline.lo, y.rows[i].baseline.lo);
  }
  EXPECT_EQ(to_json(x).dump(), to_json(y).dump());
}

TEST(CompareResults, RefusesDifferentSuitesUnlessAllowed) {
  Results a, b;
  a.suite = {{"name", "s"}, {"sha256", "aaaa"}};
  b.suite = {{"name", "s"}, {"sha256", "bbbb"}};
  a.trials = b.trials = population("a", 100, {0.5});
  try {
    compare_results(a, b);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("different suites"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--allow-suite-change"), std::string::npos);
  }
  CompareOptions allow;
  allow.allow_suite_change = true;
  EXPECT_FALSE(compare_results(a, b, allow).regressed());
  b.suite = {{"name", "s"}};
  EXPECT_THROW(compare_results(a, b, allow), InputError);
}

// Sealed splits (docs/ci-regression.md): fingerprints that differ are
// refused, naming both; one side without a key leaves the sealed rows out.
TEST(CompareResults, SealedSplitsOfDifferentKeysAreRefused) {
  const std::string fa(64, 'a'), fb(64, 'b');
  Results a, b;
  a.suite = b.suite = {{"name", "s"},
                       {"sha256", "same"},
                       {"config", {{"tasks", {{{"name", "t"}, {"sealed", {"ood/far"}}}}}}}};
  a.environment = {{"seal", {{"fingerprint", fa}}}};
  b.environment = {{"seal", {{"fingerprint", fb}}}};
  a.trials = b.trials = population("a", 100, {0.5, 0.6});
  try {
    compare_results(a, b);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "the sealed splits were drawn with different seal keys: baseline fingerprint " +
                  fa + ", current fingerprint " + fb +
                  "; compare runs made with the same --seal-key-file (docs/ci-regression.md)");
  }
  b.environment = a.environment;  // the same key: every row
  const Comparison same = compare_results(a, b);
  EXPECT_EQ(same.rows.size(), 2u);
  EXPECT_TRUE(same.notes.empty());

  // The current run had no key: its trials lack ood/far, which is not missing.
  b.environment = {{"seal", {{"fingerprint", nullptr}}}};
  for (auto& t : b.trials) t.splits.pop_back();
  const Comparison partial = compare_results(a, b);
  ASSERT_EQ(partial.rows.size(), 1u);
  EXPECT_EQ(partial.rows[0].split, "test");
  EXPECT_FALSE(partial.regressed());
  ASSERT_EQ(partial.notes.size(), 1u);
  EXPECT_EQ(partial.notes[0],
            "sealed split(s) not compared (t ood/far): the current run had no seal key");
  EXPECT_EQ(to_json(partial)["notes"], nlohmann::json::array({partial.notes[0]}));

  b.environment = {{"seal", {{"fingerprint", "not hex"}}}};
  EXPECT_THROW(compare_results(a, b), InputError);
}

TEST(CompareJson, CarriesEveryRowAndTheOutcome) {
  const auto base = population("a", 100, {0.8, 0.8});
  const auto cur = population("a", 100, {0.5, 0.5});
  const auto j = to_json(compare_trials(base, cur));
  EXPECT_EQ(j["schema"], kCompareSchema);
  EXPECT_EQ(j["regressed"], true);
  EXPECT_EQ(j["counts"]["regression"], 1);
  EXPECT_EQ(j["counts"]["unchanged"], 1);
  ASSERT_EQ(j["rows"].size(), 2u);
  EXPECT_EQ(j["rows"][0]["verdict"], "regression");
  EXPECT_EQ(j["rows"][0]["baseline"]["mean"], 0.8);
  EXPECT_NEAR(j["rows"][0]["delta"].get<double>(), -0.3, 1e-12);
}

TEST(GithubActionBenchmark, OneBiggerIsBetterEntryPerCurrentRow) {
  auto base = population("a", 100, {0.8, 0.8});
  auto cur = population("a", 100, {0.5, 0.7});
  auto lost = population("b", 10, {0.1});
  lost[0].status = TrialStatus::kFailed;
  cur.insert(cur.end(), lost.begin(), lost.end());
  const auto j = github_action_benchmark(compare_trials(base, cur));
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 2u);  // a/test and a/ood/far; b lost everything
  EXPECT_EQ(j[0]["name"], "t/a/100/test");
  EXPECT_EQ(j[0]["unit"], "normalized score");
  EXPECT_DOUBLE_EQ(j[0]["value"].get<double>(), 0.6);
  EXPECT_TRUE(j[0]["range"].is_string());
  EXPECT_NE(j[0]["extra"].get<std::string>().find("baseline 0.8000"), std::string::npos);
}

}  // namespace
}  // namespace hg
