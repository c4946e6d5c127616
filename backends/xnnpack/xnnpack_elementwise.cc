// Elementwise ops on XNNPACK: the activations (Relu and Clip as clamp,
// LeakyRelu, Sigmoid, HardSwish), Identity, and Add/Mul with numpy
// broadcasting carried over to the NHWC dimension order.
#include <string>
#include <vector>

#include "backends/xnnpack/xnnpack_common.h"

namespace seam {
namespace xnnpack {

Status VisitUnary(VisitContext* ctx, SegmentBuilder* b) {
  const OpType op = ctx->node().op;
  if (op == OpType::kTanh) return Unsupported("this XNNPACK snapshot has no fp32 tanh");
  SEAM_RETURN_IF_ERROR(RequireF32(*ctx, XNN_MAX_TENSOR_DIMS));
  SEAM_RETURN_IF_ERROR(RequireActivation(*ctx, 0, "input X"));
  const ClipAttrs* clip = nullptr;
  const LeakyReluAttrs* leaky = nullptr;
  if (op == OpType::kClip) {
    clip = Attrs<ClipAttrs>(*ctx);
    if (clip == nullptr) return Unsupported("attributes are not ClipAttrs");
    if (!(clip->min <= clip->max)) return Unsupported("Clip min > max");
  } else if (op == OpType::kLeakyRelu) {
    leaky = Attrs<LeakyReluAttrs>(*ctx);
    if (leaky == nullptr) return Unsupported("attributes are not LeakyReluAttrs");
  }
  // Elementwise: whatever order the input is stored in, the output shares it.
  const int x = ctx->input(0), y = ctx->output(0);
  ctx->SetOutputLayout(0, ctx->layout(x));
  if (b == nullptr) return Status::Ok();

  uint32_t x_id, y_id;
  SEAM_RETURN_IF_ERROR(b->Input(x, &x_id));
  SEAM_RETURN_IF_ERROR(b->Output(y, &y_id));
  xnn_subgraph_t sg = b->subgraph();
  switch (op) {
    case OpType::kRelu:
      SEAM_XNN_CHECK(*ctx, xnn_define_clamp(sg, 0.0f, INFINITY, x_id, y_id, 0));
      break;
    case OpType::kClip:
      SEAM_XNN_CHECK(*ctx, xnn_define_clamp(sg, clip->min, clip->max, x_id, y_id, 0));
      break;
    case OpType::kLeakyRelu:
      SEAM_XNN_CHECK(*ctx, xnn_define_leaky_relu(sg, leaky->alpha, x_id, y_id, 0));
      break;
    case OpType::kSigmoid:
      SEAM_XNN_CHECK(*ctx, xnn_define_sigmoid(sg, x_id, y_id, 0));
      break;
    case OpType::kHardSwish:
      SEAM_XNN_CHECK(*ctx, xnn_define_hardswish(sg, x_id, y_id, 0));
      break;
    case OpType::kIdentity: {
      // A same-shape static reshape: XNNPACK's copy node in this snapshot.
      const std::vector<size_t> dims = ctx->dims(y);
      SEAM_XNN_CHECK(*ctx, xnn_define_static_reshape(sg, dims.size(), dims.data(), x_id, y_id, 0));
      break;
    }
    default:
      return Internal(ctx->Label() + ": not a unary op");
  }
  return Status::Ok();
}

Status VisitBinary(VisitContext* ctx, SegmentBuilder* b) {
  SEAM_RETURN_IF_ERROR(RequireF32(*ctx, 4));
  const int in[2] = {ctx->input(0), ctx->input(1)};
  if (in[0] < 0 || in[1] < 0) return Unsupported("an operand is absent");
  const bool is_const[2] = {ctx->tensor(in[0]).is_constant(), ctx->tensor(in[1]).is_constant()};
  if (is_const[0] && is_const[1]) return Unsupported("both operands are constants");
  for (int i = 0; i < 2; ++i) {
    if (is_const[i]) SEAM_RETURN_IF_ERROR(RequireConstant(*ctx, i, "constant operand"));
  }
  const int y = ctx->output(0);
  const int out_rank = ctx->shape(y).rank;
  // Broadcasting aligns logical (NCHW) dimensions. Rank-4 results are NHWC:
  // both operands are then viewed as rank 4 and permuted the same way, which
  // keeps numpy broadcasting valid. Other ranks keep logical order.
  if (out_rank == 4) {
    for (int i = 0; i < 2; ++i) {
      if (!is_const[i] && ctx->shape(in[i]).rank != 4) {
        return Unsupported(
            "an activation operand of rank < 4 broadcast against rank 4 "
            "(its memory is not NHWC)");
      }
    }
  } else {
    const TensorLayout* flat = nullptr;
    for (int i = 0; i < 2; ++i) {
      if (!is_const[i] && ctx->layout(in[i]).NeedsTranspose()) flat = &ctx->layout(in[i]);
    }
    if (flat != nullptr) {
      // Channel-last flattened features: fine elementwise against the very
      // same layout and shape, not against anything broadcast.
      const bool same = !is_const[0] && !is_const[1] && ctx->shape(in[0]) == ctx->shape(in[1]) &&
                        ctx->layout(in[0]) == ctx->layout(in[1]);
      if (!same) return Unsupported("operand is a channel-last flattened tensor");
      ctx->SetOutputLayout(0, *flat);
    }
  }
  if (b == nullptr) return Status::Ok();

  uint32_t ids[2], y_id;
  for (int i = 0; i < 2; ++i) {
    if (!is_const[i]) {
      SEAM_RETURN_IF_ERROR(b->Input(in[i], &ids[i]));
      continue;
    }
    const Shape& s = ctx->shape(in[i]);
    const float* src = ctx->tensor(in[i]).f32();
    const size_t n = static_cast<size_t>(s.NumElements());
    if (out_rank == 4) {
      // Promote to rank 4 ([1,..,dims]) and store NHWC.
      Shape p;
      p.rank = 4;
      for (int d = 0; d < 4; ++d) p[d] = d < 4 - s.rank ? 1 : s[d - (4 - s.rank)];
      const size_t pn = static_cast<size_t>(p[0]), pc = static_cast<size_t>(p[1]);
      const size_t phw = static_cast<size_t>(p[2] * p[3]);
      SEAM_RETURN_IF_ERROR(b->Static(
          "nhwc:" + std::to_string(in[i]), PhysicalDims(p, DefaultLayout(p)),
          [=](float* dst) { TransposeInner(src, dst, pn, pc, phw, nullptr); }, &ids[i]));
    } else {
      std::vector<size_t> dims(s.dims, s.dims + s.rank);
      SEAM_RETURN_IF_ERROR(b->Static(
          "copy:" + std::to_string(in[i]), dims, [=](float* dst) { std::copy(src, src + n, dst); },
          &ids[i]));
    }
  }
  SEAM_RETURN_IF_ERROR(b->Output(y, &y_id));
  if (ctx->node().op == OpType::kAdd) {
    SEAM_XNN_CHECK(*ctx,
                   xnn_define_add2(b->subgraph(), -INFINITY, INFINITY, ids[0], ids[1], y_id, 0));
  } else {
    SEAM_XNN_CHECK(
        *ctx, xnn_define_multiply2(b->subgraph(), -INFINITY, INFINITY, ids[0], ids[1], y_id, 0));
  }
  return Status::Ok();
}

}  // namespace xnnpack
}  // namespace seam
