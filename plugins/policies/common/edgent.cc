// Edgent's exit and partition search (see edgent.h).
#include "plugins/policies/common/edgent.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace seam_policy {
namespace {

struct Candidate {
  int exit_index = -1;
  double accuracy = 0;
  const std::vector<int>* nodes = nullptr;  // topologically ordered
  size_t best_k = 0;
  Costs best;
};

}  // namespace

Plan Edgent(const Problem& p) {
  const GraphView& g = p.g;
  std::vector<Candidate> candidates;
  bool exit_is_output = false;
  for (const ExitView& e : g.exits) {
    if (e.output_tensor >= 0 && g.is_output[e.output_tensor]) exit_is_output = true;
  }
  if (g.exits.empty() || !exit_is_output) {
    Candidate main;
    main.accuracy = 2;  // above every exit
    main.nodes = &g.topo;
    candidates.push_back(main);
  }
  for (const ExitView& e : g.exits) {
    Candidate c;
    c.exit_index = e.index;
    c.accuracy = e.accuracy;
    c.nodes = &e.nodes;
    candidates.push_back(c);
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) {
                     if (a.accuracy != b.accuracy) return a.accuracy > b.accuracy;
                     return a.exit_index > b.exit_index;  // -1 (main) has accuracy 2, never ties
                   });
  for (Candidate& c : candidates) {
    const std::vector<Costs> costs = PrefixCosts(p, *c.nodes);
    c.best_k = costs.size() - 1;  // device-only wins ties: no link needed
    for (size_t k = costs.size(); k-- > 0;) {
      if (costs[k].total_ms < costs[c.best_k].total_ms) c.best_k = k;
    }
    c.best = costs[c.best_k];
  }
  const double deadline = p.c.deadline_ms;
  const Candidate* chosen = nullptr;
  for (const Candidate& c : candidates) {
    if (!(deadline > 0) || c.best.total_ms <= deadline) {
      chosen = &c;
      break;
    }
  }
  const bool met = chosen != nullptr;
  if (!met) {
    chosen = &candidates[0];
    for (const Candidate& c : candidates) {
      if (c.best.total_ms < chosen->best.total_ms) chosen = &c;
    }
  }
  std::vector<uint8_t> on_edge(g.num_nodes, 0), active(g.num_nodes, 0);
  for (int v : *chosen->nodes) active[v] = 1;
  for (size_t i = 0; i < chosen->best_k; ++i) on_edge[(*chosen->nodes)[i]] = 1;
  Plan plan = MakePlan(p, std::move(on_edge), chosen->exit_index < 0 ? nullptr : &active);
  plan.exit_index = chosen->exit_index;
  const std::string which =
      chosen->exit_index < 0 ? std::string("main output")
                             : Format("exit %d (acc %.3f)", chosen->exit_index, chosen->accuracy);
  const size_t m = chosen->nodes->size();
  const std::string split =
      chosen->best_k == 0 ? std::string("server-only")
      : chosen->best_k == m
          ? std::string("edge-only")
          : Format("split after '%s'", g.Name((*chosen->nodes)[chosen->best_k - 1]).c_str());
  if (!(deadline > 0)) {
    plan.reason = Format("edgent: no deadline; %s, %s, %.3f ms", which.c_str(), split.c_str(),
                         plan.costs.total_ms);
  } else if (met) {
    plan.reason = Format("edgent: %s meets %.3f ms: %s, %.3f ms", which.c_str(), deadline,
                         split.c_str(), plan.costs.total_ms);
  } else {
    plan.reason = Format("edgent: no exit meets %.3f ms; fastest %s, %s, %.3f ms", deadline,
                         which.c_str(), split.c_str(), plan.costs.total_ms);
  }
  return plan;
}

}  // namespace seam_policy
