#include "hourglass/results/results.h"
#include "hourglass/results/protocol_splits.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "hourglass/core/error.h"
#include "hourglass/results/summary.h"
#include "hourglass/run/protocol.h"

namespace hg {

using nlohmann::json;

const char* to_string(TrialStatus status) {
  switch (status) {
    case TrialStatus::kOk:
      return "ok";
    case TrialStatus::kFailed:
      return "failed";
    case TrialStatus::kDiverged:
      return "diverged";
  }
  return "?";
}

std::optional<TrialStatus> trial_status_from_string(const std::string& text) {
  for (auto status : {TrialStatus::kOk, TrialStatus::kFailed, TrialStatus::kDiverged})
    if (text == to_string(status)) return status;
  return std::nullopt;
}

const SplitScore* TrialRecord::find_split(const std::string& name) const {
  for (const auto& s : splits)
    if (s.split == name) return &s;
  return nullptr;
}

bool usable_score(const TrialRecord& trial, const SplitScore& score) {
  return trial.status == TrialStatus::kOk && std::isfinite(score.normalized) &&
         std::isfinite(score.raw);
}

namespace {

json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

double number_from(const json& j, const std::string& where) {
  if (j.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!j.is_number()) throw InputError(where + ": expected a number or null");
  return j.get<double>();
}

const json& field(const json& j, const char* key, const std::string& where) {
  if (!j.is_object()) throw InputError(where + ": expected an object");
  auto it = j.find(key);
  if (it == j.end()) throw InputError(where + ": missing field '" + key + "'");
  return *it;
}

std::string string_field(const json& j, const char* key, const std::string& where) {
  const auto& v = field(j, key, where);
  if (!v.is_string()) throw InputError(where + "." + key + ": expected a string");
  return v.get<std::string>();
}

int64_t int_field(const json& j, const char* key, const std::string& where) {
  const auto& v = field(j, key, where);
  if (!v.is_number_integer()) throw InputError(where + "." + key + ": expected an integer");
  return v.get<int64_t>();
}

void sync_directory(const std::string& path) {
  const auto dir = std::filesystem::path(path).parent_path();
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

void write_all(int fd, const std::string& data, const std::string& path) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError(path + ": cannot write: " + std::strerror(errno));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

std::string population_key(const std::string& task, const std::string& agent, int64_t budget) {
  return task + "/" + agent + "/" + std::to_string(budget);
}

json to_json(const TrialRecord& t) {
  json splits = json::object();
  for (const auto& s : t.splits)
    splits[s.split] = {{"raw", number_or_null(s.raw)}, {"normalized", number_or_null(s.normalized)}};
  json j = {{"task", t.task},
            {"agent", t.agent},
            {"budget", t.budget},
            {"seed_index", t.seed_index},
            {"seed", t.seed},
            {"status", to_string(t.status)},
            {"samples_used", t.samples_used},
            {"updates", t.updates},
            {"train_seconds", t.train_seconds},
            {"splits", splits}};
  if (!t.message.empty()) j["message"] = t.message;
  if (t.diverged_at) j["diverged_at"] = *t.diverged_at;
  return j;
}

namespace {

// Which budgets and split names a protocol's trials may have
// (docs/results-format.md): the registered protocol's min_budget and
// is_split (run/protocol.h). A journal line does not say its protocol:
// kAnyProtocol accepts the union over the registered protocols.
constexpr const char* kAnyProtocol = "";

const ProtocolInfo* protocol_named(const std::string& protocol) {
  if (protocol.empty()) return nullptr;
  if (const ProtocolInfo* info = ProtocolRegistry::instance().find(protocol)) return info;
  throw std::logic_error("trial_from_json: unregistered protocol '" + protocol + "'");
}

bool split_name_ok(const std::string& name, const std::string& protocol) {
  if (const ProtocolInfo* info = protocol_named(protocol))
    return info->is_split && info->is_split(name);
  for (const auto& [unused, info] : ProtocolRegistry::instance().entries())
    if (info.is_split && info.is_split(name)) return true;
  return false;
}

std::string split_names_of(const std::string& protocol) {
  auto patterns = [](const ProtocolInfo& info) {
    std::string out;
    for (size_t i = 0; i < info.splits.size(); ++i)
      out += (i == 0 ? "" : i + 1 == info.splits.size() ? " or " : ", ") + info.splits[i].pattern;
    return out;
  };
  if (const ProtocolInfo* info = protocol_named(protocol)) return patterns(*info);
  std::string out;
  for (const auto& [name, info] : ProtocolRegistry::instance().entries())
    out += (out.empty() ? "" : "; ") + patterns(info) + " (" + name + ")";
  return out;
}

int64_t min_budget_of(const std::string& protocol) {
  if (const ProtocolInfo* info = protocol_named(protocol)) return info->min_budget;
  int64_t least = 1;
  for (const auto& [unused, info] : ProtocolRegistry::instance().entries())
    least = std::min(least, info.min_budget);
  return least;
}

}  // namespace

TrialRecord trial_from_json(const json& j, const std::string& where) {
  return trial_from_json(j, where, default_protocol().name);
}

TrialRecord trial_from_json(const json& j, const std::string& where,
                            const std::string& protocol) {
  TrialRecord t;
  t.task = string_field(j, "task", where);
  t.agent = string_field(j, "agent", where);
  t.budget = int_field(j, "budget", where);
  const int64_t min_budget = min_budget_of(protocol);
  if (t.budget < min_budget)
    throw InputError(where + ".budget: must be >= " + std::to_string(min_budget) + ", got " +
                     std::to_string(t.budget));
  t.seed_index = int_field(j, "seed_index", where);
  if (t.seed_index < 0)
    throw InputError(where + ".seed_index: must be >= 0, got " + std::to_string(t.seed_index));
  const auto& seed = field(j, "seed", where);
  if (!seed.is_number_unsigned() && !(seed.is_number_integer() && seed.get<int64_t>() >= 0))
    throw InputError(where + ".seed: expected a non-negative integer");
  t.seed = seed.get<uint64_t>();
  const std::string status = string_field(j, "status", where);
  const auto parsed = trial_status_from_string(status);
  if (!parsed)
    throw InputError(where + ".status: expected ok, diverged or failed, got '" + status + "'");
  t.status = *parsed;
  if (j.contains("message")) t.message = string_field(j, "message", where);
  if (j.contains("diverged_at")) t.diverged_at = int_field(j, "diverged_at", where);
  t.samples_used = int_field(j, "samples_used", where);
  if (t.samples_used < 0) throw InputError(where + ".samples_used: must be >= 0");
  t.updates = int_field(j, "updates", where);
  if (t.updates < 0) throw InputError(where + ".updates: must be >= 0");
  t.train_seconds = number_from(field(j, "train_seconds", where), where + ".train_seconds");
  const auto& splits = field(j, "splits", where);
  if (!splits.is_object()) throw InputError(where + ".splits: expected an object");
  for (const auto& [name, s] : splits.items()) {
    const std::string at = where + ".splits." + name;
    if (!split_name_ok(name, protocol))
      throw InputError(at + ": a split is " + split_names_of(protocol));
    t.splits.push_back({name, number_from(field(s, "raw", at), at + ".raw"),
                        number_from(field(s, "normalized", at), at + ".normalized")});
  }
  // json objects iterate in key order; keep train, test, then ood/* in order.
  auto rank = [](const std::string& n) { return n == "train" ? 0 : n == "test" ? 1 : 2; };
  std::stable_sort(t.splits.begin(), t.splits.end(), [&](const auto& a, const auto& b) {
    return rank(a.split) < rank(b.split);
  });
  return t;
}

json to_json(const Results& r) {
  json trials = json::array();
  for (const auto& t : r.trials) trials.push_back(to_json(t));
  json summary = json::array();
  for (const auto& s : summarize(r.trials)) summary.push_back(to_json(s));
  return {{"schema", kResultsSchema},
          {"suite", r.suite},
          {"environment", r.environment},
          {"trials", trials},
          {"summary", summary}};
}

namespace {

// The location of the 1-based byte offset `byte` of `text`.
SourceLocation located(const std::string& path, const std::string& text, size_t byte) {
  size_t line = 1, column = 1;
  const size_t end = std::min(byte > 0 ? byte - 1 : 0, text.size());
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {path, static_cast<int>(std::min<size_t>(line, 1u << 30)),
          static_cast<int>(std::min<size_t>(column, 1u << 30))};
}

struct TooDeep {};

}  // namespace

Results read_results(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError(path + ": cannot read results file: it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open results file: " + std::strerror(errno));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw InputError(path + ": empty file: not a results file");
  json doc;
  try {
    // Nothing in a results file nests deeper than a few levels; refusing deep
    // nesting keeps hostile input from exhausting the stack later.
    doc = json::parse(text, [](int depth, json::parse_event_t, json&) {
      if (depth > kMaxResultsDepth) throw TooDeep{};
      return true;
    });
  } catch (const json::parse_error& e) {
    std::string why = e.what();
    const size_t colon = why.find(": ", why.find("parse error"));
    if (colon != std::string::npos) why = why.substr(colon + 2);
    for (char& c : why)  // binary input echoed back: keep the message printable
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    throw InputError(located(path, text, e.byte), "not valid JSON: " + why);
  } catch (const TooDeep&) {
    throw InputError(path + ": JSON nested deeper than " + std::to_string(kMaxResultsDepth) +
                     " levels: not a results file");
  }
  if (!doc.is_object()) throw InputError(path + ": expected a JSON object");
  const auto schema = doc.value("schema", json());
  if (!schema.is_string() || schema.get<std::string>() != kResultsSchema)
    throw InputError(path + ": not a results file (schema must be \"" +
                     std::string(kResultsSchema) + "\")");
  Results r;
  r.suite = field(doc, "suite", path);
  (void)string_field(r.suite, "name", path + ": suite");
  (void)string_field(r.suite, "sha256", path + ": suite");
  r.environment = field(doc, "environment", path);
  if (!r.environment.is_object()) throw InputError(path + ": environment: expected an object");
  std::string protocol = default_protocol().name;
  if (const auto config = r.suite.find("config");
      config != r.suite.end() && config->is_object() && config->contains("protocol")) {
    const auto& p = (*config)["protocol"];
    if (!p.is_string() || !ProtocolRegistry::instance().find(p.get<std::string>())) {
      std::string known;
      const auto names = ProtocolRegistry::instance().names();
      for (size_t i = 0; i < names.size(); ++i)
        known += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
      throw InputError(path + ": suite.config.protocol: expected " + known);
    }
    protocol = p.get<std::string>();
  }
  const auto& trials = field(doc, "trials", path);
  if (!trials.is_array()) throw InputError(path + ": trials: expected an array");
  std::map<std::tuple<std::string, std::string, int64_t, int64_t>, size_t> seen;
  for (size_t i = 0; i < trials.size(); ++i) {
    const std::string where = path + ": trials[" + std::to_string(i) + "]";
    r.trials.push_back(trial_from_json(trials[i], where, protocol));
    const auto& t = r.trials.back();
    auto [it, fresh] = seen.try_emplace({t.task, t.agent, t.budget, t.seed_index}, i);
    if (!fresh)
      throw InputError(where + ": the same trial (task '" + t.task + "', agent '" + t.agent +
                       "', budget " + std::to_string(t.budget) + ", seed_index " +
                       std::to_string(t.seed_index) + ") as trials[" +
                       std::to_string(it->second) + "]");
  }
  return r;
}

void write_file_atomic(const std::string& path, const std::string& contents) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw InputError(path + ": cannot write: " + std::strerror(errno));
  try {
    write_all(fd, contents, tmp);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw InputError(path + ": cannot write: " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw InputError(path + ": cannot write: " + why);
  }
  sync_directory(path);
}

namespace {

std::string read_whole(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open " + what + ": " + std::strerror(errno));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A kill while a line was being written leaves a torn last line (no newline).
// Cut it off before appending, so that the next line starts a line of its own.
void drop_torn_tail(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return;
  const std::string text = read_whole(path, "journal");
  const size_t last = text.rfind('\n');
  const size_t keep = last == std::string::npos ? 0 : last + 1;
  if (keep < text.size() && ::truncate(path.c_str(), static_cast<off_t>(keep)) != 0)
    throw InputError(path + ": cannot repair the journal's torn last line: " +
                     std::strerror(errno));
}

}  // namespace

Journal::Journal(const std::string& path, const std::string& suite_sha256, bool append) {
  if (append) drop_torn_tail(path);
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  fd_ = ::open(path.c_str(), flags, 0644);
  if (fd_ < 0) throw InputError(path + ": cannot write journal: " + std::strerror(errno));
  if (!append || ::lseek(fd_, 0, SEEK_END) == 0) {
    const json header = {{"schema", kJournalSchema}, {"suite_sha256", suite_sha256}};
    write_all(fd_, header.dump() + "\n", path);
    ::fsync(fd_);
  }
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

void Journal::append(const std::string& population_key, const std::vector<TrialRecord>& trials) {
  json line = {{"population", population_key}, {"trials", json::array()}};
  for (const auto& t : trials) line["trials"].push_back(to_json(t));
  write_all(fd_, line.dump() + "\n", "journal");
  ::fsync(fd_);
}

std::vector<Journal::Entry> Journal::read(const std::string& path,
                                          const std::string& suite_sha256) {
  const std::string text = read_whole(path, "journal");
  // Complete lines only: whatever follows the last newline is a line torn by a
  // kill while it was written, and that population simply runs again.
  std::vector<std::string> lines;
  for (size_t start = 0;;) {
    const size_t end = text.find('\n', start);
    if (end == std::string::npos) break;
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (lines.empty()) return {};
  json header = json::parse(lines[0], nullptr, /*allow_exceptions=*/false);
  if (!header.is_object() || header.value("schema", "") != kJournalSchema)
    throw InputError(path + ":1: not a journal (schema must be \"" +
                     std::string(kJournalSchema) + "\")");
  if (header.value("suite_sha256", "") != suite_sha256)
    throw InputError(path + ": the suite changed since this journal was written (suite sha256 " +
                     header.value("suite_sha256", "?") + ", now " + suite_sha256 +
                     "); start a fresh run instead of --resume");
  std::vector<Entry> entries;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string where = path + ":" + std::to_string(i + 1);
    json j = json::parse(lines[i], nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) throw InputError(where + ": corrupt journal line");
    Entry e;
    e.population_key = string_field(j, "population", where);
    const auto& trials = field(j, "trials", where);
    if (!trials.is_array()) throw InputError(where + ": trials: expected an array");
    for (const auto& t : trials) e.trials.push_back(trial_from_json(t, where, kAnyProtocol));
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace hg
