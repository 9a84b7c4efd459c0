// hourglass merge SHARD.json... -o RESULTS.json
#include <spdlog/spdlog.h>

#include <iostream>

#include "commands.h"
#include "hourglass/core/error.h"
#include "hourglass/results/merge.h"

namespace hg::cli {

void add_merge(CLI::App& app, Action& action) {
  struct Args {
    std::vector<std::string> inputs;
    std::string output;
    std::function<uint64_t()> max_bytes;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "merge",
      "Merge the results files of a sharded run (hourglass run --shard K/N) into one. Checks "
      "that all come from the same suite and harness version, that no population appears "
      "twice and none is missing (listing them); exit 2 otherwise, writing nothing.");
  cmd->add_option("shards", args->inputs, "results.json of every shard")->required();
  cmd->add_option("-o,--output", args->output, "merged results file to write")->required();
  args->max_bytes = add_max_input_size(cmd);
  cmd->callback([&action, args] {
    action = [args] {
      std::vector<ShardFile> shards;
      const uint64_t max_bytes = args->max_bytes();
      for (const auto& path : args->inputs) shards.push_back({path, read_results(path, max_bytes)});
      const Results merged = merge_shards(shards);
      write_file_atomic(args->output, to_json(merged).dump(2) + "\n");
      spdlog::info("merged {} file(s), {} trial(s) into {}", shards.size(), merged.trials.size(),
                   args->output);
      return kExitOk;
    };
  });
}

}  // namespace hg::cli
