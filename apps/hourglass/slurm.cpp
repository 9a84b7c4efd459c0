// hourglass slurm SUITE.yaml --shards N [...] [--submit]: a Slurm job array
// (one shard per array task) and a dependent merge job.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <sstream>
#include <iostream>

#include "commands.h"
#include "hourglass/core/error.h"
#include "hourglass/core/files.h"
#include "hourglass/run/plan.h"

namespace hg::cli {
namespace {

namespace fs = std::filesystem;

struct SlurmArgs {
  std::string suite;
  int shards = 0;
  std::string partition;
  std::string time = "01:00:00";
  int cpus = 2;
  int gpus = 0;
  std::string out;
  std::string run_args;
  bool submit = false;
};

// Single-quotes `s` for bash.
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string self_path() {
  std::error_code ec;
  const auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("hourglass") : p.string();
}

std::string header(const SlurmArgs& a, const std::string& name, const std::string& log) {
  std::string h = "#!/bin/bash\n";
  h += "#SBATCH --job-name=" + name + "\n";
  h += "#SBATCH --output=" + log + "\n";
  h += "#SBATCH --time=" + a.time + "\n";
  h += "#SBATCH --ntasks=1\n";
  h += "#SBATCH --cpus-per-task=" + std::to_string(a.cpus) + "\n";
  if (!a.partition.empty()) h += "#SBATCH --partition=" + a.partition + "\n";
  if (a.gpus > 0) h += "#SBATCH --gres=gpu:" + std::to_string(a.gpus) + "\n";
  return h;
}

// Runs `command`, returns its stdout; InputError when it fails.
std::string capture(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw InputError("cannot run: " + command);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe)) out += buf;
  const int status = ::pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (status != 0) throw InputError("`" + command + "` failed: " + out);
  return out;
}

int slurm(const SlurmArgs& a) {
  if (a.shards < 1) throw InputError("--shards: must be >= 1");
  if (a.cpus < 1) throw InputError("--cpus: must be >= 1");
  if (a.gpus < 0) throw InputError("--gpus: must be >= 0");
  const Suite suite = load_suite(a.suite, registered_catalog());  // fail early on a bad suite
  std::string out = a.out;
  if (out.empty()) out = "runs/" + suite.name + "/slurm-" + utc_now("%Y%m%d-%H%M%S");
  std::error_code ec;
  fs::create_directories(fs::path(out) / "logs", ec);
  if (ec) throw InputError("--out " + out + ": cannot create directory: " + ec.message());
  out = fs::absolute(out).lexically_normal().string();
  const std::string suite_path = fs::absolute(a.suite).lexically_normal().string();
  const std::string exe = self_path();
  const std::string device = a.gpus > 0 ? "cuda" : "cpu";

  // Written through the opened directory: a link planted in it is never followed.
  const OutputDir dir(out);
  const std::string array_script = out + "/array.sbatch";
  {
    std::ostringstream f;
    f << header(a, "hourglass-" + suite.name, out + "/logs/shard-%a.log");
    f << "#SBATCH --array=0-" << a.shards - 1 << "\n";
    f << "# One shard of suite '" << suite.name << "' per array task. To rerun failed tasks,\n"
      << "# resubmit with --array=<their ids>: --resume continues each from its journal.\n";
    f << "set -euo pipefail\n";
    f << "exec " << quote(exe) << " run " << quote(suite_path) << " --shard \"${SLURM_ARRAY_TASK_ID}/"
      << a.shards << "\" --out " << quote(out) << "/shard-\"${SLURM_ARRAY_TASK_ID}\""
      << " --resume --quiet --device " << device << " --threads " << a.cpus
      << (a.run_args.empty() ? "" : " " + a.run_args) << "\n";
    dir.write_atomic("array.sbatch", f.str());
  }
  const std::string merge_script = out + "/merge.sbatch";
  {
    SlurmArgs m = a;
    m.cpus = 1;
    m.gpus = 0;
    std::ostringstream f;
    f << header(m, "hourglass-" + suite.name + "-merge", out + "/logs/merge.log");
    f << "# Runs after every array task succeeded (sbatch --dependency=afterok:<array job>).\n";
    f << "set -euo pipefail\n";
    f << "inputs=()\nfor k in $(seq 0 " << a.shards - 1 << "); do inputs+=(" << quote(out)
      << "/shard-$k/results.json); done\n";
    f << "exec " << quote(exe) << " merge \"${inputs[@]}\" -o " << quote(out + "/results.json")
      << "\n";
    dir.write_atomic("merge.sbatch", f.str());
  }
  std::cout << "wrote " << array_script << " (" << a.shards << " array task(s)) and "
            << merge_script << "\n";
  if (!a.submit) {
    std::cout << "submit with:\n  jid=$(sbatch --parsable " << quote(array_script) << ")\n"
              << "  sbatch --dependency=afterok:${jid} " << quote(merge_script) << "\n"
              << "merged results will be in " << out << "/results.json\n";
    return kExitOk;
  }
  const std::string array_id = capture("sbatch --parsable " + quote(array_script));
  const std::string array_job = array_id.substr(0, array_id.find(';'));
  const std::string merge_id =
      capture("sbatch --parsable --dependency=afterok:" + array_job + " " + quote(merge_script));
  std::cout << "submitted array job " << array_job << " and merge job "
            << merge_id.substr(0, merge_id.find(';')) << "\n"
            << "merged results will be in " << out << "/results.json\n";
  return kExitOk;
}

}  // namespace

void add_slurm(CLI::App& app, Action& action) {
  auto a = std::make_shared<SlurmArgs>();
  auto* cmd = app.add_subcommand(
      "slurm",
      "Write an sbatch script that runs a suite as a Slurm job array (one shard per array "
      "task, each with its own results), and a merge job that depends on it; --submit submits "
      "both and prints their job ids. See docs/scaling-out.md.");
  cmd->add_option("suite", a->suite, "suite file (YAML)")->required();
  cmd->add_option("--shards", a->shards, "number of array tasks (shards)")->required();
  cmd->add_option("--partition", a->partition, "Slurm partition");
  cmd->add_option("--time", a->time, "time limit per array task")->capture_default_str();
  cmd->add_option("--cpus", a->cpus, "CPUs per array task (also --threads of each run)")
      ->capture_default_str();
  cmd->add_option("--gpus", a->gpus, "GPUs per array task (--gres=gpu:G, --device cuda)")
      ->capture_default_str();
  cmd->add_option("--out", a->out,
                  "directory for the scripts, logs, shards and merged results "
                  "(default runs/<suite>/slurm-<UTC time>)");
  cmd->add_option("--run-args", a->run_args,
                  "extra arguments for every `hourglass run`, e.g. \"--budgets 100,1000\"");
  cmd->add_flag("--submit", a->submit, "submit with sbatch and print the job ids");
  cmd->callback([&action, a] { action = [a] { return slurm(*a); }; });
}

}  // namespace hg::cli
