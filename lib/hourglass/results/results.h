// The results file `hourglass.results/1` and the run journal.
//
// A results file is one JSON document (see docs/results-format.md):
//   schema, suite {name, path, sha256, config}, environment {...},
//   trials [...], summary [...]
// It is written atomically (temporary file, fsync, rename): a reader never
// sees half a file. While a run goes, each finished population's trials are
// appended to a journal (JSON lines, fsync'd) beside it. No LibTorch here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hourglass/core/files.h"

namespace hg {

inline constexpr const char* kResultsSchema = "hourglass.results/1";
inline constexpr const char* kJournalSchema = "hourglass.journal/1";
inline constexpr int kMaxResultsDepth = 64;  // JSON nesting refused beyond this
// Results files larger than this are refused before parsing (--max-input-size).
inline constexpr uint64_t kDefaultMaxResultsBytes = uint64_t{1} << 30;  // 1 GiB
// Scores and timings beyond this magnitude are refused: statistics over them
// (sums of thousands of squares) must stay finite.
inline constexpr double kMaxResultsMagnitude = 1e100;

// What became of a trial (run/phase.h says when): `ok`, `failed` (the
// learner or its evaluation threw; every split present with NaN scores) or
// `diverged` (a loss or a score stopped being finite).
enum class TrialStatus { kOk, kFailed, kDiverged };

// "ok", "failed", "diverged": the spelling in results files and journals.
const char* to_string(TrialStatus status);
// The inverse; nullopt for anything else.
std::optional<TrialStatus> trial_status_from_string(const std::string& text);

struct SplitScore {
  std::string split;  // "train", "test", "ood/<name>"
  double raw = 0.0;
  double normalized = 0.0;  // NaN when not computable (written as null)
};

struct TrialRecord {
  std::string task;
  std::string agent;
  int64_t budget = 0;
  int64_t seed_index = 0;
  uint64_t seed = 0;
  TrialStatus status = TrialStatus::kOk;
  std::string message;        // why it failed or diverged
  std::optional<int64_t> diverged_at;  // update at which the loss stopped being finite
  int64_t samples_used = 0;
  int64_t updates = 0;
  double train_seconds = 0.0;  // the population's training wall time / its size
  std::vector<SplitScore> splits;  // train, (validation,) test, then ood/* in suite order
  // A swept configuration's parameters, "lr=0.001,hidden=[64]"
  // (AgentSpec::configuration_text); "" for an ordinary agent.
  std::string configuration;

  const SplitScore* find_split(const std::string& name) const;
};

// The one filter every aggregate uses (report, summary, compare, a
// protocol's report): a score counts when its trial is ok and both its raw
// and normalized scores are finite. Failed and diverged trials are counted,
// never averaged.
bool usable_score(const TrialRecord& trial, const SplitScore& score);

// "task/agent/budget": the identity of a population in journals, shards and merges.
std::string population_key(const std::string& task, const std::string& agent, int64_t budget);

nlohmann::json to_json(const TrialRecord& trial);
// Throws InputError naming `where` (e.g. "results.json: trials[3]") and the field.
// `protocol` (a registered protocol's name, run/protocol.h; "" = any of
// them) decides which budgets and split names are allowed.
TrialRecord trial_from_json(const nlohmann::json& j, const std::string& where,
                            const std::string& protocol);
// The same under the default protocol.
TrialRecord trial_from_json(const nlohmann::json& j, const std::string& where);

// bugprone-exception-escape is silenced: the implicit destructor and moves
// are noexcept; clang-tidy sees nlohmann::json's destructor, which may
// allocate while it flattens a deep value, and takes it as a throw escaping.
// NOLINTNEXTLINE(bugprone-exception-escape)
struct Results {
  nlohmann::json suite;        // {name, path, sha256, config}
  nlohmann::json environment;  // versions, git, device, threads, host, start time, ...
  std::vector<TrialRecord> trials;
};

// The document, with `summary` derived from the trials (see summary.h).
nlohmann::json to_json(const Results& results);
// Sealed splits (docs/results-format.md). The fingerprint of the seal key a
// run's sealed splits were drawn with (environment.seal.fingerprint): "" when
// the suite seals no split, "none" when the run had no key (they were
// skipped). InputError when environment.seal is malformed.
std::string seal_fingerprint_of(const Results& results);
// Per task name, the split names ("ood/<name>") its resolved config
// (suite.config.tasks[].sealed) marks sealed; empty when none.
std::map<std::string, std::set<std::string>> sealed_splits_of(const nlohmann::json& suite);

// Reads and validates a results file; InputError (exit 2) on anything wrong:
// not JSON, a number outside the double range (located file:line:col), a
// file above `max_bytes` (before parsing), a score or timing beyond
// kMaxResultsMagnitude, a trial twice, or a trial without a split that other
// trials of its population (task, agent, budget) have. Names (task, agent,
// suite) with control characters are refused; messages are made printable.
Results read_results(const std::string& path, uint64_t max_bytes = kDefaultMaxResultsBytes);

// "--max-input-size": "1GiB", "500MB", "2048" (bytes) -> bytes; InputError
// naming `flag` otherwise.
uint64_t parse_byte_size(const std::string& text, const std::string& flag);

// Writes a file the user named (-o): write_output_file (core/files.h):
// replaced atomically through an O_EXCL temporary beside it, or written
// through when it is a device or a pipe, or refused. InputError when the
// directory cannot be written.
void write_file_atomic(const std::string& path, const std::string& contents);

// Append-only journal of finished populations.
class Journal {
 public:
  // Opens `name` in `dir` (creating or truncating unless `append`; never
  // through a symbolic link) and, when new, writes the header line
  // {"schema", "suite_sha256"} (and "seal" when `seal` is not empty: the
  // fingerprint of the run's seal key, or "none", for a suite with sealed
  // splits; never the key). With `append`, a torn last line is cut off.
  Journal(const OutputDir& dir, const std::string& name, const std::string& suite_sha256,
          bool append, const std::string& seal = "");
  // The same for a path (its folder opened as an OutputDir).
  Journal(const std::string& path, const std::string& suite_sha256, bool append,
          const std::string& seal = "");
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // One line {"population": key, "trials": [...]}, flushed and fsync'd.
  void append(const std::string& population_key, const std::vector<TrialRecord>& trials);

  struct Entry {
    std::string population_key;
    std::vector<TrialRecord> trials;
  };
  // Reads a journal; a torn last line (from a kill) is ignored. Throws
  // InputError when the header's suite hash differs from `suite_sha256`, or
  // its "seal" (absent: "") from `seal` (a run resumed with another seal
  // key, or without one, would mix sealed draws).
  static std::vector<Entry> read(const std::string& path, const std::string& suite_sha256,
                                 const std::string& seal = "");
  static std::vector<Entry> read(const OutputDir& dir, const std::string& name,
                                 const std::string& suite_sha256, const std::string& seal = "");
  // The entries of a journal's text; `shown` names it in errors.
  static std::vector<Entry> parse(const std::string& text, const std::string& shown,
                                  const std::string& suite_sha256, const std::string& seal = "");

 private:
  int fd_ = -1;
  std::string shown_;  // the path, for messages
};

}  // namespace hg
