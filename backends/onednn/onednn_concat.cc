// Concat as a oneDNN concat primitive over the sources' planned layouts
// (oneDNN picks the destination layout), or in place: no primitive when the
// sources were produced into their slices of the output
// (onednn_concat_placement.cc).
#include <vector>

#include "backends/onednn/onednn_common.h"

namespace seam {
namespace onednn {

Status VisitConcat(const VisitContext& ctx, int node, SegmentBuilder* builder) {
  const Graph& g = ctx.graph;
  const Node& n = g.nodes[node];
  SEAM_RETURN_IF_ERROR(CheckNode(ctx, node, static_cast<int>(n.inputs.size()), -1));
  const auto* a = std::get_if<AxisAttrs>(&n.attrs);
  if (a == nullptr) return Decline(g, node, "attributes are missing");
  if (n.inputs.empty()) return Decline(g, node, "has no inputs");
  const int rank = g.tensors[n.outputs[0]].shape.rank;
  const int axis = a->axis < 0 ? a->axis + rank : a->axis;
  if (axis < 0 || axis >= rank) return Decline(g, node, "axis out of range");
  if (builder == nullptr) return Status::Ok();

  const FusionChain& chain = builder->Chain(node);
  if (builder->ConcatInPlace(node)) {
    // The output's buffer already holds (or is given) every source.
    builder->Define(chain.output, builder->Layout(chain.output));
    for (int t : n.inputs) builder->PlaceInSlice(t);
    return Status::Ok();
  }
  std::vector<int> srcs;
  std::vector<memory::desc> descs;
  for (int t : n.inputs) {
    srcs.push_back(builder->Source(t));
    descs.push_back(builder->ViewDesc(srcs.back()));
  }
  dnnl::concat::primitive_desc pd(axis, descs, builder->engine(), builder->Attr());
  const int dst = builder->Define(chain.output, pd.dst_desc());
  std::vector<std::pair<int, int>> args;
  for (size_t i = 0; i < srcs.size(); ++i) {
    args.emplace_back(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), srcs[i]);
  }
  args.emplace_back(DNNL_ARG_DST, dst);
  builder->AddPrimitive(pd, args, builder->Label("concat", chain));
  return Status::Ok();
}

}  // namespace onednn
}  // namespace seam
