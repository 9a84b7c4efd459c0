// CLI behaviour, tested by running the real `hourglass` binary.
#include "cli_fixture.h"

#include <sys/wait.h>

#include <cstdlib>
#include <map>
#include <sstream>

namespace {

using hg::testing::Cli;
using hg::testing::contains;
namespace fs = std::filesystem;

TEST_F(Cli, HelpExplainsEverySubcommand) {
  const auto o = hourglass("--help");
  EXPECT_EQ(o.code, 0);
  for (const char* sub : {"run", "validate", "list", "report", "compare"})
    EXPECT_TRUE(contains(o.out, sub)) << sub;
  const auto r = hourglass("run --help");
  EXPECT_EQ(r.code, 0);
  for (const char* opt : {"--out", "--device", "--threads", "--jobs", "--tasks", "--agents",
                          "--budgets", "--seeds", "--format", "--resume"})
    EXPECT_TRUE(contains(r.out, opt)) << opt;
}

TEST_F(Cli, BadUsageExitsTwo) {
  EXPECT_EQ(hourglass("").code, 2);
  EXPECT_EQ(hourglass("frobnicate").code, 2);
  EXPECT_EQ(hourglass("run").code, 2);
  EXPECT_EQ(hourglass("list nothing").code, 2);
}

TEST_F(Cli, SmokeSuiteRunsAndWritesEverySplitDeterministically) {
  const auto a = hourglass("run suites/smoke.yaml --quiet --report full --out '" + dir_ + "/a'");
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_TRUE(contains(a.out, "ood/wide-x"));
  EXPECT_TRUE(contains(a.out, "normalized score, mean [95% CI] over 3 seeds"));
  const auto b = hourglass("run suites/smoke.yaml --quiet --jobs 2 --threads 1 --out '" + dir_ + "/b'");
  ASSERT_EQ(b.code, 0) << b.err;

  const auto ra = nlohmann::json::parse(read(dir_ + "/a/results.json"));
  const auto rb = nlohmann::json::parse(read(dir_ + "/b/results.json"));
  EXPECT_EQ(ra["schema"], "hourglass.results/1");
  ASSERT_EQ(ra["trials"].size(), 2u * 4u * 2u * 3u);  // tasks x agents x budgets x seeds
  for (const auto& t : ra["trials"]) {
    EXPECT_EQ(t["status"], "ok") << t.dump();
    EXPECT_EQ(t["samples_used"], t["budget"]);
    for (const char* split : {"train", "test"}) {
      EXPECT_TRUE(t["splits"][split]["raw"].is_number());
      EXPECT_TRUE(t["splits"][split]["normalized"].is_number());
    }
    EXPECT_TRUE(t["splits"].contains(t["task"] == "linear" ? "ood/wide-x" : "ood/far-x"));
  }
  // A second run, with other jobs and threads, gives identical trial scores.
  ASSERT_EQ(ra["trials"].size(), rb["trials"].size());
  for (size_t i = 0; i < ra["trials"].size(); ++i)
    EXPECT_EQ(ra["trials"][i]["splits"], rb["trials"][i]["splits"]) << i;
  EXPECT_EQ(ra["suite"]["sha256"], rb["suite"]["sha256"]);
  EXPECT_FALSE(ra["environment"]["libtorch"].get<std::string>().empty());
}

TEST_F(Cli, RunRefusesToReplaceResultsAndChecksTheOutputFirst) {
  const std::string out = dir_ + "/r";
  const std::string args = "run suites/smoke.yaml --quiet --tasks linear --agents constant "
                           "--budgets 10 --seeds 2 --out '" + out + "'";
  ASSERT_EQ(hourglass(args).code, 0);
  const auto again = hourglass(args);
  EXPECT_EQ(again.code, 2);
  EXPECT_TRUE(contains(again.err, "--overwrite")) << again.err;
  EXPECT_EQ(hourglass(args + " --overwrite").code, 0);

  write("file", "x");
  const auto blocked = hourglass("run suites/smoke.yaml --quiet --out '" + dir_ + "/file/sub'");
  EXPECT_EQ(blocked.code, 2);
  EXPECT_TRUE(contains(blocked.err, "cannot create directory")) << blocked.err;
}

TEST_F(Cli, RunFormatsAndOverrides) {
  const std::string base = "run suites/smoke.yaml --quiet --tasks sine --agents 'ridge.*' "
                           "--budgets 20,40 --seeds 2 --overwrite --out '" + dir_ + "/f'";
  const auto csv = hourglass(base + " --format csv");
  ASSERT_EQ(csv.code, 0) << csv.err;
  EXPECT_TRUE(contains(csv.out, "section,task,agent,other_agent,budget,split,seed_index,status,"
                                "statistic,value,bound,ci_low,ci_high,n,raw,threshold\n"));
  EXPECT_TRUE(contains(csv.out, "population,sine,ridge-rff,,40,ood/far-x,,,mean,"));
  EXPECT_FALSE(contains(csv.out, "constant"));
  const auto md = hourglass(base + " --format md --report full");
  ASSERT_EQ(md.code, 0);
  EXPECT_TRUE(contains(md.out, "| agent | budget | train | test | ood/far-x |"));
  const auto json = hourglass(base + " --format json");
  ASSERT_EQ(json.code, 0);
  EXPECT_EQ(nlohmann::json::parse(json.out)["populations"].size(), 2u * 2u * 3u);
  EXPECT_EQ(hourglass(base + " --format xml").code, 2);
  EXPECT_EQ(hourglass(base + " --budgets 0").code, 2);
  EXPECT_EQ(hourglass(base + " --tasks nomatch").code, 2);
}

TEST_F(Cli, RunEndsWithTheFullReportOnRequest) {
  const auto o = hourglass("run suites/smoke.yaml --quiet --tasks linear --agents 'ridge|mlp' "
                           "--budgets 20,80 --seeds 2 --report full --out '" + dir_ + "/r'");
  ASSERT_EQ(o.code, 0) << o.err;
  for (const char* s : {"Hourglass report: smoke", "== Scores per task ==",
                        "== Aggregate over tasks ==", "== Sample efficiency ==",
                        "== Generalization ==", "practice multiplier against ridge"})
    EXPECT_TRUE(contains(o.out, s)) << s;
  // hourglass report on the file prints the same tables (but for the file name).
  const auto r = hourglass("report '" + dir_ + "/r/results.json'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, o.out);
  EXPECT_EQ(hourglass("run suites/smoke.yaml --quiet --report short --out '" + dir_ + "/x'").code,
            2);
  EXPECT_FALSE(fs::exists(dir_ + "/x/results.json"));
}

// `hourglass` is a front end without LibTorch (apps/hourglass/main.cpp):
// report, merge and compare never load it; every other command runs
// hourglass-torch beside it, which does. LD_DEBUG=libs makes the dynamic
// loader name every library it initializes.
TEST_F(Cli, ReportMergeAndCompareLoadNoLibTorch) {
  const std::string run = dir_ + "/r";
  ASSERT_EQ(hourglass("run suites/smoke.yaml --quiet --tasks linear --agents 'constant|ridge' "
                      "--budgets 20 --seeds 2 --out '" + run + "'")
                .code,
            0);
  const std::string results = run + "/results.json";
  auto libraries = [&](const std::string& args) {
    const std::string log = dir_ + "/ld.txt";
    const std::string cmd = "cd '" HOURGLASS_SOURCE_DIR "' && LD_DEBUG=libs '" HOURGLASS_BINARY
                            "' " + args + " >/dev/null 2>'" + log + "'";
    const int status = std::system(cmd.c_str());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << args;
    return Cli::read(log);
  };
  for (const std::string& args :
       {"report '" + results + "'", "merge '" + results + "' -o '" + dir_ + "/m.json'",
        "compare '" + results + "' '" + results + "'"})
    EXPECT_FALSE(contains(libraries(args), "libtorch")) << args;
  // The check can fail: validate runs hourglass-torch, which loads LibTorch.
  EXPECT_TRUE(contains(libraries("validate suites/smoke.yaml"), "libtorch_cpu"));
}

// Without hourglass-torch beside it, the front end still reports, and says
// what is missing for the rest (exit 3: the installation is broken).
TEST_F(Cli, FrontEndWithoutHourglassTorchNamesIt) {
  const std::string alone = dir_ + "/alone";
  fs::create_directories(alone);
  fs::copy_file(HOURGLASS_BINARY, alone + "/hourglass");
  const std::string front = alone + "/hourglass";
  const std::string cmd = "'" + front + "' validate '" HOURGLASS_SOURCE_DIR
                          "/suites/smoke.yaml' >/dev/null 2>'" + dir_ + "/err.txt'";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
  EXPECT_TRUE(contains(Cli::read(dir_ + "/err.txt"), alone + "/hourglass-torch"));
  ASSERT_EQ(hourglass("run suites/smoke.yaml --quiet --tasks linear --agents constant "
                      "--budgets 20 --seeds 2 --out '" + dir_ + "/r'")
                .code,
            0);
  const std::string report =
      "'" + front + "' report '" + dir_ + "/r/results.json' >/dev/null 2>&1";
  const int reported = std::system(report.c_str());
  EXPECT_TRUE(WIFEXITED(reported) && WEXITSTATUS(reported) == 0);
}

// The quickstart as a newcomer runs it: the compact report (per task one row
// per agent, test / worst OOD at each budget, the aggregate IQM) within 60
// lines and 120 columns with the logs, which come first, all of them.
TEST_F(Cli, RunEndsWithACompactReportAfterTheLogs) {
  // stdout and stderr into one file, as on a terminal.
  const std::string both = dir_ + "/both.txt";
  const std::string cmd = "cd '" HOURGLASS_SOURCE_DIR "' && '" HOURGLASS_BINARY
                          "' run suites/quickstart.yaml --out '" + dir_ + "/q' </dev/null >'" +
                          both + "' 2>&1";
  const int status = std::system(cmd.c_str());
  const std::string text = Cli::read(both);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
  std::istringstream lines(text);
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) EXPECT_LE(line.size(), 120u) << line;
  EXPECT_LE(count, 60) << text;
  const size_t logs = text.find("[info] results: ");
  const size_t report = text.find("Hourglass report: quickstart");
  ASSERT_NE(logs, std::string::npos) << text;
  ASSERT_NE(report, std::string::npos) << text;
  EXPECT_LT(logs, report) << text;
  EXPECT_EQ(text.find("\n[", report), std::string::npos) << "a log line inside the report:\n" << text;
  for (const char* s : {"linear-shift  (test / worst OOD, mean over 5 seeds, by budget)",
                        "sine-extrapolate  (test / worst OOD", "all tasks (IQM)", "mlp-64"})
    EXPECT_TRUE(contains(text, s)) << s;
  for (const char* s : {"== Sample efficiency ==", "== Generalization ==", "[95% CI]"})
    EXPECT_FALSE(contains(text, s)) << s;
  // hourglass report --report compact re-renders the same tables from the file.
  const auto r = hourglass("report '" + dir_ + "/q/results.json' --report compact");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(text, r.out.substr(r.out.find("== Scores per task =="))));
  // And --format md gives the same compact tables as a GitHub job summary.
  const auto md = hourglass("report '" + dir_ + "/q/results.json' --report compact --format md");
  ASSERT_EQ(md.code, 0) << md.err;
  EXPECT_TRUE(contains(md.out, "### linear-shift")) << md.out;
  EXPECT_FALSE(contains(md.out, "## Sample efficiency")) << md.out;
}

