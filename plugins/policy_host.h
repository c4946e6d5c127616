// The host side of partition-policy plugins: describing a graph to a policy,
// calling it, checking its answer, and swapping policies while a stream runs.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "plugins/plugin_library.h"
#include "seam/cut.h"
#include "seam/graph.h"
#include "seam/policy_plugin.h"
#include "seam/status.h"

namespace seam {

// Link and device conditions a policy plans for.
struct PlanConditions {
  double bandwidth_bps = 0;
  double rtt_ms = 0;
  double frame_rate = 0;
  double deadline_ms = 0;
  double server_budget_ms = 0;
  double edge_cpu_load = -1;
  double edge_mem_pressure = -1;
};

struct PlanDecision {
  Cut cut;
  int exit_index = -1;  // -1: the model's outputs; else an index into Graph::exits
  uint32_t mode = SEAM_POLICY_MODE_LIGHT;
  double edge_ms = 0, transfer_ms = 0, server_ms = 0, total_ms = 0, max_stage_ms = 0;
  int64_t boundary_bytes = 0;
  std::string reason;
  std::string policy;
};

// Owns the arrays behind a seam_policy_graph for one Graph and latency set.
class PolicyGraph {
 public:
  PolicyGraph() = default;
  // The C struct points into this object's vectors: it cannot be copied or moved.
  PolicyGraph(const PolicyGraph&) = delete;
  PolicyGraph& operator=(const PolicyGraph&) = delete;

  // `edge_ms` / `server_ms` have one entry per node of `graph`.
  static Status Build(const Graph& graph, const std::vector<double>& edge_ms,
                      const std::vector<double>& server_ms, PolicyGraph* out);
  const seam_policy_graph& c_graph() const { return c_; }
  const Graph& graph() const { return *graph_; }
  // The Graph::exits index of the policy's exit `i` (the C graph lists
  // exits by increasing accuracy, not in the model's order).
  int GraphExitIndex(int i) const { return exit_graph_index_[static_cast<size_t>(i)]; }

 private:
  void Clear();
  const Graph* graph_ = nullptr;
  std::vector<const char*> names_;
  std::vector<uint32_t> ids_;
  std::vector<double> edge_ms_, server_ms_;
  std::vector<int32_t> producer_;
  std::vector<uint64_t> bytes_;
  std::vector<uint32_t> consumer_offsets_, consumers_;
  std::vector<uint8_t> is_output_;
  std::vector<uint32_t> topo_, points_;
  std::vector<double> exit_accuracy_;
  std::vector<uint32_t> exit_offsets_, exit_nodes_;
  std::vector<int32_t> exit_tensor_;
  std::vector<int> exit_graph_index_;
  seam_policy_graph c_{};
};

class Policy {
 public:
  ~Policy();
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

  // Loads a policy plugin by name or path and creates an instance of it.
  static Status Load(const std::string& name_or_path,
                     const std::vector<std::pair<std::string, std::string>>& config,
                     std::shared_ptr<Policy>* out, PluginHost* host = DefaultPluginHost());

  const std::string& name() const { return name_; }
  const PluginLibrary& library() const { return *library_; }

  // Asks the plugin for a cut and checks it: one flag per node, closed under
  // predecessors, a valid exit. A plugin error or an invalid answer is an
  // error naming the plugin; `out` is then left unchanged.
  Status Plan(const PolicyGraph& graph, const PlanConditions& conditions, PlanDecision* out);

 private:
  Policy() = default;
  std::shared_ptr<PluginLibrary> library_;
  const seam_policy_vtable* vtable_ = nullptr;
  void* instance_ = nullptr;
  std::string name_;
  std::vector<uint8_t> on_edge_;
};

// Checks a policy's answer against the graph it was asked about, as
// Policy::Plan does after every call: `on_edge` has one flag (0 or 1) per
// node, the cut it makes is closed under predecessors, the exit index and
// mode are known, the predicted times are numbers >= 0. `policy` names the
// plugin in errors. A separate function so it can be tested (and fuzzed)
// with arbitrary answers, without a plugin.
Status CheckPolicyDecision(const PolicyGraph& graph, const std::string& policy,
                           const uint8_t* on_edge, const seam_policy_decision& decision,
                           PlanDecision* out);

// Holds the active policy; Replace() is atomic with respect to Current(), so
// a stream that snapshots Current() once per frame picks up a new policy at
// its next frame and never sees a half-made one.
class PolicySlot {
 public:
  explicit PolicySlot(std::shared_ptr<Policy> initial) : policy_(std::move(initial)) {}
  std::shared_ptr<Policy> Current() const;
  void Replace(std::shared_ptr<Policy> policy);
  // Loads and installs a policy; on failure the running policy stays.
  Status LoadAndReplace(const std::string& name_or_path,
                        const std::vector<std::pair<std::string, std::string>>& config);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<Policy> policy_;
};

}  // namespace seam
