// Hostile and unlucky input against the real binary (issue 18): nothing is
// written outside what the user named (links planted in --out, -o to devices),
// one run per output folder, includes confined to the suite's folder, one
// signal stops a run within seconds, and limits that hold (threads, jobs,
// seeds, budgets, estimated cost, results-file size).
#include <sys/stat.h>

#include "cli_util.h"

namespace {

using namespace hg::cli_testing;
using nlohmann::json;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Two populations of three seeds: `quick` (ridge, well under a second) and
// `long` (an mlp of 2 x 512 units for a million updates: days, estimated
// and in fact, so its runs raise --max-population-seconds).
std::string quick_then_long_suite() {
  return R"(suite: quick-then-long
seed: 5
seeds: 3
budgets: [256]
eval_samples: 100
tasks:
  - name: line
    family: linear-regression
    params: {dim: 8}
agents:
  - name: quick
    learner: ridge
  - name: long
    learner: mlp
    params: {hidden: [512, 512], max_updates: 1000000, batch_size: 256}
)";
}

// A suite of one cheap population.
std::string tiny_suite() {
  return R"(suite: tiny
seed: 1
seeds: 2
budgets: [32]
eval_samples: 50
tasks:
  - name: line
    family: linear-regression
    params: {dim: 2}
agents:
  - name: ridge
    learner: ridge
)";
}

