// Validation of the host's graph and the shared cost model (see problem.h).
#include "plugins/policies/common/problem.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace seam_policy {
namespace {

std::string NodeLabel(const GraphView& g, int n) { return "node '" + g.Name(n) + "'"; }

// Rows from (row, item) pairs given row by row in increasing row order.
class AdjacencyBuilder {
 public:
  explicit AdjacencyBuilder(Adjacency* out) : out_(out) {
    out_->offsets.assign(1, 0);
    out_->items.clear();
  }
  void Add(int item) { out_->items.push_back(item); }
  void EndRow() { out_->offsets.push_back(static_cast<int>(out_->items.size())); }

 private:
  Adjacency* out_;
};

// Transposes `rows` (num_rows rows over items < num_cols) into `out`.
void Transpose(const Adjacency& rows, int num_rows, int num_cols, Adjacency* out) {
  out->offsets.assign(num_cols + 1, 0);
  for (int item : rows.items) ++out->offsets[item + 1];
  for (int c = 0; c < num_cols; ++c) out->offsets[c + 1] += out->offsets[c];
  out->items.resize(rows.items.size());
  std::vector<int> cursor(out->offsets.begin(), out->offsets.end() - 1);
  for (int r = 0; r < num_rows; ++r) {
    for (int item : rows[r]) out->items[cursor[item]++] = r;
  }
}

bool Fail(std::string* error, std::string message) {
  *error = std::move(message);
  return false;
}

bool ValidLatency(double v) { return std::isfinite(v) && v >= 0; }

}  // namespace

std::string GraphView::Name(int v) const {
  if (host_names != nullptr && host_names[v] != nullptr) return host_names[v];
  return "#" + std::to_string(v);
}

double TransferMs(uint64_t bytes, double bandwidth_bps) {
  if (bytes == 0) return 0;
  if (bandwidth_bps <= 0) return std::numeric_limits<double>::infinity();
  return static_cast<double>(bytes) * 8.0 / bandwidth_bps * 1000.0;
}

