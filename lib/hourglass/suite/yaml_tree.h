// A small, bounded YAML document tree with source locations, for the suite
// loader.
//
// yaml-cpp's event parser feeds it, so every node (nulls included) keeps the
// line and column it was written at, duplicate map keys are kept (the loader
// reports them), and hostile input is refused with a located error instead of
// crashing or hanging:
//   - text that is not UTF-8, or holds control bytes (binary files);
//   - YAML aliases (`*name`): rejected outright, which rules out alias bombs;
//   - more than kMaxYamlNodes nodes, or nesting deeper than kMaxYamlDepth;
//   - more than one document in the file;
//   - any yaml-cpp exception (syntax errors, its own depth guard).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hourglass/core/error.h"

namespace hg {

inline constexpr int kMaxYamlNodes = 100'000;
inline constexpr int kMaxYamlDepth = 64;

struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMap };

  Kind kind = Kind::kNull;
  SourceLocation where;         // 1-based
  std::string text;             // kScalar: the scalar's value
  bool quoted = false;          // kScalar: written quoted (or tagged !!str): always a string
  std::vector<YamlNode> items;  // kSequence
  std::vector<std::pair<YamlNode, YamlNode>> entries;  // kMap, in file order

  bool is_null() const { return kind == Kind::kNull; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_sequence() const { return kind == Kind::kSequence; }
  bool is_map() const { return kind == Kind::kMap; }
};

// "nothing", "a list", "a map", or the scalar as written (quoted strings in
// double quotes, long text shortened): for "got ..." in messages.
std::string describe_node(const YamlNode& node);

// Parses `text` (the contents of `file`, used for locations) into one
// document. Returns nullopt, with a located error appended to `errors`, when
// the text is refused or does not parse. An empty document (empty file, only
// comments) is returned as a kNull root located at file:1:1.
std::optional<YamlNode> parse_yaml(const std::string& text, const std::string& file,
                                   std::vector<Diagnostic>* errors);

}  // namespace hg
