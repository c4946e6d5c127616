// EdgePlanner: monitor sampling, policy calls, server-latency learning and
// the server-down state.
#include "tools/stream/edge_planner.h"

#include <glog/logging.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace seam::stream {
namespace {

// Weight of a new server-time observation in the running scale.
constexpr double kServerScaleAlpha = 0.2;
// Rebuild the policy graph when the learned server scale drifts this much.
constexpr double kServerScaleRebuild = 0.15;
constexpr double kMaxBackoffS = 8.0;

std::string Mbit(double bps) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f Mbit/s", bps / 1e6);
  return text;
}

std::string Ms(double ms) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f ms", ms);
  return text;
}

// What moved between two sets of conditions, for the re-cut's reason.
std::string DescribeChange(const PlanConditions& before, const PlanConditions& after) {
  std::string out;
  auto add = [&out](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  if (std::fabs(after.bandwidth_bps - before.bandwidth_bps) > 0.02 * before.bandwidth_bps) {
    add("bandwidth " + Mbit(before.bandwidth_bps) + " -> " + Mbit(after.bandwidth_bps));
  }
  if (std::fabs(after.rtt_ms - before.rtt_ms) > 1.0)
    add("rtt " + Ms(before.rtt_ms) + " -> " + Ms(after.rtt_ms));
  if (after.edge_cpu_load >= 0 && std::fabs(after.edge_cpu_load - before.edge_cpu_load) > 0.05) {
    add("edge cpu load " + std::to_string(static_cast<int>(100 * before.edge_cpu_load)) + "% -> " +
        std::to_string(static_cast<int>(100 * after.edge_cpu_load)) + "%");
  }
  if (after.edge_mem_pressure >= 0 &&
      std::fabs(after.edge_mem_pressure - before.edge_mem_pressure) > 0.05) {
    add("memory pressure changed");
  }
  return out.empty() ? "server latency re-estimated" : out;
}

}  // namespace

Status EdgePlanner::Create(const Graph& graph, const std::vector<ExitGraph>* exits,
                           std::shared_ptr<Policy> policy, MonitorSet* monitors,
                           std::vector<double> edge_ms, std::vector<double> server_ms,
                           const PlannerOptions& options, std::unique_ptr<EdgePlanner>* out) {
  if (edge_ms.size() != graph.nodes.size() || server_ms.size() != graph.nodes.size()) {
    return InvalidArgument("planner needs one edge and one server latency per node");
  }
  if (exits == nullptr || exits->size() != graph.exits.size()) {
    return InvalidArgument("planner needs one exit sub-graph per exit of the model");
  }
  std::unique_ptr<EdgePlanner> p(new EdgePlanner());
  p->graph_ = &graph;
  p->exits_ = exits;
  p->policy_ = std::move(policy);
  p->monitors_ = monitors;
  p->edge_ms_ = std::move(edge_ms);
  p->server_ms_ = std::move(server_ms);
  p->conditions_ = options.base;
  p->conditions_.bandwidth_bps = options.assumed_bandwidth_bps;
  p->conditions_.rtt_ms = options.assumed_rtt_ms;
  std::lock_guard<std::mutex> lock(p->mutex_);
  SEAM_RETURN_IF_ERROR(p->RebuildGraphLocked());
  *out = std::move(p);
  return Status::Ok();
}

Status EdgePlanner::RebuildGraphLocked() {
  std::vector<double> server(server_ms_);
  for (double& ms : server) ms *= server_scale_;
  graph_server_scale_ = server_scale_;
  return PolicyGraph::Build(*graph_, edge_ms_, server, &policy_graph_);
}

CutChoice EdgePlanner::MakeChoice(const PlanDecision& decision) const {
  CutChoice c;
  c.decision = decision;
  if (decision.exit_index >= 0) {
    // Only the exit's nodes run; the policy's cut restricted to them.
    c.exit_index = decision.exit_index;
    c.exit = &(*exits_)[static_cast<size_t>(decision.exit_index)];
    c.cut = RestrictCutToExit(*c.exit, decision.cut);
  } else {
    c.cut = decision.cut;
  }
  const Graph& g = c.RunGraph(*graph_);
  c.cut_id = CutId(g, c.cut);
  c.edge_only = c.cut.edge_nodes.size() == g.nodes.size();
  c.server_only = c.cut.edge_nodes.empty();
  c.boundary_bytes = c.edge_only ? 0 : CutBoundaryBytes(g, c.cut);
  std::vector<bool> on_edge(g.nodes.size(), false);
  for (int n : c.cut.edge_nodes) on_edge[static_cast<size_t>(n)] = true;
  for (size_t n = 0; n < on_edge.size(); ++n) {
    const size_t model_node = c.exit ? static_cast<size_t>(c.exit->nodes[n]) : n;
    if (!on_edge[n]) c.profiled_server_ms += server_ms_[model_node];
  }
  if (c.edge_only) {
    c.label = "edge only";
  } else if (c.server_only) {
    c.label = "server only";
  } else {
    c.label = "after " + g.nodes[c.cut.edge_nodes.back()].name + " (" +
              std::to_string(c.cut.edge_nodes.size()) + "/" + std::to_string(g.nodes.size()) +
              " on the edge)";
  }
  if (c.exit != nullptr)
    c.label += ", exit " + graph_->exits[static_cast<size_t>(c.exit_index)].name;
  return c;
}

