// Tests for load_suite, resolve_params and nearest_name.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "hourglass/run/protocol.h"
#include "hourglass/suite/suite.h"

#ifndef HOURGLASS_TEST_DATA_DIR
#define HOURGLASS_TEST_DATA_DIR "tests/data"
#endif

namespace hg {
namespace {

namespace fs = std::filesystem;

const std::string kSuites = std::string(HOURGLASS_TEST_DATA_DIR) + "/suites/";

// A fake catalog shaped like the real one.
const Catalog& test_catalog() {
  static const Catalog catalog = [] {
    Catalog c;
    // The registered protocols (the library's, or tests/support's in the
    // LibTorch-free build).
    for (const auto& [name, info] : ProtocolRegistry::instance().entries()) c.protocols[name] = &info;
    c.families["sinusoid"] = {
        {ParamSpec::RealRange("amplitude", 0.1, 5.0, 0.0, std::nullopt, "amplitude range"),
         ParamSpec::RealRange("phase", 0.0, 3.1416, std::nullopt, std::nullopt, "phase range"),
         ParamSpec::RealRange("x", -5.0, 5.0, std::nullopt, std::nullopt, "input range"),
         ParamSpec::Real("noise", 0.1, 0.0, std::nullopt, "label noise")},
        "regression",
        {},
        {},
        {}};
    c.families["blobs"] = {
        {ParamSpec::Int("classes", 2, 2, 100, "number of classes")}, "classification", {}, {}, {}};
    c.learners["mlp"] = {{ParamSpec::IntList("hidden", {64, 64}, 1, std::nullopt, "hidden widths"),
                          ParamSpec::Choice("activation", "relu", {"relu", "tanh"}, "activation"),
                          ParamSpec::Choice("optimizer", "adam", {"adam", "sgd"}, "optimizer"),
                          ParamSpec::Real("lr", 1e-3, 0.0, std::nullopt, "learning rate"),
                          ParamSpec::Int("batch_size", 64, 1, std::nullopt, "batch size"),
                          ParamSpec::Int("max_updates", 1000, 1, std::nullopt, "update cap"),
                          ParamSpec::Bool("use_bias", true, "bias terms")},
                         "",
                         {"regression"},
                         {},
                         {}};
    c.learners["ridge"] = {
        {ParamSpec::Choice("features", "identity", {"identity", "random-fourier"}, "features"),
         ParamSpec::Int("width", 128, 1, std::nullopt, "feature count"),
         ParamSpec::Real("lambda", 1e-3, 0.0, std::nullopt, "ridge penalty")},
        "",
        {"regression"},
        {},
        {}};
    c.learners["classifier-only"] = {{}, "", {"classification"}, {}, {}};
    return c;
  }();
  return catalog;
}

// The test catalog and a family with checks: a finite table of `size`
// examples, `held` of them held out of training.
const Catalog& table_catalog() {
  static const Catalog catalog = [] {
    Catalog c = test_catalog();
    c.families["table"] = {{ParamSpec::Int("size", 10, 1, 100, "examples"),
                            ParamSpec::Int("held", 0, 0, 100, "held out")},
                           "classification",
                           {},
                           [](const Params& split, const Params& train) -> std::string {
                             if (split.integer("size") != train.integer("size"))
                               return "size must not change";
                             if (split.integer("held") >= split.integer("size"))
                               return "held must be below size";
                             return "";
                           },
                           [](const Params& train) -> std::optional<int64_t> {
                             return train.integer("size") - train.integer("held");
                           }};
    return c;
  }();
  return catalog;
}

// The diagnostics load_suite throws for `path` (fails the test if it loads).
std::vector<Diagnostic> errors_of(const std::string& path,
                                  const Catalog& catalog = test_catalog()) {
  try {
    load_suite(path, catalog);
  } catch (const SuiteError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << path << " loaded without errors";
  return {};
}

std::string dump(const std::vector<Diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds) out += "  " + d.str() + "\n";
  return out;
}

// True when one diagnostic sits at `where` ("file:line:col") and its message
// contains `text`.
::testing::AssertionResult has_error(const std::vector<Diagnostic>& ds, const std::string& where,
                                     const std::string& text) {
  for (const auto& d : ds)
    if (d.where.str() == where && d.message.find(text) != std::string::npos)
      return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "no error at " << where << " containing \"" << text << "\"; got:\n"
         << dump(ds);
}

// A scratch directory per test for suites written inline.
class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "_" + info->name();
    std::replace(name.begin(), name.end(), '/', '_');  // parameterized tests
    dir_ = (fs::temp_directory_path() /
            ("hourglass_loader_" + std::to_string(::getpid()) + "_" + name))
               .string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // A valid suite with one task parameter line (line 7, from column 7) and
  // one agent parameter line (line 12, from column 7).
  static std::string suite_with(const std::string& task_params, const std::string& agent_params) {
    return "suite: demo\n"           // 1
           "budgets: [100, 1000]\n"  // 2
           "tasks:\n"                // 3
           "  - name: sine\n"        // 4
           "    family: sinusoid\n"  // 5
           "    params:\n"           // 6
           "      " +
           task_params +
           "\n"                  // 7
           "agents:\n"           // 8
           "  - name: mlp-64\n"  // 9
           "    learner: mlp\n"  // 10
           "    params:\n"       // 11
           "      " +
           agent_params + "\n";  // 12
  }

  std::string dir_;
};

// ---- a good suite ------------------------------------------------------------

TEST(LoaderGood, RoundTripsEveryField) {
  const std::string path = kSuites + "good.yaml";
  const Suite s = load_suite(path, test_catalog());
  EXPECT_EQ(s.name, "sample-efficiency-core");
  EXPECT_EQ(s.version, 1);
  EXPECT_EQ(s.description, "MLP versus ridge on regression with covariate shift");
  EXPECT_EQ(s.path, path);
  EXPECT_EQ(s.files, std::vector<std::string>{path});
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.seeds, 4);
  EXPECT_EQ(s.budgets, (std::vector<int64_t>{100, 1000, 10000}));  // sorted
  EXPECT_EQ(s.eval_samples, 500);

  ASSERT_EQ(s.tasks.size(), 2u);
  const TaskSpec& t = s.tasks[0];
  EXPECT_EQ(t.name, "sine-extrapolate");
  EXPECT_EQ(t.family, "sinusoid");
  EXPECT_EQ(t.where.str(), path + ":10:5");
  ASSERT_EQ(t.params.size(), 3u);
  EXPECT_EQ(std::get<std::vector<double>>(t.params.at("amplitude").value),
            (std::vector<double>{0.1, 5.0}));
  EXPECT_EQ(t.params.at("amplitude").where.str(), path + ":12:25");
  EXPECT_EQ(std::get<double>(t.params.at("noise").value), 0.1);
  EXPECT_EQ(std::get<std::vector<double>>(t.train.at("x").value), (std::vector<double>{-5, 5}));
  ASSERT_EQ(t.ood.size(), 2u);
  EXPECT_EQ(t.ood[0].name, "ood/far-x");
  EXPECT_EQ(t.ood[0].where.str(), path + ":15:7");
  EXPECT_EQ(std::get<std::vector<double>>(t.ood[0].overrides.at("x").value),
            (std::vector<double>{5, 10}));
  EXPECT_EQ(t.ood[1].name, "ood/big-amplitude");

  const TaskSpec& fixed = s.tasks[1];
  EXPECT_EQ(std::get<std::vector<double>>(fixed.params.at("amplitude").value),
            (std::vector<double>{2, 2}));                            // a scalar means [v, v]
  EXPECT_EQ(std::get<double>(fixed.params.at("noise").value), 0.0);  // an int is a real
  EXPECT_TRUE(fixed.ood.empty());

  ASSERT_EQ(s.agents.size(), 3u);
  const AgentSpec& mlp = s.agents[0];
  EXPECT_EQ(mlp.name, "mlp-64");
  EXPECT_EQ(mlp.learner, "mlp");
  EXPECT_EQ(mlp.params.size(), 6u);
  EXPECT_EQ(std::get<std::vector<int64_t>>(mlp.params.at("hidden").value),
            (std::vector<int64_t>{64, 64}));
  EXPECT_EQ(std::get<std::string>(mlp.params.at("activation").value), "relu");
  EXPECT_DOUBLE_EQ(std::get<double>(mlp.params.at("lr").value), 1e-3);
  EXPECT_EQ(std::get<int64_t>(mlp.params.at("max_updates").value), 2000);
  EXPECT_EQ(std::get<bool>(s.agents[1].params.at("use_bias").value), false);
  EXPECT_EQ(s.agents[2].learner, "ridge");
}

TEST(LoaderGood, SplitsResolveInLayers) {
  const Suite s = load_suite(kSuites + "good.yaml", test_catalog());
  const TaskSpec& t = s.tasks[0];
  const auto& specs = test_catalog().families.at("sinusoid").params;
  const Params train = resolve_params(specs, {&t.params, &t.train});
  EXPECT_EQ(train.range("x"), std::make_pair(-5.0, 5.0));
  EXPECT_EQ(train.range("amplitude"), std::make_pair(0.1, 5.0));
  const Params far = resolve_params(specs, {&t.params, &t.train, &t.ood[0].overrides});
  EXPECT_EQ(far.range("x"), std::make_pair(5.0, 10.0));
  EXPECT_EQ(far.range("amplitude"), std::make_pair(0.1, 5.0));
  const Params big = resolve_params(specs, {&t.params, &t.train, &t.ood[1].overrides});
  EXPECT_EQ(big.range("x"), std::make_pair(-5.0, 5.0));  // the train override stays
  EXPECT_EQ(big.range("amplitude"), std::make_pair(5.0, 10.0));
}

