// PolicyGraph construction, policy calls with answer checking, hot swap.
#include "plugins/policy_host.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace seam {

Status PolicyGraph::Build(const Graph& g, const std::vector<double>& edge_ms,
                          const std::vector<double>& server_ms, PolicyGraph* out) {
  const size_t n = g.nodes.size();
  if (edge_ms.size() != n || server_ms.size() != n) {
    return InvalidArgument("latency tables have " + std::to_string(edge_ms.size()) + " and " +
                           std::to_string(server_ms.size()) + " entries for " + std::to_string(n) +
                           " nodes");
  }
  PolicyGraph& p = *out;
  p.Clear();
  p.graph_ = &g;
  p.edge_ms_ = edge_ms;
  p.server_ms_ = server_ms;
  for (const Node& node : g.nodes) {
    p.names_.push_back(node.name.c_str());
    p.ids_.push_back(node.id);
  }
  // Activation tensors only, renumbered densely; weights never cross.
  const std::vector<int> producers = TensorProducers(g);
  const std::vector<std::vector<int>> consumers = TensorConsumers(g);
  std::vector<bool> is_output(g.tensors.size(), false);
  for (int32_t t : g.outputs) is_output[t] = true;
  p.consumer_offsets_.push_back(0);
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    if (g.tensors[t].is_constant()) continue;
    p.producer_.push_back(producers[t]);
    p.bytes_.push_back(g.tensors[t].byte_size());
    for (int c : consumers[t]) p.consumers_.push_back(static_cast<uint32_t>(c));
    p.consumer_offsets_.push_back(static_cast<uint32_t>(p.consumers_.size()));
    p.is_output_.push_back(is_output[t] ? 1 : 0);
  }
  std::vector<int> order;
  SEAM_RETURN_IF_ERROR(TopologicalOrder(g, &order));
  p.topo_.assign(order.begin(), order.end());
  for (const PartitionPoint& point : PartitionPoints(g)) p.points_.push_back(point.node);
  // Exits: each needs its output's ancestors; sorted by accuracy.
  std::vector<int> by_accuracy(g.exits.size());
  for (size_t i = 0; i < by_accuracy.size(); ++i) by_accuracy[i] = static_cast<int>(i);
  std::stable_sort(by_accuracy.begin(), by_accuracy.end(), [&g](int a, int b) {
    return g.exits[static_cast<size_t>(a)].accuracy < g.exits[static_cast<size_t>(b)].accuracy;
  });
  p.exit_offsets_.push_back(0);
  for (int index : by_accuracy) {
    const ExitHead& e = g.exits[static_cast<size_t>(index)];
    p.exit_graph_index_.push_back(index);
    const int producer = producers[e.output];
    if (producer >= 0) {
      Cut cut;
      SEAM_RETURN_IF_ERROR(CutAfterNode(g, g.nodes[producer].name, &cut));
      for (int node : cut.edge_nodes) p.exit_nodes_.push_back(static_cast<uint32_t>(node));
    }
    p.exit_offsets_.push_back(static_cast<uint32_t>(p.exit_nodes_.size()));
    p.exit_accuracy_.push_back(e.accuracy);
    // Dense index of the exit tensor.
    int32_t dense = 0;
    for (int t = 0; t < e.output; ++t) {
      if (!g.tensors[t].is_constant()) ++dense;
    }
    p.exit_tensor_.push_back(dense);
  }
  PolicyGraph& q = p;
  seam_policy_graph& cg = q.c_;
  cg.struct_size = sizeof(seam_policy_graph);
  cg.num_nodes = static_cast<uint32_t>(n);
  cg.node_names = q.names_.data();
  cg.node_ids = q.ids_.data();
  cg.edge_ms = q.edge_ms_.data();
  cg.server_ms = q.server_ms_.data();
  cg.num_tensors = static_cast<uint32_t>(q.producer_.size());
  cg.tensor_producer = q.producer_.data();
  cg.tensor_bytes = q.bytes_.data();
  cg.consumer_offsets = q.consumer_offsets_.data();
  cg.consumers = q.consumers_.data();
  cg.tensor_is_output = q.is_output_.data();
  cg.topo_order = q.topo_.data();
  cg.num_partition_points = static_cast<uint32_t>(q.points_.size());
  cg.partition_points = q.points_.data();
  cg.num_exits = static_cast<uint32_t>(q.exit_accuracy_.size());
  cg.exit_accuracy = q.exit_accuracy_.data();
  cg.exit_node_offsets = q.exit_offsets_.data();
  cg.exit_nodes = q.exit_nodes_.data();
  cg.exit_output_tensor = q.exit_tensor_.data();
  return Status::Ok();
}

