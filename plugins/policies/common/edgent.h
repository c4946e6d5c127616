// Edgent (Li, Zhou, Chen, MECOMM'18), Algorithm 1: joint exit point and
// partition point selection under a latency requirement.
//
// Candidates, most accurate first:
//   * the main model (exit_index -1, every node) when the graph has no exits,
//     or when none of its exits already is a graph output (then the full
//     model is taken as the most accurate branch, as in BranchyNet);
//   * each early exit (graph->exit_*), by decreasing accuracy (ties: the
//     later exit, the host sorts by increasing accuracy).
// For each candidate, every partition point of its sub-model is tried: the
// first k of its nodes in topological order on the edge, the rest on the
// server (k = 0 is server-only, k = all is device-only), costed with the
// shared cost model over the sub-model's nodes only. The first candidate
// whose best partition meets deadline_ms is chosen (0 = no deadline: the most
// accurate candidate). If none meets it, the fastest candidate is returned
// and the reason says the deadline is missed.
// Nodes outside the chosen sub-model are not run; they are reported as 0
// (server side) so the decision stays closed under predecessors, and cost
// nothing.
#ifndef SEAM_POLICIES_COMMON_EDGENT_H_
#define SEAM_POLICIES_COMMON_EDGENT_H_

#include "plugins/policies/common/plan.h"
#include "plugins/policies/common/problem.h"

namespace seam_policy {

Plan Edgent(const Problem& p);

}  // namespace seam_policy

#endif  // SEAM_POLICIES_COMMON_EDGENT_H_