// Threads that cannot hurt: one intra-op thread per job, jobs up to the
// cores; asking for more threads re-executes with a passive OpenMP wait,
// which the results file records.
TEST_F(Cli, DefaultThreadsAreOnePerJobAndMoreThreadsWaitPassively) {
  const std::string base = "run suites/smoke.yaml --quiet --tasks linear --agents ridge "
                           "--budgets 20 --seeds 2 --out '" + dir_;
  ::unsetenv("OMP_WAIT_POLICY");
  ASSERT_EQ(hourglass(base + "/d'").code, 0);
  const auto d = nlohmann::json::parse(Cli::read(dir_ + "/d/results.json"))["environment"];
  EXPECT_EQ(d["threads_per_job"], 1);
  EXPECT_EQ(d["jobs"], 1);  // one population: one job, whatever the cores
  EXPECT_EQ(d["omp_wait_policy"], "");
  EXPECT_EQ(d["command"].get<std::string>().find("--jobs"), std::string::npos);

  ASSERT_EQ(hourglass(base + "/t' --threads 2").code, 0);
  const auto t = nlohmann::json::parse(Cli::read(dir_ + "/t/results.json"))["environment"];
  EXPECT_EQ(t["threads_per_job"], 2);
  EXPECT_EQ(t["omp_wait_policy"], "PASSIVE");  // set before libgomp started
  const auto t2 = hourglass(base + "/t2' --threads 2 --overwrite");
  ASSERT_EQ(t2.code, 0) << t2.err;
  EXPECT_FALSE(contains(t2.err, "could not re-execute")) << t2.err;
}

