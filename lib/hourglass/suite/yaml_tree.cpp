#include "hourglass/suite/yaml_tree.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <cstdio>
#include <sstream>

namespace hg {
namespace {

// Thrown from the event handler to abandon a parse with a located error.
struct Refused {
  Diagnostic diagnostic;
};

SourceLocation at(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return {file, 0, 0};
  return {file, mark.line + 1, mark.column + 1};
}

std::string hex_byte(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", c);
  return buf;
}

// Suite files are UTF-8 text without control characters (tab, LF, CR aside).
// Catches binary files before yaml-cpp sees them.
std::optional<Diagnostic> check_text(const std::string& s, const std::string& file) {
  int line = 1, column = 1;
  size_t i = s.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // byte order mark
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= s.size() && c != 0xC0 && c != 0xC1 && c <= 0xF4;
    for (size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (!ok) {
      return Diagnostic{
          {file, line, column},
          "not a text file: invalid UTF-8 byte " + hex_byte(c) + " (suite files are UTF-8 YAML)"};
    }
    if (len == 1 && ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)) {
      return Diagnostic{
          {file, line, column},
          "not a text file: control character " + hex_byte(c) + " (suite files are UTF-8 YAML)"};
    }
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += len;
  }
  return std::nullopt;
}

// Builds a YamlNode tree from yaml-cpp's events, enforcing the limits.
class TreeBuilder : public YAML::EventHandler {
 public:
  explicit TreeBuilder(const std::string& file) : file_(file) {}

  std::optional<YamlNode> root;

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1)
      refuse(mark, "a suite file holds one YAML document, but a second one starts here");
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override {
    add(make(YamlNode::Kind::kNull, mark));
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    refuse(mark, "YAML aliases ('*name') are not supported: write the value out");
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                const std::string& value) override {
    YamlNode node = make(YamlNode::Kind::kScalar, mark);
    node.text = value;
    node.quoted = tag == "!" || tag == "tag:yaml.org,2002:str";
    add(std::move(node));
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    open(make(YamlNode::Kind::kSequence, mark), mark);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    open(make(YamlNode::Kind::kMap, mark), mark);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    YamlNode node;
    std::optional<YamlNode> key;  // a map's key waiting for its value
  };

  [[noreturn]] void refuse(const YAML::Mark& mark, const std::string& message) {
    throw Refused{{at(file_, mark), message}};
  }

  YamlNode make(YamlNode::Kind kind, const YAML::Mark& mark) {
    if (++nodes_ > kMaxYamlNodes)
      refuse(mark, "too many YAML nodes (more than " + std::to_string(kMaxYamlNodes) + ")");
    YamlNode node;
    node.kind = kind;
    node.where = at(file_, mark);
    return node;
  }

  void open(YamlNode node, const YAML::Mark& mark) {
    if (static_cast<int>(stack_.size()) >= kMaxYamlDepth)
      refuse(mark, "YAML nested more than " + std::to_string(kMaxYamlDepth) + " levels deep");
    stack_.push_back({std::move(node), std::nullopt});
  }

  void close() {
    YamlNode node = std::move(stack_.back().node);
    stack_.pop_back();
    add(std::move(node));
  }

  void add(YamlNode node) {
    if (stack_.empty()) {
      root = std::move(node);
      return;
    }
    Frame& top = stack_.back();
    if (top.node.is_sequence()) {
      top.node.items.push_back(std::move(node));
    } else if (!top.key) {
      top.key = std::move(node);
    } else {
      // yaml-cpp places the null of `key:` at the next token, often on a later
      // line: point at the key instead.
      if (node.is_null() && node.where.line != top.key->where.line) node.where = top.key->where;
      top.node.entries.emplace_back(std::move(*top.key), std::move(node));
      top.key.reset();
    }
  }

  std::string file_;
  int documents_ = 0;
  int nodes_ = 0;
  std::vector<Frame> stack_;
};

}  // namespace

std::string describe_node(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      return "nothing";
    case YamlNode::Kind::kSequence:
      return "a list";
    case YamlNode::Kind::kMap:
      return "a map";
    case YamlNode::Kind::kScalar:
      break;
  }
  std::string text = node.text.size() > 24 ? node.text.substr(0, 21) + "..." : node.text;
  return node.quoted ? "\"" + text + "\"" : text;
}

std::optional<YamlNode> parse_yaml(const std::string& text, const std::string& file,
                                   std::vector<Diagnostic>* errors) {
  if (auto bad = check_text(text, file)) {
    errors->push_back(*bad);
    return std::nullopt;
  }
  TreeBuilder builder(file);
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const Refused& refused) {
    errors->push_back(refused.diagnostic);
    return std::nullopt;
  } catch (const YAML::DeepRecursion& e) {
    errors->push_back({at(file, e.mark), "YAML nested too deeply"});
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    errors->push_back({at(file, e.mark), "YAML syntax: " + e.msg});
    return std::nullopt;
  } catch (const std::exception& e) {
    Diagnostic d;
    d.where.file = file;
    d.message = std::string("cannot parse YAML: ") + e.what();
    errors->push_back(std::move(d));
    return std::nullopt;
  }
  if (!builder.root) {
    YamlNode empty;
    empty.where = {file, 1, 1};  // where the missing document should start
    return empty;
  }
  return std::move(builder.root);
}

}  // namespace hg
