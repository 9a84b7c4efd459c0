#include "hourglass/results/results.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>

#include "../test_util.h"
#include "hourglass/core/error.h"
#include "hourglass/results/summary.h"

namespace hg {
namespace {

TrialRecord trial(const std::string& agent, int64_t budget, int64_t index, double test) {
  TrialRecord t;
  t.task = "task";
  t.agent = agent;
  t.budget = budget;
  t.seed_index = index;
  t.seed = 18446744073709551615ull;  // uint64 max survives the round trip
  t.samples_used = budget;
  t.updates = 10;
  t.train_seconds = 0.25;
  t.splits = {{"train", -0.1, 0.9}, {"test", -0.2, test}, {"ood/far", -3.0, -0.5}};
  return t;
}

TEST(TrialJson, RoundTripsEveryField) {
  TrialRecord t = trial("a", 100, 2, 0.8);
  t.status = TrialStatus::kDiverged;
  t.message = "loss not finite at update 300";
  t.diverged_at = 300;
  t.splits[2].normalized = std::nan("");
  const TrialRecord back = trial_from_json(to_json(t), "x");
  EXPECT_EQ(back.seed, t.seed);
  EXPECT_EQ(back.status, TrialStatus::kDiverged);
  EXPECT_EQ(back.diverged_at, 300);
  EXPECT_EQ(back.message, t.message);
  ASSERT_EQ(back.splits.size(), 3u);
  EXPECT_EQ(back.splits[0].split, "train");
  EXPECT_EQ(back.splits[1].split, "test");
  EXPECT_TRUE(std::isnan(back.splits[2].normalized));  // written as null
  EXPECT_TRUE(to_json(t)["splits"]["ood/far"]["normalized"].is_null());
}

TEST(TrialJson, NamesTheBadField) {
  auto j = to_json(trial("a", 100, 0, 0.5));
  j["budget"] = "many";
  try {
    trial_from_json(j, "r.json: trials[4]");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "r.json: trials[4].budget: expected an integer");
  }
  j = to_json(trial("a", 100, 0, 0.5));
  j["status"] = "great";
  EXPECT_THROW(trial_from_json(j, "x"), InputError);
}

TEST(ResultsFile, WritesAtomicallyAndReadsBack) {
  testing::TempDir dir;
  Results r;
  r.suite = {{"name", "s"}, {"sha256", "abc"}};
  r.environment = {{"device", "cpu"}};
  r.trials = {trial("a", 100, 0, 0.5), trial("a", 100, 1, 0.7)};
  const std::string path = dir.path() + "/results.json";
  write_file_atomic(path, to_json(r).dump(2));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  const Results back = read_results(path);
  EXPECT_EQ(back.trials.size(), 2u);
  EXPECT_EQ(back.suite["sha256"], "abc");
  const auto doc = nlohmann::json::parse(std::ifstream(path));
  EXPECT_EQ(doc["schema"], kResultsSchema);
  EXPECT_EQ(doc["summary"].size(), 3u);  // one row per split of the one population
}

TEST(ResultsFile, RejectsWhatIsNotAResultsFile) {
  testing::TempDir dir;
  EXPECT_THROW(read_results(dir.path() + "/missing.json"), InputError);
  EXPECT_THROW(read_results(dir.file("bad.json", "{\"schema\": ")), InputError);
  EXPECT_THROW(read_results(dir.file("other.json", "{\"schema\": \"x\"}")), InputError);
  EXPECT_THROW(read_results(dir.file("list.json", "[1, 2]")), InputError);
}

TEST(WriteFileAtomic, FailsClearlyInAMissingDirectory) {
  EXPECT_THROW(write_file_atomic("/nonexistent-dir/x/results.json", "{}"), InputError);
}

TEST(Journal, AppendsAndReadsBackIgnoringATornLastLine) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/journal.jsonl";
  {
    Journal j(path, "sha", /*append=*/false);
    j.append("task/a/100", {trial("a", 100, 0, 0.5)});
    j.append("task/a/1000", {trial("a", 1000, 0, 0.9)});
  }
  std::ofstream(path, std::ios::app) << "{\"population\": \"task/a/10";  // a kill mid-write
  const auto entries = Journal::read(path, "sha");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].population_key, "task/a/1000");
  EXPECT_EQ(entries[1].trials[0].budget, 1000);
  EXPECT_THROW(Journal::read(path, "other-sha"), InputError);
}

