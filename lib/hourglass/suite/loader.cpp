// load_suite: reads a suite file and its includes, checks every key and value,
// and either returns the merged Suite or throws SuiteError with every error.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <tuple>

#include "hourglass/results/split_names.h"
#include "hourglass/run/protocol.h"
#include "hourglass/suite/suite.h"
#include "hourglass/suite/yaml_tree.h"

namespace hg {
namespace {

namespace fs = std::filesystem;

constexpr uintmax_t kMaxSuiteFileBytes = 4u << 20;
constexpr size_t kMaxIncludeDepth = 16;

const std::vector<std::string> kTopKeys = {"suite",   "version",      "description", "include",
                                           "seed",    "seeds",        "budgets",     "eval_samples",
                                           "tasks",   "agents",       "protocol",    "pretrain_budget",
                                           "plugins",     "reference",    "deployment"};
const std::vector<std::string> kTaskKeys = {"name",    "family",   "params",  "train",
                                            "ood",     "sealed",   "source",  "targets",
                                            "stream",  "segments", "chunk"};
const std::vector<std::string> kAgentKeys = {"name",  "learner",   "params",
                                             "tasks", "sweep",     "selection",
                                             "validation_fraction", "refit"};
const std::vector<std::string> kSelections = {"validation", "oracle"};
constexpr double kDefaultValidationFraction = 0.2;

// Quotes a token. Long tokens are cut: an error about a file (an included one
// may be anything readable) echoes at most a short piece of it.
constexpr size_t kMaxQuoted = 24;
std::string squote(const std::string& s) {
  return "'" + (s.size() > kMaxQuoted ? s.substr(0, kMaxQuoted - 3) + "..." : s) + "'";
}
// Quotes a path the user wrote (not a file's content): never cut.
std::string path_quote(const std::string& s) { return "'" + s + "'"; }

std::string joined(const std::vector<std::string>& xs) {
  std::string out;
  for (const auto& x : xs) out += (out.empty() ? "" : ", ") + x;
  return out;
}

// " (did you mean 'x'?)" on a near miss, else " (<intro>: a, b, c)".
std::string hint(const std::string& name, const std::vector<std::string>& candidates,
                 const std::string& intro) {
  std::string near = nearest_name(name, candidates);
  if (!near.empty()) return " (did you mean " + squote(near) + "?)";
  if (candidates.empty()) return " (" + intro + ": none)";
  return " (" + intro + ": " + joined(candidates) + ")";
}

template <class Map>
std::vector<std::string> names_of(const Map& map) {
  std::vector<std::string> out;
  out.reserve(map.size());
  for (const auto& [name, unused] : map) out.push_back(name);
  return out;
}

std::vector<std::string> names_of(const std::vector<ParamSpec>& specs) {
  std::vector<std::string> out;
  out.reserve(specs.size());
  for (const auto& s : specs) out.push_back(s.name);
  return out;
}

bool is_name(const std::string& s) {
  if (s.empty() || s.size() > 100) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
      return false;
  return true;
}

// ---- YAML 1.2 core-schema scalars ------------------------------------------

// A plain scalar spelled as an integer ([-+]?[0-9]+). Sets *overflow when it
// is one but does not fit in int64.
std::optional<int64_t> parse_int(const std::string& s, bool* overflow) {
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  for (size_t k = i; k < s.size(); ++k)
    if (!std::isdigit(static_cast<unsigned char>(s[k]))) return std::nullopt;
  const char* first = s.data() + (s[0] == '+' ? 1 : 0);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(first, s.data() + s.size(), value);
  if (ec == std::errc::result_out_of_range) *overflow = true;
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// A plain scalar spelled as a YAML real (1.5, -2e3, .5, .inf, .nan); integers
// are reals too. Sets *overflow when it does not fit in a double.
std::optional<double> parse_real(const std::string& s, bool* overflow) {
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  const std::string rest = s.substr(i);
  const double sign = (i == 1 && s[0] == '-') ? -1.0 : 1.0;
  if (rest == ".inf" || rest == ".Inf" || rest == ".INF")
    return sign * std::numeric_limits<double>::infinity();
  if (i == 0 && (rest == ".nan" || rest == ".NaN" || rest == ".NAN"))
    return std::numeric_limits<double>::quiet_NaN();
  size_t k = i, digits = 0;
  while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) ++k, ++digits;
  if (k < s.size() && s[k] == '.') {
    ++k;
    while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) ++k, ++digits;
  }
  if (digits == 0) return std::nullopt;
  if (k < s.size() && (s[k] == 'e' || s[k] == 'E')) {
    ++k;
    if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
    size_t exp_digits = 0;
    while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) ++k, ++exp_digits;
    if (exp_digits == 0) return std::nullopt;
  }
  if (k != s.size()) return std::nullopt;
  double value = 0;
  const char* first = s.data() + (s[0] == '+' ? 1 : 0);
  auto [end, ec] = std::from_chars(first, s.data() + s.size(), value);
  if (ec == std::errc::result_out_of_range) *overflow = true;  // 1e999, and 1e-999 too
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// Each converter returns the value, or nullopt with *error set to the tail of
// a message ("must be an integer, got 1.5").
std::optional<int64_t> to_int(const YamlNode& n, std::string* error) {
  if (n.is_scalar() && !n.quoted) {
    bool overflow = false;
    if (auto v = parse_int(n.text, &overflow)) return v;
    if (overflow) {
      *error = "does not fit in a 64-bit integer, got " + describe_node(n);
      return std::nullopt;
    }
    bool unused = false;
    if (parse_real(n.text, &unused) || unused) {
      *error = "must be an integer (no decimal point or exponent), got " + describe_node(n);
      return std::nullopt;
    }
  }
  *error = "must be an integer, got " + describe_node(n);
  return std::nullopt;
}

std::optional<double> to_real(const YamlNode& n, std::string* error) {
  if (n.is_scalar() && !n.quoted) {
    bool overflow = false;
    if (auto v = parse_real(n.text, &overflow)) return v;
    if (overflow) {
      *error = "is out of range for a real number, got " + describe_node(n);
      return std::nullopt;
    }
  }
  *error = "must be a number, got " + describe_node(n);
  return std::nullopt;
}

std::optional<bool> to_bool(const YamlNode& n, std::string* error) {
  if (n.is_scalar() && !n.quoted) {
    if (n.text == "true" || n.text == "True" || n.text == "TRUE") return true;
    if (n.text == "false" || n.text == "False" || n.text == "FALSE") return false;
  }
  *error = "must be true or false, got " + describe_node(n);
  return std::nullopt;
}

std::optional<std::string> to_string(const YamlNode& n, std::string* error) {
  if (n.is_scalar()) return n.text;
  *error = "must be a string, got " + describe_node(n);
  return std::nullopt;
}

// The suite loader. Collects diagnostics instead of throwing.
class Loader {
 public:
  Loader(const Catalog& catalog, const LoadOptions& options)
      : catalog_(catalog), options_(options) {}

  Suite load(const std::string& path);
  // The plugins the suite and its includes name, whatever else is wrong.
  std::vector<PluginRef> plugins(const std::string& path) {
    allow_includes_beside(path);
    return load_file(path, {}).plugins;
  }

 private:
  // An agent's `sweep:` as written: per swept parameter (file order) its
  // values, and where the selection keys were written.
  struct Sweep {
    std::vector<std::pair<std::string, std::vector<ParamEntry>>> grid;
    SourceLocation where;                      // of `sweep:`
    SourceLocation validation_fraction_where;  // unknown when not written
  };
  // One file's content, merged with its includes.
  struct Layer {
    std::optional<std::string> name, description;
    std::optional<int64_t> version, seed, seeds, eval_samples;
    std::optional<std::vector<int64_t>> budgets;
    std::set<std::string> keys;  // top-level keys written, valid or not
    std::vector<TaskSpec> tasks;
    std::vector<AgentSpec> agents;
    std::map<std::string, SourceLocation> learner_where;  // agent name -> its `learner:` value
    std::map<std::string, Sweep> sweeps;  // agent name -> its `sweep:` (expanded by load())
    std::optional<std::string> protocol;
    SourceLocation protocol_where;
    std::optional<int64_t> pretrain_budget;
    SourceLocation pretrain_budget_where;
    std::optional<std::string> reference;  // `reference:` (an agent's name)
    SourceLocation reference_where;
    std::optional<Suite::Deployment> deployment;  // `deployment:`
    SourceLocation deployment_where;
    // Budgets of 0 as written (allowed by protocol: transfer only): where, and
    // the message to give under the other protocols.
    std::vector<std::pair<SourceLocation, std::string>> zero_budgets;
    // Per task name: the keys it wrote that depend on the protocol (train,
    // ood, source, targets, stream) and where.
    std::map<std::string, std::map<std::string, SourceLocation>> task_keys;
    std::vector<PluginRef> plugins;  // `plugins:`, resolved, includes' first
  };
  using Fields = std::map<std::string, const YamlNode*>;  // known key -> value

