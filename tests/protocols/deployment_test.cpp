// The deployment protocol (prequential): every chunk is scored before the
// learner can see its labels, a learner that tries to read them early is
// caught, drifts move linearly, and the loader checks the keys.
#include <torch/torch.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../test_util.h"
#include "hourglass/core/error.h"
#include "hourglass/learners/learner.h"
#include "hourglass/protocols/deployment/deployment.h"
#include "hourglass/run/plan.h"
#include "hourglass/run/runner.h"

namespace hg {
namespace {

using testing::suite_errors;
using testing::suite_from_yaml;

// What the recording learner saw, in order: every predict() with its inputs,
// every draw with the inputs and labels it was handed.
struct Event {
  enum Kind { kPredict, kDraw } kind;
  bool continuing = false;  // a draw inside continue_training()
  at::Tensor x, y;
};
std::mutex g_mutex;
std::vector<Event> g_events;

std::vector<Event> take_events() {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto out = std::move(g_events);
  g_events.clear();
  return out;
}

// Records; draws its whole budget; predicts class 0. With `cheat`, it keeps
// every sample source it is given and, when asked to predict, tries to draw
// from the last one (and swallows the refusal, as a careful cheater would).
class RecordingLearner final : public Learner {
 public:
  explicit RecordingLearner(bool cheat) : cheat_(cheat) {}

 protected:
  void do_train(TrainContext& ctx) override { take(ctx, false); }
  void do_continue(TrainContext& ctx) override { take(ctx, true); }
  at::Tensor do_predict(const at::Tensor& x) override {
    if (cheat_ && source_) {
      try {
        const Batch early = source_->draw(1);
        std::lock_guard<std::mutex> lock(g_mutex);
        g_events.push_back({Event::kDraw, false, early.x.clone(), early.y.clone()});
      } catch (const std::exception&) {
      }
    }
    {
      std::lock_guard<std::mutex> lock(g_mutex);
      g_events.push_back({Event::kPredict, false, x.clone(), {}});
    }
    auto out = torch::zeros({x.size(0), x.size(1), classes_});
    out.select(2, 0).fill_(1.0);
    return out;
  }

 private:
  void take(TrainContext& ctx, bool continuing) {
    classes_ = ctx.shape.output_dim;
    source_ = &ctx.data;
    const Batch b = ctx.data.draw(ctx.data.remaining());
    std::lock_guard<std::mutex> lock(g_mutex);
    g_events.push_back({Event::kDraw, continuing, b.x.clone(), b.y.clone()});
  }
  bool cheat_;
  int64_t classes_ = 1;
  SampleSource* source_ = nullptr;
};

LearnerInfo recording_info() {
  LearnerInfo info;
  info.name = "test-deploy-recorder";
  info.doc = "records the order of predictions and draws";
  info.kinds = {TaskKind::kClassification};
  info.params = {ParamSpec::Bool("cheat", false, "try to draw labels while predicting")};
  info.make = [](const Params& p) {
    return std::make_unique<RecordingLearner>(p.boolean("cheat"));
  };
  info.can_continue = true;
  return info;
}
const LearnerRegistrar kRecording(recording_info());

const char* kBlobs = R"(
suite: d
protocol: deployment
seeds: 2
budgets: [40]
eval_samples: 30
deployment: {chunk: 10}
tasks:
  - name: blobs
    family: gaussian-blobs
    params: {classes: 3, dim: 2}
    segments:
      - {name: same, samples: 20}
      - {name: turned, samples: 30, params: {rotation: 90}}
agents:
  - {name: rec, learner: test-deploy-recorder}
  - {name: cheat, learner: test-deploy-recorder, params: {cheat: true}}
)";

TEST(DeploymentProtocol, EveryChunkIsPredictedBeforeAnyOfItsLabelsReachTheLearner) {
  const Suite suite = suite_from_yaml(kBlobs);
  const auto plan = expand(suite);
  take_events();
  const auto trials = run_population(suite, plan[0], "cpu");
  const auto events = take_events();
  ASSERT_EQ(trials.size(), 2u);
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kOk) << t.message;
    EXPECT_EQ(t.samples_used, 40 + 50);
    // retention twice, 5 chunks frozen and learning.
    EXPECT_EQ(t.splits.size(), 2u + 2u * 5u);
    for (const char* name : {"retention/pretrained", "frozen/same/0", "frozen/turned/2",
                             "learning/same/1", "learning/turned/2", "retention/end"})
      EXPECT_NE(t.find_split(name), nullptr) << name;
  }
  // Pretraining, retention, five frozen predictions, then per chunk: a
  // prediction on exactly the inputs of the draw that follows it, and no
  // earlier draw held any of them.
  ASSERT_EQ(events.size(), 1u + 1u + 5u + 5u * 2u + 1u);
  EXPECT_EQ(events[0].kind, Event::kDraw);
  EXPECT_FALSE(events[0].continuing);
  EXPECT_EQ(events[0].x.size(1), 40);
  for (size_t i = 1; i <= 6; ++i) EXPECT_EQ(events[i].kind, Event::kPredict) << i;
  for (size_t c = 0; c < 5; ++c) {
    const Event& predict = events[7 + 2 * c];
    const Event& draw = events[8 + 2 * c];
    ASSERT_EQ(predict.kind, Event::kPredict) << c;
    ASSERT_EQ(draw.kind, Event::kDraw) << c;
    EXPECT_TRUE(draw.continuing);
    ASSERT_EQ(draw.x.size(1), 10);
    EXPECT_TRUE(torch::equal(predict.x, draw.x)) << "chunk " << c;
    // The frozen learner was scored on the same inputs.
    EXPECT_TRUE(torch::equal(events[2 + c].x, draw.x)) << "chunk " << c;
    for (size_t e = 0; e < 7 + 2 * c; ++e) {
      if (events[e].kind != Event::kDraw) continue;
      const auto& seen = events[e].x;
      EXPECT_FALSE(torch::equal(seen.narrow(1, 0, std::min<int64_t>(10, seen.size(1))), draw.x))
          << "chunk " << c << " drawn before it was scored";
    }
  }
  EXPECT_EQ(events.back().kind, Event::kPredict);  // retention/end
}

