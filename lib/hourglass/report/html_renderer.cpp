// html: one self-contained page (no scripts, no network, no external fonts)
// with inline SVG plots and the report's tables. docs/reports.md explains how
// to read each plot.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "hourglass/metrics/probit_fit.h"
#include "hourglass/report/formats.h"
#include "hourglass/report/svg.h"
#include "hourglass/report/text_report.h"

namespace hg::report {
namespace {

using svg::escape;

// Normalized scores below this are drawn at the bottom edge of the score
// axes (the plots say so): far below the trivial reference, the size of the
// failure no longer matters for reading the plot, and it would squash the
// range where learners differ.
constexpr double kScoreFloor = -1.0;

std::string clipped_note() { return "▼ below " + svg::num(kScoreFloor) + ": drawn at the edge"; }

constexpr const char* kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif;
       color: #1a1a1a; background: #fafafa; margin: 0; }
main { max-width: 1360px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 20px; margin: 32px 0 6px; border-bottom: 2px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p.how { max-width: 1000px; color: #333; line-height: 1.45; margin: 4px 0 10px; }
ul.preamble { margin: 4px 0 8px; padding-left: 20px; color: #333; }
nav a { margin-right: 14px; }
.panels { display: flex; flex-wrap: wrap; gap: 10px; }
.panels svg.plot { background: #fff; border: 1px solid #e2e2e2; border-radius: 4px; }
svg.legend { display: block; margin: 4px 0; }
table { border-collapse: collapse; margin: 4px 0 8px; background: #fff; font-size: 13px; }
th, td { border-bottom: 1px solid #e5e5e5; padding: 3px 10px; text-align: left; white-space: nowrap; }
th { border-bottom: 2px solid #999; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td { font-variant-numeric: tabular-nums; }
p.caption { margin: 2px 0; color: #555; font-style: italic; font-size: 13px; }
p.note { margin: 2px 0 10px; color: #555; font-size: 13px; }
)";

double log_budget(double b) { return std::log10(b); }

double clamp_score(double v, bool& clipped) {
  if (v < kScoreFloor) {
    clipped = true;
    return kScoreFloor;
  }
  return v;
}

// The x axis of log budget over all the report's budgets.
svg::Axis budget_axis(const Report& r) {
  svg::Axis axis;
  const double lo = log_budget(static_cast<double>(r.budgets.front()));
  const double hi = log_budget(static_cast<double>(r.budgets.back()));
  const double pad = hi > lo ? 0.08 * (hi - lo) : 0.5;
  axis.lo = lo - pad;
  axis.hi = hi + pad;
  axis.label = "budget (samples, log scale)";
  for (int64_t b : r.budgets)
    axis.ticks.push_back(
        {log_budget(static_cast<double>(b)), svg::budget_label(static_cast<double>(b))});
  return axis;
}

// A score axis that covers [0, 1], the data and a little room, never below
// kScoreFloor.
svg::Axis score_axis(double data_lo, double data_hi, const std::string& label) {
  double lo = std::max(kScoreFloor, std::min(0.0, data_lo));
  double hi = std::max(1.0, data_hi);
  const double pad = 0.05 * (hi - lo);
  svg::Axis axis{lo - pad, hi + pad, label, svg::linear_ticks(lo, hi, 5)};
  return axis;
}

std::string budget_text(int64_t b) { return std::to_string(b); }

class HtmlRenderer final : public Renderer {
 public:
  void render(const Report& r, std::ostream& out) const override {
    const TextReport text = text_report(r);
    out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        << "<title>" << escape(text.title) << "</title>\n<style>" << kStyle << "</style>\n"
        << "</head>\n<body>\n<main>\n<h1>" << escape(text.title)
        << "</h1>\n<ul class=\"preamble\">\n";
    for (const auto& line : text.preamble) out << "<li>" << escape(line) << "</li>\n";
    if (r.protocol_tables) {  // a protocol's own tables (and the R matrix heatmaps)
      out << "</ul>\n<nav>";
      if (!r.continual.empty()) out << "<a href=\"#heatmaps\">R matrix heatmaps</a>";
      if (!r.deployment.empty()) out << "<a href=\"#prequential\">Prequential curves</a>";
      for (const auto& section : text.sections)
        out << "<a href=\"#" << section.id << "\">" << escape(section.title) << "</a>";
      out << "</nav>\n";
      if (!r.continual.empty()) continual_heatmaps(r, out);
      if (!r.deployment.empty()) prequential_curves(r, out);
      tables(text, out);
      out << "</main>\n</body>\n</html>\n";
      return;
    }
    out << "</ul>\n<nav><a href=\"#curves\">Sample-efficiency curves</a>"
        << "<a href=\"#on-the-line\">Test vs OOD</a><a href=\"#aggregate-iqm\">Aggregate IQM</a>"
        << "<a href=\"#improvement\">Probability of improvement</a>";
    for (const auto& section : text.sections)
      out << "<a href=\"#" << section.id << "\">" << escape(section.title) << "</a>";
    out << "</nav>\n";
    curves(r, out);
    on_the_line(r, out);
    aggregate_iqm(r, out);
    improvement(r, out);
    tables(text, out);
    out << "</main>\n</body>\n</html>\n";
  }

 private:
  static std::string agent_legend(const Report& r, double width, const std::string& extra = "") {
    std::vector<svg::LegendEntry> entries;
    for (size_t a = 0; a < r.agents.size(); ++a)
      entries.push_back({r.agents[a] + (r.agents[a] == extra ? " (reference)" : ""),
                         svg::series_colour(a), svg::Shape::kCircle, true});
    return svg::legend(entries, width, "agents:");
  }

  static void curves(const Report& r, std::ostream& out) {
    char tau[32];
    std::snprintf(tau, sizeof tau, "%g", r.options.threshold);
    out << "<section id=\"curves\">\n<h2>Sample-efficiency curves</h2>\n<p class=\"how\">Mean "
           "normalized score over seeds against the sample budget (log scale), one panel per "
           "task and split, one line per agent; the band is the 95% bootstrap interval of the "
           "mean. 0 is the trivial reference, 1 the optimal one; the dashed line at "
        << tau
        << " is the threshold of \"samples to threshold\". A curve further left reaches a score "
           "with less practice. worst-ood is, per trial, the lowest score over the OOD splits. "
           "The thin dashed line of an agent's colour is its fitted power law of the error, "
           "1 - (a n^-alpha + c) (section Scaling with the budget). Scores below "
        << kScoreFloor << " are drawn at the bottom edge (hover a point for its value).</p>\n"
        << agent_legend(r, 900);
    int id = 0;
    std::vector<std::string> titles;
    for (size_t t = 0; t <= r.tasks.size(); ++t) {
      const bool all = t == r.tasks.size();
      const std::string task = all ? "" : r.tasks[t];
      std::vector<std::string> splits;
      for (const auto& e : r.sample_efficiency)
        if (e.task == task && std::find(splits.begin(), splits.end(), e.split) == splits.end())
          splits.push_back(e.split);
      if (splits.empty()) continue;
      out << "<h3>" << escape(all ? "all tasks (IQM of the normalized scores)" : task)
          << "</h3>\n<div class=\"panels\">\n";
      for (const auto& split : splits) {
        double lo = 0.0, hi = 1.0;
        for (const auto& e : r.sample_efficiency)
          if (e.task == task && e.split == split)
            for (size_t i = 0; i < e.budgets.size(); ++i) {
              lo = std::min({lo, e.means[i], std::isfinite(e.lo[i]) ? e.lo[i] : e.means[i]});
              hi = std::max({hi, e.means[i], std::isfinite(e.hi[i]) ? e.hi[i] : e.means[i]});
            }
        svg::Chart chart("curve" + std::to_string(id++), 252, 250, split, budget_axis(r),
                         score_axis(lo, hi, all ? "IQM normalized score" : "normalized score"));
        chart.reference_line(r.options.threshold, std::string("τ = ") + tau, "4 3", true);
        chart.reference_line(0.0, "trivial", "2 3");
        chart.reference_line(1.0, "optimal", "2 3");
        bool clipped = false;
        for (const auto& e : r.sample_efficiency) {
          if (e.task != task || e.split != split) continue;
          const size_t a = static_cast<size_t>(
              std::find(r.agents.begin(), r.agents.end(), e.agent) - r.agents.begin());
          const auto& colour = svg::series_colour(a);
          std::vector<double> xs, ms, los, his;
          for (size_t i = 0; i < e.budgets.size(); ++i) {
            xs.push_back(log_budget(static_cast<double>(e.budgets[i])));
            ms.push_back(clamp_score(e.means[i], clipped));
            los.push_back(clamp_score(std::isfinite(e.lo[i]) ? e.lo[i] : e.means[i], clipped));
            his.push_back(clamp_score(std::isfinite(e.hi[i]) ? e.hi[i] : e.means[i], clipped));
          }
          chart.band(xs, los, his, colour);
          chart.polyline(xs, ms, colour, 2.2);
          for (const auto& s : r.scaling) {  // the fitted curve, over the fitted budgets
            if (s.task != task || s.agent != e.agent || s.split != split || !s.fit.ok) continue;
            std::vector<double> fx, fy;
            const double lo_n = static_cast<double>(s.budgets.front());
            const double hi_n = static_cast<double>(s.budgets.back());
            for (int k = 0; k <= 40; ++k) {
              const double n = lo_n * std::pow(hi_n / lo_n, k / 40.0);
              fx.push_back(log_budget(n));
              fy.push_back(clamp_score(metrics::power_law_score(s.fit, n), clipped));
            }
            chart.polyline(fx, fy, colour, 1.2, "5 3");
          }
          for (size_t i = 0; i < xs.size(); ++i)
            chart.marker(xs[i], ms[i], colour,
                         e.means[i] < kScoreFloor ? svg::Shape::kTriangleDown : svg::Shape::kCircle,
                         3.5,
                         e.agent + " at " + budget_text(e.budgets[i]) + ": " +
                             format_estimate({e.means[i], {e.lo[i], e.hi[i]}}));
        }
        if (clipped) chart.subtitle(clipped_note());
        out << chart.str("curve");
      }
      out << "</div>\n";
    }
    out << "</section>\n";
  }

  static void on_the_line(const Report& r, std::ostream& out) {
    if (r.on_the_line.empty()) return;
    const double clip = metrics::kProbitClip;
    out << "<section id=\"on-the-line\">\n<h2>Test against OOD: accuracy on the line</h2>\n"
           "<p class=\"how\">One point per agent (colour) and budget (shape): the population's "
           "mean normalized score on test (x) against an OOD split (y), both on the probit "
           "scale (Miller et al. 2021, \"Accuracy on the Line\"). Normalized scores are clipped "
           "into ["
        << clip << ", " << 1 - clip
        << "] first, because the probit exists only inside (0, 1): a point on the left or "
           "bottom edge scored at or below the trivial reference. The solid line is the least-"
           "squares fit of probit(OOD) on probit(test) with its R²; the dashed diagonal is "
           "OOD = test. Points far below the diagonal lose much under the shift; a point above "
           "the fitted line generalizes better out of distribution than its test score "
           "predicts.</p>\n"
        << agent_legend(r, 900);
    std::vector<svg::LegendEntry> shapes;
    for (size_t b = 0; b < r.budgets.size(); ++b)
      shapes.push_back({budget_text(r.budgets[b]), "#555", svg::series_shape(b), false});
    out << svg::legend(shapes, 900, "budgets:") << "<div class=\"panels\">\n";
    const double edge = metrics::probit(1 - clip);  // 3.09 for clip = 0.001
    svg::Axis axis{-edge - 0.25, edge + 0.25, "", {}};
    for (double p : {clip, 0.02, 0.16, 0.5, 0.84, 0.98, 1 - clip}) {  // probit -3.1, -2, ..., 3.1
      char label[16];
      std::snprintf(label, sizeof label, "%g", p);
      axis.ticks.push_back({metrics::probit(p), label});
    }
    int id = 0;
    for (const auto& line : r.on_the_line) {
      svg::Axis x = axis, y = axis;
      x.label = "test (normalized, probit scale)";
      y.label = line.split + " (normalized, probit scale)";
      svg::Chart chart("line" + std::to_string(id++), 316, 310, line.task + " · " + line.split, x,
                       y);
      chart.segment(x.lo, x.lo, x.hi, x.hi, "#999", 1.0, "5 4");
      if (line.slope && line.intercept)
        chart.segment(x.lo, *line.intercept + *line.slope * x.lo, x.hi,
                      *line.intercept + *line.slope * x.hi, "#222", 1.6);
      for (const auto& p : line.points) {
        const size_t a = static_cast<size_t>(std::find(r.agents.begin(), r.agents.end(), p.agent) -
                                             r.agents.begin());
        const size_t b = static_cast<size_t>(
            std::find(r.budgets.begin(), r.budgets.end(), p.budget) - r.budgets.begin());
        chart.marker(metrics::probit(metrics::clip_unit(p.test, clip)),
                     metrics::probit(metrics::clip_unit(p.ood, clip)), svg::series_colour(a),
                     svg::series_shape(b), 5.5,
                     p.agent + " at " + budget_text(p.budget) + ": test " + format_score(p.test) +
                         ", " + line.split + " " + format_score(p.ood));
      }
      if (line.slope && line.intercept) {
        char fit[96];
        std::snprintf(fit, sizeof fit, "probit fit: slope %.2f, intercept %.2f", *line.slope,
                      *line.intercept);
        chart.note(fit, 0);
        chart.note("R² = " + (line.r2 ? format_score(*line.r2) : std::string("n/a")) + " (" +
                       std::to_string(line.points.size()) + " points)",
                   1);
      } else {
        chart.note("no fit: fewer than 2 distinct test scores", 0);
      }
      out << chart.str("scatter");
    }
    out << "</div>\n</section>\n";
  }

  static void aggregate_iqm(const Report& r, std::ostream& out) {
    out << "<section id=\"aggregate-iqm\">\n<h2>Aggregate IQM over tasks</h2>\n<p class=\"how\">"
           "Interquartile mean of the normalized scores of all runs of all tasks (the mean of "
           "the middle 50%), per agent and budget, with its 95% stratified bootstrap interval "
           "(runs resampled within each task). Intervals that overlap much do not separate the "
           "agents; the probability of improvement below says how often one beats the other.</p>\n"
        << agent_legend(r, 900) << "<div class=\"panels\">\n";
    int id = 0;
    for (const auto& split : r.aggregate_splits) {
      std::vector<const AggregateRow*> rows;
      for (int64_t b : r.budgets)
        for (const auto& a : r.aggregates)
          if (a.split == split && a.budget == b) rows.push_back(&a);
      if (rows.empty()) continue;
      double lo = 0.0, hi = 1.0;
      size_t longest = 0;
      for (const auto* a : rows) {
        lo = std::min(lo, a->iqm.ci.lo);
        hi = std::max(hi, a->iqm.ci.hi);
        longest =
            std::max(longest, a->agent.size() +
                                  svg::budget_label(static_cast<double>(a->budget)).size() + 4);
      }
      const double n = static_cast<double>(rows.size());
      svg::Axis y{0.0, n, "", {}};
      for (size_t i = 0; i < rows.size(); ++i)
        y.ticks.push_back(
            {n - static_cast<double>(i) - 0.5,
             rows[i]->agent + " @ " + svg::budget_label(static_cast<double>(rows[i]->budget))});
      svg::Axis x = score_axis(lo, hi, "IQM normalized score");
      svg::Chart chart("iqm" + std::to_string(id++), 420, 70 + 22 * n, split, x, y,
                       24 + 6.2 * static_cast<double>(longest));
      chart.segment(0.0, 0.0, 0.0, n, "#777", 1.0, "2 3");
      chart.segment(1.0, 0.0, 1.0, n, "#777", 1.0, "2 3");
      bool clipped = false;
      for (size_t i = 0; i < rows.size(); ++i) {
        const auto& a = *rows[i];
        const size_t k = static_cast<size_t>(std::find(r.agents.begin(), r.agents.end(), a.agent) -
                                             r.agents.begin());
        const double at = n - static_cast<double>(i) - 0.5;
        const double l = clamp_score(a.iqm.ci.lo, clipped), h = clamp_score(a.iqm.ci.hi, clipped);
        chart.segment(l, at, h, at, svg::series_colour(k), 6.0);
        chart.marker(clamp_score(a.iqm.value, clipped), at, svg::series_colour(k),
                     a.iqm.value < kScoreFloor ? svg::Shape::kTriangleDown : svg::Shape::kDiamond,
                     5.0,
                     a.agent + " at " + budget_text(a.budget) + ": IQM " + format_estimate(a.iqm) +
                         " over " + std::to_string(a.tasks) + " task(s), " +
                         std::to_string(a.runs) + " runs");
      }
      if (clipped) chart.subtitle(clipped_note());
      out << chart.str("iqm");
    }
    out << "</div>\n</section>\n";
  }

  // Vermillion (0) through white (0.5) to blue (1): the Okabe-Ito ends.
  static std::string improvement_colour(double p) {
    const double t = std::clamp(p, 0.0, 1.0);
    const double from[3] = {255, 255, 255};
    const double low[3] = {0xD5, 0x5E, 0x00}, high[3] = {0x00, 0x72, 0xB2};
    const double* to = t < 0.5 ? low : high;
    const double w = std::fabs(t - 0.5) * 2;
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02X%02X%02X",
                  static_cast<int>(std::lround(from[0] + (to[0] - from[0]) * w)),
                  static_cast<int>(std::lround(from[1] + (to[1] - from[1]) * w)),
                  static_cast<int>(std::lround(from[2] + (to[2] - from[2]) * w)));
    return buf;
  }

  static void improvement(const Report& r, std::ostream& out) {
    out << "<section id=\"improvement\">\n<h2>Probability of improvement</h2>\n<p class=\"how\">"
           "Cell (row X, column Y) is P(X &gt; Y): the probability that a random run of X beats "
           "a random run of Y on a task, ties counting half, averaged over tasks (Mann-Whitney "
           "U / (n<sub>X</sub> n<sub>Y</sub>)), with its 95% stratified bootstrap interval. "
           "Blue: the row agent is better; vermillion: the column agent is; white: no "
           "difference (0.5). An interval that contains 0.5 does not rule out a tie.</p>\n";
    std::vector<svg::LegendEntry> scale;
    for (double p : {0.0, 0.25, 0.5, 0.75, 1.0}) {
      char label[48];
      std::snprintf(label, sizeof label, "%.2f", p);
      scale.push_back({label, improvement_colour(p), svg::Shape::kSquare, false});
    }
    out << svg::legend(scale, 900, "P(row > column):");
    size_t longest = 0;
    for (const auto& a : r.agents) longest = std::max(longest, a.size());
    const double n = static_cast<double>(r.agents.size());
    const double cell = 74.0;
    int id = 0;
    for (const auto& split : r.aggregate_splits) {
      out << "<h3>" << escape(split) << "</h3>\n<div class=\"panels\">\n";
      for (int64_t budget : r.budgets) {
        std::map<std::pair<std::string, std::string>, const ImprovementCell*> cells;
        for (const auto& c : r.improvement)
          if (c.split == split && c.budget == budget) cells[{c.x, c.y}] = &c;
        if (cells.empty()) continue;
        svg::Axis x{0.0, n, "Y (column)", {}}, y{0.0, n, "X (row)", {}};
        for (size_t i = 0; i < r.agents.size(); ++i) {
          x.ticks.push_back({static_cast<double>(i) + 0.5, r.agents[i]});
          y.ticks.push_back({n - static_cast<double>(i) - 0.5, r.agents[i]});
        }
        const double left = 30 + 6.2 * static_cast<double>(longest);
        svg::Chart chart("poi" + std::to_string(id++), left + cell * n + 14, 30 + cell * n + 44,
                         split + " at budget " + budget_text(budget), x, y, left);
        for (size_t i = 0; i < r.agents.size(); ++i)
          for (size_t j = 0; j < r.agents.size(); ++j) {
            const double x0 = static_cast<double>(j), y0 = n - static_cast<double>(i) - 1;
            auto it = cells.find({r.agents[i], r.agents[j]});
            if (i == j || it == cells.end()) {
              chart.rect(x0, y0, x0 + 1, y0 + 1, "#eeeeee", i == j ? "the same agent" : "no data");
              continue;
            }
            const auto& p = it->second->p;
            chart.rect(x0, y0, x0 + 1, y0 + 1, improvement_colour(p.value),
                       "P(" + r.agents[i] + " > " + r.agents[j] + ") = " + format_estimate(p) +
                           " over " + std::to_string(it->second->tasks) + " task(s)");
            const std::string ink = std::fabs(p.value - 0.5) > 0.3 ? "#fff" : "#111";
            char value[16], interval[48];
            std::snprintf(value, sizeof value, "%.2f", p.value);
            std::snprintf(interval, sizeof interval, "[%.2f, %.2f]", p.ci.lo, p.ci.hi);
            chart.text(x0 + 0.5, y0 + 0.62, value, "middle", 14, ink, true);
            chart.text(x0 + 0.5, y0 + 0.32, interval, "middle", 9.5, ink);
          }
        out << chart.str("improvement");
      }
      out << "</div>\n";
    }
    out << "</section>\n";
  }

  // protocol: continual. One heatmap of R per (task, agent, budget): rows the
  // stage trained through (untrained first), columns the stage scored; the
  // colour is the improvement scale with 0.5 + score / 2 (white at the trivial
  // reference 0, blue at 1, vermillion at -1 and below).
  static void continual_heatmaps(const Report& r, std::ostream& out) {
    out << "<section id=\"heatmaps\">\n<h2>R matrix heatmaps</h2>\n<p class=\"how\">Cell (row "
           "i, column j): mean normalized score on stage j after training through stage i; the "
           "first row is the untrained learner (b<sub>j</sub>). Blue: near the optimal "
           "reference (1); white: the trivial one (0); vermillion: below it. Forgetting shows "
           "as the colour of a column fading below its diagonal.</p>\n";
    std::vector<svg::LegendEntry> scale;
    for (double v : {-1.0, -0.5, 0.0, 0.5, 1.0}) {
      char label[48];
      std::snprintf(label, sizeof label, "%.1f", v);
      scale.push_back({label, improvement_colour(0.5 + v / 2), svg::Shape::kSquare, false});
    }
    out << svg::legend(scale, 900, "normalized score:") << "<div class=\"panels\">\n";
    int id = 0;
    for (const auto& row : r.continual) {
      const double T = static_cast<double>(row.stages.size());
      const double rows = T + 1;
      size_t longest = 9;  // "untrained"
      for (const auto& s : row.stages) longest = std::max(longest, s.size() + 6);
      svg::Axis x{0.0, T, "scored on stage", {}}, y{0.0, rows, "trained through", {}};
      for (size_t j = 0; j < row.stages.size(); ++j)
        x.ticks.push_back({static_cast<double>(j) + 0.5, row.stages[j]});
      y.ticks.push_back({rows - 0.5, "untrained"});
      for (size_t i = 0; i < row.stages.size(); ++i)
        y.ticks.push_back({rows - static_cast<double>(i) - 1.5, "after " + row.stages[i]});
      const double cell = 64.0, left = 30 + 6.2 * static_cast<double>(longest);
      svg::Chart chart("rmatrix" + std::to_string(id++), left + cell * T + 14,
                       30 + cell * rows + 44,
                       row.task + " · " + row.agent + " · " + budget_text(row.budget) + "/stage",
                       x, y, left);
      auto put = [&](double x0, double y0, double v, const std::string& what) {
        chart.rect(x0, y0, x0 + 1, y0 + 1, improvement_colour(0.5 + v / 2),
                   what + " = " + format_score(v));
        const std::string ink = std::fabs(v) > 0.6 ? "#fff" : "#111";
        chart.text(x0 + 0.5, y0 + 0.42, format_score(v), "middle", 12, ink, true);
      };
      for (size_t j = 0; j < row.stages.size(); ++j) {
        const double x0 = static_cast<double>(j);
        put(x0, rows - 1, row.untrained[j], "untrained, on " + row.stages[j]);
        for (size_t i = 0; i < row.stages.size(); ++i)
          put(x0, rows - static_cast<double>(i) - 2, row.r[i][j],
              "after " + row.stages[i] + ", on " + row.stages[j]);
      }
      out << chart.str("heatmap");
    }
    out << "</div>\n</section>\n";
  }

  // protocol: deployment. One prequential curve per (task, agent, budget):
  // each chunk's mean score (drawn at the middle of the chunk) against the
  // stream position, learning and frozen with their bands, and the segment
  // boundaries as vertical lines labelled with the segment they open.
  static void prequential_curves(const Report& r, std::ostream& out) {
    out << "<section id=\"prequential\">\n<h2>Prequential curves</h2>\n<p class=\"how\">Each "
           "point is one chunk of the deployment stream: the mean normalized score over seeds of "
           "the predictions on its inputs, made before its labels (or rewards) were revealed, "
           "against the position of the chunk in the stream. Solid: the learner that updates "
           "after each chunk; dashed: the frozen pretrained learner on the same chunks. Bands "
           "are 95% bootstrap intervals of the mean (at most "
        << kCurveBootstrapReps
        << " replicates per chunk). Vertical lines mark where a segment begins. The gap between "
           "the lines is what learning on the job buys; the dip after a boundary and the climb "
           "back are the recovery. Scores below "
        << kScoreFloor << " are drawn at the bottom edge.</p>\n"
        << svg::legend({{"learning", svg::series_colour(0), svg::Shape::kCircle, true},
                        {"frozen", svg::series_colour(1), svg::Shape::kSquare, true}},
                       900)
        << "<div class=\"panels\">\n";
    int id = 0;
    for (const auto& row : r.deployment) {
      if (row.curve.empty()) continue;
      const double unit = row.chunk > 0 ? static_cast<double>(row.chunk) : 1.0;
      const double total =
          static_cast<double>(row.segments.back().start + row.segments.back().samples);
      double lo = 0.0, hi = 1.0;
      for (const auto& p : row.curve)
        for (const auto* e : {&p.learning, &p.frozen})
          for (double v : {e->value, e->ci.lo, e->ci.hi})
            if (std::isfinite(v)) {
              lo = std::min(lo, v);
              hi = std::max(hi, v);
            }
      const std::string unit_name = row.chunk > 0 ? "samples" : "chunks";
      svg::Axis x{0.0, total, "stream position (" + unit_name + ")",
                  svg::linear_ticks(0.0, total, 6)};
      svg::Axis y = score_axis(lo, hi, "normalized score");
      svg::Chart chart("prequential" + std::to_string(id++), 620, 300,
                       row.task + " · " + row.agent + " · pretrained on " + budget_text(row.budget),
                       x, y);
      chart.reference_line(0.0, "trivial", "2 3");
      chart.reference_line(1.0, "optimal", "2 3");
      for (size_t s = 0; s < row.segments.size(); ++s) {
        const double at = static_cast<double>(row.segments[s].start);
        if (s > 0) chart.segment(at, y.lo, at, y.hi, "#444", 1.2, "6 3");
        // Above the plot area (216 px high), clear of the data and the reference lines.
        chart.text(at + 0.01 * total, y.hi + (8.0 / 216) * (y.hi - y.lo), row.segments[s].name,
                   "start", 10.5, "#444", true);
      }
      bool clipped = false;
      const std::pair<bool, const char*> lines[] = {{true, ""}, {false, "5 3"}};
      for (const auto& [learning, dash] : lines) {
        const auto& colour = svg::series_colour(learning ? 0 : 1);
        // One polyline per segment: the curve breaks at a boundary.
        for (const auto& seg : row.segments) {
          std::vector<double> xs, ms, los, his;
          std::vector<const DeploymentPoint*> points;
          for (const auto& p : row.curve) {
            const auto& e = learning ? p.learning : p.frozen;
            if (p.segment != seg.name || !std::isfinite(e.value)) continue;
            xs.push_back(static_cast<double>(p.position) + unit / 2);
            ms.push_back(clamp_score(e.value, clipped));
            los.push_back(clamp_score(e.ci.lo, clipped));
            his.push_back(clamp_score(e.ci.hi, clipped));
            points.push_back(&p);
          }
          if (xs.empty()) continue;
          chart.band(xs, los, his, colour, 0.15);
          chart.polyline(xs, ms, colour, 1.8, dash);
          for (size_t i = 0; i < xs.size(); ++i) {
            const auto& e = learning ? points[i]->learning : points[i]->frozen;
            chart.marker(xs[i], ms[i], colour, learning ? svg::Shape::kCircle : svg::Shape::kSquare,
                         2.0,
                         std::string(learning ? "learning" : "frozen") + ", " + seg.name +
                             " chunk " + std::to_string(points[i]->chunk) + " (" + unit_name + " " +
                             std::to_string(points[i]->position) + "): " + format_estimate(e) +
                             " over " + std::to_string(points[i]->n) + " seeds");
          }
        }
      }
      if (clipped) chart.subtitle(clipped_note());
      out << chart.str("prequential");
    }
    out << "</div>\n</section>\n";
  }

  static void tables(const TextReport& text, std::ostream& out) {
    for (const auto& section : text.sections) {
      out << "<section id=\"" << section.id << "\">\n<h2>" << escape(section.title)
          << "</h2>\n<p class=\"how\">" << escape(section.intro) << "</p>\n";
      for (const auto& table : section.tables) {
        out << "<h3>" << escape(table.title) << "</h3>\n<p class=\"caption\">"
            << escape(table.caption) << "</p>\n<table>\n<thead><tr>";
        for (size_t c = 0; c < table.header.size(); ++c)
          out << "<th" << (table.numeric[c] ? " class=\"num\"" : "") << ">"
              << escape(table.header[c]) << "</th>";
        out << "</tr></thead>\n<tbody>\n";
        for (const auto& row : table.rows) {
          out << "<tr>";
          for (size_t c = 0; c < row.size(); ++c)
            out << "<td" << (table.numeric[c] ? " class=\"num\"" : "") << ">" << escape(row[c])
                << "</td>";
          out << "</tr>\n";
        }
        out << "</tbody>\n</table>\n";
        for (const auto& note : table.notes)
          out << "<p class=\"note\">" << escape(note) << "</p>\n";
      }
      out << "</section>\n";
    }
  }
};

}  // namespace

std::unique_ptr<Renderer> make_html_renderer() { return std::make_unique<HtmlRenderer>(); }

}  // namespace hg::report
