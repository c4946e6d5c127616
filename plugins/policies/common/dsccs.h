// DSCCS (Liang et al., TCC'23, Sec. IV): minimum total latency subject to a
// per-frame budget on the server, solved exactly by branch and bound.
//
// The paper writes the problem as an ILP over f in {0,1}^n (1 = edge) with
// the budget as a linear constraint and solves it by LP relaxation + branch
// and bound. Here the same 0/1 problem is searched directly:
//   * Constraint: server_ms <= budget (default), or with
//     `include_transfer` the paper's eq. (6): transfer_ms + server_ms <=
//     budget (transfer includes the rtt, as in the cost model).
//   * Objective: total latency (edge + transfer + server), the brief's
//     objective; among plans meeting the budget, lower is better.
//   * Search: depth first over nodes in topological order, each free node
//     tried on both sides. Putting a node on the server puts all its
//     descendants there too (closure), so their server time is charged at
//     once and the budget prunes early. Edge-only (server time 0, nothing
//     sent) always meets the budget and is the first incumbent.
//   * Bounds (no LP): (a) committed cost + sum over undecided nodes of
//     min(edge_ms, server_ms); (b) a Lagrangian bound: for a multiplier
//     lambda >= 0, min over closed sets consistent with the decisions so far
//     of total + lambda * (constraint - budget) is a lower bound on the
//     constrained optimum, and it is one min cut (min_cut.h) with the server
//     (and transfer) weights scaled by 1 + lambda and the decided nodes
//     pinned. lambda is chosen at the root by bisection (the maximiser of the
//     concave dual); every min cut also proposes a plan, kept as incumbent
//     when it meets the budget.
//   * Exactness: without a limit the search is exhaustive, so the result is
//     optimal. `max_nodes` caps the search on huge graphs; hitting it
//     returns the best plan found and says so in the reason.
// Without a budget (0 = not set) DSCCS is DSL. If DSL's plan meets the budget
// it is optimal and returned at once.
#ifndef SEAM_POLICIES_COMMON_DSCCS_H_
#define SEAM_POLICIES_COMMON_DSCCS_H_

#include <cstdint>

#include "plugins/policies/common/plan.h"
#include "plugins/policies/common/problem.h"

namespace seam_policy {

struct DsccsOptions {
  bool include_transfer = false;
  uint64_t max_nodes = 5'000'000;  // branch-and-bound nodes
  // Lagrangian bounds are tried at search nodes with at least this many
  // undecided nodes (each costs a min cut; small subtrees are cheaper to
  // enumerate with bound (a)).
  int lagrangian_min_free = 12;
};

struct DsccsStats {
  uint64_t nodes = 0;
  int min_cuts = 0;
  bool proven_optimal = true;
};

Plan Dsccs(const Problem& p, double budget_ms, const DsccsOptions& options,
           DsccsStats* stats = nullptr);

}  // namespace seam_policy

#endif  // SEAM_POLICIES_COMMON_DSCCS_H_
