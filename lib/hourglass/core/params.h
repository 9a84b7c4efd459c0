// Declared parameters of families and learners, and their resolved values.
//
// Every family and learner declares a std::vector<ParamSpec>: name, type,
// default, allowed range or choices, and a one-line doc. The suite loader
// checks what the YAML says against it (unknown keys, wrong types, values out
// of range, reversed ranges are errors) and the runner hands the component a
// Params holding a value for every declared name (defaults filled in).
// `hourglass list families|learners` prints the specs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace hg {

enum class ParamType {
  kInt,        // int64
  kReal,       // double
  kBool,       // bool
  kChoice,     // one of `choices` (string); any string when `choices` is empty (Text)
  kRealRange,  // [lo, hi] with lo <= hi, both within [min, max]; a scalar v means [v, v]
  kIntList,    // [a, b, ...], each within [min, max]; may be empty only if min_length == 0
  kPath,       // a file path (string); the suite loader resolves a relative path against
               // the directory of the file that wrote it (as `include:` does)
  kCommand,    // argv, a list of strings, run without a shell; the loader resolves an element
               // that holds a '/', is not absolute and does not start with '-' like a kPath
};

// Stored as: kInt int64_t, kReal double, kBool bool, kChoice std::string,
// kRealRange std::vector<double> of size 2, kIntList std::vector<int64_t>,
// kPath std::string, kCommand std::vector<std::string>.
using ParamValue = std::variant<bool, int64_t, double, std::string, std::vector<double>,
                                std::vector<int64_t>, std::vector<std::string>>;

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kReal;
  ParamValue default_value;
  std::string doc;
  std::optional<double> min;          // inclusive; kInt, kReal, kRealRange, kIntList elements
  std::optional<double> max;          // inclusive
  std::vector<std::string> choices;   // kChoice
  size_t min_length = 1;              // kIntList

  static ParamSpec Int(std::string name, int64_t def, std::optional<double> min,
                       std::optional<double> max, std::string doc);
  static ParamSpec Real(std::string name, double def, std::optional<double> min,
                        std::optional<double> max, std::string doc);
  static ParamSpec Bool(std::string name, bool def, std::string doc);
  static ParamSpec Choice(std::string name, std::string def, std::vector<std::string> choices,
                          std::string doc);
  // Free text (a path): a kChoice without choices, any string is allowed.
  static ParamSpec Text(std::string name, std::string def, std::string doc);
  static ParamSpec RealRange(std::string name, double lo, double hi, std::optional<double> min,
                             std::optional<double> max, std::string doc);
  static ParamSpec IntList(std::string name, std::vector<int64_t> def, std::optional<double> min,
                           std::optional<double> max, std::string doc, size_t min_length = 1);
  // "" as the default means "required": the component's check says so when unset.
  static ParamSpec Path(std::string name, std::string def, std::string doc);
  static ParamSpec Command(std::string name, std::vector<std::string> def, std::string doc,
                           size_t min_length = 1);
};

// The loader's resolution of a kPath value written in `file` (a suite file as
// displayed): relative paths are taken from file's directory, absolute ones
// kept; lexically normalized.
std::string resolve_path_value(const std::string& value, const std::string& file);
// A kCommand element as the loader resolves it: resolve_path_value when it
// holds a '/', is not absolute and does not start with '-'; else unchanged
// (`python3`, `--flag`).
std::string resolve_command_element(const std::string& element, const std::string& file);

// "int", "real", "bool", "one of relu|tanh", "range [lo, hi]", "list of int",
// "path", "command [argv...]".
std::string describe_type(const ParamSpec& spec);
// "[0.1, 5]", "64", "true", "relu", "[64, 64]": the YAML spelling of a value.
std::string format_value(const ParamValue& value);
// Parameter values by name, as a suite would write them.
using ParamOverrides = std::vector<std::pair<std::string, ParamValue>>;
// "{p: 23, operands: held-out}": the YAML flow map of `values`, in order.
std::string format_overrides(const ParamOverrides& values);
// "in [0, 1]", ">= 1", "" when unbounded.
std::string describe_bounds(const ParamSpec& spec);
// Checks that `value` has the spec's type and lies within its bounds.
// Returns an empty string when it does, else what is wrong ("must be >= 1, got 0").
std::string check_value(const ParamSpec& spec, const ParamValue& value);

// A problem with one parameter of a component: which, and what is wrong.
struct ParamProblem {
  std::string param;    // the parameter's name
  std::string message;  // "model models/net.pt returns [2, 3], task 'blobs' needs [2, 4]"
};

// The resolved parameters of one component: a value for every declared name.
// Getters throw std::logic_error on a wrong name or type: that is a bug in the
// component, never a user error (the loader has checked the suite).
class Params {
 public:
  Params() = default;
  // Defaults for every spec.
  explicit Params(const std::vector<ParamSpec>& specs);

  void set(const std::string& name, ParamValue value);
  bool has(const std::string& name) const { return values_.count(name) > 0; }

  int64_t integer(const std::string& name) const;
  double real(const std::string& name) const;  // also accepts an int value
  bool boolean(const std::string& name) const;
  const std::string& choice(const std::string& name) const;
  std::pair<double, double> range(const std::string& name) const;
  const std::vector<int64_t>& int_list(const std::string& name) const;
  const std::string& path(const std::string& name) const;
  const std::vector<std::string>& command(const std::string& name) const;

  const std::map<std::string, ParamValue>& values() const { return values_; }

 private:
  const ParamValue& at(const std::string& name) const;
  std::map<std::string, ParamValue> values_;
};

}  // namespace hg