  void error(const SourceLocation& where, const std::string& message) {
    diagnostics_.push_back({where, message});
  }

  Layer load_file(const std::string& display, const SourceLocation& included_at);
  // Includes may come from the folder tree of the suite at `path` and the
  // folders the options allow.
  void allow_includes_beside(const std::string& path);
  std::optional<std::string> read(const std::string& display, const SourceLocation& included_at);
  Fields fields(const YamlNode& map, const std::vector<std::string>& allowed,
                const std::string& prefix, const std::string& noun, const std::string& intro);
  void read_top(const Fields& f, Layer* layer);
  void read_task(const YamlNode& node, size_t index, Layer* layer,
                 std::map<std::string, int>* seen);
  void read_agent(const YamlNode& node, size_t index, Layer* layer,
                  std::map<std::string, int>* seen);
  std::optional<std::string> read_name(const YamlNode& node, const std::string& what);
  void read_sealed(const YamlNode& node, const std::string& prefix, TaskSpec* task);
  std::optional<int64_t> read_int(const YamlNode& node, const ParamSpec& spec,
                                  const std::string& what);
  ParamMap read_params(const YamlNode& node, const std::vector<ParamSpec>* specs,
                       const std::string& owner, const std::string& what,
                       const std::string& prefix);
  std::optional<ParamValue> convert(const ParamSpec& spec, const YamlNode& node,
                                    const std::string& what);
  static void merge(Layer* into, const Layer& from);
  void check_compatible(const Layer& layer);
  std::string image_families() const;  // "fashion-mnist", or "none"
  void check_families(const Layer& layer);
  void check_agents(const Layer& layer);
  // Reads an agent's `sweep:` map (values converted against `specs`).
  std::optional<Sweep> read_sweep(const YamlNode& node, const std::vector<ParamSpec>* specs,
                                  const AgentSpec& agent, const std::string& prefix);
  // Replaces every swept agent by its configurations (AgentSpec::sweep).
  void expand_sweeps(Layer* layer);
  void check_protocol(const Layer& layer);
  // The suite's registered protocol (the default when it names none);
  // nullptr when it names an unknown one.
  const ProtocolInfo* protocol_of(const Layer& layer) const;
  std::vector<SplitSpec> read_split_map(const YamlNode& node, const std::vector<ParamSpec>* specs,
                                        const std::string& owner, const std::string& entity,
                                        const std::string& key, const std::string& noun,
                                        const std::string& name_prefix);
  std::vector<SegmentSpec> read_segments(const YamlNode& node, const std::vector<ParamSpec>* specs,
                                         const std::string& owner, const std::string& entity);
  void read_deployment(const YamlNode& node, Layer* layer);

  // Whether an included file (canonical path) lies under the suite's folder
  // or an --include-path; otherwise an error at `where`.
  bool include_allowed(const std::string& canonical, const std::string& display,
                       const SourceLocation& where);

  const Catalog& catalog_;
  const LoadOptions& options_;
  std::vector<std::string> include_roots_;  // canonical folders includes may come from
  std::vector<Diagnostic> diagnostics_;
  std::vector<std::string> files_;                          // read, in order
  std::map<std::string, Layer> cache_;                      // canonical path -> layer
  std::vector<std::pair<std::string, std::string>> stack_;  // (canonical, display) being loaded
  bool incomplete_ = false;                                 // some file could not be read or parsed
};

std::string canonical_of(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(path, ec);
  if (ec) p = fs::absolute(path, ec).lexically_normal();
  return p.generic_string();
}

std::optional<std::string> Loader::read(const std::string& display,
                                        const SourceLocation& included_at) {
  const bool included = included_at.known();
  const SourceLocation where = included ? included_at : SourceLocation{display, 0, 0};
  const std::string what =
      included ? "cannot include " + path_quote(display) + ": " : "cannot read suite file: ";
  if (display.empty()) {
    error(where, what + "empty path");
    return std::nullopt;
  }
  std::error_code ec;
  const auto status = fs::status(display, ec);
  if (ec || !fs::exists(status)) {
    error(where, what + "no such file");
    return std::nullopt;
  }
  if (fs::is_directory(status)) {
    error(where, what + "it is a directory, not a YAML file");
    return std::nullopt;
  }
  if (!fs::is_regular_file(status)) {
    error(where, what + "not a regular file");
    return std::nullopt;
  }
  const uintmax_t size = fs::file_size(display, ec);
  const std::string too_large =
      what + "file too large (limit " + std::to_string(kMaxSuiteFileBytes >> 20) + " MiB)";
  if (!ec && size > kMaxSuiteFileBytes) {
    error(where, too_large);
    return std::nullopt;
  }
  std::ifstream in(display, std::ios::binary);
  if (!in) {
    error(where, what + std::strerror(errno));
    return std::nullopt;
  }
  std::string text;
  text.reserve(static_cast<size_t>(ec ? 0 : size));
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxSuiteFileBytes) {  // it grew since we looked
      error(where, too_large);
      return std::nullopt;
    }
  }
  if (in.bad()) {
    error(where, what + "read error");
    return std::nullopt;
  }
  return text;
}

Loader::Fields Loader::fields(const YamlNode& map, const std::vector<std::string>& allowed,
                              const std::string& prefix, const std::string& noun,
                              const std::string& intro) {
  Fields out;
  std::map<std::string, int> lines;
  for (const auto& [key, value] : map.entries) {
    if (!key.is_scalar()) {
      error(key.where, prefix + "keys must be names, got " + describe_node(key));
      continue;
    }
    if (auto it = lines.find(key.text); it != lines.end()) {
      error(key.where, prefix + "duplicate key " + squote(key.text) + " (first at line " +
                           std::to_string(it->second) + ")");
      continue;
    }
    lines[key.text] = key.where.line;
    if (std::find(allowed.begin(), allowed.end(), key.text) == allowed.end()) {
      error(key.where,
            prefix + "unknown " + noun + " " + squote(key.text) + hint(key.text, allowed, intro));
      continue;
    }
    out[key.text] = &value;
  }
  return out;
}

std::optional<std::string> Loader::read_name(const YamlNode& node, const std::string& what) {
  std::string tail;
  auto s = to_string(node, &tail);
  if (!s) {
    error(node.where, what + " " + tail);
  } else if (!is_name(*s)) {
    error(node.where, what +
                          " must be a name of letters, digits, '_', '.' and '-' (at most "
                          "100), got " +
                          describe_node(node));
    s.reset();
  }
  return s;
}

std::optional<int64_t> Loader::read_int(const YamlNode& node, const ParamSpec& spec,
                                        const std::string& what) {
  auto value = convert(spec, node, what);
  if (!value) return std::nullopt;
  return std::get<int64_t>(*value);
}

std::optional<ParamValue> Loader::convert(const ParamSpec& spec, const YamlNode& node,
                                          const std::string& what) {
  std::string tail;
  std::optional<ParamValue> value;
  switch (spec.type) {
    case ParamType::kInt:
      if (auto v = to_int(node, &tail)) value = *v;
      break;
    case ParamType::kReal:
      if (auto v = to_real(node, &tail)) value = *v;
      break;
    case ParamType::kBool:
      if (auto v = to_bool(node, &tail)) value = *v;
      break;
    case ParamType::kChoice:
      if (auto v = to_string(node, &tail)) value = *v;
      break;
    case ParamType::kRealRange: {
      std::string shape = "must be a range [lo, hi] (or a single number), got ";
      if (node.is_scalar()) {
        if (auto v = to_real(node, &tail)) value = std::vector<double>{*v, *v};
      } else if (!node.is_sequence()) {
        tail = shape + describe_node(node);
      } else if (node.items.size() != 2) {
        tail = shape + "a list of " + std::to_string(node.items.size());
      } else {
        std::vector<double> range;
        for (size_t i = 0; i < 2; ++i) {
          std::string element_tail;
          if (auto v = to_real(node.items[i], &element_tail)) {
            range.push_back(*v);
          } else {
            error(node.items[i].where,
                  what + (i == 0 ? " lower end " : " upper end ") + element_tail);
          }
        }
        if (range.size() == 2) value = range;
        if (!value) return std::nullopt;  // reported per element
      }
      break;
    }
    case ParamType::kIntList: {
      if (!node.is_sequence()) {
        tail = "must be a list of integers, e.g. [64, 64], got " + describe_node(node);
        break;
      }
      std::vector<int64_t> list;
      for (size_t i = 0; i < node.items.size(); ++i) {
        std::string element_tail;
        if (auto v = to_int(node.items[i], &element_tail)) {
          list.push_back(*v);
        } else {
          error(node.items[i].where,
                what + " element " + std::to_string(i + 1) + " " + element_tail);
        }
      }
      if (list.size() != node.items.size()) return std::nullopt;  // reported per element
      value = list;
      break;
    }
    case ParamType::kPath:
      if (auto v = to_string(node, &tail)) {
        if (v->empty())
          tail = "must be a file path, got an empty string";
        else
          value = resolve_path_value(*v, node.where.file);
      }
      break;
    case ParamType::kCommand: {
      if (!node.is_sequence()) {
        tail = "must be a command, a list of strings (argv, no shell), e.g. "
               "[python3, agent.py], got " + describe_node(node);
        break;
      }
      std::vector<std::string> argv;
      for (size_t i = 0; i < node.items.size(); ++i) {
        std::string element_tail;
        auto v = to_string(node.items[i], &element_tail);
        if (v && v->empty()) element_tail = "must not be empty";
        if (v && !v->empty()) {
          argv.push_back(resolve_command_element(*v, node.where.file));
        } else {
          error(node.items[i].where,
                what + " element " + std::to_string(i + 1) + " " + element_tail);
        }
      }
      if (argv.size() != node.items.size()) return std::nullopt;  // reported per element
      value = argv;
      break;
    }
  }
  if (!value) {
    error(node.where, what + " " + tail);
    return std::nullopt;
  }
  std::string problem = check_value(spec, *value);
  if (problem.empty()) return value;
  if (spec.type == ParamType::kChoice) {
    const std::string near = nearest_name(std::get<std::string>(*value), spec.choices);
    if (!near.empty()) problem += " (did you mean " + squote(near) + "?)";
  }
  error(node.where, what + " " + problem);
  return std::nullopt;
}

