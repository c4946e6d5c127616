// Weighted ops on XNNPACK: Conv2D (plain, grouped, depthwise), FullyConnected,
// MatMul with a constant right operand, and BatchNorm (a per-channel
// multiply-add, run by seam in one pass: xnnpack_scale_shift.h). BatchNorm is never folded into a
// conv's weights: that rounds differently from the conv then the BatchNorm, which is what a cut
// between them runs, and a split run must give exactly the whole run's numbers.
#include <algorithm>
#include <string>
#include <vector>

#include "backends/xnnpack/xnnpack_common.h"

namespace seam {
namespace xnnpack {
namespace {

// A plain padded copy of constant tensor t (XNNPACK may read past its end,
// and the graph's weight bytes come with no such guarantee).
Status StaticCopy(const VisitContext& ctx, SegmentBuilder* b, int t,
                  const std::vector<size_t>& dims, uint32_t* id) {
  const float* src = ctx.tensor(t).f32();
  const size_t n = static_cast<size_t>(ctx.shape(t).NumElements());
  return b->Static(
      "copy:" + std::to_string(t), dims, [src, n](float* dst) { std::copy(src, src + n, dst); },
      id);
}

// y = x * scale + shift per channel, from the BatchNorm node's constants.
struct BatchNormParams {
  const float* gamma;
  const float* beta;
  const float* mean;
  const float* var;
  float epsilon;
  int64_t channels;
};

BatchNormParams GetBatchNormParams(const Graph& g, int bn_node) {
  const Node& bn = g.nodes[bn_node];
  BatchNormParams p;
  p.gamma = g.tensors[bn.inputs[1]].f32();
  p.beta = g.tensors[bn.inputs[2]].f32();
  p.mean = g.tensors[bn.inputs[3]].f32();
  p.var = g.tensors[bn.inputs[4]].f32();
  const auto* attrs = std::get_if<BatchNormAttrs>(&bn.attrs);
  p.epsilon = attrs != nullptr ? attrs->epsilon : BatchNormAttrs().epsilon;
  p.channels = g.tensors[bn.inputs[1]].shape.NumElements();
  return p;
}

void ComputeScaleShift(const BatchNormParams& p, std::vector<float>* scale,
                       std::vector<float>* shift) {
  scale->resize(p.channels);
  shift->resize(p.channels);
  BatchNormScaleShift(p.gamma, p.beta, p.mean, p.var, p.epsilon, p.channels, scale->data(),
                      shift->data());
}

}  // namespace

Status VisitConv2D(VisitContext* ctx, SegmentBuilder* b) {
  const Conv2DAttrs* a = Attrs<Conv2DAttrs>(*ctx);
  if (a == nullptr) return Unsupported("attributes are not Conv2DAttrs");
  SEAM_RETURN_IF_ERROR(RequireF32(*ctx, 4));
  SEAM_RETURN_IF_ERROR(RequireActivation(*ctx, 0, "input X"));
  SEAM_RETURN_IF_ERROR(RequireConstant(*ctx, 1, "weight W"));
  const bool has_bias = ctx->input(2) >= 0;
  if (has_bias) SEAM_RETURN_IF_ERROR(RequireConstant(*ctx, 2, "bias B"));
  const int x = ctx->input(0), w = ctx->input(1);
  const Shape& xs = ctx->shape(x);
  const Shape& ws = ctx->shape(w);
  if (xs.rank != 4 || ws.rank != 4) return Unsupported("input and weight must be rank 4");
  if (a->pad_top < 0 || a->pad_left < 0 || a->pad_bottom < 0 || a->pad_right < 0) {
    return Unsupported("negative pads");
  }
  if (a->stride_h < 1 || a->stride_w < 1 || a->dilation_h < 1 || a->dilation_w < 1 ||
      a->group < 1) {
    return Unsupported("stride, dilation and group must be >= 1");
  }
  ActivationPlan plan;
  SEAM_RETURN_IF_ERROR(PlanActivation(a->activation, &plan));
  const int64_t C = xs[1], O = ws[0], KH = ws[2], KW = ws[3];
  const int64_t group = a->group;
  // One group per input channel: XNNPACK's depthwise kernels, which take the
  // channel multiplier O / C directly.
  const bool depthwise = group > 1 && group == C;
  if (b == nullptr) return Status::Ok();

  const int out = ctx->output(0);
  const float* wdata = ctx->tensor(w).f32();
  const int64_t I = ws[1];
  uint32_t filter_id;
  if (depthwise) {
    SEAM_RETURN_IF_ERROR(b->Static(
        "dw:" + std::to_string(w),
        {1, static_cast<size_t>(KH), static_cast<size_t>(KW), static_cast<size_t>(O)},
        [&](float* dst) { OihwToDepthwise(wdata, O, KH, KW, dst); }, &filter_id));
  } else {
    SEAM_RETURN_IF_ERROR(b->Static(
        "ohwi:" + std::to_string(w),
        {static_cast<size_t>(O), static_cast<size_t>(KH), static_cast<size_t>(KW),
         static_cast<size_t>(I)},
        [&](float* dst) { OihwToOhwi(wdata, O, I, KH, KW, dst); }, &filter_id));
  }
  uint32_t bias_id = XNN_INVALID_VALUE_ID;
  if (has_bias) {
    SEAM_RETURN_IF_ERROR(StaticCopy(*ctx, b, ctx->input(2), {static_cast<size_t>(O)}, &bias_id));
  }
  uint32_t x_id;
  SEAM_RETURN_IF_ERROR(b->Input(x, &x_id));
  FusedActivation act = a->activation;
  return DefineWithActivation(*ctx, b, act, out, [&](uint32_t y_id, float lo, float hi) -> Status {
    if (depthwise) {
      SEAM_XNN_CHECK(*ctx, xnn_define_depthwise_convolution_2d(
                               b->subgraph(), a->pad_top, a->pad_right, a->pad_bottom, a->pad_left,
                               KH, KW, a->stride_h, a->stride_w, a->dilation_h, a->dilation_w,
                               static_cast<uint32_t>(O / C), static_cast<size_t>(C), lo, hi, x_id,
                               filter_id, bias_id, y_id, 0));
    } else {
      SEAM_XNN_CHECK(
          *ctx, xnn_define_convolution_2d(
                    b->subgraph(), a->pad_top, a->pad_right, a->pad_bottom, a->pad_left, KH, KW,
                    a->stride_h, a->stride_w, a->dilation_h, a->dilation_w,
                    static_cast<uint32_t>(group), static_cast<size_t>(C / group),
                    static_cast<size_t>(O / group), lo, hi, x_id, filter_id, bias_id, y_id, 0));
    }
    return Status::Ok();
  });
}

Status VisitFullyConnected(VisitContext* ctx, SegmentBuilder* b) {
  const FullyConnectedAttrs* a = Attrs<FullyConnectedAttrs>(*ctx);
  if (a == nullptr) return Unsupported("attributes are not FullyConnectedAttrs");
  SEAM_RETURN_IF_ERROR(RequireF32(*ctx, 2));
  SEAM_RETURN_IF_ERROR(RequireActivation(*ctx, 0, "input X"));
  SEAM_RETURN_IF_ERROR(RequireConstant(*ctx, 1, "weight W"));
  const bool has_bias = ctx->input(2) >= 0;
  if (has_bias) SEAM_RETURN_IF_ERROR(RequireConstant(*ctx, 2, "bias B"));
  const int x = ctx->input(0), w = ctx->input(1);
  if (ctx->shape(x).rank != 2 || ctx->shape(w).rank != 2) {
    return Unsupported("input and weight must be rank 2");
  }
  ActivationPlan plan;
  SEAM_RETURN_IF_ERROR(PlanActivation(a->activation, &plan));
  // A kFlatNhwc input holds its features in (h, w, c) order: permuting the
  // weight columns the same way keeps Flatten -> FC free of transposes.
  const TensorLayout& xl = ctx->layout(x);
  const bool permute = xl.NeedsTranspose();
  if (b == nullptr) return Status::Ok();

  const int64_t O = ctx->shape(w)[0], I = ctx->shape(w)[1];
  uint32_t filter_id, bias_id = XNN_INVALID_VALUE_ID, x_id;
  const std::vector<size_t> wdims = {static_cast<size_t>(O), static_cast<size_t>(I)};
  if (permute) {
    const float* wdata = ctx->tensor(w).f32();
    const int64_t C = xl.c, HW = xl.hw;
    SEAM_RETURN_IF_ERROR(b->Static(
        "fc_channel_last:" + std::to_string(w) + ":" + std::to_string(C), wdims,
        [=](float* dst) { PermuteColumnsToChannelLast(wdata, O, C, HW, dst); }, &filter_id));
  } else {
    SEAM_RETURN_IF_ERROR(StaticCopy(*ctx, b, w, wdims, &filter_id));
  }
  if (has_bias) {
    SEAM_RETURN_IF_ERROR(StaticCopy(*ctx, b, ctx->input(2), {static_cast<size_t>(O)}, &bias_id));
  }
  SEAM_RETURN_IF_ERROR(b->Input(x, &x_id));
  return DefineWithActivation(
      *ctx, b, a->activation, ctx->output(0), [&](uint32_t y_id, float lo, float hi) -> Status {
        SEAM_XNN_CHECK(*ctx, xnn_define_fully_connected(b->subgraph(), lo, hi, x_id, filter_id,
                                                        bias_id, y_id, 0));
        return Status::Ok();
      });
}

Status VisitMatMul(VisitContext* ctx, SegmentBuilder* b) {
  SEAM_RETURN_IF_ERROR(RequireF32(*ctx, 4));
  SEAM_RETURN_IF_ERROR(RequireActivation(*ctx, 0, "operand A"));
  SEAM_RETURN_IF_ERROR(RequireConstant(*ctx, 1, "operand B"));
  const int a = ctx->input(0), bt = ctx->input(1);
  if (ctx->shape(bt).rank != 2) {
    return Unsupported("operand B must be a rank-2 constant (XNNPACK has no batch matmul)");
  }
  // MatMul contracts A's last logical dimension, which must also be last in memory.
  if (ctx->layout(a).kind == LayoutKind::kNhwc) {
    return Unsupported("operand A is rank 4, stored NHWC inside a segment");
  }
  if (ctx->layout(a).NeedsTranspose()) {
    return Unsupported("operand A is a channel-last flattened tensor");
  }
  if (b == nullptr) return Status::Ok();

  const Shape& bs = ctx->shape(bt);
  uint32_t filter_id, a_id, y_id;
  // B is [K, N]: XNNPACK's transposed-weights fully connected layout.
  SEAM_RETURN_IF_ERROR(StaticCopy(
      *ctx, b, bt, {static_cast<size_t>(bs[0]), static_cast<size_t>(bs[1])}, &filter_id));
  SEAM_RETURN_IF_ERROR(b->Input(a, &a_id));
  SEAM_RETURN_IF_ERROR(b->Output(ctx->output(0), &y_id));
  SEAM_XNN_CHECK(
      *ctx, xnn_define_fully_connected(b->subgraph(), -INFINITY, INFINITY, a_id, filter_id,
                                       XNN_INVALID_VALUE_ID, y_id, XNN_FLAG_TRANSPOSE_WEIGHTS));
  return Status::Ok();
}

Status VisitBatchNorm(VisitContext* ctx, SegmentBuilder* b) {
  if (Attrs<BatchNormAttrs>(*ctx) == nullptr) {
    return Unsupported("attributes are not BatchNormAttrs");
  }
  SEAM_RETURN_IF_ERROR(RequireF32(*ctx, 4));
  SEAM_RETURN_IF_ERROR(RequireActivation(*ctx, 0, "input X"));
  static const char* kNames[] = {"", "scale", "bias", "mean", "variance"};
  for (size_t i = 1; i < 5; ++i) SEAM_RETURN_IF_ERROR(RequireConstant(*ctx, i, kNames[i]));
  const int x = ctx->input(0);
  const TensorLayout& xl = ctx->layout(x);
  if (xl.kind == LayoutKind::kFlatNhwc && xl.NeedsTranspose()) {
    return Unsupported("input is a channel-last flattened tensor (features out of order)");
  }
  ctx->SetOutputLayout(0, xl);
  if (b == nullptr) return Status::Ok();

  // One pass over memory (xnnpack_scale_shift.h), with the tensor seen as
  // [outer, C, inner]: channels last in memory for NHWC, dimension 1 of a
  // plain [N, C, ...] tensor.
  const BatchNormParams p = GetBatchNormParams(ctx->graph(), ctx->node_index);
  const Shape& xs = ctx->shape(x);
  ScaleShiftShape shape;
  shape.channels = static_cast<size_t>(p.channels);
  shape.inner = 1;
  if (xl.kind == LayoutKind::kNhwc) {
    shape.outer = static_cast<size_t>(xs.NumElements()) / shape.channels;
  } else {
    shape.outer = static_cast<size_t>(xs[0]);
    for (int d = 2; d < xs.rank; ++d) shape.inner *= static_cast<size_t>(xs[d]);
  }
  if (shape.outer * shape.channels * shape.inner != static_cast<size_t>(xs.NumElements())) {
    return Internal(ctx->Label() + ": BatchNorm channels do not match the input");
  }
  std::vector<float> scale, shift;
  ComputeScaleShift(p, &scale, &shift);
  return b->AddScaleShift(x, ctx->output(0), shape, std::move(scale), std::move(shift));
}

}  // namespace xnnpack
}  // namespace seam
