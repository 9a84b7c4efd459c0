// The JSON line of hourglass.agent/1 without a DOM (wire_header.h): the fast
// path reads what agents send, everything else goes through nlohmann::json,
// and the two agree wherever the fast path answers (a differential test over
// mutated lines).
#include "hourglass/learners/external/wire_header.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>

namespace hg {
namespace {

std::string error_of(std::string_view line) {
  WireHeader h;
  try {
    read_wire_header(line, "a training request", h);
  } catch (const WireHeaderError& e) {
    return e.what();
  }
  return "";
}

// Same type, fields (in any order) and tensors.
testing::AssertionResult same(const WireHeader& a, const WireHeader& b) {
  if (a.type != b.type) return testing::AssertionFailure() << a.type << " != " << b.type;
  if (a.fields.size() != b.fields.size())
    return testing::AssertionFailure() << a.fields.size() << " fields != " << b.fields.size();
  for (const auto& f : a.fields) {
    const WireField* g = b.field(f.key);
    if (!g || g->kind != f.kind ||
        (f.kind == WireField::Kind::kInteger && g->integer != f.integer) ||
        (f.kind == WireField::Kind::kString && g->text != f.text))
      return testing::AssertionFailure() << "field '" << f.key << "' differs";
  }
  if (a.tensors.size() != b.tensors.size())
    return testing::AssertionFailure() << a.tensors.size() << " tensors != " << b.tensors.size();
  for (size_t i = 0; i < a.tensors.size(); ++i)
    if (a.tensors[i].name != b.tensors[i].name || a.tensors[i].dtype != b.tensors[i].dtype ||
        a.tensors[i].shape != b.tensors[i].shape)
      return testing::AssertionFailure() << "tensor " << i << " differs";
  return testing::AssertionSuccess();
}

TEST(WireHeader, TheFastPathReadsWhatAgentsSend) {
  WireHeader h;
  // The C++ benchmark agent's step (nlohmann's dump: no spaces).
  ASSERT_TRUE(read_wire_header_fast(
      R"({"tensors":[{"dtype":"int64","name":"actions","shape":[8,64]}],"type":"step"})", h));
  EXPECT_EQ(h.type, "step");
  EXPECT_TRUE(h.fields.empty());
  ASSERT_EQ(h.tensors.size(), 1u);
  EXPECT_EQ(h.tensors[0].name, "actions");
  EXPECT_EQ(h.tensors[0].dtype, "int64");
  EXPECT_EQ(h.tensors[0].shape, (std::vector<int64_t>{8, 64}));
  // Python's json.dumps (spaces after ':' and ','), more than one tensor, a
  // scalar tensor (shape []).
  ASSERT_TRUE(read_wire_header_fast(
      R"({"type": "prediction", "tensors": [{"name": "y", "dtype": "float32", )"
      R"("shape": [2, 100, 1]}, {"name": "s", "dtype": "bool", "shape": []}]} )",
      h));
  EXPECT_EQ(h.type, "prediction");
  ASSERT_EQ(h.tensors.size(), 2u);
  EXPECT_EQ(h.tensors[0].shape, (std::vector<int64_t>{2, 100, 1}));
  EXPECT_TRUE(h.tensors[1].shape.empty());
  // Fields: integers (negative, zero, 18 digits), strings, true/false/null.
  ASSERT_TRUE(read_wire_header_fast(
      R"({"type":"done","updates":123456789012345678,"n":-0,"m":-42,)"
      R"("protocol":"hourglass.agent/1","ok":true,"no":false,"nothing":null,"tensors":[]})",
      h));
  EXPECT_EQ(h.type, "done");
  EXPECT_EQ(h.field("updates")->kind, WireField::Kind::kInteger);
  EXPECT_EQ(h.field("updates")->integer, 123456789012345678);
  EXPECT_EQ(h.field("n")->integer, 0);
  EXPECT_EQ(h.field("m")->integer, -42);
  EXPECT_EQ(h.field("protocol")->kind, WireField::Kind::kString);
  EXPECT_EQ(h.field("protocol")->text, "hourglass.agent/1");
  for (const char* k : {"ok", "no", "nothing"})
    EXPECT_EQ(h.field(k)->kind, WireField::Kind::kOther);
  EXPECT_EQ(h.field("absent"), nullptr);
  EXPECT_TRUE(h.tensors.empty());
  // \r before the newline (an agent on Windows line endings) is whitespace.
  EXPECT_TRUE(read_wire_header_fast("{\"type\":\"done\"}\r", h));
}

TEST(WireHeader, LinesOutsideTheFastSubsetGoToTheJsonParserAndGiveTheSameValues) {
  WireHeader h;
  const auto slow = [&](std::string_view line) {
    EXPECT_FALSE(read_wire_header_fast(line, h)) << line;
    read_wire_header(line, "x", h);
    return h;
  };
  // An escape in a string.
  EXPECT_EQ(slow(R"({"type":"error","message":"a \"quoted\" word\n"})").field("message")->text,
            "a \"quoted\" word\n");
  EXPECT_EQ(slow(R"({"type":"st\u0065p"})").type, "step");
  // UTF-8 beyond ASCII.
  EXPECT_EQ(slow("{\"type\":\"error\",\"message\":\"\xc3\xa9t\xc3\xa9\"}").field("message")->text,
            "\xc3\xa9t\xc3\xa9");
  // A fraction or an exponent is not an integer.
  EXPECT_EQ(slow(R"({"type":"draw","n":5.0})").field("n")->kind, WireField::Kind::kOther);
  EXPECT_EQ(slow(R"({"type":"draw","n":5e2})").field("n")->kind, WireField::Kind::kOther);
  // 19 digits: an integer that fits int64_t, and one that does not.
  EXPECT_EQ(slow(R"({"type":"draw","n":9223372036854775807})").field("n")->integer, INT64_MAX);
  EXPECT_EQ(slow(R"({"type":"draw","n":-9223372036854775808})").field("n")->integer, INT64_MIN);
  EXPECT_EQ(slow(R"({"type":"draw","n":9223372036854775808})").field("n")->kind,
            WireField::Kind::kOther);
  // A nested object, a list.
  EXPECT_EQ(slow(R"({"type":"hello","info":{"a":[1,2]},"protocol":"p"})").field("protocol")->text,
            "p");
  EXPECT_EQ(slow(R"({"type":"hello","list":[1,2]})").field("list")->kind, WireField::Kind::kOther);
  // A duplicate key: the last one counts, as nlohmann::json has it.
  EXPECT_EQ(slow(R"({"type":"draw","n":1,"n":2})").field("n")->integer, 2);
  EXPECT_EQ(slow(R"({"type":"a","type":"b"})").type, "b");
  // A tensor with a key the protocol does not have is still read.
  const WireHeader t =
      slow(R"({"type":"step","tensors":[{"name":"a","dtype":"int64","shape":[1],"x":0}]})");
  ASSERT_EQ(t.tensors.size(), 1u);
  EXPECT_EQ(t.tensors[0].shape, std::vector<int64_t>{1});
}

TEST(WireHeader, MalformedLinesAreRefusedWithTheHarnessMessages) {
  const std::string malformed =
      "the agent sent malformed JSON while the harness waited for a training request: '";
  for (const char* line :
       {"{nope", "", "{\"type\":\"a\",}", "{\"type\":\"a\"} x", "{\"type\":\"a\"}}",
        "{\"type\":\"x\",\"k\":\"a\ttrue}",  // a raw tab in a string, then what looks like true
        "{\"type\":\"x\",\"k\":-true}", "{\"type\":\"x\",\"k\":01}", "{\"type\":\"x\",\"k\":1.}",
        "{\"type\":\"x\",\"k\":nul}", "{\"type\":\"x\",\"k\":truex}", "{\"type\":\"x\" \"k\":1}",
        "{\"type\":\"a\\q\"}", "{\"type\":\"\xff\"}",
        "{\"type\":\"step\",\"tensors\":[{\"name\":\"a\",\"dtype\":\"int64\",\"shape\":[1,]}]}"}) {
    EXPECT_EQ(error_of(line).rfind(malformed, 0), 0u) << line << " -> " << error_of(line);
  }
  // Long lines are shown cut at 120 characters.
  const std::string long_line = "{" + std::string(300, 'x');
  EXPECT_EQ(error_of(long_line), malformed + long_line.substr(0, 120) + "...'");
  EXPECT_EQ(error_of("[1,2]"),
            "the agent sent a message without a string \"type\" while the harness waited for a "
            "training request: [1,2]");
  EXPECT_EQ(error_of(R"({"type":1})"),
            "the agent sent a message without a string \"type\" while the harness waited for a "
            "training request: {\"type\":1}");
  EXPECT_EQ(error_of("{}"),
            "the agent sent a message without a string \"type\" while the harness waited for a "
            "training request: {}");
  EXPECT_EQ(error_of(R"({"type":"step","tensors":5})"),
            "message 'step': \"tensors\" must be a list");
  EXPECT_EQ(error_of(R"({"type":"step","tensors":[{"name":"a","dtype":"int64"}]})"),
            "message 'step': a tensor must be {\"name\", \"dtype\", \"shape\"}, got "
            "{\"dtype\":\"int64\",\"name\":\"a\"}");
  EXPECT_EQ(error_of(R"({"type":"step","tensors":[{"name":"a","dtype":"int64","shape":["1"]}]})"),
            "message 'step': a tensor must be {\"name\", \"dtype\", \"shape\"}, got "
            "{\"dtype\":\"int64\",\"name\":\"a\",\"shape\":[\"1\"]}");
}

// Wherever the fast path accepts a line, nlohmann::json accepts it too and
// reads the same message: checked on 100,000 random edits of real lines
// (insertions, deletions and replacements from JSON's own characters and a
// few that are not).
TEST(WireHeader, TheFastPathAgreesWithTheJsonParserOnMutatedLines) {
  const std::vector<std::string> seeds = {
      R"({"tensors":[{"dtype":"int64","name":"actions","shape":[8,64]}],"type":"step"})",
      R"({"type": "draw", "n": 64})",
      R"({"type": "done", "updates": 1000, "ok": true, "x": null})",
      R"({"type":"prediction","tensors":[{"name":"y","dtype":"float32","shape":[2,100,1]},)"
      R"({"name":"z","dtype":"bool","shape":[]}]})",
      R"({"type": "hello", "protocol": "hourglass.agent/1"})",
      R"({"type":"reset","copies":-12,"flag":false})",
  };
  const std::string alphabet = "{}[]:,\" \t-0123456789.eEtrufalsn\\xy\x01\xc3\x7f";
  std::mt19937_64 rng(15);
  int accepted = 0, mutated_accepted = 0;
  for (int i = 0; i < 100000; ++i) {
    std::string line = seeds[rng() % seeds.size()];
    const int edits = static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % (line.size() + 1);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          line.insert(line.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        case 1:
          if (at < line.size()) line.erase(at, 1);
          break;
        default:
          if (at < line.size()) line[at] = c;
      }
    }
    WireHeader fast;
    if (!read_wire_header_fast(line, fast)) continue;
    ++accepted;
    if (edits > 0) ++mutated_accepted;
    WireHeader slow;
    ASSERT_NO_THROW(read_wire_header_dom(line, "x", slow)) << line;
    ASSERT_TRUE(same(fast, slow)) << line;
  }
  // The test is not vacuous: many edited lines are still messages.
  EXPECT_GT(mutated_accepted, 5000) << accepted;
}

