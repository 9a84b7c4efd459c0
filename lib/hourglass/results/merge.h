// Merging the results files of a sharded run (`hourglass merge`).
//
// Each shard's results.json records the whole plan (environment.plan, the
// population keys of the filtered suite) and its own share
// (environment.shard.populations). Merging checks that every file comes from
// the same suite (suite.sha256) and harness version, that no population
// appears twice and none is missing, and returns one Results equal, trial for
// trial, to what an unsharded run writes: trials in plan order.
#pragma once

#include <string>
#include <vector>

#include "hourglass/results/results.h"

namespace hg {

struct ShardFile {
  std::string path;
  Results results;
};

// Throws InputError listing every problem found (not only the first).
Results merge_shards(const std::vector<ShardFile>& shards);

}  // namespace hg
