// A policy's answer before it is copied into the host's decision struct, and
// the simple policies (edge-only, server-only, Neurosurgeon's chain scan).
#ifndef SEAM_POLICIES_COMMON_PLAN_H_
#define SEAM_POLICIES_COMMON_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "plugins/policies/common/problem.h"

namespace seam_policy {

struct Plan {
  std::vector<uint8_t> on_edge;
  Costs costs;
  int exit_index = -1;
  uint32_t mode = SEAM_POLICY_MODE_LIGHT;
  std::string reason;
};

// printf into a std::string (reasons are one line, the host keeps 127 chars).
std::string Format(const char* format, ...) __attribute__((format(printf, 1, 2)));

// A plan for `on_edge` with its costs (`active`: see Evaluate).
Plan MakePlan(const Problem& p, std::vector<uint8_t> on_edge,
              const std::vector<uint8_t>* active = nullptr);

// "12/40 nodes on edge, 2 tensors (1.5 MB)" for reasons.
std::string DescribeCut(const Plan& plan);

Plan EdgeOnly(const Problem& p);
Plan ServerOnly(const Problem& p);

// Neurosurgeon (Kang et al., ASPLOS'17) on the topological order: the best
// prefix of topo_order as the edge set (every prefix of a topological order
// is closed under predecessors), by total latency. O(nodes + tensors).
Plan BestPrefix(const Problem& p);

// The period a frame rate allows, in ms (+inf when no rate is set).
double FramePeriodMs(const Conditions& c);

// For policies without a throughput mode: INFEASIBLE when a frame rate is set
// and the plan's max stage exceeds its period, LIGHT otherwise.
void SetModeFromRate(const Problem& p, Plan* plan);

}  // namespace seam_policy

#endif  // SEAM_POLICIES_COMMON_PLAN_H_
