// DSL, DSH and the DADS mode switch (see dads.h).
#include "plugins/policies/common/dads.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "plugins/policies/common/min_cut.h"

namespace seam_policy {
namespace {

// Better for throughput: lower max stage, then lower total.
bool BetterStage(const Costs& a, const Costs& b) {
  if (a.max_stage_ms != b.max_stage_ms) return a.max_stage_ms < b.max_stage_ms;
  return a.total_ms < b.total_ms;
}

// log2 of the spread of the positive finite costs: how far alpha and gamma
// must range before the scaled cut can flip any decision.
int SearchRange(const Problem& p) {
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  const auto add = [&](double x) {
    if (x > 0 && std::isfinite(x)) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
  };
  for (int v = 0; v < p.g.num_nodes; ++v) {
    add(p.g.edge_ms[v]);
    add(p.g.server_ms[v]);
  }
  for (double t : p.tx_ms) add(t);
  if (!(hi > 0)) return 2;
  // Sums of up to n costs matter, hence the log2(n) slack.
  const double spread = std::log2(hi / lo) + std::log2(p.g.num_nodes + 1.0) + 1;
  return std::clamp(static_cast<int>(std::ceil(spread)), 2, 24);
}

}  // namespace

Plan Dsl(const Problem& p) {
  CutSolver solver(p);
  std::vector<uint8_t> cut;
  if (!solver.Solve(CutWeights{}, nullptr, &cut)) cut.assign(p.g.num_nodes, 1);
  Plan best = MakePlan(p, std::move(cut));
  Plan all_edge = EdgeOnly(p);
  // The cut has no rtt; all-edge is the only plan without one.
  if (all_edge.costs.total_ms <= best.costs.total_ms) best = std::move(all_edge);
  best.reason =
      Format("dsl min-cut: %s, total %.3f ms", DescribeCut(best).c_str(), best.costs.total_ms);
  best.mode = SEAM_POLICY_MODE_LIGHT;
  return best;
}

Plan Dsh(const Problem& p, const DshOptions& options, const Plan* dsl, DshStats* stats) {
  DshStats local;
  Plan best = dsl != nullptr ? *dsl : Dsl(p);
  const Plan all_edge = EdgeOnly(p);
  if (BetterStage(all_edge.costs, best.costs)) best = all_edge;
  {
    // Neurosurgeon's candidates: every prefix of the topological order.
    const std::vector<Costs> prefix = PrefixCosts(p, p.g.topo);
    size_t k_best = prefix.size();
    for (size_t k = 0; k < prefix.size(); ++k) {
      if (BetterStage(prefix[k], best.costs) &&
          (k_best == prefix.size() || BetterStage(prefix[k], prefix[k_best]))) {
        k_best = k;
      }
    }
    if (k_best < prefix.size()) {
      std::vector<uint8_t> on_edge(p.g.num_nodes, 0);
      for (size_t i = 0; i < k_best; ++i) on_edge[p.g.topo[i]] = 1;
      Plan candidate = MakePlan(p, std::move(on_edge));
      if (BetterStage(candidate.costs, best.costs)) best = std::move(candidate);
    }
  }

  // Algorithm 2 over (log2 alpha, log2 gamma).
  CutSolver solver(p);
  std::vector<uint8_t> cut;
  const int refine = std::max(2, options.refine);
  const int range = SearchRange(p);
  double center_a = 0, center_g = 0;
  double half_width = range;  // the search space is center +- half_width
  double previous = std::numeric_limits<double>::infinity();
  for (int round = 0; round < std::max(1, options.max_rounds); ++round) {
    ++local.rounds;
    const double step = half_width / refine;
    double best_a = center_a, best_g = center_g;
    for (int i = -refine; i <= refine; ++i) {
      for (int j = -refine; j <= refine; ++j) {
        const double a = center_a + i * step, g = center_g + j * step;
        if (round > 0 && i == 0 && j == 0) continue;  // the center was evaluated
        CutWeights w;
        w.edge = std::exp2(a);
        w.server = std::exp2(g);
        ++local.min_cuts;
        if (!solver.Solve(w, nullptr, &cut)) continue;
        Plan candidate = MakePlan(p, cut);
        if (BetterStage(candidate.costs, best.costs)) {
          best = std::move(candidate);
          best_a = a;
          best_g = g;
        }
      }
    }
    const double improvement = previous - best.costs.max_stage_ms;
    previous = best.costs.max_stage_ms;
    if (round > 0 && !(improvement > options.epsilon_ms)) break;
    center_a = best_a;
    center_g = best_g;
    half_width = step;
  }
  best.mode = SEAM_POLICY_MODE_HEAVY;
  best.reason = Format("dsh: max stage %.3f ms (e %.2f / t %.2f / s %.2f), %s",
                       best.costs.max_stage_ms, best.costs.edge_ms, best.costs.transfer_ms,
                       best.costs.server_ms, DescribeCut(best).c_str());
  if (stats != nullptr) *stats = local;
  return best;
}

Plan DadsSwitch(const Problem& p, const DshOptions& options, bool heavy) {
  if (!(p.c.frame_rate > 0)) return heavy ? Dsh(p, options) : Dsl(p);
  const double period = FramePeriodMs(p.c);
  Plan dsl = Dsl(p);
  if (dsl.costs.max_stage_ms <= period) {
    dsl.mode = SEAM_POLICY_MODE_LIGHT;
    dsl.reason =
        Format("light: dsl max stage %.3f <= %.3f ms period; %s, total %.3f ms",
               dsl.costs.max_stage_ms, period, DescribeCut(dsl).c_str(), dsl.costs.total_ms);
    return dsl;
  }
  Plan dsh = Dsh(p, options, &dsl);
  if (dsh.costs.max_stage_ms <= period) {
    dsh.mode = SEAM_POLICY_MODE_HEAVY;
    dsh.reason =
        Format("heavy: dsl stage %.3f > %.3f ms period, dsh %.3f ms; %s", dsl.costs.max_stage_ms,
               period, dsh.costs.max_stage_ms, DescribeCut(dsh).c_str());
  } else {
    dsh.mode = SEAM_POLICY_MODE_INFEASIBLE;
    dsh.reason = Format("infeasible: %.3g fps too high, best max stage %.3f > %.3f ms period",
                        p.c.frame_rate, dsh.costs.max_stage_ms, period);
  }
  return dsh;
}

}  // namespace seam_policy
