#include "hourglass/results/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <regex>
#include <tuple>

#include "hourglass/core/error.h"
#include "hourglass/core/random.h"

namespace hg {
namespace {

using Key = std::tuple<std::string, std::string, int64_t, std::string>;

std::string key_name(const Key& key) {
  return std::get<0>(key) + "/" + std::get<1>(key) + "/" + std::to_string(std::get<2>(key)) +
         "/" + std::get<3>(key);
}

// The trials of one file grouped by row, in first-seen order.
struct Group {
  int64_t trials = 0;
  std::vector<double> scores;  // normalized scores of ok trials, finite
  // Per score: its trial's seed index and derived seed (what pairs trials).
  std::vector<std::pair<int64_t, uint64_t>> seeds;
};

struct Grouped {
  std::vector<Key> order;
  std::map<Key, Group> groups;
};

// Comma-separated regexes, each matching a whole split name; empty = all.
class SplitFilter {
 public:
  explicit SplitFilter(const std::string& spec) : spec_(spec) {
    size_t start = 0;
    while (!spec.empty() && start <= spec.size()) {
      const size_t comma = spec.find(',', start);
      const std::string item =
          spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      start = comma == std::string::npos ? spec.size() + 1 : comma + 1;
      if (item.empty()) throw InputError("--splits '" + spec + "': empty item in the list");
      try {
        patterns_.emplace_back(item, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        throw InputError("--splits: '" + item + "' is not a valid regex: " + e.what());
      }
    }
  }
  bool all() const { return patterns_.empty(); }
  bool matches(const std::string& split) const {
    if (patterns_.empty()) return true;
    for (const auto& p : patterns_)
      if (std::regex_match(split, p)) return true;
    return false;
  }
  const std::string& spec() const { return spec_; }

 private:
  std::string spec_;
  std::vector<std::regex> patterns_;
};

Grouped group(const std::vector<TrialRecord>& trials, const SplitFilter& filter,
              std::vector<std::string>* all_splits) {
  Grouped out;
  for (const auto& t : trials) {
    for (const auto& s : t.splits) {
      all_splits->push_back(s.split);
      if (!filter.matches(s.split)) continue;
      Key key{t.task, t.agent, t.budget, s.split};
      auto [it, fresh] = out.groups.try_emplace(key);
      if (fresh) out.order.push_back(key);
      ++it->second.trials;
      if (usable_score(t, s)) {
        it->second.scores.push_back(s.normalized);
        it->second.seeds.emplace_back(t.seed_index, t.seed);
      }
    }
  }
  return out;
}

RowSide side_of(const Group& g, const Key& key, const CompareOptions& options) {
  RowSide side;
  side.present = true;
  side.trials = g.trials;
  side.ok = static_cast<int64_t>(g.scores.size());
  if (g.scores.empty()) {
    side.mean = side.lo = side.hi = std::nan("");
    return side;
  }
  metrics::BootstrapOptions bootstrap;
  bootstrap.reps = options.bootstrap_reps;
  bootstrap.confidence = options.confidence;
  bootstrap.seed = stable_hash(key_name(key));  // the summary's seed: the same interval
  const auto estimate = metrics::bootstrap_mean(g.scores, bootstrap);
  side.mean = estimate.value;
  side.lo = estimate.ci.lo;
  side.hi = estimate.ci.hi;
  return side;
}

double lost_share(const RowSide& s) {
  return s.trials == 0 ? 0.0 : static_cast<double>(s.trials - s.ok) / static_cast<double>(s.trials);
}

std::string lost_text(const RowSide& s) {
  return std::to_string(s.trials - s.ok) + " of " + std::to_string(s.trials);
}

// The per-seed-index differences current - baseline, in seed-index order,
// when the two sides pair (the same seed indices with ok scores, each with
// the same derived seed); nullopt and the reason otherwise.
std::optional<std::vector<double>> paired_differences(const Group& base, const Group& cur,
                                                      const CompareOptions& options,
                                                      std::string* why) {
  if (!options.paired) {
    *why = "--unpaired";
    return std::nullopt;
  }
  std::map<int64_t, std::pair<uint64_t, double>> baseline;
  for (size_t i = 0; i < base.scores.size(); ++i)
    baseline[base.seeds[i].first] = {base.seeds[i].second, base.scores[i]};
  std::map<int64_t, double> differences;
  for (size_t i = 0; i < cur.scores.size(); ++i) {
    const auto it = baseline.find(cur.seeds[i].first);
    if (it == baseline.end()) break;
    if (it->second.first != cur.seeds[i].second) {
      *why = "seed index " + std::to_string(cur.seeds[i].first) +
             " has another derived seed (another suite seed)";
      return std::nullopt;
    }
    differences[cur.seeds[i].first] = cur.scores[i] - it->second.second;
  }
  if (differences.size() != baseline.size() || differences.size() != cur.scores.size()) {
    *why = "the ok seed indices differ";
    return std::nullopt;
  }
  std::vector<double> out;
  out.reserve(differences.size());
  for (const auto& [index, d] : differences) out.push_back(d);
  return out;
}

void decide(ComparisonRow& row, const Group& base, const Group& cur, const Key& key,
            const CompareOptions& options) {
  const double nan = std::nan("");
  row.delta = row.lo = row.hi = row.detectable = nan;
  if (base.scores.empty() && cur.scores.empty()) {
    row.verdict = Verdict::kUnchanged;
    row.note = "no ok trial on either side";
    return;
  }
  if (cur.scores.empty()) {
    row.verdict = Verdict::kRegression;
    row.note = "every current trial failed or diverged (" + lost_text(row.current) + ")";
    return;
  }
  if (base.scores.empty()) {
    row.verdict = Verdict::kImprovement;
    row.note = "every baseline trial failed or diverged; now " + std::to_string(row.current.ok) +
               " ok";
    return;
  }
  metrics::BootstrapOptions bootstrap;
  bootstrap.reps = options.bootstrap_reps;
  bootstrap.confidence = options.confidence;
  bootstrap.seed = stable_hash("compare/" + key_name(key));
  std::string unpaired_because;
  const auto differences = paired_differences(base, cur, options, &unpaired_because);
  const auto d = differences ? metrics::bootstrap_mean(*differences, bootstrap)
                             : metrics::bootstrap_mean_difference(base.scores, cur.scores,
                                                                  bootstrap);
  row.paired = differences.has_value();
  row.pairs = differences ? static_cast<int64_t>(differences->size()) : 0;
  row.delta = d.value;
  row.lo = d.ci.lo;
  row.hi = d.ci.hi;
  row.detectable = std::max(options.tolerance, row.hi - row.delta);
  row.verdict = classify_difference(d, options.tolerance);
  const std::string pairing = row.paired ? "" : "unpaired: " + unpaired_because;
  if (lost_share(row.current) > lost_share(row.baseline)) {
    row.verdict = Verdict::kRegression;
    row.note = lost_text(row.current) + " current trials failed or diverged (baseline " +
               lost_text(row.baseline) + ")";
  } else if (row.current.ok < row.current.trials || row.baseline.ok < row.baseline.trials) {
    row.note = "failed or diverged: baseline " + lost_text(row.baseline) + ", current " +
               lost_text(row.current);
  }
  if (!pairing.empty()) row.note += (row.note.empty() ? "" : "; ") + pairing;
}

}  // namespace

const char* verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::kRegression: return "regression";
    case Verdict::kImprovement: return "improvement";
    case Verdict::kUnchanged: return "unchanged";
    case Verdict::kMissing: return "missing";
    case Verdict::kNew: return "new";
  }
  return "?";
}