bool BuildGraphView(const seam_policy_graph* graph, GraphView* out, std::string* error) {
  if (graph == nullptr) return Fail(error, "graph is null");
  // Everything up to topo_order is required; partition points and exits are
  // optional (an older host may not send them).
  if (!SEAM_HAS_FIELD(seam_policy_graph, graph, topo_order)) {
    return Fail(error, "graph struct_size " + std::to_string(graph->struct_size) +
                           " is too small: this policy needs the fields up to topo_order");
  }
  const seam_policy_graph& cg = *graph;
  if (cg.num_nodes == 0) return Fail(error, "graph has no nodes");
  // Indices are int32 below; refuse graphs that could not be indexed.
  if (cg.num_nodes > (1u << 28) || cg.num_tensors > (1u << 28)) {
    return Fail(error, "graph is too large (" + std::to_string(cg.num_nodes) + " nodes, " +
                           std::to_string(cg.num_tensors) + " tensors)");
  }
  if (cg.edge_ms == nullptr) return Fail(error, "graph edge_ms is null");
  if (cg.server_ms == nullptr) return Fail(error, "graph server_ms is null");
  if (cg.topo_order == nullptr) return Fail(error, "graph topo_order is null");
  if (cg.consumer_offsets == nullptr) return Fail(error, "graph consumer_offsets is null");
  if (cg.num_tensors > 0 && (cg.tensor_producer == nullptr || cg.tensor_bytes == nullptr)) {
    return Fail(error, "graph tensor_producer / tensor_bytes is null");
  }

  GraphView g;
  const int n = static_cast<int>(cg.num_nodes);
  const int nt = static_cast<int>(cg.num_tensors);
  g.num_nodes = n;
  g.num_tensors = nt;
  g.host_names = cg.node_names;
  g.edge_ms.assign(cg.edge_ms, cg.edge_ms + n);
  g.server_ms.assign(cg.server_ms, cg.server_ms + n);
  for (int i = 0; i < n; ++i) {
    if (!ValidLatency(g.edge_ms[i]) || !ValidLatency(g.server_ms[i])) {
      return Fail(error, NodeLabel(g, i) + " has latency edge " + std::to_string(g.edge_ms[i]) +
                             " ms / server " + std::to_string(g.server_ms[i]) +
                             " ms; latencies must be finite and >= 0");
    }
  }

  // Consumers: CSR with monotone offsets, every index in range.
  if (cg.consumer_offsets[0] != 0) {
    return Fail(error,
                "consumer_offsets[0] is " + std::to_string(cg.consumer_offsets[0]) + ", must be 0");
  }
  for (int t = 0; t < nt; ++t) {
    if (cg.consumer_offsets[t + 1] < cg.consumer_offsets[t]) {
      return Fail(error, "consumer_offsets are not monotone at tensor " + std::to_string(t) + " (" +
                             std::to_string(cg.consumer_offsets[t]) + " then " +
                             std::to_string(cg.consumer_offsets[t + 1]) + ")");
    }
  }
  if (cg.consumer_offsets[nt] > 0 && cg.consumers == nullptr) {
    return Fail(error, "graph consumers is null but consumer_offsets lists " +
                           std::to_string(cg.consumer_offsets[nt]) + " consumers");
  }

  g.producer.resize(nt);
  g.bytes.assign(cg.tensor_bytes, cg.tensor_bytes + nt);
  g.is_output.assign(nt, 0);
  if (cg.tensor_is_output != nullptr)
    g.is_output.assign(cg.tensor_is_output, cg.tensor_is_output + nt);
  g.consumer_offsets.assign(1, 0);
  g.consumers.reserve(cg.consumer_offsets[nt]);
  std::vector<int> seen_consumer(n, -1);  // dedupes a node reading a tensor twice
  for (int t = 0; t < nt; ++t) {
    const int32_t p = cg.tensor_producer[t];
    if (p < -1 || p >= n) {
      return Fail(error, "tensor " + std::to_string(t) + ": producer index " + std::to_string(p) +
                             " out of range (" + std::to_string(n) + " nodes, -1 = graph input)");
    }
    g.producer[t] = p;
    for (uint32_t k = cg.consumer_offsets[t]; k < cg.consumer_offsets[t + 1]; ++k) {
      const uint32_t c = cg.consumers[k];
      if (c >= cg.num_nodes) {
        return Fail(error, "tensor " + std::to_string(t) + ": consumer index " + std::to_string(c) +
                               " out of range (" + std::to_string(n) + " nodes)");
      }
      const int ci = static_cast<int>(c);
      if (ci == p) {
        return Fail(error, NodeLabel(g, ci) + " reads its own output (tensor " + std::to_string(t) +
                               "): the graph has a cycle");
      }
      if (seen_consumer[ci] == t) continue;
      seen_consumer[ci] = t;
      g.consumers.push_back(ci);
    }
    g.consumer_offsets.push_back(static_cast<int>(g.consumers.size()));
  }
  // Per-node views: inputs (tensor -> readers transposed), outputs.
  {
    Adjacency readers;
    readers.offsets = g.consumer_offsets;
    readers.items = g.consumers;
    Transpose(readers, nt, n, &g.node_inputs);
    Adjacency produced;
    AdjacencyBuilder rows(&produced);
    for (int t = 0; t < nt; ++t) {
      if (g.producer[t] >= 0) rows.Add(g.producer[t]);
      rows.EndRow();
    }
    Transpose(produced, nt, n, &g.node_outputs);
  }

  // Topological order: a permutation in which producers precede consumers.
  g.topo.resize(n);
  g.pos.assign(n, -1);
  for (int i = 0; i < n; ++i) {
    const uint32_t v = cg.topo_order[i];
    if (v >= cg.num_nodes) {
      return Fail(error, "topo_order[" + std::to_string(i) + "] = " + std::to_string(v) +
                             " out of range (" + std::to_string(n) + " nodes)");
    }
    if (g.pos[v] >= 0) return Fail(error, "topo_order lists " + NodeLabel(g, v) + " twice");
    g.pos[v] = i;
    g.topo[i] = static_cast<int>(v);
  }
  for (int t = 0; t < nt; ++t) {
    const int p = g.producer[t];
    if (p < 0) continue;
    for (int k = g.consumer_offsets[t]; k < g.consumer_offsets[t + 1]; ++k) {
      const int c = g.consumers[k];
      if (g.pos[c] <= g.pos[p]) {
        return Fail(error, "topo_order is not topological (or the graph has a cycle): " +
                               NodeLabel(g, c) + " reads tensor " + std::to_string(t) + " of " +
                               NodeLabel(g, p) + " but comes first");
      }
    }
  }
  // Unique predecessor / successor node lists.
  {
    std::vector<int> mark(n, -1);
    AdjacencyBuilder rows(&g.preds);
    for (int c = 0; c < n; ++c) {
      for (int t : g.node_inputs[c]) {
        const int p = g.producer[t];
        if (p >= 0 && mark[p] != c) {
          mark[p] = c;
          rows.Add(p);
        }
      }
      rows.EndRow();
    }
    Transpose(g.preds, n, n, &g.succs);
  }

  // Early exits (optional fields).
  uint32_t num_exits = 0;
  if (SEAM_HAS_FIELD(seam_policy_graph, graph, exit_output_tensor)) num_exits = cg.num_exits;
  if (num_exits > 0) {
    if (cg.exit_accuracy == nullptr || cg.exit_node_offsets == nullptr ||
        cg.exit_output_tensor == nullptr) {
      return Fail(error, "graph has " + std::to_string(num_exits) + " exits but null exit arrays");
    }
    if (cg.exit_node_offsets[0] != 0) return Fail(error, "exit_node_offsets[0] must be 0");
    if (cg.exit_node_offsets[num_exits] > 0 && cg.exit_nodes == nullptr) {
      return Fail(error, "graph exit_nodes is null");
    }
    std::vector<int> in_exit(n, -1);
    for (uint32_t e = 0; e < num_exits; ++e) {
      const std::string label = "exit " + std::to_string(e);
      if (cg.exit_node_offsets[e + 1] < cg.exit_node_offsets[e]) {
        return Fail(error, "exit_node_offsets are not monotone at " + label);
      }
      ExitView x;
      x.index = static_cast<int>(e);
      x.accuracy = cg.exit_accuracy[e];
      if (!(x.accuracy >= 0 && x.accuracy <= 1)) {
        return Fail(error, label + " accuracy " + std::to_string(x.accuracy) + " is not in [0, 1]");
      }
      x.output_tensor = cg.exit_output_tensor[e];
      if (x.output_tensor < -1 || x.output_tensor >= nt) {
        return Fail(error, label + " output tensor " + std::to_string(x.output_tensor) +
                               " out of range (" + std::to_string(nt) + " tensors)");
      }
      for (uint32_t k = cg.exit_node_offsets[e]; k < cg.exit_node_offsets[e + 1]; ++k) {
        const uint32_t v = cg.exit_nodes[k];
        if (v >= cg.num_nodes) {
          return Fail(error, label + ": node index " + std::to_string(v) + " out of range");
        }
        if (in_exit[v] == static_cast<int>(e)) continue;
        in_exit[v] = static_cast<int>(e);
        x.nodes.push_back(static_cast<int>(v));
      }
      if (x.nodes.empty()) return Fail(error, label + " has no nodes");
      // Prefixes of the exit's nodes are only valid plans when the set holds
      // every ancestor of its members.
      for (int v : x.nodes) {
        for (int p : g.preds[v]) {
          if (in_exit[p] != static_cast<int>(e)) {
            return Fail(error, label + " needs " + NodeLabel(g, v) + " but not its producer " +
                                   NodeLabel(g, p));
          }
        }
      }
      if (x.output_tensor >= 0) {
        const int p = g.producer[x.output_tensor];
        if (p >= 0 && in_exit[p] != static_cast<int>(e)) {
          return Fail(error, label + " output tensor " + std::to_string(x.output_tensor) +
                                 " is produced outside the exit's nodes");
        }
      }
      std::sort(x.nodes.begin(), x.nodes.end(), [&g](int a, int b) { return g.pos[a] < g.pos[b]; });
      g.exits.push_back(std::move(x));
    }
  }
  *out = std::move(g);
  return true;
}