void PolicyGraph::Clear() {
  graph_ = nullptr;
  names_.clear();
  ids_.clear();
  edge_ms_.clear();
  server_ms_.clear();
  producer_.clear();
  bytes_.clear();
  consumer_offsets_.clear();
  consumers_.clear();
  is_output_.clear();
  topo_.clear();
  points_.clear();
  exit_accuracy_.clear();
  exit_offsets_.clear();
  exit_nodes_.clear();
  exit_tensor_.clear();
  exit_graph_index_.clear();
  c_ = seam_policy_graph{};
}

Policy::~Policy() {
  if (instance_ != nullptr && vtable_ != nullptr && vtable_->destroy != nullptr) {
    vtable_->destroy(instance_);
  }
}

Status Policy::Load(const std::string& name_or_path,
                    const std::vector<std::pair<std::string, std::string>>& config,
                    std::shared_ptr<Policy>* out, PluginHost* host) {
  std::shared_ptr<PluginLibrary> library;
  SEAM_RETURN_IF_ERROR(
      PluginLibrary::OpenByName(name_or_path, SEAM_PLUGIN_KIND_POLICY, host, &library));
  const auto* vt = static_cast<const seam_policy_vtable*>(library->vtable());
  if (!SEAM_HAS_FIELD(seam_policy_vtable, vt, plan) || vt->create == nullptr ||
      vt->destroy == nullptr || vt->plan == nullptr) {
    return InvalidArgument("policy plugin '" + library->path() + "' has an incomplete vtable");
  }
  std::vector<seam_kv> kvs;
  for (const auto& kv : config) kvs.push_back({kv.first.c_str(), kv.second.c_str()});
  char error[512] = {};
  void* instance = nullptr;
  const seam_status st = vt->create(host->api(), kvs.data(), static_cast<uint32_t>(kvs.size()),
                                    &instance, error, sizeof(error));
  error[sizeof(error) - 1] = '\0';
  if (st != SEAM_STATUS_OK || instance == nullptr) {
    return InvalidArgument(
        "policy '" + std::string(library->info().name) + "' (" + library->path() +
        ") failed to start: " + (error[0] ? error : "status " + std::to_string(st)));
  }
  std::shared_ptr<Policy> policy(new Policy());
  policy->library_ = std::move(library);
  policy->vtable_ = vt;
  policy->instance_ = instance;
  policy->name_ = policy->library_->info().name;
  *out = std::move(policy);
  return Status::Ok();
}

Status Policy::Plan(const PolicyGraph& graph, const PlanConditions& conditions, PlanDecision* out) {
  const seam_policy_graph& cg = graph.c_graph();
  seam_policy_conditions cc{};
  cc.struct_size = sizeof(cc);
  cc.bandwidth_bps = conditions.bandwidth_bps;
  cc.rtt_ms = conditions.rtt_ms;
  cc.frame_rate = conditions.frame_rate;
  cc.deadline_ms = conditions.deadline_ms;
  cc.server_budget_ms = conditions.server_budget_ms;
  cc.edge_cpu_load = conditions.edge_cpu_load;
  cc.edge_mem_pressure = conditions.edge_mem_pressure;
  on_edge_.assign(cg.num_nodes, 2);  // 2: "not written", caught below
  seam_policy_decision d{};
  d.struct_size = sizeof(d);
  d.on_edge = on_edge_.data();
  d.exit_index = -1;
  char error[512] = {};
  const seam_status st = vtable_->plan(instance_, &cg, &cc, &d, error, sizeof(error));
  error[sizeof(error) - 1] = '\0';
  if (st != SEAM_STATUS_OK) {
    return Status(StatusCode::kInternal, "policy '" + name_ + "' failed: " +
                                             (error[0] ? error : "status " + std::to_string(st)));
  }
  return CheckPolicyDecision(graph, name_, on_edge_.data(), d, out);
}