ParamMap Loader::read_params(const YamlNode& node, const std::vector<ParamSpec>* specs,
                             const std::string& owner, const std::string& what,
                             const std::string& prefix) {
  ParamMap out;
  if (node.is_null()) return out;
  if (!node.is_map()) {
    error(node.where,
          prefix + what + " must be a map of parameter: value, got " + describe_node(node));
    return out;
  }
  if (!specs) return out;  // unknown family or learner: reported already
  const Fields written = fields(node, names_of(*specs), prefix, "parameter", owner + " takes");
  for (const ParamSpec& spec : *specs) {
    auto it = written.find(spec.name);
    if (it == written.end()) continue;
    const YamlNode& value = *it->second;
    if (auto v = convert(spec, value, prefix + "parameter " + squote(spec.name)))
      out[spec.name] = ParamEntry{*v, value.where};
  }
  return out;
}

// Task and agent labels for messages: "task 'sine'" once the name is known,
// "task #2" before.
std::string label(const char* what, const YamlNode& entry, size_t index) {
  for (const auto& [key, value] : entry.entries)
    if (key.is_scalar() && key.text == "name" && value.is_scalar() && is_name(value.text))
      return std::string(what) + " " + squote(value.text);
  return std::string(what) + " #" + std::to_string(index + 1);
}

void Loader::read_task(const YamlNode& node, size_t index, Layer* layer,
                       std::map<std::string, int>* seen) {
  if (!node.is_map()) {
    error(node.where, "task #" + std::to_string(index + 1) +
                          " must be a map with 'name' and 'family' (and optionally 'params', "
                          "'train', 'ood'), got " +
                          describe_node(node));
    return;
  }
  const std::string entity = label("task", node, index);
  const std::string prefix = entity + ": ";
  Fields f = fields(node, kTaskKeys, prefix, "key", "expected one of");
  TaskSpec task;
  task.where = node.where;
  std::optional<std::string> name;
  if (!f.count("name")) {
    error(node.where, prefix + "missing required key 'name'");
  } else {
    name = read_name(*f["name"], prefix + "key 'name'");
    if (name && seen->count(*name)) {
      error(f["name"]->where,
            prefix + "duplicate task name (first at line " + std::to_string(seen->at(*name)) + ")");
      name.reset();
    }
  }
  const std::vector<ParamSpec>* specs = nullptr;
  if (!f.count("family")) {
    error(node.where, prefix + "missing required key 'family'" +
                          hint("", names_of(catalog_.families), "known families"));
  } else {
    std::string tail;
    const YamlNode& v = *f["family"];
    if (auto family = to_string(v, &tail)) {
      task.family = *family;
      auto it = catalog_.families.find(*family);
      if (it == catalog_.families.end()) {
        error(v.where, prefix + "unknown family " + squote(*family) +
                           hint(*family, names_of(catalog_.families), "known families"));
      } else {
        specs = &it->second.params;
      }
    } else {
      error(v.where, prefix + "key 'family' " + tail);
    }
  }
  const std::string owner = "family " + squote(task.family);
  if (f.count("params"))
    task.params = read_params(*f["params"], specs, owner, "key 'params'", prefix);
  if (f.count("train"))
    task.train =
        read_params(*f["train"], specs, owner, "key 'train'", entity + " (train overrides): ");
  if (f.count("ood") && !f["ood"]->is_null()) {
    const YamlNode& ood = *f["ood"];
    if (!ood.is_map()) {
      error(ood.where, prefix + "key 'ood' must be a map of split name: parameter overrides, got " +
                           describe_node(ood));
    } else {
      std::map<std::string, int> lines;
      for (const auto& [key, value] : ood.entries) {
        auto split = read_name(key, prefix + "ood split name");
        if (!split) continue;
        if (lines.count(*split)) {
          error(key.where, prefix + "duplicate ood split " + squote(*split) + " (first at line " +
                               std::to_string(lines[*split]) + ")");
          continue;
        }
        lines[*split] = key.where.line;
        const std::string split_prefix = entity + " (ood split " + squote(*split) + "): ";
        task.ood.push_back({kOodPrefix + *split,
                            read_params(value, specs, owner, "overrides", split_prefix),
                            key.where});
      }
    }
  }
  if (f.count("sealed") && !f["sealed"]->is_null()) read_sealed(*f["sealed"], prefix, &task);
  // Keys of the transfer and continual protocols (check_protocol checks
  // which ones the suite's protocol allows).
  std::map<std::string, SourceLocation> protocol_keys;
  for (const auto& [key, value] : node.entries)
    if (key.is_scalar() && f.count(key.text) &&
        (key.text == "train" || key.text == "ood" || key.text == "sealed" ||
         key.text == "source" || key.text == "targets" || key.text == "stream" ||
         key.text == "segments" || key.text == "chunk"))
      protocol_keys[key.text] = key.where;
  if (f.count("source")) {
    task.source.where = protocol_keys["source"];
    task.source.overrides = read_params(*f["source"], specs, owner, "key 'source'",
                                        entity + " (source overrides): ");
  }
  if (f.count("targets"))
    task.targets = read_split_map(*f["targets"], specs, owner, entity, "targets", "target",
                                  "target/");
  if (f.count("stream"))
    task.stream = read_split_map(*f["stream"], specs, owner, entity, "stream", "stage", "");
  if (f.count("segments")) task.segments = read_segments(*f["segments"], specs, owner, entity);
  if (f.count("chunk"))
    task.chunk = read_int(*f["chunk"], ParamSpec::Int("chunk", 100, 1, kMaxBudget, ""),
                          prefix + "key 'chunk'")
                     .value_or(0);
  if (!name) return;
  task.name = *name;
  (*seen)[*name] = f["name"]->where.line;
  layer->task_keys[*name] = std::move(protocol_keys);
  layer->tasks.push_back(std::move(task));
}

// `sealed:`: a list of names of the task's OOD splits (written in its `ood:`),
// each at most once; marks them SplitSpec::sealed.
void Loader::read_sealed(const YamlNode& node, const std::string& prefix, TaskSpec* task) {
  if (!node.is_sequence()) {
    error(node.where, prefix + "key 'sealed' must be a list of the task's ood split names, got " +
                          describe_node(node));
    return;
  }
  std::map<std::string, int> lines;
  for (const auto& item : node.items) {
    auto name = read_name(item, prefix + "sealed split name");
    if (!name) continue;
    if (lines.count(*name)) {
      error(item.where, prefix + "split " + squote(*name) + " is sealed twice (first at line " +
                            std::to_string(lines[*name]) + ")");
      continue;
    }
    lines[*name] = item.where.line;
    auto it = std::find_if(task->ood.begin(), task->ood.end(),
                           [&](const SplitSpec& o) { return o.name == kOodPrefix + *name; });
    if (it != task->ood.end()) {
      it->sealed = true;
      continue;
    }
    std::vector<std::string> known;
    for (const auto& o : task->ood) known.push_back(strip_prefix(o.name, kOodPrefix));
    error(item.where, prefix + "key 'sealed': " + squote(*name) +
                          " is not an ood split of the task" +
                          hint(*name, known, "its ood splits"));
  }
}

// `targets:` and `stream:`: a map of split name: parameter overrides, in file
// order, like `ood:`.
std::vector<SplitSpec> Loader::read_split_map(const YamlNode& node,
                                              const std::vector<ParamSpec>* specs,
                                              const std::string& owner, const std::string& entity,
                                              const std::string& key, const std::string& noun,
                                              const std::string& name_prefix) {
  std::vector<SplitSpec> out;
  const std::string prefix = entity + ": ";
  if (node.is_null()) return out;
  if (!node.is_map()) {
    error(node.where, prefix + "key " + squote(key) + " must be a map of " + noun +
                          " name: parameter overrides, got " + describe_node(node));
    return out;
  }
  std::map<std::string, int> lines;
  for (const auto& [k, value] : node.entries) {
    auto split = read_name(k, prefix + noun + " name");
    if (!split) continue;
    if (lines.count(*split)) {
      error(k.where, prefix + "duplicate " + noun + " " + squote(*split) + " (first at line " +
                         std::to_string(lines[*split]) + ")");
      continue;
    }
    lines[*split] = k.where.line;
    const std::string split_prefix = entity + " (" + noun + " " + squote(*split) + "): ";
    out.push_back(
        {name_prefix + *split, read_params(value, specs, owner, "overrides", split_prefix), k.where});
  }
  return out;
}

