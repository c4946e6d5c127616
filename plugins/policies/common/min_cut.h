// The DADS graph construction (Hu et al., INFOCOM'19; Liang et al., TCC'23,
// Sec. III-B, Fig. 9) and its minimum s-t cut.
//
// Vertices: s (= the edge device), t (= the server), one per node, and one
// AUXILIARY vertex per tensor read by more than one node. The source side of
// the cut is the edge set.
//   s -> v   capacity w.server * server_ms[v]  (cut when v runs on the server:
//            the paper's "red link")
//   v -> t   capacity w.edge * edge_ms[v]      (cut when v runs on the edge:
//            the paper's "blue link")
//   tensor with one reader c:      producer -> c       capacity w.transfer * tx
//   tensor with several readers:   producer -> aux     capacity w.transfer * tx,
//                                  aux -> c (each)     capacity +inf
//     so a tensor's transfer is paid once, however many server nodes read it
//     (a reader on the server drags aux to the sink side; the producer->aux
//     link is then the only finite link that can be cut). A graph input's
//     producer is s itself: the input is pinned to the edge.
//   c -> p   capacity +inf for every producer p of a reader c: an edge node
//            whose producer is on the server would cut it, so every finite cut
//            is closed under predecessors (no server -> edge data flow).
// The cut value of a closed edge set X is therefore exactly
//   w.edge * edge(X) + w.transfer * transfer(X) + w.server * server(X)
// with transfer WITHOUT rtt (rtt is not a sum over links; callers compare with
// the all-edge plan to account for it, see dads.h).
#ifndef SEAM_POLICIES_COMMON_MIN_CUT_H_
#define SEAM_POLICIES_COMMON_MIN_CUT_H_

#include <cstdint>
#include <vector>

#include "plugins/policies/common/max_flow.h"
#include "plugins/policies/common/problem.h"

namespace seam_policy {

// Multipliers of the three cost kinds (DSH's alpha, beta, gamma).
struct CutWeights {
  double edge = 1;
  double transfer = 1;
  double server = 1;
};

// Pins for a sub-problem (DSCCS branch and bound): per node -1 free, 1 edge,
// 0 server.
using Pins = std::vector<int8_t>;

class CutSolver {
 public:
  explicit CutSolver(const Problem& problem) : p_(problem) {}

  // The closed edge set minimising the weighted cost (without rtt) among the
  // sets that respect `pins` (may be null). Returns false when the pins admit
  // no closed set (a pinned edge node below a pinned server node).
  //
  // Costs are scaled to integers (finite costs sum to <= ~2^61 / links) after clipping
  // every capacity at twice the cost of a known feasible plan: a cut through
  // a clipped link costs more than that plan, so it is never chosen, and the
  // clip keeps huge (or +inf, no link) transfer costs from eating precision.
  // The result is optimal up to the rounding of the scaled costs (relative
  // error ~2^61 / links per link, ~1e-15 for DenseNet-121). Among equally
  // cheap sets the largest edge set is returned (the cut closest to t).
  bool Solve(const CutWeights& w, const Pins* pins, std::vector<uint8_t>* on_edge);

  // Weighted cost of a plan without rtt (what the cut value measures).
  double WeightedCost(const CutWeights& w, const std::vector<uint8_t>& on_edge) const;

 private:
  const Problem& p_;
  MaxFlow flow_;
  std::vector<uint8_t> side_;
};

}  // namespace seam_policy

#endif  // SEAM_POLICIES_COMMON_MIN_CUT_H_
