// BatchNorm (inference) as oneDNN batch normalization with use_global_stats
// and separate scale and shift; a following Relu becomes fuse_norm_relu.
// (Never folded into a conv's weights: see onednn_fusion.cc.)
#include "backends/onednn/onednn_common.h"

namespace seam {
namespace onednn {

Status VisitBatchNorm(const VisitContext& ctx, int node, SegmentBuilder* builder) {
  const Graph& g = ctx.graph;
  const Node& n = g.nodes[node];
  SEAM_RETURN_IF_ERROR(CheckNode(ctx, node, 5, 1));
  const auto* a = std::get_if<BatchNormAttrs>(&n.attrs);
  if (a == nullptr) return Decline(g, node, "attributes are missing");
  const int rank = g.tensors[n.inputs[0]].shape.rank;
  if (rank < 2 || rank > 5) return Decline(g, node, "expects a 2-D to 5-D input");
  if (builder == nullptr) return Status::Ok();

  const FusionChain& chain = builder->Chain(node);
  const int x = n.inputs[0];
  auto flags = dnnl::normalization_flags::use_global_stats | dnnl::normalization_flags::use_scale |
               dnnl::normalization_flags::use_shift;
  if (!chain.pre_sum.empty()) flags |= dnnl::normalization_flags::fuse_norm_relu;
  dnnl::batch_normalization_forward::desc desc(dnnl::prop_kind::forward_inference,
                                               builder->Layout(x), a->epsilon, flags);
  dnnl::batch_normalization_forward::primitive_desc pd(desc, builder->Attr(), builder->engine());
  const int src = builder->Source(x, pd.src_desc());
  // The statistics and affine parameters are [C] constants, used in place.
  const int scale = builder->Source(n.inputs[1]);
  const int shift = builder->Source(n.inputs[2]);
  const int mean = builder->Source(n.inputs[3]);
  const int var = builder->Source(n.inputs[4]);
  const int dst = builder->Define(chain.output, pd.dst_desc());
  builder->AddPrimitive(pd,
                        {{DNNL_ARG_SRC, src},
                         {DNNL_ARG_SCALE, scale},
                         {DNNL_ARG_SHIFT, shift},
                         {DNNL_ARG_MEAN, mean},
                         {DNNL_ARG_VARIANCE, var},
                         {DNNL_ARG_DST, dst}},
                        builder->Label("batch_normalization", chain));
  return Status::Ok();
}

}  // namespace onednn
}  // namespace seam
