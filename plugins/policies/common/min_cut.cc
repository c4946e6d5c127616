// The DADS min-cut graph (see min_cut.h) solved with Dinic.
#include "plugins/policies/common/min_cut.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace seam_policy {
namespace {

// w * x with 0 * inf = 0: a zero weight means "this cost does not matter".
double Mul(double w, double x) { return w == 0 ? 0.0 : w * x; }

}  // namespace

double CutSolver::WeightedCost(const CutWeights& w, const std::vector<uint8_t>& on_edge) const {
  const GraphView& g = p_.g;
  double edge = 0, server = 0, transfer = 0;
  for (int v = 0; v < g.num_nodes; ++v) {
    if (on_edge[v]) {
      edge += g.edge_ms[v];
    } else {
      server += g.server_ms[v];
    }
  }
  for (int t = 0; t < g.num_tensors; ++t) {
    const int prod = g.producer[t];
    if (prod >= 0 && !on_edge[prod]) continue;
    for (int k = g.consumer_offsets[t]; k < g.consumer_offsets[t + 1]; ++k) {
      if (!on_edge[g.consumers[k]]) {
        transfer += p_.tx_ms[t];
        break;
      }
    }
  }
  return Mul(w.edge, edge) + Mul(w.transfer, transfer) + Mul(w.server, server);
}

bool CutSolver::Solve(const CutWeights& w, const Pins* pins, std::vector<uint8_t>* on_edge) {
  const GraphView& g = p_.g;
  const int n = g.num_nodes;
  // A feasible reference plan: all on the edge except the nodes pinned to the
  // server and everything below them.
  std::vector<uint8_t> ref(n, 1);
  if (pins != nullptr) {
    for (int v : g.topo) {
      if ((*pins)[v] == 0) ref[v] = 0;
      for (int u : g.preds[v]) {
        if (!ref[u]) ref[v] = 0;
      }
    }
    for (int v = 0; v < n; ++v) {
      if ((*pins)[v] == 1 && !ref[v]) return false;
    }
  }
  const double ref_cost = WeightedCost(w, ref);
  if (ref_cost == 0) {  // nothing is cheaper than free
    *on_edge = ref;
    return true;
  }
  const double clip =
      std::isfinite(ref_cost) ? 2 * ref_cost : std::numeric_limits<double>::infinity();
  const auto clipped = [clip](double x) { return std::min(x, clip); };

  // Scale: the finite (clipped) costs sum to at most `target`, and "infinite"
  // links get target + 1, more than any cut of finite links, so they are
  // never cut when a finite cut exists. target is chosen so that even every
  // source link at target + 1 sums below 2^61 (push-relabel saturates all of
  // them at once).
  double sum = 0;
  for (int v = 0; v < n; ++v) {
    sum += clipped(Mul(w.server, g.server_ms[v])) + clipped(Mul(w.edge, g.edge_ms[v]));
  }
  for (int t = 0; t < g.num_tensors; ++t) {
    const double c = clipped(Mul(w.transfer, p_.tx_ms[t]));
    if (std::isfinite(c)) sum += c;
  }
  const double target = std::floor(std::ldexp(1.0, 61) / (2.0 * (n + g.num_tensors + 2)));
  const int64_t infinite = static_cast<int64_t>(target) + 1;
  const double scale = sum > 0 ? target / sum : 1.0;
  const auto to_int = [&](double x) -> int64_t {
    x = clipped(x);
    if (!std::isfinite(x)) return infinite;
    return std::min<int64_t>(infinite, std::llround(x * scale));
  };

  int num_aux = 0;
  for (int t = 0; t < g.num_tensors; ++t) num_aux += g.NumConsumers(t) > 1 ? 1 : 0;
  const int s = n, sink = n + 1;
  flow_.Reset(n + 2 + num_aux);
  for (int v = 0; v < n; ++v) {
    int64_t to_server = to_int(Mul(w.server, g.server_ms[v]));  // s -> v
    int64_t to_edge = to_int(Mul(w.edge, g.edge_ms[v]));        // v -> t
    const int pin = pins != nullptr ? (*pins)[v] : -1;
    if (pin == 1) {
      // Pinned to the edge: v -> t is always cut (a constant), s -> v is +inf.
      to_server = infinite;
      to_edge = 0;
    } else if (pin == 0) {
      to_edge = infinite;
      to_server = 0;
    } else {
      // Pre-saturate s -> v -> t: every cut pays min(a, b) for v anyway, so
      // pushing it now leaves Dinic only the flow that decides something.
      const int64_t both = std::min(to_server, to_edge);
      to_server -= both;
      to_edge -= both;
    }
    flow_.AddEdge(s, v, to_server);
    flow_.AddEdge(v, sink, to_edge);
  }
  int aux = n + 2;
  for (int t = 0; t < g.num_tensors; ++t) {
    const int readers = g.NumConsumers(t);
    if (readers == 0) continue;
    const int64_t cap = to_int(Mul(w.transfer, p_.tx_ms[t]));
    const int from = g.producer[t] < 0 ? s : g.producer[t];
    const int* c = &g.consumers[g.consumer_offsets[t]];
    if (readers == 1) {
      flow_.AddEdge(from, c[0], cap);
    } else {
      flow_.AddEdge(from, aux, cap);
      for (int k = 0; k < readers; ++k) flow_.AddEdge(aux, c[k], infinite);
      ++aux;
    }
  }
  for (int v = 0; v < n; ++v) {
    for (int u : g.preds[v]) flow_.AddEdge(v, u, infinite);
  }
  const int64_t value = flow_.Solve(s, sink);
  if (value >= infinite) return false;  // every cut crosses an "infinite" link
  flow_.SourceSide(sink, &side_);
  std::vector<uint8_t> result(side_.begin(), side_.begin() + n);
  if (!IsClosed(g, result)) {
    // Cannot happen for a finite cut (the +inf reverse links); a bug if it does.
    throw std::logic_error("min cut returned an edge set that is not closed under predecessors");
  }
  if (pins != nullptr) {
    for (int v = 0; v < n; ++v) {
      if ((*pins)[v] >= 0 && result[v] != (*pins)[v]) {
        throw std::logic_error("min cut ignored a pinned node");
      }
    }
  }
  // Rounding can only tie-break differently; never return worse than the
  // reference plan.
  *on_edge = WeightedCost(w, result) <= ref_cost ? std::move(result) : std::move(ref);
  return true;
}

}  // namespace seam_policy