// A suite with sealed splits: the header records the seal key's fingerprint
// (or "none"), and reading it back under another one is refused.
TEST(Journal, RefusesAnotherSealKey) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/journal.jsonl";
  const std::string fa(64, 'a'), fb(64, 'b');
  { Journal j(path, "sha", /*append=*/false, fa); }
  EXPECT_TRUE(Journal::read(path, "sha", fa).empty());
  auto refusal = [&](const std::string& seal) {
    try {
      Journal::read(path, "sha", seal);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(refusal(fb), path + ": this journal was written with seal key fingerprint " + fa +
                             ", and this run has seal key fingerprint " + fb +
                             "; resume with the same seal key (--seal-key-file), or start a "
                             "fresh run");
  EXPECT_NE(refusal("none").find("and this run has no seal key (sealed splits skipped)"),
            std::string::npos);
  EXPECT_NE(refusal("").find("and this run has no sealed splits"), std::string::npos);
  // A journal without sealed splits refuses a run that has some.
  const std::string plain = dir.path() + "/plain.jsonl";
  { Journal j(plain, "sha", /*append=*/false); }
  EXPECT_TRUE(Journal::read(plain, "sha").empty());
  EXPECT_THROW(Journal::read(plain, "sha", "none"), InputError);
}

TEST(Journal, ResumingCutsOffATornLineBeforeAppending) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/journal.jsonl";
  {
    Journal j(path, "sha", /*append=*/false);
    j.append("task/a/100", {trial("a", 100, 0, 0.5)});
  }
  std::ofstream(path, std::ios::app) << "{\"population\": \"task/a/10";  // a kill mid-write
  {
    Journal resumed(path, "sha", /*append=*/true);  // no second header
    resumed.append("task/a/1000", {trial("a", 1000, 0, 0.9)});
  }
  // Interrupted again, and resumed again: every line still reads.
  const auto entries = Journal::read(path, "sha");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].population_key, "task/a/100");
  EXPECT_EQ(entries[1].population_key, "task/a/1000");
}

TEST(Journal, RefusesACorruptLineInTheMiddleAndReadsAnEmptyOne) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/journal.jsonl";
  {
    Journal j(path, "sha", /*append=*/false);
    j.append("task/a/100", {trial("a", 100, 0, 0.5)});
  }
  std::ofstream(path, std::ios::app) << "garbage\n{\"population\": \"x\", \"trials\": []}\n";
  try {
    Journal::read(path, "sha");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), path + ":3: corrupt journal line");
  }
  // A header torn by a kill: nothing finished yet.
  const std::string torn = dir.file("torn.jsonl", "{\"schema\": \"hourglass.jou");
  EXPECT_TRUE(Journal::read(torn, "sha").empty());
  EXPECT_THROW(Journal::read(dir.file("other.jsonl", "{\"schema\": \"x\"}\n"), "sha"),
               InputError);
}