bool ReadConditions(const seam_policy_conditions* conditions, Conditions* out, std::string* error) {
  if (conditions == nullptr) return Fail(error, "conditions is null");
  if (!SEAM_HAS_FIELD(seam_policy_conditions, conditions, rtt_ms)) {
    return Fail(error, "conditions struct_size " + std::to_string(conditions->struct_size) +
                           " is too small: bandwidth_bps and rtt_ms are required");
  }
  Conditions c;
  c.bandwidth_bps = conditions->bandwidth_bps;
  c.rtt_ms = conditions->rtt_ms;
  if (SEAM_HAS_FIELD(seam_policy_conditions, conditions, frame_rate)) {
    c.frame_rate = conditions->frame_rate;
  }
  if (SEAM_HAS_FIELD(seam_policy_conditions, conditions, deadline_ms)) {
    c.deadline_ms = conditions->deadline_ms;
  }
  if (SEAM_HAS_FIELD(seam_policy_conditions, conditions, server_budget_ms)) {
    c.server_budget_ms = conditions->server_budget_ms;
  }
  if (SEAM_HAS_FIELD(seam_policy_conditions, conditions, edge_cpu_load)) {
    c.edge_cpu_load = conditions->edge_cpu_load;
  }
  if (SEAM_HAS_FIELD(seam_policy_conditions, conditions, edge_mem_pressure)) {
    c.edge_mem_pressure = conditions->edge_mem_pressure;
  }
  // +inf bandwidth is allowed (transfer is free); NaN and negatives are not.
  if (!(c.bandwidth_bps >= 0)) {
    return Fail(error,
                "bandwidth_bps " + std::to_string(c.bandwidth_bps) + " must be >= 0 (0 = no link)");
  }
  const std::pair<const char*, double> non_negative[] = {{"rtt_ms", c.rtt_ms},
                                                         {"frame_rate", c.frame_rate},
                                                         {"deadline_ms", c.deadline_ms},
                                                         {"server_budget_ms", c.server_budget_ms}};
  for (const auto& [name, value] : non_negative) {
    if (!ValidLatency(value)) {
      return Fail(error, std::string(name) + " " + std::to_string(value) +
                             " must be finite and >= 0 (0 = not set)");
    }
  }
  const std::pair<const char*, double> loads[] = {{"edge_cpu_load", c.edge_cpu_load},
                                                  {"edge_mem_pressure", c.edge_mem_pressure}};
  for (const auto& [name, value] : loads) {
    if (!(value == -1 || (value >= 0 && value <= 1))) {
      return Fail(error, std::string(name) + " " + std::to_string(value) +
                             " must be in [0, 1] or -1 (unknown)");
    }
  }
  *out = c;
  return true;
}

