// Cuts, their boundaries and ids, and partition points (dominator analysis).
#include "seam/cut.h"

#include <algorithm>
#include <unordered_map>

namespace seam {

Status ValidateCut(const Graph& graph, const Cut& cut) {
  std::vector<bool> on_edge(graph.nodes.size(), false);
  for (int n : cut.edge_nodes) {
    if (n < 0 || static_cast<size_t>(n) >= graph.nodes.size()) {
      return InvalidArgument("cut names node index " + std::to_string(n) + ", out of range");
    }
    if (on_edge[n]) return InvalidArgument("cut lists node '" + graph.nodes[n].name + "' twice");
    on_edge[n] = true;
  }
  const std::vector<int> producers = TensorProducers(graph);
  for (int n : cut.edge_nodes) {
    for (int32_t t : graph.nodes[n].inputs) {
      if (t < 0) continue;
      const int p = producers[t];
      if (p >= 0 && !on_edge[p]) {
        return InvalidArgument("invalid cut: edge node '" + graph.nodes[n].name + "' reads '" +
                               graph.tensors[t].name + "', produced by server node '" +
                               graph.nodes[p].name + "' (a cut must include every ancestor)");
      }
    }
  }
  return Status::Ok();
}

Status CutFromNodeNames(const Graph& graph, const std::vector<std::string>& names, Cut* out) {
  Cut cut;
  for (const std::string& name : names) {
    const int n = graph.FindNode(name);
    if (n < 0) return NotFound("no node named '" + name + "' in the model");
    cut.edge_nodes.push_back(n);
  }
  std::sort(cut.edge_nodes.begin(), cut.edge_nodes.end());
  cut.edge_nodes.erase(std::unique(cut.edge_nodes.begin(), cut.edge_nodes.end()),
                       cut.edge_nodes.end());
  SEAM_RETURN_IF_ERROR(ValidateCut(graph, cut));
  *out = std::move(cut);
  return Status::Ok();
}

Status CutAfterNode(const Graph& graph, const std::string& node_name, Cut* out) {
  const int target = graph.FindNode(node_name);
  if (target < 0) return NotFound("no node named '" + node_name + "' in the model");
  const std::vector<int> producers = TensorProducers(graph);
  std::vector<bool> on_edge(graph.nodes.size(), false);
  std::vector<int> stack = {target};
  on_edge[target] = true;
  while (!stack.empty()) {
    const int n = stack.back();
    stack.pop_back();
    for (int32_t t : graph.nodes[n].inputs) {
      if (t < 0 || producers[t] < 0 || on_edge[producers[t]]) continue;
      on_edge[producers[t]] = true;
      stack.push_back(producers[t]);
    }
  }
  out->edge_nodes.clear();
  for (size_t n = 0; n < on_edge.size(); ++n) {
    if (on_edge[n]) out->edge_nodes.push_back(static_cast<int>(n));
  }
  return Status::Ok();
}

std::vector<int> CutBoundary(const Graph& graph, const Cut& cut) {
  std::vector<bool> on_edge(graph.nodes.size(), false);
  for (int n : cut.edge_nodes) on_edge[n] = true;
  const std::vector<int> producers = TensorProducers(graph);
  std::vector<bool> available(graph.tensors.size(), false);  // held by the edge
  for (int32_t t : graph.inputs) available[t] = true;
  for (int n : cut.edge_nodes) {
    for (int32_t t : graph.nodes[n].outputs) {
      if (t >= 0) available[t] = true;
    }
  }
  std::vector<bool> crosses(graph.tensors.size(), false);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    if (on_edge[n]) continue;
    for (int32_t t : graph.nodes[n].inputs) {
      if (t >= 0 && available[t]) crosses[t] = true;
    }
  }
  for (int32_t t : graph.outputs) {
    if (available[t]) crosses[t] = true;
  }
  std::vector<int> boundary;
  for (size_t t = 0; t < crosses.size(); ++t) {
    if (crosses[t]) boundary.push_back(static_cast<int>(t));
  }
  return boundary;
}

int64_t CutBoundaryBytes(const Graph& graph, const Cut& cut) {
  int64_t bytes = 0;
  for (int t : CutBoundary(graph, cut)) bytes += static_cast<int64_t>(graph.tensors[t].byte_size());
  return bytes;
}

uint64_t CutId(const Graph& graph, const Cut& cut) {
  std::vector<uint32_t> ids;
  for (int n : cut.edge_nodes) ids.push_back(graph.nodes[n].id);
  std::sort(ids.begin(), ids.end());
  uint64_t h = 0xcbf29ce484222325ULL ^ ids.size();  // FNV-1a over the ids
  for (uint32_t id : ids) {
    for (int b = 0; b < 4; ++b) {
      h ^= (id >> (8 * b)) & 0xff;
      h *= 0x100000001b3ULL;
    }
  }
  return h;
}

std::vector<PartitionPoint> PartitionPoints(const Graph& graph) {
  // Dominators on the node DAG with a virtual source (feeding every node that
  // reads a graph input) and a virtual sink (fed by every producer of a graph
  // output). The partition points are the dominators of the sink. In a DAG,
  // one pass in topological order computes immediate dominators exactly
  // (Cooper, Harvey and Kennedy's intersection on a topological numbering).
  std::vector<int> order;
  if (!TopologicalOrder(graph, &order).ok()) return {};
  const int n = static_cast<int>(graph.nodes.size());
  const int source = n, sink = n + 1;
  std::vector<int> position(n + 2, 0);
  position[source] = -1;
  for (int i = 0; i < n; ++i) position[order[i]] = i;
  position[sink] = n;
  const std::vector<int> producers = TensorProducers(graph);
  std::vector<int> idom(n + 2, -2);  // -2: unreachable
  idom[source] = source;
  auto intersect = [&](int a, int b) {
    while (a != b) {
      while (position[a] > position[b]) a = idom[a];
      while (position[b] > position[a]) b = idom[b];
    }
    return a;
  };
  auto preds_of = [&](int node, std::vector<int>* preds) {
    preds->clear();
    for (int32_t t : graph.nodes[node].inputs) {
      if (t < 0 || graph.tensors[t].is_constant()) continue;
      preds->push_back(producers[t] >= 0 ? producers[t] : source);
    }
    if (preds->empty()) preds->push_back(source);  // a node reading only weights
  };
  std::vector<int> preds;
  for (int node : order) {
    preds_of(node, &preds);
    int dom = -2;
    for (int p : preds) {
      if (idom[p] == -2) continue;
      dom = dom == -2 ? p : intersect(dom, p);
    }
    idom[node] = dom;
  }
  int sink_dom = -2;
  for (int32_t t : graph.outputs) {
    const int p = producers[t] >= 0 ? producers[t] : source;
    if (idom[p] == -2) continue;
    sink_dom = sink_dom == -2 ? p : intersect(sink_dom, p);
  }
  idom[sink] = sink_dom;
  std::vector<int> chain;
  for (int d = sink_dom; d >= 0 && d != source; d = idom[d]) chain.push_back(d);
  std::reverse(chain.begin(), chain.end());
  std::vector<PartitionPoint> points;
  for (int node : chain) {
    Cut cut;
    if (!CutAfterNode(graph, graph.nodes[node].name, &cut).ok()) continue;
    PartitionPoint point;
    point.node = node;
    point.boundary_bytes = CutBoundaryBytes(graph, cut);
    point.edge_nodes = static_cast<int>(cut.edge_nodes.size());
    points.push_back(point);
  }
  return points;
}

}  // namespace seam
