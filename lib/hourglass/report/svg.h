// A small SVG chart writer for the html report: one chart area with a title,
// axes, ticks and grid lines, and marks (lines, interval bands, markers,
// rectangles, text) placed in plot coordinates. Plot coordinates are already
// transformed by the caller (log10 of a budget, probit of a score), so the
// chart itself only maps linearly to pixels. Marks are clipped to the plot
// area. The output is deterministic text: no scripts, no external resources.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace hg::report::svg {

// The Okabe and Ito (2008) colour-blind-safe palette, in the order series
// take it: blue, vermillion, bluish green, reddish purple, orange, sky blue,
// black, yellow. Series past the eighth reuse it.
const std::string& series_colour(size_t index);

// Marker shapes for a second grouping (budgets): circle, square, triangle,
// diamond, inverted triangle, then again.
enum class Shape { kCircle, kSquare, kTriangle, kDiamond, kTriangleDown };
Shape series_shape(size_t index);

// Escapes &, <, >, " and ' for XML text and attribute values.
std::string escape(const std::string& text);

// A coordinate or length with at most two decimals ("12.5", "3").
std::string num(double value);

struct Tick {
  double at;  // plot coordinate
  std::string label;
};

struct Axis {
  double lo = 0.0, hi = 1.0;  // plot coordinates at the ends of the axis
  std::string label;
  std::vector<Tick> ticks;
};

// Ticks at round numbers (steps of 1, 2 or 5 times a power of ten), about
// `count` of them, between lo and hi; labels with the digits the step needs.
std::vector<Tick> linear_ticks(double lo, double hi, int count = 5);

// A budget (sample count) as a short label: 100, 1k, 25k, 1.5M.
std::string budget_label(double budget);

class Chart {
 public:
  // `id` must be unique within the page (it names the clip path).
  Chart(std::string id, double width, double height, std::string title, Axis x, Axis y,
        double left_margin = 58.0);

  double px(double x) const;  // plot coordinate -> pixel
  double py(double y) const;

  void polyline(const std::vector<double>& xs, const std::vector<double>& ys,
                const std::string& colour, double width = 2.0, const std::string& dash = "");
  // The area between lo and hi over xs.
  void band(const std::vector<double>& xs, const std::vector<double>& lo,
            const std::vector<double>& hi, const std::string& colour, double opacity = 0.18);
  void marker(double x, double y, const std::string& colour, Shape shape, double radius,
              const std::string& tooltip);
  void segment(double x0, double y0, double x1, double y1, const std::string& colour,
               double width = 1.0, const std::string& dash = "");
  // A horizontal reference line with a small label at its right end, above
  // the line or below it.
  void reference_line(double y, const std::string& label, const std::string& dash = "4 3",
                      bool label_below = false);
  // A rectangle in plot coordinates (unclipped fill), with a tooltip.
  void rect(double x0, double y0, double x1, double y1, const std::string& fill,
            const std::string& tooltip);
  // Text at a plot coordinate; anchor is start, middle or end.
  void text(double x, double y, const std::string& text, const std::string& anchor = "start",
            double size = 11.0, const std::string& colour = "#222", bool bold = false);
  // A line of text inside the plot area, below the top-left corner
  // (line 0, 1, ...).
  void note(const std::string& text, int line = 0);
  // A small grey line under the title (e.g. what is drawn clipped).
  void subtitle(const std::string& text) { subtitle_ = text; }

  // The whole <svg> element; `kind` becomes its data-plot attribute.
  std::string str(const std::string& kind) const;

 private:
  std::string id_;
  double width_, height_;
  std::string title_, subtitle_;
  Axis x_, y_;
  double left_, right_ = 14.0, top_ = 40.0, bottom_ = 44.0;
  std::ostringstream clipped_, unclipped_;
};

struct LegendEntry {
  std::string label;
  std::string colour;
  Shape shape = Shape::kCircle;
  bool line = true;  // draw a line swatch (else only the marker)
};

// A one-row legend of swatches as an <svg> of the given width (wraps rows).
std::string legend(const std::vector<LegendEntry>& entries, double width,
                   const std::string& title = "");

}  // namespace hg::report::svg