const std::string kFixture = HOURGLASS_TEST_DATA_DIR "/results/small.json";

TEST_F(Cli, ReportPrintsEveryFormat) {
  for (const char* format : {"table", "md", "csv", "latex", "json", "html"}) {
    const auto o = hourglass("report '" + kFixture + "' --reps 200 --format " + format);
    EXPECT_EQ(o.code, 0) << format << ": " << o.err;
    EXPECT_FALSE(o.out.empty()) << format;
  }
  const auto bad = hourglass("report '" + kFixture + "' --format xml");
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(contains(bad.err, "expected table, md, csv, latex, json or html")) << bad.err;
}

// The practice multiplier's default reference is never a trivial learner:
// the fixture's first agent is `constant` (LearnerInfo::trivial), so the
// reference is the agent with the highest test AUC; a suite's `reference:`
// key (in the resolved config) wins over that. --bootstrap sets the replicates.
TEST_F(Cli, ReportDefaultReferenceAndBootstrapReplicates) {
  const auto o = hourglass("report '" + kFixture + "' --bootstrap 50 --format json");
  ASSERT_EQ(o.code, 0) << o.err;
  const auto doc = nlohmann::json::parse(o.out);
  EXPECT_EQ(doc["options"]["bootstrap_reps"], 50);
  EXPECT_EQ(doc["options"]["reference_source"], "highest AUC on test");
  EXPECT_NE(doc["options"]["reference"], "constant");
  // The agent with the highest mean test AUC over tasks, recomputed here.
  std::map<std::string, double> auc_sum;
  for (const auto& e : doc["sample_efficiency"])
    if (!e["task"].is_null() && e["split"] == "test")
      auc_sum[e["agent"].get<std::string>()] += e["auc"].get<double>();
  std::string best;
  for (const auto& [agent, sum] : auc_sum)
    if (agent != "constant" && (best.empty() || sum > auc_sum[best])) best = agent;
  EXPECT_EQ(doc["options"]["reference"], best);

  auto keyed = nlohmann::json::parse(read(kFixture));
  keyed["suite"]["config"]["reference"] = "ridge";
  const std::string path = dir_ + "/keyed.json";
  std::ofstream(path) << keyed.dump();
  const auto k = hourglass("report '" + path + "' --bootstrap 50 --format json");
  ASSERT_EQ(k.code, 0) << k.err;
  const auto kdoc = nlohmann::json::parse(k.out);
  EXPECT_EQ(kdoc["options"]["reference"], "ridge");
  EXPECT_EQ(kdoc["options"]["reference_source"], "suite key 'reference'");
  EXPECT_EQ(kdoc["options"]["bootstrap_reps"], 50);
  const auto table = hourglass("report '" + path + "' --reps 50");
  EXPECT_TRUE(contains(table.out, "ridge (suite key 'reference')")) << table.out;
}

