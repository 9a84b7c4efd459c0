// Conformance: every registered family and every registered learner, with no
// test written per component (OpenSpiel's LoadGameTest idea). A new family or
// learner is covered by registering it.
//
// EveryFamily, per family, on the train split and every suggested OOD split
// (FamilyInfo::example_params + suggested_ood): the declared shapes and
// dtypes, class ids in range, one-hot blocks, determinism for a seed, members
// independent of each other, references finite and ordered, a perfect
// prediction scoring at least the optimal reference, pools of distinct items.
//
// EveryLearner, per learner and family of a kind it trains on: a tiny
// population trained through the real runner (learner_violations) must be
// `ok`, draw no more than its budget, and be scored on every split with
// finite values (the runner rejects predictions of the wrong shape).
//
// EveryLearnerEverywhere, per learner and family of a kind it trains on
// (interactive ones included): determinism (the same population trained
// twice gives the same trials, bit for bit) and member independence (member
// a alone and beside member b gives the same trial). EveryRegisteredFamily:
// at least one suggested OOD split. These checks live in the library
// (hourglass/testing/conformance.h) and are installed, so plugins run them
// on their own components; test-only doubles below prove each check fails.
//
// Learners and families whose names start with "test-" are test doubles that
// other test files register in this binary; they are left out. Interactive
// families and learners have their own conformance tests
// (tests/tasks/interactive_test.cpp, tests/run/interactive_runner_test.cpp).
#include <torch/torch.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <ostream>

#include "../learner_examples.h"
#include "../test_util.h"
#include "hourglass/core/error.h"
#include "hourglass/learners/learner.h"
#include "hourglass/run/runner.h"
#include "hourglass/tasks/family.h"
#include "hourglass/testing/conformance.h"

