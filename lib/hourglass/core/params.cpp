#include "hourglass/core/params.h"

#include <cmath>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace hg {

ParamSpec ParamSpec::Int(std::string name, int64_t def, std::optional<double> min,
                         std::optional<double> max, std::string doc) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::kInt;
  s.default_value = def;
  s.min = min;
  s.max = max;
  s.doc = std::move(doc);
  return s;
}

ParamSpec ParamSpec::Real(std::string name, double def, std::optional<double> min,
                          std::optional<double> max, std::string doc) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::kReal;
  s.default_value = def;
  s.min = min;
  s.max = max;
  s.doc = std::move(doc);
  return s;
}

ParamSpec ParamSpec::Bool(std::string name, bool def, std::string doc) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::kBool;
  s.default_value = def;
  s.doc = std::move(doc);
  return s;
}

ParamSpec ParamSpec::Choice(std::string name, std::string def, std::vector<std::string> choices,
                            std::string doc) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::kChoice;
  s.default_value = std::move(def);
  s.choices = std::move(choices);
  s.doc = std::move(doc);
  return s;
}

ParamSpec ParamSpec::Text(std::string name, std::string def, std::string doc) {
  return Choice(std::move(name), std::move(def), {}, std::move(doc));
}

ParamSpec ParamSpec::RealRange(std::string name, double lo, double hi, std::optional<double> min,
                               std::optional<double> max, std::string doc) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::kRealRange;
  s.default_value = std::vector<double>{lo, hi};
  s.min = min;
  s.max = max;
  s.doc = std::move(doc);
  return s;
}

ParamSpec ParamSpec::IntList(std::string name, std::vector<int64_t> def,
                             std::optional<double> min, std::optional<double> max,
                             std::string doc, size_t min_length) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::kIntList;
  s.default_value = std::move(def);
  s.min = min;
  s.max = max;
  s.doc = std::move(doc);
  s.min_length = min_length;
  return s;
}

ParamSpec ParamSpec::Path(std::string name, std::string def, std::string doc) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::kPath;
  s.default_value = std::move(def);
  s.doc = std::move(doc);
  return s;
}

ParamSpec ParamSpec::Command(std::string name, std::vector<std::string> def, std::string doc,
                             size_t min_length) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::kCommand;
  s.default_value = std::move(def);
  s.doc = std::move(doc);
  s.min_length = min_length;
  return s;
}

std::string resolve_path_value(const std::string& value, const std::string& file) {
  namespace fs = std::filesystem;
  const fs::path p(value);
  if (value.empty() || p.is_absolute()) return value;
  return (fs::path(file).parent_path() / p).lexically_normal().generic_string();
}

std::string resolve_command_element(const std::string& element, const std::string& file) {
  if (element.empty() || element.find('/') == std::string::npos || element.front() == '-' ||
      element.front() == '/')
    return element;
  return resolve_path_value(element, file);
}

namespace {

std::string number(double v) {
  std::ostringstream os;
  os.precision(10);
  os << v;
  return os.str();
}

template <class T>
std::string join_list(const std::vector<T>& xs) {
  std::string out = "[";
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i) out += ", ";
    out += number(static_cast<double>(xs[i]));
  }
  return out + "]";
}

std::string within(const ParamSpec& spec, double v) {
  if (!std::isfinite(v)) return "must be a finite number, got " + number(v);
  if (spec.min && v < *spec.min) return "must be >= " + number(*spec.min) + ", got " + number(v);
  if (spec.max && v > *spec.max) return "must be <= " + number(*spec.max) + ", got " + number(v);
  return "";
}

}  // namespace

std::string describe_type(const ParamSpec& spec) {
  switch (spec.type) {
    case ParamType::kInt: return "int";
    case ParamType::kReal: return "real";
    case ParamType::kBool: return "bool";
    case ParamType::kChoice: {
      if (spec.choices.empty()) return "text";
      std::string out = "one of ";
      for (size_t i = 0; i < spec.choices.size(); ++i) out += (i ? "|" : "") + spec.choices[i];
      return out;
    }
    case ParamType::kRealRange: return "range [lo, hi]";
    case ParamType::kIntList: return "list of int";
    case ParamType::kPath: return "path";
    case ParamType::kCommand: return "command [argv...]";
  }
  return "?";
}

std::string describe_bounds(const ParamSpec& spec) {
  if (spec.min && spec.max) return "in [" + number(*spec.min) + ", " + number(*spec.max) + "]";
  if (spec.min) return ">= " + number(*spec.min);
  if (spec.max) return "<= " + number(*spec.max);
  return "";
}

