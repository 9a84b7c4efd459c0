// Sealed splits end to end (docs/ci-regression.md, issue 21 must-show 3):
// the real binary skips them without a key and says so, scores them with
// one, writes the key's bytes nowhere, refuses to compare or resume across
// keys, and marks their scores in every report format.
#include "cli_util.h"

namespace {

using namespace hg::cli_testing;
using nlohmann::json;

// A distinctive key: any file that held it (or its hex) would match.
const std::string kKeyA = "hg-test-seal-key-A-7f3a9c1e5b2d";
const std::string kKeyB = "hg-test-seal-key-B-0d4e8b6a2c1f";
// hashlib.sha256(b'hourglass-seal\x00' + key).hexdigest() for the keys above.
const std::string kFingerprintA =
    "d57a5c017545d5d51384f8a7a2db9377b5891c97aac2f991f655db119527b6de";

class Seal : public Cli {
 protected:
  std::string suite() const {
    return write("sealed.yaml",
                 "suite: sealed\n"
                 "seed: 3\nseeds: 3\nbudgets: [50]\neval_samples: 200\n"
                 "tasks:\n"
                 "  - name: linear\n"
                 "    family: linear-regression\n"
                 "    params: {dim: 4, noise: 0.1}\n"
                 "    ood:\n"
                 "      wide-x: {x_scale: 3.0}\n"
                 "      hidden: {x_scale: 5.0}\n"
                 "    sealed: [hidden]\n"
                 "agents:\n"
                 "  - {name: constant, learner: constant}\n"
                 "  - {name: ridge, learner: ridge}\n");
  }
  std::string key_file(const std::string& name, const std::string& key) const {
    return write(name, key + "\n");
  }
  hg::testing::Outcome run(const std::string& out, const std::string& extra = "",
                           const std::string& env = "") const {
    return hourglass("run '" + suite() + "' --quiet --threads 1 --jobs 1 --out '" + dir_ + "/" +
                         out + "' " + extra,
                     env);
  }
  json results(const std::string& out) const {
    return read_json(dir_ + "/" + out + "/results.json");
  }
};

bool has_split(const json& results, const std::string& split) {
  for (const auto& t : results["trials"])
    if (t["splits"].contains(split)) return true;
  return false;
}

// The public splits' scores of every trial (the sealed one left out).
std::map<std::string, json> public_scores(const json& results) {
  auto scores = trial_scores(results);
  for (auto& [key, s] : scores) s["splits"].erase("ood/hidden");
  return scores;
}

TEST_F(Seal, WithoutAKeyTheSealedSplitIsSkippedAndTheRunAndReportSaySo) {
  const auto o = run("nokey");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(contains(o.err, "no seal key (--seal-key-file or HOURGLASS_SEAL_KEY_FILE): "
                              "skipping 1 sealed split(s): linear ood/hidden"))
      << o.err;
  EXPECT_TRUE(contains(o.out, "sealed splits linear ood/hidden: skipped, the run had no seal key"))
      << o.out;
  const json r = results("nokey");
  EXPECT_FALSE(has_split(r, "ood/hidden"));
  EXPECT_TRUE(has_split(r, "ood/wide-x"));
  EXPECT_TRUE(r["environment"]["seal"]["fingerprint"].is_null());
  EXPECT_EQ(r["suite"]["config"]["tasks"][0]["sealed"], json::array({"ood/hidden"}));
  EXPECT_EQ(r["trials"].size(), 6u);
}

TEST_F(Seal, WithTheKeyTheSealedSplitIsScoredAndThePublicSplitsAreUnchanged) {
  const std::string a = key_file("a.key", kKeyA);
  const auto with = run("keyed", "--seal-key-file '" + a + "'");
  ASSERT_EQ(with.code, 0) << with.err;
  EXPECT_FALSE(contains(with.err, "skipping")) << with.err;
  const json keyed = results("keyed");
  for (const auto& t : keyed["trials"]) {
    ASSERT_TRUE(t["splits"].contains("ood/hidden")) << t.dump();
    EXPECT_TRUE(t["splits"]["ood/hidden"]["raw"].is_number());
  }
  EXPECT_EQ(keyed["environment"]["seal"]["fingerprint"], kFingerprintA);
  // The compact report (test / worst OOD) names the sealed split and the key's fingerprint.
  EXPECT_TRUE(contains(with.out, "sealed splits: linear ood/hidden (columns marked \"(sealed)\"); "
                                 "drawn from the seal key with fingerprint " + kFingerprintA))
      << with.out;

  // The key changes nothing public: the same scores as a run without it.
  ASSERT_EQ(run("nokey").code, 0);
  EXPECT_EQ(public_scores(keyed), public_scores(results("nokey")));

  // The environment variable gives the same key; another key other sealed draws.
  ASSERT_EQ(run("env", "", "HOURGLASS_SEAL_KEY_FILE='" + a + "'").code, 0);
  EXPECT_EQ(trial_scores(results("env")), trial_scores(keyed));
  const auto b = run("other", "--seal-key-file '" + key_file("b.key", kKeyB) + "'");
  ASSERT_EQ(b.code, 0) << b.err;
  const json other = results("other");
  EXPECT_EQ(public_scores(other), public_scores(keyed));
  EXPECT_NE(trial_scores(other), trial_scores(keyed));
  EXPECT_NE(other["environment"]["seal"]["fingerprint"], kFingerprintA);
}

// Must-show 3: the key's bytes appear in no file of the run's folder, nor in
// what the run printed, even after a resume and a report of every format.
TEST_F(Seal, TheKeyIsWrittenNowhere) {
  const std::string a = key_file("a.key", kKeyA);
  const auto first = run("keyed", "--seal-key-file '" + a + "' --format json");
  ASSERT_EQ(first.code, 0) << first.err;
  const auto resumed = run("keyed", "--seal-key-file '" + a + "' --resume");
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  std::string printed = first.out + first.err + resumed.out + resumed.err;
  const std::string results_path = dir_ + "/keyed/results.json";
  for (const char* format : {"table", "md", "csv", "latex", "json", "html"}) {
    const auto o = hourglass("report '" + results_path + "' --format " + format + " -o '" + dir_ +
                             "/keyed/report." + format + "'");
    ASSERT_EQ(o.code, 0) << format << ": " << o.err;
    printed += o.out + o.err;
  }
  EXPECT_EQ(printed.find(kKeyA), std::string::npos);
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_ + "/keyed")) {
    if (!e.is_regular_file()) continue;
    ++files;
    EXPECT_EQ(read_file(e.path().string()).find(kKeyA), std::string::npos) << e.path();
  }
  EXPECT_GE(files, 8u);  // results, journal and the six reports at least
  // The journal records the fingerprint, which is what --resume checks.
  EXPECT_TRUE(contains(read_file(dir_ + "/keyed/journal.jsonl"), kFingerprintA));
}

