// The conformance checks (conformance.h), through the real loader and runner.
#include "hourglass/testing/conformance.h"

#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include "hourglass/learners/learner.h"
#include "hourglass/run/plan.h"
#include "hourglass/run/runner.h"
#include "hourglass/suite/suite.h"
#include "hourglass/tasks/family.h"

namespace hg::conformance {
namespace {

bool trains_on(const LearnerInfo& learner, const FamilyInfo& family) {
  if (learner.images_only && !family.image_inputs) return false;  // the loader refuses the pair
  return std::find(learner.kinds.begin(), learner.kinds.end(), family.kind) != learner.kinds.end();
}

// A temporary folder, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::string path =
        (std::filesystem::temp_directory_path() / "hourglass-conformance-XXXXXX").string();
    if (::mkdtemp(path.data())) path_ = path;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }  // "" when it could not be made

 private:
  std::string path_;
};

// A loaded tiny suite and the folder its files (the suite, a learner's
// example model) live in while it trains.
struct TinySuite {
  ScratchDir dir;
  std::optional<Suite> suite;
};

// A suite of one task (the family's example params and suggested OOD splits)
// and one agent (the learner with its defaults, plus the example a learner
// that trains something the user brings writes for the task's shape), loaded
// as a user's would be. Empty when it does not load (the reason in `out`).
std::unique_ptr<TinySuite> tiny_suite(const std::string& learner, const std::string& family,
                                      const Options& o, std::vector<std::string>* out) {
  auto tiny = std::make_unique<TinySuite>();
  const FamilyInfo* info = FamilyRegistry::instance().find(family);
  if (!info) {
    out->push_back("unknown family " + family);
    return tiny;
  }
  const LearnerInfo* learner_info = LearnerRegistry::instance().find(learner);
  if (!learner_info) {
    out->push_back("unknown learner " + learner);
    return tiny;
  }
  if (tiny->dir.path().empty()) {
    out->push_back(std::string("cannot make a temporary folder: ") + std::strerror(errno));
    return tiny;
  }
  const int64_t budget = info->kind == TaskKind::kInteractive ? o.interactive_budget : o.budget;
  std::string yaml = "suite: conformance\nseeds: " + std::to_string(o.seeds) +
                     "\neval_samples: " + std::to_string(o.eval_samples) + "\nbudgets: [" +
                     std::to_string(budget) + "]\ntasks:\n  - name: t\n    family: " + family +
                     "\n    params: " + format_overrides(info->example_params) + "\n";
  if (!info->suggested_ood.empty()) {
    yaml += "    ood:\n";
    for (const auto& s : info->suggested_ood)
      yaml += "      " + s.name + ": " + format_overrides(s.overrides) + "\n";
  }
  std::string agent_params;
  if (learner_info->example && info->make_split) {
    try {
      Params example_train(info->params);
      for (const auto& [k, v] : info->example_params) example_train.set(k, v);
      const TaskShape shape = info->make_split(example_train, {1})->shape();
      agent_params =
          ", params: " + format_overrides(learner_info->example(shape, tiny->dir.path()));
    } catch (const std::exception& e) {
      out->push_back(std::string("the learner's example does not build: ") + e.what());
      return tiny;
    }
  }
  yaml += "agents: [{name: a, learner: " + learner + agent_params + "}]\n";
  const std::string path = tiny->dir.path() + "/conformance.yaml";
  if (!(std::ofstream(path) << yaml)) {
    out->push_back("cannot write a temporary suite: " + path);
    return tiny;
  }
  try {
    tiny->suite = load_suite(path, registered_catalog());
  } catch (const std::exception& e) {
    out->push_back(std::string("the suite does not load: ") + e.what());
  }
  return tiny;
}

// The population's first `members` members, trained through the runner.
std::vector<TrialRecord> train(const Suite& suite, size_t members) {
  Population p = expand(suite).at(0);
  p.trial_seeds.resize(members);
  p.instance_seeds.resize(members);
  return run_population(suite, p, "cpu");
}

// Bit for bit (0.0 and -0.0 differ), any NaN equal to any NaN.
bool same_double(double a, double b) {
  uint64_t bits_a = 0, bits_b = 0;
  std::memcpy(&bits_a, &a, sizeof a);
  std::memcpy(&bits_b, &b, sizeof b);
  return (std::isnan(a) && std::isnan(b)) || bits_a == bits_b;
}

// "" when the two trials agree bit for bit (timing aside), else the first difference.
std::string difference(const TrialRecord& a, const TrialRecord& b) {
  if (a.status != b.status)
    return std::string("status ") + to_string(a.status) + " against " + to_string(b.status);
  if (a.samples_used != b.samples_used)
    return "samples_used " + std::to_string(a.samples_used) + " against " +
           std::to_string(b.samples_used);
  if (a.updates != b.updates)
    return "updates " + std::to_string(a.updates) + " against " + std::to_string(b.updates);
  if (a.splits.size() != b.splits.size()) return "a different number of splits scored";
  for (size_t i = 0; i < a.splits.size(); ++i) {
    const SplitScore &x = a.splits[i], &y = b.splits[i];
    if (x.split != y.split) return "split " + x.split + " against " + y.split;
    if (!same_double(x.raw, y.raw)) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "split %s scored %.17g against %.17g", x.split.c_str(), x.raw,
                    y.raw);
      return buf;
    }
  }
  return "";
}

}  // namespace

