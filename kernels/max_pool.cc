// MaxPool: windows over NCHW planes; padded positions never win.
#include <algorithm>
#include <limits>

#include "kernels/kernel.h"
#include "kernels/kernel_util.h"

namespace seam {

Status MaxPoolKernel(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 1, 1));
  const PoolAttrs* a = kernel_util::GetAttrs<PoolAttrs>(ctx);
  if (a == nullptr) return kernel_util::ShapeError(ctx, "attributes are not PoolAttrs");
  const Shape& xs = ctx.inputs[0].shape;
  const Shape& ys = ctx.outputs[0].shape;
  if (xs.rank != 4 || ys.rank != 4 || xs[0] != ys[0] || xs[1] != ys[1] || a->stride_h <= 0 ||
      a->stride_w <= 0 || a->kernel_h <= 0 || a->kernel_w <= 0) {
    return kernel_util::ShapeError(ctx, "inconsistent MaxPool shapes or attributes");
  }
  const int64_t H = xs[2], W = xs[3], OH = ys[2], OW = ys[3];
  const float* x = ctx.inputs[0].data;
  float* y = ctx.outputs[0].data;
  const int64_t planes = xs[0] * xs[1];
  const int64_t work = std::max<int64_t>(1, OH * OW * a->kernel_h * a->kernel_w);
  const int64_t grain = std::max<int64_t>(1, kernel_util::kElementwiseGrain / work);
  // A window entirely in the padding has no real element; it yields lowest(),
  // as ONNX Runtime does.
  const float kLowest = std::numeric_limits<float>::lowest();
  ParallelFor(ctx.pool, planes, grain, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const float* in = x + p * H * W;
      float* out = y + p * OH * OW;
      for (int64_t oh = 0; oh < OH; ++oh) {
        float* row = out + oh * OW;
        std::fill(row, row + OW, kLowest);
        const int64_t h0 = oh * a->stride_h - a->pad_top;
        const int64_t h_begin = std::max<int64_t>(h0, 0);
        const int64_t h_end = std::min<int64_t>(h0 + a->kernel_h, H);
        for (int64_t ih = h_begin; ih < h_end; ++ih) {
          const float* in_row = in + ih * W;
          for (int64_t kw = 0; kw < a->kernel_w; ++kw) {
            const int64_t off = kw - a->pad_left;
            int64_t lo, hi;
            kernel_util::ValidRange(off, a->stride_w, W, OW, &lo, &hi);
            const float* src = in_row + off;
            if (a->stride_w == 1) {
              for (int64_t ow = lo; ow < hi; ++ow) row[ow] = std::max(row[ow], src[ow]);
            } else {
              const int64_t s = a->stride_w;
              for (int64_t ow = lo; ow < hi; ++ow) row[ow] = std::max(row[ow], src[ow * s]);
            }
          }
        }
      }
    }
  });
  return Status::Ok();
}

}  // namespace seam