TEST_F(Seal, EveryReportFormatMarksTheSealedScores) {
  ASSERT_EQ(run("keyed", "--seal-key-file '" + key_file("a.key", kKeyA) + "'").code, 0);
  const std::string path = dir_ + "/keyed/results.json";
  auto report = [&](const std::string& format) {
    const auto o = hourglass("report '" + path + "' --format " + format);
    EXPECT_EQ(o.code, 0) << o.err;
    return o.out;
  };
  for (const char* format : {"table", "md", "html"})
    EXPECT_TRUE(contains(report(format), "ood/hidden (sealed)")) << format;
  EXPECT_TRUE(contains(report("latex"), "ood/hidden (sealed)"));
  EXPECT_TRUE(contains(report("csv"), "sealed,linear,,,,ood/hidden,,scored,sealed,"));
  const json doc = json::parse(report("json"));
  EXPECT_EQ(doc["sealed"]["fingerprint"], kFingerprintA);
  size_t marked = 0;
  for (const auto& p : doc["populations"]) {
    EXPECT_EQ(p.value("sealed", false), p["split"] == "ood/hidden") << p.dump();
    marked += p.value("sealed", false);
  }
  EXPECT_EQ(marked, 2u);  // constant and ridge at budget 50
}

TEST_F(Seal, CompareRefusesResultsOfDifferentKeys) {
  ASSERT_EQ(run("a", "--seal-key-file '" + key_file("a.key", kKeyA) + "'").code, 0);
  ASSERT_EQ(run("a2", "--seal-key-file '" + key_file("a2.key", kKeyA) + "'").code, 0);
  ASSERT_EQ(run("b", "--seal-key-file '" + key_file("b.key", kKeyB) + "'").code, 0);
  ASSERT_EQ(run("none").code, 0);
  const std::string a = dir_ + "/a/results.json", a2 = dir_ + "/a2/results.json",
                    b = dir_ + "/b/results.json", none = dir_ + "/none/results.json";
  const std::string fb = results("b")["environment"]["seal"]["fingerprint"];

  const auto refused = hourglass("compare '" + a + "' '" + b + "'");
  EXPECT_EQ(refused.code, 2) << refused.out << refused.err;
  EXPECT_TRUE(contains(refused.err, "the sealed splits were drawn with different seal keys: "
                                    "baseline fingerprint " + kFingerprintA +
                                    ", current fingerprint " + fb))
      << refused.err;
  EXPECT_EQ(refused.err.find(kKeyA), std::string::npos);
  EXPECT_EQ(refused.err.find(kKeyB), std::string::npos);
  EXPECT_TRUE(refused.out.empty());

  // The same key: every split compared, the sealed one too.
  const auto same = hourglass("compare '" + a + "' '" + a2 + "' --format json");
  EXPECT_EQ(same.code, 0) << same.err;
  size_t sealed_rows = 0;
  const json same_doc = json::parse(same.out);
  for (const auto& row : same_doc["rows"]) sealed_rows += row["split"] == "ood/hidden";
  EXPECT_EQ(sealed_rows, 2u);

  // A contributor without the key against the CI's keyed baseline: the
  // public splits are compared, the sealed ones left out, and it says so.
  const auto partial = hourglass("compare '" + a + "' '" + none + "' --format json");
  EXPECT_EQ(partial.code, 0) << partial.err;
  EXPECT_TRUE(contains(partial.err, "note: sealed split(s) not compared (linear ood/hidden): the "
                                    "current run had no seal key"))
      << partial.err;
  const json doc = json::parse(partial.out);
  EXPECT_EQ(doc["counts"]["missing"], 0);
  for (const auto& row : doc["rows"]) EXPECT_NE(row["split"], "ood/hidden");
  EXPECT_EQ(doc["rows"].size(), 6u);  // train, test, ood/wide-x x 2 agents

  // Nor does a report pool scores of two keys.
  const auto mixed = hourglass("report '" + a + "' '" + b + "'");
  EXPECT_EQ(mixed.code, 2);
  EXPECT_TRUE(contains(mixed.err, "drawn with seal key fingerprint")) << mixed.err;
}