TEST(WireHeader, TheWriterWritesOneLineThatReadsBack) {
  std::string out = "old content";
  {
    WireHeaderWriter w(out, "transition");
    w.integer("remaining", 936);
    const int64_t obs[] = {5, 64, 4}, reward[] = {5, 64};
    w.tensor("obs", "float32", obs, 3);
    w.tensor("reward", "float32", reward, 2);
    w.finish();
  }
  EXPECT_EQ(out,
            "{\"type\":\"transition\",\"remaining\":936,\"tensors\":[{\"name\":\"obs\",\"dtype\":"
            "\"float32\",\"shape\":[5,64,4]},{\"name\":\"reward\",\"dtype\":\"float32\",\"shape\":"
            "[5,64]}]}\n");
  WireHeader h;
  ASSERT_TRUE(read_wire_header_fast(std::string_view(out).substr(0, out.size() - 1), h));
  EXPECT_EQ(h.field("remaining")->integer, 936);
  EXPECT_EQ(h.tensors[1].shape, (std::vector<int64_t>{5, 64}));
  // No tensors, a negative integer, a scalar tensor.
  {
    WireHeaderWriter w(out, "train");
    w.integer("budget", -1);
    w.finish();
  }
  EXPECT_EQ(out, "{\"type\":\"train\",\"budget\":-1}\n");
  {
    WireHeaderWriter w(out, "x");
    w.tensor("s", "bool", nullptr, 0);
    w.finish();
  }
  EXPECT_EQ(out,
            "{\"type\":\"x\",\"tensors\":[{\"name\":\"s\",\"dtype\":\"bool\",\"shape\":[]}]}\n");
  // Names are escaped.
  {
    WireHeaderWriter w(out, "a\"b\\c\n");
    w.finish();
  }
  EXPECT_EQ(out, "{\"type\":\"a\\\"b\\\\c\\u000a\"}\n");
  read_wire_header(std::string_view(out).substr(0, out.size() - 1), "x", h);
  EXPECT_EQ(h.type, "a\"b\\c\n");
  // From a JSON object's text, empty or not.
  {
    WireHeaderWriter w = WireHeaderWriter::from_object(out, "{}");
    const int64_t shape[] = {1};
    w.tensor("x", "float32", shape, 1);
    w.finish();
  }
  EXPECT_EQ(out, "{\"tensors\":[{\"name\":\"x\",\"dtype\":\"float32\",\"shape\":[1]}]}\n");
  {
    WireHeaderWriter w = WireHeaderWriter::from_object(out, R"({"a":{"b":1},"type":"hello"})");
    w.finish();
  }
  EXPECT_EQ(out, "{\"a\":{\"b\":1},\"type\":\"hello\"}\n");
  // Integer fields come before the tensors.
  WireHeaderWriter w(out, "x");
  w.tensor("s", "bool", nullptr, 0);
  EXPECT_THROW(w.integer("late", 1), std::logic_error);
  EXPECT_THROW(WireHeaderWriter::from_object(out, "[1]"), std::logic_error);
}

}  // namespace
}  // namespace hg
