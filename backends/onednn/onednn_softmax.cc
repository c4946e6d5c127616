// Softmax (ONNX opset 13: one axis) as a oneDNN softmax over that axis.
#include "backends/onednn/onednn_common.h"

namespace seam {
namespace onednn {

Status VisitSoftmax(const VisitContext& ctx, int node, SegmentBuilder* builder) {
  const Graph& g = ctx.graph;
  const Node& n = g.nodes[node];
  SEAM_RETURN_IF_ERROR(CheckNode(ctx, node, 1, -1));
  const auto* a = std::get_if<AxisAttrs>(&n.attrs);
  if (a == nullptr) return Decline(g, node, "attributes are missing");
  const int rank = g.tensors[n.inputs[0]].shape.rank;
  const int axis = a->axis < 0 ? a->axis + rank : a->axis;
  if (axis < 0 || axis >= rank) return Decline(g, node, "axis out of range");
  if (builder == nullptr) return Status::Ok();

  const FusionChain& chain = builder->Chain(node);
  const int x = n.inputs[0];
  dnnl::softmax_forward::desc desc(dnnl::prop_kind::forward_inference, builder->Layout(x), axis);
  dnnl::softmax_forward::primitive_desc pd(desc, builder->Attr(), builder->engine());
  const int src = builder->Source(x, pd.src_desc());
  const int dst = builder->Define(chain.output, pd.dst_desc());
  builder->AddPrimitive(pd, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}},
                        builder->Label("softmax", chain));
  return Status::Ok();
}

}  // namespace onednn
}  // namespace seam