TEST_F(Seal, ResumeRefusesAnotherKeyOrNone) {
  const std::string a = key_file("a.key", kKeyA);
  ASSERT_EQ(run("keyed", "--seal-key-file '" + a + "'").code, 0);
  const auto other =
      run("keyed", "--resume --seal-key-file '" + key_file("b.key", kKeyB) + "'");
  EXPECT_EQ(other.code, 2) << other.err;
  EXPECT_TRUE(contains(other.err, "journal.jsonl: this journal was written with seal key "
                                  "fingerprint " + kFingerprintA + ", and this run has seal key "
                                  "fingerprint "))
      << other.err;
  EXPECT_EQ(other.err.find(kKeyB), std::string::npos);
  const auto none = run("keyed", "--resume");
  EXPECT_EQ(none.code, 2) << none.err;
  EXPECT_TRUE(contains(none.err, "and this run has no seal key (sealed splits skipped)"))
      << none.err;
  // The results of the first run are untouched.
  EXPECT_EQ(results("keyed")["environment"]["seal"]["fingerprint"], kFingerprintA);
}

TEST_F(Seal, BadKeyFilesAreRefusedBeforeAnythingIsWritten) {
  const std::string secret = "THE-SECRET-CONTENT-";
  std::string big;
  while (big.size() <= 4096) big += secret;
  const std::string large = write("large.key", big);
  const std::string empty = write("empty.key", "");
  const std::string missing = dir_ + "/missing.key";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {missing, "seal key file " + missing + ": cannot open: No such file or directory"},
      {dir_, "seal key file " + dir_ + ": is a directory, not a file holding the key"},
      {empty, "seal key file " + empty + ": empty (no key in it)"},
      {large, "seal key file " + large + ": larger than 4096 bytes"}};
  for (const auto& [path, message] : cases) {
    const auto flag = run("out", "--seal-key-file '" + path + "'");
    EXPECT_EQ(flag.code, 2) << path;
    EXPECT_TRUE(contains(flag.err, message)) << flag.err;
    EXPECT_EQ(flag.err.find(secret), std::string::npos) << flag.err;
    const auto env = run("out", "", "HOURGLASS_SEAL_KEY_FILE='" + path + "'");
    EXPECT_EQ(env.code, 2) << path;
    EXPECT_TRUE(contains(env.err, message)) << env.err;
    EXPECT_FALSE(fs::exists(dir_ + "/out")) << path;
  }
}

TEST_F(Seal, RunHelpDocumentsTheKeyFile) {
  const auto o = hourglass("run --help");
  EXPECT_EQ(o.code, 0);
  EXPECT_TRUE(contains(o.out, "--seal-key-file")) << o.out;
  EXPECT_TRUE(contains(o.out, "HOURGLASS_SEAL_KEY_FILE")) << o.out;
}

}  // namespace
