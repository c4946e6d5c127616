// Maximum flow / minimum s-t cut by push-relabel (Goldberg-Tarjan) on int64
// capacities: FIFO selection, exact distance labels from periodic global
// relabelling (a BFS from the sink), and the gap heuristic. Only the first
// phase runs (a maximum preflow), which is all a minimum cut needs.
//
// Why not Dinic: the DADS graphs of deep models are long chains of node
// vertices each with its own link to the sink; Dinic needs one BFS phase per
// distinct path length (~ the depth, hundreds on DenseNet-121), push-relabel
// with global relabelling a near-linear amount of work.
//
// Integer capacities make the cut exact and the algorithm terminate without
// epsilon games: callers scale their (double) costs to integers first (see
// min_cut.h) and keep every capacity and the sum of the source's capacities
// below 2^61, so no excess overflows.
#ifndef SEAM_POLICIES_COMMON_MAX_FLOW_H_
#define SEAM_POLICIES_COMMON_MAX_FLOW_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace seam_policy {

class MaxFlow {
 public:
  // Starts a new graph with `num_vertices` vertices; keeps allocations.
  void Reset(int num_vertices);
  // A directed edge; zero capacities are dropped.
  void AddEdge(int from, int to, int64_t capacity);
  // Computes a maximum preflow and returns the flow value (the minimum cut).
  int64_t Solve(int source, int sink);
  // After Solve: 1 for the source side of a minimum cut, i.e. the vertices
  // that cannot reach the sink in the residual graph (the cut closest to the
  // sink).
  void SourceSide(int sink, std::vector<uint8_t>* side);

  int num_vertices() const { return num_vertices_; }
  int num_edges() const { return static_cast<int>(to_.size()); }

 private:
  void BuildAdjacency();
  // Heights = residual distance to the sink; unreachable vertices get n.
  void GlobalRelabel(int source, int sink);
  void Discharge(int v, int source, int sink);
  void Relabel(int v);
  void Enqueue(int v);

  int num_vertices_ = 0;
  // Edge 2k is the forward edge, 2k + 1 its residual twin (e ^ 1).
  std::vector<int> from_, to_;
  std::vector<int64_t> cap_;
  std::vector<int> start_, adj_;  // CSR adjacency of edge ids per vertex
  std::vector<int> height_, current_, count_, queue_;
  std::vector<int64_t> excess_;
  std::vector<uint8_t> in_queue_;
  size_t head_ = 0;
  int relabels_ = 0;
};

}  // namespace seam_policy

#endif  // SEAM_POLICIES_COMMON_MAX_FLOW_H_
