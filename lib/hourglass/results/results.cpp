#include "hourglass/results/results.h"

#include "hourglass/results/split_names.h"
#include "hourglass/results/protocol_splits.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "hourglass/core/error.h"
#include "hourglass/core/files.h"
#include "hourglass/core/text.h"
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
  const double v = j.get<double>();
  if (!(std::fabs(v) <= kMaxResultsMagnitude))
    throw InputError(where + ": " + j.dump() + " is outside [-1e100, 1e100]");
  return v;
}

// A name printed in tables and messages: no control characters.
std::string name_field(const json& j, const char* key, const std::string& where);

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
  if (!t.configuration.empty()) j["configuration"] = t.configuration;
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

namespace {

std::string name_field(const json& j, const char* key, const std::string& where) {
  std::string name = string_field(j, key, where);
  if (printable(name) != name)
    throw InputError(where + "." + key + ": control characters in the name '" + printable(name) +
                     "'");
  return name;
}

}  // namespace

TrialRecord trial_from_json(const json& j, const std::string& where,
                            const std::string& protocol) {
  TrialRecord t;
  t.task = name_field(j, "task", where);
  t.agent = name_field(j, "agent", where);
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
    throw InputError(where + ".status: expected ok, diverged or failed, got '" + printable(status) + "'");
  t.status = *parsed;
  if (j.contains("message")) t.message = printable(string_field(j, "message", where));
  if (j.contains("diverged_at")) t.diverged_at = int_field(j, "diverged_at", where);
  if (j.contains("configuration"))
    t.configuration = printable(string_field(j, "configuration", where));
  t.samples_used = int_field(j, "samples_used", where);
  if (t.samples_used < 0) throw InputError(where + ".samples_used: must be >= 0");
  t.updates = int_field(j, "updates", where);
  if (t.updates < 0) throw InputError(where + ".updates: must be >= 0");
  t.train_seconds = number_from(field(j, "train_seconds", where), where + ".train_seconds");
  const auto& splits = field(j, "splits", where);
  if (!splits.is_object()) throw InputError(where + ".splits: expected an object");
  for (const auto& [name, s] : splits.items()) {
    const std::string at = where + ".splits." + printable(name);
    if (!split_name_ok(name, protocol))
      throw InputError(at + ": a split is " + split_names_of(protocol));
    t.splits.push_back({name, number_from(field(s, "raw", at), at + ".raw"),
                        number_from(field(s, "normalized", at), at + ".normalized")});
  }
  // json objects iterate in key order; keep train, validation, test, then ood/* in order.
  auto rank = [](const std::string& n) {
    return n == kTrainSplit ? 0 : n == kValidationSplit ? 1 : n == kTestSplit ? 2 : 3;
  };
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

// Records where a SAX parse failed (for errors the DOM parser reports
// without a position, such as a number overflow).
struct ErrorPosition : nlohmann::json_sax<json> {
  size_t byte = 0;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    byte = position;
    return false;
  }
};

// The whole file, refusing one above `max_bytes` before reading it (and
// while reading, for a file that grows or a pipe).
std::string read_capped(const std::string& path, uint64_t max_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError(path + ": cannot read results file: it is a directory");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(path + ": cannot open results file: " + std::strerror(errno));
  const std::string too_large = path + ": larger than the limit of " +
                                std::to_string(max_bytes) +
                                " bytes for a results file (raise it with --max-input-size)";
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    throw InputError(too_large);
  }
  std::string text;
  if (S_ISREG(st.st_mode)) text.reserve(static_cast<size_t>(st.st_size));
  const int err = read_to_end(fd, text, static_cast<size_t>(max_bytes));
  ::close(fd);
  if (err == EFBIG) throw InputError(too_large);
  if (err != 0) throw InputError(path + ": cannot read results file: " + std::strerror(err));
  return text;
}

}  // namespace

