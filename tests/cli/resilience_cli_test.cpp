// Reproducibility and fault tolerance of `hourglass run`, with the real
// binary: determinism across --jobs, filters and order; SIGKILL, SIGTERM and
// SIGINT in the middle of a run, then --resume; faults recorded as data;
// output paths checked before any training.
#include "cli_util.h"

namespace {

using namespace hg::cli_testing;
using nlohmann::json;

// Every population's scores are equal in `part` and in `whole`; `part` may hold fewer.
void expect_same_scores(const json& whole, const json& part, size_t expected_part_size) {
  const auto w = trial_scores(whole), p = trial_scores(part);
  EXPECT_EQ(p.size(), expected_part_size);
  for (const auto& [key, scores] : p) {
    auto it = w.find(key);
    ASSERT_NE(it, w.end()) << key;
    EXPECT_EQ(it->second, scores) << key;
  }
}

TEST_F(Cli, QuickstartScoresDoNotDependOnJobs) {
  const std::string a = dir_ + "/jobs1", b = dir_ + "/jobs2";
  const auto one = hourglass("run suites/quickstart.yaml --quiet --threads 1 --jobs 1 --out '" + a + "'");
  ASSERT_EQ(one.code, 0) << one.err;
  const auto two = hourglass("run suites/quickstart.yaml --quiet --threads 1 --jobs 2 --out '" + b + "'");
  ASSERT_EQ(two.code, 0) << two.err;
  const json ra = read_json(a + "/results.json"), rb = read_json(b + "/results.json");
  EXPECT_EQ(ra["trials"].size(), 3u * 3u * 2u * 5u);  // budgets x agents x tasks x seeds
  EXPECT_EQ(trial_scores(ra), trial_scores(rb));
  // In plan order too, whatever order the jobs finished in.
  for (size_t i = 0; i < ra["trials"].size(); ++i) {
    EXPECT_EQ(ra["trials"][i]["agent"], rb["trials"][i]["agent"]) << i;
    EXPECT_EQ(ra["trials"][i]["budget"], rb["trials"][i]["budget"]) << i;
  }
  EXPECT_EQ(ra["summary"], rb["summary"]);
  // The file says how to reproduce it.
  EXPECT_EQ(ra["suite"]["sha256"], rb["suite"]["sha256"]);
  for (const char* key : {"version", "git_commit", "libtorch", "device", "threads_per_job",
                          "jobs", "command"})
    EXPECT_TRUE(ra["environment"].contains(key)) << key;
  EXPECT_TRUE(ra["suite"]["config"].is_object());
  // The commit is stamped at every build, not only when CMake configured: the
  // binary under test was built from the source tree's HEAD.
  if (const std::string head = source_head(); !head.empty()) {
    const auto commit = ra["environment"]["git_commit"].get<std::string>();
    EXPECT_TRUE(commit == head || commit == head + "-dirty") << commit << " vs HEAD " << head;
  }
}

TEST_F(Cli, FiltersAndOrderDoNotChangeScores) {
  const auto full = hourglass("run suites/smoke.yaml --quiet --threads 1 --out '" + dir_ + "/full'");
  ASSERT_EQ(full.code, 0) << full.err;
  const json whole = read_json(dir_ + "/full/results.json");

  const auto some = hourglass("run suites/smoke.yaml --quiet --threads 1 --tasks sine "
                              "--agents 'mlp|ridge-rff' --budgets 500 --out '" + dir_ + "/some'");
  ASSERT_EQ(some.code, 0) << some.err;
  expect_same_scores(whole, read_json(dir_ + "/some/results.json"), 2u * 3u);

  // The same suite written backwards: tasks, agents and budgets reversed.
  const std::string reversed = write("reversed.yaml", R"(suite: smoke
version: 1
description: the smoke suite, every list in the opposite order
seed: 7
seeds: 3
budgets: [500, 50]
eval_samples: 500
tasks:
  - name: sine
    family: sinusoid
    params: {noise: 0.05}
    ood:
      far-x: {x: [5, 10]}
  - name: linear
    family: linear-regression
    params: {dim: 4, noise: 0.1}
    ood:
      wide-x: {x_scale: 3.0}
agents:
  - name: mlp
    learner: mlp
    params: {max_updates: 300, lr: 3.0e-3, hidden: [32]}
  - name: ridge-rff
    learner: ridge
    params: {lambda: 1.0e-4, bandwidth: 1.0, width: 128, features: random-fourier}
  - name: ridge
    learner: ridge
  - name: constant
    learner: constant
)");
  const auto back = hourglass("run '" + reversed + "' --quiet --threads 1 --jobs 2 --out '" +
                              dir_ + "/back'");
  ASSERT_EQ(back.code, 0) << back.err;
  const json backwards = read_json(dir_ + "/back/results.json");
  expect_same_scores(whole, backwards, whole["trials"].size());
  EXPECT_EQ(backwards["trials"][0]["task"], "sine");  // it did run in the other order
}

// A suite of several populations of a few hundred milliseconds each, so that
// a run can be interrupted in the middle.
std::string slow_suite() {
  return R"(suite: interruptible
seed: 3
seeds: 3
budgets: [64, 128, 256, 512]
eval_samples: 200
tasks:
  - name: line
    family: linear-regression
    params: {dim: 4}
agents:
  - name: mlp-a
    learner: mlp
    params: {hidden: [64, 64], max_updates: 600, batch_size: 32}
  - name: mlp-b
    learner: mlp
    params: {hidden: [64], max_updates: 600, batch_size: 32, lr: 3.0e-3}
)";
}

