#include "hourglass/report/report.h"

#include "hourglass/core/parallel.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "hourglass/core/error.h"
#include "hourglass/core/random.h"
#include "hourglass/metrics/generalization.h"
#include "hourglass/metrics/probit_fit.h"
#include "hourglass/results/split_names.h"
#include "hourglass/run/protocol.h"

namespace hg {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const Estimate kNoEstimate{kNaN, {kNaN, kNaN}};

bool is_ood(const std::string& split) { return is_ood_split(split); }

bool usable(const TrialRecord& t, const SplitScore& s) { return usable_score(t, s); }

template <typename T>
size_t index_of(const std::vector<T>& v, const T& x) {
  return static_cast<size_t>(std::find(v.begin(), v.end(), x) - v.begin());
}

template <typename T>
void add_unique(std::vector<T>& v, const T& x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

// The trial with its worst-ood pseudo split appended (when it has ood splits).
TrialRecord with_worst_ood(TrialRecord t) {
  const SplitScore* worst = nullptr;
  bool finite = true;
  for (const auto& s : t.splits) {
    if (!is_ood(s.split)) continue;
    finite = finite && std::isfinite(s.normalized) && std::isfinite(s.raw);
    if (!worst || s.normalized < worst->normalized) worst = &s;
  }
  if (worst) {
    SplitScore w{kWorstOodSplit, finite ? worst->raw : kNaN, finite ? worst->normalized : kNaN};
    t.splits.push_back(w);
  }
  return t;
}

using PopulationKey = std::tuple<std::string, std::string, int64_t, std::string>;

metrics::BootstrapOptions bootstrap_options(int reps, const std::string& key) {
  metrics::BootstrapOptions options;
  options.reps = reps;
  options.seed = stable_hash(key);
  return options;
}

std::string key_of(const std::string& a, const std::string& b, int64_t budget,
                   const std::string& c) {
  return a + "/" + b + "/" + std::to_string(budget) + "/" + c;
}

class ReportBuilder {
 public:
  ReportBuilder(const std::vector<ReportInput>& inputs, const ReportOptions& options) {
    report_.options = options;
    if (!(options.reps >= 1)) throw InputError("--reps: must be >= 1");
    if (!std::isfinite(options.threshold))
      throw InputError("--threshold: must be a finite normalized score");
    merge(inputs);
    if (report_.trial_records.empty()) throw InputError("no trials to report");
    index();
    check_reference();
  }

  Report build() {
    populations();
    resolve_reference();
    const ProtocolInfo& protocol = find_protocol(report_.protocol);
    if (protocol.report_rows) {  // the protocol's own tables
      report_.protocol_tables = true;
      protocol.report_rows(report_, configs_);
      return std::move(report_);
    }
    if (compact_only()) {
      compact_numbers();
      return std::move(report_);
    }
    aggregates_and_improvement();
    sample_efficiency();
    generalization();
    on_the_line();
    scaling();
    return std::move(report_);
  }

 private:
  void merge(const std::vector<ReportInput>& inputs) {
    std::map<std::tuple<std::string, std::string, int64_t, int64_t>, std::string> seen;
    std::vector<std::string> names;
    for (const auto& in : inputs) {
      ReportFile file{in.label, in.results.suite.value("name", ""),
                      in.results.suite.value("sha256", ""), in.results.trials.size()};
      if (!report_.files.empty() && file.sha256 != report_.files.front().sha256 &&
          !report_.options.allow_mixed) {
        const auto& first = report_.files.front();
        throw InputError(file.label + " and " + first.label +
                         " come from different suites (suite '" + file.suite + "' sha256 " +
                         file.sha256.substr(0, 12) + " against '" + first.suite + "' sha256 " +
                         first.sha256.substr(0, 12) +
                         "); pass --allow-mixed to report them side by side");
      }
      add_unique(names, file.suite);
      read_protocol(in);
      read_seal(in);
      for (const auto& t : in.results.trials) {
        const auto key = std::make_tuple(t.task, t.agent, t.budget, t.seed_index);
        auto [it, fresh] = seen.emplace(key, in.label);
        if (!fresh)
          throw InputError("duplicate trial (task '" + t.task + "', agent '" + t.agent +
                           "', budget " + std::to_string(t.budget) + ", seed index " +
                           std::to_string(t.seed_index) + ") in " + it->second +
                           (it->second == in.label ? "" : " and " + in.label));
        report_.trial_records.push_back(t);
        report_.failed += t.status == TrialStatus::kFailed;
        report_.diverged += t.status == TrialStatus::kDiverged;
      }
      report_.files.push_back(std::move(file));
    }
    for (const auto& n : names) report_.suite += (report_.suite.empty() ? "" : " + ") + n;
    report_.trials = report_.trial_records.size();
    // Sweeps: the tables show each (task, sweep, budget)'s chosen configuration.
    if (const auto members = sweep_members(configs_); !members.empty()) {
      Selection selection = select_configurations(report_.trial_records, members);
      report_.trial_records = std::move(selection.trials);
      report_.selection = std::move(selection.rows);
      report_.sweep_configurations = std::move(selection.configurations);
    }
  }

  // Orders (first appearance) and the canonical trial order: by task, agent,
  // budget and seed index, so the numbers do not depend on how the trials
  // were split between files.
  void index() {
    auto& r = report_;
    for (const auto& t : r.trial_records) {
      add_unique(r.tasks, t.task);
      add_unique(r.agents, t.agent);
      add_unique(r.budgets, t.budget);
    }
    std::sort(r.budgets.begin(), r.budgets.end());
    std::stable_sort(r.trial_records.begin(), r.trial_records.end(),
                     [&](const TrialRecord& a, const TrialRecord& b) {
                       return std::make_tuple(index_of(r.tasks, a.task),
                                              index_of(r.agents, a.agent), a.budget, a.seed_index) <
                              std::make_tuple(index_of(r.tasks, b.task),
                                              index_of(r.agents, b.agent), b.budget, b.seed_index);
                     });
    r.task_splits.resize(r.tasks.size());
    for (const auto& t : r.trial_records) {
      auto& splits = r.task_splits[index_of(r.tasks, t.task)];
      for (const auto& s : t.splits) add_unique(splits, s.split);
    }
    // train, test, then ood/* by name: results files keep no order of the ood
    // splits (JSON objects), so every report orders them the same way.
    auto rank = [](const std::string& n) { return n == "train" ? 0 : n == "test" ? 1 : 2; };
    auto before = [&](const std::string& a, const std::string& b) {
      return std::make_pair(rank(a), a) < std::make_pair(rank(b), b);
    };
    for (auto& splits : r.task_splits) std::sort(splits.begin(), splits.end(), before);

    // Aggregate splits: train, test, ood/* shared by two tasks or more, worst-ood.
    std::map<std::string, int> ood_count;
    bool any_ood = false;
    for (const auto& splits : r.task_splits)
      for (const auto& s : splits) {
        if (is_ood(s)) {
          ++ood_count[s];
          any_ood = true;
        }
      }
    for (const auto& splits : r.task_splits)
      for (const auto& s : splits)
        if (!is_ood(s) || ood_count[s] >= 2) add_unique(r.aggregate_splits, s);
    std::sort(r.aggregate_splits.begin(), r.aggregate_splits.end(), before);
    if (any_ood) r.aggregate_splits.push_back(kWorstOodSplit);

    for (auto& t : r.trial_records) {
      std::sort(t.splits.begin(), t.splits.end(),
                [&](const SplitScore& a, const SplitScore& b) { return before(a.split, b.split); });
      augmented_.push_back(with_worst_ood(t));
      for (const auto& s : augmented_.back().splits)
        if (usable(t, s)) scores_[{t.task, t.agent, t.budget, s.split}].push_back(s.normalized);
    }
  }

  std::string known_agents() const {
    std::string known;
    for (const auto& a : report_.agents) known += (known.empty() ? "" : ", ") + a;
    return known;
  }

  // --reference, else the suite's `reference:` key: it must name an agent.
  void check_reference() {
    auto& r = report_;
    if (!r.options.reference.empty()) {
      r.reference_source = "--reference";
      if (index_of(r.agents, r.options.reference) == r.agents.size())
        throw InputError("--reference: no agent '" + r.options.reference +
                         "' in the results (agents: " + known_agents() + ")");
      return;
    }
    for (const auto& config : configs_) {
      const auto it = config.find("reference");
      if (it == config.end() || !it->is_string()) continue;
      std::string name = it->get<std::string>();
      // A sweep chosen by the oracle shows as "<sweep> (oracle)" (report/selection.h).
      if (index_of(r.agents, name) == r.agents.size() &&
          index_of(r.agents, selected_agent_name(name, "oracle")) < r.agents.size())
        name = selected_agent_name(name, "oracle");
      if (index_of(r.agents, name) == r.agents.size()) continue;  // filtered out of these results
      r.options.reference = name;
      r.reference_source = "suite key 'reference'";
      return;
    }
  }

  // Without --reference or a suite key: the agent with the highest mean
  // (over tasks) AUC of its test curve that is not a trivial learner.
  void resolve_reference() {
    auto& r = report_;
    if (!r.options.reference.empty()) return;
    std::map<std::string, std::string> learner_of;
    for (const auto& config : configs_) {
      const auto agents = config.find("agents");
      if (agents == config.end() || !agents->is_array()) continue;
      for (const auto& a : *agents)
        if (a.is_object() && a.contains("name") && a["name"].is_string() &&
            a.contains("learner") && a["learner"].is_string())
          learner_of[a["name"].get<std::string>()] = a["learner"].get<std::string>();
    }
    auto trivial = [&](const std::string& agent) {
      const auto it = learner_of.find(agent);
      return it != learner_of.end() && r.options.is_trivial_learner &&
             r.options.is_trivial_learner(it->second);
    };
    double best = -std::numeric_limits<double>::infinity();
    std::string best_agent, first_candidate;
    for (const auto& agent : r.agents) {
      if (trivial(agent)) continue;
      if (first_candidate.empty()) first_candidate = agent;
      double total = 0.0;
      int tasks = 0;
      for (const auto& task : r.tasks) {
        const EfficiencyRow curve = task_curve(task, agent, "test");
        if (curve.budgets.empty()) continue;
        total += metrics::auc_log_budget(as_doubles(curve.budgets), curve.means);
        ++tasks;
      }
      if (tasks > 0 && total / tasks > best) {
        best = total / tasks;
        best_agent = agent;
      }
    }
    if (best_agent.empty()) best_agent = first_candidate;  // no test curve at all
    r.options.reference = best_agent;
    r.reference_source = best_agent.empty() ? "none: every agent is a trivial learner"
                                            : "highest AUC on test";
  }

  const std::vector<double>* scores(const std::string& task, const std::string& agent,
                                    int64_t budget, const std::string& split) const {
    auto it = scores_.find({task, agent, budget, split});
    return it == scores_.end() ? nullptr : &it->second;
  }

  const PopulationSummary* population(const std::string& task, const std::string& agent,
                                      int64_t budget, const std::string& split) const {
    auto it = population_index_.find({task, agent, budget, split});
    return it == population_index_.end() ? nullptr : &all_populations_[it->second];
  }

  bool task_has_split(size_t task, const std::string& split) const {
    if (split == kWorstOodSplit) {
      for (const auto& s : report_.task_splits[task])
        if (is_ood(s)) return true;
      return false;
    }
    return index_of(report_.task_splits[task], split) < report_.task_splits[task].size();
  }

  bool compact_only() const {
    return report_.options.compact_numbers_only &&
           report_.options.detail == ReportDetail::kCompact &&
           !find_protocol(report_.protocol).report_rows;
  }

  // What the compact text shows, without intervals: the aggregate rows' four
  // values, and per population the mean of its worst-OOD scores (the
  // generalization row's worst_ood value; the rest of the row is left empty).
  void compact_numbers() {
    auto& r = report_;
    for (const auto& split : r.aggregate_splits)
      for (const auto& agent : r.agents)
        for (int64_t budget : r.budgets) {
          AggregateRow row;
          row.agent = agent;
          row.budget = budget;
          row.split = split;
          std::vector<std::vector<double>> runs_by_task;
          std::vector<double> pooled;
          for (size_t t = 0; t < r.tasks.size(); ++t) {
            if (!task_has_split(t, split)) continue;
            ++row.tasks_expected;
            const auto* s = scores(r.tasks[t], agent, budget, split);
            if (!s || s->empty()) continue;
            runs_by_task.push_back(*s);
            pooled.insert(pooled.end(), s->begin(), s->end());
            row.runs += static_cast<int>(s->size());
            row.task_runs.emplace_back(r.tasks[t], static_cast<int>(s->size()));
          }
          row.unequal_tasks = unequal_tasks(row.task_runs);
          row.tasks = static_cast<int>(runs_by_task.size());
          if (runs_by_task.empty()) continue;
          row.seed = stable_hash("aggregate/" + agent + "/" + std::to_string(budget) + "/" + split);
          row.iqm = {metrics::iqm(pooled), {kNaN, kNaN}};
          row.mean = {metrics::aggregate_mean(runs_by_task), {kNaN, kNaN}};
          row.median = {metrics::aggregate_median(runs_by_task), {kNaN, kNaN}};
          row.optimality_gap = {metrics::optimality_gap(pooled), {kNaN, kNaN}};
          r.aggregates.push_back(std::move(row));
        }
    for (const auto& t : r.trial_records) {  // one row per population, in canonical order
      if (!r.generalization.empty() && r.generalization.back().task == t.task &&
          r.generalization.back().agent == t.agent && r.generalization.back().budget == t.budget)
        continue;
      GeneralizationRow row;
      row.task = t.task;
      row.agent = t.agent;
      row.budget = t.budget;
      row.gap = row.worst_ood = {"", kNoEstimate, 0};
      if (const auto* s = scores(t.task, t.agent, t.budget, kWorstOodSplit)) {
        row.worst_ood = {kWorstOodSplit, {metrics::mean(*s), {kNaN, kNaN}},
                         static_cast<int>(s->size())};
      }
      r.generalization.push_back(std::move(row));
    }
  }

  void populations() {
    if (compact_only()) {  // means only: one replicate, and no interval shown
      all_populations_ = summarize(augmented_, 1);
      for (auto& p : all_populations_) p.lo = p.hi = kNaN;
    } else {
      all_populations_ = summarize(augmented_, report_.options.reps);
    }
    for (size_t i = 0; i < all_populations_.size(); ++i) {
      const auto& p = all_populations_[i];
      population_index_[{p.task, p.agent, p.budget, p.split}] = i;
      if (p.split != kWorstOodSplit) report_.populations.push_back(p);
    }
  }

  // The aggregates and the probability of improvement, per (split, budget)
  // from one set of replicates (metrics::stratified_bootstrap_agents): each
  // agent's resamples, seeded as its aggregate row, give its four aggregates
  // and the replicates of every pair it is in.
  void aggregates_and_improvement() {
    auto& r = report_;
    struct Group {
      std::vector<metrics::AgentRuns> agents;      // r.agents' order, runs on r.tasks
      std::vector<size_t> aggregate_row;           // per agent; SIZE_MAX: no row
      std::vector<std::pair<size_t, size_t>> cell;  // (x, y) of each improvement cell
      size_t first_cell = 0;
    };
    std::vector<Group> groups;
    std::map<std::pair<std::string, int64_t>, size_t> group_of;
    for (const auto& split : r.aggregate_splits)
      for (int64_t budget : r.budgets) {
        group_of[{split, budget}] = groups.size();
        Group g;
        for (const auto& agent : r.agents) {
          metrics::AgentRuns runs;
          runs.seed =
              stable_hash("aggregate/" + agent + "/" + std::to_string(budget) + "/" + split);
          for (size_t t = 0; t < r.tasks.size(); ++t) {
            const auto* s = task_has_split(t, split) ? scores(r.tasks[t], agent, budget, split)
                                                     : nullptr;
            runs.runs_by_task.push_back(s ? *s : std::vector<double>{});
          }
          g.agents.push_back(std::move(runs));
          g.aggregate_row.push_back(SIZE_MAX);
        }
        groups.push_back(std::move(g));
      }
    // The rows in their order: aggregates by split, agent, budget.
    for (const auto& split : r.aggregate_splits)
      for (size_t a = 0; a < r.agents.size(); ++a)
        for (int64_t budget : r.budgets) {
          AggregateRow row;
          row.agent = r.agents[a];
          row.budget = budget;
          row.split = split;
          int with_runs = 0;
          for (size_t t = 0; t < r.tasks.size(); ++t) {
            if (!task_has_split(t, split)) continue;
            ++row.tasks_expected;
            const auto* s = scores(r.tasks[t], row.agent, budget, split);
            if (!s || s->empty()) continue;
            ++with_runs;
            row.runs += static_cast<int>(s->size());
            row.task_runs.emplace_back(r.tasks[t], static_cast<int>(s->size()));
          }
          row.unequal_tasks = unequal_tasks(row.task_runs);
          row.tasks = with_runs;
          if (with_runs == 0) continue;
          Group& g = groups[group_of[{split, budget}]];
          row.seed = g.agents[a].seed;
          g.aggregate_row[a] = r.aggregates.size();
          r.aggregates.push_back(row);
        }
    // The cells in their order: by split, budget, X, Y.
    for (auto& g : groups) {
      g.first_cell = r.improvement.size();
      const size_t index = static_cast<size_t>(&g - groups.data());
      for (size_t x = 0; x < r.agents.size(); ++x)
        for (size_t y = 0; y < r.agents.size(); ++y) {
          if (x == y || g.aggregate_row[x] == SIZE_MAX || g.aggregate_row[y] == SIZE_MAX)
            continue;
          int shared = 0;
          for (size_t t = 0; t < r.tasks.size(); ++t)
            shared += !g.agents[x].runs_by_task[t].empty() && !g.agents[y].runs_by_task[t].empty();
          if (shared == 0) continue;
          g.cell.emplace_back(x, y);
          r.improvement.push_back({r.aggregate_splits[index / r.budgets.size()],
                                   r.budgets[index % r.budgets.size()], r.agents[x], r.agents[y],
                                   shared, kNoEstimate});
        }
    }
    // Each group's replicates come from its agents' seeds: the same numbers
    // on any number of threads.
    parallel_for(groups.size(), [&](size_t i) {
      const Group& g = groups[i];
      const auto estimates = metrics::stratified_bootstrap_agents(g.agents, r.options.reps);
      for (size_t a = 0; a < g.agents.size(); ++a) {
        if (g.aggregate_row[a] == SIZE_MAX) continue;
        auto& row = r.aggregates[g.aggregate_row[a]];
        const auto& e = *estimates.aggregates[a];
        row.iqm = e.iqm;
        row.mean = e.mean;
        row.median = e.median;
        row.optimality_gap = e.optimality_gap;
      }
      for (size_t c = 0; c < g.cell.size(); ++c) {
        const auto [x, y] = g.cell[c];
        r.improvement[g.first_cell + c].p = estimates.improvement[x][y];
      }
    });
  }

  // The tasks whose count of ok runs differs from the most common count
  // (ties: the larger count); empty when all are equal.
  static std::vector<std::string> unequal_tasks(
      const std::vector<std::pair<std::string, int>>& task_runs) {
    std::map<int, int> frequency;
    for (const auto& [task, n] : task_runs) ++frequency[n];
    int mode = 0, most = 0;
    for (const auto& [n, count] : frequency)
      if (count >= most) {
        most = count;
        mode = n;
      }
    std::vector<std::string> out;
    for (const auto& [task, n] : task_runs)
      if (n != mode) out.push_back(task);
    return out;
  }

  // The curve of one (task, agent, split): every budget with an ok mean.
  EfficiencyRow task_curve(const std::string& task, const std::string& agent,
                           const std::string& split) const {
    EfficiencyRow row;
    row.task = task;
    row.agent = agent;
    row.split = split;
    for (int64_t budget : report_.budgets) {
      const auto* p = population(task, agent, budget, split);
      if (!p || p->ok == 0) continue;
      row.budgets.push_back(budget);
      row.means.push_back(p->mean);
      row.lo.push_back(p->lo);
      row.hi.push_back(p->hi);
    }
    return row;
  }

  // The curve of the aggregate IQM: budgets where every task has runs.
  EfficiencyRow aggregate_curve(const std::string& agent, const std::string& split) const {
    EfficiencyRow row;
    row.agent = agent;
    row.split = split;
    for (const auto& a : report_.aggregates) {
      if (a.agent != agent || a.split != split || a.tasks != a.tasks_expected) continue;
      row.budgets.push_back(a.budget);
      row.means.push_back(a.iqm.value);
      row.lo.push_back(a.iqm.ci.lo);
      row.hi.push_back(a.iqm.ci.hi);
    }
    return row;
  }

  static std::vector<double> as_doubles(const std::vector<int64_t>& v) {
    return {v.begin(), v.end()};
  }

  // AUC, samples to threshold and practice multipliers of the curves of one
  // (task, split), in agent order.
  void summarize_curves(std::vector<EfficiencyRow> rows) {
    const EfficiencyRow* ref = nullptr;
    for (const auto& row : rows)
      if (row.agent == report_.options.reference && !row.budgets.empty()) ref = &row;
    for (auto& row : rows) {
      if (row.budgets.empty()) continue;
      const auto budgets = as_doubles(row.budgets);
      row.auc = metrics::auc_log_budget(budgets, row.means);
      row.to_threshold =
          metrics::samples_to_threshold(budgets, row.means, report_.options.threshold);
      if (ref && &row != ref) {
        for (size_t i = 0; i < row.budgets.size(); ++i)
          row.multiplier.push_back(metrics::practice_multiplier(
              budgets, row.means, i, as_doubles(ref->budgets), ref->means));
      }
    }
    for (auto& row : rows)
      if (!row.budgets.empty()) report_.sample_efficiency.push_back(std::move(row));
  }

  void sample_efficiency() {
    const auto& r = report_;
    for (size_t t = 0; t < r.tasks.size(); ++t) {
      std::vector<std::string> splits = r.task_splits[t];
      if (task_has_split(t, kWorstOodSplit)) splits.push_back(kWorstOodSplit);
      for (const auto& split : splits) {
        std::vector<EfficiencyRow> rows;
        for (const auto& agent : r.agents) rows.push_back(task_curve(r.tasks[t], agent, split));
        summarize_curves(std::move(rows));
      }
    }
    for (const auto& split : r.aggregate_splits) {
      std::vector<EfficiencyRow> rows;
      for (const auto& agent : r.agents) rows.push_back(aggregate_curve(agent, split));
      summarize_curves(std::move(rows));
    }
  }

  SplitEstimate per_trial(const std::string& split, const std::vector<double>& values,
                          const std::string& seed_key) const {
    SplitEstimate e{split, kNoEstimate, static_cast<int>(values.size())};
    if (!values.empty())
      e.estimate =
          metrics::bootstrap_mean(values, bootstrap_options(report_.options.reps, seed_key));
    return e;
  }

  void generalization() {
    auto& r = report_;
    // The trials of each population, in canonical order.
    std::map<std::tuple<std::string, std::string, int64_t>, std::vector<const TrialRecord*>> pops;
    std::vector<std::tuple<std::string, std::string, int64_t>> order;
    for (const auto& t : augmented_) {
      auto key = std::make_tuple(t.task, t.agent, t.budget);
      auto& v = pops[key];
      if (v.empty()) order.push_back(key);
      v.push_back(&t);
    }
    // One row per population, each bootstrap seeded by its own name: in
    // parallel, the same numbers.
    r.generalization.resize(order.size());
    parallel_for(order.size(), [&](size_t i) {
      const auto& key = order[i];
      const auto& [task, agent, budget] = key;
      const auto& splits = r.task_splits[index_of(r.tasks, task)];
      const std::string base = "generalization/" + key_of(task, agent, budget, "");
      auto values = [&](const std::string& a, const std::string& b, auto&& f) {
        std::vector<double> out;
        for (const TrialRecord* t : pops.at(key)) {
          const SplitScore* sa = t->find_split(a);
          const SplitScore* sb = b.empty() ? sa : t->find_split(b);
          if (sa && sb && usable(*t, *sa) && usable(*t, *sb))
            out.push_back(f(sa->normalized, sb->normalized));
        }
        return out;
      };
      GeneralizationRow row;
      row.task = task;
      row.agent = agent;
      row.budget = budget;
      row.gap =
          per_trial("train", values("train", "test", metrics::generalization_gap), base + "gap");
      const auto* test = population(task, agent, budget, "test");
      for (const auto& split : splits) {
        if (!is_ood(split)) continue;
        row.ood_drop.push_back(
            per_trial(split, values("test", split, metrics::ood_drop), base + "drop/" + split));
        const auto* ood = population(task, agent, budget, split);
        const bool known = test && ood && test->ok > 0 && ood->ok > 0;
        row.transfer_ratio.emplace_back(
            split, known ? metrics::transfer_ratio(test->mean, ood->mean) : kNaN);
      }
      if (!row.ood_drop.empty())
        row.worst_ood = per_trial(kWorstOodSplit,
                                  values(kWorstOodSplit, "", [](double a, double) { return a; }),
                                  base + "worst-ood");
      r.generalization[i] = std::move(row);
    });
  }

  void on_the_line() {
    auto& r = report_;
    for (size_t t = 0; t < r.tasks.size(); ++t)
      for (const auto& split : r.task_splits[t]) {
        if (!is_ood(split)) continue;
        OnTheLine line;
        line.task = r.tasks[t];
        line.split = split;
        line.clip = metrics::kProbitClip;
        std::vector<double> xs, ys;
        std::set<double> distinct_x;
        for (const auto& agent : r.agents)
          for (int64_t budget : r.budgets) {
            const auto* test = population(line.task, agent, budget, "test");
            const auto* ood = population(line.task, agent, budget, split);
            if (!test || !ood || test->ok == 0 || ood->ok == 0) continue;
            line.points.push_back({agent, budget, test->mean, ood->mean});
            xs.push_back(test->mean);
            ys.push_back(ood->mean);
            distinct_x.insert(metrics::clip_unit(test->mean, line.clip));
          }
        if (distinct_x.size() >= 2) {
          const auto fit = metrics::probit_fit(xs, ys, line.clip);
          line.slope = fit.slope;
          line.intercept = fit.intercept;
          if (std::isfinite(fit.r2)) line.r2 = fit.r2;
        }
        r.on_the_line.push_back(std::move(line));
      }
  }

  void scaling() {
    auto& r = report_;
    std::vector<std::vector<std::vector<double>>> data;  // runs by budget, per row
    for (size_t t = 0; t < r.tasks.size(); ++t)
      for (const auto& agent : r.agents)
        for (const auto& split : r.task_splits[t]) {
          ScalingRow row;
          row.task = r.tasks[t];
          row.agent = agent;
          row.split = split;
          std::vector<std::vector<double>> runs;
          for (int64_t budget : r.budgets) {
            const auto* s = scores(row.task, agent, budget, split);
            if (!s || s->empty()) continue;
            row.budgets.push_back(budget);
            runs.push_back(*s);
          }
          if (row.budgets.size() < 2) continue;
          r.scaling.push_back(std::move(row));
          data.push_back(std::move(runs));
        }
    const int reps = std::min(r.options.reps, kScalingBootstrapReps);
    parallel_for(data.size(), [&](size_t i) {
      auto& row = r.scaling[i];
      const auto options = bootstrap_options(
          reps, "scaling/" + row.task + "/" + row.agent + "/" + row.split);
      row.seed = options.seed;
      const auto estimate =
          metrics::fit_power_law_bootstrap(as_doubles(row.budgets), data[i], options);
      row.fit = estimate.fit;
      row.alpha_ci = estimate.alpha_ci;
      row.reps = reps;
      row.kept = estimate.kept;
      row.budget_to_threshold =
          metrics::power_law_budget_to_reach(row.fit, r.options.threshold);
    });
  }

  // The protocol of every file must be the same; the protocol's report reads
  // the resolved configs (e.g. the stage order of a stream: trial splits are
  // JSON objects, without order).
  void read_protocol(const ReportInput& in) {
    std::string protocol = default_protocol().name;
    const auto config = in.results.suite.find("config");
    if (config != in.results.suite.end() && config->is_object()) {
      if (auto p = config->find("protocol"); p != config->end() && p->is_string())
        protocol = p->get<std::string>();
      configs_.push_back(*config);
    }
    if (report_.files.empty()) {
      report_.protocol = protocol;
    } else if (protocol != report_.protocol) {
      throw InputError(in.label + ": protocol '" + protocol + "' differs from '" +
                       report_.protocol + "' of " + report_.files.front().label +
                       "; report results of different protocols separately");
    }
  }

  // Sealed splits: scores drawn with different seal keys never meet in one report.
  void read_seal(const ReportInput& in) {
    const std::string fingerprint = seal_fingerprint_of(in.results);
    for (const auto& [task, splits] : sealed_splits_of(in.results.suite))
      report_.sealed[task].insert(splits.begin(), splits.end());
    if (fingerprint == "none") report_.sealed_skipped = true;
    if (fingerprint.empty() || fingerprint == "none") return;
    if (!report_.seal_fingerprint.empty() && report_.seal_fingerprint != fingerprint)
      throw InputError(in.label + ": its sealed splits were drawn with seal key fingerprint " +
                       fingerprint + ", an earlier file's with " + report_.seal_fingerprint +
                       "; report runs made with the same seal key together");
    report_.seal_fingerprint = fingerprint;
  }

  Report report_;
  std::vector<nlohmann::json> configs_;  // suite.config of every file read (objects only)
  std::vector<TrialRecord> augmented_;                   // trials with their worst-ood pseudo split
  std::map<PopulationKey, std::vector<double>> scores_;  // ok normalized scores
  std::vector<PopulationSummary> all_populations_;       // worst-ood included
  std::map<PopulationKey, size_t> population_index_;
};

}  // namespace

ReportDetail parse_report_detail(const std::string& name) {
  if (name == "compact") return ReportDetail::kCompact;
  if (name == "full") return ReportDetail::kFull;
  throw InputError("--report: expected compact or full, got '" + name + "'");
}

bool is_builtin_trivial_learner(const std::string& learner) {
  return learner == "constant" || learner == "random";
}

Report build_report(const std::vector<ReportInput>& inputs, const ReportOptions& options) {
  return ReportBuilder(inputs, options).build();
}

}  // namespace hg
