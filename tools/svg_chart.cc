// RenderBarLineSvg: axes with "nice" tick steps, one bar per category,
// rotated category labels (thinned when there are many), a second axis line.
#include "tools/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace seam::cli {

std::string SvgEscape(const std::string& text) {
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
      default:
        out += c;
    }
  }
  return out;
}

namespace {

// A tick step of 1, 2 or 5 times a power of ten giving about five ticks.
double NiceStep(double max_value) {
  if (!(max_value > 0)) return 1;
  const double raw = max_value / 5;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * magnitude >= raw) return m * magnitude;
  }
  return 10 * magnitude;
}

std::string Num(double v) {
  char buf[32];
  if (v != 0 && (std::fabs(v) < 0.01 || std::fabs(v) >= 100000)) {
    std::snprintf(buf, sizeof(buf), "%.2g", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%g", std::round(v * 1000) / 1000);
  }
  return buf;
}

}  // namespace

std::string RenderBarLineSvg(const BarLineChart& c) {
  const size_t n = c.categories.size();
  const double left = 70, right = c.line_label.empty() ? 30 : 80, top = 40, bottom = 150;
  const double plot_w = std::max(400.0, std::min(1600.0, 14.0 * static_cast<double>(n)));
  const double plot_h = 320;
  const double width = left + plot_w + right, height = top + plot_h + bottom;
  const double bar_max = c.bars.empty() ? 1 : *std::max_element(c.bars.begin(), c.bars.end());
  const double line_max = c.line.empty() ? 1 : *std::max_element(c.line.begin(), c.line.end());
  const double bar_step = NiceStep(bar_max), line_step = NiceStep(line_max);
  const double bar_top = std::max(bar_step, std::ceil(bar_max / bar_step) * bar_step);
  const double line_top = std::max(line_step, std::ceil(line_max / line_step) * line_step);
  const double slot = n ? plot_w / static_cast<double>(n) : plot_w;
  char buf[512];
  std::string s;
  std::snprintf(buf, sizeof(buf),
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                "font-family=\"sans-serif\" font-size=\"11\">\n"
                "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                width, height);
  s += buf;
  std::snprintf(buf, sizeof(buf),
                "<text x=\"%.0f\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">", width / 2);
  s += buf + SvgEscape(c.title) + "</text>\n";
  // Gridlines and left-axis ticks.
  for (double v = 0; v <= bar_top + 1e-9; v += bar_step) {
    const double y = top + plot_h - v / bar_top * plot_h;
    std::snprintf(buf, sizeof(buf),
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                  left, y, left + plot_w, y, left - 6, y + 4, Num(v).c_str());
    s += buf;
  }
  // Bars, coloured by series when there are several.
  static const char* const kPalette[] = {"#4472c4", "#70ad47", "#a5a5a5", "#7030a0",
                                         "#264478", "#9e480e", "#636363", "#997300"};
  const bool by_series = !c.series.empty() && c.bar_series.size() == c.bars.size();
  auto colour = [&](size_t i) {
    return by_series ? kPalette[c.bar_series[i] % (sizeof(kPalette) / sizeof(kPalette[0]))]
                     : kPalette[0];
  };
  for (size_t i = 0; i < n && i < c.bars.size(); ++i) {
    const double h = c.bars[i] / bar_top * plot_h;
    std::snprintf(buf, sizeof(buf),
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                  "<title>",
                  left + slot * static_cast<double>(i) + slot * 0.1, top + plot_h - h, slot * 0.8,
                  h, colour(i));
    s += buf + SvgEscape(c.categories[i]) + ": " + Num(c.bars[i]) + "</title></rect>\n";
  }
  for (size_t k = 0; by_series && k < c.series.size(); ++k) {
    const double y = top + 4 + 14 * static_cast<double>(k);
    std::snprintf(buf, sizeof(buf),
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\">",
                  left + 8, y, kPalette[k % (sizeof(kPalette) / sizeof(kPalette[0]))], left + 22,
                  y + 9);
    s += buf + SvgEscape(c.series[k]) + "</text>\n";
  }
  // Line (or dots, by series) on the right axis.
  if (!c.line_label.empty() && !c.line.empty()) {
    std::string points;
    for (size_t i = 0; i < n && i < c.line.size(); ++i) {
      const double x = left + slot * (static_cast<double>(i) + 0.5);
      const double y = top + plot_h - c.line[i] / line_top * plot_h;
      if (by_series) {
        std::snprintf(buf, sizeof(buf),
                      "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#ed7d31\"/>\n", x, y);
        s += buf;
      } else {
        std::snprintf(buf, sizeof(buf), "%.1f,%.1f ", x, y);
        points += buf;
      }
    }
    if (!by_series) {
      s += "<polyline fill=\"none\" stroke=\"#ed7d31\" stroke-width=\"2\" points=\"" + points +
           "\"/>\n";
    }
    for (double v = 0; v <= line_top + 1e-9; v += line_step) {
      const double y = top + plot_h - v / line_top * plot_h;
      std::snprintf(buf, sizeof(buf), "<text x=\"%.1f\" y=\"%.1f\" fill=\"#ed7d31\">%s</text>\n",
                    left + plot_w + 6, y + 4, Num(v).c_str());
      s += buf;
    }
    std::snprintf(buf, sizeof(buf),
                  "<text transform=\"translate(%.1f,%.1f) rotate(90)\" text-anchor=\"middle\" "
                  "fill=\"#ed7d31\">",
                  width - 18, top + plot_h / 2);
    s += buf + SvgEscape(c.line_label) + "</text>\n";
  }
  // Axes and labels.
  std::snprintf(buf, sizeof(buf),
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n"
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n",
                left, top, left, top + plot_h, left, top + plot_h, left + plot_w, top + plot_h);
  s += buf;
  std::snprintf(buf, sizeof(buf),
                "<text transform=\"translate(18,%.1f) rotate(-90)\" text-anchor=\"middle\" "
                "fill=\"#4472c4\">",
                top + plot_h / 2);
  s += buf + SvgEscape(c.bar_label) + "</text>\n";
  const size_t every = std::max<size_t>(1, (n + 59) / 60);  // at most ~60 labels
  for (size_t i = 0; i < n; i += every) {
    std::snprintf(buf, sizeof(buf),
                  "<text transform=\"translate(%.1f,%.1f) rotate(-60)\" text-anchor=\"end\" "
                  "font-size=\"9\">",
                  left + slot * (static_cast<double>(i) + 0.5), top + plot_h + 10);
    s += buf + SvgEscape(c.categories[i]) + "</text>\n";
  }
  std::snprintf(buf, sizeof(buf), "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                left + plot_w / 2, height - 8);
  s += buf + SvgEscape(c.x_label) + "</text>\n</svg>\n";
  return s;
}

}  // namespace seam::cli