bool BuildProblem(const seam_policy_graph* graph, const seam_policy_conditions* conditions,
                  Problem* out, std::string* error) {
  Problem p;
  if (!BuildGraphView(graph, &p.g, error)) return false;
  if (!ReadConditions(conditions, &p.c, error)) return false;
  p.tx_ms.resize(p.g.num_tensors);
  for (int t = 0; t < p.g.num_tensors; ++t)
    p.tx_ms[t] = TransferMs(p.g.bytes[t], p.c.bandwidth_bps);
  *out = std::move(p);
  return true;
}

namespace {

void Finish(const Problem& p, Costs* c) {
  if (c->server_nodes > 0) c->transfer_ms += p.c.rtt_ms;
  c->total_ms = c->edge_ms + c->transfer_ms + c->server_ms;
  c->max_stage_ms = std::max({c->edge_ms, c->transfer_ms, c->server_ms});
}

}  // namespace

Costs Evaluate(const Problem& p, const std::vector<uint8_t>& on_edge,
               const std::vector<uint8_t>* active) {
  const GraphView& g = p.g;
  Costs c;
  for (int v = 0; v < g.num_nodes; ++v) {
    if (active != nullptr && !(*active)[v]) continue;
    if (on_edge[v]) {
      c.edge_ms += g.edge_ms[v];
      ++c.edge_nodes;
    } else {
      c.server_ms += g.server_ms[v];
      ++c.server_nodes;
    }
  }
  for (int t = 0; t < g.num_tensors; ++t) {
    const int prod = g.producer[t];
    if (prod >= 0 && (!on_edge[prod] || (active != nullptr && !(*active)[prod]))) continue;
    for (int k = g.consumer_offsets[t]; k < g.consumer_offsets[t + 1]; ++k) {
      const int v = g.consumers[k];
      if (on_edge[v] || (active != nullptr && !(*active)[v])) continue;
      c.transfer_ms += p.tx_ms[t];  // once per tensor
      ++c.crossing_tensors;
      c.crossing_bytes += g.bytes[t];
      break;
    }
  }
  Finish(p, &c);
  return c;
}

