// MaxPool, AveragePool and GlobalAveragePool as oneDNN pooling. PyTorch's
// ceil_mode becomes extra bottom/right padding; AveragePool's divisor follows
// count_include_pad through pooling_avg_include/exclude_padding.
#include "backends/onednn/onednn_common.h"

namespace seam {
namespace onednn {
namespace {

// The end padding oneDNN needs along one axis to produce `out` windows (the
// floor formula), or a reason why the axis cannot be expressed.
bool EndPadding(int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin, int64_t pad_end,
                int64_t out, bool include_pad, int64_t* end, std::string* why) {
  if ((in + pad_begin + pad_end - kernel) / stride + 1 == out) {
    *end = pad_end;
    return true;
  }
  // ceil_mode: pad just enough for the last window seam keeps.
  const int64_t needed = (out - 1) * stride + kernel - in - pad_begin;
  if (needed <= pad_end || needed >= kernel) {
    *why = "output size does not follow from the pads";
    return false;
  }
  if (include_pad) {
    // seam (like PyTorch) divides the last ceil_mode window by the part of it
    // inside input + pads; oneDNN would divide by the whole kernel.
    *why = "ceil_mode window hangs past the padded border with count_include_pad";
    return false;
  }
  *end = needed;
  return true;
}

}  // namespace

Status VisitPool(const VisitContext& ctx, int node, SegmentBuilder* builder) {
  const Graph& g = ctx.graph;
  const Node& n = g.nodes[node];
  SEAM_RETURN_IF_ERROR(CheckNode(ctx, node, 1, -1));
  const auto* a = std::get_if<PoolAttrs>(&n.attrs);
  if (a == nullptr) return Decline(g, node, "attributes are missing");
  const Shape& xs = g.tensors[n.inputs[0]].shape;
  const Shape& ys = g.tensors[n.outputs[0]].shape;
  if (xs.rank != 4 || ys.rank != 4) return Decline(g, node, "expects 4-D input and output");
  const bool is_max = n.op == OpType::kMaxPool;
  const bool include_pad = !is_max && a->count_include_pad;
  int64_t pad_bottom = 0, pad_right = 0;
  std::string why;
  if (!EndPadding(xs[2], a->kernel_h, a->stride_h, a->pad_top, a->pad_bottom, ys[2], include_pad,
                  &pad_bottom, &why) ||
      !EndPadding(xs[3], a->kernel_w, a->stride_w, a->pad_left, a->pad_right, ys[3], include_pad,
                  &pad_right, &why)) {
    return Decline(g, node, why);
  }
  if (builder == nullptr) return Status::Ok();

  const FusionChain& chain = builder->Chain(node);
  const int x = n.inputs[0];
  const auto alg = is_max        ? dnnl::algorithm::pooling_max
                   : include_pad ? dnnl::algorithm::pooling_avg_include_padding
                                 : dnnl::algorithm::pooling_avg_exclude_padding;
  // Pooling takes the source in its planned layout (it has no preferred
  // layout of its own), so its implementation does not depend on the segment.
  dnnl::pooling_forward::desc desc(dnnl::prop_kind::forward_inference, alg, builder->Layout(x),
                                   AnyDesc(ToDims(ys)), {a->stride_h, a->stride_w},
                                   {a->kernel_h, a->kernel_w}, {a->pad_top, a->pad_left},
                                   {pad_bottom, pad_right});
  dnnl::pooling_forward::primitive_desc pd(desc, builder->Attr(), builder->engine());
  const int src = builder->Source(x, pd.src_desc());
  const int dst = builder->Define(chain.output, pd.dst_desc());
  builder->AddPrimitive(pd, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}},
                        builder->Label("pooling", chain));
  return Status::Ok();
}

Status VisitGlobalAveragePool(const VisitContext& ctx, int node, SegmentBuilder* builder) {
  const Graph& g = ctx.graph;
  const Node& n = g.nodes[node];
  SEAM_RETURN_IF_ERROR(CheckNode(ctx, node, 1, -1));
  const Shape& xs = g.tensors[n.inputs[0]].shape;
  const Shape& ys = g.tensors[n.outputs[0]].shape;
  if (xs.rank != 4 || ys.rank != 4) return Decline(g, node, "expects 4-D input and output");
  if (builder == nullptr) return Status::Ok();

  const FusionChain& chain = builder->Chain(node);
  const int x = n.inputs[0];
  // One window covering the whole plane, no padding.
  dnnl::pooling_forward::desc desc(dnnl::prop_kind::forward_inference,
                                   dnnl::algorithm::pooling_avg_exclude_padding, builder->Layout(x),
                                   AnyDesc(ToDims(ys)), {1, 1}, {xs[2], xs[3]}, {0, 0}, {0, 0});
  dnnl::pooling_forward::primitive_desc pd(desc, builder->Attr(), builder->engine());
  const int src = builder->Source(x, pd.src_desc());
  const int dst = builder->Define(chain.output, pd.dst_desc());
  builder->AddPrimitive(pd, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}},
                        builder->Label("pooling", chain));
  return Status::Ok();
}

}  // namespace onednn
}  // namespace seam
