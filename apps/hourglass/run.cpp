// hourglass run SUITE.yaml: train every population under its budget, score
// every split, write results.json, print the report (hourglass report).
#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include "commands.h"
#include "hourglass/core/error.h"
#include "hourglass/core/plugin.h"
#include "hourglass/core/tensor_util.h"
#include "hourglass/report/renderer.h"
#include "hourglass/results/results.h"
#include "hourglass/run/plan.h"
#include "hourglass/run/runner.h"
#include "hourglass/run/shard.h"
#include "hourglass_git_commit.h"  // generated at build time
#include "progress.h"

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
  int threads = 0;
  int jobs = 1;
  std::string tasks, agents;
  std::vector<int64_t> budgets;
  int64_t seeds = 0;
  bool resume = false;
  bool overwrite = false;
  std::string format = "table";
  bool quiet = false;
  std::string shard;
  std::vector<std::string> plugins;
};

std::atomic<int> g_signal{0};

// The first SIGINT or SIGTERM lets the populations in flight finish and be
// saved, then the run stops; a second one ends the process at once (the
// journal still holds every population finished before it).
extern "C" void on_signal(int sig) {
  g_signal = sig;
  static const char kMessage[] =
      "\nhourglass: stopping after the population(s) in flight; signal again to stop now\n";
  const ssize_t ignored = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  (void)ignored;
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

std::string hostname() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

void apply_overrides(Suite& suite, const RunArgs& args) {
  if (args.seeds != 0) {
    if (args.seeds < 1 || args.seeds > kMaxSeeds)
      throw InputError("--seeds: must be in [1, " + std::to_string(kMaxSeeds) + "], got " +
                       std::to_string(args.seeds));
    suite.seeds = args.seeds;
  }
  if (!args.budgets.empty()) {
    std::vector<int64_t> b = args.budgets;
    const int64_t least = suite.protocol == kProtocolTransfer ? 0 : 1;  // 0: zero-shot
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
  if (args.seeds != 0) cmd += " --seeds " + std::to_string(args.seeds);
  if (args.device != "auto") cmd += " --device " + shell_word(args.device);
  if (args.jobs != 1) cmd += " --jobs " + std::to_string(args.jobs);
  if (args.threads != 0) cmd += " --threads " + std::to_string(args.threads);
  if (!args.shard.empty()) cmd += " --shard " + shell_word(args.shard);
  for (const auto& p : args.plugins) cmd += " --plugin " + shell_word(p);
  return cmd;
}

// Creates the output directory and proves it can be written, before any training.
void prepare_out_dir(const std::string& dir, bool resume, bool overwrite) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError("--out " + dir + ": cannot create directory: " + ec.message());
  const auto results = fs::path(dir) / "results.json";
  if (fs::exists(results) && !resume && !overwrite)
    throw InputError("--out " + dir + ": " + results.string() +
                     " exists; pass --resume to continue that run or --overwrite to replace it");
  const auto journal = fs::path(dir) / "journal.jsonl";
  if (fs::exists(journal) && !resume && !overwrite)
    throw InputError("--out " + dir + ": " + journal.string() +
                     " exists (a run that was interrupted?); pass --resume to continue it or "
                     "--overwrite to start again");
  const auto probe = fs::path(dir) / ".hourglass-write-test";
  errno = 0;
  {
    std::ofstream f(probe);
    if (!f || !(f << "ok") || !f.flush())
      throw InputError("--out " + dir + ": cannot write in this directory" +
                       (errno ? std::string(": ") + std::strerror(errno) : std::string()));
  }
  fs::remove(probe, ec);
}

int run(const RunArgs& args) {
  load_plugins(args.plugins, {args.suite});
  const Catalog catalog = registered_catalog();
  Suite suite = load_suite(args.suite, catalog);
  apply_overrides(suite, args);
  parse_format(args.format);  // a bad --format fails before any training
  const c10::Device device = resolve_device(args.device);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (args.jobs < 1) throw InputError("--jobs: must be >= 1");
  if (args.threads < 0) throw InputError("--threads: must be >= 1");
  const int threads = args.threads > 0 ? args.threads : std::max(1, cores / args.jobs);

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

  const std::string out =
      args.out.empty() ? "runs/" + suite.name + "/" + utc_now("%Y%m%d-%H%M%S") : args.out;
  prepare_out_dir(out, args.resume, args.overwrite);
  const std::string results_path = out + "/results.json";
  const std::string journal_path = out + "/journal.jsonl";

  // Populations finished by an earlier, interrupted run.
  std::map<std::string, std::vector<TrialRecord>> finished;
  if (args.resume && std::filesystem::exists(journal_path)) {
    for (auto& e : Journal::read(journal_path, sha)) finished[e.population_key] = std::move(e.trials);
    spdlog::info("resuming: {} of {} population(s) already finished in {}", finished.size(),
                 plan.size(), journal_path);
  } else if (args.resume) {
    spdlog::info("--resume: no journal at {} yet; starting from the beginning", journal_path);
  }
  std::vector<Population> todo;
  for (const auto& p : plan)
    if (!finished.count(p.key)) todo.push_back(p);

  at::set_num_threads(threads);
  const std::string blas = blas_description();
  if (!args.quiet) {
    spdlog::info("suite '{}' ({}): {} population(s) x {} seed(s), {} to run{}", suite.name,
                 args.suite, plan.size(), suite.seeds, todo.size(),
                 shard ? " (shard " + shard->str() + " of " + std::to_string(full_plan.size()) +
                             " populations)"
                       : "");
    spdlog::info("device {}, {} job(s) x {} intra-op thread(s), LibTorch {}, {}", device.str(),
                 args.jobs, threads, TORCH_VERSION, blas);
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
                         {"jobs", args.jobs},
                         {"threads_per_job", threads},
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

  Journal journal(journal_path, sha, /*append=*/args.resume);
  double total_weight = 0;
  for (const auto& p : todo) total_weight += static_cast<double>(p.budget * suite.seeds);
  ProgressBar progress(todo.size(), total_weight, !args.quiet && ::isatty(STDERR_FILENO));

  g_signal = 0;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const auto new_trials = run_plan(
      suite, todo, {device.str(), args.jobs, threads},
      [&](size_t i, const std::vector<TrialRecord>& trials) {
        journal.append(todo[i].key, trials);
        finished[todo[i].key] = trials;
        progress.advance(static_cast<double>(todo[i].budget * suite.seeds), todo[i].key);
      },
      [] { return g_signal != 0; });
  progress.finish();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  (void)new_trials;

  // All trials in plan order, earlier runs' included.
  size_t missing = 0;
  for (const auto& p : plan) {
    auto it = finished.find(p.key);
    if (it == finished.end()) {
      ++missing;
      continue;
    }
    for (const auto& t : it->second) results.trials.push_back(t);
  }
  results.environment["complete"] = missing == 0;
  results.environment["finished_at"] = utc_now("%Y-%m-%dT%H:%M:%SZ");
  write_file_atomic(results_path, to_json(results).dump(2) + "\n");

  if (g_signal != 0 && missing > 0) {
    std::cerr << "interrupted: " << plan.size() - missing << " of " << plan.size()
              << " population(s) finished and saved in " << results_path << "\n"
              << "resume with: " << run_command(args, out) << " --resume\n";
    return 128 + g_signal;
  }

  print_run_report(results, results_path, args.format, std::cout);
  int lost = 0;
  for (const auto& t : results.trials) lost += t.status != "ok";
  if (!args.quiet) spdlog::info("results: {}", results_path);
  if (lost > 0) {
    spdlog::warn("{} trial(s) failed or diverged (see status and message in {})", lost,
                 results_path);
    return kExitFailed;
  }
  return kExitOk;
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
                  "intra-op threads per job (default: cores / jobs); results are "
                  "bit-identical for the same device and threads per job");
  cmd->add_option("--jobs,-j", args->jobs,
                  "populations trained in parallel, each on its own threads")
      ->capture_default_str();
  cmd->add_option("--tasks", args->tasks, "only tasks whose name matches this regex");
  cmd->add_option("--agents", args->agents, "only agents whose name matches this regex");
  cmd->add_option("--budgets", args->budgets, "replace the suite's budgets, e.g. 100,1000")
      ->delimiter(',');
  cmd->add_option("--seeds", args->seeds, "replace the suite's number of seeds");
  cmd->add_flag("--resume", args->resume,
                "continue an interrupted run in --out from its journal (same suite only)");
  cmd->add_flag("--overwrite", args->overwrite, "replace an existing results.json in --out");
  cmd->add_option("--format", args->format,
                  "format of the report printed at the end (stdout): table, md, csv, latex, "
                  "json or html; see hourglass report")
      ->capture_default_str();
  cmd->add_flag("--quiet,-q", args->quiet, "no progress bar and no info logs");
  cmd->add_option("--shard", args->shard,
                  "run shard K/N of the populations (0 <= K < N; balanced by estimated cost, "
                  "never splitting a population); default from SLURM_ARRAY_TASK_ID/_COUNT/_MIN "
                  "when set. Combine the shards' results with `hourglass merge`");
  add_plugin_option(cmd, &args->plugins);
  cmd->callback([&action, args] { action = [args] { return run(*args); }; });
}

}  // namespace hg::cli
