// LRN (ONNX semantics, across channels) as oneDNN lrn_across_channels. Both
// scale alpha by 1/size; only odd sizes are centred the same way.
#include "backends/onednn/onednn_common.h"

namespace seam {
namespace onednn {

Status VisitLRN(const VisitContext& ctx, int node, SegmentBuilder* builder) {
  const Graph& g = ctx.graph;
  const Node& n = g.nodes[node];
  SEAM_RETURN_IF_ERROR(CheckNode(ctx, node, 1, -1));
  const auto* a = std::get_if<LRNAttrs>(&n.attrs);
  if (a == nullptr) return Decline(g, node, "attributes are missing");
  if (g.tensors[n.inputs[0]].shape.rank != 4) return Decline(g, node, "expects a 4-D input");
  if (a->size <= 0 || a->size % 2 == 0) {
    // ONNX sums channels [c - floor((size-1)/2), c + ceil((size-1)/2)];
    // oneDNN's window is symmetric, (size-1)/2 on each side.
    return Decline(
        g, node,
        "even size " + std::to_string(a->size) + " has an asymmetric window oneDNN cannot express");
  }
  if (builder == nullptr) return Status::Ok();

  const FusionChain& chain = builder->Chain(node);
  const int x = n.inputs[0];
  dnnl::lrn_forward::desc desc(dnnl::prop_kind::forward_inference,
                               dnnl::algorithm::lrn_across_channels, builder->Layout(x), a->size,
                               a->alpha, a->beta, a->bias);
  dnnl::lrn_forward::primitive_desc pd(desc, builder->Attr(), builder->engine());
  const int src = builder->Source(x, pd.src_desc());
  const int dst = builder->Define(chain.output, pd.dst_desc());
  builder->AddPrimitive(pd, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}},
                        builder->Label("lrn", chain));
  return Status::Ok();
}

}  // namespace onednn
}  // namespace seam