TEST_F(LoaderTest, DefaultsApply) {
  const Suite s = load_suite(write("min.yaml",
                                   "suite: min\nbudgets: [5]\n"
                                   "tasks: [{name: t, family: sinusoid}]\n"
                                   "agents: [{name: a, learner: mlp}]\n"),
                             test_catalog());
  EXPECT_EQ(s.version, 1);
  EXPECT_EQ(s.description, "");
  EXPECT_EQ(s.seed, 0u);
  EXPECT_EQ(s.seeds, 5);
  EXPECT_EQ(s.eval_samples, 2000);
  EXPECT_TRUE(s.tasks[0].params.empty());
  EXPECT_TRUE(s.agents[0].params.empty());
}

TEST_F(LoaderTest, NullParamsAreEmpty) {
  const Suite s = load_suite(
      write("null.yaml",
            "suite: n\nbudgets: [5]\n"
            "tasks:\n  - name: t\n    family: sinusoid\n    params:\n    train:\n    ood:\n"
            "agents:\n  - name: a\n    learner: mlp\n    params:\n"),
      test_catalog());
  EXPECT_TRUE(s.tasks[0].params.empty());
  EXPECT_TRUE(s.tasks[0].ood.empty());
}

TEST_F(LoaderTest, LimitsAreInclusive) {
  const Suite s =
      load_suite(write("limits.yaml", "suite: l\nseed: 0\nseeds: " + std::to_string(kMaxSeeds) +
                                          "\nbudgets: [1, " + std::to_string(kMaxBudget) +
                                          "]\neval_samples: " + std::to_string(kMaxEvalSamples) +
                                          "\ntasks: [{name: t, family: sinusoid}]\n"
                                          "agents: [{name: a, learner: mlp}]\n"),
                 test_catalog());
  EXPECT_EQ(s.seeds, kMaxSeeds);
  EXPECT_EQ(s.budgets.back(), kMaxBudget);
  EXPECT_EQ(s.eval_samples, kMaxEvalSamples);
}

// ---- unknown names -------------------------------------------------------------

TEST(LoaderErrors, MisspelledParameterExactMessage) {
  const std::string path = kSuites + "misspelled_param.yaml";
  const auto ds = errors_of(path);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].str(), path +
                             ":14:7: error: agent 'mlp-64': unknown parameter 'hiden' (did you "
                             "mean 'hidden'?)");
}

TEST_F(LoaderTest, MisspelledTopLevelKey) {
  const std::string path = write("s.yaml",
                                 "suite: s\n"
                                 "budget: [100]\n"
                                 "tasks: [{name: t, family: sinusoid}]\n"
                                 "agents: [{name: a, learner: mlp}]\n");
  const auto ds = errors_of(path);
  EXPECT_TRUE(
      has_error(ds, path + ":2:1", "unknown top-level key 'budget' (did you mean 'budgets'?)"));
  EXPECT_TRUE(has_error(ds, path + ":1:1", "missing required key 'budgets'"));
}

TEST_F(LoaderTest, UnknownKeyWithoutNearMissListsTheKeys) {
  const std::string path = write("s.yaml", "suite: s\nzzzzzz: 1\n");
  EXPECT_TRUE(has_error(errors_of(path), path + ":2:1",
                        "unknown top-level key 'zzzzzz' (expected one of: suite, version"));
}

TEST_F(LoaderTest, UnknownTaskAndAgentKeys) {
  const std::string path = write("s.yaml",
                                 "suite: s\nbudgets: [1]\n"
                                 "tasks:\n  - name: t\n    family: sinusoid\n    parms: {}\n"
                                 "agents:\n  - name: a\n    lerner: mlp\n");
  const auto ds = errors_of(path);
  EXPECT_TRUE(
      has_error(ds, path + ":6:5", "task 't': unknown key 'parms' (did you mean 'params'?)"));
  EXPECT_TRUE(
      has_error(ds, path + ":9:5", "agent 'a': unknown key 'lerner' (did you mean 'learner'?)"));
  EXPECT_TRUE(has_error(ds, path + ":8:5", "agent 'a': missing required key 'learner'"));
}

TEST_F(LoaderTest, UnknownFamilyAndLearner) {
  const std::string path = write("s.yaml",
                                 "suite: s\nbudgets: [1]\n"
                                 "tasks:\n"
                                 "  - {name: t, family: sinusiod}\n"
                                 "  - {name: u, family: maze}\n"
                                 "agents:\n"
                                 "  - {name: a, learner: ridg}\n"
                                 "  - {name: b, learner: transformer}\n");
  const auto ds = errors_of(path);
  EXPECT_TRUE(has_error(ds, path + ":4:23",
                        "task 't': unknown family 'sinusiod' (did you mean 'sinusoid'?)"));
  EXPECT_TRUE(has_error(ds, path + ":5:23",
                        "task 'u': unknown family 'maze' (known families: blobs, sinusoid)"));
  EXPECT_TRUE(
      has_error(ds, path + ":7:24", "agent 'a': unknown learner 'ridg' (did you mean 'ridge'?)"));
  EXPECT_TRUE(has_error(
      ds, path + ":8:24",
      "agent 'b': unknown learner 'transformer' (known learners: classifier-only, mlp, ridge)"));
}

TEST_F(LoaderTest, UnknownParameterWithoutNearMissListsTheSpec) {
  const std::string path = write("s.yaml", suite_with("noise: 0.1", "dropout: 0.5"));
  EXPECT_TRUE(has_error(errors_of(path), path + ":12:7",
                        "agent 'mlp-64': unknown parameter 'dropout' (learner 'mlp' takes: "
                        "hidden, activation, optimizer, lr, batch_size, max_updates, use_bias)"));
}

TEST_F(LoaderTest, MisspelledChoice) {
  const std::string path = write("s.yaml", suite_with("noise: 0.1", "activation: rleu"));
  EXPECT_TRUE(has_error(errors_of(path), path + ":12:19",
                        "agent 'mlp-64': parameter 'activation' must be one of relu|tanh, got "
                        "'rleu' (did you mean 'relu'?)"));
}

// ---- syntax ------------------------------------------------------------------------

TEST(LoaderErrors, YamlSyntaxErrorIsLocated) {
  const std::string path = kSuites + "syntax_error.yaml";
  const auto ds = errors_of(path);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].where.file, path);
  EXPECT_GE(ds[0].where.line, 2);
  EXPECT_GT(ds[0].where.column, 0);
  EXPECT_NE(ds[0].message.find("YAML syntax: "), std::string::npos) << ds[0].str();
}

TEST_F(LoaderTest, BadIndentationIsLocated) {
  const std::string path = write("s.yaml", "suite: s\n  budgets: [1]\n");
  const auto ds = errors_of(path);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].where.str(), path + ":2:10");
  EXPECT_NE(ds[0].message.find("YAML syntax: "), std::string::npos);
}

TEST_F(LoaderTest, DuplicateKeys) {
  const std::string path = write("s.yaml", "suite: s\nseeds: 2\nseeds: 3\n");
  EXPECT_TRUE(has_error(errors_of(path), path + ":3:1", "duplicate key 'seeds' (first at line 2)"));
}

TEST_F(LoaderTest, TopLevelNotAMap) {
  const std::string path = write("s.yaml", "- suite\n- tasks\n");
  const auto ds = errors_of(path);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].where.str(), path + ":1:1");
  EXPECT_NE(ds[0].message.find("the top level must be a map"), std::string::npos);
}

TEST_F(LoaderTest, SeveralDocumentsRejected) {
  const std::string path = write("s.yaml", "suite: s\n---\nsuite: t\n");
  EXPECT_TRUE(has_error(errors_of(path), path + ":2:1", "one YAML document"));
}

// ---- types and ranges --------------------------------------------------------------

struct BadValue {
  std::string task_line;   // line 7
  std::string agent_line;  // line 12
  std::string where;       // "line:col"
  std::string message;
};

class BadValueTest : public LoaderTest, public ::testing::WithParamInterface<BadValue> {};

TEST_P(BadValueTest, IsLocatedAndExplained) {
  const BadValue& bad = GetParam();
  const std::string path = write("s.yaml", suite_with(bad.task_line, bad.agent_line));
  const auto ds = errors_of(path);
  EXPECT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_TRUE(has_error(ds, path + ":" + bad.where, bad.message));
}