Status CheckPolicyDecision(const PolicyGraph& graph, const std::string& policy,
                           const uint8_t* on_edge, const seam_policy_decision& d,
                           PlanDecision* out) {
  const seam_policy_graph& cg = graph.c_graph();
  const Graph& g = graph.graph();
  const std::string bad = "policy '" + policy + "' returned an invalid plan: ";
  Cut cut;
  for (uint32_t n = 0; n < cg.num_nodes; ++n) {
    if (on_edge[n] > 1) {
      return InvalidArgument(bad + "node '" + g.nodes[n].name + "' was not assigned");
    }
    if (on_edge[n]) cut.edge_nodes.push_back(static_cast<int>(n));
  }
  Status valid = ValidateCut(g, cut);
  if (!valid.ok()) return InvalidArgument(bad + valid.message());
  if (d.exit_index < -1 || d.exit_index >= static_cast<int32_t>(cg.num_exits)) {
    return InvalidArgument("policy '" + policy + "' returned exit " + std::to_string(d.exit_index) +
                           " of " + std::to_string(cg.num_exits));
  }
  if (d.mode > SEAM_POLICY_MODE_INFEASIBLE) {
    return InvalidArgument("policy '" + policy + "' returned unknown mode " +
                           std::to_string(d.mode));
  }
  // Predictions reach logs, JSON and the edge's decisions: they must be
  // numbers, >= 0 (infinity is allowed: a transfer over a dead link).
  const std::pair<const char*, double> predictions[] = {{"edge", d.predicted_edge_ms},
                                                        {"transfer", d.predicted_transfer_ms},
                                                        {"server", d.predicted_server_ms},
                                                        {"total", d.predicted_total_ms},
                                                        {"max stage", d.predicted_max_stage_ms}};
  for (const auto& [what, ms] : predictions) {
    if (!(ms >= 0)) {
      return InvalidArgument(bad + "predicted " + what + " time " + std::to_string(ms) +
                             " ms is not a number >= 0");
    }
  }
  PlanDecision decision;
  decision.cut = std::move(cut);
  decision.exit_index = d.exit_index < 0 ? -1 : graph.GraphExitIndex(d.exit_index);
  decision.mode = d.mode;
  decision.edge_ms = d.predicted_edge_ms;
  decision.transfer_ms = d.predicted_transfer_ms;
  decision.server_ms = d.predicted_server_ms;
  decision.total_ms = d.predicted_total_ms;
  decision.max_stage_ms = d.predicted_max_stage_ms;
  decision.boundary_bytes = CutBoundaryBytes(g, decision.cut);
  // The plugin may have filled all of `reason`: its last byte is never read.
  decision.reason.assign(d.reason, strnlen(d.reason, sizeof(d.reason) - 1));
  decision.policy = policy;
  *out = std::move(decision);
  return Status::Ok();
}

std::shared_ptr<Policy> PolicySlot::Current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return policy_;
}

void PolicySlot::Replace(std::shared_ptr<Policy> policy) {
  std::lock_guard<std::mutex> lock(mutex_);
  policy_ = std::move(policy);
}

Status PolicySlot::LoadAndReplace(const std::string& name_or_path,
                                  const std::vector<std::pair<std::string, std::string>>& config) {
  std::shared_ptr<Policy> policy;
  SEAM_RETURN_IF_ERROR(Policy::Load(name_or_path, config, &policy));
  Replace(std::move(policy));
  return Status::Ok();
}

}  // namespace seam