// `segments:` (protocol: deployment): a list of {name, samples, params,
// drift}, in file order.
std::vector<SegmentSpec> Loader::read_segments(const YamlNode& node,
                                               const std::vector<ParamSpec>* specs,
                                               const std::string& owner,
                                               const std::string& entity) {
  static const std::vector<std::string> kSegmentKeys = {"name", "samples", "params", "drift"};
  const std::string shape =
      " (expected a list of {name, samples, params, drift}, e.g. "
      "[{name: shifted, samples: 2000, params: {rotation: 30}}])";
  std::vector<SegmentSpec> out;
  if (node.is_null()) return out;
  if (!node.is_sequence()) {
    error(node.where,
          entity + ": key 'segments' must be a list, got " + describe_node(node) + shape);
    return out;
  }
  std::map<std::string, int> lines;
  for (size_t i = 0; i < node.items.size(); ++i) {
    const YamlNode& item = node.items[i];
    if (!item.is_map()) {
      error(item.where, entity + ": segment #" + std::to_string(i + 1) + " must be a map, got " +
                            describe_node(item) + shape);
      continue;
    }
    const std::string seg = label("segment", item, i);
    const std::string prefix = entity + " (" + seg + "): ";
    Fields f = fields(item, kSegmentKeys, prefix, "key", "expected one of");
    SegmentSpec segment;
    segment.where = item.where;
    std::optional<std::string> name;
    if (!f.count("name")) {
      error(item.where, prefix + "missing required key 'name'");
    } else if ((name = read_name(*f["name"], prefix + "key 'name'"))) {
      if (lines.count(*name)) {
        error(f["name"]->where, prefix + "duplicate segment name (first at line " +
                                    std::to_string(lines[*name]) + ")");
        name.reset();
      } else {
        lines[*name] = f["name"]->where.line;
      }
    }
    if (!f.count("samples")) {
      error(item.where, prefix + "missing required key 'samples' (its length in samples, or "
                                 "environment steps)");
    } else {
      segment.samples_where = f["samples"]->where;
      segment.samples =
          read_int(*f["samples"], ParamSpec::Int("samples", 1, 1, kMaxBudget, ""),
                   prefix + "key 'samples'")
              .value_or(0);
    }
    if (f.count("params"))
      segment.overrides = read_params(*f["params"], specs, owner, "key 'params'", prefix);
    if (f.count("drift")) {
      const YamlNode& drift = *f["drift"];
      const std::string drift_shape =
          " (expected a map of parameter: [from, to], e.g. {rotation: [0, 90]})";
      if (!drift.is_map() || drift.entries.empty()) {
        error(drift.where,
              prefix + "key 'drift' must be a non-empty map, got " + describe_node(drift) +
                  drift_shape);
      } else if (specs) {
        const Fields written =
            fields(drift, names_of(*specs), prefix, "parameter", owner + " takes");
        for (const ParamSpec& spec : *specs) {
          auto it = written.find(spec.name);
          if (it == written.end()) continue;
          const YamlNode& ends = *it->second;
          const std::string what = prefix + "drift of " + squote(spec.name);
          if (spec.type != ParamType::kInt && spec.type != ParamType::kReal) {
            error(ends.where, what + ": only numeric parameters can drift, and " +
                                  squote(spec.name) + " is not a number");
            continue;
          }
          if (!ends.is_sequence() || ends.items.size() != 2) {
            error(ends.where, what + " must be [from, to], got " + describe_node(ends));
            continue;
          }
          if (segment.overrides.count(spec.name)) {
            error(ends.where, what + ": the segment also sets it under 'params'");
            continue;
          }
          auto from = convert(spec, ends.items[0], what + " (from)");
          auto to = convert(spec, ends.items[1], what + " (to)");
          if (!from || !to) continue;
          segment.drift_from[spec.name] = ParamEntry{*from, ends.items[0].where};
          segment.drift_to[spec.name] = ParamEntry{*to, ends.items[1].where};
        }
      }
    }
    if (!name) continue;
    segment.name = *name;
    out.push_back(std::move(segment));
  }
  return out;
}

// `deployment:` (protocol: deployment): {chunk, recovery_fraction}.
void Loader::read_deployment(const YamlNode& node, Layer* layer) {
  const std::string prefix = "key 'deployment': ";
  layer->deployment_where = node.where;
  if (!node.is_map()) {
    error(node.where, "key 'deployment' must be a map {chunk, recovery_fraction}, got " +
                          describe_node(node) + " (e.g. {chunk: 100})");
    return;
  }
  Fields f = fields(node, {"chunk", "recovery_fraction"}, prefix, "key", "expected one of");
  Suite::Deployment d;
  if (!f.count("chunk")) {
    error(node.where, prefix + "missing required key 'chunk' (samples, or environment steps, "
                               "per chunk of the stream)");
    return;
  }
  auto chunk = read_int(*f["chunk"], ParamSpec::Int("chunk", 100, 1, kMaxBudget, ""),
                        prefix + "key 'chunk'");
  if (!chunk) return;
  d.chunk = *chunk;
  if (f.count("recovery_fraction")) {
    auto fraction =
        convert(ParamSpec::Real("recovery_fraction", 0.9, 0.01, 1.0, ""), *f["recovery_fraction"],
                prefix + "key 'recovery_fraction'");
    if (!fraction) return;
    d.recovery_fraction = std::get<double>(*fraction);
  }
  layer->deployment = d;
}

void Loader::read_agent(const YamlNode& node, size_t index, Layer* layer,
                        std::map<std::string, int>* seen) {
  if (!node.is_map()) {
    error(node.where, "agent #" + std::to_string(index + 1) +
                          " must be a map with 'name' and 'learner' (and optionally 'params'), "
                          "got " +
                          describe_node(node));
    return;
  }
  const std::string prefix = label("agent", node, index) + ": ";
  Fields f = fields(node, kAgentKeys, prefix, "key", "expected one of");
  AgentSpec agent;
  agent.where = node.where;
  std::optional<std::string> name;
  if (!f.count("name")) {
    error(node.where, prefix + "missing required key 'name'");
  } else {
    name = read_name(*f["name"], prefix + "key 'name'");
    if (name && seen->count(*name)) {
      error(f["name"]->where, prefix + "duplicate agent name (first at line " +
                                  std::to_string(seen->at(*name)) + ")");
      name.reset();
    }
  }
  const std::vector<ParamSpec>* specs = nullptr;
  SourceLocation learner_where;
  if (!f.count("learner")) {
    error(node.where, prefix + "missing required key 'learner'" +
                          hint("", names_of(catalog_.learners), "known learners"));
  } else {
    std::string tail;
    const YamlNode& v = *f["learner"];
    learner_where = v.where;
    if (auto learner = to_string(v, &tail)) {
      agent.learner = *learner;
      auto it = catalog_.learners.find(*learner);
      if (it == catalog_.learners.end()) {
        error(v.where, prefix + "unknown learner " + squote(*learner) +
                           hint(*learner, names_of(catalog_.learners), "known learners"));
      } else {
        specs = &it->second.params;
      }
    } else {
      error(v.where, prefix + "key 'learner' " + tail);
    }
  }
  if (f.count("params"))
    agent.params = read_params(*f["params"], specs, "learner " + squote(agent.learner),
                               "key 'params'", prefix);
  if (f.count("tasks")) {
    // Names only here; that each names a task is checked once includes are merged.
    const YamlNode& v = *f["tasks"];
    agent.tasks_where = v.where;
    if (!v.is_sequence() || v.items.empty()) {
      error(v.where, prefix + "key 'tasks' must be a non-empty list of task names, got " +
                         describe_node(v));
    } else {
      for (const auto& item : v.items)
        if (auto task = read_name(item, prefix + "key 'tasks' entry")) {
          if (std::find(agent.tasks.begin(), agent.tasks.end(), *task) != agent.tasks.end())
            error(item.where, prefix + "key 'tasks' names " + squote(*task) + " twice");
          else
            agent.tasks.push_back(*task);
        }
    }
  }
  std::optional<Sweep> sweep;
  if (f.count("sweep")) sweep = read_sweep(*f["sweep"], specs, agent, prefix);
  if (f.count("selection")) {
    const YamlNode& v = *f["selection"];
    std::string tail;
    if (auto selection = to_string(v, &tail)) {
      if (std::find(kSelections.begin(), kSelections.end(), *selection) == kSelections.end())
        error(v.where, prefix + "key 'selection' must be 'validation' or 'oracle', got " +
                           squote(*selection));
      else
        agent.selection = *selection;
    } else {
      error(v.where, prefix + "key 'selection' " + tail);
    }
    if (!f.count("sweep"))
      error(v.where, prefix + "key 'selection' chooses among a sweep's configurations, and "
                              "the agent has no 'sweep'");
  }
  if (f.count("validation_fraction")) {
    const YamlNode& v = *f["validation_fraction"];
    std::string tail;
    if (auto fraction = to_real(v, &tail)) {
      if (!(*fraction > 0.0 && *fraction < 1.0))
        error(v.where, prefix + "key 'validation_fraction' must be in (0, 1), got " +
                           squote(v.text));
      else
        agent.validation_fraction = *fraction;
    } else {
      error(v.where, prefix + "key 'validation_fraction' " + tail);
    }
    if (!f.count("sweep"))
      error(v.where, prefix + "key 'validation_fraction' belongs to a sweep with selection: "
                              "validation, and the agent has no 'sweep'");
    else if (agent.selection == "oracle")
      error(v.where, prefix + "key 'validation_fraction' holds data out for selection: "
                              "validation; selection: oracle trains on the whole budget");
    if (sweep) sweep->validation_fraction_where = v.where;
  }
  if (f.count("refit")) {
    const YamlNode& v = *f["refit"];
    std::string tail;
    if (auto refit = to_bool(v, &tail))
      agent.refit = *refit;
    else
      error(v.where, prefix + "key 'refit' " + tail);
    if (!f.count("sweep"))
      error(v.where, prefix + "key 'refit' retrains a sweep's configurations on the whole "
                              "budget, and the agent has no 'sweep'");
    else if (agent.selection == "oracle")
      error(v.where, prefix + "key 'refit' belongs to selection: validation (selection: oracle "
                              "already trains on the whole budget)");
  }
  if (sweep) {
    if (agent.selection.empty()) agent.selection = "validation";
    if (agent.selection == "validation" && agent.validation_fraction == 0.0)
      agent.validation_fraction = kDefaultValidationFraction;
  }
  if (!name) return;
  agent.name = *name;
  (*seen)[*name] = f["name"]->where.line;
  layer->learner_where[*name] = learner_where;
  if (sweep) layer->sweeps[*name] = std::move(*sweep);
  layer->agents.push_back(std::move(agent));
}