TEST(DeploymentProtocol, ALearnerThatKeepsItsSourceToReadLabelsEarlyIsCaught) {
  const Suite suite = suite_from_yaml(kBlobs);
  const auto plan = expand(suite);
  take_events();
  const auto trials = run_population(suite, plan[1], "cpu");
  const auto events = take_events();
  for (const auto& e : events)  // the early draw was refused: nothing handed out
    if (e.kind == Event::kDraw) {
      EXPECT_NE(e.x.size(1), 1);
    }
  ASSERT_EQ(trials.size(), 2u);
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kFailed);
    EXPECT_NE(t.message.find("drew from a sample source after its phase ended"), std::string::npos)
        << t.message;
    EXPECT_TRUE(std::isnan(t.find_split("learning/turned/2")->normalized));
  }
}

TEST(DeploymentProtocol, ADriftMovesEachParameterLinearlyFromTheFirstChunkToTheLast) {
  SegmentSpec s;
  s.name = "turning";
  s.samples = 40;
  s.overrides["noise"] = ParamEntry{2.0, {}};
  s.drift_from["rotation"] = ParamEntry{30.0, {}};
  s.drift_to["rotation"] = ParamEntry{90.0, {}};
  s.drift_from["n"] = ParamEntry{int64_t{1}, {}};
  s.drift_to["n"] = ParamEntry{int64_t{4}, {}};
  const auto chunks = deployment_chunk_params(s, 10);
  ASSERT_EQ(chunks.size(), 4u);
  const double rotation[] = {30, 50, 70, 90};   // 30 + 60 k / 3
  const int64_t n[] = {1, 2, 3, 4};             // 1 + 3 k / 3
  for (size_t k = 0; k < 4; ++k) {
    EXPECT_DOUBLE_EQ(std::get<double>(chunks[k].at("rotation").value), rotation[k]);
    EXPECT_EQ(std::get<int64_t>(chunks[k].at("n").value), n[k]);
    EXPECT_DOUBLE_EQ(std::get<double>(chunks[k].at("noise").value), 2.0);
  }
  // Integers round to the nearest (half away from zero): 1 + 3 * 1/2 = 2.5 -> 3.
  s.samples = 30;
  EXPECT_EQ(std::get<int64_t>(deployment_chunk_params(s, 10)[1].at("n").value), 3);
  // One chunk: the start.
  s.samples = 10;
  EXPECT_DOUBLE_EQ(std::get<double>(deployment_chunk_params(s, 10)[0].at("rotation").value), 30);
}