TEST_F(Cli, ReportWritesTheOutputFileOnlyWhenItSucceeds) {
  const std::string out = dir_ + "/report.html";
  const auto o = hourglass("report '" + kFixture + "' --reps 100 --format html -o '" + out + "'");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(o.out.empty());
  EXPECT_TRUE(contains(read(out), "<svg"));
  const std::string never = dir_ + "/never.md";
  const auto bad = hourglass("report '" + kFixture + "' --reference nobody -o '" + never + "'");
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(contains(bad.err, "--reference: no agent 'nobody'")) << bad.err;
  EXPECT_FALSE(fs::exists(never));
  EXPECT_EQ(hourglass("report '" + dir_ + "/missing.json'").code, 2);
}

TEST_F(Cli, ReportPutsFilesSideBySideAndRefusesMixedSuitesAndDuplicates) {
  // The fixture split by agent into two files gives the same numbers as the fixture.
  auto doc = nlohmann::json::parse(read(kFixture));
  auto part = [&](bool mlp) {
    auto d = doc;
    d["trials"] = nlohmann::json::array();
    for (const auto& t : doc["trials"])
      if ((t["agent"] == "mlp") == mlp) d["trials"].push_back(t);
    return d;
  };
  const std::string a = write("a.json", part(false).dump());
  const std::string b = write("b.json", part(true).dump());
  const auto whole = hourglass("report '" + kFixture + "' --reps 300 --format csv");
  const auto split = hourglass("report '" + a + "' '" + b + "' --reps 300 --format csv");
  ASSERT_EQ(split.code, 0) << split.err;
  EXPECT_EQ(split.out, whole.out);

  auto other = part(true);
  other["suite"]["sha256"] = "0000";
  const std::string c = write("c.json", other.dump());
  const auto mixed = hourglass("report '" + a + "' '" + c + "'");
  EXPECT_EQ(mixed.code, 2);
  EXPECT_TRUE(contains(mixed.err, "--allow-mixed")) << mixed.err;
  EXPECT_EQ(hourglass("report '" + a + "' '" + c + "' --allow-mixed --reps 100").code, 0);

  const auto twice = hourglass("report '" + a + "' '" + a + "'");
  EXPECT_EQ(twice.code, 2);
  EXPECT_TRUE(contains(twice.err, "duplicate trial")) << twice.err;
}