std::optional<Loader::Sweep> Loader::read_sweep(const YamlNode& node,
                                                const std::vector<ParamSpec>* specs,
                                                const AgentSpec& agent,
                                                const std::string& prefix) {
  if (!node.is_map() || node.entries.empty()) {
    error(node.where, prefix + "key 'sweep' must be a map of parameter: [values], e.g. "
                               "{lr: [1.0e-3, 1.0e-2]}, got " +
                          describe_node(node));
    return std::nullopt;
  }
  if (!specs) return std::nullopt;  // unknown learner: reported already
  const std::string owner = "learner " + squote(agent.learner);
  const Fields written = fields(node, names_of(*specs), prefix + "key 'sweep': ", "parameter",
                                owner + " takes");
  Sweep sweep;
  sweep.where = node.where;
  bool fine = written.size() == node.entries.size();
  int64_t points = 1;
  // File order: the configuration names list the parameters as written.
  // Not a structured binding: C++17 lets no lambda capture one (clang refuses it).
  for (const auto& entry : node.entries) {
    const YamlNode& key = entry.first;
    const YamlNode& value = entry.second;
    auto spec = std::find_if(specs->begin(), specs->end(), [&](const ParamSpec& p) {
      return key.is_scalar() && p.name == key.text;
    });
    if (spec == specs->end()) continue;  // reported by fields()
    const std::string what = prefix + "key 'sweep': parameter " + squote(spec->name);
    if (agent.params.count(spec->name)) {
      error(key.where, what + " is also set under 'params' (sweep it or set it, not both)");
      fine = false;
      continue;
    }
    if (!value.is_sequence() || value.items.empty()) {
      error(value.where, what + " must be a non-empty list of values, got " +
                             (value.is_sequence() ? "an empty list" : describe_node(value)));
      fine = false;
      continue;
    }
    std::vector<ParamEntry> values;
    for (const auto& item : value.items) {
      auto v = convert(*spec, item, what + " value");
      if (!v) {
        fine = false;
        continue;
      }
      const bool repeated = std::any_of(values.begin(), values.end(), [&](const ParamEntry& e) {
        return format_value(e.value) == format_value(*v);
      });
      if (repeated) {
        error(item.where, what + " lists " + squote(format_value(*v)) + " twice");
        fine = false;
        continue;
      }
      values.push_back(ParamEntry{*v, item.where});
    }
    points *= std::max<int64_t>(1, static_cast<int64_t>(values.size()));
    if (points > kMaxSweepConfigurations) {
      error(value.where, prefix + "key 'sweep' has more than " +
                             std::to_string(kMaxSweepConfigurations) +
                             " configurations (the product of its lists' lengths)");
      return std::nullopt;
    }
    sweep.grid.emplace_back(spec->name, std::move(values));
  }
  if (!fine) return std::nullopt;
  return sweep;
}

namespace {

// "0.001" and "[64,64]": a value as it appears in a configuration's name.
std::string compact_value(const ParamValue& value) {
  std::string text = format_value(value);
  text.erase(std::remove(text.begin(), text.end(), ' '), text.end());
  return text;
}

}  // namespace

void Loader::expand_sweeps(Layer* layer) {
  if (layer->sweeps.empty()) return;
  const ProtocolInfo* info = protocol_of(*layer);
  std::vector<AgentSpec> expanded;
  for (auto& agent : layer->agents) {
    auto sweep = layer->sweeps.find(agent.name);
    if (sweep == layer->sweeps.end()) {
      expanded.push_back(std::move(agent));
      continue;
    }
    if (info && !info->is_default) {
      error(sweep->second.where,
            "agent " + squote(agent.name) + ": key 'sweep' is supported under the default "
                "protocol only (this suite's protocol is " + squote(info->name) +
                "): selection inside the budget needs one training phase");
      continue;
    }
    if (agent.selection == "validation" && layer->budgets) {
      for (int64_t budget : *layer->budgets) {
        const int64_t held = validation_samples(budget, agent.validation_fraction);
        if (held < 1 || held >= budget) {
          const SourceLocation where = sweep->second.validation_fraction_where.known()
                                           ? sweep->second.validation_fraction_where
                                           : sweep->second.where;
          error(where, "agent " + squote(agent.name) + ": validation_fraction " +
                           format_value(agent.validation_fraction) + " of budget " +
                           std::to_string(budget) + " holds out " + std::to_string(held) +
                           " samples; selection: validation needs at least one to validate "
                           "on and one to train on");
          break;
        }
      }
    }
    const auto& grid = sweep->second.grid;
    std::vector<size_t> at(grid.size(), 0);
    for (;;) {
      AgentSpec config = agent;
      config.sweep = agent.name;
      for (size_t k = 0; k < grid.size(); ++k) {
        const ParamEntry& entry = grid[k].second[at[k]];
        config.params[grid[k].first] = entry;
        config.configuration.emplace_back(grid[k].first, compact_value(entry.value));
      }
      config.name = agent.name + "[" + config.configuration_text() + "]";
      layer->learner_where[config.name] = layer->learner_where[agent.name];
      expanded.push_back(std::move(config));
      size_t k = grid.size();
      while (k > 0 && ++at[k - 1] == grid[k - 1].second.size()) at[--k] = 0;
      if (k == 0) break;
    }
  }
  std::set<std::string> names;
  for (const auto& agent : expanded)
    if (!names.insert(agent.name).second)
      error(agent.where, "agent " + squote(agent.name) +
                             ": a sweep's configuration has the name of another agent");
  layer->agents = std::move(expanded);
}

