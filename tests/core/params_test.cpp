#include "hourglass/core/params.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace hg {
namespace {

const ParamSpec kLr = ParamSpec::Real("lr", 1e-3, 0.0, std::nullopt, "learning rate");
const ParamSpec kUpdates = ParamSpec::Int("max_updates", 1000, 1, 100000, "update cap");
const ParamSpec kBias = ParamSpec::Bool("use_bias", true, "bias terms");
const ParamSpec kActivation = ParamSpec::Choice("activation", "relu", {"relu", "tanh"}, "act");
const ParamSpec kAmplitude = ParamSpec::RealRange("amplitude", 0.1, 5.0, 0.0, 10.0, "range");
const ParamSpec kHidden = ParamSpec::IntList("hidden", {64, 64}, 1, std::nullopt, "widths");

TEST(ParamSpec, FactoriesFillTheFields) {
  EXPECT_EQ(kUpdates.name, "max_updates");
  EXPECT_EQ(kUpdates.type, ParamType::kInt);
  EXPECT_EQ(std::get<int64_t>(kUpdates.default_value), 1000);
  EXPECT_EQ(kUpdates.min, 1.0);
  EXPECT_EQ(kUpdates.max, 100000.0);
  EXPECT_EQ(kUpdates.doc, "update cap");
  EXPECT_EQ(kLr.type, ParamType::kReal);
  EXPECT_FALSE(kLr.max.has_value());
  EXPECT_EQ(std::get<bool>(kBias.default_value), true);
  EXPECT_EQ(kActivation.choices, (std::vector<std::string>{"relu", "tanh"}));
  EXPECT_EQ(std::get<std::vector<double>>(kAmplitude.default_value),
            (std::vector<double>{0.1, 5.0}));
  EXPECT_EQ(kHidden.min_length, 1u);
  EXPECT_EQ(ParamSpec::IntList("l", {}, 0, std::nullopt, "", 0).min_length, 0u);
}

TEST(ParamSpec, TextTakesAnyStringAndOnlyStrings) {
  const ParamSpec s = ParamSpec::Text("data_dir", "", "a directory");
  EXPECT_EQ(s.type, ParamType::kChoice);
  EXPECT_TRUE(s.choices.empty());
  EXPECT_EQ(describe_type(s), "text");
  EXPECT_EQ(check_value(s, std::string("/any/path")), "");
  EXPECT_EQ(check_value(s, std::string("")), "");
  EXPECT_EQ(check_value(s, int64_t{3}), "must be text");
}

TEST(ParamSpec, DefaultsPassTheirOwnCheck) {
  for (const auto& spec : {kLr, kUpdates, kBias, kActivation, kAmplitude, kHidden})
    EXPECT_EQ(check_value(spec, spec.default_value), "") << spec.name;
}

TEST(Describe, TypesAndBounds) {
  EXPECT_EQ(describe_type(kUpdates), "int");
  EXPECT_EQ(describe_type(kLr), "real");
  EXPECT_EQ(describe_type(kBias), "bool");
  EXPECT_EQ(describe_type(kActivation), "one of relu|tanh");
  EXPECT_EQ(describe_type(kAmplitude), "range [lo, hi]");
  EXPECT_EQ(describe_type(kHidden), "list of int");
  EXPECT_EQ(describe_bounds(kUpdates), "in [1, 100000]");
  EXPECT_EQ(describe_bounds(kLr), ">= 0");
  EXPECT_EQ(describe_bounds(ParamSpec::Real("x", 0, std::nullopt, 1.5, "")), "<= 1.5");
  EXPECT_EQ(describe_bounds(kBias), "");
}

TEST(FormatValue, YamlSpelling) {
  EXPECT_EQ(format_value(true), "true");
  EXPECT_EQ(format_value(false), "false");
  EXPECT_EQ(format_value(int64_t{64}), "64");
  EXPECT_EQ(format_value(0.001), "0.001");
  EXPECT_EQ(format_value(2.5), "2.5");
  EXPECT_EQ(format_value(std::string("relu")), "relu");
  EXPECT_EQ(format_value(std::vector<double>{0.1, 5}), "[0.1, 5]");
  EXPECT_EQ(format_value(std::vector<int64_t>{64, 64}), "[64, 64]");
  EXPECT_EQ(format_value(std::vector<int64_t>{}), "[]");
}

TEST(CheckValue, Int) {
  EXPECT_EQ(check_value(kUpdates, int64_t{1}), "");
  EXPECT_EQ(check_value(kUpdates, int64_t{100000}), "");
  EXPECT_EQ(check_value(kUpdates, int64_t{0}), "must be >= 1, got 0");
  EXPECT_EQ(check_value(kUpdates, int64_t{100001}), "must be <= 100000, got 100001");
  EXPECT_EQ(check_value(kUpdates, 1.5), "must be an integer");
  EXPECT_EQ(check_value(kUpdates, true), "must be an integer");
}

TEST(CheckValue, Real) {
  EXPECT_EQ(check_value(kLr, 0.0), "");
  EXPECT_EQ(check_value(kLr, int64_t{2}), "");  // an int is a real
  EXPECT_EQ(check_value(kLr, -1.0), "must be >= 0, got -1");
  EXPECT_EQ(check_value(kLr, std::numeric_limits<double>::quiet_NaN())
                .rfind("must be a finite number", 0),
            0u);
  EXPECT_EQ(
      check_value(kLr, std::numeric_limits<double>::infinity()).rfind("must be a finite number", 0),
      0u);
  EXPECT_EQ(check_value(kLr, std::string("fast")), "must be a number");
}

TEST(CheckValue, BoolAndChoice) {
  EXPECT_EQ(check_value(kBias, false), "");
  EXPECT_EQ(check_value(kBias, int64_t{1}), "must be true or false");
  EXPECT_EQ(check_value(kActivation, std::string("tanh")), "");
  EXPECT_EQ(check_value(kActivation, std::string("gelu")), "must be one of relu|tanh, got 'gelu'");
  EXPECT_EQ(check_value(kActivation, int64_t{1}), "must be one of relu|tanh");
}

TEST(CheckValue, RealRange) {
  EXPECT_EQ(check_value(kAmplitude, std::vector<double>{1, 1}), "");
  EXPECT_EQ(check_value(kAmplitude, std::vector<double>{0, 10}), "");
  EXPECT_EQ(check_value(kAmplitude, std::vector<double>{5, 1}),
            "is a reversed range [5, 1] (lower end above upper end)");
  EXPECT_EQ(check_value(kAmplitude, std::vector<double>{-1, 1}), "lower end must be >= 0, got -1");
  EXPECT_EQ(check_value(kAmplitude, std::vector<double>{1, 11}), "upper end must be <= 10, got 11");
  EXPECT_EQ(check_value(kAmplitude, std::vector<double>{1}),
            "must be a range [lo, hi] (or a single number)");
  EXPECT_EQ(check_value(kAmplitude, 1.0), "must be a range [lo, hi] (or a single number)");
}

TEST(CheckValue, IntList) {
  EXPECT_EQ(check_value(kHidden, std::vector<int64_t>{8}), "");
  EXPECT_EQ(check_value(kHidden, std::vector<int64_t>{}), "must have at least 1 element(s)");
  EXPECT_EQ(check_value(kHidden, std::vector<int64_t>{8, 0}), "each element must be >= 1, got 0");
  EXPECT_EQ(check_value(kHidden, int64_t{8}), "must be a list of integers");
  EXPECT_EQ(
      check_value(ParamSpec::IntList("l", {}, 0, std::nullopt, "", 0), std::vector<int64_t>{}), "");
}

TEST(Params, DefaultsSetAndTypedGetters) {
  Params p({kLr, kUpdates, kBias, kActivation, kAmplitude, kHidden});
  EXPECT_TRUE(p.has("lr"));
  EXPECT_FALSE(p.has("momentum"));
  EXPECT_DOUBLE_EQ(p.real("lr"), 1e-3);
  EXPECT_EQ(p.integer("max_updates"), 1000);
  EXPECT_EQ(p.real("max_updates"), 1000.0);  // real() accepts an int
  EXPECT_TRUE(p.boolean("use_bias"));
  EXPECT_EQ(p.choice("activation"), "relu");
  EXPECT_EQ(p.range("amplitude"), std::make_pair(0.1, 5.0));
  EXPECT_EQ(p.int_list("hidden"), (std::vector<int64_t>{64, 64}));
  EXPECT_EQ(p.values().size(), 6u);

  p.set("lr", 0.5);
  p.set("amplitude", std::vector<double>{2, 3});
  EXPECT_EQ(p.real("lr"), 0.5);
  EXPECT_EQ(p.range("amplitude"), std::make_pair(2.0, 3.0));
}

TEST(Params, WrongNameOrTypeIsALogicError) {
  Params p({kLr, kUpdates, kHidden});
  EXPECT_THROW(p.real("momentum"), std::logic_error);
  EXPECT_THROW(p.integer("lr"), std::logic_error);
  EXPECT_THROW(p.boolean("lr"), std::logic_error);
  EXPECT_THROW(p.choice("max_updates"), std::logic_error);
  EXPECT_THROW(p.range("hidden"), std::logic_error);
  EXPECT_THROW(p.int_list("lr"), std::logic_error);
  p.set("bad", std::vector<double>{1, 2, 3});
  EXPECT_THROW(p.range("bad"), std::logic_error);
  EXPECT_TRUE(Params().values().empty());
}

TEST(Params, PathsResolveAgainstTheWritingFilesDirectory) {
  EXPECT_EQ(resolve_path_value("models/net.pt", "suites/x.yaml"), "suites/models/net.pt");
  EXPECT_EQ(resolve_path_value("../m/./net.pt", "/a/b/x.yaml"), "/a/m/net.pt");
  EXPECT_EQ(resolve_path_value("/abs/net.pt", "suites/x.yaml"), "/abs/net.pt");
  EXPECT_EQ(resolve_path_value("net.pt", "x.yaml"), "net.pt");
}

TEST(Params, CommandElementsResolveOnlyWhenTheyLookLikeRelativePaths) {
  EXPECT_EQ(resolve_command_element("python3", "s/x.yaml"), "python3");
  EXPECT_EQ(resolve_command_element("./agent.py", "s/x.yaml"), "s/agent.py");
  EXPECT_EQ(resolve_command_element("agents/a.py", "s/x.yaml"), "s/agents/a.py");
  EXPECT_EQ(resolve_command_element("--out=a/b", "s/x.yaml"), "--out=a/b");
  EXPECT_EQ(resolve_command_element("/usr/bin/python3", "s/x.yaml"), "/usr/bin/python3");
}

TEST(Params, PathAndCommandTypesAreCheckedAndFormatted) {
  const auto model = ParamSpec::Path("model", "", "file");
  const auto command = ParamSpec::Command("command", {}, "argv", 1);
  EXPECT_EQ(check_value(model, std::string("a.pt")), "");
  EXPECT_EQ(check_value(model, int64_t{3}), "must be a file path");
  EXPECT_EQ(check_value(command, std::vector<std::string>{"python3", "a.py"}), "");
  EXPECT_EQ(check_value(command, std::vector<std::string>{}), "must have at least 1 element(s)");
  EXPECT_EQ(check_value(command, std::vector<std::string>{"python3", ""}),
            "must not have an empty element");
  EXPECT_EQ(format_value(std::vector<std::string>{"python3", "a.py"}), "[python3, a.py]");
  EXPECT_EQ(describe_type(command), "command [argv...]");
  EXPECT_EQ(describe_type(model), "path");
  Params p({model, command});
  p.set("command", std::vector<std::string>{"x"});
  EXPECT_EQ(p.command("command"), std::vector<std::string>{"x"});
  EXPECT_EQ(p.path("model"), "");
  EXPECT_THROW(p.path("command"), std::logic_error);
}

}  // namespace
}  // namespace hg