bool wait_until(const std::function<bool()>& ready, BackgroundRun& run, double seconds = 120) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    if (!run.running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST_F(Cli, LinksPlantedInTheOutputFolderAreNeverWrittenThrough) {
  const std::string suite = write("tiny.yaml", tiny_suite());
  const std::string victim = write("victim", "precious");
  // The temporary of results.json, and the old write probe: the run goes on
  // (fresh O_EXCL temporaries) and the victim is untouched.
  for (const char* name : {"results.json.tmp", ".hourglass-write-test"}) {
    SCOPED_TRACE(name);
    const std::string out = dir_ + "/out-" + std::string(name[0] == '.' ? "probe" : "tmp");
    fs::create_directories(out);
    fs::create_symlink(victim, out + "/" + name);
    const auto o = hourglass("run '" + suite + "' --quiet --threads 1 --out '" + out + "'");
    EXPECT_EQ(o.code, 0) << o.err;
    EXPECT_EQ(read_file(victim), "precious");
    EXPECT_FALSE(fs::is_symlink(out + "/results.json"));
    EXPECT_EQ(read_json(out + "/results.json")["trials"].size(), 2u);
  }
  // The journal, the results and the lock file as links: refused before any
  // training, with --overwrite and --resume too.
  for (const char* name : {"journal.jsonl", "results.json", ".hourglass.lock"}) {
    for (const char* flag : {"", " --overwrite", " --resume"}) {
      SCOPED_TRACE(std::string(name) + flag);
      const std::string out = dir_ + "/links";
      fs::remove_all(out);
      fs::create_directories(out);
      fs::create_symlink(victim, out + "/" + name);
      const auto o = hourglass("run '" + suite + "' --threads 1 --out '" + out + "'" + flag);
      EXPECT_EQ(o.code, 2) << o.err;
      EXPECT_FALSE(contains(o.err, "to run")) << o.err;  // no population started
      EXPECT_EQ(read_file(victim), "precious");
      EXPECT_TRUE(fs::is_symlink(out + "/" + name));
    }
  }
}

TEST_F(Cli, AResultsPathThatIsADirectoryIsRefusedBeforeTraining) {
  const std::string out = dir_ + "/out";
  fs::create_directories(out + "/results.json");
  const auto start = std::chrono::steady_clock::now();
  const auto o = hourglass("run suites/quickstart.yaml --out '" + out + "' --overwrite");
  EXPECT_EQ(o.code, 2) << o.err;
  EXPECT_TRUE(contains(o.err, out + "/results.json is not a regular file")) << o.err;
  EXPECT_FALSE(contains(o.err, "to run")) << o.err;
  EXPECT_LT(seconds_since(start), 20.0);
}

TEST_F(Cli, OutputToADeviceOrAPipeIsWrittenThroughNeverReplaced) {
  const std::string good = HOURGLASS_TEST_DATA_DIR "/results/minimal.json";
  const std::string link = dir_ + "/null-link";
  fs::create_symlink("/dev/null", link);
  for (const std::string& target : {std::string("/dev/null"), link}) {
    const auto r = hourglass("report '" + good + "' -o '" + target + "'");
    EXPECT_EQ(r.code, 0) << r.err;
    const auto c = hourglass("compare '" + good + "' '" + good +
                             "' --export github-action-benchmark -o '" + target + "'");
    EXPECT_EQ(c.code, 0) << c.err;
  }
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_TRUE(fs::is_symlink(link));
  // /dev/stdout and /proc/self/fd/1 when stdout is a file (the fixture's):
  // the report goes to stdout, the file stays where it was.
  for (const char* target : {"/dev/stdout", "/proc/self/fd/1"}) {
    const auto o = hourglass(std::string("report '") + good + "' -o " + target);
    EXPECT_EQ(o.code, 0) << o.err;
    EXPECT_TRUE(contains(o.out, "sine")) << o.out;
  }
  EXPECT_TRUE(fs::is_symlink("/dev/stdout"));
  // Through a pipe.
  const std::string cmd = "cd '" HOURGLASS_SOURCE_DIR "' && '" HOURGLASS_BINARY "' report '" +
                          good + "' -o /dev/stdout 2>/dev/null | wc -c";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buf[64] = {};
  ASSERT_NE(std::fgets(buf, sizeof buf, pipe), nullptr);
  EXPECT_EQ(::pclose(pipe), 0);
  EXPECT_GT(std::atoi(buf), 100);
  // A link to a regular file, and a directory: refused, untouched.
  const std::string victim = write("victim", "precious");
  fs::create_symlink(victim, dir_ + "/file-link");
  const auto l = hourglass("report '" + good + "' -o '" + dir_ + "/file-link'");
  EXPECT_EQ(l.code, 2) << l.err;
  EXPECT_TRUE(contains(l.err, "is a symbolic link to a regular file")) << l.err;
  EXPECT_EQ(read_file(victim), "precious");
  fs::create_directory(dir_ + "/a-dir");
  const auto d = hourglass("report '" + good + "' -o '" + dir_ + "/a-dir'");
  EXPECT_EQ(d.code, 2) << d.err;
  EXPECT_TRUE(contains(d.err, "it is a directory")) << d.err;
  EXPECT_TRUE(fs::is_directory(dir_ + "/a-dir"));
}

TEST_F(Cli, ASecondRunOnTheSameFolderExitsAtOnceNamingTheHolder) {
  const std::string suite = write("long.yaml", quick_then_long_suite());
  const std::string out = dir_ + "/out";
  BackgroundRun first({"run", suite, "--quiet", "--threads", "1", "--agents", "long",
                       "--max-population-seconds", "1e9", "--out", out},
                      dir_ + "/bg-stdout", dir_ + "/bg-stderr");
  ASSERT_GT(first.pid(), 0);
  const std::string pid = std::to_string(first.pid());
  ASSERT_TRUE(wait_until([&] { return read_file(out + "/.hourglass.lock") == pid + "\n"; }, first))
      << first.wait().err;
  for (const char* flag : {"", " --resume", " --overwrite"}) {
    SCOPED_TRACE(flag);
    const auto start = std::chrono::steady_clock::now();
    const auto o = hourglass("run '" + suite + "' --quiet --threads 1 --agents long "
                             "--max-population-seconds 1e9 --out '" + out + "'" + flag);
    EXPECT_EQ(o.code, 2) << o.err;
    EXPECT_TRUE(contains(o.err, "another hourglass run (pid " + pid + ") is using this directory"))
        << o.err;
    EXPECT_LT(seconds_since(start), 10.0);
  }
  EXPECT_TRUE(first.running());
  EXPECT_EQ(journal_lines(out + "/journal.jsonl"), 1u);  // the header only: nothing interleaved
}

TEST_F(Cli, OneSigtermStopsARunOfALongPopulationWithinFiveSeconds) {
  const std::string suite = write("long.yaml", quick_then_long_suite());
  const std::string out = dir_ + "/out";
  BackgroundRun run({"run", suite, "--quiet", "--threads", "1", "--jobs", "1",
                     "--max-population-seconds", "1e9", "--out", out},
                    dir_ + "/bg-stdout", dir_ + "/bg-stderr");
  ASSERT_GT(run.pid(), 0);
  // `quick` finished and journaled; `long` in flight.
  ASSERT_TRUE(wait_until([&] { return journal_lines(out + "/journal.jsonl") >= 2; }, run))
      << run.wait().err;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_TRUE(run.running());
  const auto start = std::chrono::steady_clock::now();
  run.signal(SIGTERM);
  while (run.running() && seconds_since(start) < 30)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const double stopped_after = seconds_since(start);
  EXPECT_LT(stopped_after, 5.0);
  const Ended o = run.wait();
  EXPECT_EQ(o.code, 143) << o.err;
  EXPECT_TRUE(contains(o.err, "stopping now: the population(s) in flight are abandoned")) << o.err;
  EXPECT_TRUE(contains(o.err, "interrupted: 1 of 2 population(s) finished and saved in " + out +
                                  "/results.json"))
      << o.err;
  EXPECT_TRUE(contains(o.err, "--resume")) << o.err;
  const json partial = read_json(out + "/results.json");
  EXPECT_EQ(partial["environment"]["complete"], false);
  ASSERT_EQ(partial["trials"].size(), 3u);
  for (const auto& t : partial["trials"]) EXPECT_EQ(t["agent"], "quick");
  EXPECT_EQ(journal_lines(out + "/journal.jsonl"), 2u);  // header + quick; long abandoned
  // The lock went with the process: the folder can be resumed at once (here
  // filtered to the finished population, so nothing trains for hours).
  const auto resumed = hourglass("run '" + suite + "' --threads 1 --agents quick --out '" + out +
                                 "' --resume");
  EXPECT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_TRUE(contains(resumed.err, "1 of 1 population(s) already finished")) << resumed.err;
}

TEST_F(Cli, IncludesStayInTheSuitesFolderUnlessAllowed) {
  const std::string secret_dir = dir_ + "/elsewhere";
  fs::create_directories(secret_dir);
  std::ofstream(secret_dir + "/secret.yaml")
      << "root:x:0:0:the-whole-secret-line-of-a-foreign-file:/root:/bin/bash\n";
  std::ofstream(secret_dir + "/agents.yaml") << "agents:\n  - name: ridge\n    learner: ridge\n";
  fs::create_directories(dir_ + "/suite");
  const std::string body =
      "budgets: [32]\nseeds: 1\neval_samples: 50\ntasks:\n  - name: line\n"
      "    family: linear-regression\n";
  const std::string absolute = dir_ + "/suite/absolute.yaml";
  std::ofstream(absolute) << "suite: a\ninclude: [" << secret_dir << "/secret.yaml]\n" << body;
  const std::string dotdot = dir_ + "/suite/dotdot.yaml";
  std::ofstream(dotdot) << "suite: b\ninclude: [../elsewhere/secret.yaml]\n" << body;
  fs::create_symlink(secret_dir + "/secret.yaml", dir_ + "/suite/link.yaml");
  const std::string linked = dir_ + "/suite/linked.yaml";
  std::ofstream(linked) << "suite: c\ninclude: [link.yaml]\n" << body;
  for (const std::string& suite : {absolute, dotdot, linked}) {
    SCOPED_TRACE(suite);
    const auto o = hourglass("validate '" + suite + "'");
    EXPECT_EQ(o.code, 2) << o.err;
    EXPECT_TRUE(contains(o.err, "it is outside the suite's folder")) << o.err;
    EXPECT_TRUE(contains(o.err, "--include-path")) << o.err;
    EXPECT_FALSE(contains(o.err, "root:x")) << o.err;
  }
  // Allowed: read, and still only a short token of its content is quoted.
  const auto allowed = hourglass("validate '" + absolute + "' --include-path '" + secret_dir + "'");
  EXPECT_EQ(allowed.code, 2) << allowed.err;
  EXPECT_FALSE(contains(allowed.err, "the-whole-secret-line")) << allowed.err;
  EXPECT_FALSE(contains(allowed.err, "outside the suite's folder")) << allowed.err;
  // A good include from an allowed folder works, for validate and run.
  const std::string good = dir_ + "/suite/good.yaml";
  std::ofstream(good) << "suite: g\ninclude: [" << secret_dir << "/agents.yaml]\n" << body;
  EXPECT_EQ(hourglass("validate '" + good + "'").code, 2);
  EXPECT_EQ(hourglass("validate '" + good + "' --include-path '" + secret_dir + "'").code, 0);
  const auto run = hourglass("run '" + good + "' --quiet --threads 1 --include-path '" +
                             secret_dir + "' --out '" + dir_ + "/run'");
  EXPECT_EQ(run.code, 0) << run.err;
}

TEST_F(Cli, ControlCharactersInEchoedTextAreEscaped) {
  const std::string suite = write("ansi.yaml",
                                  "suite: \"\\e[31mred\\0 and the rest\"\nbudgets: [32]\n"
                                  "tasks:\n  - name: line\n    family: linear-regression\n"
                                  "agents:\n  - name: r\n    learner: ridge\n");
  const auto o = hourglass("validate '" + suite + "'");
  EXPECT_EQ(o.code, 2) << o.err;
  EXPECT_EQ(o.err.find('\x1b'), std::string::npos) << o.err;
  EXPECT_EQ(o.err.find('\0'), std::string::npos);
  EXPECT_TRUE(contains(o.err, "\\x1b[31mred\\x00 and")) << o.err;
}

TEST_F(Cli, ThreadsAndJobsAreCappedAtTheCores) {
  const std::string suite = write("tiny.yaml", tiny_suite());
  for (const char* flag : {"--threads 1000000", "--jobs 1000000"}) {
    SCOPED_TRACE(flag);
    const auto start = std::chrono::steady_clock::now();
    const auto o = hourglass("run '" + suite + "' " + flag + " --out '" + dir_ + "/out' --overwrite");
    EXPECT_EQ(o.code, 0) << o.err;
    EXPECT_TRUE(contains(o.err, "core(s) of this machine; using")) << o.err;
    EXPECT_LT(seconds_since(start), 60.0);
  }
}

TEST_F(Cli, SeedsZeroAndAnEmptyBudgetListAreUsageErrors) {
  const std::string suite = write("tiny.yaml", tiny_suite());
  const auto seeds = hourglass("run '" + suite + "' --seeds 0 --out '" + dir_ + "/a'");
  EXPECT_EQ(seeds.code, 2) << seeds.err;
  EXPECT_TRUE(contains(seeds.err, "--seeds: must be in [1, ")) << seeds.err;
  const auto budgets = hourglass("run '" + suite + "' --budgets , --out '" + dir_ + "/b'");
  EXPECT_EQ(budgets.code, 2) << budgets.err;
  EXPECT_TRUE(contains(budgets.err, "--budgets")) << budgets.err;
  EXPECT_FALSE(fs::exists(dir_ + "/a"));
  EXPECT_FALSE(fs::exists(dir_ + "/b"));
}

TEST_F(Cli, ACostlySuiteIsRefusedBeforeTrainingUnlessTheLimitIsRaised) {
  const std::string suite = write("blobs.yaml", R"(suite: blobs
seeds: 1
budgets: [1000]
tasks:
  - name: blobs
    family: gaussian-blobs
    params: {dim: 4096, classes: 1000}
agents:
  - name: mlp
    learner: mlp
    params: {hidden: [512, 512], max_updates: 20000}
)");
  const auto start = std::chrono::steady_clock::now();
  const auto v = hourglass("validate '" + suite + "'");
  EXPECT_EQ(v.code, 2) << v.err;
  EXPECT_TRUE(contains(v.err, "population blobs/mlp/1000 (1 seed(s), 4096 input(s), 1000 output(s)): about"))
      << v.err;
  EXPECT_TRUE(contains(v.err, "--max-population-seconds")) << v.err;
  const auto r = hourglass("run '" + suite + "' --out '" + dir_ + "/out'");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_FALSE(fs::exists(dir_ + "/out"));
  EXPECT_LT(seconds_since(start), 30.0);
  EXPECT_EQ(hourglass("validate '" + suite + "' --max-population-seconds 1e9").code, 0);
  // A cheap suite passes the default.
  EXPECT_EQ(hourglass("validate suites/smoke.yaml").code, 0);
}

TEST_F(Cli, ResultsFilesAboveTheSizeCapAreRefusedBeforeReading) {
  // 3 GiB of nothing (a sparse file): refused from its size, at once.
  const std::string big = dir_ + "/big.json";
  { std::ofstream(big) << ""; }
  fs::resize_file(big, uintmax_t{3} << 30);
  const auto start = std::chrono::steady_clock::now();
  const auto o = hourglass("report '" + big + "'");
  EXPECT_EQ(o.code, 2) << o.err;
  EXPECT_TRUE(contains(o.err, "larger than the limit of 1073741824 bytes")) << o.err;
  EXPECT_LT(seconds_since(start), 5.0);
  // The cap is configurable, on compare and merge too.
  const std::string good = HOURGLASS_TEST_DATA_DIR "/results/minimal.json";
  EXPECT_EQ(hourglass("report '" + good + "' --max-input-size 100").code, 2);
  EXPECT_EQ(hourglass("report '" + good + "' --max-input-size 1MiB").code, 0);
  EXPECT_EQ(hourglass("compare '" + good + "' '" + good + "' --max-input-size 100").code, 2);
  EXPECT_EQ(hourglass("merge '" + good + "' -o '" + dir_ + "/m.json' --max-input-size 100").code, 2);
  EXPECT_EQ(hourglass("report '" + good + "' --max-input-size lots").code, 2);
}

}  // namespace
