// Layout planning: the one layout each tensor has inside every segment.
//
// Ops without a layout of their own (pooling, LRN, eltwise, batch norm,
// softmax, binary, concat) take their source as it is, and oneDNN picks their
// implementation from that layout. If a segment input arrived plain and was
// used plain, a split run could run another kernel (with other rounding) than
// the whole run, where the same tensor comes out of a blocked conv. So the
// layouts are planned once per graph, the way a whole-graph segment without
// fusion would produce them, and every segment reorders its inputs to them
// (reorders are exact).
#include <vector>

#include "backends/onednn/onednn_common.h"

namespace seam {
namespace onednn {

LayoutTable PlanLayouts(const VisitContext& ctx, const dnnl::engine& engine,
                        const std::function<bool(int)>& supported) {
  const Graph& g = ctx.graph;
  LayoutTable layouts(g.tensors.size());
  std::vector<int> order;
  if (!TopologicalOrder(g, &order).ok()) return layouts;

  // One spec over every supported node: what they read without producing it
  // (graph inputs, outputs of reference nodes) arrives plain.
  SegmentSpec spec;
  spec.graph = &g;
  std::vector<bool> produced(g.tensors.size(), false), is_input(g.tensors.size(), false);
  for (int n : order) {
    if (!supported(n)) continue;
    spec.nodes.push_back(n);
    for (int32_t t : g.nodes[n].inputs) {
      if (t >= 0 && !g.tensors[t].is_constant() && !produced[t] && !is_input[t]) {
        is_input[t] = true;
        spec.inputs.push_back(t);
      }
    }
    for (int32_t t : g.nodes[n].outputs) {
      if (t >= 0) produced[t] = true;
    }
  }
  std::vector<FusionChain> chains;
  std::unordered_map<int, int> chain_of;
  for (int n : spec.nodes) {
    chain_of[n] = static_cast<int>(chains.size());
    chains.push_back(SingleNodeChain(g, n));
  }
  SegmentBuilder builder(ctx, spec, engine, /*cache=*/nullptr, &layouts);
  builder.SetChains(std::move(chains), std::move(chain_of));
  for (size_t i = 0; i < spec.nodes.size(); ++i) {
    const int n = spec.nodes[i];
    builder.SetPosition(static_cast<int>(i));
    try {
      if (!VisitorFor(g.nodes[n].op)(ctx, n, &builder).ok()) continue;
    } catch (const std::exception&) {
      continue;  // dnnl::error or a lowering bug: Compile reports it
    }
    for (int32_t t : g.nodes[n].outputs) {
      if (t >= 0) layouts[t] = builder.ProducedDesc(t);
    }
  }
  return layouts;
}

}  // namespace onednn
}  // namespace seam
