// AveragePool: window sums over NCHW planes divided by the ONNX/PyTorch divisor
// (real elements only, or the window clipped to the padded border).
#include <algorithm>

#include "kernels/kernel.h"
#include "kernels/kernel_util.h"

namespace seam {
namespace {

// Elements of a window along one axis that count towards the divisor.
// count_include_pad follows PyTorch: the window end is clipped to the padded
// border (input + end pad) before clipping the start, so ceil_mode windows that
// hang past the border count fewer positions.
inline int64_t AxisCount(int64_t start, int64_t kernel, int64_t size, int64_t pad_end,
                         bool include_pad) {
  if (include_pad) return std::min(start + kernel, size + pad_end) - start;
  return std::min(start + kernel, size) - std::max<int64_t>(start, 0);
}

}  // namespace

Status AveragePoolKernel(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 1, 1));
  const PoolAttrs* a = kernel_util::GetAttrs<PoolAttrs>(ctx);
  if (a == nullptr) return kernel_util::ShapeError(ctx, "attributes are not PoolAttrs");
  const Shape& xs = ctx.inputs[0].shape;
  const Shape& ys = ctx.outputs[0].shape;
  if (xs.rank != 4 || ys.rank != 4 || xs[0] != ys[0] || xs[1] != ys[1] || a->stride_h <= 0 ||
      a->stride_w <= 0 || a->kernel_h <= 0 || a->kernel_w <= 0) {
    return kernel_util::ShapeError(ctx, "inconsistent AveragePool shapes or attributes");
  }
  const int64_t H = xs[2], W = xs[3], OH = ys[2], OW = ys[3];
  const float* x = ctx.inputs[0].data;
  float* y = ctx.outputs[0].data;
  const int64_t planes = xs[0] * xs[1];
  const int64_t work = std::max<int64_t>(1, OH * OW * a->kernel_h * a->kernel_w);
  const int64_t grain = std::max<int64_t>(1, kernel_util::kElementwiseGrain / work);
  const bool include_pad = a->count_include_pad;
  ParallelFor(ctx.pool, planes, grain, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const float* in = x + p * H * W;
      float* out = y + p * OH * OW;
      for (int64_t oh = 0; oh < OH; ++oh) {
        float* row = out + oh * OW;
        std::fill(row, row + OW, 0.0f);
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
              for (int64_t ow = lo; ow < hi; ++ow) row[ow] += src[ow];
            } else {
              const int64_t s = a->stride_w;
              for (int64_t ow = lo; ow < hi; ++ow) row[ow] += src[ow * s];
            }
          }
        }
        const int64_t count_h = AxisCount(h0, a->kernel_h, H, a->pad_bottom, include_pad);
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t w0 = ow * a->stride_w - a->pad_left;
          const int64_t count = count_h * AxisCount(w0, a->kernel_w, W, a->pad_right, include_pad);
          // A window with nothing to average (only possible with pads larger
          // than the kernel) yields 0 rather than 0/0.
          row[ow] = count > 0 ? row[ow] / static_cast<float>(count) : 0.0f;
        }
      }
    }
  });
  return Status::Ok();
}

}  // namespace seam