Verdict classify_difference(const metrics::Estimate& difference, double tolerance) {
  if (difference.value < -tolerance && difference.ci.hi < 0.0) return Verdict::kRegression;
  if (difference.value > tolerance && difference.ci.lo > 0.0) return Verdict::kImprovement;
  return Verdict::kUnchanged;
}

size_t Comparison::count(Verdict verdict) const {
  size_t n = 0;
  for (const auto& r : rows) n += r.verdict == verdict;
  return n;
}

bool Comparison::regressed() const {
  for (const auto& r : rows)
    if (r.fails_gate) return true;
  return false;
}

Comparison compare_trials(const std::vector<TrialRecord>& baseline,
                          const std::vector<TrialRecord>& current,
                          const CompareOptions& options) {
  if (!std::isfinite(options.tolerance) || options.tolerance < 0)
    throw InputError("--tolerance: must be a finite number >= 0 (in normalized score), got " +
                     std::to_string(options.tolerance));
  const SplitFilter filter(options.splits);
  std::vector<std::string> seen_splits;
  const Grouped base = group(baseline, filter, &seen_splits);
  const Grouped cur = group(current, filter, &seen_splits);
  if (!filter.all() && base.order.empty() && cur.order.empty()) {
    std::sort(seen_splits.begin(), seen_splits.end());
    seen_splits.erase(std::unique(seen_splits.begin(), seen_splits.end()), seen_splits.end());
    std::string names;
    for (const auto& s : seen_splits) names += (names.empty() ? "" : ", ") + s;
    throw InputError("--splits '" + filter.spec() + "' selects no split (the files have: " +
                     (names.empty() ? "none" : names) + ")");
  }

  Comparison out;
  out.options = options;
  auto make_row = [](const Key& key) {
    ComparisonRow row;
    std::tie(row.task, row.agent, row.budget, row.split) = key;
    return row;
  };
  for (const Key& key : base.order) {
    ComparisonRow row = make_row(key);
    const Group& b = base.groups.at(key);
    row.baseline = side_of(b, key, options);
    auto it = cur.groups.find(key);
    if (it == cur.groups.end()) {
      row.verdict = Verdict::kMissing;
      row.delta = row.lo = row.hi = row.detectable = std::nan("");
      row.current.mean = row.current.lo = row.current.hi = std::nan("");
      row.note = "not in the current results";
      row.fails_gate = !options.allow_missing;
    } else {
      row.current = side_of(it->second, key, options);
      decide(row, b, it->second, key, options);
      row.fails_gate = row.verdict == Verdict::kRegression;
    }
    out.rows.push_back(std::move(row));
  }
  for (const Key& key : cur.order) {
    if (base.groups.count(key)) continue;
    ComparisonRow row = make_row(key);
    row.current = side_of(cur.groups.at(key), key, options);
    row.baseline.mean = row.baseline.lo = row.baseline.hi = std::nan("");
    row.delta = row.lo = row.hi = row.detectable = std::nan("");
    row.verdict = Verdict::kNew;
    row.note = "not in the baseline";
    out.rows.push_back(std::move(row));
  }
  return out;
}