namespace {

// Every trial of a population (task, agent, budget) has the same splits: a
// row averaged over fewer trials than it has would mislead.
void check_same_splits(const std::vector<TrialRecord>& trials, const std::string& path) {
  std::map<std::tuple<std::string, std::string, int64_t>, size_t> first;
  auto names = [](const TrialRecord& t) {
    std::set<std::string> out;
    for (const auto& s : t.splits) out.insert(s.split);
    return out;
  };
  for (size_t i = 0; i < trials.size(); ++i) {
    const auto& t = trials[i];
    auto [it, fresh] = first.try_emplace({t.task, t.agent, t.budget}, i);
    if (fresh) continue;
    const auto mine = names(t), theirs = names(trials[it->second]);
    if (mine == theirs) continue;
    for (const auto& [lacking, having, index, other] :
         {std::make_tuple(&mine, &theirs, i, it->second),
          std::make_tuple(&theirs, &mine, it->second, i)})
      for (const auto& split : *having)
        if (!lacking->count(split))
          throw InputError(path + ": trials[" + std::to_string(index) + "]: no split '" + split +
                           "', which trials[" + std::to_string(other) +
                           "] of the same population (task '" + t.task + "', agent '" + t.agent +
                           "', budget " + std::to_string(t.budget) + ") has");
  }
}

}  // namespace

uint64_t parse_byte_size(const std::string& text, const std::string& flag) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string unit = text.substr(digits);
  static const std::map<std::string, uint64_t> kUnits = {
      {"", 1},           {"B", 1},           {"KB", 1000},      {"KiB", 1024},
      {"MB", 1000000},   {"MiB", 1 << 20},   {"GB", 1000000000}, {"GiB", uint64_t{1} << 30},
      {"TB", uint64_t{1000000000000}}, {"TiB", uint64_t{1} << 40}};
  const auto it = kUnits.find(unit);
  if (digits == 0 || digits > 12 || it == kUnits.end())
    throw InputError(flag + ": expected a size such as 1GiB, 500MB or 1048576, got '" + text + "'");
  const uint64_t n = std::stoull(text.substr(0, digits));
  if (n == 0) throw InputError(flag + ": must be above 0");
  if (n > std::numeric_limits<uint64_t>::max() / it->second)
    throw InputError(flag + ": too large: '" + text + "'");
  return n * it->second;
}

Results read_results(const std::string& path, uint64_t max_bytes) {
  const std::string text = read_capped(path, max_bytes);
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
  } catch (const json::out_of_range& e) {
    // A number outside the double range (1e999): find where, with a SAX pass.
    ErrorPosition at;
    json::sax_parse(text, &at, json::input_format_t::json, /*strict=*/true);
    std::string why = e.what();
    const size_t colon = why.find("] ");
    if (colon != std::string::npos) why = why.substr(colon + 2);
    if (why.size() > 80) why = why.substr(0, 77) + "...";
    throw InputError(located(path, text, at.byte), why + ": outside the range of a double");
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
  (void)name_field(r.suite, "name", path + ": suite");
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
  check_same_splits(r.trials, path);
  return r;
}

void write_file_atomic(const std::string& path, const std::string& contents) {
  write_output_file(path, contents);
}

namespace {

// "dir/name" -> (dir or ".", name)
std::pair<std::string, std::string> split_path(const std::string& path) {
  const std::filesystem::path p(path);
  const std::string dir = p.parent_path().string();
  return {dir.empty() ? "." : dir, p.filename().string()};
}

}  // namespace

std::string seal_fingerprint_of(const Results& results) {
  const auto& env = results.environment;
  if (!env.is_object() || !env.contains("seal")) return "";
  const auto& seal = env["seal"];
  if (!seal.is_object() || !seal.contains("fingerprint"))
    throw InputError("environment.seal must be an object with a fingerprint");
  const auto& fp = seal["fingerprint"];
  if (fp.is_null()) return "none";
  if (!fp.is_string() || fp.get<std::string>().size() != 64 ||
      fp.get<std::string>().find_first_not_of("0123456789abcdef") != std::string::npos)
    throw InputError("environment.seal.fingerprint must be 64 lowercase hex digits or null");
  return fp.get<std::string>();
}

