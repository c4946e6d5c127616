// GlobalAveragePool: the mean of each [N,C] plane over all spatial positions.
#include <algorithm>

#include "kernels/kernel.h"
#include "kernels/kernel_util.h"

namespace seam {

Status GlobalAveragePoolKernel(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 1, 1));
  const Shape& xs = ctx.inputs[0].shape;
  const Shape& ys = ctx.outputs[0].shape;
  if (xs.rank < 2 || ys.rank < 2 || xs[0] != ys[0] || xs[1] != ys[1] ||
      ys.NumElements() != xs[0] * xs[1]) {
    return kernel_util::ShapeError(ctx, "inconsistent GlobalAveragePool shapes");
  }
  const int64_t planes = xs[0] * xs[1];
  if (planes == 0) return Status::Ok();
  const int64_t size = xs.NumElements() / planes;
  const float* x = ctx.inputs[0].data;
  float* y = ctx.outputs[0].data;
  // An empty plane averages to 0 rather than 0/0.
  const float divisor = size > 0 ? static_cast<float>(size) : 1.0f;
  const int64_t grain =
      std::max<int64_t>(1, kernel_util::kElementwiseGrain / std::max<int64_t>(size, 1));
  ParallelFor(ctx.pool, planes, grain, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) y[p] = kernel_util::SumRow(x + p * size, size) / divisor;
  });
  return Status::Ok();
}

}  // namespace seam
