// DSCCS branch and bound (see dsccs.h).
#include "plugins/policies/common/dsccs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "plugins/policies/common/dads.h"
#include "plugins/policies/common/min_cut.h"

namespace seam_policy {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

class BranchAndBound {
 public:
  BranchAndBound(const Problem& p, double budget, const DsccsOptions& options)
      : p_(p), g_(p.g), budget_(budget), options_(options), solver_(p) {
    const int n = g_.num_nodes;
    state_.assign(n, -1);
    server_readers_.assign(g_.num_tensors, 0);
    for (int v = 0; v < n; ++v) rem_min_ += std::min(g_.edge_ms[v], g_.server_ms[v]);
    free_ = n;
  }

  // The constraint value of a complete plan's costs.
  double ConstraintOf(const Costs& c) const {
    return options_.include_transfer ? c.server_ms + c.transfer_ms : c.server_ms;
  }
  bool MeetsBudget(const Costs& c) const { return ConstraintOf(c) <= budget_ * (1 + 1e-12); }

  void Offer(const std::vector<uint8_t>& on_edge) {
    const Costs c = Evaluate(p_, on_edge);
    if (MeetsBudget(c) && c.total_ms < best_total_) {
      best_total_ = c.total_ms;
      best_ = on_edge;
    }
  }

