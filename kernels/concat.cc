// Concat: joins inputs along one axis as row copies.
#include <algorithm>
#include <cstring>

#include "kernels/kernel.h"
#include "kernels/kernel_util.h"

namespace seam {

Status ConcatKernel(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, ctx.num_inputs, 1));
  const AxisAttrs* a = kernel_util::GetAttrs<AxisAttrs>(ctx);
  if (a == nullptr) return kernel_util::ShapeError(ctx, "attributes are not AxisAttrs");
  const Shape& ys = ctx.outputs[0].shape;
  const int r = ys.rank;
  const int axis = a->axis < 0 ? a->axis + r : a->axis;
  if (ctx.num_inputs < 1 || axis < 0 || axis >= r) {
    return kernel_util::ShapeError(ctx, "Concat axis out of range or no inputs");
  }
  int64_t outer = 1, trailing = 1;
  for (int i = 0; i < axis; ++i) outer *= ys[i];
  for (int i = axis + 1; i < r; ++i) trailing *= ys[i];
  int64_t axis_sum = 0;
  for (int k = 0; k < ctx.num_inputs; ++k) {
    const Shape& s = ctx.inputs[k].shape;
    if (s.rank != r) return kernel_util::ShapeError(ctx, "Concat inputs differ in rank");
    for (int i = 0; i < r; ++i) {
      if (i != axis && s[i] != ys[i]) {
        return kernel_util::ShapeError(ctx, "Concat inputs differ off the axis");
      }
    }
    axis_sum += s[axis];
  }
  if (axis_sum != ys[axis]) return kernel_util::ShapeError(ctx, "Concat axis sizes do not add up");
  const int64_t out_row = ys[axis] * trailing;
  if (outer * out_row == 0) return Status::Ok();

  const int num = ctx.num_inputs;
  const int64_t avg_copy = std::max<int64_t>(1, out_row / num);
  const int64_t grain = std::max<int64_t>(1, kernel_util::kElementwiseGrain / avg_copy);
  // One task per (outer index, input) copy. The offset of each input within
  // an output row is a prefix sum, recomputed per task to avoid a table.
  ParallelFor(ctx.pool, outer * num, grain, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t o = t / num;
      const int k = static_cast<int>(t % num);
      int64_t offset = 0;
      for (int j = 0; j < k; ++j) offset += ctx.inputs[j].shape[axis] * trailing;
      const int64_t len = ctx.inputs[k].shape[axis] * trailing;
      if (len == 0) continue;
      std::memcpy(ctx.outputs[0].data + o * out_row + offset, ctx.inputs[k].data + o * len,
                  sizeof(float) * len);
    }
  });
  return Status::Ok();
}

}  // namespace seam