bool IsClosed(const GraphView& g, const std::vector<uint8_t>& on_edge) {
  for (int v = 0; v < g.num_nodes; ++v) {
    if (!on_edge[v]) continue;
    for (int u : g.preds[v]) {
      if (!on_edge[u]) return false;
    }
  }
  return true;
}

std::vector<Costs> PrefixCosts(const Problem& p, const std::vector<int>& order) {
  const GraphView& g = p.g;
  const int m = static_cast<int>(order.size());
  // Position of each node within `order` (-1: not in the sub-model).
  std::vector<int> at(g.num_nodes, -1);
  for (int i = 0; i < m; ++i) at[order[i]] = i;
  // A tensor crosses for prefix length k when its producer is in the prefix
  // (position < k; a graph input counts as position -1) and its last reader
  // is not (position >= k): k in [pp + 1, last]. Difference arrays give every
  // k in one pass; +inf costs (no link) are counted separately so inf - inf
  // never appears.
  std::vector<double> diff(m + 2, 0.0);
  std::vector<int> inf_diff(m + 2, 0), count_diff(m + 2, 0);
  std::vector<long double> bytes_diff(m + 2, 0);
  for (int t = 0; t < g.num_tensors; ++t) {
    const int prod = g.producer[t];
    const int pp = prod < 0 ? -1 : at[prod];
    if (prod >= 0 && pp < 0) continue;
    int last = -1;
    for (int k = g.consumer_offsets[t]; k < g.consumer_offsets[t + 1]; ++k) {
      last = std::max(last, at[g.consumers[k]]);
    }
    if (last <= pp) continue;  // no reader in the sub-model after the producer
    const int from = pp + 1, to = last + 1;
    if (std::isinf(p.tx_ms[t])) {
      ++inf_diff[from];
      --inf_diff[to];
    } else {
      diff[from] += p.tx_ms[t];
      diff[to] -= p.tx_ms[t];
    }
    ++count_diff[from];
    --count_diff[to];
    bytes_diff[from] += static_cast<long double>(g.bytes[t]);
    bytes_diff[to] -= static_cast<long double>(g.bytes[t]);
  }
  // Suffix sums (not a running difference) keep the server time exact at
  // every k.
  std::vector<double> server_suffix(m + 1, 0.0);
  for (int i = m - 1; i >= 0; --i) server_suffix[i] = server_suffix[i + 1] + g.server_ms[order[i]];
  std::vector<Costs> out(m + 1);
  double edge = 0, tx = 0;
  int inf_count = 0, crossing = 0;
  long double bytes = 0;
  for (int k = 0; k <= m; ++k) {
    if (k > 0) edge += g.edge_ms[order[k - 1]];
    tx += diff[k];
    inf_count += inf_diff[k];
    crossing += count_diff[k];
    bytes += bytes_diff[k];
    Costs& c = out[k];
    c.edge_nodes = k;
    c.server_nodes = m - k;
    c.edge_ms = edge;
    c.server_ms = server_suffix[k];
    c.transfer_ms = inf_count > 0 ? std::numeric_limits<double>::infinity()
                                  : (crossing > 0 ? std::max(0.0, tx) : 0.0);
    c.crossing_tensors = crossing;
    c.crossing_bytes = static_cast<uint64_t>(bytes + 0.5L);
    Finish(p, &c);
  }
  return out;
}

}  // namespace seam_policy