INSTANTIATE_TEST_SUITE_P(
    Types, BadValueTest,
    ::testing::Values(
        BadValue{"noise: 0.1", "max_updates: 1.5", "12:20",
                 "agent 'mlp-64': parameter 'max_updates' must be an integer (no decimal point "
                 "or exponent), got 1.5"},
        BadValue{"noise: 0.1", "max_updates: \"10\"", "12:20",
                 "parameter 'max_updates' must be an integer, got \"10\""},
        BadValue{"noise: 0.1", "max_updates: abc", "12:20",
                 "parameter 'max_updates' must be an integer, got abc"},
        BadValue{"noise: 0.1", "max_updates: true", "12:20",
                 "parameter 'max_updates' must be an integer, got true"},
        BadValue{"noise: 0.1", "max_updates: 99999999999999999999", "12:20",
                 "parameter 'max_updates' does not fit in a 64-bit integer"},
        BadValue{"noise: 0.1", "max_updates:", "12:7",
                 "parameter 'max_updates' must be an integer, got nothing"},
        BadValue{"noise: 0.1", "lr: fast", "12:11", "parameter 'lr' must be a number, got fast"},
        BadValue{"noise: 0.1", "lr: [1]", "12:11", "parameter 'lr' must be a number, got a list"},
        BadValue{"noise: 0.1", "lr: 1e999", "12:11", "parameter 'lr' is out of range"},
        BadValue{"noise: 0.1", "use_bias: yes", "12:17",
                 "parameter 'use_bias' must be true or false, got yes"},
        BadValue{"noise: 0.1", "activation: [relu]", "12:19",
                 "parameter 'activation' must be a string, got a list"},
        BadValue{"noise: 0.1", "hidden: 64", "12:15",
                 "parameter 'hidden' must be a list of integers, e.g. [64, 64], got 64"},
        BadValue{"noise: 0.1", "hidden: [64, 6.5]", "12:20",
                 "parameter 'hidden' element 2 must be an integer"},
        BadValue{"amplitude: abc", "lr: 0.1", "7:18",
                 "task 'sine': parameter 'amplitude' must be a number, got abc"},
        BadValue{"amplitude: [1, 2, 3]", "lr: 0.1", "7:18",
                 "parameter 'amplitude' must be a range [lo, hi] (or a single number), got a "
                 "list of 3"},
        BadValue{"amplitude: [1, x]", "lr: 0.1", "7:22",
                 "parameter 'amplitude' upper end must be a number, got x"},
        BadValue{"amplitude: {lo: 1}", "lr: 0.1", "7:18",
                 "parameter 'amplitude' must be a range [lo, hi] (or a single number), got a "
                 "map"}));

INSTANTIATE_TEST_SUITE_P(
    Ranges, BadValueTest,
    ::testing::Values(
        BadValue{"noise: 0.1", "lr: -1", "12:11", "parameter 'lr' must be >= 0, got -1"},
        BadValue{"noise: 0.1", "lr: .nan", "12:11", "parameter 'lr' must be a finite number"},
        BadValue{"noise: 0.1", "lr: .inf", "12:11", "parameter 'lr' must be a finite number"},
        BadValue{"noise: 0.1", "max_updates: 0", "12:20",
                 "parameter 'max_updates' must be >= 1, got 0"},
        BadValue{"noise: 0.1", "hidden: [64, 0]", "12:15",
                 "parameter 'hidden' each element must be >= 1, got 0"},
        BadValue{"noise: 0.1", "hidden: []", "12:15",
                 "parameter 'hidden' must have at least 1 element(s)"},
        BadValue{"noise: -0.5", "lr: 0.1", "7:14", "task 'sine': parameter 'noise' must be >= 0"},
        BadValue{"amplitude: [-1, 2]", "lr: 0.1", "7:18",
                 "parameter 'amplitude' lower end must be >= 0, got -1"},
        BadValue{"x: [5, -5]", "lr: 0.1", "7:10",
                 "task 'sine': parameter 'x' is a reversed range [5, -5] (lower end above upper "
                 "end)"}));

// `reference:` names the agent of the report's practice multiplier; a name
// that is no agent is a located error (with a suggestion), and an include's
// key is overridden by the including file.
TEST_F(LoaderTest, ReferenceNamesAnAgent) {
  const std::string body =
      "budgets: [5]\n"
      "tasks: [{name: t, family: sinusoid}]\n"
      "agents: [{name: mlp-64, learner: mlp}, {name: ridge, learner: ridge}]\n";
  const Suite good = load_suite(write("good.yaml", "suite: s\nreference: ridge\n" + body),
                                test_catalog());
  EXPECT_EQ(good.reference, "ridge");
  const Suite none = load_suite(write("none.yaml", "suite: s\n" + body), test_catalog());
  EXPECT_EQ(none.reference, "");

  const std::string bad = write("bad.yaml", "suite: s\nreference: rigde\n" + body);
  const auto ds = errors_of(bad);
  EXPECT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_TRUE(has_error(ds, bad + ":2:12",
                        "key 'reference' names no agent: 'rigde' (did you mean 'ridge'?)"));
  const std::string far = write("far.yaml", "suite: s\nreference: zzzzzz\n" + body);
  EXPECT_TRUE(has_error(errors_of(far), far + ":2:12",
                        "key 'reference' names no agent: 'zzzzzz' (agents: mlp-64, ridge)"));
  const std::string list = write("list.yaml", "suite: s\nreference: [a]\n" + body);
  EXPECT_TRUE(has_error(errors_of(list), list + ":2:12", "key 'reference' must be a string"));

  write("base.yaml", "reference: mlp-64\n");
  const Suite over = load_suite(
      write("over.yaml", "suite: s\ninclude: [base.yaml]\nreference: ridge\n" + body),
      test_catalog());
  EXPECT_EQ(over.reference, "ridge");
}

TEST_F(LoaderTest, BadTopLevelValues) {
  const std::string path = write("s.yaml",
                                 "suite: has space\n"   // 1
                                 "version: 2\n"         // 2
                                 "seed: -1\n"           // 3
                                 "seeds: 0\n"           // 4
                                 "eval_samples: 2.5\n"  // 5
                                 "description: [a]\n"   // 6
                                 "budgets: [1]\n"
                                 "tasks: [{name: t, family: sinusoid}]\n"
                                 "agents: [{name: a, learner: mlp}]\n");
  const auto ds = errors_of(path);
  EXPECT_EQ(ds.size(), 6u) << dump(ds);
  EXPECT_TRUE(has_error(ds, path + ":1:8", "key 'suite' must be a name of letters, digits"));
  EXPECT_TRUE(has_error(ds, path + ":2:10", "key 'version' must be 1"));
  EXPECT_TRUE(has_error(ds, path + ":3:7", "key 'seed' must be >= 0, got -1"));
  EXPECT_TRUE(has_error(ds, path + ":4:8", "key 'seeds' must be >= 1, got 0"));
  EXPECT_TRUE(has_error(ds, path + ":5:15", "key 'eval_samples' must be an integer"));
  EXPECT_TRUE(has_error(ds, path + ":6:14", "key 'description' must be a string, got a list"));
}

TEST_F(LoaderTest, SeedsAndEvalSamplesUpperLimits) {
  const std::string path = write("s.yaml",
                                 "suite: s\nseeds: 1025\neval_samples: 10000001\nbudgets: [1]\n"
                                 "tasks: [{name: t, family: sinusoid}]\n"
                                 "agents: [{name: a, learner: mlp}]\n");
  const auto ds = errors_of(path);
  EXPECT_TRUE(has_error(ds, path + ":2:8", "key 'seeds' must be <= 1024, got 1025"));
  EXPECT_TRUE(has_error(ds, path + ":3:15", "key 'eval_samples' must be <= 10000000"));
}

TEST_F(LoaderTest, BadBudgets) {
  const std::string path =
      write("s.yaml",
            "suite: s\n"
            "budgets: [0, -5, 2.5, 1e18, 10000000000000000000, 100.5, 100, 100, 100000001]\n"
            "tasks: [{name: t, family: sinusoid}]\n"
            "agents: [{name: a, learner: mlp}]\n");
  const auto ds = errors_of(path);
  EXPECT_EQ(ds.size(), 8u) << dump(ds);
  EXPECT_TRUE(has_error(ds, path + ":2:11", "key 'budgets' element 1 must be >= 1, got 0"));
  EXPECT_TRUE(has_error(ds, path + ":2:14", "key 'budgets' element 2 must be >= 1, got -5"));
  EXPECT_TRUE(has_error(ds, path + ":2:18",
                        "element 3 must be an integer (no decimal point or exponent), got 2.5"));
  EXPECT_TRUE(has_error(ds, path + ":2:23",
                        "element 4 must be an integer (no decimal point or exponent), got 1e18"));
  EXPECT_TRUE(has_error(ds, path + ":2:29", "element 5 does not fit in a 64-bit integer"));
  EXPECT_TRUE(has_error(ds, path + ":2:51", "element 6 must be an integer"));
  EXPECT_TRUE(has_error(ds, path + ":2:63", "element 8 repeats budget 100 (element 7)"));
  EXPECT_TRUE(has_error(ds, path + ":2:68", "element 9 must be <= 100000000, got 100000001"));
}

TEST_F(LoaderTest, EmptyListsAreErrors) {
  const std::string path = write("s.yaml", "suite: s\nbudgets: []\ntasks: []\nagents: []\n");
  const auto ds = errors_of(path);
  EXPECT_EQ(ds.size(), 3u) << dump(ds);
  EXPECT_TRUE(has_error(ds, path + ":2:10", "key 'budgets' must not be empty"));
  EXPECT_TRUE(has_error(ds, path + ":3:8", "key 'tasks' must not be empty"));
  EXPECT_TRUE(has_error(ds, path + ":4:9", "key 'agents' must not be empty"));
}