namespace hg {
namespace {

constexpr int64_t kTinyBudget = 24;

bool is_test_double(const std::string& name) { return name.rfind("test-", 0) == 0; }

std::vector<Rng> streams(int64_t p, uint64_t base) {
  std::vector<Rng> out;
  for (int64_t i = 0; i < p; ++i) out.emplace_back(base + static_cast<uint64_t>(i));
  return out;
}

struct NamedSplit {
  std::string name;
  Params params;
};

// "train" and "ood/<name>" for every suggested split, with resolved parameters.
std::vector<NamedSplit> splits_of(const FamilyInfo& info) {
  Params train(info.params);
  for (const auto& [k, v] : info.example_params) train.set(k, v);
  std::vector<NamedSplit> out{{"train", train}};
  for (const auto& s : info.suggested_ood) {
    Params p = train;
    for (const auto& [k, v] : s.overrides) p.set(k, v);
    out.push_back({"ood/" + s.name, p});
  }
  return out;
}

// What is wrong with `learner` trained on `family` through the real runner
// (hourglass/testing/conformance.h, the checks plugins run too).
std::vector<std::string> learner_violations(const std::string& learner, const std::string& family) {
  conformance::Options options;
  options.budget = kTinyBudget;
  return conformance::training_violations(learner, family, options);
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "\n  " + l;
  return out;
}

// ---- every family ------------------------------------------------------------

class EveryFamily : public ::testing::TestWithParam<std::string> {
 protected:
  const FamilyInfo& info() const { return *FamilyRegistry::instance().find(GetParam()); }
};

TEST_P(EveryFamily, SuggestedSplitsPassTheFamilysOwnChecks) {
  const auto splits = splits_of(info());
  if (info().check_split) {
    for (const auto& s : splits)
      EXPECT_EQ(info().check_split(s.params, splits[0].params), "") << s.name;
  }
  if (info().max_budget) {
    const auto most = info().max_budget(splits[0].params);
    ASSERT_TRUE(most.has_value());
    EXPECT_GT(*most, kTinyBudget);
  }
}

TEST_P(EveryFamily, EverySplitSamplesTheDeclaredShapesDeterministically) {
  for (const auto& s : splits_of(info())) {
    SCOPED_TRACE(s.name);
    const auto split = info().make_split(s.params, {11, 12, 13});
    const TaskShape shape = split->shape();
    EXPECT_EQ(shape.kind, info().kind);
    EXPECT_EQ(split->population(), 3);
    auto r1 = streams(3, 100), r2 = streams(3, 100);
    const Batch a = split->sample(17, r1), b = split->sample(17, r2);
    EXPECT_EQ(a.x.sizes(), (std::vector<int64_t>{3, 17, shape.input_dim}));
    EXPECT_EQ(a.x.scalar_type(), torch::kFloat);
    EXPECT_TRUE(torch::isfinite(a.x).all().item<bool>());
    if (shape.kind == TaskKind::kRegression) {
      EXPECT_EQ(a.y.sizes(), (std::vector<int64_t>{3, 17, shape.output_dim}));
      EXPECT_EQ(a.y.scalar_type(), torch::kFloat);
    } else {
      EXPECT_GE(shape.output_dim, 2);
      EXPECT_EQ(a.y.sizes(), (std::vector<int64_t>{3, 17}));
      EXPECT_EQ(a.y.scalar_type(), torch::kLong);
      EXPECT_GE(a.y.min().item<int64_t>(), 0);
      EXPECT_LT(a.y.max().item<int64_t>(), shape.output_dim);
    }
    // Image inputs: declared by the family, one image per row.
    EXPECT_EQ(shape.image.defined(), info().image_inputs);
    if (shape.image.defined()) {
      EXPECT_EQ(shape.image.size(), shape.input_dim);
    }
    if (shape.one_hot_block > 0) {
      ASSERT_EQ(shape.input_dim % shape.one_hot_block, 0);
      const auto blocks = a.x.reshape({3, 17, -1, shape.one_hot_block});
      EXPECT_TRUE(torch::equal(blocks.sum(3), torch::ones_like(blocks.sum(3))));
      EXPECT_TRUE(torch::equal(blocks.amax(3), torch::ones_like(blocks.amax(3))));
    }
    EXPECT_TRUE(torch::equal(a.x, b.x));
    EXPECT_TRUE(torch::equal(a.y, b.y));
    // The same family built again gives the same instances.
    auto r3 = streams(3, 100);
    const Batch c = info().make_split(s.params, {11, 12, 13})->sample(17, r3);
    EXPECT_TRUE(torch::equal(a.x, c.x));
    EXPECT_TRUE(torch::equal(a.y, c.y));
  }
}

TEST_P(EveryFamily, MembersAreIndependentOfEachOther) {
  // Member 0's data do not depend on which other members share its population.
  for (const auto& s : splits_of(info())) {
    SCOPED_TRACE(s.name);
    const auto alone = info().make_split(s.params, {11});
    const auto together = info().make_split(s.params, {11, 99});
    auto r1 = streams(1, 5), r2 = streams(2, 5);
    const Batch a = alone->sample(9, r1), b = together->sample(9, r2);
    EXPECT_TRUE(torch::equal(a.x[0], b.x[0]));
    EXPECT_TRUE(torch::equal(a.y[0], b.y[0]));
    EXPECT_EQ(alone->reference().optimal[0], together->reference().optimal[0]);
    EXPECT_EQ(alone->reference().trivial[0], together->reference().trivial[0]);
  }
}

TEST_P(EveryFamily, ReferencesAreFiniteAndOrderedOnEverySplit) {
  for (const auto& s : splits_of(info())) {
    SCOPED_TRACE(s.name);
    const auto ref = info().make_split(s.params, {11, 12, 13})->reference();
    ASSERT_EQ(ref.trivial.size(), 3u);
    ASSERT_EQ(ref.optimal.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_TRUE(std::isfinite(ref.trivial[i]) && std::isfinite(ref.optimal[i]));
      EXPECT_LT(ref.trivial[i], ref.optimal[i]);
    }
  }
}

TEST_P(EveryFamily, APerfectPredictionScoresAtLeastTheOptimum) {
  // Checks the orientation of score and reference: predicting the labels
  // themselves cannot score below the best achievable.
  for (const auto& s : splits_of(info())) {
    SCOPED_TRACE(s.name);
    const auto split = info().make_split(s.params, {11, 12, 13});
    auto r = streams(3, 8);
    const Batch batch = split->sample(64, r);
    const at::Tensor perfect =
        split->shape().kind == TaskKind::kRegression
            ? batch.y
            : torch::one_hot(batch.y, split->shape().output_dim).to(torch::kFloat);
    const auto raw = split->score(perfect, batch);
    const auto ref = split->reference();
    for (size_t i = 0; i < 3; ++i) EXPECT_GE(raw[i], ref.optimal[i] - 1e-6);
  }
}

TEST_P(EveryFamily, PoolsHoldDistinctItemsAndSampleWithoutReplacement) {
  for (const auto& s : splits_of(info())) {
    SCOPED_TRACE(s.name);
    const auto split = info().make_split(s.params, {11, 12});
    const ExamplePool* pool = split->pool();
    if (!pool) continue;
    size_t smallest = SIZE_MAX;
    for (int64_t i = 0; i < 2; ++i) {
      const auto items = pool->items(i);
      EXPECT_TRUE(std::is_sorted(items.begin(), items.end()));
      EXPECT_EQ(std::adjacent_find(items.begin(), items.end()), items.end());
      smallest = std::min(smallest, items.size());
    }
    ASSERT_GT(smallest, 0u);
    const auto n = static_cast<int64_t>(smallest);
    auto r = streams(2, 3);
    const Batch all = split->sample(n, r);  // every item of the smaller pool, once
    EXPECT_EQ(std::get<0>(torch::unique_dim(all.x[0], 0)).size(0), n);
    auto r2 = streams(2, 3);
    EXPECT_THROW(split->sample(n + static_cast<int64_t>(pool->items(0).size()), r2),
                 std::invalid_argument);
  }
}

std::vector<std::string> families() {
  std::vector<std::string> out;
  for (const auto& [name, info] : FamilyRegistry::instance().entries())
    if (!is_test_double(name) && info.kind != TaskKind::kInteractive) out.push_back(name);
  return out;
}

std::string param_name(std::string s) {
  for (auto& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Registered, EveryFamily, ::testing::ValuesIn(families()),
                         [](const auto& p) { return param_name(p.param); });

// ---- every learner on every family of its kind ----------------------------------

struct Pairing {
  std::string learner, family;
};

std::vector<Pairing> pairings() {
  std::vector<Pairing> out;
  for (const auto& [learner, l] : LearnerRegistry::instance().entries()) {
    if (is_test_double(learner) || testing::needs_user_artifact(l)) continue;
    for (const auto& [family, f] : FamilyRegistry::instance().entries()) {
      if (is_test_double(family) || f.kind == TaskKind::kInteractive) continue;
      if (l.images_only && !f.image_inputs) continue;  // the loader refuses the pair
      if (std::find(l.kinds.begin(), l.kinds.end(), f.kind) != l.kinds.end())
        out.push_back({learner, family});
    }
  }
  return out;
}

void PrintTo(const Pairing& p, std::ostream* os) { *os << p.learner << " on " << p.family; }

class EveryLearner : public ::testing::TestWithParam<Pairing> {};

TEST_P(EveryLearner, TrainsWithinATinyBudgetAndScoresEverySplit) {
  const auto violations = learner_violations(GetParam().learner, GetParam().family);
  EXPECT_TRUE(violations.empty()) << GetParam().learner << " on " << GetParam().family << ":"
                                  << joined(violations);
}

INSTANTIATE_TEST_SUITE_P(Registered, EveryLearner, ::testing::ValuesIn(pairings()),
                         [](const auto& p) {
                           return param_name(p.param.learner + "_on_" + p.param.family);
                         });

// Determinism and member independence, for every registered learner on every
// family of a kind it trains on, interactive ones included.
std::vector<Pairing> all_pairings() {
  std::vector<Pairing> out;
  for (const auto& [learner, l] : LearnerRegistry::instance().entries()) {
    if (is_test_double(learner) || conformance::needs_user_artifact(l)) continue;
    for (const auto& family : conformance::families_for(learner))
      if (!is_test_double(family)) out.push_back({learner, family});
  }
  return out;
}

class EveryLearnerEverywhere : public ::testing::TestWithParam<Pairing> {};

TEST_P(EveryLearnerEverywhere, IsDeterministic) {
  const auto v = conformance::determinism_violations(GetParam().learner, GetParam().family);
  EXPECT_TRUE(v.empty()) << GetParam().learner << " on " << GetParam().family << ":" << joined(v);
}


TEST_P(EveryLearnerEverywhere, TrainsEachMemberIndependentlyOfTheOthers) {
  const auto v = conformance::independence_violations(GetParam().learner, GetParam().family);
  EXPECT_TRUE(v.empty()) << GetParam().learner << " on " << GetParam().family << ":" << joined(v);
}

INSTANTIATE_TEST_SUITE_P(Registered, EveryLearnerEverywhere, ::testing::ValuesIn(all_pairings()),
                         [](const auto& p) {
                           return param_name(p.param.learner + "_on_" + p.param.family);
                         });

TEST(EveryLearnerEverywhereCoverage, EveryRegisteredLearnerIsChecked) {
  const auto all = all_pairings();
  for (const auto& [learner, info] : LearnerRegistry::instance().entries()) {
    if (is_test_double(learner) || conformance::needs_user_artifact(info)) continue;
    EXPECT_TRUE(std::any_of(all.begin(), all.end(),
                            [&](const Pairing& p) { return p.learner == learner; }))
        << learner;
  }
}

// Every family, interactive ones included, declares at least one suggested
// OOD split, and its suggested splits pass its own checks.
TEST(EveryRegisteredFamily, DeclaresASuggestedOodSplit) {
  size_t checked = 0;
  for (const auto& [name, info] : FamilyRegistry::instance().entries()) {
    if (is_test_double(name)) continue;
    ++checked;
    const auto v = conformance::family_violations(name);
    EXPECT_TRUE(v.empty()) << name << ":" << joined(v);
  }
  EXPECT_GE(checked, 8u);
}

TEST(EveryLearnerCoverage, EveryRegisteredLearnerMeetsAtLeastOneFamily) {
  for (const auto& [learner, info] : LearnerRegistry::instance().entries()) {
    if (is_test_double(learner) || testing::needs_user_artifact(info)) continue;
    if (info.kinds == std::vector<TaskKind>{TaskKind::kInteractive}) continue;
    const auto all = pairings();
    EXPECT_TRUE(std::any_of(all.begin(), all.end(), [&](const Pairing& p) {
      return p.learner == learner;
    })) << learner;
  }
}

// ---- the conformance check catches a learner that breaks the rules --------------

// Draws one sample more than its budget.
class GreedyLearner final : public Learner {
 protected:
  void do_train(TrainContext& ctx) override { ctx.data.draw(ctx.data.budget() + 1); }
  at::Tensor do_predict(const at::Tensor& x) override {
    return torch::zeros({x.size(0), x.size(1), 4}, x.options());
  }
};

// Asks for more than its budget, catches the refusal, and trains on what it
// may have: the harness still fails it.
class SneakyLearner final : public Learner {
 protected:
  void do_train(TrainContext& ctx) override {
    try {
      ctx.data.draw(ctx.data.budget() * 10);
    } catch (const BudgetExceeded&) {
    }
    ctx.data.draw(ctx.data.remaining());
    classes_ = ctx.shape.output_dim;
  }
  at::Tensor do_predict(const at::Tensor& x) override {
    return torch::zeros({x.size(0), x.size(1), classes_}, x.options());
  }
  int64_t classes_ = 0;
};

// Predicts one value per example on a classification task.
class WrongShapeLearner final : public Learner {
 protected:
  void do_train(TrainContext& ctx) override { ctx.data.draw(ctx.data.remaining()); }
  at::Tensor do_predict(const at::Tensor& x) override { return x.narrow(2, 0, 1); }
};

template <class L>
LearnerInfo double_info(const char* name) {
  return LearnerInfo{
      name, "a rule-breaking test double", {TaskKind::kClassification}, {}, [](const Params&) {
        return std::make_unique<L>();
      }, nullptr};
}
const LearnerRegistrar kGreedy(double_info<GreedyLearner>("test-conformance-greedy"));
const LearnerRegistrar kSneaky(double_info<SneakyLearner>("test-conformance-sneaky"));
const LearnerRegistrar kWrongShape(double_info<WrongShapeLearner>("test-conformance-wrong-shape"));

// Scores differently each time it trains: predicts how many times any
// instance of it has trained in this process.
class NondeterministicLearner final : public Learner {
 protected:
  void do_train(TrainContext& ctx) override {
    ctx.data.draw(ctx.data.remaining());
    static int trainings = 0;
    value_ = static_cast<float>(++trainings);
  }
  at::Tensor do_predict(const at::Tensor& x) override {
    return torch::full({x.size(0), x.size(1), 1}, value_, x.options());
  }
  float value_ = 0;
};

// Pools the training targets of every member: member a's prediction depends
// on which other members share its population (a real bug: data leaking
// across seeds through a reduction over the population dimension).
class EntangledLearner final : public Learner {
 protected:
  void do_train(TrainContext& ctx) override {
    const Batch b = ctx.data.draw(ctx.data.remaining());
    mean_ = b.y.mean().item<float>();
  }
  at::Tensor do_predict(const at::Tensor& x) override {
    return torch::full({x.size(0), x.size(1), 1}, mean_, x.options());
  }
  float mean_ = 0;
};

LearnerInfo regression_double(const char* name, std::function<std::unique_ptr<Learner>()> make) {
  LearnerInfo info;
  info.name = name;
  info.doc = "a rule-breaking test double";
  info.kinds = {TaskKind::kRegression};
  info.make = [make](const Params&) { return make(); };
  return info;
}
const LearnerRegistrar kNondeterministic(regression_double(
    "test-conformance-nondeterministic", [] { return std::make_unique<NondeterministicLearner>(); }));
const LearnerRegistrar kEntangled(regression_double(
    "test-conformance-entangled", [] { return std::make_unique<EntangledLearner>(); }));

// A family that suggests no OOD split (a copy of linear-regression's idea,
// y = 0 + noise).
class FlatSplit final : public RegressionSplit {
 public:
  explicit FlatSplit(int64_t population) : RegressionSplit(population) {}
  TaskShape shape() const override { return {TaskKind::kRegression, 1, 1}; }
  Batch sample(int64_t n, std::vector<Rng>& streams) const override {
    auto x = torch::empty({population(), n, 1});
    auto y = torch::empty({population(), n, 1});
    for (int64_t i = 0; i < population(); ++i)
      for (int64_t k = 0; k < n; ++k) {
        x[i][k][0] = streams[i].uniform();
        y[i][k][0] = streams[i].normal();
      }
    return {x, y};
  }
  Reference reference() const override {
    return {std::vector<double>(population(), -2.0), std::vector<double>(population(), -1.0)};
  }
};

FamilyInfo no_ood_family() {
  FamilyInfo info;
  info.name = "test-conformance-no-ood";
  info.doc = "a family without suggested OOD splits (a test double)";
  info.make_split = [](const Params&, const std::vector<uint64_t>& seeds) {
    return std::make_unique<FlatSplit>(static_cast<int64_t>(seeds.size()));
  };
  return info;
}
const FamilyRegistrar kNoOod(no_ood_family());

bool mentions(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

TEST(ConformanceCheck, ReportsALearnerThatDrawsPastItsBudget) {
  for (const char* family : {"gaussian-blobs", "modular-arithmetic"}) {
    const auto v = learner_violations("test-conformance-greedy", family);
    EXPECT_EQ(v.size(), 2u) << family << joined(v);  // one line per seed
    EXPECT_TRUE(mentions(v,
                         "budget exceeded: learner asked for 25 samples with 24 of its budget "
                         "of 24 left"))
        << family << joined(v);
  }
}

TEST(ConformanceCheck, ReportsALearnerThatSwallowsTheRefusal) {
  const auto v = learner_violations("test-conformance-sneaky", "sparse-parity");
  EXPECT_TRUE(mentions(v, "the learner caught the refusal")) << joined(v);
}

TEST(ConformanceCheck, ReportsAPredictionOfTheWrongShape) {
  const auto v = learner_violations("test-conformance-wrong-shape", "gaussian-blobs");
  EXPECT_TRUE(mentions(v, "prediction of the wrong shape")) << joined(v);
}

TEST(ConformanceCheck, ReportsALearnerThatIsNotDeterministic) {
  const auto v =
      conformance::determinism_violations("test-conformance-nondeterministic", "sinusoid");
  EXPECT_TRUE(mentions(v, "not deterministic: seed 0 trained twice: split train scored")) << joined(v);
  // It breaks nothing else the checks look at.
  EXPECT_TRUE(conformance::training_violations("test-conformance-nondeterministic", "sinusoid")
                  .empty());
}

TEST(ConformanceCheck, ReportsALearnerWhoseMembersDependOnEachOther) {
  const auto v = conformance::independence_violations("test-conformance-entangled", "sinusoid");
  EXPECT_TRUE(mentions(v, "members not independent: seed 0 alone against beside seed 1: split "
                          "train scored"))
      << joined(v);
  EXPECT_TRUE(conformance::determinism_violations("test-conformance-entangled", "sinusoid").empty());
  EXPECT_TRUE(conformance::training_violations("test-conformance-entangled", "sinusoid").empty());
}

TEST(ConformanceCheck, ReportsAFamilyWithoutASuggestedOodSplit) {
  const auto v = conformance::family_violations("test-conformance-no-ood");
  EXPECT_TRUE(mentions(v, "declares no suggested OOD split")) << joined(v);
  EXPECT_TRUE(conformance::family_violations("sinusoid").empty());
}

TEST(ConformanceCheck, ChecksEverythingFromOneOrigin) {
  // A plugin's test asks this of its own path (examples/plugin/); an origin
  // that registered nothing has nothing wrong.
  EXPECT_TRUE(conformance::origin_violations("/no/such/plugin.so").empty());
}

TEST(ConformanceCheck, TheDoublesAreLeftOutOfTheRegisteredSweep) {
  for (const auto& p : pairings()) EXPECT_FALSE(is_test_double(p.learner)) << p.learner;
  for (const auto& p : all_pairings()) {
    EXPECT_FALSE(is_test_double(p.learner)) << p.learner;
    EXPECT_FALSE(is_test_double(p.family)) << p.family;
  }
}

}  // namespace
}  // namespace hg