constexpr size_t kSlowPopulations = 8;  // 1 task x 2 agents x 4 budgets

// Starts `args` in the background and waits until its journal holds at least
// one finished population. Returns false if the run finished first.
bool wait_for_first_population(BackgroundRun& run, const std::string& journal) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    if (journal_lines(journal) >= 2) return true;  // header + one population
    if (!run.running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

TEST_F(Cli, InterruptedRunsResumeToTheScoresOfAnUninterruptedOne) {
  const std::string suite = write("slow.yaml", slow_suite());
  const std::vector<std::string> common = {"run", suite, "--quiet", "--threads", "1"};
  auto args = [&](const std::string& out, bool resume) {
    auto a = common;
    a.insert(a.end(), {"--out", out});
    if (resume) a.push_back("--resume");
    return a;
  };

  // The reference: one uninterrupted run.
  const auto reference_run = hourglass("run '" + suite + "' --quiet --threads 1 --out '" + dir_ + "/ref'");
  ASSERT_EQ(reference_run.code, 0) << reference_run.err;
  const auto reference = trial_scores(read_json(dir_ + "/ref/results.json"));
  ASSERT_EQ(reference.size(), kSlowPopulations * 3);

  struct Case {
    int signal;
    int expected_code;  // -1: killed by the signal
  };
  for (const Case c : {Case{SIGKILL, -1}, Case{SIGTERM, 143}, Case{SIGINT, 130}}) {
    SCOPED_TRACE("signal " + std::to_string(c.signal));
    const std::string out = dir_ + "/sig" + std::to_string(c.signal);
    const std::string journal = out + "/journal.jsonl";
    {
      BackgroundRun run(args(out, false), dir_ + "/bg-stdout", dir_ + "/bg-stderr");
      ASSERT_GT(run.pid(), 0);
      ASSERT_TRUE(wait_for_first_population(run, journal))
          << "the run ended before a population finished: " << run.wait().err;
      run.signal(c.signal);
      const Ended o = run.wait();
      if (c.signal == SIGKILL) {
        EXPECT_EQ(o.signal, SIGKILL);
        EXPECT_FALSE(fs::exists(out + "/results.json"));  // never got that far
      } else {
        EXPECT_EQ(o.code, c.expected_code) << o.err;
        EXPECT_TRUE(contains(o.err, "stopping now: the population(s) in flight are abandoned")) << o.err;
        EXPECT_TRUE(contains(o.err, "population(s) finished and saved in " + out + "/results.json"))
            << o.err;
        EXPECT_TRUE(contains(o.err, "resume with: hourglass run " + suite + " --out " + out +
                                        " --threads 1 --resume"))
            << o.err;
        // What finished is in a complete, readable results file already.
        const json partial = read_json(out + "/results.json");
        EXPECT_EQ(partial["environment"]["complete"], false);
        EXPECT_FALSE(partial["trials"].empty());
        EXPECT_LT(partial["trials"].size(), reference.size());
        for (const auto& [key, scores] : trial_scores(partial)) EXPECT_EQ(reference.at(key), scores) << key;
      }
      // Interrupted in the middle: some populations saved, not all.
      const size_t saved = journal_lines(journal) - 1;
      EXPECT_GE(saved, 1u);
      EXPECT_LT(saved, kSlowPopulations);
    }
    if (c.signal == SIGKILL) {
      // Forgetting --resume does not throw the saved populations away.
      const auto again = hourglass("run '" + suite + "' --quiet --threads 1 --out '" + out + "'");
      EXPECT_EQ(again.code, 2);
      EXPECT_TRUE(contains(again.err, "journal.jsonl exists (a run that was interrupted?)"))
          << again.err;
    }
    // Resuming skips what was saved and ends where an uninterrupted run ends.
    const auto resumed = hourglass("run '" + suite + "' --threads 1 --out '" + out + "' --resume");
    ASSERT_EQ(resumed.code, 0) << resumed.err;
    EXPECT_TRUE(contains(resumed.err, "of 8 population(s) already finished")) << resumed.err;
    const json done = read_json(out + "/results.json");
    EXPECT_EQ(done["environment"]["complete"], true);
    EXPECT_EQ(trial_scores(done), reference);
    EXPECT_EQ(journal_lines(journal), kSlowPopulations + 1);  // no population ran twice
  }
}

TEST_F(Cli, ResumeRefusesAChangedSuite) {
  const std::string suite = write("s.yaml", slow_suite());
  const std::string out = dir_ + "/run";
  ASSERT_EQ(hourglass("run '" + suite + "' --quiet --threads 1 --budgets 64 --out '" + out + "'").code, 0);
  const std::string before = read_file(out + "/results.json");
  // Same file, other overrides: a different resolved suite.
  const auto seeds = hourglass("run '" + suite + "' --quiet --budgets 64 --seeds 2 --out '" + out + "' --resume");
  EXPECT_EQ(seeds.code, 2);
  EXPECT_TRUE(contains(seeds.err, "the suite changed since this journal was written")) << seeds.err;
  // The file itself edited.
  std::string text = slow_suite();
  text.replace(text.find("eval_samples: 200"), 17, "eval_samples: 300");
  write("s.yaml", text);
  const auto edited = hourglass("run '" + suite + "' --quiet --budgets 64 --out '" + out + "' --resume");
  EXPECT_EQ(edited.code, 2);
  EXPECT_TRUE(contains(edited.err, "start a fresh run instead of --resume")) << edited.err;
  EXPECT_EQ(read_file(out + "/results.json"), before);  // nothing rewritten
  EXPECT_EQ(hourglass("run '" + suite + "' --quiet --budgets 64 --resume").code, 2);  // no --out
}

TEST_F(Cli, DivergedAndFailedTrialsAreRecordedAndTheSuiteGoesOn) {
  // sgd with lr 10 blows up; ridge on 16384 random features needs gigabytes
  // for its normal equations, more than the address-space limit set below
  // allows, so its learner throws; plain ridge is fine.
  const std::string suite = write("faults.yaml", R"(suite: faults
seed: 1
seeds: 3
budgets: [100]
eval_samples: 200
tasks:
  - name: line
    family: linear-regression
    params: {dim: 4}
agents:
  - name: exploding
    learner: mlp
    params: {optimizer: sgd, lr: 10.0, hidden: [64], max_updates: 250}
  - name: enormous
    learner: ridge
    params: {features: random-fourier, width: 16384}
  - name: ridge
    learner: ridge
)");
  const std::string out = dir_ + "/faults";
  // `enormous` must fail at run time (out of memory under the ulimit), not be
  // refused up front by the cost estimate: the limit is raised past it.
  const auto o = hourglass("run '" + suite + "' --threads 1 --report full "
                           "--max-population-seconds 1e9 --out '" + out + "'",
                           "ulimit -v 4000000;");  // 4 GB of address space
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_TRUE(contains(o.err, "6 trial(s) failed or diverged")) << o.err;
  const json results = read_json(out + "/results.json");
  ASSERT_EQ(results["trials"].size(), 9u);
  for (const auto& t : results["trials"]) {
    const std::string agent = t["agent"];
    SCOPED_TRACE(agent);
    if (agent == "exploding") {
      EXPECT_EQ(t["status"], "diverged");
      ASSERT_TRUE(t.contains("diverged_at"));
      const int64_t at = t["diverged_at"];
      EXPECT_GE(at, 1);
      EXPECT_LE(at, 250);
      EXPECT_EQ(t["message"], "loss not finite at update " + std::to_string(at));
    } else if (agent == "enormous") {
      EXPECT_EQ(t["status"], "failed");
      const std::string message = t["message"];
      EXPECT_TRUE(contains(message, "can't allocate memory")) << message;
      EXPECT_FALSE(contains(message, "frame #")) << message;  // no LibTorch backtrace
      EXPECT_TRUE(t["splits"]["test"]["normalized"].is_null());
    } else {
      EXPECT_EQ(t["status"], "ok");
      EXPECT_GT(t["splits"]["test"]["normalized"].get<double>(), 0.9);
    }
  }
  // The table marks them.
  EXPECT_TRUE(contains(o.out, "exploding     100  diverged")) << o.out;
  EXPECT_TRUE(contains(o.out, "enormous      100  failed")) << o.out;
  EXPECT_TRUE(contains(o.out, "* 6 trial(s) failed or diverged")) << o.out;
}

TEST_F(Cli, OutputPathsThatCannotBeWrittenFailBeforeAnyTraining) {
  write("file", "x");
  const std::string suite = "suites/quickstart.yaml";  // far longer than this test allows
  struct Case {
    std::string out, message;
  };
  for (const Case& c : {Case{dir_ + "/file", "cannot create directory"},
                        Case{dir_ + "/file/sub", "cannot create directory"},
                        Case{"/proc/hourglass-test-run", "cannot create directory"},
                        Case{"/proc/self", "cannot write in this directory"}}) {
    const auto start = std::chrono::steady_clock::now();
    const auto o = hourglass("run " + suite + " --out '" + c.out + "'");
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(o.code, 2) << c.out << ": " << o.err;
    EXPECT_TRUE(contains(o.err, "--out " + c.out + ": " + c.message)) << o.err;
    EXPECT_FALSE(contains(o.err, "to run")) << o.err;  // no population was started
    EXPECT_LT(seconds, 20.0);
  }
  EXPECT_EQ(read_file(dir_ + "/file"), "x");
}

}  // namespace
