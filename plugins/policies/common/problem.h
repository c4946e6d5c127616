// The planning problem every policy works on: a validated C++ copy of the
// host's seam_policy_graph and seam_policy_conditions, plus the shared cost
// model.
//
// Cost model (all policies, all tests):
//   edge     = sum of edge_ms over the nodes that run on the edge
//   server   = sum of server_ms over the nodes that run on the server
//   transfer = for every tensor produced on the edge (or a graph input, which
//              the edge holds) that at least one server node reads, its bytes
//              counted ONCE however many server nodes read it:
//                  bytes * 8 / bandwidth_bps * 1000  [ms]
//              plus rtt_ms when any node runs on the server (the request and
//              the reply). Graph outputs produced on the edge are not sent:
//              the edge already has them. An all-edge plan has no transfer and
//              no rtt.
//   total    = edge + transfer + server   (predicted_total_ms)
//   max stage = max(edge, transfer, server)  (the pipeline's period,
//              predicted_max_stage_ms; transfer includes the rtt)
// bandwidth_bps == 0 means "no link": any tensor with bytes > 0 costs +inf to
// send, so every policy falls back to plans that send nothing.
//
// A plan is a set of edge nodes closed under predecessors: every producer of
// an edge node's input runs on the edge too (data only flows edge -> server).
#ifndef SEAM_POLICIES_COMMON_PROBLEM_H_
#define SEAM_POLICIES_COMMON_PROBLEM_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "seam/policy_plugin.h"

namespace seam_policy {

// One early exit: the nodes its output needs, in topological order.
struct ExitView {
  int index = 0;  // index in the host's exit arrays
  double accuracy = 0;
  std::vector<int> nodes;  // ancestor-closed, sorted by topological position
  int output_tensor = -1;
};

// Compressed sparse rows: adjacency[v] is a range of ints. Flat arrays keep
// building the view cheap (no per-node allocations).
struct Adjacency {
  struct Range {
    const int* first;
    const int* last;
    const int* begin() const { return first; }
    const int* end() const { return last; }
    size_t size() const { return static_cast<size_t>(last - first); }
  };
  std::vector<int> offsets;  // [rows + 1]
  std::vector<int> items;
  Range operator[](int row) const {
    return {items.data() + offsets[row], items.data() + offsets[row + 1]};
  }
};

struct GraphView {
  int num_nodes = 0;
  int num_tensors = 0;
  const char* const* host_names = nullptr;  // borrowed for the call; may be null
  std::vector<double> edge_ms, server_ms;
  std::vector<int> producer;  // -1: graph input (held by the edge)
  std::vector<uint64_t> bytes;
  std::vector<uint8_t> is_output;
  std::vector<int> consumer_offsets;  // CSR, consumers deduplicated per tensor
  std::vector<int> consumers;
  Adjacency node_inputs;   // tensors a node reads (unique)
  Adjacency node_outputs;  // tensors a node produces
  Adjacency preds, succs;  // producer / consumer nodes (unique)
  std::vector<int> topo;   // the host's topological order
  std::vector<int> pos;    // pos[node] = position in topo
  std::vector<ExitView> exits;

  int NumConsumers(int t) const { return consumer_offsets[t + 1] - consumer_offsets[t]; }
  // The host's name of a node, "#i" when it gave none.
  std::string Name(int v) const;
};

struct Conditions {
  double bandwidth_bps = 0;
  double rtt_ms = 0;
  double frame_rate = 0;
  double deadline_ms = 0;
  double server_budget_ms = 0;
  double edge_cpu_load = -1;
  double edge_mem_pressure = -1;
};

struct Problem {
  GraphView g;
  Conditions c;
  std::vector<double> tx_ms;  // per tensor, without rtt; +inf with no link
};

// Copies and checks the host's graph. On failure returns false and says why.
bool BuildGraphView(const seam_policy_graph* graph, GraphView* out, std::string* error);

// Copies and checks conditions; fields an older host does not know keep
// their "not set" defaults.
bool ReadConditions(const seam_policy_conditions* conditions, Conditions* out, std::string* error);

// Transfer time of `bytes` without rtt (ms); 0 for 0 bytes, +inf with no link.
double TransferMs(uint64_t bytes, double bandwidth_bps);

bool BuildProblem(const seam_policy_graph* graph, const seam_policy_conditions* conditions,
                  Problem* out, std::string* error);

struct Costs {
  double edge_ms = 0;
  double transfer_ms = 0;  // includes rtt when any node runs on the server
  double server_ms = 0;
  double total_ms = 0;
  double max_stage_ms = 0;
  int edge_nodes = 0;
  int server_nodes = 0;
  int crossing_tensors = 0;
  uint64_t crossing_bytes = 0;
};

// Costs of a plan. `active` (optional) restricts the model to a sub-model
// (an early exit): inactive nodes are not run and cost nothing, and only
// active consumers make a tensor cross.
Costs Evaluate(const Problem& p, const std::vector<uint8_t>& on_edge,
               const std::vector<uint8_t>* active = nullptr);

// True when `on_edge` is closed under predecessors.
bool IsClosed(const GraphView& g, const std::vector<uint8_t>& on_edge);

// Costs of every prefix of `order` (a topologically ordered, ancestor-closed
// node list) as the edge set: result[k] is the plan "first k nodes of `order`
// on the edge, the rest of `order` on the server", k = 0..order.size().
// O(nodes + tensors).
std::vector<Costs> PrefixCosts(const Problem& p, const std::vector<int>& order);

}  // namespace seam_policy

#endif  // SEAM_POLICIES_COMMON_PROBLEM_H_
