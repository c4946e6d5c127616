// Data-movement ops on XNNPACK whose legality depends on the NHWC layout:
// Softmax (over the physically last axis), constant Pad (pads permuted to
// NHWC) and Reshape/Flatten (static reshapes that do not move data).
#include <string>
#include <vector>

#include "backends/xnnpack/xnnpack_common.h"

namespace seam {
namespace xnnpack {
namespace {

bool NormalizeAxis(int axis, int rank, int* out) {
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return false;
  *out = axis;
  return true;
}

}  // namespace

Status VisitSoftmax(VisitContext* ctx, SegmentBuilder* b) {
  const AxisAttrs* a = Attrs<AxisAttrs>(*ctx);
  if (a == nullptr) return Unsupported("attributes are not AxisAttrs");
  SEAM_RETURN_IF_ERROR(RequireF32(*ctx, XNN_MAX_TENSOR_DIMS));
  SEAM_RETURN_IF_ERROR(RequireActivation(*ctx, 0, "input X"));
  const int x = ctx->input(0), y = ctx->output(0);
  const int rank = ctx->shape(x).rank;
  int axis;
  if (!NormalizeAxis(a->axis, rank, &axis)) return Unsupported("axis out of range");
  const TensorLayout& xl = ctx->layout(x);
  // XNNPACK normalises over the last dimension in memory: channels for NHWC,
  // the logical last axis otherwise. A channel-last flattened row holds the
  // same features permuted, and softmax over a whole row does not care.
  if (PhysicalAxis(axis, xl) != rank - 1) {
    return Unsupported("softmax over axis " + std::to_string(axis) +
                       ", which is not the last dimension in memory (" +
                       (xl.kind == LayoutKind::kNhwc ? "NHWC" : "plain") + ")");
  }
  ctx->SetOutputLayout(0, xl);
  if (b == nullptr) return Status::Ok();
  uint32_t x_id, y_id;
  SEAM_RETURN_IF_ERROR(b->Input(x, &x_id));
  SEAM_RETURN_IF_ERROR(b->Output(y, &y_id));
  SEAM_XNN_CHECK(*ctx, xnn_define_softmax(b->subgraph(), x_id, y_id, 0));
  return Status::Ok();
}

Status VisitPad(VisitContext* ctx, SegmentBuilder* b) {
  const PadAttrs* a = Attrs<PadAttrs>(*ctx);
  if (a == nullptr) return Unsupported("attributes are not PadAttrs");
  if (a->mode != PadMode::kConstant) {
    return Unsupported("only constant padding (this XNNPACK has no reflect/edge pad)");
  }
  SEAM_RETURN_IF_ERROR(RequireF32(*ctx, XNN_MAX_TENSOR_DIMS));
  SEAM_RETURN_IF_ERROR(RequireActivation(*ctx, 0, "input X"));
  const int x = ctx->input(0), y = ctx->output(0);
  const int rank = ctx->shape(x).rank;
  if (a->pads.size() != static_cast<size_t>(2 * rank)) return Unsupported("pads do not match rank");
  for (int64_t p : a->pads) {
    if (p < 0) return Unsupported("negative pads (cropping)");
  }
  const TensorLayout& xl = ctx->layout(x);
  if (xl.kind == LayoutKind::kFlatNhwc && xl.NeedsTranspose()) {
    return Unsupported("input is a channel-last flattened tensor");
  }
  if (b == nullptr) return Status::Ok();
  std::vector<size_t> pre(rank), post(rank);
  for (int d = 0; d < rank; ++d) {
    const int p = PhysicalAxis(d, xl);
    pre[p] = static_cast<size_t>(a->pads[d]);
    post[p] = static_cast<size_t>(a->pads[d + rank]);
  }
  uint32_t x_id, y_id;
  SEAM_RETURN_IF_ERROR(b->Input(x, &x_id));
  SEAM_RETURN_IF_ERROR(b->Output(y, &y_id));
  SEAM_XNN_CHECK(*ctx, xnn_define_static_constant_pad(b->subgraph(), pre.data(), post.data(),
                                                      a->value, x_id, y_id, 0));
  return Status::Ok();
}

Status VisitReshape(VisitContext* ctx, SegmentBuilder* b) {
  if (ctx->node().op == OpType::kFlatten ? Attrs<AxisAttrs>(*ctx) == nullptr
                                         : Attrs<ReshapeAttrs>(*ctx) == nullptr) {
    return Unsupported("unexpected attribute type");
  }
  SEAM_RETURN_IF_ERROR(RequireF32(*ctx, XNN_MAX_TENSOR_DIMS));
  SEAM_RETURN_IF_ERROR(RequireActivation(*ctx, 0, "input X"));
  const int x = ctx->input(0), y = ctx->output(0);
  const Shape& xs = ctx->shape(x);
  const Shape& ys = ctx->shape(y);
  const TensorLayout& xl = ctx->layout(x);
  // A reshape never moves data here, so the output's memory order must be
  // the order its own layout promises.
  TensorLayout yl;
  if (!xl.NeedsTranspose()) {
    // Memory is in NCHW order; a rank-4 result is NHWC, which is the same
    // memory only when it has one channel or one pixel.
    yl = DefaultLayout(ys);
    if (yl.NeedsTranspose()) {
      return Unsupported("reshape to " + ys.ToString() +
                         " would need an NCHW->NHWC transpose (no transpose in this XNNPACK)");
    }
  } else {
    // Memory is [outer, hw, c]: it may become the flattened [outer, c*hw]
    // (kFlatNhwc) or any rank-4 [outer, c, h, w] with h*w = hw (NHWC).
    const int64_t outer = xs.NumElements() / (xl.c * xl.hw);
    if (ys.rank == 2 && ys[0] == outer && ys[1] == xl.c * xl.hw) {
      yl.kind = LayoutKind::kFlatNhwc;
      yl.c = xl.c;
      yl.hw = xl.hw;
    } else if (ys.rank == 4 && ys[0] == outer && ys[1] == xl.c && ys[2] * ys[3] == xl.hw) {
      yl = DefaultLayout(ys);
    } else {
      return Unsupported("reshape of " + xs.ToString() + " to " + ys.ToString() +
                         " would reorder NHWC data (no transpose in this XNNPACK)");
    }
  }
  ctx->SetOutputLayout(0, yl);
  if (b == nullptr) return Status::Ok();
  uint32_t x_id, y_id;
  SEAM_RETURN_IF_ERROR(b->Input(x, &x_id));
  SEAM_RETURN_IF_ERROR(b->Output(y, &y_id));
  const std::vector<size_t> dims = PhysicalDims(ys, yl);
  SEAM_XNN_CHECK(*ctx,
                 xnn_define_static_reshape(b->subgraph(), dims.size(), dims.data(), x_id, y_id, 0));
  return Status::Ok();
}

}  // namespace xnnpack
}  // namespace seam