std::string read_error(const std::string& path) {
  try {
    read_results(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ResultsFile, LocatesJsonSyntaxErrorsAndNamesBadFields) {
  testing::TempDir dir;
  const std::string syntax = dir.file("syntax.json", "{\n  \"schema\": \"hourglass.results/1\",\n  \"suite\": {,\n}\n");
  EXPECT_EQ(read_error(syntax).rfind(syntax + ":3:13: error: not valid JSON: ", 0), 0u)
      << read_error(syntax);
  EXPECT_NE(read_error(dir.file("empty.json", "")).find("empty file"), std::string::npos);
  std::string deep = "{\"schema\": \"hourglass.results/1\", \"suite\": ";
  for (int i = 0; i < 100000; ++i) deep += "[";
  EXPECT_NE(read_error(dir.file("deep.json", deep)).find("nested deeper than 64"),
            std::string::npos);

  Results r;
  r.suite = {{"name", "s"}, {"sha256", "abc"}};
  r.environment = {{"device", "cpu"}};
  r.trials = {trial("a", 100, 0, 0.5), trial("a", 100, 0, 0.7)};
  const std::string dup = dir.file("dup.json", to_json(r).dump());
  EXPECT_NE(read_error(dup).find("trials[1]: the same trial"), std::string::npos)
      << read_error(dup);
  r.trials = {trial("a", 0, 0, 0.5)};
  EXPECT_NE(read_error(dir.file("b0.json", to_json(r).dump())).find("trials[0].budget: must be >= 1"),
            std::string::npos);
  r.trials = {trial("a", 10, 0, 0.5)};
  r.trials[0].splits[0].split = "valid";
  EXPECT_NE(read_error(dir.file("split.json", to_json(r).dump()))
                .find("trials[0].splits.valid: a split is train, test, ood/<name> or validation"),
            std::string::npos);
  r.trials[0].splits[0].split = "train";
  r.suite = {{"name", "s"}};
  EXPECT_NE(read_error(dir.file("nosha.json", to_json(r).dump())).find("suite: missing field 'sha256'"),
            std::string::npos);
  EXPECT_NE(read_error(dir.path()).find("it is a directory"), std::string::npos);
}

TEST(ResultsFile, TheProtocolDecidesBudgetsAndSplitNames) {
  testing::TempDir dir;
  Results r;
  r.suite = {{"name", "s"}, {"sha256", "abc"}, {"config", {{"protocol", "transfer"}}}};
  r.environment = {{"device", "cpu"}};
  r.trials = {trial("a", 0, 0, 0.5)};
  r.trials[0].splits = {{"source", 0.1, 0.9}, {"zero-shot/shifted", 0.2, 0.4}};
  EXPECT_EQ(read_error(dir.file("transfer.json", to_json(r).dump())), "(no error)");
  r.trials[0].splits = {{"after/a/b", 0.1, 0.9}};  // a continual split in a transfer run
  EXPECT_NE(read_error(dir.file("mixed.json", to_json(r).dump()))
                .find("splits.after/a/b: a split is source, zero-shot/<target>"),
            std::string::npos);
  r.suite["config"]["protocol"] = "continual";
  EXPECT_NE(read_error(dir.file("c0.json", to_json(r).dump())).find("budget: must be >= 1, got 0"),
            std::string::npos);
  r.trials[0].budget = 100;
  EXPECT_EQ(read_error(dir.file("continual.json", to_json(r).dump())), "(no error)");
  r.suite["config"]["protocol"] = "sideways";
  // The registered protocols, by name (a test binary may register more).
  const std::string unknown = read_error(dir.file("p.json", to_json(r).dump()));
  EXPECT_NE(unknown.find("suite.config.protocol: expected continual, deployment, standard"),
            std::string::npos)
      << unknown;
  EXPECT_NE(unknown.find("transfer"), std::string::npos) << unknown;
  r.suite["config"].erase("protocol");  // standard: protocol splits are refused
  EXPECT_NE(read_error(dir.file("std.json", to_json(r).dump()))
                .find("a split is train, test, ood/<name> or validation"),
            std::string::npos);
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string results_text(const std::vector<TrialRecord>& trials) {
  Results r;
  r.suite = {{"name", "s"}, {"sha256", "abc"}};
  r.environment = {{"device", "cpu"}};
  r.trials = trials;
  return to_json(r).dump(2);
}

TEST(ResultsFile, NumbersBeyondADoubleAreLocatedInputErrors) {
  testing::TempDir dir;
  std::string text = results_text({trial("a", 100, 0, 0.5)});
  const size_t at = text.find("0.5");
  text.replace(at, 3, "1e999");
  const std::string path = dir.file("r.json", text);
  // The line and column of the number, as for a syntax error.
  size_t line = 1, column = 1;
  for (size_t i = 0; i < at; ++i) {
    column = text[i] == '\n' ? 1 : column + 1;
    line += text[i] == '\n';
  }
  const std::string why = message_of([&] { read_results(path); });
  EXPECT_NE(why.find(path + ":" + std::to_string(line) + ":"), std::string::npos) << why;
  EXPECT_NE(why.find("number overflow parsing '1e999'"), std::string::npos) << why;
  (void)column;
  // Finite but beyond 1e100: the statistics over it would overflow.
  // (written as text: the writer's own summary could not average them)
  std::string big = results_text({trial("a", 100, 0, 0.125), trial("a", 100, 1, 0.125)});
  for (size_t at_big; (at_big = big.find("0.125")) != std::string::npos;)
    big.replace(at_big, 5, "1e308");
  const std::string huge = dir.file("huge.json", big);
  EXPECT_NE(message_of([&] { read_results(huge); })
                .find("trials[0].splits.test.normalized: 1e+308 is outside [-1e100, 1e100]"),
            std::string::npos);
  EXPECT_NO_THROW(read_results(dir.file("ok.json", results_text({trial("a", 100, 0, -1e99)}))));
}

TEST(ResultsFile, ATrialWithoutASplitItsPopulationHasIsAnError) {
  testing::TempDir dir;
  TrialRecord lacking = trial("a", 100, 1, 0.5);
  lacking.splits.erase(lacking.splits.begin() + 1);  // no "test"
  const std::string path =
      dir.file("r.json", results_text({trial("a", 100, 0, 0.5), lacking, trial("b", 100, 0, 0.5)}));
  EXPECT_EQ(message_of([&] { read_results(path); }),
            path + ": trials[1]: no split 'test', which trials[0] of the same population (task "
                   "'task', agent 'a', budget 100) has");
  // The first trial lacking it is named too.
  const std::string first = dir.file("f.json", results_text({lacking, trial("a", 100, 0, 0.5)}));
  EXPECT_NE(message_of([&] { read_results(first); }).find("trials[0]: no split 'test'"),
            std::string::npos);
  // Other populations may have other splits.
  TrialRecord other = trial("b", 200, 0, 0.5);
  other.splits.pop_back();
  EXPECT_NO_THROW(
      read_results(dir.file("ok.json", results_text({trial("a", 100, 0, 0.5), other}))));
}

TEST(ResultsFile, FilesAboveTheSizeCapAreRefusedBeforeParsing) {
  testing::TempDir dir;
  const std::string path = dir.file("r.json", results_text({trial("a", 100, 0, 0.5)}));
  const auto size = std::filesystem::file_size(path);
  EXPECT_NO_THROW(read_results(path, size));
  EXPECT_EQ(message_of([&] { read_results(path, size - 1); }),
            path + ": larger than the limit of " + std::to_string(size - 1) +
                " bytes for a results file (raise it with --max-input-size)");
  EXPECT_EQ(parse_byte_size("1GiB", "--x"), uint64_t{1} << 30);
  EXPECT_EQ(parse_byte_size("500MB", "--x"), 500000000u);
  EXPECT_EQ(parse_byte_size("2048", "--x"), 2048u);
  EXPECT_EQ(parse_byte_size("3KiB", "--x"), 3072u);
  for (const char* bad : {"", "0", "1.5GiB", "GiB", "12XB", "-1", "99999999999999GiB"})
    EXPECT_THROW(parse_byte_size(bad, "--x"), InputError) << bad;
}

TEST(ResultsFile, NamesWithControlCharactersAreRefusedAndMessagesEscaped) {
  testing::TempDir dir;
  TrialRecord t = trial("\x1b[31mred", 100, 0, 0.5);
  const std::string path = dir.file("r.json", results_text({t}));
  const std::string why = message_of([&] { read_results(path); });
  EXPECT_NE(why.find("trials[0].agent: control characters in the name '\\x1b[31mred'"),
            std::string::npos)
      << why;
  t = trial(std::string("a\0b", 3), 100, 0, 0.5);
  const std::string nul = message_of([&] { read_results(dir.file("n.json", results_text({t}))); });
  EXPECT_NE(nul.find("'a\\x00b'"), std::string::npos) << nul;
  t = trial("a", 100, 0, 0.5);
  t.status = TrialStatus::kFailed;
  t.message = "boom\x1b[2J";
  const Results back = read_results(dir.file("m.json", results_text({t})));
  EXPECT_EQ(back.trials.at(0).message, "boom\\x1b[2J");
}

TEST(Summarize, MeansAndIntervalsPerPopulationAndSplit) {
  std::vector<TrialRecord> trials = {trial("a", 100, 0, 0.4), trial("a", 100, 1, 0.6),
                                     trial("a", 100, 2, 0.8), trial("b", 100, 0, 1.0)};
  trials[3].status = TrialStatus::kFailed;
  const auto rows = summarize(trials, 200);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[1].agent, "a");
  EXPECT_EQ(rows[1].split, "test");
  EXPECT_NEAR(rows[1].mean, 0.6, 1e-12);  // (0.4 + 0.6 + 0.8) / 3
  EXPECT_GE(rows[1].lo, 0.4 - 1e-12);
  EXPECT_LE(rows[1].hi, 0.8 + 1e-12);
  EXPECT_LE(rows[1].lo, rows[1].mean);
  EXPECT_EQ(rows[1].trials, 3);
  EXPECT_EQ(rows[4].agent, "b");
  EXPECT_EQ(rows[4].ok, 0);  // the failed trial is not averaged
  EXPECT_TRUE(std::isnan(rows[4].mean));
  // Deterministic: the bootstrap is seeded by the row's name.
  EXPECT_EQ(summarize(trials, 200)[1].lo, rows[1].lo);
}

}  // namespace
}  // namespace hg