TEST_F(LoaderTest, ListsOfTheWrongShape) {
  const std::string path =
      write("s.yaml", "suite: s\nbudgets: 100\ntasks: {name: t}\nagents:\n  - mlp\n");
  const auto ds = errors_of(path);
  EXPECT_TRUE(has_error(ds, path + ":2:10", "key 'budgets' must be a list, got 100"));
  EXPECT_TRUE(has_error(ds, path + ":3:8", "key 'tasks' must be a list, got a map"));
  EXPECT_TRUE(has_error(ds, path + ":5:5", "agent #1 must be a map with 'name' and 'learner'"));
}

TEST_F(LoaderTest, MissingRequiredKeys) {
  const std::string path = write("s.yaml",
                                 "description: nothing else\n"
                                 "tasks:\n  - params: {}\n"
                                 "agents:\n  - name: a\n");
  const auto ds = errors_of(path);
  EXPECT_TRUE(has_error(ds, path + ":1:1", "missing required key 'suite'"));
  EXPECT_TRUE(has_error(ds, path + ":1:1", "missing required key 'budgets'"));
  EXPECT_TRUE(has_error(ds, path + ":3:5", "task #1: missing required key 'name'"));
  EXPECT_TRUE(
      has_error(ds, path + ":3:5",
                "task #1: missing required key 'family' (known families: blobs, sinusoid)"));
  EXPECT_TRUE(has_error(ds, path + ":5:5", "agent 'a': missing required key 'learner'"));
}

TEST_F(LoaderTest, DuplicateTaskAndAgentNames) {
  const std::string path = write("s.yaml",
                                 "suite: s\nbudgets: [1]\n"
                                 "tasks:\n"
                                 "  - name: t\n    family: sinusoid\n"
                                 "  - name: t\n    family: sinusoid\n"
                                 "agents:\n"
                                 "  - {name: a, learner: mlp}\n"
                                 "  - {name: a, learner: ridge}\n");
  const auto ds = errors_of(path);
  EXPECT_EQ(ds.size(), 2u) << dump(ds);
  EXPECT_TRUE(has_error(ds, path + ":6:11", "task 't': duplicate task name (first at line 4)"));
  EXPECT_TRUE(has_error(ds, path + ":10:12", "agent 'a': duplicate agent name (first at line 9)"));
}

// `sealed:` names OOD splits of the task (docs/suite-format.md): each is
// marked sealed; a name that is no OOD split of the task, a name given twice,
// or a value that is not a list is a located error; other protocols refuse it.
TEST_F(LoaderTest, SealedNamesOodSplitsOfTheTask) {
  const std::string good = write("good.yaml",
                                 "suite: s\nbudgets: [1]\n"
                                 "tasks:\n"
                                 "  - name: t\n    family: sinusoid\n"
                                 "    ood: {near: {x: [5, 6]}, far: {x: [9, 10]}}\n"
                                 "    sealed: [far]\n"
                                 "agents: [{name: a, learner: mlp}]\n");
  const Suite s = load_suite(good, test_catalog());
  ASSERT_EQ(s.tasks[0].ood.size(), 2u);
  EXPECT_FALSE(s.tasks[0].ood[0].sealed);
  EXPECT_EQ(s.tasks[0].ood[1].name, "ood/far");
  EXPECT_TRUE(s.tasks[0].ood[1].sealed);

  const std::string path = write("s.yaml",
                                 "suite: s\nbudgets: [1]\n"
                                 "tasks:\n"
                                 "  - name: t\n    family: sinusoid\n"
                                 "    ood: {near: {x: [5, 6]}, far: {x: [9, 10]}}\n"
                                 "    sealed: [far, fra, far, zzz]\n"  // 7
                                 "  - name: u\n    family: sinusoid\n"
                                 "    sealed: far\n"  // 10
                                 "  - name: v\n    family: sinusoid\n"
                                 "    sealed: [far]\n"  // 13
                                 "agents: [{name: a, learner: mlp}]\n");
  const auto ds = errors_of(path);
  EXPECT_EQ(ds.size(), 5u) << dump(ds);
  EXPECT_TRUE(has_error(ds, path + ":7:19",
                        "task 't': key 'sealed': 'fra' is not an ood split of the task (did you "
                        "mean 'far'?)"));
  EXPECT_TRUE(
      has_error(ds, path + ":7:24", "task 't': split 'far' is sealed twice (first at line 7)"));
  EXPECT_TRUE(has_error(ds, path + ":7:29",
                        "task 't': key 'sealed': 'zzz' is not an ood split of the task (its ood "
                        "splits: near, far)"));
  EXPECT_TRUE(has_error(ds, path + ":10:13",
                        "task 'u': key 'sealed' must be a list of the task's ood split names, "
                        "got far"));
  EXPECT_TRUE(has_error(ds, path + ":13:14",
                        "task 'v': key 'sealed': 'far' is not an ood split of the task (its ood "
                        "splits: none)"));

  // A key of the standard protocol: other protocols name its owner.
  const std::string transfer = write("transfer.yaml",
                                     "suite: s\nprotocol: transfer\nbudgets: [1]\n"
                                     "pretrain_budget: 5\n"
                                     "tasks:\n"
                                     "  - name: t\n    family: sinusoid\n"
                                     "    targets: {near: {x: [5, 6]}}\n"
                                     "    sealed: []\n"  // 9
                                     "agents: [{name: a, learner: mlp}]\n");
  EXPECT_TRUE(has_error(errors_of(transfer), transfer + ":9:5",
                        "task 't': key 'sealed' belongs to protocol 'standard'"));
}

TEST_F(LoaderTest, OodSplits) {
  const std::string path = write("s.yaml",
                                 "suite: s\nbudgets: [1]\n"
                                 "tasks:\n"
                                 "  - name: t\n    family: sinusoid\n"
                                 "    ood:\n"
                                 "      far x: {x: [5, 10]}\n"  // 7
                                 "      near: {amplitud: 1}\n"  // 8
                                 "      big: [1, 2]\n"          // 9
                                 "      near: {}\n"             // 10
                                 "  - name: u\n    family: sinusoid\n"
                                 "    ood: [far]\n"  // 13
                                 "agents: [{name: a, learner: mlp}]\n");
  const auto ds = errors_of(path);
  EXPECT_EQ(ds.size(), 5u) << dump(ds);
  EXPECT_TRUE(has_error(ds, path + ":7:7", "task 't': ood split name must be a name of letters"));
  EXPECT_TRUE(has_error(
      ds, path + ":8:14",
      "task 't' (ood split 'near'): unknown parameter 'amplitud' (did you mean 'amplitude'?)"));
  EXPECT_TRUE(has_error(
      ds, path + ":9:12",
      "task 't' (ood split 'big'): overrides must be a map of parameter: value, got a list"));
  EXPECT_TRUE(
      has_error(ds, path + ":10:7", "task 't': duplicate ood split 'near' (first at line 8)"));
  EXPECT_TRUE(has_error(ds, path + ":13:10", "task 'u': key 'ood' must be a map of split name"));
}

TEST_F(LoaderTest, TrainOverridesAreChecked) {
  const std::string path = write("s.yaml",
                                 "suite: s\nbudgets: [1]\n"
                                 "tasks:\n"
                                 "  - name: t\n    family: sinusoid\n"
                                 "    train: {x: [3, 1], amplitud: 1}\n"
                                 "agents: [{name: a, learner: mlp}]\n");
  const auto ds = errors_of(path);
  EXPECT_TRUE(has_error(ds, path + ":6:16",
                        "task 't' (train overrides): parameter 'x' is a reversed range"));
  EXPECT_TRUE(has_error(
      ds, path + ":6:24",
      "task 't' (train overrides): unknown parameter 'amplitud' (did you mean 'amplitude'?)"));
}

TEST(LoaderErrors, IncompatibleLearner) {
  const std::string path = kSuites + "incompatible.yaml";
  const auto ds = errors_of(path);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].str(), path +
                             ":10:14: error: agent 'clf': learner 'classifier-only' cannot train "
                             "on task 'sine': family 'sinusoid' is regression, the learner "
                             "trains on classification");
}

TEST_F(LoaderTest, AnImagesOnlyLearnerIsRefusedOnFlatFamiliesOnly) {
  Catalog c = test_catalog();
  c.families["pictures"] = {{}, "classification", {}, {}, {}};
  c.families["pictures"].images = true;
  c.learners["convnet"] = {{}, "", {"classification"}, {}, {}};
  c.learners["convnet"].images = true;
  const std::string path = write("images.yaml",
                                 "suite: s\nbudgets: [1]\ntasks:\n"
                                 "  - {name: flat, family: blobs}\n"
                                 "  - {name: pics, family: pictures}\n"
                                 "agents:\n  - name: conv\n    learner: convnet\n");
  const auto ds = errors_of(path, c);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].str(), path + ":8:14: error: agent 'conv': learner 'convnet' takes image "
                                "inputs only, and task 'flat' (family 'blobs') has flat inputs "
                                "(families with images: pictures)");
  // Flat learners take image families as they are.
  const std::string flat = write("flat.yaml",
                                 "suite: s\nbudgets: [1]\ntasks:\n"
                                 "  - {name: pics, family: pictures}\n"
                                 "agents:\n  - name: c\n    learner: classifier-only\n");
  EXPECT_NO_THROW(load_suite(flat, c));
}

