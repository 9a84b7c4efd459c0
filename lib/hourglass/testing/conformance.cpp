// The conformance checks (conformance.h), through the real loader and runner.
#include "hourglass/testing/conformance.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "hourglass/learners/learner.h"
#include "hourglass/run/plan.h"
#include "hourglass/run/runner.h"
#include "hourglass/suite/suite.h"
#include "hourglass/tasks/family.h"

namespace hg::conformance {
namespace {

bool trains_on(const LearnerInfo& learner, TaskKind kind) {
  return std::find(learner.kinds.begin(), learner.kinds.end(), kind) != learner.kinds.end();
}

// A suite of one task (the family's example params and suggested OOD splits)
// and one agent (the learner with its defaults), loaded as a user's would be.
std::optional<Suite> tiny_suite(const std::string& learner, const std::string& family,
                                const Options& o, std::vector<std::string>* out) {
  const FamilyInfo* info = FamilyRegistry::instance().find(family);
  if (!info) {
    out->push_back("unknown family " + family);
    return std::nullopt;
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
  yaml += "agents: [{name: a, learner: " + learner + "}]\n";
  std::string path = (std::filesystem::temp_directory_path() / "hourglass-conformance-XXXXXX").string();
  const int fd = ::mkstemp(path.data());
  if (fd < 0) {
    out->push_back(std::string("cannot write a temporary suite: ") + std::strerror(errno));
    return std::nullopt;
  }
  ::close(fd);
  std::ofstream(path) << yaml;
  std::optional<Suite> suite;
  try {
    suite = load_suite(path, registered_catalog());
  } catch (const std::exception& e) {
    out->push_back(std::string("the suite does not load: ") + e.what());
  }
  std::remove(path.c_str());
  return suite;
}

// The population's first `members` members, trained through the runner.
std::vector<TrialRecord> train(const Suite& suite, size_t members) {
  Population p = expand(suite).at(0);
  p.trial_seeds.resize(members);
  p.instance_seeds.resize(members);
  return run_population(suite, p, "cpu");
}

bool same_double(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

// "" when the two trials agree bit for bit (timing aside), else the first difference.
std::string difference(const TrialRecord& a, const TrialRecord& b) {
  if (a.status != b.status) return "status " + a.status + " against " + b.status;
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
  const auto suite = tiny_suite(learner, family, options, &out);
  if (!suite) return out;
  const FamilyInfo* info = FamilyRegistry::instance().find(family);
  const int64_t budget = suite->budgets.at(0);
  for (const auto& t : train(*suite, static_cast<size_t>(options.seeds))) {
    const std::string who = "seed " + std::to_string(t.seed_index) + ": ";
    if (t.status != "ok") out.push_back(who + "status " + t.status + ": " + t.message);
    if (t.samples_used > budget)
      out.push_back(who + "drew " + std::to_string(t.samples_used) + " samples with a budget of " +
                    std::to_string(budget));
    if (t.status != "ok") continue;
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
  const auto suite = tiny_suite(learner, family, options, &out);
  if (!suite) return out;
  const auto members = static_cast<size_t>(options.seeds);
  const auto first = train(*suite, members), second = train(*suite, members);
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
  const auto suite = tiny_suite(learner, family, options, &out);
  if (!suite) return out;
  const auto alone = train(*suite, 1), together = train(*suite, 2);
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
    if (trains_on(*info, family.kind)) out.push_back(name);
  return out;
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
