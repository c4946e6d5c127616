// Parsing of the sweep grid and the cut lists (see sweep_grid.h).
#include "tools/sweep/sweep_grid.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "seam/cut.h"
#include "tools/units.h"

namespace seam::sweep {
namespace {

struct NamedLink {
  const char* name;
  double mbps;
  double rtt_ms;
};

// The shaped transport's profiles (transport/shaped/shaped_transport.cc and
// docs/transport.md): DADS Table I and the adaptive-DNN study's tc rates.
constexpr NamedLink kNamedLinks[] = {
    {"cat1", 0.13, 100.0}, {"3g", 1.1, 100.0},    {"4g", 5.85, 50.0},      {"wifi", 18.88, 10.0},
    {"10mbit", 10.0, 1.0}, {"25mbit", 25.0, 1.0}, {"37.5mbit", 37.5, 1.0}, {"50mbit", 50.0, 1.0},
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

bool IsBareNumber(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end != s.c_str() && *end == '\0';
}

// "37.5" for 37.5, "10" for 10.
std::string FormatMbps(double mbps) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", mbps);
  return buf;
}

}  // namespace

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    parts.push_back(
        Trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) return parts;
    start = comma + 1;
  }
}

Status ParsePercentList(const std::string& text, const std::string& flag,
                        std::vector<double>* out) {
  out->clear();
  for (const std::string& item : SplitList(text)) {
    std::string number = item;
    if (!number.empty() && number.back() == '%') number.pop_back();
    char* end = nullptr;
    const double v = std::strtod(number.c_str(), &end);
    if (number.empty() || *end != '\0' || !(v >= 0 && v <= 100)) {
      return InvalidArgument(flag + " wants percentages 0..100 separated by commas, got '" + item +
                             "' in '" + text + "'");
    }
    if (std::find(out->begin(), out->end(), v) != out->end())
      return InvalidArgument(flag + " lists " + item + " twice");
    out->push_back(v);
  }
  return Status::Ok();
}

Status ParseLinkList(const std::string& text, std::vector<LinkSpec>* out) {
  out->clear();
  const std::vector<std::string> items = SplitList(text);
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string item = Lower(items[i]);
    if (item.empty()) return InvalidArgument("--link has an empty item in '" + text + "'");
    std::string spelled = item;
    if (IsBareNumber(item)) {
      // Borrow the unit of the next item that has one.
      std::string unit = "mbit";
      for (size_t j = i + 1; j < items.size(); ++j) {
        const std::string next = Lower(items[j]);
        if (IsBareNumber(next)) continue;
        size_t k = 0;
        while (k < next.size() &&
               (std::isdigit(static_cast<unsigned char>(next[k])) || next[k] == '.' ||
                next[k] == 'e' || next[k] == '+' || next[k] == '-'))
          ++k;
        if (k > 0 && k < next.size()) unit = next.substr(k);
        break;
      }
      spelled = item + unit;
    }
    LinkSpec link;
    const NamedLink* named = nullptr;
    for (const NamedLink& n : kNamedLinks) {
      if (spelled == n.name) named = &n;
    }
    if (named == nullptr) {
      double bps = 0;
      const Status s = cli::ParseBandwidth(spelled, &bps);
      if (!s.ok()) {
        return InvalidArgument("--link: '" + items[i] +
                               "' is neither a profile (cat1, 3g, 4g, wifi) nor a rate such as "
                               "10Mbit: " +
                               s.message());
      }
      const std::string canonical = FormatMbps(bps / 1e6) + "mbit";
      for (const NamedLink& n : kNamedLinks) {
        if (canonical == n.name) named = &n;
      }
      if (named == nullptr) {
        link.label = canonical;
        link.bandwidth_mbps = bps / 1e6;
        link.rtt_ms = 1.0;
      }
    }
    if (named != nullptr) {
      link.label = named->name;
      link.edge_arg = named->name;
      link.bandwidth_mbps = named->mbps;
      link.rtt_ms = named->rtt_ms;
    }
    for (const LinkSpec& seen : *out) {
      if (seen.label == link.label) return InvalidArgument("--link lists " + link.label + " twice");
    }
    out->push_back(link);
  }
  return Status::Ok();
}