TEST_F(LoaderTest, CompatibilityIsCheckedOnTheMergedSuite) {
  write("common.yaml", "tasks: [{name: sine, family: sinusoid}]\n");
  const std::string path = write("main.yaml",
                                 "suite: s\ninclude: [common.yaml]\nbudgets: [1]\n"
                                 "agents:\n  - name: clf\n    learner: classifier-only\n");
  const auto ds = errors_of(path);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_TRUE(has_error(ds, path + ":6:14",
                        "agent 'clf': learner 'classifier-only' cannot train on task 'sine'"));
}

TEST_F(LoaderTest, FamilyChecksRunOnTheTrainAndEveryOodSplit) {
  const std::string path = write("s.yaml",
                                 "suite: s\nbudgets: [5, 8, 9]\n"
                                 "tasks:\n"
                                 "  - name: t\n"  // 4
                                 "    family: table\n"
                                 "    params: {held: 2}\n"
                                 "    ood:\n"
                                 "      bigger: {size: 20}\n"  // 8
                                 "      fine: {held: 3}\n"
                                 "  - name: u\n"  // 10
                                 "    family: table\n"
                                 "    train: {held: 10}\n"
                                 "agents: [{name: a, learner: classifier-only}]\n");
  const auto ds = errors_of(path, table_catalog());
  EXPECT_EQ(ds.size(), 3u) << dump(ds);  // no budget check on a train split that fails its own
  EXPECT_TRUE(has_error(ds, path + ":4:5",
                        "task 't': budget 9 exceeds the 8 distinct training examples of family "
                        "'table' under the train split (drawn without replacement)"));
  EXPECT_TRUE(has_error(ds, path + ":8:7", "task 't' (ood split 'bigger'): size must not change"));
  EXPECT_TRUE(has_error(ds, path + ":10:5", "task 'u': family 'table': held must be below size"));
}

TEST_F(LoaderTest, FamilyChecksWaitForValidValues) {
  // An out-of-range value is reported once, not again through the family's checks.
  const std::string path = write("s.yaml",
                                 "suite: s\nbudgets: [50]\n"
                                 "tasks: [{name: t, family: table, params: {size: 1000}}]\n"
                                 "agents: [{name: a, learner: classifier-only}]\n");
  const auto ds = errors_of(path, table_catalog());
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_TRUE(has_error(ds, path + ":3:49", "parameter 'size' must be <= 100, got 1000"));
}

// ---- many errors at once --------------------------------------------------------

TEST(LoaderErrors, SeveralErrorsAllReportedInOrder) {
  const std::string path = kSuites + "several_errors.yaml";
  const auto ds = errors_of(path);
  const std::vector<std::string> expected = {
      ":2:8: error: key 'seeds' must be >= 1, got 0",
      ":3:16: error: key 'budgets' element 2 repeats budget 100 (element 1)",
      ":4:1: error: unknown top-level key 'eval_sample' (did you mean 'eval_samples'?)",
      ":7:13: error: task 'sine': unknown family 'sinusiod' (did you mean 'sinusoid'?)",
      ":10:25: error: task 'line': parameter 'amplitude' is a reversed range [5, 1] (lower end "
      "above upper end)",
      ":10:40: error: task 'line': parameter 'noise' must be >= 0, got -1",
      ":14:26: error: agent 'mlp': parameter 'activation' must be one of relu|tanh, got 'rleu' "
      "(did you mean 'relu'?)",
      ":14:45: error: agent 'mlp': parameter 'max_updates' must be an integer (no decimal point "
      "or exponent), got 1.5",
      ":15:11: error: agent 'mlp': duplicate agent name (first at line 12)",
      ":16:14: error: agent 'mlp': unknown learner 'mlpp' (did you mean 'mlp'?)",
  };
  ASSERT_EQ(ds.size(), expected.size()) << dump(ds);
  for (size_t i = 0; i < ds.size(); ++i) EXPECT_EQ(ds[i].str(), path + expected[i]);
  try {
    load_suite(path, test_catalog());
  } catch (const SuiteError& e) {
    EXPECT_EQ(std::string(e.what()).substr(0, path.size() + 1), path + ":");
    EXPECT_EQ(std::count(e.what(), e.what() + std::strlen(e.what()), '\n'), 9);
  }
}

// ---- includes ---------------------------------------------------------------------

TEST(LoaderIncludes, IncludedFirstThenOverridden) {
  const std::string path = kSuites + "include_main.yaml";
  const Suite s = load_suite(path, test_catalog());
  EXPECT_EQ(s.name, "with-include");
  EXPECT_EQ(s.seeds, 7);                                  // replaced
  EXPECT_EQ(s.budgets, (std::vector<int64_t>{10, 100}));  // inherited
  EXPECT_EQ(s.eval_samples, 500);                         // inherited
  EXPECT_EQ(s.files, (std::vector<std::string>{path, kSuites + "include_common.yaml"}));
  ASSERT_EQ(s.tasks.size(), 3u);
  EXPECT_EQ(s.tasks[0].name, "sine");  // replaced in place, by name
  EXPECT_EQ(std::get<std::vector<double>>(s.tasks[0].params.at("amplitude").value),
            (std::vector<double>{3.0, 4.0}));
  EXPECT_EQ(s.tasks[0].where.file, path);
  EXPECT_EQ(s.tasks[1].name, "sine-noisy");  // kept
  EXPECT_EQ(s.tasks[1].where.file, kSuites + "include_common.yaml");
  EXPECT_EQ(s.tasks[2].name, "sine-wide");  // appended
  ASSERT_EQ(s.agents.size(), 2u);
  EXPECT_EQ(s.agents[0].name, "mlp-64");
  EXPECT_EQ(s.agents[1].name, "ridge");
}

TEST(LoaderIncludes, IncludeCycle) {
  const std::string a = kSuites + "cycle_a.yaml", b = kSuites + "cycle_b.yaml";
  const auto ds = errors_of(a);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].str(), b + ":3:5: error: include cycle: " + a + " -> " + b + " -> " + a);
}

TEST_F(LoaderTest, SelfInclude) {
  const std::string path = write("s.yaml", "suite: s\ninclude: [s.yaml]\n");
  EXPECT_TRUE(has_error(errors_of(path), path + ":2:11", "include cycle: " + path + " -> " + path));
}

TEST(LoaderIncludes, MissingInclude) {
  const std::string path = kSuites + "missing_include.yaml";
  const auto ds = errors_of(path);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].str(),
            path + ":4:5: error: cannot include '" + kSuites + "no_such_file.yaml': no such file");
}

TEST_F(LoaderTest, IncludesResolveRelativeToTheIncludingFile) {
  write("sub/part.yaml", "include: [leaf.yaml]\nseeds: 2\n");
  const std::string leaf = write("sub/leaf.yaml", "seeds: 3\neval_samples: 0\n");
  const std::string path = write("main.yaml",
                                 "suite: s\ninclude: [sub/part.yaml]\nbudgets: [1]\n"
                                 "tasks: [{name: t, family: sinusoid}]\n"
                                 "agents: [{name: a, learner: mlp}]\n");
  const auto ds = errors_of(path);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].str(), leaf + ":2:15: error: key 'eval_samples' must be >= 1, got 0");

  write("sub/leaf.yaml", "seeds: 3\neval_samples: 9\n");
  const Suite s = load_suite(path, test_catalog());
  EXPECT_EQ(s.seeds, 2);  // part overrides leaf
  EXPECT_EQ(s.eval_samples, 9);
  EXPECT_EQ(s.files, (std::vector<std::string>{path, dir_ + "/sub/part.yaml", leaf}));
}

TEST_F(LoaderTest, RelativePathsStayRelative) {
  write("common.yaml", "seeds: 0\n");
  write("main.yaml", "suite: s\ninclude: [common.yaml]\n");
  const std::string rel = fs::relative(dir_).generic_string();
  const auto ds = errors_of(rel + "/main.yaml");
  EXPECT_TRUE(has_error(ds, rel + "/common.yaml:1:8", "key 'seeds' must be >= 1"));
}

TEST_F(LoaderTest, ErrorsOrderedByFileThenLine) {
  write("common.yaml", "seeds: 0\nbudgets: [0]\n");
  const std::string path = write("main.yaml",
                                 "suite: s\ninclude: [common.yaml]\neval_samples: 0\n"
                                 "tasks: [{name: t, family: sinusoid}]\n"
                                 "agents: [{name: a, learner: mlp}]\n");
  const auto ds = errors_of(path);
  ASSERT_EQ(ds.size(), 3u) << dump(ds);
  EXPECT_EQ(ds[0].where.str(), path + ":3:15");
  EXPECT_EQ(ds[1].where.str(), dir_ + "/common.yaml:1:8");
  EXPECT_EQ(ds[2].where.str(), dir_ + "/common.yaml:2:11");
}

