#include "hourglass/results/merge.h"

#include <algorithm>
#include <map>
#include <set>

#include "hourglass/core/error.h"

namespace hg {
namespace {

using nlohmann::json;

std::vector<std::string> string_list(const json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& v : j)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::string text(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string list(const std::vector<std::string>& items, size_t most = 20) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < most; ++i) out += "\n    " + items[i];
  if (items.size() > most) out += "\n    ... and " + std::to_string(items.size() - most) + " more";
  return out;
}

}  // namespace

Results merge_shards(const std::vector<ShardFile>& shards) {
  if (shards.empty()) throw InputError("merge: no results files given");
  std::vector<std::string> problems;
  const ShardFile& first = shards.front();
  const std::string sha = text(first.results.suite, "sha256");
  const std::string version = text(first.results.environment, "version");
  const auto plan = string_list(first.results.environment.value("plan", json()));
  if (plan.empty())
    problems.push_back(first.path + ": no environment.plan: not written by `hourglass run`");

  std::map<std::string, std::string> owner;  // population -> file
  for (const auto& shard : shards) {
    const auto& env = shard.results.environment;
    if (text(shard.results.suite, "sha256") != sha)
      problems.push_back(shard.path + ": from another suite (sha256 " +
                         text(shard.results.suite, "sha256") + ", " + first.path + " has " + sha +
                         ")");
    if (text(env, "version") != version)
      problems.push_back(shard.path + ": written by hourglass " + text(env, "version") + ", " +
                         first.path + " by " + version);
    // Sealed splits drawn with different keys (or skipped in some shards) do not mix.
    if (const std::string seal = seal_fingerprint_of(shard.results),
        seal0 = seal_fingerprint_of(first.results);
        seal != seal0) {
      auto told = [](const std::string& s) {
        return s.empty() ? std::string("(no sealed splits)")
               : s == "none" ? std::string("none (no key: skipped)")
                             : s;
      };
      problems.push_back(shard.path + ": its sealed splits have seal key fingerprint " +
                         told(seal) + ", " + first.path + " has " + told(seal0) +
                         " (run every shard with the same --seal-key-file)");
    }
    if (string_list(env.value("plan", json())) != plan && &shard != &first)
      problems.push_back(shard.path + ": its plan differs from " + first.path +
                         " (other --tasks/--agents filters?)");
    const auto& s = env.value("shard", json());
    const auto populations = s.is_object() ? string_list(s.value("populations", json())) : plan;
    for (const auto& p : populations) {
      auto [it, fresh] = owner.emplace(p, shard.path);
      if (!fresh)
        problems.push_back("population " + p + " appears twice: in " + it->second + " and in " +
                           shard.path);
    }
    for (const auto& t : shard.results.trials) {
      const auto key = population_key(t.task, t.agent, t.budget);
      if (std::find(populations.begin(), populations.end(), key) == populations.end()) {
        problems.push_back(shard.path + ": holds trials of " + key +
                           ", which is not among its shard's populations");
        break;
      }
    }
  }
  std::vector<std::string> missing;
  for (const auto& p : plan)
    if (!owner.count(p)) missing.push_back(p);
  if (!missing.empty())
    problems.push_back(std::to_string(missing.size()) + " of " + std::to_string(plan.size()) +
                       " population(s) missing from every file:" + list(missing));
  if (!problems.empty()) {
    std::string message = "merge: cannot merge " + std::to_string(shards.size()) + " file(s):";
    for (const auto& p : problems) message += "\n  " + p;
    throw InputError(message);
  }

  std::map<std::string, size_t> rank;
  for (size_t i = 0; i < plan.size(); ++i) rank[plan[i]] = i;
  Results merged;
  merged.suite = first.results.suite;
  merged.environment = first.results.environment;
  json from = json::array();
  bool complete = true;
  std::string started, finished;
  for (const auto& shard : shards) {
    const auto& env = shard.results.environment;
    from.push_back({{"path", shard.path}, {"shard", env.value("shard", json())}});
    complete = complete && env.value("complete", false);
    const auto s = text(env, "started_at"), f = text(env, "finished_at");
    if (started.empty() || (!s.empty() && s < started)) started = s;
    if (f > finished) finished = f;
    for (const auto& t : shard.results.trials) merged.trials.push_back(t);
  }
  std::stable_sort(merged.trials.begin(), merged.trials.end(),
                   [&](const TrialRecord& a, const TrialRecord& b) {
                     const auto ra = rank.at(population_key(a.task, a.agent, a.budget));
                     const auto rb = rank.at(population_key(b.task, b.agent, b.budget));
                     return ra != rb ? ra < rb : a.seed_index < b.seed_index;
                   });
  merged.environment["shard"] = nullptr;
  merged.environment["merged_from"] = from;
  merged.environment["complete"] = complete;
  merged.environment["started_at"] = started;
  merged.environment["finished_at"] = finished;
  return merged;
}

}  // namespace hg