std::string ConstantTraceText(const LinkSpec& link) {
  char buf[128];
  std::snprintf(buf, sizeof(buf), "time_s,bandwidth_mbps,rtt_ms\n0,%.9g,%.9g\n",
                link.bandwidth_mbps, link.rtt_ms);
  return buf;
}

std::string Topology(const Graph& graph) {
  return PartitionPoints(graph).size() == graph.nodes.size() ? "chain" : "dag";
}

Status ListCuts(const Graph& graph, const std::string& mode, int max_cuts,
                std::vector<CutPoint>* out) {
  out->clear();
  const int num_nodes = static_cast<int>(graph.nodes.size());
  std::vector<CutPoint> cuts;
  std::set<std::vector<int>> seen;
  auto add_node = [&](int node) -> Status {
    Cut cut;
    SEAM_RETURN_IF_ERROR(CutAfterNode(graph, graph.nodes[static_cast<size_t>(node)].name, &cut));
    if (!seen.insert(cut.edge_nodes).second) return Status::Ok();
    CutPoint p;
    p.name = graph.nodes[static_cast<size_t>(node)].name;
    p.edge_nodes = static_cast<int>(cut.edge_nodes.size());
    p.boundary_bytes = CutBoundaryBytes(graph, cut);
    if (p.edge_nodes == num_nodes) return Status::Ok();  // that is "all", added last
    cuts.push_back(p);
    return Status::Ok();
  };
  CutPoint input;
  input.name = "input";
  input.boundary_bytes = CutBoundaryBytes(graph, Cut{});
  CutPoint all;
  all.name = "all";
  all.edge_nodes = num_nodes;
  if (mode == "none") return Status::Ok();
  if (mode == "points") {
    for (const PartitionPoint& p : PartitionPoints(graph)) SEAM_RETURN_IF_ERROR(add_node(p.node));
  } else if (mode == "all") {
    std::vector<int> order;
    SEAM_RETURN_IF_ERROR(TopologicalOrder(graph, &order));
    for (int node : order) SEAM_RETURN_IF_ERROR(add_node(node));
  } else {
    // An explicit list, in the given order; input and all may appear.
    std::vector<CutPoint> listed;
    for (const std::string& name : SplitList(mode)) {
      if (name.empty()) return InvalidArgument("--cuts has an empty item in '" + mode + "'");
      if (name == "input") {
        listed.push_back(input);
        continue;
      }
      if (name == "all") {
        listed.push_back(all);
        continue;
      }
      const int node = graph.FindNode(name);
      if (node < 0) {
        return InvalidArgument("--cuts: the model has no node named '" + name +
                               "' (use points, all, none, or node names; see seam inspect "
                               "--partition-points)");
      }
      const size_t before = cuts.size();
      SEAM_RETURN_IF_ERROR(add_node(node));
      if (cuts.size() > before) {
        listed.push_back(cuts.back());
      } else {
        listed.push_back(all);  // the node's cut is edge only
      }
    }
    for (size_t i = 0; i < listed.size(); ++i) {
      listed[i].index = static_cast<int>(i);
      for (size_t j = 0; j < i; ++j) {
        if (listed[j].name == listed[i].name)
          return InvalidArgument("--cuts lists '" + listed[i].name + "' twice");
      }
    }
    *out = std::move(listed);
    return Status::Ok();
  }
  // Indices over the full list, so a thinned list keeps each cut's position.
  for (size_t i = 0; i < cuts.size(); ++i) cuts[i].index = static_cast<int>(i) + 1;
  all.index = static_cast<int>(cuts.size()) + 1;
  if (max_cuts > 0 && static_cast<int>(cuts.size()) + 2 > max_cuts) {
    // Evenly spaced interior cuts, so the list still spans the whole model.
    const int keep = std::max(0, max_cuts - 2);
    std::vector<CutPoint> thinned;
    for (int k = 0; k < keep; ++k) {
      const double at = (static_cast<double>(k) + 0.5) * static_cast<double>(cuts.size()) /
                        static_cast<double>(keep);
      thinned.push_back(cuts[std::min(cuts.size() - 1, static_cast<size_t>(at))]);
    }
    cuts = std::move(thinned);
  }
  out->push_back(input);
  out->insert(out->end(), cuts.begin(), cuts.end());
  out->push_back(all);
  return Status::Ok();
}

}  // namespace seam::sweep