TEST_F(LoaderTest, DiamondIncludeIsReadOnce) {
  write("base.yaml", "seeds: 0\n");
  write("left.yaml", "include: [base.yaml]\n");
  write("right.yaml", "include: [base.yaml]\n");
  const std::string path = write("main.yaml",
                                 "suite: s\ninclude: [left.yaml, right.yaml]\nbudgets: [1]\n"
                                 "tasks: [{name: t, family: sinusoid}]\n"
                                 "agents: [{name: a, learner: mlp}]\n");
  const auto ds = errors_of(path);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);  // reported once
  EXPECT_EQ(ds[0].where.str(), dir_ + "/base.yaml:1:8");
}

TEST_F(LoaderTest, BrokenIncludeReportsOnlyItsOwnError) {
  const std::string common = write("common.yaml", "budgets: [1, 2\n");
  const std::string path = write("main.yaml", "suite: s\ninclude: [common.yaml]\n");
  const auto ds = errors_of(path);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);  // no "missing budgets": it may be in the broken file
  EXPECT_EQ(ds[0].where.file, common);
  EXPECT_NE(ds[0].message.find("YAML syntax: "), std::string::npos);
}

TEST_F(LoaderTest, BadIncludeEntries) {
  const std::string path = write("s.yaml", "suite: s\ninclude: [[a], \"\", sub]\n");
  fs::create_directories(dir_ + "/sub");
  const auto ds = errors_of(path);
  EXPECT_TRUE(
      has_error(ds, path + ":2:11", "key 'include' entries must be file paths, got a list"));
  EXPECT_TRUE(has_error(ds, path + ":2:16", "key 'include' entries must be file paths"));
  EXPECT_TRUE(
      has_error(ds, path + ":2:20", "cannot include '" + dir_ + "/sub': it is a directory"));
}

TEST_F(LoaderTest, IncludesAreConfinedToTheSuitesFolderUnlessAllowed) {
  const std::string outside = write("outside/agents.yaml", "agents: [{name: a, learner: mlp}]\n");
  const std::string body = "budgets: [1]\ntasks: [{name: t, family: sinusoid}]\n";
  const std::string up = write("suite/up.yaml", "suite: s\ninclude: [../outside/agents.yaml]\n" + body);
  const std::string abs = write("suite/abs.yaml", "suite: s\ninclude: [" + outside + "]\n" + body);
  fs::create_symlink(outside, dir_ + "/suite/link.yaml");
  const std::string link = write("suite/via-link.yaml", "suite: s\ninclude: [link.yaml]\n" + body);
  for (const auto& [path, shown] : {std::make_pair(up, dir_ + "/suite/../outside/agents.yaml"),
                                    std::make_pair(abs, outside),
                                    std::make_pair(link, dir_ + "/suite/link.yaml")}) {
    SCOPED_TRACE(path);
    const auto ds = errors_of(path);
    ASSERT_EQ(ds.size(), 1u) << dump(ds);  // nothing else: the file was not read
    EXPECT_EQ(ds[0].str(), path + ":2:11: error: cannot include '" +
                               fs::path(shown).lexically_normal().generic_string() +
                               "': it is outside the suite's folder (" + dir_ +
                               "/suite); pass --include-path DIR to allow includes from DIR");
    // Allowed by --include-path, it loads.
    const Suite s = load_suite(path, test_catalog(), {{dir_ + "/outside"}});
    EXPECT_EQ(s.agents.at(0).name, "a");
  }
  // Subfolders of the suite's folder are inside it.
  write("suite/sub/agents.yaml", "agents: [{name: b, learner: mlp}]\n");
  const std::string sub = write("suite/sub.yaml", "suite: s\ninclude: [sub/agents.yaml]\n" + body);
  EXPECT_EQ(load_suite(sub, test_catalog()).agents.at(0).name, "b");
}

TEST_F(LoaderTest, ErrorsQuoteOnlyAShortTokenOfAForeignFileAndEscapeControls) {
  write("other/passwd.yaml",
        "root:x:0:0:a-long-secret-field-that-must-not-be-echoed:/root:/bin/bash\n");
  const std::string path = write("s.yaml", "suite: \"\\e[31mred\"\ninclude: [other/passwd.yaml]\n"
                                           "secret-key-that-is-long-and-must-be-cut: 1\n");
  const auto ds = errors_of(path);
  std::string all;
  for (const auto& d : ds) all += d.str() + "\n";
  EXPECT_EQ(all.find("must-not-be-echoed"), std::string::npos) << all;
  EXPECT_EQ(all.find("must-be-cut"), std::string::npos) << all;
  EXPECT_NE(all.find("'secret-key-that-is-lo...'"), std::string::npos) << all;
  EXPECT_EQ(all.find('\x1b'), std::string::npos) << all;
  EXPECT_NE(all.find("\\x1b[31mred"), std::string::npos) << all;
}

// ---- hostile input ---------------------------------------------------------------

TEST(LoaderRobustness, AliasBombRejected) {
  const std::string path = kSuites + "alias_bomb.yaml";
  const auto ds = errors_of(path);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].str(),
            path + ":3:8: error: YAML aliases ('*name') are not supported: write the value out");
}

TEST_F(LoaderTest, DeepNestingRejected) {
  for (const std::string& text :
       {"a: " + std::string(100000, '[') + std::string(100000, ']') + "\n",
        "a: " + std::string(100000, '{') + "\n",
        [] {
          std::string s;
          for (int i = 0; i < 1000; ++i) s += std::string(2 * i, ' ') + "k:\n";
          return s;
        }(),
        [] {
          std::string s;
          for (int i = 0; i < 1000; ++i) s += std::string(2 * i, ' ') + "-\n";
          return s;
        }()}) {
    const std::string path = write("deep.yaml", text);
    const auto ds = errors_of(path);
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_TRUE(ds[0].where.known());
    EXPECT_NE(ds[0].message.find("nested"), std::string::npos) << ds[0].str();
  }
}

TEST(LoaderRobustness, EmptyFile) {
  const std::string path = kSuites + "empty.yaml";
  const auto ds = errors_of(path);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].where.str(), path + ":1:1");
  EXPECT_NE(ds[0].message.find("file is empty"), std::string::npos);
}

TEST_F(LoaderTest, CommentsOnlyIsEmpty) {
  const std::string path = write("s.yaml", "# nothing here\n\n");
  EXPECT_TRUE(has_error(errors_of(path), path + ":1:1", "file is empty"));
}

TEST_F(LoaderTest, BinaryGarbage) {
  std::string bytes;
  std::mt19937 rng(42);
  for (int i = 0; i < 4096; ++i) bytes += static_cast<char>(rng() & 0xFF);
  bytes[10] = '\0';
  const std::string path = write("garbage.yaml", "suite: s\n" + bytes);
  const auto ds = errors_of(path);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].where.line, 2);
  EXPECT_NE(ds[0].message.find("not a text file"), std::string::npos);

  const std::string latin1 = write("latin1.yaml", "suite: s\ndescription: caf\xe9\n");
  EXPECT_TRUE(has_error(errors_of(latin1), latin1 + ":2:17", "invalid UTF-8 byte 0xe9"));
  const std::string nul = write("nul.yaml", std::string("suite: s\0", 9));
  EXPECT_TRUE(has_error(errors_of(nul), nul + ":1:9", "control character 0x00"));
}

TEST_F(LoaderTest, Utf8TextIsFine) {
  const Suite s = load_suite(write("s.yaml",
                                   "\xEF\xBB\xBFsuite: s\ndescription: caf\xC3\xA9 \xE2\x9C\x93\n"
                                   "budgets: [1]\ntasks: [{name: t, family: sinusoid}]\n"
                                   "agents: [{name: a, learner: mlp}]\n"),
                             test_catalog());
  EXPECT_EQ(s.description, "caf\xC3\xA9 \xE2\x9C\x93");
}

TEST_F(LoaderTest, HugeFileRefused) {
  const std::string path =
      write("huge.yaml", "suite: s\ndescription: " + std::string(5u << 20, 'x') + "\n");
  const auto ds = errors_of(path);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].str(), path + ": error: cannot read suite file: file too large (limit 4 MiB)");
}

TEST_F(LoaderTest, TooManyNodesRefused) {
  std::string list = "budgets: [1";
  for (int i = 0; i < 150000; ++i) list += ",1";
  const std::string path = write("many.yaml", "suite: s\n" + list + "]\n");
  const auto ds = errors_of(path);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].where.line, 2);
  EXPECT_NE(ds[0].message.find("too many YAML nodes"), std::string::npos);
}

TEST_F(LoaderTest, MissingFileAndDirectory) {
  const std::string missing = dir_ + "/nope.yaml";
  auto ds = errors_of(missing);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].str(), missing + ": error: cannot read suite file: no such file");
  ds = errors_of(dir_);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].str(),
            dir_ + ": error: cannot read suite file: it is a directory, not a YAML file");
  ds = errors_of("");
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_NE(ds[0].message.find("empty path"), std::string::npos);
}

TEST_F(LoaderTest, UnreadableFile) {
  const std::string path = write("s.yaml", "suite: s\n");
  fs::permissions(path, fs::perms::none);
  if (std::ifstream(path).good()) GTEST_SKIP() << "running as root: permissions not enforced";
  const auto ds = errors_of(path);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].where.str(), path);
  EXPECT_NE(ds[0].message.find("cannot read suite file: Permission denied"), std::string::npos);
}

