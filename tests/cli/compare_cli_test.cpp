// `hourglass compare`, tested by running the real binary on results files
// produced by the real binary (and copies of them, edited here).
#include "cli_util.h"

namespace {

using namespace hg::cli_testing;
using nlohmann::json;

class Compare : public Cli {
 protected:
  // A small real run: linear task, constant and ridge, one budget, 3 seeds.
  std::string small_run(const std::string& name, const std::string& extra = "") const {
    const std::string out = dir_ + "/" + name;
    const auto o = hourglass("run suites/smoke.yaml --quiet --tasks linear --agents 'constant|ridge' "
                             "--budgets 50 --threads 1 --out '" + out + "' " + extra);
    EXPECT_EQ(o.code, 0) << o.err;
    return out + "/results.json";
  }

  // A copy of a results file with `edit` applied to every trial.
  template <class Edit>
  std::string edited(const std::string& from, const std::string& name, Edit edit) const {
    json doc = read_json(from);
    for (auto& t : doc["trials"]) edit(t);
    return write(name, doc.dump(2));
  }
};

TEST_F(Compare, HelpNamesEveryOption) {
  const auto o = hourglass("compare --help");
  EXPECT_EQ(o.code, 0);
  for (const char* opt : {"--tolerance", "--splits", "--format", "--allow-missing",
                          "--allow-suite-change", "--export", "-o", "--unpaired", "--bootstrap"})
    EXPECT_TRUE(contains(o.out, opt)) << opt;
}

TEST_F(Compare, ARunAgainstItselfAndARerunPassInEveryFormat) {
  const std::string a = small_run("a");
  const std::string b = small_run("b", "--jobs 2");
  const auto table = hourglass("compare '" + a + "' '" + b + "'");
  EXPECT_EQ(table.code, 0) << table.out << table.err;
  EXPECT_TRUE(contains(table.out, "0 regressions, 0 improvements, 6 unchanged, 0 missing, 0 new: "
                                  "no regression"))
      << table.out;
  EXPECT_TRUE(contains(table.out, "difference [95% CI]"));
  const auto md = hourglass("compare '" + a + "' '" + b + "' --format md");
  EXPECT_EQ(md.code, 0);
  EXPECT_EQ(md.out.rfind("### Hourglass: no regression\n", 0), 0u) << md.out;
  EXPECT_TRUE(contains(md.out, "<details><summary>6 unchanged rows</summary>"));
  const auto j = hourglass("compare '" + a + "' '" + b + "' --format json");
  EXPECT_EQ(j.code, 0);
  const json doc = json::parse(j.out);
  EXPECT_EQ(doc["schema"], "hourglass.compare/1");
  EXPECT_EQ(doc["regressed"], false);
  EXPECT_EQ(doc["rows"].size(), 6u);
  EXPECT_EQ(doc["baseline"]["path"], a);
}

// docs/ci-regression.md: a file against itself pairs every trial by seed
// index and every interval is exactly [0, 0]; a learner made worse by 0.03
// at every seed is caught by the paired gate; --unpaired says so per row.
TEST_F(Compare, PairsTrialsBySeedIndexAndPrintsTheDetectableDrop) {
  const std::string a = small_run("a");
  const auto self = hourglass("compare '" + a + "' '" + a + "' --format json");
  EXPECT_EQ(self.code, 0) << self.err;
  const json doc = json::parse(self.out);
  EXPECT_EQ(doc["paired"], true);
  ASSERT_EQ(doc["rows"].size(), 6u);
  for (const auto& row : doc["rows"]) {
    EXPECT_EQ(row["paired"], true) << row.dump();
    EXPECT_EQ(row["pairs"], 3);
    EXPECT_EQ(row["delta"].get<double>(), 0.0);
    EXPECT_EQ(row["delta_ci_low"].get<double>(), 0.0);
    EXPECT_EQ(row["delta_ci_high"].get<double>(), 0.0);
    EXPECT_EQ(row["detectable_drop"].get<double>(), 0.02);
  }
  const auto table = hourglass("compare '" + a + "' '" + a + "'");
  EXPECT_TRUE(contains(table.out, "detectable")) << table.out;
  EXPECT_TRUE(contains(table.out, "+0.0000 [+0.0000, +0.0000]  paired 3      0.0200")) << table.out;

  const std::string worse = edited(a, "worse.json", [](json& t) {
    if (t["agent"] != "ridge") return;
    auto& s = t["splits"]["test"];
    s["normalized"] = s["normalized"].get<double>() - 0.03;
  });
  const auto caught = hourglass("compare '" + a + "' '" + worse + "' --format json");
  EXPECT_EQ(caught.code, 1) << caught.out;
  for (const auto& row : json::parse(caught.out)["rows"])
    if (row["agent"] == "ridge" && row["split"] == "test") {
      EXPECT_EQ(row["verdict"], "regression");
      EXPECT_NEAR(row["delta_ci_high"].get<double>(), -0.03, 1e-9);
    }
  const auto unpaired = hourglass("compare '" + a + "' '" + worse + "' --unpaired");
  EXPECT_TRUE(contains(unpaired.out, "unpaired: --unpaired")) << unpaired.out;
  EXPECT_TRUE(contains(unpaired.out, "; unpaired (--unpaired)")) << unpaired.out;
}

TEST_F(Compare, ABaselineRaisedByAMarginIsARegressionEverywhereAndExportsStillWrite) {
  const std::string current = small_run("cur");
  // The baseline claims every ridge score was 0.1 higher.
  const std::string baseline = edited(current, "raised.json", [](json& t) {
    if (t["agent"] != "ridge") return;
    for (auto& [split, s] : t["splits"].items()) s["normalized"] = s["normalized"].get<double>() + 0.1;
  });
  const std::string exported = dir_ + "/bench.json";
  const auto o = hourglass("compare '" + baseline + "' '" + current +
                           "' --format md --export github-action-benchmark -o '" + exported + "'");
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_EQ(o.out.rfind("### Hourglass: REGRESSED: 3 regressions\n", 0), 0u) << o.out;
  EXPECT_TRUE(contains(o.out, "| **regression** | linear | ridge | 50 | test |")) << o.out;
  const json bench = read_json(exported);
  ASSERT_EQ(bench.size(), 6u);
  EXPECT_EQ(bench[0]["name"], "linear/constant/50/train");
  EXPECT_EQ(bench[0]["unit"], "normalized score");
  EXPECT_TRUE(bench[0]["value"].is_number());
  // A tolerance above the margin forgives it; the other direction improves.
  EXPECT_EQ(hourglass("compare '" + baseline + "' '" + current + "' --tolerance 0.2").code, 0);
  const auto up = hourglass("compare '" + current + "' '" + baseline + "'");
  EXPECT_EQ(up.code, 0);
  EXPECT_TRUE(contains(up.out, "0 regressions, 3 improvements")) << up.out;
  // Only the splits named: a perturbed ood split is ignored when not compared.
  const std::string ood_only = edited(current, "ood.json", [](json& t) {
    auto& s = t["splits"]["ood/wide-x"];
    s["normalized"] = s["normalized"].get<double>() + 0.5;
  });
  EXPECT_EQ(hourglass("compare '" + ood_only + "' '" + current + "'").code, 1);
  EXPECT_EQ(hourglass("compare '" + ood_only + "' '" + current + "' --splits train,test").code, 0);
  EXPECT_EQ(hourglass("compare '" + ood_only + "' '" + current + "' --splits 'ood/.*'").code, 1);
  EXPECT_EQ(hourglass("compare '" + ood_only + "' '" + current + "' --splits nothing").code, 2);
}

TEST_F(Compare, LostTrialsAndMissingRowsFailTheGate) {
  const std::string baseline = small_run("base");
  const std::string diverged = edited(baseline, "diverged.json", [](json& t) {
    if (t["agent"] == "ridge" && t["seed_index"] == 1) {
      t["status"] = "diverged";
      t["message"] = "loss not finite at update 1";
      for (auto& [split, s] : t["splits"].items()) s = {{"raw", nullptr}, {"normalized", nullptr}};
    }
  });
  const auto lost = hourglass("compare '" + baseline + "' '" + diverged + "'");
  EXPECT_EQ(lost.code, 1);
  EXPECT_TRUE(contains(lost.out, "1 of 3 current trials failed or diverged (baseline 0 of 3)"))
      << lost.out;

  // The current run left out an agent: its rows are missing.
  const std::string partial = small_run("partial", "--overwrite");
  json doc = read_json(partial);
  json kept = json::array();
  for (const auto& t : doc["trials"])
    if (t["agent"] == "constant") kept.push_back(t);
  doc["trials"] = kept;
  const std::string missing = write("missing.json", doc.dump());
  const auto m = hourglass("compare '" + baseline + "' '" + missing + "'");
  EXPECT_EQ(m.code, 1);
  EXPECT_TRUE(contains(m.out, "3 missing")) << m.out;
  EXPECT_TRUE(contains(m.out, "REGRESSED: 3 missing rows")) << m.out;
  EXPECT_EQ(hourglass("compare '" + baseline + "' '" + missing + "' --allow-missing").code, 0);
  // New rows (the other way round) never fail.
  const auto n = hourglass("compare '" + missing + "' '" + baseline + "'");
  EXPECT_EQ(n.code, 0);
  EXPECT_TRUE(contains(n.out, "3 new")) << n.out;
}

TEST_F(Compare, RefusesResultsOfDifferentSuitesUnlessAllowed) {
  const std::string a = small_run("a");
  const std::string b = small_run("b", "--seeds 2");  // a different resolved suite
  const auto o = hourglass("compare '" + a + "' '" + b + "'");
  EXPECT_EQ(o.code, 2);
  EXPECT_TRUE(contains(o.err, "different suites")) << o.err;
  EXPECT_TRUE(contains(o.err, "--allow-suite-change")) << o.err;
  EXPECT_TRUE(o.out.empty());
  EXPECT_EQ(hourglass("compare '" + a + "' '" + b + "' --allow-suite-change").code, 0);
}

TEST_F(Compare, BadUsageExitsTwoAndWritesNothing) {
  const std::string a = small_run("a");
  const auto before = listing();
  EXPECT_EQ(hourglass("compare '" + a + "'").code, 2);
  EXPECT_EQ(hourglass("compare '" + a + "' '" + a + "' --format csv").code, 2);
  EXPECT_EQ(hourglass("compare '" + a + "' '" + a + "' --format xml").code, 2);
  EXPECT_EQ(hourglass("compare '" + a + "' '" + a + "' --tolerance -1").code, 2);
  EXPECT_EQ(hourglass("compare '" + a + "' '" + a + "' --tolerance lots").code, 2);
  EXPECT_EQ(hourglass("compare '" + a + "' '" + a + "' --splits '('").code, 2);
  EXPECT_EQ(hourglass("compare '" + a + "' '" + a + "' --export csv -o '" + dir_ + "/x'").code, 2);
  const auto no_o = hourglass("compare '" + a + "' '" + a + "' --export github-action-benchmark");
  EXPECT_EQ(no_o.code, 2);
  EXPECT_TRUE(contains(no_o.err, "needs -o FILE")) << no_o.err;
  EXPECT_EQ(hourglass("compare '" + a + "' '" + a + "' -o '" + dir_ + "/x'").code, 2);
  const auto missing = hourglass("compare '" + a + "' '" + dir_ + "/nope.json' --export "
                                 "github-action-benchmark -o '" + dir_ + "/x'");
  EXPECT_EQ(missing.code, 2);
  EXPECT_TRUE(contains(missing.err, dir_ + "/nope.json: cannot open results file")) << missing.err;
  EXPECT_EQ(listing(), before);
}

TEST_F(Compare, AnExportPathThatCannotBeWrittenIsAClearError) {
  const std::string a = small_run("a");
  write("file", "x");
  for (const std::string& target : {dir_ + "/file/sub.json", dir_ + "/no/such/dir/x.json",
                                    std::string("/proc/hourglass-bench.json"), dir_}) {
    const auto o = hourglass("compare '" + a + "' '" + a + "' --export github-action-benchmark -o '" +
                             target + "'");
    EXPECT_EQ(o.code, 2) << target;
    EXPECT_TRUE(contains(o.err, "cannot write")) << target << ": " << o.err;
    EXPECT_TRUE(o.out.empty()) << target;
  }
  EXPECT_FALSE(fs::exists(dir_ + "/no"));
}

}  // namespace
