// The measured-latency table and its nearest-conditions lookup (see measured.h).
#include "plugins/policies/common/measured.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>
#include <utility>

namespace seam_policy {
namespace {

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return s.substr(b, e - b);
}

std::vector<std::string> SplitComma(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) fields.push_back(Trim(field));
  if (!line.empty() && line.back() == ',') fields.push_back("");
  return fields;
}

bool ParseNumber(const std::string& s, double* out) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

}  // namespace

bool ParseMeasuredTable(const std::string& text, const std::string& source,
                        std::vector<MeasuredRow>* rows, std::string* error) {
  static const char* const kColumns[] = {"point", "bandwidth_mbps", "cpu_stress", "mem_stress",
                                         "latency_ms"};
  std::istringstream in(text);
  std::string raw;
  int line = 0;
  int column[5] = {-1, -1, -1, -1, -1};
  size_t num_fields = 0;
  bool have_header = false;
  std::vector<MeasuredRow> out;
  const auto fail = [&](const std::string& message) {
    *error = source + ":" + std::to_string(line) + ": " + message;
    return false;
  };
  while (std::getline(in, raw)) {
    ++line;
    const std::string trimmed = Trim(raw);
    if (trimmed.empty() || trimmed[0] == '#') continue;
    const std::vector<std::string> fields = SplitComma(trimmed);
    if (!have_header) {
      for (size_t i = 0; i < fields.size(); ++i) {
        for (int c = 0; c < 5; ++c) {
          if (fields[i] != kColumns[c]) continue;
          if (column[c] >= 0) return fail("column '" + fields[i] + "' appears twice");
          column[c] = static_cast<int>(i);
        }
      }
      for (int c = 0; c < 5; ++c) {
        if (column[c] < 0) {
          return fail(std::string("header lacks column '") + kColumns[c] +
                      "' (need point,bandwidth_mbps,cpu_stress,mem_stress,latency_ms)");
        }
      }
      num_fields = fields.size();
      have_header = true;
      continue;
    }
    if (fields.size() != num_fields) {
      return fail("expected " + std::to_string(num_fields) + " fields, found " +
                  std::to_string(fields.size()));
    }
    MeasuredRow row;
    row.line = line;
    row.point = fields[column[0]];
    if (row.point.empty()) return fail("empty point");
    double* values[4] = {&row.bandwidth_mbps, &row.cpu_stress, &row.mem_stress, &row.latency_ms};
    for (int c = 1; c < 5; ++c) {
      if (!ParseNumber(fields[column[c]], values[c - 1])) {
        return fail(std::string(kColumns[c]) + " '" + fields[column[c]] + "' is not a number");
      }
    }
    if (!(row.bandwidth_mbps > 0)) return fail("bandwidth_mbps must be > 0");
    if (row.cpu_stress < 0 || row.cpu_stress > 100)
      return fail("cpu_stress must be 0..100 (percent)");
    if (row.mem_stress < 0 || row.mem_stress > 100)
      return fail("mem_stress must be 0..100 (percent)");
    if (row.latency_ms < 0) return fail("latency_ms must be >= 0");
    out.push_back(std::move(row));
  }
  if (!have_header) {
    *error = source + ": empty table (no header)";
    return false;
  }
  if (out.empty()) {
    *error = source + ": table has a header but no rows";
    return false;
  }
  *rows = std::move(out);
  return true;
}

bool LoadMeasuredTable(const std::string& path, std::vector<MeasuredRow>* rows,
                       std::string* error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    *error = "cannot open table '" + path + "'";
    return false;
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) {
    *error = "cannot read table '" + path + "'";
    return false;
  }
  return ParseMeasuredTable(text.str(), path, rows, error);
}

bool PlanMeasured(const Problem& p, const std::vector<MeasuredRow>& rows,
                  const MeasuredWeights& weights, const std::string& source, Plan* plan,
                  std::string* error) {
  const GraphView& g = p.g;
  std::unordered_map<std::string, int> by_name;
  for (int v = 0; v < g.num_nodes; ++v) by_name.emplace(g.Name(v), v);
  // Resolve every row first so a bad table fails the same way whatever the
  // conditions.
  std::vector<int> row_node(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    const std::string& point = rows[r].point;
    if (point == "input") {
      row_node[r] = -1;
    } else if (point == "all") {
      row_node[r] = -2;
    } else {
      const auto it = by_name.find(point);
      if (it == by_name.end()) {
        *error = source + ":" + std::to_string(rows[r].line) + ": point '" + point +
                 "' is not a node of this model (nor 'input' / 'all')";
        return false;
      }
      row_node[r] = it->second;
    }
  }
  if (!(p.c.bandwidth_bps > 0)) {
    *plan = EdgeOnly(p);
    plan->reason = Format("measured: no link (bandwidth 0): edge-only, %.3f ms modelled",
                          plan->costs.total_ms);
    return true;
  }
  const double bw = p.c.bandwidth_bps / 1e6;
  const auto distance = [&](const MeasuredRow& row) {
    double d = weights.bandwidth * std::abs(std::log2(row.bandwidth_mbps / bw));
    if (p.c.edge_cpu_load >= 0)
      d += weights.cpu * std::abs(row.cpu_stress / 100 - p.c.edge_cpu_load);
    if (p.c.edge_mem_pressure >= 0) {
      d += weights.mem * std::abs(row.mem_stress / 100 - p.c.edge_mem_pressure);
    }
    return d;
  };
  double nearest = INFINITY;
  for (const MeasuredRow& row : rows) nearest = std::min(nearest, distance(row));
  // Mean latency per point over the nearest rows, in file order.
  std::map<size_t, std::pair<double, int>> by_first;  // first row index -> (sum, count)
  std::unordered_map<int, size_t> first_row;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (distance(rows[r]) > nearest + 1e-9) continue;
    const auto [it, inserted] = first_row.emplace(row_node[r], r);
    auto& acc = by_first[it->second];
    acc.first += rows[r].latency_ms;
    acc.second += 1;
  }
  size_t best_row = 0;
  double best_mean = INFINITY;
  for (const auto& [r, acc] : by_first) {
    const double mean = acc.first / acc.second;
    if (mean < best_mean) {
      best_mean = mean;
      best_row = r;
    }
  }
  const int node = row_node[best_row];
  std::vector<uint8_t> on_edge(g.num_nodes, node == -2 ? 1 : 0);
  if (node >= 0) {
    // The point and all its ancestors.
    std::vector<int> stack = {node};
    on_edge[node] = 1;
    while (!stack.empty()) {
      const int v = stack.back();
      stack.pop_back();
      for (int u : g.preds[v]) {
        if (!on_edge[u]) {
          on_edge[u] = 1;
          stack.push_back(u);
        }
      }
    }
  }
  *plan = MakePlan(p, std::move(on_edge));
  plan->costs.total_ms = best_mean;
  const MeasuredRow& row = rows[best_row];
  plan->reason = Format(
      "measured: cut at '%s', %.3f ms at %.4g Mb/s cpu %.0f%% mem %.0f%% (d=%.3g)",
      row.point.c_str(), best_mean, row.bandwidth_mbps, row.cpu_stress, row.mem_stress, nearest);
  return true;
}

}  // namespace seam_policy
