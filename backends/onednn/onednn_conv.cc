// Conv2D as a oneDNN convolution: grouped, depthwise, dilated and
// asymmetrically padded, direct or Winograd (WinogradGraph). Layouts are
// format_tag::any so oneDNN picks them (the same whatever the segment),
// except where a graph asks for channel-blocked ones (ConvChannelBlock).
// A chain may add exact eltwise and sum post-ops (a residual block without
// BatchNorm becomes one primitive).
#include <cstdlib>
#include <cstring>
#include <vector>

#include "backends/onednn/onednn_common.h"

namespace seam {
namespace onednn {

namespace {

// The layout of a convolution's source or destination: the channel-blocked
// one when the graph asks for it and the channels fill whole blocks, else
// oneDNN's choice.
memory::desc ActivationDesc(const VisitContext& ctx, const memory::dims& dims, memory::dim group) {
  const int64_t block = ctx.conv_channel_block;
  if (block > 0 && group == 1 && dims[1] % block == 0) {
    return memory::desc(dims, memory::data_type::f32,
                        block == 16 ? memory::format_tag::aBcd16b : memory::format_tag::aBcd8b);
  }
  return AnyDesc(dims);
}

// The convolution of `node` computed with `alg`, the weights' layout left
// to oneDNN.
dnnl::convolution_forward::desc ConvDesc(const VisitContext& ctx, const Node& n,
                                         const Conv2DAttrs& a, dnnl::algorithm alg) {
  const Graph& g = ctx.graph;
  const Shape& ws = g.tensors[n.inputs[1]].shape;
  const memory::dim group = a.group;
  // Grouped weights are goihw in oneDNN; seam's [O, C/g, KH, KW] has the same
  // row-major order once O is split into [g, O/g].
  const memory::dims wei_dims =
      group == 1 ? ToDims(ws) : memory::dims{group, ws[0] / group, ws[1], ws[2], ws[3]};
  const memory::dims src_dims = ToDims(g.tensors[n.inputs[0]].shape);
  const memory::dims dst_dims = ToDims(g.tensors[n.outputs[0]].shape);
  const memory::dims strides = {a.stride_h, a.stride_w};
  const memory::dims dilates = {a.dilation_h - 1, a.dilation_w - 1};  // oneDNN counts gaps
  const memory::dims pad_l = {a.pad_top, a.pad_left};
  const memory::dims pad_r = {a.pad_bottom, a.pad_right};
  const memory::desc src = ActivationDesc(ctx, src_dims, group);
  const memory::desc dst = ActivationDesc(ctx, dst_dims, group);
  const auto prop = dnnl::prop_kind::forward_inference;
  if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
    return dnnl::convolution_forward::desc(prop, alg, src, AnyDesc(wei_dims), AnyDesc({ws[0]}), dst,
                                           strides, dilates, pad_l, pad_r);
  }
  return dnnl::convolution_forward::desc(prop, alg, src, AnyDesc(wei_dims), dst, strides, dilates,
                                         pad_l, pad_r);
}

// Whether `node` is a convolution Winograd F(4x4, 3x3) suits: 3x3, stride
// 1, undilated, ungrouped, batch 1.
bool WinogradShape(const Graph& g, const Node& n, const Conv2DAttrs& a) {
  const Shape& ws = g.tensors[n.inputs[1]].shape;
  return a.group == 1 && ws.rank == 4 && ws[2] == 3 && ws[3] == 3 && a.stride_h == 1 &&
         a.stride_w == 1 && a.dilation_h == 1 && a.dilation_w == 1 &&
         g.tensors[n.inputs[0]].shape.dims[0] == 1;
}

bool WinogradCandidate(const VisitContext& ctx, const Node& n, const Conv2DAttrs& a) {
  return ctx.winograd && WinogradShape(ctx.graph, n, a);
}

}  // namespace

// The primitive for `node`: Winograd where it suits the convolution and
// oneDNN implements it for this shape, layout and post-ops; else direct.
dnnl::convolution_forward::primitive_desc ConvPrimitive(const VisitContext& ctx, const Node& n,
                                                        const Conv2DAttrs& a,
                                                        const dnnl::primitive_attr& attr,
                                                        const dnnl::engine& engine) {
  if (WinogradCandidate(ctx, n, a)) {
    dnnl::convolution_forward::primitive_desc wino(
        ConvDesc(ctx, n, a, dnnl::algorithm::convolution_winograd), attr, engine,
        /*allow_empty=*/true);
    if (wino) return wino;
  }
  return dnnl::convolution_forward::primitive_desc(
      ConvDesc(ctx, n, a, dnnl::algorithm::convolution_direct), attr, engine);
}

bool WinogradGraph(const Graph& graph) {
  static const bool enabled = [] {
    const char* env = std::getenv("SEAM_ONEDNN_WINOGRAD");
    return env == nullptr || std::strcmp(env, "0") != 0;
  }();
  // oneDNN 2.6 has f32 Winograd kernels for AVX-512 cores only.
  if (!enabled || !HasAvx512Core()) return false;
  double all = 0, suited = 0, unblocked = 0;
  for (const Node& n : graph.nodes) {
    const auto* a = std::get_if<Conv2DAttrs>(&n.attrs);
    if (n.op != OpType::kConv2D || a == nullptr || n.inputs.size() < 2 || n.inputs[0] < 0 ||
        n.inputs[1] < 0 || n.outputs.empty() || n.outputs[0] < 0) {
      continue;
    }
    const double flops = static_cast<double>(NodeFlops(graph, n));
    all += flops;
    const Shape& out = graph.tensors[n.outputs[0]].shape;
    if (out.rank != 4 || out.dims[1] % 16 != 0) {
      unblocked += flops;
    }
    if (WinogradShape(graph, n, *a)) suited += flops;
  }
  // Convolutions whose channels do not fill whole blocks stay in oneDNN's
  // layout and cost a reorder at each switch: only a few may.
  return all > 0 && suited >= kMinWinogradFlopShare * all && unblocked <= 0.1 * all;
}

int64_t ConvChannelBlock(const Graph& graph) {
  return WinogradGraph(graph) ? 16 : ConcatChannelBlock(graph);
}

Status VisitConv(const VisitContext& ctx, int node, SegmentBuilder* builder) {
  const Graph& g = ctx.graph;
  const Node& n = g.nodes[node];
  SEAM_RETURN_IF_ERROR(CheckNode(ctx, node, 2, 1));
  const auto* a = std::get_if<Conv2DAttrs>(&n.attrs);
  if (a == nullptr) return Decline(g, node, "attributes are missing");
  const Shape& xs = g.tensors[n.inputs[0]].shape;
  const Shape& ws = g.tensors[n.inputs[1]].shape;
  const Shape& ys = g.tensors[n.outputs[0]].shape;
  if (xs.rank != 4 || ws.rank != 4 || ys.rank != 4 || a->group <= 0) {
    return Decline(g, node, "expects 4-D input, weights and output");
  }
  if (builder == nullptr) return Status::Ok();

  const FusionChain& chain = builder->Chain(node);
  const int x = n.inputs[0];
  const int w = n.inputs[1];
  const int b = n.inputs.size() > 2 ? n.inputs[2] : -1;
  const memory::dim group = a->group;
  const memory::dims wei_dims =
      group == 1 ? ToDims(ws) : memory::dims{group, ws[0] / group, ws[1], ws[2], ws[3]};
  const memory::dims bias_dims = {ws[0]};
  const bool has_bias = b >= 0;
  dnnl::primitive_attr attr = builder->Attr();
  attr.set_post_ops(ChainPostOps(ctx, chain, a->activation));
  const dnnl::convolution_forward::primitive_desc pd =
      ConvPrimitive(ctx, n, *a, attr, builder->engine());

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
  builder->AddPrimitive(pd, args, builder->Label("convolution", chain));
  return Status::Ok();
}

}  // namespace onednn
}  // namespace seam
