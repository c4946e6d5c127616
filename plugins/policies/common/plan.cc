// Plans, reasons and the simple policies.
#include "plugins/policies/common/plan.h"

#include <cstdarg>
#include <cstdio>
#include <limits>
#include <utility>

namespace seam_policy {

std::string Format(const char* format, ...) {
  char buffer[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buffer, sizeof(buffer), format, args);
  va_end(args);
  return buffer;
}

Plan MakePlan(const Problem& p, std::vector<uint8_t> on_edge, const std::vector<uint8_t>* active) {
  Plan plan;
  plan.costs = Evaluate(p, on_edge, active);
  plan.on_edge = std::move(on_edge);
  return plan;
}

std::string DescribeCut(const Plan& plan) {
  const Costs& c = plan.costs;
  return Format("%d/%d nodes on edge, %d tensor%s (%.3g MB) cross", c.edge_nodes,
                c.edge_nodes + c.server_nodes, c.crossing_tensors,
                c.crossing_tensors == 1 ? "" : "s", static_cast<double>(c.crossing_bytes) / 1e6);
}

Plan EdgeOnly(const Problem& p) {
  Plan plan = MakePlan(p, std::vector<uint8_t>(p.g.num_nodes, 1));
  plan.reason = Format("edge-only: %.3f ms on the edge, nothing sent", plan.costs.total_ms);
  return plan;
}

Plan ServerOnly(const Problem& p) {
  Plan plan = MakePlan(p, std::vector<uint8_t>(p.g.num_nodes, 0));
  plan.reason = Format("server-only: send inputs (%.3g MB, %.3f ms) + %.3f ms on the server",
                       static_cast<double>(plan.costs.crossing_bytes) / 1e6, plan.costs.transfer_ms,
                       plan.costs.server_ms);
  return plan;
}

Plan BestPrefix(const Problem& p) {
  const std::vector<Costs> costs = PrefixCosts(p, p.g.topo);
  size_t best = costs.size() - 1;  // all-edge wins ties: no link needed
  for (size_t k = costs.size(); k-- > 0;) {
    if (costs[k].total_ms < costs[best].total_ms) best = k;
  }
  std::vector<uint8_t> on_edge(p.g.num_nodes, 0);
  for (size_t i = 0; i < best; ++i) on_edge[p.g.topo[i]] = 1;
  Plan plan = MakePlan(p, std::move(on_edge));
  if (best == 0) {
    plan.reason =
        Format("neurosurgeon: server-only is the best split, total %.3f ms", plan.costs.total_ms);
  } else if (best == costs.size() - 1) {
    plan.reason =
        Format("neurosurgeon: edge-only is the best split, total %.3f ms", plan.costs.total_ms);
  } else {
    plan.reason =
        Format("neurosurgeon: split after '%s' (%zu/%zu), total %.3f ms",
               p.g.Name(p.g.topo[best - 1]).c_str(), best, costs.size() - 1, plan.costs.total_ms);
  }
  return plan;
}

double FramePeriodMs(const Conditions& c) {
  return c.frame_rate > 0 ? 1000.0 / c.frame_rate : std::numeric_limits<double>::infinity();
}

void SetModeFromRate(const Problem& p, Plan* plan) {
  plan->mode = plan->costs.max_stage_ms <= FramePeriodMs(p.c) ? SEAM_POLICY_MODE_LIGHT
                                                              : SEAM_POLICY_MODE_INFEASIBLE;
}

}  // namespace seam_policy
