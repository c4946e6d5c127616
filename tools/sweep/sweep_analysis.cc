// Best cuts, best-point distributions, repartitioning gains and policy
// comparisons over sweep rows (see sweep_analysis.h).
#include "tools/sweep/sweep_analysis.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace seam::sweep {
namespace {

std::string G(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

// The model plus the slowdown when the rows mix slowdowns.
std::string GroupKey(const SweepRow& r) {
  return r.model + "|" + r.model_hash + "|" + G(r.slowdown);
}

double MedianOf(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

bool Faster(const SweepRow* a, const SweepRow* b) {
  if (a->latency_ms != b->latency_ms) return a->latency_ms < b->latency_ms;
  return a->cut_index < b->cut_index;  // ties: fewer layers on the edge
}

}  // namespace

std::string Fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "-";
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

std::string FormatLatency(double ms) {
  if (!std::isfinite(ms)) return "-";
  const double a = std::fabs(ms);
  return Fixed(ms, a < 1 ? 3 : a < 10 ? 2 : 1);
}

std::string ConditionKey(const SweepRow& r) {
  return GroupKey(r) + "|" + G(r.cpu_stress) + "|" + G(r.mem_stress) + "|" + r.link;
}

std::string ConditionLabel(const SweepRow& r) {
  return "cpu " + G(r.cpu_stress) + "% mem " + G(r.mem_stress) + "% " + r.link;
}

std::vector<std::string> ModelsOf(const std::vector<SweepRow>& rows) {
  std::vector<std::string> models;
  for (const SweepRow& r : rows) {
    if (std::find(models.begin(), models.end(), r.model) == models.end()) models.push_back(r.model);
  }
  return models;
}

std::vector<const SweepRow*> BestCuts(const std::vector<SweepRow>& rows, int min_cuts) {
  std::vector<std::string> order;
  std::map<std::string, const SweepRow*> best;
  std::map<std::string, int> count;
  for (const SweepRow& r : rows) {
    if (r.kind != "cut" || !std::isfinite(r.latency_ms)) continue;
    const std::string key = ConditionKey(r);
    auto it = best.find(key);
    if (it == best.end()) {
      order.push_back(key);
      best[key] = &r;
    } else if (Faster(&r, it->second)) {
      it->second = &r;
    }
    ++count[key];
  }
  std::vector<const SweepRow*> out;
  for (const std::string& key : order) {
    if (count[key] >= min_cuts) out.push_back(best[key]);
  }
  return out;
}

std::vector<PointShare> BestPointDistribution(const std::vector<SweepRow>& rows,
                                              const std::string& model, int* conditions) {
  std::map<std::string, PointShare> points;
  std::map<std::string, std::vector<double>> latencies;
  for (const SweepRow& r : rows) {
    if (r.kind != "cut" || r.model != model) continue;
    PointShare& p = points[r.point];
    p.point = r.point;
    p.cut_index = r.cut_index;
    p.edge_nodes = r.edge_nodes;
    p.boundary_bytes = r.boundary_bytes;
    if (std::isfinite(r.latency_ms)) latencies[r.point].push_back(r.latency_ms);
  }
  *conditions = 0;
  for (const SweepRow* best : BestCuts(rows)) {
    if (best->model != model) continue;
    ++*conditions;
    ++points[best->point].wins;
  }
  std::vector<PointShare> out;
  for (auto& [name, p] : points) {
    p.share_pct = *conditions > 0 ? 100.0 * p.wins / *conditions : 0;
    p.median_latency_ms = MedianOf(latencies[name]);
    out.push_back(p);
  }
  std::sort(out.begin(), out.end(), [](const PointShare& a, const PointShare& b) {
    if (a.edge_nodes != b.edge_nodes) return a.edge_nodes < b.edge_nodes;
    return a.cut_index < b.cut_index;
  });
  return out;
}

GainTable RepartitioningGain(const std::vector<SweepRow>& rows, const std::string& axis) {
  GainTable table;
  table.axis = axis;
  // Index the cut rows by group and condition.
  std::vector<std::string> groups;
  std::map<std::string, std::vector<const SweepRow*>> by_group;
  for (const SweepRow& r : rows) {
    if (r.kind != "cut" || !std::isfinite(r.latency_ms)) continue;
    const std::string g = GroupKey(r);
    if (!by_group.count(g)) groups.push_back(g);
    by_group[g].push_back(&r);
  }
  std::set<double> slowdowns;
  for (const SweepRow& r : rows) slowdowns.insert(r.slowdown);
  for (const std::string& g : groups) {
    const std::vector<const SweepRow*>& group = by_group[g];
    double min_cpu = INFINITY, min_mem = INFINITY, max_bw = -1;
    std::string fastest_link;
    for (const SweepRow* r : group) {
      min_cpu = std::min(min_cpu, r->cpu_stress);
      min_mem = std::min(min_mem, r->mem_stress);
      if (r->bandwidth_mbps > max_bw) {
        max_bw = r->bandwidth_mbps;
        fastest_link = r->link;
      }
    }
    auto best_in = [&](double cpu, double mem, const std::string& link) -> const SweepRow* {
      const SweepRow* best = nullptr;
      for (const SweepRow* r : group) {
        if (r->cpu_stress == cpu && r->mem_stress == mem && r->link == link &&
            (best == nullptr || Faster(r, best)))
          best = r;
      }
      return best;
    };
    auto row_of = [&](double cpu, double mem, const std::string& link,
                      const std::string& point) -> const SweepRow* {
      for (const SweepRow* r : group) {
        if (r->cpu_stress == cpu && r->mem_stress == mem && r->link == link && r->point == point)
          return r;
      }
      return nullptr;
    };
    // A stress axis is read at every link where it was varied (stress
    // matters most where the best cut keeps work on the edge, often not at
    // the fastest link); the link axis at the lowest stress.
    std::vector<std::string> base_links = {fastest_link};
    if (axis != "link") {
      std::vector<std::pair<double, std::string>> varied;  // (-bandwidth, link)
      for (const SweepRow* r : group) {
        const bool off_base = axis == "cpu"
                                  ? (r->cpu_stress != min_cpu && r->mem_stress == min_mem)
                                  : (r->mem_stress != min_mem && r->cpu_stress == min_cpu);
        const std::pair<double, std::string> key(-r->bandwidth_mbps, r->link);
        if (off_base && std::find(varied.begin(), varied.end(), key) == varied.end())
          varied.push_back(key);
      }
      std::sort(varied.begin(), varied.end());
      if (!varied.empty()) {
        base_links.clear();
        for (const auto& v : varied) base_links.push_back(v.second);
      }
    }
    std::string label = group.front()->model;
    if (slowdowns.size() > 1) label += " (x" + G(group.front()->slowdown) + ")";
    for (const std::string& base_link : base_links) {
      const SweepRow* base = best_in(min_cpu, min_mem, base_link);
      if (base == nullptr) continue;
      // The levels of the axis, baseline first.
      struct Level {
        double cpu, mem;
        std::string link;
        double order;
        std::string label;
      };
      std::vector<Level> levels;
      std::set<std::string> seen;
      for (const SweepRow* r : group) {
        Level l{min_cpu, min_mem, base_link, 0, ""};
        if (axis == "cpu") {
          l.cpu = r->cpu_stress;
          l.order = l.cpu;
          l.label = G(l.cpu) + "%";
        } else if (axis == "mem") {
          l.mem = r->mem_stress;
          l.order = l.mem;
          l.label = G(l.mem) + "%";
        } else {
          l.link = r->link;
          l.order = -r->bandwidth_mbps;
          l.label = r->link;
        }
        if (base_links.size() > 1) l.label += " at " + base_link;
        if (seen.insert(l.label).second) levels.push_back(l);
      }
      std::sort(levels.begin(), levels.end(),
                [](const Level& a, const Level& b) { return a.order < b.order; });
      for (const Level& l : levels) {
        const SweepRow* best = best_in(l.cpu, l.mem, l.link);
        if (best == nullptr) continue;
        GainEntry e;
        e.model = label;
        e.level = l.label;
        e.baseline_best = base;
        e.best_row = best;
        e.static_row = row_of(l.cpu, l.mem, l.link, base->point);
        if (e.static_row != nullptr && e.static_row->latency_ms > 0) {
          e.gain_pct =
              100.0 * (e.static_row->latency_ms - best->latency_ms) / e.static_row->latency_ms;
        }
        table.entries.push_back(e);
      }
    }
  }
  return table;
}

std::vector<PolicyResult> ComparePolicies(const std::vector<SweepRow>& rows) {
  std::map<std::string, const SweepRow*> edge_only_policy, edge_only_cut;
  for (const SweepRow& r : rows) {
    if (r.kind == "policy" && r.policy == "edge-only") edge_only_policy[ConditionKey(r)] = &r;
    if (r.kind == "cut" && r.point == "all") edge_only_cut[ConditionKey(r)] = &r;
  }
  std::map<std::string, const SweepRow*> best;
  for (const SweepRow* b : BestCuts(rows, 1)) best[ConditionKey(*b)] = b;
  std::vector<PolicyResult> out;
  for (const SweepRow& r : rows) {
    if (r.kind != "policy") continue;
    PolicyResult p;
    p.row = &r;
    const std::string key = ConditionKey(r);
    if (edge_only_policy.count(key)) {
      p.edge_only = edge_only_policy[key];
    } else if (edge_only_cut.count(key)) {
      p.edge_only = edge_only_cut[key];
    }
    if (best.count(key)) p.best_fixed = best[key];
    if (p.edge_only != nullptr && r.latency_ms > 0)
      p.latency_speedup = p.edge_only->latency_ms / r.latency_ms;
    if (p.edge_only != nullptr && p.edge_only->frames_per_s > 0 && r.frames_per_s > 0)
      p.throughput_gain = r.frames_per_s / p.edge_only->frames_per_s;
    if (p.best_fixed != nullptr && p.best_fixed->latency_ms > 0)
      p.regret_pct = 100.0 * (r.latency_ms - p.best_fixed->latency_ms) / p.best_fixed->latency_ms;
    out.push_back(p);
  }
  return out;
}

}  // namespace seam::sweep