std::string format_value(const ParamValue& value) {
  if (auto b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (auto i = std::get_if<int64_t>(&value)) return std::to_string(*i);
  if (auto d = std::get_if<double>(&value)) return number(*d);
  if (auto s = std::get_if<std::string>(&value)) return *s;
  if (auto r = std::get_if<std::vector<double>>(&value)) return join_list(*r);
  if (auto l = std::get_if<std::vector<int64_t>>(&value)) return join_list(*l);
  if (auto c = std::get_if<std::vector<std::string>>(&value)) {
    std::string out = "[";
    for (size_t i = 0; i < c->size(); ++i) out += (i ? ", " : "") + (*c)[i];
    return out + "]";
  }
  return "?";
}

std::string format_overrides(const ParamOverrides& values) {
  std::string out;
  for (const auto& [name, value] : values)
    out += (out.empty() ? "" : ", ") + name + ": " + format_value(value);
  return "{" + out + "}";
}

std::string check_value(const ParamSpec& spec, const ParamValue& value) {
  switch (spec.type) {
    case ParamType::kInt: {
      auto i = std::get_if<int64_t>(&value);
      if (!i) return "must be an integer";
      return within(spec, static_cast<double>(*i));
    }
    case ParamType::kReal: {
      if (auto i = std::get_if<int64_t>(&value)) return within(spec, static_cast<double>(*i));
      auto d = std::get_if<double>(&value);
      if (!d) return "must be a number";
      return within(spec, *d);
    }
    case ParamType::kBool:
      return std::holds_alternative<bool>(value) ? "" : "must be true or false";
    case ParamType::kChoice: {
      auto s = std::get_if<std::string>(&value);
      if (!s) return "must be " + describe_type(spec);
      if (spec.choices.empty()) return "";
      for (const auto& c : spec.choices)
        if (c == *s) return "";
      return "must be " + describe_type(spec) + ", got '" + *s + "'";
    }
    case ParamType::kRealRange: {
      auto r = std::get_if<std::vector<double>>(&value);
      if (!r || r->size() != 2) return "must be a range [lo, hi] (or a single number)";
      if (auto e = within(spec, (*r)[0]); !e.empty()) return "lower end " + e;
      if (auto e = within(spec, (*r)[1]); !e.empty()) return "upper end " + e;
      if ((*r)[0] > (*r)[1])
        return "is a reversed range " + format_value(value) + " (lower end above upper end)";
      return "";
    }
    case ParamType::kIntList: {
      auto l = std::get_if<std::vector<int64_t>>(&value);
      if (!l) return "must be a list of integers";
      if (l->size() < spec.min_length)
        return "must have at least " + std::to_string(spec.min_length) + " element(s)";
      for (auto v : *l)
        if (auto e = within(spec, static_cast<double>(v)); !e.empty()) return "each element " + e;
      return "";
    }
    case ParamType::kPath:
      return std::holds_alternative<std::string>(value) ? "" : "must be a file path";
    case ParamType::kCommand: {
      auto c = std::get_if<std::vector<std::string>>(&value);
      if (!c) return "must be a command, a list of strings, e.g. [python3, agent.py]";
      if (c->size() < spec.min_length)
        return "must have at least " + std::to_string(spec.min_length) + " element(s)";
      for (const auto& e : *c)
        if (e.empty()) return "must not have an empty element";
      return "";
    }
  }
  return "unknown type";
}

Params::Params(const std::vector<ParamSpec>& specs) {
  for (const auto& s : specs) values_[s.name] = s.default_value;
}

void Params::set(const std::string& name, ParamValue value) { values_[name] = std::move(value); }

const ParamValue& Params::at(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw std::logic_error("parameter '" + name + "' is not declared");
  return it->second;
}

template <class T>
static const T& typed(const ParamValue& v, const std::string& name, const char* type) {
  auto p = std::get_if<T>(&v);
  if (!p) throw std::logic_error("parameter '" + name + "' is not a " + type);
  return *p;
}

int64_t Params::integer(const std::string& name) const {
  return typed<int64_t>(at(name), name, "int");
}

double Params::real(const std::string& name) const {
  const auto& v = at(name);
  if (auto i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return typed<double>(v, name, "real");
}

bool Params::boolean(const std::string& name) const { return typed<bool>(at(name), name, "bool"); }

const std::string& Params::choice(const std::string& name) const {
  return typed<std::string>(at(name), name, "choice");
}

std::pair<double, double> Params::range(const std::string& name) const {
  const auto& r = typed<std::vector<double>>(at(name), name, "range");
  if (r.size() != 2) throw std::logic_error("parameter '" + name + "' is not a range");
  return {r[0], r[1]};
}

const std::vector<int64_t>& Params::int_list(const std::string& name) const {
  return typed<std::vector<int64_t>>(at(name), name, "int list");
}

const std::string& Params::path(const std::string& name) const {
  return typed<std::string>(at(name), name, "path");
}

const std::vector<std::string>& Params::command(const std::string& name) const {
  return typed<std::vector<std::string>>(at(name), name, "command");
}

}  // namespace hg