namespace {

std::string sha_of(const Results& r, const char* which) {
  if (r.suite.is_object()) {
    auto it = r.suite.find("sha256");
    if (it != r.suite.end() && it->is_string()) return it->get<std::string>();
  }
  throw InputError(std::string(which) + ": suite.sha256 missing: cannot tell which suite it ran");
}

}  // namespace

Comparison compare_results(const Results& baseline, const Results& current,
                           const CompareOptions& options) {
  const std::string a = sha_of(baseline, "baseline"), b = sha_of(current, "current");
  if (a != b && !options.allow_suite_change) {
    auto name = [](const Results& r) {
      return r.suite.is_object() && r.suite.contains("name") && r.suite["name"].is_string()
                 ? r.suite["name"].get<std::string>()
                 : std::string("?");
    };
    throw InputError("the results come from different suites: baseline '" + name(baseline) +
                     "' (sha256 " + a.substr(0, 12) + "), current '" + name(current) +
                     "' (sha256 " + b.substr(0, 12) +
                     "); a suite, family or learner changed. Update the baseline on purpose "
                     "(docs/ci-regression.md), or pass --allow-suite-change to compare "
                     "matching rows anyway");
  }
  const std::string fa = seal_fingerprint_of(baseline), fb = seal_fingerprint_of(current);
  const bool keyed_a = !fa.empty() && fa != "none", keyed_b = !fb.empty() && fb != "none";
  if (keyed_a && keyed_b && fa != fb)
    throw InputError("the sealed splits were drawn with different seal keys: baseline "
                     "fingerprint " + fa + ", current fingerprint " + fb +
                     "; compare runs made with the same --seal-key-file (docs/ci-regression.md)");
  if (keyed_a == keyed_b) return compare_trials(baseline.trials, current.trials, options);
  // One side scored its sealed splits, the other had no key: leave them out.
  const Results& keyed = keyed_a ? baseline : current;
  const auto sealed = sealed_splits_of(keyed.suite);
  auto public_only = [&](std::vector<TrialRecord> trials) {
    for (auto& t : trials) {
      auto it = sealed.find(t.task);
      if (it == sealed.end()) continue;
      const auto& names = it->second;
      t.splits.erase(std::remove_if(t.splits.begin(), t.splits.end(),
                                    [&](const SplitScore& s) { return names.count(s.split) > 0; }),
                     t.splits.end());
    }
    return trials;
  };
  Comparison c = compare_trials(keyed_a ? public_only(baseline.trials) : baseline.trials,
                                keyed_b ? public_only(current.trials) : current.trials, options);
  std::string names;
  for (const auto& [task, splits] : sealed)
    for (const auto& split : splits) names += (names.empty() ? "" : ", ") + task + " " + split;
  c.notes.push_back("sealed split(s) not compared (" + names + "): the " +
                    (keyed_a ? std::string("current") : std::string("baseline")) +
                    " run had no seal key");
  return c;
}