TEST(DeploymentProtocol, SplitNamesListEveryChunkFrozenThenLearning) {
  const Suite suite = suite_from_yaml(kBlobs);
  const auto names = deployment_split_names(suite.tasks[0], suite.deployment.chunk);
  const std::vector<std::string> expected = {
      "retention/pretrained", "frozen/same/0",     "frozen/same/1",     "frozen/turned/0",
      "frozen/turned/1",      "frozen/turned/2",   "learning/same/0",   "learning/same/1",
      "learning/turned/0",    "learning/turned/1", "learning/turned/2", "retention/end"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(suite.deployment.chunk, 10);
  EXPECT_DOUBLE_EQ(suite.deployment.recovery_fraction, 0.9);
}

TEST(DeploymentProtocol, ATasksOwnChunkOverridesTheSuitesAndIsInTheConfig) {
  std::string yaml = kBlobs;
  yaml.replace(yaml.find("    segments:"), 0, "    chunk: 5\n");
  const Suite suite = suite_from_yaml(yaml);
  EXPECT_EQ(deployment_chunk(suite, suite.tasks[0]), 5);
  EXPECT_EQ(deployment_split_names(suite.tasks[0], 5).size(), 2u + 2u * 10u);
  const auto config = resolved_config(suite, registered_catalog());
  EXPECT_EQ(config["tasks"][0]["chunk"], 5);
  EXPECT_EQ(config["deployment"]["chunk"], 10);
  EXPECT_EQ(config["tasks"][0]["segments"][1]["params"]["rotation"], 90.0);
}

TEST(DeploymentProtocol, AnMlpThatLearnsOnTheJobBeatsItsFrozenSelfOnARotatedStream) {
  const Suite suite = suite_from_yaml(R"(
suite: d
protocol: deployment
seeds: 3
budgets: [300]
eval_samples: 200
deployment: {chunk: 50}
tasks:
  - name: blobs
    family: gaussian-blobs
    params: {classes: 4, dim: 2, separation: 3.0, noise: 1.0}
    segments:
      - {name: turned, samples: 500, params: {rotation: 90}}
agents:
  - name: mlp
    learner: mlp
    params: {hidden: [32], lr: 3.0e-3, batch_size: 50, max_updates: 50}
)");
  const auto trials = run_population(suite, expand(suite)[0], "cpu");
  for (const auto& t : trials) {
    ASSERT_EQ(t.status, TrialStatus::kOk) << t.message;
    double learning = 0, frozen = 0;
    for (int k = 5; k < 10; ++k) {  // the second half of the segment
      learning += t.find_split("learning/turned/" + std::to_string(k))->normalized / 5;
      frozen += t.find_split("frozen/turned/" + std::to_string(k))->normalized / 5;
    }
    // Rotated by 90 degrees the frozen learner is near or below chance; the
    // learning one is back near the Bayes classifier.
    EXPECT_GT(learning, frozen + 0.5) << learning << " vs " << frozen;
    EXPECT_GT(learning, 0.7);
    // Retention is scored on the first segment, here the rotated one: the
    // learner ends far better there than it started.
    EXPECT_GT(t.find_split("retention/end")->normalized,
              t.find_split("retention/pretrained")->normalized + 0.5);
  }
}

TEST(DeploymentProtocol, InteractiveFamiliesScoreEveryChunkAndStepEveryChunk) {
  const Suite suite = suite_from_yaml(R"(
suite: d
protocol: deployment
seeds: 2
budgets: [600]
deployment: {chunk: 200}
tasks:
  - name: poles
    family: cartpole
    params: {eval_episodes: 4, length: [0.25, 0.75]}
    segments:
      - {name: short, samples: 200}
      - {name: long, samples: 400, params: {length: [1.5, 2.0]}}
agents:
  - name: reinforce
    learner: reinforce
    params: {hidden: [16], num_envs: 4}
)");
  const auto trials = run_population(suite, expand(suite)[0], "cpu");
  ASSERT_EQ(trials.size(), 2u);
  for (const auto& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kOk) << t.message;
    EXPECT_EQ(t.samples_used, 600 + 600);
    EXPECT_EQ(t.splits.size(), 2u + 2u * 3u);
    for (const auto& s : t.splits) EXPECT_TRUE(std::isfinite(s.raw)) << s.split;
  }
  // The frozen policy on chunk 0 of `short` is the pretrained one, on the
  // same episodes with the same action draws as the learning one, which has
  // not updated yet.
  for (const auto& t : trials)
    EXPECT_DOUBLE_EQ(t.find_split("frozen/short/0")->raw, t.find_split("learning/short/0")->raw);
}