// Random byte edits of a good suite: load_suite either succeeds or throws
// SuiteError with located diagnostics; nothing else, never a crash.
TEST_F(LoaderTest, MutatedSuitesNeverCrash) {
  std::ifstream in(kSuites + "good.yaml", std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string good = buffer.str();
  const std::string alphabet = ":-[]{},&*!|>'\"#%@` \n\t?0123456789.eE+-abcxyz\x01\xff";
  std::mt19937 rng(1234);
  int rejected = 0;
  for (int round = 0; round < 600; ++round) {
    std::string text = good;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = rng() % text.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          text[pos] = c;
          break;
        case 1:
          text.insert(pos, 1, c);
          break;
        default:
          text.erase(pos, 1 + rng() % 8);
          break;
      }
      if (text.empty()) text = "x";
    }
    const std::string path = write("fuzz.yaml", text);
    try {
      load_suite(path, test_catalog());
    } catch (const SuiteError& e) {
      ++rejected;
      ASSERT_FALSE(e.diagnostics().empty());
      for (const auto& d : e.diagnostics()) ASSERT_EQ(d.where.file, path) << d.str();
    } catch (const std::exception& e) {
      FAIL() << "unexpected exception " << e.what() << " for:\n" << text;
    }
  }
  EXPECT_GT(rejected, 200);
}

// ---- resolve_params and nearest_name ----------------------------------------------

TEST(ResolveParams, DefaultsThenLayersInOrder) {
  const std::vector<ParamSpec> specs = {
      ParamSpec::Int("a", 1, std::nullopt, std::nullopt, ""),
      ParamSpec::Real("b", 2.0, std::nullopt, std::nullopt, ""),
      ParamSpec::RealRange("c", 0, 1, std::nullopt, std::nullopt, "")};
  ParamMap first = {{"a", {int64_t{10}, {}}}, {"c", {std::vector<double>{2, 3}, {}}}};
  ParamMap second = {{"a", {int64_t{20}, {}}}, {"unknown", {true, {}}}};
  const Params p = resolve_params(specs, {&first, nullptr, &second});
  EXPECT_EQ(p.integer("a"), 20);
  EXPECT_EQ(p.real("b"), 2.0);
  EXPECT_EQ(p.range("c"), std::make_pair(2.0, 3.0));
  EXPECT_FALSE(p.has("unknown"));
  EXPECT_EQ(resolve_params(specs, {}).integer("a"), 1);
}

TEST(NearestName, SuggestsCloseNamesOnly) {
  const std::vector<std::string> names = {"hidden", "lr", "activation", "max_updates"};
  EXPECT_EQ(nearest_name("hiden", names), "hidden");
  EXPECT_EQ(nearest_name("Hidden", names), "hidden");  // case is a near miss
  EXPECT_EQ(nearest_name("activaton", names), "activation");
  EXPECT_EQ(nearest_name("max_update", names), "max_updates");
  EXPECT_EQ(nearest_name("lrr", names), "lr");
  EXPECT_EQ(nearest_name("momentum", names), "");
  EXPECT_EQ(nearest_name("x", {"y"}), "");  // replacing everything is no suggestion
  EXPECT_EQ(nearest_name("", names), "");
  EXPECT_EQ(nearest_name("hiden", {}), "");
  // max(2, size / 3): 12 letters allow 4 edits, not 5.
  EXPECT_EQ(nearest_name("abcdefghijkl", {"abcdefghWXYZ"}), "abcdefghWXYZ");
  EXPECT_EQ(nearest_name("abcdefghijkl", {"abcdefgVWXYZ"}), "");
  EXPECT_EQ(nearest_name("budget", {"seeds", "budgets", "suite"}), "budgets");
}

}  // namespace
}  // namespace hg