namespace {

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json side_json(const RowSide& s) {
  if (!s.present) return nullptr;
  return {{"trials", s.trials},
          {"ok", s.ok},
          {"mean", number_or_null(s.mean)},
          {"ci_low", number_or_null(s.lo)},
          {"ci_high", number_or_null(s.hi)}};
}

std::string fixed(double v) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

}  // namespace

nlohmann::json to_json(const Comparison& c) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : c.rows) {
    nlohmann::json row = {{"task", r.task},
                          {"agent", r.agent},
                          {"budget", r.budget},
                          {"split", r.split},
                          {"verdict", verdict_name(r.verdict)},
                          {"fails_gate", r.fails_gate},
                          {"baseline", side_json(r.baseline)},
                          {"current", side_json(r.current)},
                          {"delta", number_or_null(r.delta)},
                          {"delta_ci_low", number_or_null(r.lo)},
                          {"delta_ci_high", number_or_null(r.hi)},
                          {"paired", r.paired},
                          {"pairs", r.pairs},
                          {"detectable_drop", number_or_null(r.detectable)}};
    if (!r.note.empty()) row["note"] = r.note;
    rows.push_back(row);
  }
  nlohmann::json counts = nlohmann::json::object();
  for (Verdict v : {Verdict::kRegression, Verdict::kImprovement, Verdict::kUnchanged,
                    Verdict::kMissing, Verdict::kNew})
    counts[verdict_name(v)] = c.count(v);
  nlohmann::json out = {{"schema", kCompareSchema},
          {"tolerance", c.options.tolerance},
          {"confidence", c.options.confidence},
          {"bootstrap_reps", c.options.bootstrap_reps},
          {"splits", c.options.splits.empty() ? nlohmann::json(nullptr)
                                              : nlohmann::json(c.options.splits)},
          {"allow_missing", c.options.allow_missing},
          {"paired", c.options.paired},
          {"regressed", c.regressed()},
          {"counts", counts},
          {"rows", rows}};
  if (!c.notes.empty()) out["notes"] = c.notes;
  return out;
}

nlohmann::json github_action_benchmark(const Comparison& c) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : c.rows) {
    if (!r.current.present || r.current.ok == 0) continue;
    std::string extra = std::to_string(r.current.ok) + " of " +
                        std::to_string(r.current.trials) + " seeds ok; 95% CI [" +
                        fixed(r.current.lo) + ", " + fixed(r.current.hi) + "]";
    if (r.baseline.present)
      extra += "; baseline " + fixed(r.baseline.mean) + ", difference " + fixed(r.delta) +
               " [" + fixed(r.lo) + ", " + fixed(r.hi) + "]";
    extra += "; " + std::string(verdict_name(r.verdict));
    out.push_back({{"name", r.task + "/" + r.agent + "/" + std::to_string(r.budget) + "/" +
                                r.split},
                   {"unit", "normalized score"},
                   {"value", r.current.mean},
                   {"range", "± " + fixed((r.current.hi - r.current.lo) / 2.0)},
                   {"extra", extra}});
  }
  return out;
}

}  // namespace hg
