// FullyConnected as a oneDNN inner product (weights re-laid once, any
// layout), with the same eltwise and sum post-ops as conv.
#include <cstring>
#include <vector>

#include "backends/onednn/onednn_common.h"

namespace seam {
namespace onednn {

dnnl::inner_product_forward::primitive_desc InnerProductPrimitive(const Graph& g, const Node& n,
                                                                  const dnnl::primitive_attr& attr,
                                                                  const dnnl::engine& engine) {
  const Shape& ws = g.tensors[n.inputs[1]].shape;
  const memory::dims src_dims = ToDims(g.tensors[n.inputs[0]].shape);
  const memory::dims wei_dims = ToDims(ws);
  const memory::dims dst_dims = ToDims(g.tensors[n.outputs[0]].shape);
  const auto prop = dnnl::prop_kind::forward_inference;
  const bool has_bias = n.inputs.size() > 2 && n.inputs[2] >= 0;
  const dnnl::inner_product_forward::desc desc =
      has_bias ? dnnl::inner_product_forward::desc(prop, AnyDesc(src_dims), AnyDesc(wei_dims),
                                                   AnyDesc({ws[0]}), AnyDesc(dst_dims))
               : dnnl::inner_product_forward::desc(prop, AnyDesc(src_dims), AnyDesc(wei_dims),
                                                   AnyDesc(dst_dims));
  return dnnl::inner_product_forward::primitive_desc(desc, attr, engine);
}

Status VisitFullyConnected(const VisitContext& ctx, int node, SegmentBuilder* builder) {
  const Graph& g = ctx.graph;
  const Node& n = g.nodes[node];
  SEAM_RETURN_IF_ERROR(CheckNode(ctx, node, 2, 1));
  const auto* a = std::get_if<FullyConnectedAttrs>(&n.attrs);
  if (a == nullptr) return Decline(g, node, "attributes are missing");
  const Shape& xs = g.tensors[n.inputs[0]].shape;
  const Shape& ws = g.tensors[n.inputs[1]].shape;
  if (xs.rank != 2 || ws.rank != 2) return Decline(g, node, "expects a 2-D input and weights");
  if (builder == nullptr) return Status::Ok();

  const FusionChain& chain = builder->Chain(node);
  const int x = n.inputs[0];
  const int w = n.inputs[1];
  const int b = n.inputs.size() > 2 ? n.inputs[2] : -1;
  const bool has_bias = b >= 0;
  const memory::dims bias_dims = {ws[0]};
  const memory::dims wei_dims = ToDims(ws);
  dnnl::primitive_attr attr = builder->Attr();
  attr.set_post_ops(ChainPostOps(ctx, chain, a->activation));
  const dnnl::inner_product_forward::primitive_desc pd =
      InnerProductPrimitive(g, n, attr, builder->engine());

  std::vector<std::pair<int, int>> args;
  const int src = builder->Source(x, pd.src_desc());
  args.emplace_back(DNNL_ARG_SRC, src);
  // Weights and bias are re-laid once per backend (used in place when oneDNN
  // wants them plain).
  WeightKey key;
  key.tensor = w;
  const float* weights = g.tensors[w].f32();
  const size_t weight_bytes = g.tensors[w].byte_size();
  args.emplace_back(DNNL_ARG_WEIGHTS, builder->Constant(key, PlainDesc(wei_dims), pd.weights_desc(),
                                                        weights, [&](float* dst) {
                                                          std::memcpy(dst, weights, weight_bytes);
                                                        }));
  if (has_bias) {
    key.role = WeightKey::kBias;
    key.tensor = b;
    const float* bias = g.tensors[b].f32();
    const size_t bias_bytes = g.tensors[b].byte_size();
    args.emplace_back(DNNL_ARG_BIAS,
                      builder->Constant(key, PlainDesc(bias_dims), pd.bias_desc(), bias,
                                        [&](float* dst) { std::memcpy(dst, bias, bias_bytes); }));
  }
  const int dst = chain.sum_node >= 0
                      ? builder->SumDestination(chain.output, chain.residual, pd.dst_desc(), {src})
                      : builder->Define(chain.output, pd.dst_desc());
  args.emplace_back(DNNL_ARG_DST, dst);
  builder->AddPrimitive(pd, args, builder->Label("inner_product", chain));
  return Status::Ok();
}

}  // namespace onednn
}  // namespace seam
