// BatchNorm (inference): per-channel affine transform from running statistics.
#include <algorithm>
#include <cmath>

#include "kernels/kernel.h"
#include "kernels/kernel_util.h"

namespace seam {

Status BatchNormKernel(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 5, 1));
  const BatchNormAttrs* a = kernel_util::GetAttrs<BatchNormAttrs>(ctx);
  if (a == nullptr) return kernel_util::ShapeError(ctx, "attributes are not BatchNormAttrs");
  const Shape& xs = ctx.inputs[0].shape;
  if (xs.rank < 2 || ctx.outputs[0].shape != xs) {
    return kernel_util::ShapeError(ctx, "BatchNorm needs rank >= 2 and matching output");
  }
  const int64_t C = xs[1];
  for (int i = 1; i < 5; ++i) {
    if (ctx.inputs[i].shape.NumElements() != C) {
      return kernel_util::ShapeError(
          ctx, "BatchNorm parameter " + std::to_string(i) + " does not have C elements");
    }
  }
  const int64_t planes = xs[0] * C;
  if (planes == 0) return Status::Ok();
  const int64_t inner = xs.NumElements() / planes;
  const float* x = ctx.inputs[0].data;
  const float* scale = ctx.inputs[1].data;
  const float* bias = ctx.inputs[2].data;
  const float* mean = ctx.inputs[3].data;
  const float* var = ctx.inputs[4].data;
  float* y = ctx.outputs[0].data;
  const float eps = a->epsilon;
  const int64_t grain =
      std::max<int64_t>(1, kernel_util::kElementwiseGrain / std::max<int64_t>(inner, 1));
  ParallelFor(ctx.pool, planes, grain, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const int64_t c = p % C;
      // Folding to one multiply-add keeps the loop a pure map.
      const float mul = scale[c] / std::sqrt(var[c] + eps);
      const float add = bias[c] - mean[c] * mul;
      const float* in = x + p * inner;
      float* out = y + p * inner;
      for (int64_t i = 0; i < inner; ++i) out[i] = in[i] * mul + add;
    }
  });
  return Status::Ok();
}

}  // namespace seam