TEST_F(Cli, ReportPrintsThePracticeMultiplierAgainstTheReference) {
  const auto o = hourglass("report '" + kFixture + "' --reference mlp --threshold 0.5");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(contains(o.out, "practice multiplier against mlp")) << o.out;
  EXPECT_TRUE(contains(o.out, "samples to 0.5")) << o.out;
  EXPECT_TRUE(contains(o.out, "mlp (reference)")) << o.out;
}

TEST_F(Cli, ValidateAcceptsShippedSuites) {
  const auto o = hourglass(
      "validate suites/quickstart.yaml suites/smoke.yaml suites/classification-shift.yaml "
      "suites/grokking.yaml suites/parity.yaml suites/cartpole-transfer.yaml "
      "suites/classification-sweep.yaml suites/value-function.yaml");
  EXPECT_EQ(o.code, 0) << o.err;
  for (const char* s : {"quickstart", "smoke", "classification-shift", "grokking", "parity",
                        "cartpole-transfer", "classification-sweep", "value-function"})
    EXPECT_TRUE(contains(o.out, std::string("suites/") + s + ".yaml: ok")) << s;
}

TEST_F(Cli, ValidateRejectsABudgetAboveAFiniteTable) {
  const std::string path = write("table.yaml", R"(suite: table
budgets: [100, 600]
tasks:
  - name: mod
    family: modular-arithmetic
    params: {p: 23}
agents: [{name: m, learner: mlp}]
)");
  const auto o = hourglass("validate '" + path + "'");
  EXPECT_EQ(o.code, 2);
  EXPECT_TRUE(contains(o.err, path + ":4:5: error: task 'mod': budget 600 exceeds the 529 distinct "
                                     "training examples of family 'modular-arithmetic'"))
      << o.err;
}