bool EdgePlanner::InstallLocked(CutChoice choice, const std::string& reason, RecutEvent* event) {
  if (current_ != nullptr && current_->cut_id == choice.cut_id &&
      current_->exit_index == choice.exit_index &&
      current_->cut.edge_nodes == choice.cut.edge_nodes) {
    // Same cut; keep the fresher predictions.
    current_ = std::make_shared<const CutChoice>(std::move(choice));
    return false;
  }
  event->from = current_ == nullptr ? "start" : current_->label;
  event->to = choice.label;
  event->reason = reason;
  event->conditions = conditions_;
  event->predicted_ms = choice.decision.total_ms;
  current_ = std::make_shared<const CutChoice>(std::move(choice));
  return true;
}

bool EdgePlanner::Replan(RecutEvent* event, Status* problem, Status* refused) {
  PlanConditions sampled;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    sampled = conditions_;
  }
  // Monitors may probe the link, which takes time: never under the lock.
  if (monitors_ != nullptr) {
    Status s = monitors_->SampleInto(&sampled);
    if (!s.ok()) *problem = s;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  const PlanConditions before = conditions_;
  conditions_ = sampled;
  if (server_down_) return false;
  if (std::fabs(server_scale_ - graph_server_scale_) > kServerScaleRebuild * graph_server_scale_) {
    Status s = RebuildGraphLocked();
    if (!s.ok()) {
      *problem = s;
      return false;
    }
  }
  PlanDecision decision;
  // Policy::Plan checks the answer (one flag per node, closed under
  // predecessors, a known exit) and leaves `decision` alone when it fails:
  // a refused plan never reaches current_, so frames keep the last good cut.
  Status s = policy_->Plan(policy_graph_, conditions_, &decision);
  if (!s.ok()) {
    *refused = s;
    return false;
  }
  std::string reason;
  if (current_ == nullptr) {
    reason = "initial plan (" + Mbit(conditions_.bandwidth_bps) + ", rtt " +
             Ms(conditions_.rtt_ms) + ")";
  } else if (!policy_swapped_.empty()) {
    reason = policy_swapped_;
  } else {
    reason = DescribeChange(before, conditions_);
  }
  policy_swapped_.clear();
  return InstallLocked(MakeChoice(decision), reason, event);
}

void EdgePlanner::SetPolicy(std::shared_ptr<Policy> policy, const std::string& why) {
  std::shared_ptr<Policy> old;
  {
    // Under the lock that Replan holds while it calls the policy: the old one
    // is never swapped out in the middle of a plan.
    std::lock_guard<std::mutex> lock(mutex_);
    old = std::move(policy_);
    policy_ = std::move(policy);
    policy_swapped_ = why;
  }
  // `old` goes here, outside the lock (its destroy() and dlclose() need not
  // hold up frames asking for the current cut), unless main() still holds it.
}

std::shared_ptr<Policy> EdgePlanner::policy() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return policy_;
}

std::shared_ptr<const CutChoice> EdgePlanner::Current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_;
}

PlanConditions EdgePlanner::conditions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return conditions_;
}

void EdgePlanner::ObserveServerCompute(const CutChoice& choice, double measured_ms) {
  const double predicted = choice.profiled_server_ms;
  if (predicted <= 1e-3 || !(measured_ms > 0)) return;
  const double ratio = std::clamp(measured_ms / predicted, 0.05, 50.0);
  std::lock_guard<std::mutex> lock(mutex_);
  server_scale_ = (1 - kServerScaleAlpha) * server_scale_ + kServerScaleAlpha * ratio;
}

void EdgePlanner::MarkServerDown(const std::string& why, RecutEvent* event, bool* changed) {
  std::lock_guard<std::mutex> lock(mutex_);
  *changed = false;
  if (server_down_) return;
  server_down_ = true;
  backoff_s_ = 0.5;
  next_reconnect_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  Cut all;
  for (size_t n = 0; n < graph_->nodes.size(); ++n) all.edge_nodes.push_back(static_cast<int>(n));
  PlanDecision local;
  local.cut = all;
  // An early exit stays taken: running the whole model locally instead
  // would be slower than what the policy chose the exit to avoid.
  local.exit_index = current_ != nullptr ? current_->exit_index : -1;
  local.policy = "fallback";
  local.reason = why;
  *changed = InstallLocked(MakeChoice(local), "server unavailable: " + why, event);
}

void EdgePlanner::MarkServerUp() {
  std::lock_guard<std::mutex> lock(mutex_);
  server_down_ = false;
  backoff_s_ = 0.5;
}

bool EdgePlanner::server_down() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return server_down_;
}

bool EdgePlanner::ReconnectDue() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return server_down_ && std::chrono::steady_clock::now() >= next_reconnect_;
}

void EdgePlanner::ReconnectFailed() {
  std::lock_guard<std::mutex> lock(mutex_);
  backoff_s_ = std::min(kMaxBackoffS, backoff_s_ * 2);
  next_reconnect_ = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<int64_t>(backoff_s_ * 1000));
}

}  // namespace seam::stream
