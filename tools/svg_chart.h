// SVG charts for reports: bars on the left axis with an optional line on a
// second (right) axis, like DADS Fig. 1 (per-layer latency and output size).
// Plain SVG 1.1, no scripts, readable in any browser.
#pragma once

#include <string>
#include <vector>

namespace seam::cli {

struct BarLineChart {
  std::string title;
  std::string x_label;
  std::string bar_label;   // left axis
  std::string line_label;  // right axis; empty = no line
  std::vector<std::string> categories;
  std::vector<double> bars;
  std::vector<double> line;
  // Optional: which series each bar belongs to (an index into series), for
  // one colour per series and a legend, e.g. one per policy. The line
  // values are then drawn as dots, since neighbours belong to other series.
  std::vector<std::string> series;
  std::vector<size_t> bar_series;
};

std::string RenderBarLineSvg(const BarLineChart& chart);

// Escapes &, <, >, " for SVG text.
std::string SvgEscape(const std::string& text);

}  // namespace seam::cli
