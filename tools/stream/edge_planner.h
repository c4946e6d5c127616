// EdgePlanner: the decision half of DADS Algorithm 3 on the edge. Monitors
// measure the link (and the device), the policy plugin picks the cut for
// those conditions from per-layer edge and server latencies, and the
// planner re-plans on every tick, publishing a new cut only when the
// policy's answer changes. It also learns: server latency is rescaled from
// the compute times servers report, and a failing server forces edge-only
// until a hello gets through again (with exponential backoff).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "plugins/monitor_host.h"
#include "plugins/policy_host.h"
#include "seam/cut.h"
#include "seam/exit_graph.h"
#include "seam/graph.h"
#include "seam/status.h"

namespace seam::stream {

// One cut the stream runs with, as every frame sees it. With an early exit
// (Edgent), the frame runs only the exit's sub-graph: `cut` and `cut_id`
// are then those of exit->graph, and the frame's output is the exit head's.
struct CutChoice {
  Cut cut;
  uint64_t cut_id = 0;
  int exit_index = -1;              // -1: the model's outputs; else Graph::exits index
  const ExitGraph* exit = nullptr;  // set when exit_index >= 0
  // The graph this choice runs: the model's, or the exit's sub-graph.
  const Graph& RunGraph(const Graph& model) const { return exit ? exit->graph : model; }
  bool edge_only = false;
  bool server_only = false;
  int64_t boundary_bytes = 0;
  double profiled_server_ms = 0;  // the server's start-up profile of its part
  // "edge only", "server only", "after conv3 (7/24 on the edge)", with
  // ", exit NAME" appended when the choice takes an early exit.
  std::string label;
  PlanDecision decision;
};

// A change of cut, and why.
struct RecutEvent {
  std::string from, to;
  std::string reason;
  PlanConditions conditions;
  double predicted_ms = 0;
};

struct PlannerOptions {
  PlanConditions base;  // frame_rate, deadline_ms, server_budget_ms from the command line
  // Link values to assume until a monitor has measured them.
  double assumed_bandwidth_bps = 10e6;
  double assumed_rtt_ms = 10;
};

class EdgePlanner {
 public:
  // `edge_ms` and `server_ms` have one entry per graph node. `exits` holds
  // one ExitGraph per Graph::exits entry (in order) and outlives the planner.
  static Status Create(const Graph& graph, const std::vector<ExitGraph>* exits,
                       std::shared_ptr<Policy> policy, MonitorSet* monitors,
                       std::vector<double> edge_ms, std::vector<double> server_ms,
                       const PlannerOptions& options, std::unique_ptr<EdgePlanner>* out);

  // Samples the monitors and asks the policy; true (and `event`) when the
  // cut changed. A monitor error lands in `problem` (the readings that did
  // come in are used). A plan the policy failed to make, or one the host's
  // checks refused (Policy::Plan), lands in `refused`. Either way the
  // current cut stays.
  bool Replan(RecutEvent* event, Status* problem, Status* refused);

  // Swaps the policy (a plugin reloaded on SIGHUP); the next Replan asks the
  // new one, and a re-cut it makes gives `why` as its reason.
  void SetPolicy(std::shared_ptr<Policy> policy, const std::string& why);
  std::shared_ptr<Policy> policy() const;

  std::shared_ptr<const CutChoice> Current() const;
  PlanConditions conditions() const;

  // The server's measured compute time for a frame cut by `choice`.
  void ObserveServerCompute(const CutChoice& choice, double measured_ms);
  // A request failed: plan edge-only (keeping the current exit) until
  // MarkServerUp().
  void MarkServerDown(const std::string& why, RecutEvent* event, bool* changed);
  void MarkServerUp();
  bool server_down() const;
  // When the next reconnection attempt is due (exponential backoff).
  bool ReconnectDue() const;
  void ReconnectFailed();

 private:
  EdgePlanner() = default;
  Status RebuildGraphLocked();
  CutChoice MakeChoice(const PlanDecision& decision) const;
  bool InstallLocked(CutChoice choice, const std::string& reason, RecutEvent* event);

  const Graph* graph_ = nullptr;
  const std::vector<ExitGraph>* exits_ = nullptr;
  std::shared_ptr<Policy> policy_;
  MonitorSet* monitors_ = nullptr;
  std::vector<double> edge_ms_, server_ms_;

  mutable std::mutex mutex_;
  PolicyGraph policy_graph_;
  double server_scale_ = 1.0;        // measured / profiled server time (EWMA)
  double graph_server_scale_ = 1.0;  // the scale policy_graph_ was built with
  PlanConditions conditions_;
  std::shared_ptr<const CutChoice> current_;
  bool server_down_ = false;
  std::chrono::steady_clock::time_point next_reconnect_;
  double backoff_s_ = 0.5;
  std::string policy_swapped_;  // the reason for the first re-cut of a swapped-in policy
};

}  // namespace seam::stream