void Loader::read_top(const Fields& f, Layer* layer) {
  auto value = [&](const char* key) -> const YamlNode* {
    auto it = f.find(key);
    return it == f.end() ? nullptr : it->second;
  };
  for (const auto& [key, unused] : f) layer->keys.insert(key);
  std::string tail;
  if (auto v = value("suite")) {
    layer->name = read_name(*v, "key 'suite'");
  }
  if (auto v = value("version")) {
    auto version =
        read_int(*v, ParamSpec::Int("version", 1, std::nullopt, std::nullopt, ""), "key 'version'");
    if (version && *version != 1) {
      error(v->where,
            "key 'version' must be 1 (the only suite format version), got " + describe_node(*v));
    } else {
      layer->version = version;
    }
  }
  if (auto v = value("description")) {
    if (!(layer->description = to_string(*v, &tail))) error(v->where, "key 'description' " + tail);
  }
  if (auto v = value("seed"))
    layer->seed = read_int(*v, ParamSpec::Int("seed", 0, 0, std::nullopt, ""), "key 'seed'");
  if (auto v = value("seeds"))
    layer->seeds = read_int(*v, ParamSpec::Int("seeds", 5, 1, kMaxSeeds, ""), "key 'seeds'");
  if (auto v = value("eval_samples")) {
    layer->eval_samples = read_int(*v, ParamSpec::Int("eval_samples", 2000, 1, kMaxEvalSamples, ""),
                                   "key 'eval_samples'");
  }
  if (auto v = value("protocol")) {
    if (auto p = to_string(*v, &tail); !p) {
      error(v->where, "key 'protocol' " + tail);
    } else if (!catalog_.protocols.count(*p)) {
      const auto known = names_of(catalog_.protocols);
      error(v->where, "key 'protocol' must be one of " + joined(known) + ", got " + squote(*p) +
                          hint(*p, known, "protocols"));
    } else {
      layer->protocol = *p;
      layer->protocol_where = v->where;
    }
  }
  if (auto v = value("plugins")) {
    // Paths relative to the file that names them, like `include:`.
    std::vector<const YamlNode*> entries;
    if (v->is_scalar()) {
      entries.push_back(v);
    } else if (v->is_sequence()) {
      for (const auto& item : v->items) entries.push_back(&item);
    } else {
      error(v->where, "key 'plugins' must be a list of shared library paths, got " +
                          describe_node(*v));
    }
    for (const YamlNode* entry : entries) {
      if (!entry->is_scalar() || entry->text.empty()) {
        error(entry->where,
              "key 'plugins' entries must be shared library paths, got " + describe_node(*entry));
        continue;
      }
      const fs::path p(entry->text);
      const fs::path resolved = p.is_absolute() ? p : fs::path(entry->where.file).parent_path() / p;
      layer->plugins.push_back({resolved.lexically_normal().generic_string(), entry->where});
    }
  }
  if (auto v = value("reference")) {
    if (auto name = to_string(*v, &tail); !name) {
      error(v->where, "key 'reference' " + tail + " (expected the name of an agent)");
    } else {
      layer->reference = *name;
      layer->reference_where = v->where;
    }
  }
  if (auto v = value("deployment")) read_deployment(*v, layer);
  if (auto v = value("pretrain_budget")) {
    layer->pretrain_budget = read_int(
        *v, ParamSpec::Int("pretrain_budget", 1, 1, kMaxBudget, ""), "key 'pretrain_budget'");
    layer->pretrain_budget_where = v->where;
  }
  if (auto v = value("budgets")) {
    const std::string expected = " (expected a list of sample budgets, e.g. [100, 1000, 10000])";
    if (!v->is_sequence()) {
      error(v->where, "key 'budgets' must be a list, got " + describe_node(*v) + expected);
    } else if (v->items.empty()) {
      error(v->where, "key 'budgets' must not be empty" + expected);
    } else {
      std::vector<int64_t> budgets;
      std::map<int64_t, size_t> first;
      bool ok = true;
      for (size_t i = 0; i < v->items.size(); ++i) {
        const std::string what = "key 'budgets' element " + std::to_string(i + 1);
        // 0 (zero-shot) is a budget of protocol: transfer only, checked once
        // the protocol is known (it may come from another file).
        const ParamSpec positive = ParamSpec::Int("budget", 1, 1, kMaxBudget, "");
        std::optional<int64_t> b;
        if (const auto& item = v->items[i]; item.is_scalar() && !item.quoted && item.text == "0") {
          layer->zero_budgets.emplace_back(
              item.where, what + " " + check_value(positive, ParamValue(int64_t{0})));
          b = 0;
        } else {
          b = read_int(item, positive, what);
        }
        if (b && first.count(*b)) {
          error(v->items[i].where, what + " repeats budget " + std::to_string(*b) + " (element " +
                                       std::to_string(first[*b]) + ")");
          b.reset();
        }
        if (!b) {
          ok = false;
          continue;
        }
        first[*b] = i + 1;
        budgets.push_back(*b);
      }
      if (ok) layer->budgets = budgets;
    }
  }
  for (const char* key : {"tasks", "agents"}) {
    const YamlNode* v = value(key);
    if (!v) continue;
    const bool tasks = std::strcmp(key, "tasks") == 0;
    const std::string expected = tasks ? " (expected a list of tasks: name, family, params, ...)"
                                       : " (expected a list of agents: name, learner, params)";
    if (!v->is_sequence()) {
      error(v->where,
            "key " + squote(key) + " must be a list, got " + describe_node(*v) + expected);
    } else if (v->items.empty()) {
      error(v->where, "key " + squote(key) + " must not be empty" + expected);
    } else {
      std::map<std::string, int> seen;
      for (size_t i = 0; i < v->items.size(); ++i) {
        if (tasks) {
          read_task(v->items[i], i, layer, &seen);
        } else {
          read_agent(v->items[i], i, layer, &seen);
        }
      }
    }
  }
}

void Loader::merge(Layer* into, const Layer& from) {
  auto take = [](auto* dst, const auto& src) {
    if (src) *dst = src;
  };
  take(&into->name, from.name);
  take(&into->description, from.description);
  take(&into->version, from.version);
  take(&into->seed, from.seed);
  take(&into->seeds, from.seeds);
  take(&into->eval_samples, from.eval_samples);
  take(&into->budgets, from.budgets);
  if (from.keys.count("budgets")) into->zero_budgets = from.zero_budgets;
  if (from.protocol) {
    into->protocol = from.protocol;
    into->protocol_where = from.protocol_where;
  }
  if (from.pretrain_budget) {
    into->pretrain_budget = from.pretrain_budget;
    into->pretrain_budget_where = from.pretrain_budget_where;
  }
  if (from.reference) {
    into->reference = from.reference;
    into->reference_where = from.reference_where;
  }
  if (from.deployment) {
    into->deployment = from.deployment;
    into->deployment_where = from.deployment_where;
  }
  for (const auto& [name, keys] : from.task_keys) into->task_keys[name] = keys;
  for (const auto& plugin : from.plugins) {
    if (std::none_of(into->plugins.begin(), into->plugins.end(),
                     [&](const PluginRef& p) { return p.path == plugin.path; }))
      into->plugins.push_back(plugin);
  }
  into->keys.insert(from.keys.begin(), from.keys.end());
  for (const auto& agent : from.agents) {  // an agent written again replaces its sweep too
    auto sweep = from.sweeps.find(agent.name);
    if (sweep != from.sweeps.end())
      into->sweeps[agent.name] = sweep->second;
    else
      into->sweeps.erase(agent.name);
  }
  auto merge_by_name = [](auto* dst, const auto& src) {
    for (const auto& entry : src) {
      auto it = std::find_if(dst->begin(), dst->end(),
                             [&](const auto& e) { return e.name == entry.name; });
      if (it != dst->end()) {
        *it = entry;
      } else {
        dst->push_back(entry);
      }
    }
  };
  merge_by_name(&into->tasks, from.tasks);
  merge_by_name(&into->agents, from.agents);
  for (const auto& [name, where] : from.learner_where) into->learner_where[name] = where;
}

bool Loader::include_allowed(const std::string& canonical, const std::string& display,
                             const SourceLocation& where) {
  for (const auto& root : include_roots_)
    if (canonical == root || canonical.rfind(root == "/" ? root : root + "/", 0) == 0) return true;
  error(where, "cannot include " + path_quote(display) + ": it is outside the suite's folder (" +
                   (include_roots_.empty() ? std::string("?") : include_roots_.front()) +
                   (include_roots_.size() > 1 ? ") and every --include-path" : ")") +
                   "; pass --include-path DIR to allow includes from DIR");
  incomplete_ = true;
  return false;
}

Loader::Layer Loader::load_file(const std::string& display, const SourceLocation& included_at) {
  const std::string canonical = canonical_of(display);
  if (included_at.known() && !include_allowed(canonical, display, included_at)) return {};
  for (size_t i = 0; i < stack_.size(); ++i) {
    if (stack_[i].first != canonical) continue;
    std::string chain;
    for (size_t k = i; k < stack_.size(); ++k) chain.append(stack_[k].second).append(" -> ");
    error(included_at, "include cycle: " + chain + display);
    incomplete_ = true;
    return {};
  }
  if (auto it = cache_.find(canonical); it != cache_.end()) return it->second;
  if (stack_.size() >= kMaxIncludeDepth) {
    error(included_at, "cannot include " + path_quote(display) + ": includes nested more than " +
                           std::to_string(kMaxIncludeDepth) + " deep");
    incomplete_ = true;
    return {};
  }
  Layer merged;
  auto text = read(display, included_at);
  if (!text) {
    incomplete_ = true;
    return merged;
  }
  files_.push_back(display);
  auto root = parse_yaml(*text, display, &diagnostics_);
  if (!root || !root->is_map()) incomplete_ = true;
  if (!root) return cache_[canonical] = merged;
  if (root->is_null()) {
    error(root->where, "file is empty (expected a map of suite keys: " + joined(kTopKeys) + ")");
    return cache_[canonical] = merged;
  }
  if (!root->is_map()) {
    error(root->where, "the top level must be a map of suite keys (" + joined(kTopKeys) +
                           "), got " + describe_node(*root));
    return cache_[canonical] = merged;
  }
  Fields f = fields(*root, kTopKeys, "", "top-level key", "expected one of");

  // Includes first, in order; this file overrides them.
  stack_.push_back({canonical, display});
  if (auto it = f.find("include"); it != f.end()) {
    const YamlNode& inc = *it->second;
    std::vector<const YamlNode*> entries;
    if (inc.is_scalar()) {
      entries.push_back(&inc);
    } else if (inc.is_sequence()) {
      for (const auto& item : inc.items) entries.push_back(&item);
    } else {
      error(inc.where, "key 'include' must be a list of file paths, got " + describe_node(inc));
    }
    for (const YamlNode* entry : entries) {
      if (!entry->is_scalar() || entry->text.empty()) {
        error(entry->where,
              "key 'include' entries must be file paths, got " + describe_node(*entry));
        continue;
      }
      fs::path p(entry->text);
      std::string resolved =
          p.is_absolute()
              ? p.lexically_normal().generic_string()
              : (fs::path(display).parent_path() / p).lexically_normal().generic_string();
      merge(&merged, load_file(resolved, entry->where));
    }
  }
  stack_.pop_back();

  Layer own;
  read_top(f, &own);
  merge(&merged, own);
  return cache_[canonical] = merged;
}