TEST(DeploymentLoader, ChecksSegmentsChunkAndDrift) {
  std::string errors = suite_errors(R"(suite: s
protocol: deployment
budgets: [10]
deployment: {chunk: 30}
tasks:
  - name: blobs
    family: gaussian-blobs
    segments:
      - {name: a, samples: 100}
      - {name: a, samples: 60, drift: {classes: [2, 3], dim: 4, activation: [1, 2]}}
      - {samples: 60, params: {rotation: 5}, drift: {rotation: [0, 9]}}
agents:
  - {name: mlp, learner: mlp}
)");
  EXPECT_NE(errors.find(":9:28: error: task 'blobs': segment 'a': samples 100 is not a multiple "
                        "of the chunk (30, key 'deployment')"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("(segment 'a'): duplicate segment name (first at line 9)"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("(segment 'a'): drift of 'dim' must be [from, to], got"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("unknown parameter 'activation'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("(segment #3): missing required key 'name'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("(segment #3): drift of 'rotation': the segment also sets it under "
                        "'params'"),
            std::string::npos)
      << errors;
  // No deployment key, no segments; the key under another protocol.
  errors = suite_errors(R"(suite: s
protocol: deployment
budgets: [10]
tasks:
  - {name: blobs, family: gaussian-blobs}
agents:
  - {name: mlp, learner: mlp}
)");
  EXPECT_NE(errors.find(":2:11: error: protocol 'deployment' needs key 'deployment'"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("task 'blobs': protocol 'deployment' needs key 'segments'"),
            std::string::npos)
      << errors;
  errors = suite_errors(R"(suite: s
budgets: [10]
deployment: {chunk: 5, recovery_fraction: 2}
tasks:
  - name: blobs
    family: gaussian-blobs
    segments: [{name: a, samples: 5}]
agents:
  - {name: mlp, learner: mlp}
)");
  EXPECT_NE(errors.find(":3:43: error: key 'deployment': key 'recovery_fraction'"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("task 'blobs': key 'segments' belongs to protocol 'deployment'"),
            std::string::npos)
      << errors;
  errors = suite_errors(R"(suite: s
budgets: [10]
deployment: {chunk: 5}
tasks:
  - {name: blobs, family: gaussian-blobs}
agents:
  - {name: mlp, learner: mlp}
)");
  EXPECT_NE(errors.find(":3:13: error: key 'deployment' applies to protocol: deployment only "
                        "(this suite's protocol is 'standard')"),
            std::string::npos)
      << errors;
  // A learner that cannot continue, and a drift of a numeric parameter that
  // goes out of range at one end.
  errors = suite_errors(R"(suite: s
protocol: deployment
budgets: [10]
deployment: {chunk: 5}
tasks:
  - name: blobs
    family: gaussian-blobs
    segments: [{name: a, samples: 5, drift: {noise: [1, -1]}}]
agents:
  - {name: knn, learner: knn}
)");
  EXPECT_NE(errors.find("cannot continue training from its state, which protocol 'deployment' "
                        "needs"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("drift of 'noise' (to)"), std::string::npos) << errors;
}

}  // namespace
}  // namespace hg

namespace hg {
namespace {

TEST(AgentTasks, SelectWhichPopulationsThePlanHolds) {
  const Suite suite = testing::suite_from_yaml(R"(
suite: s
budgets: [10, 20]
tasks:
  - {name: a, family: sinusoid}
  - {name: b, family: sinusoid}
agents:
  - {name: only-b, learner: mlp, tasks: [b]}
  - {name: both, learner: mlp}
)");
  EXPECT_EQ(suite.agents[0].tasks, std::vector<std::string>{"b"});
  EXPECT_FALSE(suite.agents[0].runs_on("a"));
  EXPECT_TRUE(suite.agents[1].runs_on("a"));
  std::vector<std::string> keys;
  for (const auto& p : expand(suite)) keys.push_back(p.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"a/both/10", "a/both/20", "b/only-b/10",
                                            "b/only-b/20", "b/both/10", "b/both/20"}));
  const auto config = resolved_config(suite, registered_catalog());
  EXPECT_EQ(config["agents"][0]["tasks"], nlohmann::json::array({"b"}));
  EXPECT_FALSE(config["agents"][1].contains("tasks"));
}

}  // namespace
}  // namespace hg
