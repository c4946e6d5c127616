// FIFO push-relabel with global relabelling and the gap heuristic.
#include "plugins/policies/common/max_flow.h"

#include <algorithm>

namespace seam_policy {

void MaxFlow::Reset(int num_vertices) {
  num_vertices_ = num_vertices;
  from_.clear();
  to_.clear();
  cap_.clear();
}

void MaxFlow::AddEdge(int from, int to, int64_t capacity) {
  if (capacity <= 0 || from == to) return;
  from_.push_back(from);
  to_.push_back(to);
  cap_.push_back(capacity);
  from_.push_back(to);
  to_.push_back(from);
  cap_.push_back(0);
}

void MaxFlow::BuildAdjacency() {
  start_.assign(num_vertices_ + 1, 0);
  for (int v : from_) ++start_[v + 1];
  for (int v = 0; v < num_vertices_; ++v) start_[v + 1] += start_[v];
  adj_.resize(from_.size());
  current_.assign(start_.begin(), start_.end() - 1);  // fill cursor
  for (int e = 0; e < static_cast<int>(from_.size()); ++e) adj_[current_[from_[e]]++] = e;
}

void MaxFlow::GlobalRelabel(int source, int sink) {
  const int n = num_vertices_;
  height_.assign(n, n);
  count_.assign(2 * n + 1, 0);
  height_[sink] = 0;
  // BFS from the sink over residual edges u -> w (the twin of w's edge e is
  // u -> w; it has room when cap_[e ^ 1] > 0).
  std::vector<int>& bfs = queue_;
  bfs.clear();
  bfs.push_back(sink);
  for (size_t i = 0; i < bfs.size(); ++i) {
    const int w = bfs[i];
    for (int k = start_[w]; k < start_[w + 1]; ++k) {
      const int e = adj_[k];
      const int u = to_[e];
      if (u == source || height_[u] != n || cap_[e ^ 1] <= 0) continue;
      height_[u] = height_[w] + 1;
      bfs.push_back(u);
    }
  }
  height_[source] = n;
  for (int v = 0; v < n; ++v) {
    ++count_[height_[v]];
    current_[v] = start_[v];
  }
  // Rebuild the active queue: vertices with excess that can still reach the sink.
  queue_.clear();
  head_ = 0;
  in_queue_.assign(n, 0);
  for (int v = 0; v < n; ++v) {
    if (v != source && v != sink && excess_[v] > 0 && height_[v] < n) Enqueue(v);
  }
  relabels_ = 0;
}

void MaxFlow::Enqueue(int v) {
  if (in_queue_[v]) return;
  in_queue_[v] = 1;
  queue_.push_back(v);
}

void MaxFlow::Relabel(int v) {
  const int n = num_vertices_;
  const int old = height_[v];
  int lowest = 2 * n;
  for (int k = start_[v]; k < start_[v + 1]; ++k) {
    const int e = adj_[k];
    if (cap_[e] > 0) lowest = std::min(lowest, height_[to_[e]]);
  }
  height_[v] = std::min(lowest + 1, n);
  current_[v] = start_[v];
  ++relabels_;
  --count_[old];
  ++count_[height_[v]];
  // Gap: nothing is left at height `old`, so nothing above it can reach the
  // sink any more.
  if (count_[old] == 0 && old < n) {
    for (int u = 0; u < n; ++u) {
      if (height_[u] > old && height_[u] < n) {
        --count_[height_[u]];
        height_[u] = n;
        ++count_[n];
      }
    }
  }
}

void MaxFlow::Discharge(int v, int source, int sink) {
  const int n = num_vertices_;
  while (excess_[v] > 0) {
    if (current_[v] == start_[v + 1]) {
      Relabel(v);
      if (height_[v] >= n) return;  // cannot reach the sink: phase 1 leaves it
      continue;
    }
    const int e = adj_[current_[v]];
    const int w = to_[e];
    if (cap_[e] > 0 && height_[v] == height_[w] + 1) {
      const int64_t d = std::min(excess_[v], cap_[e]);
      cap_[e] -= d;
      cap_[e ^ 1] += d;
      excess_[v] -= d;
      excess_[w] += d;
      if (w != source && w != sink) Enqueue(w);
      if (cap_[e] == 0) ++current_[v];
    } else {
      ++current_[v];
    }
  }
}

int64_t MaxFlow::Solve(int source, int sink) {
  BuildAdjacency();
  const int n = num_vertices_;
  excess_.assign(n, 0);
  // Saturate every edge out of the source.
  for (int k = start_[source]; k < start_[source + 1]; ++k) {
    const int e = adj_[k];
    const int64_t d = cap_[e];
    if (d <= 0) continue;
    cap_[e] -= d;
    cap_[e ^ 1] += d;
    excess_[to_[e]] += d;
  }
  GlobalRelabel(source, sink);
  while (head_ < queue_.size()) {
    const int v = queue_[head_++];
    in_queue_[v] = 0;
    if (height_[v] >= n) continue;
    Discharge(v, source, sink);
    // Exact labels keep the pushes short; relabel globally after ~n local ones.
    if (relabels_ > n) GlobalRelabel(source, sink);
  }
  return excess_[sink];
}

void MaxFlow::SourceSide(int sink, std::vector<uint8_t>* side) {
  // Vertices that can reach the sink in the residual graph are the sink side.
  side->assign(num_vertices_, 1);
  std::vector<int> stack = {sink};
  (*side)[sink] = 0;
  while (!stack.empty()) {
    const int w = stack.back();
    stack.pop_back();
    for (int k = start_[w]; k < start_[w + 1]; ++k) {
      const int e = adj_[k];
      const int u = to_[e];
      if ((*side)[u] && cap_[e ^ 1] > 0) {
        (*side)[u] = 0;
        stack.push_back(u);
      }
    }
  }
}

}  // namespace seam_policy