std::string Loader::image_families() const {
  std::vector<std::string> names;
  for (const auto& [name, c] : catalog_.families)
    if (c.images) names.push_back(name);
  return names.empty() ? "none" : joined(names);
}

void Loader::check_compatible(const Layer& layer) {
  // Agents' `tasks:` name tasks of the suite, and every task has an agent.
  std::vector<std::string> task_names;
  for (const auto& task : layer.tasks) task_names.push_back(task.name);
  std::set<std::string> run;
  for (const auto& agent : layer.agents) {
    for (const auto& name : agent.tasks)
      if (std::find(task_names.begin(), task_names.end(), name) == task_names.end())
        error(agent.tasks_where, "agent " + squote(agent.name) + ": key 'tasks' names " +
                                     squote(name) + ", which is not a task of the suite" +
                                     hint(name, task_names, "tasks"));
    for (const auto& name : task_names)
      if (agent.runs_on(name)) run.insert(name);
  }
  if (!layer.agents.empty())
    for (const auto& task : layer.tasks)
      if (!run.count(task.name))
        error(task.where, "task " + squote(task.name) +
                              ": no agent runs on it (every agent's key 'tasks' leaves it out)");
  for (const auto& agent : layer.agents) {
    auto learner = catalog_.learners.find(agent.learner);
    if (learner == catalog_.learners.end()) continue;
    const auto& kinds = learner->second.kinds;
    for (const auto& task : layer.tasks) {
      if (!agent.runs_on(task.name)) continue;
      auto family = catalog_.families.find(task.family);
      if (family == catalog_.families.end()) continue;
      const std::string& kind = family->second.kind;
      auto where = layer.learner_where.find(agent.name);
      if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) {
        if (learner->second.images && !family->second.images)
          error(where != layer.learner_where.end() ? where->second : agent.where,
                "agent " + squote(agent.name) + ": learner " + squote(agent.learner) +
                    " takes image inputs only, and task " + squote(task.name) + " (family " +
                    squote(task.family) + ") has flat inputs (families with images: " +
                    image_families() + ")");
        continue;
      }
      error(where != layer.learner_where.end() ? where->second : agent.where,
            "agent " + squote(agent.name) + ": learner " + squote(agent.learner) +
                " cannot train on task " + squote(task.name) + ": family " + squote(task.family) +
                " is " + kind + ", the learner trains on " +
                (kinds.empty() ? "nothing" : joined(kinds)));
    }
  }
}

const ProtocolInfo* Loader::protocol_of(const Layer& layer) const {
  if (layer.protocol) {
    auto it = catalog_.protocols.find(*layer.protocol);
    return it == catalog_.protocols.end() ? nullptr : it->second;
  }
  for (const auto& [name, info] : catalog_.protocols)
    if (info->is_default) return info;
  return nullptr;
}

// What the protocol needs (run/protocol.h): the task and suite keys it takes
// and requires, its smallest budget, the family kinds it runs, and learners
// that can continue when it needs them.
void Loader::check_protocol(const Layer& layer) {
  const ProtocolInfo* info = protocol_of(layer);
  if (!info) return;  // an unknown protocol was reported where it was written
  const std::string& protocol = info->name;
  const std::string under = "protocol " + squote(protocol);
  // Which protocols take a key (for "belongs to" and "needs protocol: x").
  auto owners = [&](const std::string& key, bool task_key) {
    std::vector<std::string> out;
    for (const auto& [name, p] : catalog_.protocols)
      for (const auto& k : task_key ? p->task_keys : p->suite_keys)
        if (k.name == key) out.push_back(name);
    return out;
  };
  auto joined_or = [](const std::vector<std::string>& xs) {
    std::string out;
    for (size_t i = 0; i < xs.size(); ++i)
      out += (i == 0 ? "" : i + 1 == xs.size() ? " or " : ", ") + xs[i];
    return out;
  };
  if (info->min_budget > 0) {
    std::vector<std::string> zero;
    for (const auto& [name, p] : catalog_.protocols)
      if (p->min_budget <= 0) zero.push_back(name);
    for (const auto& [where, message] : layer.zero_budgets)
      error(where, message + " (a budget of 0, zero-shot, needs protocol: " +
                       (zero.empty() ? std::string("none registered") : joined_or(zero)) + ")");
  }
  // Suite keys: pretrain_budget and deployment are the protocol-owned
  // top-level keys the loader reads.
  const std::pair<const char*, std::pair<bool, SourceLocation>> suite_keys[] = {
      {"pretrain_budget",
       {layer.pretrain_budget.has_value(), layer.pretrain_budget_where}},
      {"deployment", {layer.deployment.has_value(), layer.deployment_where}}};
  for (const auto& [name, written] : suite_keys) {
    const auto& [valid, where] = written;
    const bool wrote = valid || layer.keys.count(name);
    bool takes = false;
    for (const auto& key : info->suite_keys) {
      if (key.name != name) continue;
      takes = true;
      if (key.required && !wrote && !incomplete_)
        error(layer.protocol_where, under + " needs key " + squote(name) + " (" + key.spec + ")");
    }
    if (!takes && valid) {
      const auto owner = owners(name, false);
      error(where, "key " + squote(name) + " applies to protocol: " +
                       (owner.empty() ? std::string("none registered") : joined_or(owner)) +
                       " only (this suite's protocol is " + squote(protocol) + ")");
    }
  }
  std::vector<std::string> keys_here;
  for (const auto& k : info->task_keys) keys_here.push_back(k.name);
  for (const auto& task : layer.tasks) {
    const std::string prefix = "task " + squote(task.name) + ": ";
    auto written = layer.task_keys.find(task.name);
    if (written != layer.task_keys.end())
      for (const auto& [key, where] : written->second) {
        if (std::find(keys_here.begin(), keys_here.end(), key) != keys_here.end()) continue;
        const auto owner = owners(key, true);
        error(where, prefix + "key " + squote(key) + " belongs to protocol " +
                         (owner.empty() ? std::string("none registered")
                                        : squote(owner.front())) +
                         ", and this suite's protocol is " + squote(protocol) + " (it takes " +
                         (keys_here.empty() ? std::string("none") : joined(keys_here)) + ")");
      }
    for (const auto& key : info->task_keys) {
      const size_t entries = key.name == "targets"    ? task.targets.size()
                             : key.name == "stream"   ? task.stream.size()
                             : key.name == "ood"      ? task.ood.size()
                             : key.name == "segments" ? task.segments.size()
                                                      : 0;
      const bool wrote = written != layer.task_keys.end() && written->second.count(key.name);
      if ((key.required && !wrote) || (key.min_entries > 0 && entries < key.min_entries &&
                                       (key.required || wrote)))
        error(task.where, prefix + under + " needs key " + squote(key.name) + ": " + key.spec);
    }
    // A segment is a whole number of chunks (the deployment protocol's).
    const int64_t chunk =
        task.chunk > 0 ? task.chunk : layer.deployment ? layer.deployment->chunk : 0;
    if (chunk > 0)
      for (const auto& segment : task.segments)
        if (segment.samples > 0 && segment.samples % chunk != 0)
          error(segment.samples_where,
                prefix + "segment " + squote(segment.name) + ": samples " +
                    std::to_string(segment.samples) + " is not a multiple of the chunk (" +
                    std::to_string(chunk) + ", key " +
                    (task.chunk > 0 ? "'chunk' of the task" : "'deployment'") + ")");
    auto family = catalog_.families.find(task.family);
    if (family == catalog_.families.end()) continue;
    const auto& kinds = info->family_kinds;
    if (std::find(kinds.begin(), kinds.end(), family->second.kind) == kinds.end())
      error(task.where, prefix + under + " runs " +
                            (kinds == std::vector<std::string>{"regression", "classification"}
                                 ? std::string("supervised")
                                 : joined(kinds)) +
                            " families only; family " + squote(task.family) + " is " +
                            family->second.kind);
    else if (!info->finite_tables && family->second.max_budget)
      error(task.where, prefix + under + " runs families drawn from a distribution only; family " +
                            squote(task.family) + " draws from a finite table");
  }
  if (!info->needs_continue) return;
  std::vector<std::string> can;
  for (const auto& [name, c] : catalog_.learners)
    if (c.can_continue) can.push_back(name);
  for (const auto& agent : layer.agents) {
    auto learner = catalog_.learners.find(agent.learner);
    if (learner == catalog_.learners.end() || learner->second.can_continue) continue;
    auto where = layer.learner_where.find(agent.name);
    error(where != layer.learner_where.end() ? where->second : agent.where,
          "agent " + squote(agent.name) + ": learner " + squote(agent.learner) +
              " cannot continue training from its state, which " + under +
              " needs (learners that can: " + (can.empty() ? "none" : joined(can)) + ")");
  }
}

