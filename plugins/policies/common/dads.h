// DADS / DNN Surgery (Hu et al., INFOCOM'19; Liang et al., TCC'23, Sec. III).
//
// DSL (light workload): the minimum total latency plan, exactly, via the
// min-cut construction of min_cut.h. The cut value has no rtt (it is paid
// once by any plan that uses the server, not per link), so DSL takes the min
// cut X* over all closed sets and returns the cheaper of X* (+ rtt if X* uses
// the server) and the all-edge plan (no rtt). That is optimal: if X* uses the
// server it is the cheapest plan that does; if X* is all-edge, every plan that
// uses the server costs at least as much before its rtt.
//
// DSH (heavy workload): minimise the max stage max(edge, transfer, server).
// NP-hard (Theorem 1); the paper re-runs the min cut with the edge and server
// capacities scaled by alpha and gamma (beta = 1 on transfers, only the ratios
// matter) and keeps the plan with the smallest max stage (Algorithm 2): a
// coarse grid over (alpha, gamma), then repeatedly a finer grid (step / K)
// around the best point until the max stage improves by less than epsilon.
// Differences from the paper, both to make it bounded and no worse:
//  * the grid is over log2(alpha), log2(gamma) in [-L, L] (L from the ratio of
//    the largest to the smallest cost, at most 24) instead of [0, max/min]
//    linearly: the cut depends on cost ratios, so a log grid covers orders of
//    magnitude with a fixed number of cuts;
//  * the DSL plan (alpha = gamma = 1), the all-edge plan and every prefix of
//    the topological order (Neurosurgeon's candidates, O(n) for all) seed the
//    search. Seeding with DSL keeps the paper's guarantee: max stage(DSH) <=
//    max stage(DSL) <= total(DSL) <= total(throughput-optimal plan) <= 3 x
//    the optimal max stage (Theorem 2).
// Ties in max stage go to the lower total latency.
//
// Algorithm 3 (mode switch, used by dads-light and dads-heavy): with a frame
// rate set, the period is 1000 / rate ms. DSL's plan is returned as LIGHT when
// its max stage fits the period; otherwise DSH runs and its plan is HEAVY when
// it fits, INFEASIBLE (rate too high, DSH's plan as best effort) when not.
// Without a frame rate dads-light returns DSL (LIGHT) and dads-heavy DSH
// (HEAVY).
#ifndef SEAM_POLICIES_COMMON_DADS_H_
#define SEAM_POLICIES_COMMON_DADS_H_

#include "plugins/policies/common/plan.h"
#include "plugins/policies/common/problem.h"

namespace seam_policy {

Plan Dsl(const Problem& p);

struct DshOptions {
  int refine = 4;            // K: each round's step is the previous step / K
  int max_rounds = 6;        // rounds of grid refinement at most
  double epsilon_ms = 1e-6;  // stop when a round improves the max stage by less
};

struct DshStats {
  int min_cuts = 0;
  int rounds = 0;
};

// `dsl` (optional) is a DSL plan already computed for `p`.
Plan Dsh(const Problem& p, const DshOptions& options, const Plan* dsl = nullptr,
         DshStats* stats = nullptr);

// Algorithm 3. `heavy` selects the answer without a frame rate: DSH when
// true (dads-heavy), DSL when false (dads-light).
Plan DadsSwitch(const Problem& p, const DshOptions& options, bool heavy);

}  // namespace seam_policy

#endif  // SEAM_POLICIES_COMMON_DADS_H_
