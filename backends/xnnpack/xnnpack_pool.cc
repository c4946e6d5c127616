// Pooling on XNNPACK: MaxPool and AveragePool (ceil mode as extra end
// padding, count_include_pad through an explicit zero pad) and
// GlobalAveragePool.
#include <algorithm>
#include <string>
#include <vector>

#include "backends/xnnpack/xnnpack_common.h"

namespace seam {
namespace xnnpack {
namespace {

// Window geometry along one axis, checked against what XNNPACK computes.
struct AxisPlan {
  int64_t extra = 0;  // end padding added so XNNPACK's floor division gives seam's size
};

Status PlanAxis(const char* axis, int64_t in, int64_t out, int64_t kernel, int64_t stride,
                int64_t pad_begin, int64_t pad_end, AxisPlan* plan) {
  // ceil_mode windows that hang past the end become windows over extra end
  // padding, which XNNPACK ignores for max and leaves out of the average's
  // divisor: exactly the reference's clipping of those windows.
  const int64_t padded = in + pad_begin + pad_end;
  plan->extra = std::max<int64_t>(0, (out - 1) * stride + kernel - padded);
  if ((padded + plan->extra - kernel) / stride + 1 != out) {
    return Unsupported(std::string("output ") + axis + " size " + std::to_string(out) +
                       " is not expressible as a padded floor-mode window");
  }
  // A window lying entirely in padding has no element to pool; the reference
  // and XNNPACK would disagree on what it yields.
  if (kernel <= pad_begin || (out - 1) * stride - pad_begin >= in) {
    return Unsupported(std::string("a window along ") + axis + " covers only padding");
  }
  return Status::Ok();
}

}  // namespace

Status VisitPool(VisitContext* ctx, SegmentBuilder* b) {
  const PoolAttrs* a = Attrs<PoolAttrs>(*ctx);
  if (a == nullptr) return Unsupported("attributes are not PoolAttrs");
  SEAM_RETURN_IF_ERROR(RequireF32(*ctx, 4));
  SEAM_RETURN_IF_ERROR(RequireActivation(*ctx, 0, "input X"));
  const int x = ctx->input(0), y = ctx->output(0);
  const Shape& xs = ctx->shape(x);
  const Shape& ys = ctx->shape(y);
  if (xs.rank != 4 || ys.rank != 4) return Unsupported("input must be rank 4");
  if (a->kernel_h < 1 || a->kernel_w < 1 || a->stride_h < 1 || a->stride_w < 1 || a->pad_top < 0 ||
      a->pad_left < 0 || a->pad_bottom < 0 || a->pad_right < 0) {
    return Unsupported("kernel and stride must be >= 1 and pads >= 0");
  }
  const bool is_max = ctx->node().op == OpType::kMaxPool;
  AxisPlan ph, pw;
  SEAM_RETURN_IF_ERROR(
      PlanAxis("height", xs[2], ys[2], a->kernel_h, a->stride_h, a->pad_top, a->pad_bottom, &ph));
  SEAM_RETURN_IF_ERROR(
      PlanAxis("width", xs[3], ys[3], a->kernel_w, a->stride_w, a->pad_left, a->pad_right, &pw));
  // XNNPACK rejects 1x1 pooling; with pads < kernel it is a strided
  // subsample, which a 1x1 depthwise convolution with unit weights does exactly.
  const bool unit = a->kernel_h == 1 && a->kernel_w == 1;
  if (unit && (ph.extra != 0 || pw.extra != 0 || a->pad_top != 0 || a->pad_left != 0)) {
    return Unsupported("1x1 pooling with padding");
  }
  // XNNPACK leaves padding out of the divisor; PyTorch's default counts it,
  // so that case pads explicitly and pools the padded tensor unpadded.
  const bool explicit_pad = !is_max && a->count_include_pad &&
                            (a->pad_top | a->pad_left | a->pad_bottom | a->pad_right) != 0;
  if (b == nullptr) return Status::Ok();

  uint32_t x_id, y_id;
  SEAM_RETURN_IF_ERROR(b->Input(x, &x_id));
  const size_t N = static_cast<size_t>(xs[0]), C = static_cast<size_t>(xs[1]);
  if (unit) {
    uint32_t ones_id;
    SEAM_RETURN_IF_ERROR(b->Static(
        "ones:" + std::to_string(C), {1, 1, 1, C},
        [C](float* dst) { std::fill(dst, dst + C, 1.0f); }, &ones_id));
    SEAM_RETURN_IF_ERROR(b->Output(y, &y_id));
    SEAM_XNN_CHECK(*ctx, xnn_define_depthwise_convolution_2d(
                             b->subgraph(), 0, 0, 0, 0, 1, 1, a->stride_h, a->stride_w, 1, 1, 1, C,
                             -INFINITY, INFINITY, x_id, ones_id, XNN_INVALID_VALUE_ID, y_id, 0));
    return Status::Ok();
  }
  uint32_t top = a->pad_top, left = a->pad_left;
  uint32_t bottom = a->pad_bottom + ph.extra, right = a->pad_right + pw.extra;
  uint32_t pool_in = x_id;
  if (explicit_pad) {
    const size_t pre[4] = {0, static_cast<size_t>(a->pad_top), static_cast<size_t>(a->pad_left), 0};
    const size_t post[4] = {0, static_cast<size_t>(a->pad_bottom),
                            static_cast<size_t>(a->pad_right), 0};
    SEAM_RETURN_IF_ERROR(b->Temp({N, static_cast<size_t>(xs[2] + a->pad_top + a->pad_bottom),
                                  static_cast<size_t>(xs[3] + a->pad_left + a->pad_right), C},
                                 &pool_in));
    SEAM_XNN_CHECK(
        *ctx, xnn_define_static_constant_pad(b->subgraph(), pre, post, 0.0f, x_id, pool_in, 0));
    top = left = 0;
    bottom = ph.extra;
    right = pw.extra;
  }
  SEAM_RETURN_IF_ERROR(b->Output(y, &y_id));
  if (is_max) {
    SEAM_XNN_CHECK(*ctx,
                   xnn_define_max_pooling_2d(b->subgraph(), top, right, bottom, left, a->kernel_h,
                                             a->kernel_w, a->stride_h, a->stride_w, 1, 1, -INFINITY,
                                             INFINITY, pool_in, y_id, 0));
  } else {
    SEAM_XNN_CHECK(*ctx, xnn_define_average_pooling_2d(
                             b->subgraph(), top, right, bottom, left, a->kernel_h, a->kernel_w,
                             a->stride_h, a->stride_w, -INFINITY, INFINITY, pool_in, y_id, 0));
  }
  return Status::Ok();
}

Status VisitGlobalAveragePool(VisitContext* ctx, SegmentBuilder* b) {
  SEAM_RETURN_IF_ERROR(RequireF32(*ctx, 4));
  SEAM_RETURN_IF_ERROR(RequireActivation(*ctx, 0, "input X"));
  if (ctx->shape(ctx->input(0)).rank != 4) return Unsupported("input must be rank 4");
  if (b == nullptr) return Status::Ok();
  uint32_t x_id, y_id;
  SEAM_RETURN_IF_ERROR(b->Input(ctx->input(0), &x_id));
  SEAM_RETURN_IF_ERROR(b->Output(ctx->output(0), &y_id));
  SEAM_XNN_CHECK(*ctx, xnn_define_global_average_pooling_2d(b->subgraph(), -INFINITY, INFINITY,
                                                            x_id, y_id, 0));
  return Status::Ok();
}

}  // namespace xnnpack
}  // namespace seam