  // Chooses the Lagrange multiplier at the root (maximising the dual bound)
  // and collects feasible plans on the way.
  void RootLagrangian() {
    std::vector<uint8_t> x;
    double lo = 0, hi = 1;
    auto dual = [&](double lambda) -> bool {  // returns "x meets the budget"
      if (!SolveWeighted(lambda, nullptr, &x)) return true;
      Offer(x);
      const double value = solver_.WeightedCost(Weights(lambda), x) - lambda * budget_;
      if (value > root_bound_) {
        root_bound_ = value;
        lambda_ = lambda;
        hint_ = x;
      }
      return ConstraintNoRtt(x) <= budget_;
    };
    // Bracket: lo violates (lambda = 0 is DSL, which violates or we would not
    // be here), hi meets.
    if (dual(hi)) {
      while (hi > 1e-9) {
        const double mid = hi / 2;
        if (dual(mid)) {
          hi = mid;
        } else {
          lo = mid;
          break;
        }
      }
    } else {
      lo = hi;
      while (hi < 1e12) {
        hi *= 2;
        if (dual(hi)) break;
        lo = hi;
      }
    }
    for (int i = 0; i < 30 && hi - lo > 1e-9 * hi; ++i) {
      const double mid = lo > 0 && hi / lo > 4 ? std::sqrt(lo * hi) : (lo + hi) / 2;
      if (dual(mid)) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
  }

  void Run(DsccsStats* stats) {
    best_.assign(g_.num_nodes, 1);  // edge-only: always within budget
    best_total_ = Evaluate(p_, best_).total_ms;
    RootLagrangian();
    Search(0);
    stats->nodes = nodes_;
    stats->min_cuts = min_cuts_;
    stats->proven_optimal = !aborted_;
  }

  const std::vector<uint8_t>& best() const { return best_; }

 private:
  CutWeights Weights(double lambda) const {
    CutWeights w;
    w.server = 1 + lambda;
    if (options_.include_transfer) w.transfer = 1 + lambda;
    return w;
  }

  bool SolveWeighted(double lambda, const Pins* pins, std::vector<uint8_t>* x) {
    ++min_cuts_;
    return solver_.Solve(Weights(lambda), pins, x);
  }

  // The constraint without rtt (what the min cut sees).
  double ConstraintNoRtt(const std::vector<uint8_t>& x) const {
    const Costs c = Evaluate(p_, x);
    const double rtt = c.server_nodes > 0 ? p_.c.rtt_ms : 0;
    return options_.include_transfer ? c.server_ms + c.transfer_ms - rtt : c.server_ms;
  }

  double Transfer() const { return inf_transfers_ > 0 ? kInf : transfer_; }
  double Rtt() const { return server_count_ > 0 ? p_.c.rtt_ms : 0; }
  double Committed() const { return edge_ + server_ + Transfer() + Rtt(); }
  bool Feasible() const {
    const double used = options_.include_transfer ? server_ + Transfer() + Rtt() : server_;
    return used <= budget_ * (1 + 1e-12);
  }

  void AddTransfer(int t, int sign) {
    if (std::isinf(p_.tx_ms[t])) {
      inf_transfers_ += sign;
    } else {
      transfer_ += sign * p_.tx_ms[t];
    }
  }
  bool HeldByEdge(int t) const { return g_.producer[t] < 0 || state_[g_.producer[t]] == 1; }

  void SetEdge(int v) {
    state_[v] = 1;
    trail_.push_back(v);
    edge_ += g_.edge_ms[v];
    rem_min_ -= std::min(g_.edge_ms[v], g_.server_ms[v]);
    --free_;
    for (int t : g_.node_outputs[v]) {
      if (server_readers_[t] > 0) AddTransfer(t, +1);
    }
  }
  void SetServer(int v) {
    state_[v] = 0;
    trail_.push_back(v);
    server_ += g_.server_ms[v];
    ++server_count_;
    rem_min_ -= std::min(g_.edge_ms[v], g_.server_ms[v]);
    --free_;
    for (int t : g_.node_inputs[v]) {
      if (server_readers_[t]++ == 0 && HeldByEdge(t)) AddTransfer(t, +1);
    }
  }
  // v and every undecided descendant go to the server (closure).
  void SetServerWithDescendants(int v) {
    stack_.clear();
    SetServer(v);
    stack_.push_back(v);
    while (!stack_.empty()) {
      const int u = stack_.back();
      stack_.pop_back();
      for (int w : g_.succs[u]) {
        if (state_[w] == -1) {
          SetServer(w);
          stack_.push_back(w);
        }
      }
    }
  }
  // Undoes assignments back to trail size `mark`; the sums are restored from
  // `saved` so no rounding accumulates along the search.
  struct Saved {
    double edge, server, transfer, rem_min;
    int inf_transfers, server_count, free;
  };
  Saved Save() const {
    return {edge_, server_, transfer_, rem_min_, inf_transfers_, server_count_, free_};
  }
  void Undo(size_t mark, const Saved& saved) {
    while (trail_.size() > mark) {
      const int v = trail_.back();
      trail_.pop_back();
      if (state_[v] == 0) {
        for (int t : g_.node_inputs[v]) --server_readers_[t];
      }
      state_[v] = -1;
    }
    edge_ = saved.edge;
    server_ = saved.server;
    transfer_ = saved.transfer;
    rem_min_ = saved.rem_min;
    inf_transfers_ = saved.inf_transfers;
    server_count_ = saved.server_count;
    free_ = saved.free;
  }

  bool Prune(double bound) const { return bound >= best_total_ - 1e-12 * std::abs(best_total_); }

  double LagrangianBound() {
    pins_.assign(state_.begin(), state_.end());
    std::vector<uint8_t> x;
    if (!SolveWeighted(lambda_, &pins_, &x)) return kInf;
    Offer(x);
    // Committed server nodes mean every completion pays the rtt (in the
    // objective, and in the budget when transfers count).
    const double rtt = Rtt();
    const double budget = budget_ - (options_.include_transfer ? rtt : 0);
    const double value = solver_.WeightedCost(Weights(lambda_), x) - lambda_ * budget + rtt;
    return value - 1e-10 * std::abs(value);  // slack for the cut's integer rounding
  }

  void Search(int i) {
    if (aborted_) return;
    if (++nodes_ > options_.max_nodes) {
      aborted_ = true;
      return;
    }
    const int n = g_.num_nodes;
    while (i < n && state_[g_.topo[i]] != -1) ++i;
    if (i == n) {
      const double total = Committed();
      if (total < best_total_) {
        best_total_ = total;
        best_.assign(n, 0);
        for (int v = 0; v < n; ++v) best_[v] = state_[v] == 1;
      }
      return;
    }
    if (Prune(Committed() + rem_min_)) return;
    if (free_ >= options_.lagrangian_min_free && lambda_ > 0 && Prune(LagrangianBound())) return;
    const int v = g_.topo[i];
    const bool edge_first = hint_.empty() || hint_[v];
    for (int side = 0; side < 2; ++side) {
      const bool edge = (side == 0) == edge_first;
      const size_t mark = trail_.size();
      const Saved saved = Save();
      if (edge) {
        SetEdge(v);
      } else {
        SetServerWithDescendants(v);
      }
      if (Feasible()) Search(i + 1);
      Undo(mark, saved);
      if (aborted_) return;
    }
  }

  const Problem& p_;
  const GraphView& g_;
  const double budget_;
  const DsccsOptions options_;
  CutSolver solver_;
  std::vector<int8_t> state_;        // -1 undecided, 1 edge, 0 server
  std::vector<int> server_readers_;  // per tensor: readers on the server
  std::vector<int> trail_, stack_;
  Pins pins_;
  double edge_ = 0, server_ = 0, transfer_ = 0, rem_min_ = 0;
  int inf_transfers_ = 0, server_count_ = 0, free_ = 0;
  double lambda_ = 0, root_bound_ = -kInf;
  std::vector<uint8_t> hint_;
  std::vector<uint8_t> best_;
  double best_total_ = kInf;
  uint64_t nodes_ = 0;
  int min_cuts_ = 0;
  bool aborted_ = false;
};

}  // namespace

Plan Dsccs(const Problem& p, double budget_ms, const DsccsOptions& options, DsccsStats* stats) {
  DsccsStats local;
  const char* what = options.include_transfer ? "server+transfer" : "server";
  if (!(budget_ms > 0)) {
    Plan plan = Dsl(p);
    plan.reason = Format("dsccs: no server budget set, unconstrained dsl: %s, total %.3f ms",
                         DescribeCut(plan).c_str(), plan.costs.total_ms);
    if (stats != nullptr) *stats = local;
    return plan;
  }
  Plan dsl = Dsl(p);
  const double dsl_used =
      options.include_transfer ? dsl.costs.server_ms + dsl.costs.transfer_ms : dsl.costs.server_ms;
  if (dsl_used <= budget_ms) {
    // The unconstrained optimum meets the budget: nothing to search.
    dsl.reason = Format("dsccs: dsl plan fits budget (%s %.3f <= %.3f ms), total %.3f ms", what,
                        dsl_used, budget_ms, dsl.costs.total_ms);
    if (stats != nullptr) *stats = local;
    return dsl;
  }
  BranchAndBound search(p, budget_ms, options);
  search.Run(&local);
  Plan plan = MakePlan(p, search.best());
  const double used = options.include_transfer ? plan.costs.server_ms + plan.costs.transfer_ms
                                               : plan.costs.server_ms;
  if (plan.costs.server_nodes == 0) {
    plan.reason = Format("dsccs: budget %.3f ms too small for any offload: edge-only, %.3f ms",
                         budget_ms, plan.costs.total_ms);
  } else {
    plan.reason = Format("dsccs%s: %s %.3f <= %.3f ms, total %.3f ms, %s",
                         local.proven_optimal ? "" : " (search limit, best found)", what, used,
                         budget_ms, plan.costs.total_ms, DescribeCut(plan).c_str());
  }
  if (stats != nullptr) *stats = local;
  return plan;
}

}  // namespace seam_policy
