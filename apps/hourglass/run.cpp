// hourglass run SUITE.yaml: train every population under its budget, score
// every split, write results.json, print the report (hourglass report).
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "commands.h"
#include "hourglass/core/children.h"
#include "hourglass/core/error.h"
#include "hourglass/core/files.h"
#include "hourglass/core/plugin.h"
#include "hourglass/core/progress.h"
#include "hourglass/core/tensor_util.h"
#include "hourglass/learners/learner.h"
#include "hourglass/report/renderer.h"
#include "hourglass/results/results.h"
#include "hourglass/run/plan.h"
#include "hourglass/run/protocol.h"
#include "hourglass/run/runner.h"
#include "hourglass/run/seal.h"
#include "hourglass/run/shard.h"
#include "hourglass_git_commit.h"  // generated at build time
#include "progress.h"
#include "threads.h"

namespace hg::cli {

std::string utc_now(const char* format) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

namespace {

struct RunArgs {
  std::string suite;
  std::string out;
  std::string device = "auto";
  int threads = 0;  // 0: the default (threads.h)
  int jobs = 0;     // 0: the default (threads.h)
  std::string tasks, agents;
  std::vector<int64_t> budgets;
  int64_t seeds = 0;
  bool seeds_given = false;    // --seeds appeared (0 is then an error, not "the suite's")
  bool budgets_given = false;  // --budgets appeared (an empty list is then an error)
  std::vector<std::string> include_paths;  // --include-path: more folders includes may come from
  double max_population_seconds = kDefaultMaxPopulationSeconds;
  bool resume = false;
  bool overwrite = false;
  std::string format = "table";
  std::string report = "compact";  // compact | full
  bool quiet = false;
  std::string shard;
  std::vector<std::string> plugins;
  std::string seal_key_file;  // --seal-key-file (else HOURGLASS_SEAL_KEY_FILE); the path only
};

std::atomic<int> g_signal{0};
// The main thread sleeps on this pipe while the runner's thread trains: the
// runner writes 'd' when it is done, the signal handler 's'.
int g_wake[2] = {-1, -1};

// The first SIGINT or SIGTERM stops the run within moments: the main thread
// saves what finished (the journal has it already) and exits, abandoning the
// populations in flight (--resume redoes them). A second signal ends the
// process at once (default action).
extern "C" void on_signal(int sig) {
  int expected = 0;
  g_signal.compare_exchange_strong(expected, sig);
  static const char kMessage[] =
      "\nhourglass: stopping now: the population(s) in flight are abandoned (--resume redoes "
      "them); signal again to stop at once\n";
  ssize_t ignored = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  const char wake = 's';
  ignored = ::write(g_wake[1], &wake, 1);
  (void)ignored;
}

std::string hostname() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

void apply_overrides(Suite& suite, const RunArgs& args) {
  if (args.budgets_given && args.budgets.empty())
    throw InputError("--budgets: expected a comma-separated list of budgets, e.g. 100,1000");
  if (args.seeds_given) {
    if (args.seeds < 1 || args.seeds > kMaxSeeds)
      throw InputError("--seeds: must be in [1, " + std::to_string(kMaxSeeds) + "], got " +
                       std::to_string(args.seeds));
    suite.seeds = args.seeds;
  }
  if (!args.budgets.empty()) {
    std::vector<int64_t> b = args.budgets;
    const int64_t least = find_protocol(suite.protocol).min_budget;  // 0: zero-shot
    for (auto v : b)
      if (v < least || v > kMaxBudget)
        throw InputError("--budgets: each budget must be in [" + std::to_string(least) + ", " +
                         std::to_string(kMaxBudget) + "], got " + std::to_string(v));
    std::sort(b.begin(), b.end());
    if (std::adjacent_find(b.begin(), b.end()) != b.end())
      throw InputError("--budgets: budgets must be distinct");
    suite.budgets = b;
  }
}

// Quotes a word for a POSIX shell when it needs it.
std::string shell_word(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789_-./,=:+@%") == std::string::npos)
    return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The command that reproduces this run: the same suite, overrides, device,
// jobs, threads, shard and output (add --resume to continue it).
std::string run_command(const RunArgs& args, const std::string& out) {
  std::string cmd = "hourglass run " + shell_word(args.suite) + " --out " + shell_word(out);
  if (!args.tasks.empty()) cmd += " --tasks " + shell_word(args.tasks);
  if (!args.agents.empty()) cmd += " --agents " + shell_word(args.agents);
  if (!args.budgets.empty()) {
    std::string list;
    for (auto b : args.budgets) list += (list.empty() ? "" : ",") + std::to_string(b);
    cmd += " --budgets " + list;
  }
  if (args.seeds_given) cmd += " --seeds " + std::to_string(args.seeds);
  if (args.device != "auto") cmd += " --device " + shell_word(args.device);
  if (args.jobs != 0) cmd += " --jobs " + std::to_string(args.jobs);
  if (args.threads != 0) cmd += " --threads " + std::to_string(args.threads);
  if (!args.shard.empty()) cmd += " --shard " + shell_word(args.shard);
  for (const auto& p : args.plugins) cmd += " --plugin " + shell_word(p);
  // The key file's path (never its content); from the environment it stays there.
  if (!args.seal_key_file.empty()) cmd += " --seal-key-file " + shell_word(args.seal_key_file);
  return cmd;
}

constexpr const char* kResultsFile = "results.json";
constexpr const char* kJournalFile = "journal.jsonl";
constexpr const char* kLockFile = ".hourglass.lock";

// Creates and opens the output directory, takes its lock (one run per
// directory, for the whole run) and checks what is in it, before any
// training. Nothing in it is followed through a symbolic link.
std::unique_ptr<OutputDir> prepare_out_dir(const std::string& dir, bool resume, bool overwrite) {
  std::unique_ptr<OutputDir> out;
  try {
    out = std::make_unique<OutputDir>(dir);
    out->lock(kLockFile);
  } catch (const InputError& e) {
    throw InputError("--out " + std::string(e.what()));
  }
  for (const char* name : {kResultsFile, kJournalFile}) {
    const int kind = out->kind(name);
    if (kind > 0)
      throw InputError("--out " + dir + ": " + out->child(name) +
                       " is not a regular file (a directory, a symbolic link or a device); "
                       "remove it or choose another --out");
    if (kind < 0 || resume || overwrite) continue;
    if (std::string(name) == kResultsFile)
      throw InputError("--out " + dir + ": " + out->child(name) +
                       " exists; pass --resume to continue that run or --overwrite to replace it");
    throw InputError("--out " + dir + ": " + out->child(name) +
                     " exists (a run that was interrupted?); pass --resume to continue it or "
                     "--overwrite to start again");
  }
  return out;
}

int run(RunArgs args) {
  // Before anything is read, logged or written: the re-executed process
  // starts this run again from the top (threads.h).
  if (args.threads > 1) reexec_with_passive_openmp_wait();
  load_plugins(args.plugins, {args.suite}, args.include_paths);
  const Catalog catalog = registered_catalog();
  Suite suite = load_suite(args.suite, catalog, {args.include_paths});
  apply_overrides(suite, args);
  parse_format(args.format);  // a bad --format fails before any training
  const ReportDetail detail = parse_report_detail(args.report);
  const c10::Device device = resolve_device(args.device);
  if (args.jobs < 0) throw InputError("--jobs: must be >= 1");
  if (args.threads < 0) throw InputError("--threads: must be >= 1");
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Caps: more jobs or intra-op threads than cores only slows a run down (a
  // million threads hang it).
  if (args.jobs > cores) {
    spdlog::warn("--jobs {}: more than the {} core(s) of this machine; using {}", args.jobs,
                 cores, cores);
    args.jobs = cores;
  }
  if (args.threads > cores) {
    spdlog::warn("--threads {}: more than the {} core(s) of this machine; using {}",
                 args.threads, cores, cores);
    args.threads = cores;
  }

  if (args.resume && args.out.empty())
    throw InputError("--resume needs --out DIR: the directory of the run to continue");
  const auto config = resolved_config(suite, catalog);
  const std::string sha = suite_sha256(config);
  const std::vector<Population> full_plan = expand(suite, {args.tasks, args.agents});
  std::optional<ShardSpec> shard;
  if (!args.shard.empty()) {
    shard = parse_shard(args.shard);
  } else if ((shard = shard_from_slurm())) {
    spdlog::info("shard {} from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (--shard not given)",
                 shard->str());
  }
  const std::vector<Population> plan =
      shard ? select_shard(suite, full_plan, catalog, *shard) : full_plan;
  check_population_seconds(suite, plan, args.max_population_seconds);  // before anything is written

  // Sealed splits (run/seal.h): the key is read, and checked, before anything
  // is written; only its fingerprint and derived secret are kept.
  std::vector<std::string> sealed;  // "task ood/name"
  for (const auto& task : suite.tasks)
    for (const auto& ood : task.ood)
      if (ood.sealed) sealed.push_back(task.name + " " + ood.name);
  std::string key_file = args.seal_key_file;
  if (key_file.empty())
    if (const char* env = std::getenv("HOURGLASS_SEAL_KEY_FILE"); env && *env) key_file = env;
  std::optional<SealKey> seal;
  if (!key_file.empty()) {
    seal = read_seal_key_file(key_file);
    if (sealed.empty()) {
      spdlog::warn("a seal key was given, but suite '{}' seals no split; the key is not used",
                   suite.name);
      seal.reset();
    }
  }
  if (!sealed.empty() && !seal) {
    std::string names;
    for (const auto& n : sealed) names += (names.empty() ? "" : ", ") + n;
    spdlog::warn("no seal key (--seal-key-file or HOURGLASS_SEAL_KEY_FILE): skipping {} sealed "
                 "split(s): {}",
                 sealed.size(), names);
  }
  // The journal's "seal": resuming with another key, or none, is refused.
  const std::string journal_seal = sealed.empty() ? "" : seal ? seal->fingerprint : "none";

  const std::string out =
      args.out.empty() ? "runs/" + suite.name + "/" + utc_now("%Y%m%d-%H%M%S") : args.out;
  const std::unique_ptr<OutputDir> out_dir = prepare_out_dir(out, args.resume, args.overwrite);
  set_learner_log_dir(out);  // external agents' stderr: OUT/agents/
  const std::string results_path = out_dir->child(kResultsFile);
  const std::string journal_path = out_dir->child(kJournalFile);

  // Populations finished by an earlier, interrupted run.
  std::map<std::string, std::vector<TrialRecord>> finished;
  if (args.resume && out_dir->kind(kJournalFile) == 0) {
    for (auto& e : Journal::read(*out_dir, kJournalFile, sha, journal_seal))
      finished[e.population_key] = std::move(e.trials);
    spdlog::info("resuming: {} of {} population(s) already finished in {}", finished.size(),
                 plan.size(), journal_path);
  } else if (args.resume) {
    spdlog::info("--resume: no journal at {} yet; starting from the beginning", journal_path);
  }
  std::vector<Population> todo;
  for (const auto& p : plan)
    if (!finished.count(p.key)) todo.push_back(p);

  // Threads that cannot hurt on a shared machine (threads.h): populations in
  // parallel on one intra-op thread each, and OpenMP told not to spin.
  const ThreadPlan threads_plan = choose_threads(args.jobs, args.threads, todo.size());
  const int jobs = threads_plan.jobs, threads = threads_plan.threads;
  at::set_num_threads(threads);
  const std::string blas = blas_description();
  if (!args.quiet) {
    spdlog::info("suite '{}' ({}): {} population(s) x {} seed(s), {} to run{}", suite.name,
                 args.suite, plan.size(), suite.seeds, todo.size(),
                 shard ? " (shard " + shard->str() + " of " + std::to_string(full_plan.size()) +
                             " populations)"
                       : "");
    spdlog::info("device {}, {} job(s) x {} intra-op thread(s), LibTorch {}, {}", device.str(),
                 jobs, threads, TORCH_VERSION, blas);
  }
  if (blas == "reference BLAS")
    spdlog::warn("LibTorch multiplies with the reference BLAS (about 7x slower): install "
                 "libopenblas0-openmp");

  Results results;
  results.suite = {{"name", suite.name}, {"path", args.suite}, {"files", suite.files},
                   {"sha256", sha}, {"config", config}};
  results.environment = {{"harness", "hourglass"},
                         {"version", HOURGLASS_VERSION},
                         {"git_commit", HOURGLASS_GIT_COMMIT},
                         {"libtorch", TORCH_VERSION},
                         {"blas", blas},
                         {"device", device.str()},
                         {"jobs", jobs},
                         {"threads_per_job", threads},
                         {"omp_wait_policy", openmp_wait_policy()},
                         {"host", hostname()},
                         {"started_at", utc_now("%Y-%m-%dT%H:%M:%SZ")},
                         {"filters", {{"tasks", args.tasks}, {"agents", args.agents}}},
                         {"command", run_command(args, out)},
                         {"plan", nlohmann::json::array()},
                         {"shard", nullptr}};
  for (const auto& p : full_plan) results.environment["plan"].push_back(p.key);
  if (!loaded_plugins().empty()) results.environment["plugins"] = loaded_plugins();
  if (shard) {
    nlohmann::json keys = nlohmann::json::array();
    for (const auto& p : plan) keys.push_back(p.key);
    results.environment["shard"] = {
        {"index", shard->index}, {"count", shard->count}, {"populations", keys}};
  }

  if (!sealed.empty())
    results.environment["seal"] = {
        {"fingerprint", seal ? nlohmann::json(seal->fingerprint) : nlohmann::json(nullptr)},
        {"splits", sealed}};

  Journal journal(*out_dir, kJournalFile, sha, /*append=*/args.resume, journal_seal);
  // The bar counts finished populations by weight and those in flight by the
  // share of their samples or updates done (core/progress.h).
  std::vector<ProgressBar::Item> items;
  for (const auto& p : todo) {
    const AgentSpec& agent = suite.agents.at(p.agent);
    int64_t max_updates = 0;
    if (const LearnerInfo* info = LearnerRegistry::instance().find(agent.learner)) {
      const Params params = resolve_params(info->params, {&agent.params});
      if (params.has("max_updates")) max_updates = params.integer("max_updates");
    }
    items.push_back({p.key, static_cast<double>(p.budget * suite.seeds), p.budget, max_updates});
  }
  std::vector<PopulationProgress> in_flight(todo.size());
  ProgressBar progress(std::move(items), in_flight.data(),
                       !args.quiet && ::isatty(STDERR_FILENO));

  // All trials finished so far in plan order (earlier runs' included); the
  // number of populations of the plan without them.
  auto collect = [&](std::vector<TrialRecord>* trials) {
    size_t missing = 0;
    for (const auto& p : plan) {
      auto it = finished.find(p.key);
      if (it == finished.end()) {
        ++missing;
        continue;
      }
      trials->insert(trials->end(), it->second.begin(), it->second.end());
    }
    return missing;
  };

  // The runner trains on its own thread; this one waits for it or for a
  // signal. On a signal it saves what finished under `saved`'s lock and
  // exits without waiting for the populations in flight.
  std::mutex saved;
  bool closed = false;  // no more journal lines: the run is being abandoned
  if (::pipe2(g_wake, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  g_signal = 0;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::exception_ptr failure;
  std::thread runner([&] {
    try {
      run_plan(
          suite, todo, {device.str(), jobs, threads, in_flight.data(), seal ? &*seal : nullptr},
          [&](size_t i, const std::vector<TrialRecord>& trials) {
            std::lock_guard<std::mutex> lock(saved);
            if (closed) return;
            journal.append(todo[i].key, trials);
            finished[todo[i].key] = trials;
            progress.advance(i);
          },
          [] { return g_signal != 0; });
    } catch (...) {
      failure = std::current_exception();
    }
    const char done = 'd';
    const ssize_t ignored = ::write(g_wake[1], &done, 1);
    (void)ignored;
  });
  for (;;) {
    char why = 0;
    const ssize_t n = ::read(g_wake[0], &why, 1);
    if (n == 1 && why == 'd') break;
    if (n < 0 && errno != EINTR) break;
    if (g_signal == 0) continue;
    std::unique_lock<std::mutex> lock(saved);
    closed = true;
    results.trials.clear();
    const size_t missing = collect(&results.trials);
    if (missing == 0) break;  // everything finished just now: end as usual
    progress.finish();
    results.environment["complete"] = false;
    results.environment["finished_at"] = utc_now("%Y-%m-%dT%H:%M:%SZ");
    int code = 128 + g_signal;
    try {
      out_dir->write_atomic(kResultsFile, to_json(results).dump(2) + "\n");
      std::cerr << "interrupted: " << plan.size() - missing << " of " << plan.size()
                << " population(s) finished and saved in " << results_path << "\n"
                << "resume with: " << run_command(args, out) << " --resume\n";
    } catch (const std::exception& e) {
      std::cerr << "interrupted: " << e.what() << "; the journal " << journal_path
                << " holds every finished population\n";
      code = kExitInput;
    }
    std::cout.flush();
    std::cerr.flush();
    // Not joining the runner: its populations in flight are abandoned, and
    // the agent processes they started are killed with everything they started.
    kill_child_groups();
    std::_Exit(code);
  }
  runner.join();
  progress.finish();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  ::close(g_wake[0]);
  ::close(g_wake[1]);
  if (failure) std::rethrow_exception(failure);

  results.trials.clear();
  const size_t missing = collect(&results.trials);
  results.environment["complete"] = missing == 0;
  results.environment["finished_at"] = utc_now("%Y-%m-%dT%H:%M:%SZ");
  out_dir->write_atomic(kResultsFile, to_json(results).dump(2) + "\n");
  if (g_signal != 0 && missing > 0) {  // the runner saw the signal first
    std::cerr << "interrupted: " << plan.size() - missing << " of " << plan.size()
              << " population(s) finished and saved in " << results_path << "\n"
              << "resume with: " << run_command(args, out) << " --resume\n";
    return 128 + g_signal;
  }

  // Logs first, flushed, then the report in one write: on a terminal the two
  // never interleave.
  int lost = 0;
  for (const auto& t : results.trials) lost += t.status != TrialStatus::kOk;
  if (!args.quiet) spdlog::info("results: {}", results_path);
  if (lost > 0)
    spdlog::warn("{} trial(s) failed or diverged (see status and message in {})", lost,
                 results_path);
  spdlog::default_logger()->flush();
  std::fflush(stderr);
  std::ostringstream report;
  print_run_report(results, results_path, args.format, detail, report);
  std::cout << report.str() << std::flush;
  return lost > 0 ? kExitFailed : kExitOk;
}

}  // namespace

void add_run(CLI::App& app, Action& action) {
  auto args = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand(
      "run",
      "Train every agent of a suite under each sample budget, score it on train, test and "
      "OOD splits, write DIR/results.json (and a journal), and print the table.");
  cmd->add_option("suite", args->suite, "suite file (YAML)")->required();
  cmd->add_option("--out,-o", args->out,
                  "output directory (default runs/<suite>/<UTC time>); refuses to replace "
                  "an existing results.json unless --resume or --overwrite");
  cmd->add_option("--device", args->device, "auto (cuda when available), cpu or cuda")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads,
                  "intra-op threads per job (default 1; above 1 OpenMP waits passively); "
                  "results are bit-identical for the same device and threads per job");
  cmd->add_option("--jobs,-j", args->jobs,
                  "populations trained in parallel, each on its own threads (default: the "
                  "cores, at most the populations to run)");
  cmd->add_option("--tasks", args->tasks, "only tasks whose name matches this regex");
  cmd->add_option("--agents", args->agents, "only agents whose name matches this regex");
  auto* budgets =
      cmd->add_option("--budgets", args->budgets, "replace the suite's budgets, e.g. 100,1000")
          ->delimiter(',');
  auto* seeds = cmd->add_option("--seeds", args->seeds, "replace the suite's number of seeds");
  cmd->add_flag("--resume", args->resume,
                "continue an interrupted run in --out from its journal (same suite only)");
  cmd->add_flag("--overwrite", args->overwrite, "replace an existing results.json in --out");
  cmd->add_option("--format", args->format,
                  "format of the report printed at the end (stdout): table, md, csv, latex, "
                  "json or html; see hourglass report")
      ->capture_default_str();
  cmd->add_option("--report", args->report,
                  "compact: per task one row per agent, test and worst OOD at each budget, "
                  "and the aggregate IQM; full: every table of hourglass report")
      ->capture_default_str();
  cmd->add_flag("--quiet,-q", args->quiet, "no progress bar and no info logs");
  add_suite_limits(cmd, &args->include_paths, &args->max_population_seconds);
  cmd->add_option("--shard", args->shard,
                  "run shard K/N of the populations (0 <= K < N; balanced by estimated cost, "
                  "never splitting a population); default from SLURM_ARRAY_TASK_ID/_COUNT/_MIN "
                  "when set. Combine the shards' results with `hourglass merge`");
  add_plugin_option(cmd, &args->plugins);
  cmd->add_option("--seal-key-file", args->seal_key_file,
                  "file holding the key of the suite's sealed splits (default: the file named "
                  "by HOURGLASS_SEAL_KEY_FILE); without one they are skipped. Only the key's "
                  "fingerprint is recorded (docs/ci-regression.md)");
  cmd->callback([&action, args, seeds, budgets] {
    args->seeds_given = seeds->count() > 0;
    args->budgets_given = budgets->count() > 0;
    action = [args] { return run(*args); };
  });
}

}  // namespace hg::cli