// The family's own checks on every split the protocol names (check_split
// against the first split, which plays `train`), and the largest budget a
// finite table allows.
void Loader::check_families(const Layer& layer) {
  const ProtocolInfo* info = protocol_of(layer);
  if (!info || !info->checked_splits) return;
  for (const auto& task : layer.tasks) {
    auto family = catalog_.families.find(task.family);
    if (family == catalog_.families.end()) continue;
    const Catalog::Component& c = family->second;
    const auto splits = info->checked_splits(task);
    if (splits.empty()) continue;
    auto resolved = [&](const CheckedSplit& split) {
      std::vector<const ParamMap*> layers{&task.params};
      layers.insert(layers.end(), split.layers.begin(), split.layers.end());
      return resolve_params(c.params, layers);
    };
    const Params first = resolved(splits[0]);
    for (const auto& split : splits) {
      // The first split is checked as `first` itself (split == train, as
      // FamilyInfo::check_split documents: a family may check once per task
      // what all its splits share, such as data files).
      const bool is_first = &split == &splits[0];
      const Params params = is_first ? first : resolved(split);
      const Params& checked = is_first ? first : params;
      const SourceLocation where = split.where.known() ? split.where : task.where;
      const bool train = split.label.empty();
      const std::string at = "task " + squote(task.name) +
                             (train ? ": " : " (" + split.label + "): ");
      if (c.check_split)
        if (auto why = c.check_split(checked, first); !why.empty()) {
          error(where, at + (train ? "family " + squote(task.family) + ": " : "") + why);
          continue;
        }
      if (!c.max_budget || split.budget_key.empty()) continue;
      const auto most = c.max_budget(params);
      if (!most) continue;
      std::vector<int64_t> needed;
      if (split.budget_key == "pretrain_budget" && layer.pretrain_budget)
        needed.push_back(*layer.pretrain_budget);
      if (split.budget_key == "budgets" && layer.budgets) needed = *layer.budgets;
      for (int64_t b : needed)
        if (b > *most)
          error(where, at + "budget " + std::to_string(b) + " exceeds the " +
                           std::to_string(*most) + " distinct " +
                           (train ? "training examples of family " + squote(task.family) +
                                        " under the train split"
                                  : "examples of family " + squote(task.family) +
                                        " in this split") +
                           " (drawn without replacement)");
    }
  }
}

// Learner checks against each task's shape (a TorchScript model's output
// shape): one error per agent and parameter, at the first task that fails.
void Loader::check_agents(const Layer& layer) {
  const ProtocolInfo* info = protocol_of(layer);
  for (const auto& agent : layer.agents) {
    auto learner = catalog_.learners.find(agent.learner);
    if (learner == catalog_.learners.end() || !learner->second.check_task) continue;
    const Params params = resolve_params(learner->second.params, {&agent.params});
    for (const auto& task : layer.tasks) {
      if (!agent.runs_on(task.name)) continue;
      auto family = catalog_.families.find(task.family);
      if (family == catalog_.families.end()) continue;
      // The task's first split under the protocol (it plays `train`: the
      // source of transfer, the first stage of continual).
      std::vector<const ParamMap*> layers{&task.params};
      const auto splits = info && info->checked_splits ? info->checked_splits(task)
                                                       : std::vector<CheckedSplit>{};
      if (splits.empty())
        layers.push_back(&task.train);
      else
        layers.insert(layers.end(), splits[0].layers.begin(), splits[0].layers.end());
      const Params train = resolve_params(family->second.params, layers);
      auto problem = learner->second.check_task(params, task.name, task.family, train);
      if (!problem) continue;
      auto written = agent.params.find(problem->param);
      error(written != agent.params.end() ? written->second.where : agent.where,
            "agent " + squote(agent.name) + ": " + problem->message);
      break;
    }
  }
}

void Loader::allow_includes_beside(const std::string& path) {
  // Includes may come from the suite's own folder tree and the folders the
  // user allows, after resolving links (a link in the suite's folder to
  // /etc/shadow is outside it).
  fs::path folder = fs::path(path).parent_path();
  include_roots_.push_back(canonical_of(folder.empty() ? "." : folder.string()));
  for (const auto& dir : options_.include_paths) include_roots_.push_back(canonical_of(dir));
}

Suite Loader::load(const std::string& path) {
  allow_includes_beside(path);
  Layer layer = load_file(path, SourceLocation{});
  const SourceLocation file{path, 1, 1};  // a missing key belongs to the top-level map
  if (!incomplete_) {  // else what is missing may be in the file that failed
    auto require = [&](const char* key, bool present, const char* expected) {
      if (!present && !layer.keys.count(key))
        error(file, std::string("missing required key '") + key + "' (" + expected + ")");
    };
    require("suite", layer.name.has_value(), "the suite's name");
    require("budgets", layer.budgets.has_value(),
            "a list of sample budgets, e.g. [100, 1000, 10000]");
    require("tasks", !layer.tasks.empty(), "a list of tasks");
    require("agents", !layer.agents.empty(), "a list of agents");
  }
  expand_sweeps(&layer);
  check_compatible(layer);
  check_protocol(layer);
  if (layer.reference) {  // the practice multiplier's reference names an agent (or a sweep)
    std::vector<std::string> agents;
    for (const auto& a : layer.agents)
      if (a.sweep.empty())
        agents.push_back(a.name);
      else if (std::find(agents.begin(), agents.end(), a.sweep) == agents.end())
        agents.push_back(a.sweep);
    if (std::find(agents.begin(), agents.end(), *layer.reference) == agents.end())
      error(layer.reference_where, "key 'reference' names no agent: " +
                                       squote(*layer.reference) +
                                       hint(*layer.reference, agents, "agents"));
  }
  // Family checks read resolved parameters: only meaningful once every value is.
  if (diagnostics_.empty()) check_families(layer);
  if (diagnostics_.empty()) check_agents(layer);

  if (!diagnostics_.empty()) {
    auto rank = [&](const std::string& f) {
      auto it = std::find(files_.begin(), files_.end(), f);
      return it - files_.begin();
    };
    std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                     [&](const Diagnostic& a, const Diagnostic& b) {
                       auto ka = std::make_tuple(rank(a.where.file), a.where.line, a.where.column);
                       auto kb = std::make_tuple(rank(b.where.file), b.where.line, b.where.column);
                       return ka < kb;
                     });
    diagnostics_.erase(
        std::unique(diagnostics_.begin(), diagnostics_.end(),
                    [](const Diagnostic& a, const Diagnostic& b) { return a.str() == b.str(); }),
        diagnostics_.end());
    throw SuiteError(std::move(diagnostics_));
  }

  Suite suite;
  suite.name = *layer.name;
  suite.version = static_cast<int>(layer.version.value_or(1));
  suite.description = layer.description.value_or("");
  suite.path = path;
  suite.files = files_;
  suite.seed = static_cast<uint64_t>(layer.seed.value_or(0));
  suite.seeds = layer.seeds.value_or(5);
  suite.budgets = *layer.budgets;
  std::sort(suite.budgets.begin(), suite.budgets.end());
  suite.eval_samples = layer.eval_samples.value_or(2000);
  suite.tasks = std::move(layer.tasks);
  suite.agents = std::move(layer.agents);
  const ProtocolInfo* protocol = protocol_of(layer);
  suite.protocol = protocol ? protocol->name : layer.protocol.value_or("");
  suite.pretrain_budget = layer.pretrain_budget.value_or(0);
  suite.plugins = std::move(layer.plugins);
  suite.reference = layer.reference.value_or("");
  if (layer.deployment) suite.deployment = *layer.deployment;
  return suite;
}

}  // namespace

Suite load_suite(const std::string& path, const Catalog& catalog, const LoadOptions& options) {
  return Loader(catalog, options).load(path);
}

std::vector<PluginRef> suite_plugins(const std::string& path, const LoadOptions& options) {
  const Catalog nothing;
  return Loader(nothing, options).plugins(path);
}

}  // namespace hg
