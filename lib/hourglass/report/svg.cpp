#include "hourglass/report/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace hg::report::svg {

const std::string& series_colour(size_t index) {
  static const std::vector<std::string> kOkabeIto = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                     "#E69F00", "#56B4E9", "#000000", "#F0E442"};
  return kOkabeIto[index % kOkabeIto.size()];
}

Shape series_shape(size_t index) {
  static const Shape kShapes[] = {Shape::kCircle, Shape::kSquare, Shape::kTriangle, Shape::kDiamond,
                                  Shape::kTriangleDown};
  return kShapes[index % 5];
}

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", value);
  std::string s = buf;
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::vector<Tick> linear_ticks(double lo, double hi, int count) {
  std::vector<Tick> ticks;
  if (!(hi > lo) || count < 1) return ticks;
  const double raw = (hi - lo) / count;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * power;
    if (step >= raw) break;
  }
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  // An integer counter: ticks at exact multiples of the step, not sums of it.
  const double first = std::ceil(lo / step - 1e-9);
  for (int64_t k = 0;; ++k) {
    const double v = (first + static_cast<double>(k)) * step;
    if (v > hi + 1e-9 * step) break;
    const double at = std::fabs(v) < step * 1e-9 ? 0.0 : v;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, at);
    ticks.push_back({at, buf});
  }
  return ticks;
}

