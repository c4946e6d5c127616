// Identity, Flatten and Reshape: no primitive at all. The output shares the
// input's buffer under a new descriptor when oneDNN can express the reshape
// in the current layout (always for plain layouts and for identity); a
// blocked layout that cannot be reshaped is first reordered to plain.
#include "backends/onednn/onednn_common.h"

namespace seam {
namespace onednn {

Status VisitLayoutNoOp(const VisitContext& ctx, int node, SegmentBuilder* builder) {
  const Graph& g = ctx.graph;
  const Node& n = g.nodes[node];
  SEAM_RETURN_IF_ERROR(CheckNode(ctx, node, 1, -1));
  if (n.inputs.size() != 1) return Decline(g, node, "expects one input");
  if (builder == nullptr) return Status::Ok();

  const FusionChain& chain = builder->Chain(node);
  const int x = n.inputs[0];
  const Shape& ys = g.tensors[chain.output].shape;
  const int view =
      n.op == OpType::kIdentity ? builder->Source(x) : builder->SourceReshaped(x, ToDims(ys));
  builder->DefineAlias(chain.output, view, builder->ViewDesc(view));
  return Status::Ok();
}

}  // namespace onednn
}  // namespace seam