TEST_F(Cli, ValidateLocatesAMisspelledParameterAndWritesNothing) {
  const std::string path = write("typo.yaml", R"(suite: typo
budgets: [100]
tasks:
  - name: sine
    family: sinusoid
agents:
  - name: mlp-64
    learner: mlp
    params: {hiden: [64, 64], lr: 1.0e-3}
)");
  const auto before = listing();
  const auto o = hourglass("validate '" + path + "'");
  EXPECT_EQ(o.code, 2);
  EXPECT_TRUE(contains(o.err, path + ":9:14: error: agent 'mlp-64': unknown parameter 'hiden' "
                                     "(did you mean 'hidden'?)"))
      << o.err;
  const auto r = hourglass("run '" + path + "' --out '" + dir_ + "/never'");
  EXPECT_EQ(r.code, 2);
  EXPECT_FALSE(fs::exists(dir_ + "/never"));
  EXPECT_EQ(listing(), before);
}

TEST_F(Cli, ValidateLocatesAYamlSyntaxError) {
  const std::string path = write("syntax.yaml", "suite: s\nbudgets: [100, 200\ntasks: []\n");
  const auto o = hourglass("validate '" + path + "'");
  EXPECT_EQ(o.code, 2);
  EXPECT_TRUE(contains(o.err, path + ":")) << o.err;
  EXPECT_TRUE(contains(o.err, "error: YAML syntax")) << o.err;
}

TEST_F(Cli, ValidateReportsEveryErrorOfAFile) {
  const std::string path = write("many.yaml", R"(suite: many
budgets: [100, -5]
tasks:
  - name: t
    family: sinusiod
agents:
  - name: a
    learner: ridge
    params: {lamda: 1.0}
)");
  const auto o = hourglass("validate '" + path + "'");
  EXPECT_EQ(o.code, 2);
  EXPECT_TRUE(contains(o.err, "did you mean 'sinusoid'?")) << o.err;
  EXPECT_TRUE(contains(o.err, "did you mean 'lambda'?")) << o.err;
  EXPECT_TRUE(contains(o.err, path + ":2:")) << o.err;
}

TEST_F(Cli, ListShowsEveryParameterWithDefaultAndDoc) {
  const auto f = hourglass("list families");
  EXPECT_EQ(f.code, 0);
  for (const char* s : {"linear-regression", "sinusoid", "x_scale", "amplitude", "[0.1, 5]",
                        "standard deviation of the label noise", "gaussian-blobs  [classification]",
                        "modular-arithmetic  [classification]", "sparse-parity  [classification]",
                        "held_out_operands", "rotation", "suggested ood splits",
                        "held-out-operands: {operands: held-out}"})
    EXPECT_TRUE(contains(f.out, s)) << s;
  const auto l = hourglass("list learners");
  EXPECT_EQ(l.code, 0);
  for (const char* s : {"constant", "ridge", "mlp", "hidden", "[64, 64]", "max_updates",
                        "random-fourier", "learning rate", "knn  [regression, classification]",
                        "logistic  [classification]", "embedding", "distance"})
    EXPECT_TRUE(contains(l.out, s)) << s;
  const auto s = hourglass("list suites");
  EXPECT_EQ(s.code, 0);
  EXPECT_TRUE(contains(s.out, "quickstart")) << s.out;
  EXPECT_TRUE(contains(s.out, "smoke"));
}

}  // namespace