namespace hg {
namespace {

// ---- path and command parameters, and the learners' check_task hook --------

// The test catalog plus a learner that takes a model file and an agent
// command, and checks the model against each task (as `torchscript` does).
const Catalog& bring_your_own_catalog() {
  static const Catalog catalog = [] {
    Catalog c = test_catalog();
    Catalog::Component user{{ParamSpec::Path("model", "", "model file"),
                             ParamSpec::Command("command", {"agent"}, "argv")},
                            "",
                            {"regression"},
                            {},
                            {}};
    user.check_task = [](const Params& agent, const std::string& task, const std::string& family,
                         const Params& train) -> std::optional<ParamProblem> {
      if (agent.path("model").empty()) return ParamProblem{"model", "parameter 'model' is required"};
      if (agent.path("model").find("bad") != std::string::npos)
        return ParamProblem{"model", "model " + agent.path("model") + " does not fit task '" +
                                         task + "' (" + family + ", noise " +
                                         std::to_string(train.real("noise")) + ")"};
      return std::nullopt;
    };
    c.learners["user"] = user;
    return c;
  }();
  return catalog;
}

std::string diagnostics_of(const std::string& path, const Catalog& catalog) {
  try {
    load_suite(path, catalog);
  } catch (const SuiteError& e) {
    std::string out;
    for (const auto& d : e.diagnostics()) out += d.str() + "\n";
    return out;
  }
  return "";
}

TEST_F(LoaderTest, PathsAndCommandElementsResolveAgainstTheFileThatWritesThem) {
  write("sub/agents.yaml",
        "agents:\n"
        "  - name: mine\n"
        "    learner: user\n"
        "    params: {model: models/net.pt, command: [python3, ./a/agent.py, --out=x/y, /abs/p]}\n");
  const std::string path = write("suite.yaml",
                                 "suite: byo\nbudgets: [10]\ninclude: [sub/agents.yaml]\n"
                                 "tasks: [{name: sine, family: sinusoid}]\n");
  const Suite suite = load_suite(path, bring_your_own_catalog());
  const auto& params = suite.agents.at(0).params;
  EXPECT_EQ(std::get<std::string>(params.at("model").value), dir_ + "/sub/models/net.pt");
  EXPECT_EQ(std::get<std::vector<std::string>>(params.at("command").value),
            (std::vector<std::string>{"python3", dir_ + "/sub/a/agent.py", "--out=x/y", "/abs/p"}));
}

TEST_F(LoaderTest, PathAndCommandValuesOfTheWrongTypeAreLocatedErrors) {
  std::string text = suite_with("noise: 0.1", "{model: [a, b], command: python3 agent.py}");
  text.replace(text.find("learner: mlp"), 12, "learner: user");
  const std::string path = write("s.yaml", text);
  const std::string errors = diagnostics_of(path, bring_your_own_catalog());
  EXPECT_NE(errors.find(path + ":12:15: error: agent 'mlp-64': parameter 'model' must be a "
                               "string, got a list"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find(path + ":12:32: error: agent 'mlp-64': parameter 'command' must be a "
                               "command, a list of strings (argv, no shell)"),
            std::string::npos)
      << errors;
}

TEST_F(LoaderTest, CheckTaskErrorsAreLocatedAtTheParameterOrTheAgent) {
  std::string text = suite_with("noise: 0.25", "{model: bad.pt}");
  text.replace(text.find("learner: mlp"), 12, "learner: user");
  const std::string path = write("s.yaml", text);
  const std::string errors = diagnostics_of(path, bring_your_own_catalog());
  EXPECT_NE(errors.find(path + ":12:15: error: agent 'mlp-64': model " + dir_ +
                        "/bad.pt does not fit task 'sine' (sinusoid, noise 0.250000)"),
            std::string::npos)
      << errors;
  std::string none = suite_with("noise: 0.25", "{}");
  none.replace(none.find("learner: mlp"), 12, "learner: user");
  const std::string errors2 = diagnostics_of(write("t.yaml", none), bring_your_own_catalog());
  EXPECT_NE(errors2.find(":9:5: error: agent 'mlp-64': parameter 'model' is required"),
            std::string::npos)
      << errors2;
}


// ---- sweeps (AgentSpec::sweep, docs/suite-format.md#sweeps) ----------------

const char* kSweepHead =
    "suite: s\nbudgets: [100, 1000]\n"
    "tasks:\n  - name: t\n    family: sinusoid\n";

TEST_F(LoaderTest, ASweepExpandsIntoNamedConfigurationsInFileOrder) {
  const std::string path = write("s.yaml", std::string(kSweepHead) +
                                               "agents:\n"
                                               "  - name: ridge\n    learner: ridge\n"
                                               "  - name: mlp\n    learner: mlp\n"
                                               "    params: {max_updates: 50}\n"
                                               "    sweep:\n"
                                               "      lr: [1.0e-3, 0.01]\n"
                                               "      hidden: [[16], [64, 64]]\n"
                                               "reference: mlp\n");
  const Suite suite = load_suite(path, test_catalog());
  ASSERT_EQ(suite.agents.size(), 1u + 4u);
  EXPECT_EQ(suite.agents[0].name, "ridge");
  EXPECT_TRUE(suite.agents[0].sweep.empty());
  EXPECT_EQ(suite.agents[0].seed_name(), "ridge");
  const std::vector<std::string> names = {"mlp[lr=0.001,hidden=[16]]",
                                          "mlp[lr=0.001,hidden=[64,64]]",
                                          "mlp[lr=0.01,hidden=[16]]",
                                          "mlp[lr=0.01,hidden=[64,64]]"};
  for (size_t i = 0; i < names.size(); ++i) {
    const AgentSpec& a = suite.agents[i + 1];
    EXPECT_EQ(a.name, names[i]);
    EXPECT_EQ(a.sweep, "mlp");
    EXPECT_EQ(a.seed_name(), "mlp");  // every configuration sees the same draws
    EXPECT_EQ(a.learner, "mlp");
    EXPECT_EQ(a.selection, "validation");  // the default, and its fraction
    EXPECT_DOUBLE_EQ(a.validation_fraction, 0.2);
    EXPECT_EQ(std::get<int64_t>(a.params.at("max_updates").value), 50);  // params kept
  }
  EXPECT_DOUBLE_EQ(std::get<double>(suite.agents[3].params.at("lr").value), 0.01);
  EXPECT_EQ(std::get<std::vector<int64_t>>(suite.agents[3].params.at("hidden").value),
            (std::vector<int64_t>{16}));
  EXPECT_EQ(suite.agents[2].configuration_text(), "lr=0.001,hidden=[64,64]");
  EXPECT_EQ(suite.reference, "mlp");  // a sweep's name is a valid reference
}

TEST_F(LoaderTest, OracleSelectionAndAValidationFractionAreRead) {
  const std::string path = write("s.yaml", std::string(kSweepHead) +
                                               "agents:\n"
                                               "  - name: a\n    learner: mlp\n"
                                               "    sweep: {lr: [0.1, 0.2]}\n"
                                               "    selection: oracle\n"
                                               "  - name: b\n    learner: mlp\n"
                                               "    sweep: {lr: [0.1, 0.2]}\n"
                                               "    validation_fraction: 0.25\n");
  const Suite suite = load_suite(path, test_catalog());
  ASSERT_EQ(suite.agents.size(), 4u);
  EXPECT_EQ(suite.agents[0].selection, "oracle");
  EXPECT_EQ(suite.agents[0].validation_fraction, 0.0);
  EXPECT_EQ(suite.agents[2].selection, "validation");
  EXPECT_DOUBLE_EQ(suite.agents[2].validation_fraction, 0.25);
}

TEST_F(LoaderTest, RefitIsReadAndBelongsToValidationSelection) {
  const std::string path = write("s.yaml", std::string(kSweepHead) +
                                               "agents:\n"
                                               "  - name: a\n    learner: mlp\n"   // 7
                                               "    sweep: {lr: [0.1, 0.2]}\n"       // 9
                                               "    refit: true\n");                 // 10
  const Suite suite = load_suite(path, test_catalog());
  EXPECT_TRUE(suite.agents[0].refit);
  EXPECT_TRUE(suite.agents[1].refit);
  const std::string bad = write("bad.yaml", std::string(kSweepHead) +
                                                "agents:\n"
                                                "  - name: a\n    learner: mlp\n"  // 7
                                                "    refit: true\n"                 // 9
                                                "  - name: b\n    learner: mlp\n"  // 10
                                                "    sweep: {lr: [0.1, 0.2]}\n"     // 12
                                                "    selection: oracle\n"           // 13
                                                "    refit: yes\n");                // 14
  const auto ds = errors_of(bad);
  EXPECT_TRUE(has_error(ds, bad + ":9:12", "agent 'a': key 'refit' retrains a sweep's "
                                           "configurations on the whole budget, and the agent "
                                           "has no 'sweep'"));
  EXPECT_TRUE(has_error(ds, bad + ":14:12", "agent 'b': key 'refit' must be true or false"));
  EXPECT_TRUE(has_error(ds, bad + ":14:12", "key 'refit' belongs to selection: validation"));
}

TEST(ValidationSamples, IsTheFloorOfTheShareOfTheBudget) {
  EXPECT_EQ(validation_samples(100, 0.2), 20);
  EXPECT_EQ(validation_samples(100, 0.29), 29);  // 0.29 x 100 is 28.999999999999996
  EXPECT_EQ(validation_samples(7, 0.2), 1);
  EXPECT_EQ(validation_samples(4, 0.2), 0);
}

TEST_F(LoaderTest, BadSweepsAreLocatedErrors) {
  const std::string path = write("s.yaml", std::string(kSweepHead) +
                                               "agents:\n"
                                               "  - name: a\n    learner: mlp\n"         // 7
                                               "    params: {lr: 0.1}\n"                  // 9
                                               "    sweep: {lr: [0.1], hiden: [[4]]}\n"   // 10
                                               "  - name: b\n    learner: mlp\n"         // 11
                                               "    sweep: {batch_size: []}\n"            // 13
                                               "  - name: c\n    learner: mlp\n"         // 14
                                               "    sweep: {batch_size: [8, 8]}\n"        // 16
                                               "  - name: d\n    learner: ridge\n"       // 17
                                               "    selection: validation\n"              // 19
                                               "    validation_fraction: 0.2\n"           // 20
                                               "  - name: e\n    learner: mlp\n"         // 21
                                               "    sweep: {lr: [0.1, 0.2]}\n"            // 23
                                               "    selection: best\n"                    // 24
                                               "  - name: f\n    learner: mlp\n"         // 25
                                               "    sweep: {lr: [0.1, 0.2]}\n"            // 27
                                               "    selection: oracle\n"                  // 28
                                               "    validation_fraction: 1.5\n"           // 29
                                               "  - name: g\n    learner: mlp\n"         // 30
                                               "    sweep: lr\n");                        // 32
  const auto ds = errors_of(path);
  EXPECT_TRUE(has_error(ds, path + ":10:13", "agent 'a': key 'sweep': parameter 'lr' is also set "
                                            "under 'params'"));
  EXPECT_TRUE(has_error(ds, path + ":10:24", "unknown parameter 'hiden' (did you mean 'hidden'?)"));
  EXPECT_TRUE(has_error(ds, path + ":13:25", "parameter 'batch_size' must be a non-empty list of "
                                             "values, got an empty list"));
  EXPECT_TRUE(has_error(ds, path + ":16:29", "parameter 'batch_size' lists '8' twice"));
  EXPECT_TRUE(has_error(ds, path + ":19:16", "agent 'd': key 'selection' chooses among a sweep's "
                                             "configurations, and the agent has no 'sweep'"));
  EXPECT_TRUE(has_error(ds, path + ":20:26", "agent 'd': key 'validation_fraction' belongs to a "
                                             "sweep"));
  EXPECT_TRUE(has_error(ds, path + ":24:16", "agent 'e': key 'selection' must be 'validation' or "
                                             "'oracle', got 'best'"));
  EXPECT_TRUE(has_error(ds, path + ":29:26", "must be in (0, 1), got '1.5'"));
  EXPECT_TRUE(has_error(ds, path + ":29:26", "selection: oracle trains on the whole budget"));
  EXPECT_TRUE(has_error(ds, path + ":32:12", "agent 'g': key 'sweep' must be a map of "
                                             "parameter: [values]"));
}

TEST_F(LoaderTest, AValidationShareWithoutASampleAtSomeBudgetIsAnError) {
  const std::string path = write("s.yaml",
                                 "suite: s\nbudgets: [4, 100]\n"
                                 "tasks:\n  - name: t\n    family: sinusoid\n"
                                 "agents:\n  - name: a\n    learner: mlp\n"
                                 "    sweep: {lr: [0.1, 0.2]}\n");
  EXPECT_TRUE(has_error(errors_of(path), path + ":9:12",
                        "agent 'a': validation_fraction 0.2 of budget 4 holds out 0 samples"));
}

TEST_F(LoaderTest, TooManyConfigurationsAreRefused) {
  std::string values = "[";
  for (int i = 1; i <= 20; ++i) values += (i > 1 ? ", " : "") + std::to_string(i);
  values += "]";
  const std::string path = write("s.yaml", std::string(kSweepHead) +
                                               "agents:\n  - name: a\n    learner: mlp\n"
                                               "    sweep:\n      batch_size: " + values +
                                               "\n      max_updates: " + values + "\n");
  EXPECT_TRUE(has_error(errors_of(path), path + ":11:20",
                        "agent 'a': key 'sweep' has more than 256 configurations"));
}

TEST_F(LoaderTest, AnAgentWrittenAgainInTheIncludingFileReplacesItsSweep) {
  write("base.yaml", std::string(kSweepHead) +
                         "agents:\n  - name: a\n    learner: mlp\n    sweep: {lr: [0.1, 0.2]}\n");
  const std::string path =
      write("s.yaml", "include: [base.yaml]\nagents:\n  - name: a\n    learner: mlp\n");
  const Suite suite = load_suite(path, test_catalog());
  ASSERT_EQ(suite.agents.size(), 1u);
  EXPECT_EQ(suite.agents[0].name, "a");
  EXPECT_TRUE(suite.agents[0].sweep.empty());
}

TEST_F(LoaderTest, ASweepNeedsTheDefaultProtocol) {
  const std::string path = write("s.yaml",
                                 "suite: s\nprotocol: continual\nbudgets: [100]\n"
                                 "tasks:\n  - name: t\n    family: sinusoid\n"
                                 "    stream: {a: {}, b: {}}\n"
                                 "agents:\n  - name: a\n    learner: mlp\n"
                                 "    sweep: {lr: [0.1, 0.2]}\n");
  EXPECT_TRUE(has_error(errors_of(path), path + ":11:12",
                        "key 'sweep' is supported under the default protocol only"));
}

}  // namespace
}  // namespace hg