std::vector<std::string> family_violations(const std::string& family) {
  const FamilyInfo* info = FamilyRegistry::instance().find(family);
  if (!info) return {"unknown family " + family};
  std::vector<std::string> out;
  if (info->suggested_ood.empty())
    out.push_back("declares no suggested OOD split (FamilyInfo::suggested_ood)");
  if (info->check_split) {
    Params train(info->params);
    for (const auto& [k, v] : info->example_params) train.set(k, v);
    if (auto why = info->check_split(train, train); !why.empty())
      out.push_back("its example params fail its own check_split: " + why);
    for (const auto& s : info->suggested_ood) {
      Params p = train;
      for (const auto& [k, v] : s.overrides) p.set(k, v);
      if (auto why = info->check_split(p, train); !why.empty())
        out.push_back("suggested split " + s.name + " fails its own check_split: " + why);
    }
  }
  return out;
}

std::vector<std::string> training_violations(const std::string& learner, const std::string& family,
                                             const Options& options) {
  std::vector<std::string> out;
  const auto tiny = tiny_suite(learner, family, options, &out);
  if (!tiny->suite) return out;
  const Suite& suite = *tiny->suite;
  const FamilyInfo* info = FamilyRegistry::instance().find(family);
  const int64_t budget = suite.budgets.at(0);
  for (const auto& t : train(suite, static_cast<size_t>(options.seeds))) {
    const std::string who = "seed " + std::to_string(t.seed_index) + ": ";
    if (t.status != TrialStatus::kOk)
      out.push_back(who + "status " + to_string(t.status) + ": " + t.message);
    if (t.samples_used > budget)
      out.push_back(who + "drew " + std::to_string(t.samples_used) + " samples with a budget of " +
                    std::to_string(budget));
    if (t.status != TrialStatus::kOk) continue;
    std::vector<std::string> expected{"train", "test"};
    for (const auto& s : info->suggested_ood) expected.push_back("ood/" + s.name);
    for (const auto& name : expected) {
      const SplitScore* s = t.find_split(name);
      if (!s) {
        out.push_back(who + "split " + name + " not scored");
      } else if (!std::isfinite(s->raw) || !std::isfinite(s->normalized)) {
        out.push_back(who + "split " + name + " scored " + std::to_string(s->raw));
      }
    }
  }
  return out;
}

std::vector<std::string> determinism_violations(const std::string& learner,
                                                const std::string& family, const Options& options) {
  std::vector<std::string> out;
  const auto tiny = tiny_suite(learner, family, options, &out);
  if (!tiny->suite) return out;
  const auto members = static_cast<size_t>(options.seeds);
  const auto first = train(*tiny->suite, members), second = train(*tiny->suite, members);
  for (size_t i = 0; i < first.size() && i < second.size(); ++i) {
    if (auto d = difference(first[i], second[i]); !d.empty())
      out.push_back("not deterministic: seed " + std::to_string(i) + " trained twice: " + d);
  }
  return out;
}

std::vector<std::string> independence_violations(const std::string& learner,
                                                 const std::string& family,
                                                 const Options& options) {
  std::vector<std::string> out;
  const auto tiny = tiny_suite(learner, family, options, &out);
  if (!tiny->suite) return out;
  const auto alone = train(*tiny->suite, 1), together = train(*tiny->suite, 2);
  if (alone.empty() || together.empty()) return {"no trials"};
  if (auto d = difference(alone[0], together[0]); !d.empty())
    out.push_back("members not independent: seed 0 alone against beside seed 1: " + d);
  return out;
}

std::vector<std::string> learner_violations(const std::string& learner, const std::string& family,
                                            const Options& options) {
  auto out = training_violations(learner, family, options);
  for (auto* check : {&determinism_violations, &independence_violations})
    for (auto& v : check(learner, family, options)) out.push_back(std::move(v));
  return out;
}

std::vector<std::string> families_for(const std::string& learner) {
  const LearnerInfo* info = LearnerRegistry::instance().find(learner);
  std::vector<std::string> out;
  if (!info) return out;
  for (const auto& [name, family] : FamilyRegistry::instance().entries())
    if (trains_on(*info, family)) out.push_back(name);
  return out;
}

bool needs_user_artifact(const LearnerInfo& info) {
  if (info.example) return false;
  for (const auto& s : info.params) {
    if (s.type == ParamType::kPath && std::get<std::string>(s.default_value).empty()) return true;
    if (s.type == ParamType::kCommand &&
        std::get<std::vector<std::string>>(s.default_value).empty())
      return true;
  }
  return false;
}

std::vector<std::string> origin_violations(const std::string& origin, const Options& options) {
  const auto& families = FamilyRegistry::instance();
  const auto& learners = LearnerRegistry::instance();
  std::vector<std::string> out;
  for (const auto& [name, info] : families.entries()) {
    if (families.origin(name) != origin) continue;
    for (auto& v : family_violations(name)) out.push_back(name + ": " + v);
  }
  // Every pairing with a component from `origin` on either side.
  for (const auto& [learner, info] : learners.entries()) {
    if (needs_user_artifact(info)) continue;  // nothing to train it with (see conformance.h)
    const bool ours = learners.origin(learner) == origin;
    const auto kinds = families_for(learner);
    if (ours && kinds.empty())
      out.push_back(learner + ": no registered family of a kind it trains on");
    for (const auto& family : kinds) {
      if (!ours && families.origin(family) != origin) continue;
      for (auto& v : learner_violations(learner, family, options))
        out.push_back(learner + " on " + family + ": " + v);
    }
  }
  return out;
}

}  // namespace hg::conformance