std::string budget_label(double budget) {
  const char* suffix = "";
  double v = budget;
  if (budget >= 1e6) {
    v = budget / 1e6;
    suffix = "M";
  } else if (budget >= 1e3) {
    v = budget / 1e3;
    suffix = "k";
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g%s", v, suffix);
  return buf;
}

namespace {

// A marker centred at pixel (cx, cy) with a white outline and an optional tooltip.
std::string shape_element(Shape shape, double cx, double cy, double r, const std::string& colour,
                          const std::string& tooltip, const std::string& outline = "#fff") {
  const std::string paint = "fill=\"" + colour + "\" stroke=\"" + outline + "\" stroke-width=\"1\"";
  auto polygon = [&](std::vector<std::pair<double, double>> p) {
    std::string s = "<polygon " + paint + " points=\"";
    for (size_t i = 0; i < p.size(); ++i)
      s += (i ? " " : "") + num(cx + p[i].first * r) + "," + num(cy + p[i].second * r);
    return s + "\"";
  };
  std::string element;
  switch (shape) {
    case Shape::kCircle:
      element = "<circle " + paint + " cx=\"" + num(cx) + "\" cy=\"" + num(cy) + "\" r=\"" +
                num(r) + "\"";
      break;
    case Shape::kSquare:
      element = "<rect " + paint + " x=\"" + num(cx - r * 0.9) + "\" y=\"" + num(cy - r * 0.9) +
                "\" width=\"" + num(r * 1.8) + "\" height=\"" + num(r * 1.8) + "\"";
      break;
    case Shape::kTriangle:
      element = polygon({{0, -1.2}, {1.1, 0.8}, {-1.1, 0.8}});
      break;
    case Shape::kDiamond:
      element = polygon({{0, -1.3}, {1.1, 0}, {0, 1.3}, {-1.1, 0}});
      break;
    case Shape::kTriangleDown:
      element = polygon({{0, 1.2}, {1.1, -0.8}, {-1.1, -0.8}});
      break;
  }
  if (tooltip.empty()) return element + "/>\n";
  const std::string tag = element.substr(1, element.find(' ') - 1);
  return element + "><title>" + escape(tooltip) + "</title></" + tag + ">\n";
}

}  // namespace

Chart::Chart(std::string id, double width, double height, std::string title, Axis x, Axis y,
             double left_margin)
    : id_(std::move(id)),
      width_(width),
      height_(height),
      title_(std::move(title)),
      x_(std::move(x)),
      y_(std::move(y)),
      left_(left_margin) {}

double Chart::px(double x) const {
  return left_ + (x - x_.lo) / (x_.hi - x_.lo) * (width_ - left_ - right_);
}

double Chart::py(double y) const {
  return top_ + (y_.hi - y) / (y_.hi - y_.lo) * (height_ - top_ - bottom_);
}

void Chart::polyline(const std::vector<double>& xs, const std::vector<double>& ys,
                     const std::string& colour, double width, const std::string& dash) {
  if (xs.size() < 2) return;
  clipped_ << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"" << num(width)
           << "\"" << (dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"") << " points=\"";
  for (size_t i = 0; i < xs.size(); ++i)
    clipped_ << (i ? " " : "") << num(px(xs[i])) << ',' << num(py(ys[i]));
  clipped_ << "\"/>\n";
}

void Chart::band(const std::vector<double>& xs, const std::vector<double>& lo,
                 const std::vector<double>& hi, const std::string& colour, double opacity) {
  if (xs.size() < 2) return;
  clipped_ << "<polygon fill=\"" << colour << "\" fill-opacity=\"" << num(opacity)
           << "\" stroke=\"none\" points=\"";
  for (size_t i = 0; i < xs.size(); ++i)
    clipped_ << (i ? " " : "") << num(px(xs[i])) << ',' << num(py(hi[i]));
  for (size_t i = xs.size(); i-- > 0;) clipped_ << ' ' << num(px(xs[i])) << ',' << num(py(lo[i]));
  clipped_ << "\"/>\n";
}

void Chart::marker(double x, double y, const std::string& colour, Shape shape, double r,
                   const std::string& tooltip) {
  clipped_ << shape_element(shape, px(x), py(y), r, colour, tooltip);
}

void Chart::segment(double x0, double y0, double x1, double y1, const std::string& colour,
                    double width, const std::string& dash) {
  clipped_ << "<line x1=\"" << num(px(x0)) << "\" y1=\"" << num(py(y0)) << "\" x2=\"" << num(px(x1))
           << "\" y2=\"" << num(py(y1)) << "\" stroke=\"" << colour << "\" stroke-width=\""
           << num(width) << "\"" << (dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"")
           << "/>\n";
}

void Chart::reference_line(double y, const std::string& label, const std::string& dash,
                           bool label_below) {
  if (y < y_.lo || y > y_.hi) return;
  segment(x_.lo, y, x_.hi, y, "#777", 1.0, dash);
  unclipped_ << "<text x=\"" << num(width_ - right_ - 2) << "\" y=\""
             << num(label_below ? py(y) + 10 : py(y) - 3)
             << "\" text-anchor=\"end\" font-size=\"10\" fill=\"#555\">" << escape(label)
             << "</text>\n";
}

void Chart::rect(double x0, double y0, double x1, double y1, const std::string& fill,
                 const std::string& tooltip) {
  const double left = std::min(px(x0), px(x1)), top = std::min(py(y0), py(y1));
  unclipped_ << "<rect x=\"" << num(left) << "\" y=\"" << num(top) << "\" width=\""
             << num(std::fabs(px(x1) - px(x0))) << "\" height=\"" << num(std::fabs(py(y1) - py(y0)))
             << "\" fill=\"" << fill << "\" stroke=\"#fff\" stroke-width=\"1\"><title>"
             << escape(tooltip) << "</title></rect>\n";
}

void Chart::text(double x, double y, const std::string& text, const std::string& anchor,
                 double size, const std::string& colour, bool bold) {
  unclipped_ << "<text x=\"" << num(px(x)) << "\" y=\"" << num(py(y)) << "\" text-anchor=\""
             << anchor << "\" dominant-baseline=\"middle\" font-size=\"" << num(size)
             << "\" fill=\"" << colour << "\"" << (bold ? " font-weight=\"bold\"" : "") << ">"
             << escape(text) << "</text>\n";
}

void Chart::note(const std::string& text, int line) {
  unclipped_ << "<text x=\"" << num(left_ + 6) << "\" y=\"" << num(top_ + 14 + 14 * line)
             << "\" font-size=\"11\" fill=\"#222\">" << escape(text) << "</text>\n";
}

std::string Chart::str(const std::string& kind) const {
  std::ostringstream out;
  const double plot_w = width_ - left_ - right_, plot_h = height_ - top_ - bottom_;
  out << "<svg class=\"plot\" data-plot=\"" << kind << "\" xmlns=\"http://www.w3.org/2000/svg\" "
      << "width=\"" << num(width_) << "\" height=\"" << num(height_) << "\" viewBox=\"0 0 "
      << num(width_) << ' ' << num(height_) << "\" role=\"img\" aria-label=\"" << escape(title_)
      << "\">\n<title>" << escape(title_) << "</title>\n"
      << "<defs><clipPath id=\"" << id_ << "-clip\"><rect x=\"" << num(left_) << "\" y=\""
      << num(top_) << "\" width=\"" << num(plot_w) << "\" height=\"" << num(plot_h)
      << "\"/></clipPath></defs>\n"
      << "<text x=\"" << num(width_ / 2) << "\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" "
      << "font-weight=\"bold\" fill=\"#111\">" << escape(title_) << "</text>\n";
  if (!subtitle_.empty())
    out << "<text x=\"" << num(width_ / 2) << "\" y=\"32\" text-anchor=\"middle\" font-size=\"10\" "
        << "fill=\"#555\">" << escape(subtitle_) << "</text>\n";
  out << "<rect x=\"" << num(left_) << "\" y=\"" << num(top_) << "\" width=\"" << num(plot_w)
      << "\" height=\"" << num(plot_h) << "\" fill=\"#fff\" stroke=\"#bbb\"/>\n";
  for (const auto& t : x_.ticks) {
    if (t.at < x_.lo - 1e-9 || t.at > x_.hi + 1e-9) continue;
    out << "<line x1=\"" << num(px(t.at)) << "\" y1=\"" << num(top_) << "\" x2=\"" << num(px(t.at))
        << "\" y2=\"" << num(top_ + plot_h) << "\" stroke=\"#eee\"/>\n"
        << "<text x=\"" << num(px(t.at)) << "\" y=\"" << num(top_ + plot_h + 14)
        << "\" text-anchor=\"middle\" font-size=\"10\" fill=\"#333\">" << escape(t.label)
        << "</text>\n";
  }
  for (const auto& t : y_.ticks) {
    if (t.at < y_.lo - 1e-9 || t.at > y_.hi + 1e-9) continue;
    out << "<line x1=\"" << num(left_) << "\" y1=\"" << num(py(t.at)) << "\" x2=\""
        << num(left_ + plot_w) << "\" y2=\"" << num(py(t.at)) << "\" stroke=\"#eee\"/>\n"
        << "<text x=\"" << num(left_ - 5) << "\" y=\"" << num(py(t.at))
        << "\" text-anchor=\"end\" dominant-baseline=\"middle\" font-size=\"10\" fill=\"#333\">"
        << escape(t.label) << "</text>\n";
  }
  out << "<text x=\"" << num(left_ + plot_w / 2) << "\" y=\"" << num(height_ - 8)
      << "\" text-anchor=\"middle\" font-size=\"11\" fill=\"#222\">" << escape(x_.label)
      << "</text>\n"
      << "<text transform=\"translate(13 " << num(top_ + plot_h / 2)
      << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"11\" fill=\"#222\">"
      << escape(y_.label) << "</text>\n"
      << "<g clip-path=\"url(#" << id_ << "-clip)\">\n"
      << clipped_.str() << "</g>\n"
      << unclipped_.str() << "</svg>\n";
  return out.str();
}

std::string legend(const std::vector<LegendEntry>& entries, double width,
                   const std::string& title) {
  // Lay out left to right, wrapping; about 7 px per character.
  std::ostringstream body;
  double x = 8, y = 16;
  if (!title.empty()) {
    body << "<text x=\"" << num(x) << "\" y=\"" << num(y + 4)
         << "\" font-size=\"12\" font-weight=\"bold\" fill=\"#222\">" << escape(title)
         << "</text>\n";
    x += 7.5 * static_cast<double>(title.size()) + 12;
  }
  for (const auto& e : entries) {
    const double w = 34 + 7 * static_cast<double>(e.label.size()) + 16;
    if (x + w > width && x > 8) {
      x = 8;
      y += 22;
    }
    if (e.line)
      body << "<line x1=\"" << num(x) << "\" y1=\"" << num(y) << "\" x2=\"" << num(x + 26)
           << "\" y2=\"" << num(y) << "\" stroke=\"" << e.colour << "\" stroke-width=\"3\"/>\n";
    // Swatches without a line get a grey outline, so a white one still shows.
    body << shape_element(e.shape, x + 13, y, 5, e.colour, "", e.line ? "#fff" : "#888");
    body << "<text x=\"" << num(x + 32) << "\" y=\"" << num(y + 4)
         << "\" font-size=\"12\" fill=\"#222\">" << escape(e.label) << "</text>\n";
    x += w;
  }
  std::ostringstream out;
  out << "<svg class=\"legend\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(width)
      << "\" height=\"" << num(y + 12) << "\" viewBox=\"0 0 " << num(width) << ' ' << num(y + 12)
      << "\">\n"
      << body.str() << "</svg>\n";
  return out.str();
}

}  // namespace hg::report::svg