std::map<std::string, std::set<std::string>> sealed_splits_of(const nlohmann::json& suite) {
  std::map<std::string, std::set<std::string>> out;
  if (!suite.is_object() || !suite.contains("config") || !suite["config"].is_object()) return out;
  const auto& config = suite["config"];
  if (!config.contains("tasks") || !config["tasks"].is_array()) return out;
  for (const auto& task : config["tasks"]) {
    if (!task.is_object() || !task.contains("sealed") || !task["sealed"].is_array()) continue;
    if (!task.contains("name") || !task["name"].is_string()) continue;
    for (const auto& split : task["sealed"])
      if (split.is_string()) out[task["name"].get<std::string>()].insert(split.get<std::string>());
  }
  return out;
}

Journal::Journal(const std::string& path, const std::string& suite_sha256, bool append,
                 const std::string& seal)
    : Journal(OutputDir(split_path(path).first), split_path(path).second, suite_sha256, append,
              seal) {}

Journal::Journal(const OutputDir& dir, const std::string& name, const std::string& suite_sha256,
                 bool append, const std::string& seal) {
  shown_ = dir.child(name);
  fd_ = dir.open_for_writing(name, append);
  off_t size = ::lseek(fd_, 0, SEEK_END);
  if (append && size > 0) {
    // A kill while a line was being written leaves a torn last line (no
    // newline). Cut it off before appending, so that the next line starts a
    // line of its own.
    const std::string text = dir.read(name);
    const size_t last = text.rfind('\n');
    const size_t keep = last == std::string::npos ? 0 : last + 1;
    if (keep < text.size() && ::ftruncate(fd_, static_cast<off_t>(keep)) != 0) {
      const int err = errno;
      ::close(fd_);
      throw InputError(shown_ + ": cannot repair the journal's torn last line: " +
                       std::strerror(err));
    }
    size = static_cast<off_t>(keep);
  }
  if (size == 0) {
    json header = {{"schema", kJournalSchema}, {"suite_sha256", suite_sha256}};
    if (!seal.empty()) header["seal"] = seal;
    write_all(fd_, header.dump() + "\n", shown_);
    ::fsync(fd_);
  }
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

void Journal::append(const std::string& population_key, const std::vector<TrialRecord>& trials) {
  json line = {{"population", population_key}, {"trials", json::array()}};
  for (const auto& t : trials) line["trials"].push_back(to_json(t));
  write_all(fd_, line.dump() + "\n", shown_);
  ::fsync(fd_);
}

std::vector<Journal::Entry> Journal::read(const std::string& path,
                                          const std::string& suite_sha256,
                                          const std::string& seal) {
  const auto [dir, name] = split_path(path);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw InputError(path + ": cannot open journal: no such directory");
  return read(OutputDir(dir), name, suite_sha256, seal);
}

std::vector<Journal::Entry> Journal::read(const OutputDir& dir, const std::string& name,
                                          const std::string& suite_sha256,
                                          const std::string& seal) {
  return parse(dir.read(name), dir.child(name), suite_sha256, seal);
}

std::vector<Journal::Entry> Journal::parse(const std::string& text, const std::string& path,
                                           const std::string& suite_sha256,
                                           const std::string& seal) {
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
  // "seal": the fingerprint of the key the sealed splits were drawn with, or
  // "none" (skipped); absent for a suite without sealed splits.
  const std::string was = header.contains("seal") && header["seal"].is_string()
                              ? header["seal"].get<std::string>()
                              : header.contains("seal") ? std::string("?") : std::string();
  if (was != seal) {
    auto told = [](const std::string& s) {
      return s.empty() ? std::string("no sealed splits")
             : s == "none" ? std::string("no seal key (sealed splits skipped)")
                           : "seal key fingerprint " + s;
    };
    throw InputError(path + ": this journal was written with " + told(was) +
                     ", and this run has " + told(seal) +
                     "; resume with the same seal key (--seal-key-file), or start a fresh run");
  }
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
