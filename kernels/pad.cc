// Pad: constant, reflect and edge modes on any rank; negative pads crop.
#include <algorithm>
#include <cstring>

#include "kernels/kernel.h"
#include "kernels/kernel_util.h"

namespace seam {
namespace {

// Input index for output index `o` of one dimension, or -1 for the constant value.
inline int64_t SourceIndex(int64_t o, int64_t begin, int64_t in_size, PadMode mode) {
  int64_t i = o - begin;
  if (i >= 0 && i < in_size) return i;
  switch (mode) {
    case PadMode::kConstant:
      return -1;
    case PadMode::kEdge:
      return i < 0 ? 0 : in_size - 1;
    case PadMode::kReflect: {
      // Mirror without repeating the edge (numpy "reflect"); pads longer than
      // the dimension keep bouncing between the ends.
      if (in_size == 1) return 0;
      const int64_t period = 2 * (in_size - 1);
      i %= period;
      if (i < 0) i += period;
      return i < in_size ? i : period - i;
    }
  }
  return -1;
}

}  // namespace

Status PadKernel(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 1, 1));
  const PadAttrs* a = kernel_util::GetAttrs<PadAttrs>(ctx);
  if (a == nullptr) return kernel_util::ShapeError(ctx, "attributes are not PadAttrs");
  const Shape& xs = ctx.inputs[0].shape;
  const Shape& ys = ctx.outputs[0].shape;
  const int r = xs.rank;
  if (ys.rank != r || (!a->pads.empty() && static_cast<int>(a->pads.size()) != 2 * r)) {
    return kernel_util::ShapeError(ctx, "Pad needs 2*rank pads and an output of the same rank");
  }
  int64_t begin[kMaxRank] = {};
  for (int i = 0; i < r; ++i) {
    begin[i] = a->pads.empty() ? 0 : a->pads[i];
    const int64_t end = a->pads.empty() ? 0 : a->pads[r + i];
    if (xs[i] + begin[i] + end != ys[i]) {
      return kernel_util::ShapeError(ctx, "Pad output shape does not match the pads");
    }
    if (xs[i] == 0 && ys[i] > 0 && a->mode != PadMode::kConstant) {
      return kernel_util::ShapeError(ctx, "reflect/edge Pad of an empty dimension");
    }
  }
  const float* x = ctx.inputs[0].data;
  float* y = ctx.outputs[0].data;
  const float value = a->value;
  const PadMode mode = a->mode;
  if (ys.NumElements() == 0) return Status::Ok();
  if (r == 0) {
    y[0] = x[0];
    return Status::Ok();
  }
  const int64_t out_row = ys[r - 1];
  const int64_t in_row = xs[r - 1];
  const int64_t b = begin[r - 1];
  const int64_t rows = ys.NumElements() / out_row;
  // The part of an output row copied straight from the input row.
  const int64_t mid_lo = std::max<int64_t>(0, b);
  const int64_t mid_hi = std::max(mid_lo, std::min(out_row, b + in_row));
  const int64_t grain = std::max<int64_t>(1, kernel_util::kElementwiseGrain / out_row);
  ParallelFor(ctx.pool, rows, grain, [&](int64_t first, int64_t last) {
    for (int64_t row = first; row < last; ++row) {
      float* dst = y + row * out_row;
      // Map the outer output coordinates to an input row (or to the constant).
      int64_t rem = row, in_offset = 0, stride = in_row;
      bool constant = false;
      for (int d = r - 2; d >= 0; --d) {
        const int64_t o = rem % ys[d];
        rem /= ys[d];
        const int64_t i = SourceIndex(o, begin[d], xs[d], mode);
        if (i < 0) {
          constant = true;
          break;
        }
        in_offset += i * stride;
        stride *= xs[d];
      }
      if (constant) {
        std::fill(dst, dst + out_row, value);
        continue;
      }
      const float* src = x + in_offset;
      for (int64_t o = 0; o < mid_lo; ++o) {
        const int64_t i = SourceIndex(o, b, in_row, mode);
        dst[o] = i < 0 ? value : src[i];
      }
      if (mid_hi > mid_lo)
        std::memcpy(dst + mid_lo, src + (mid_lo - b), sizeof(float) * (mid_hi - mid_lo));
      for (int64_t o = mid_hi; o < out_row; ++o) {
        const int64_t i = SourceIndex(o, b, in_row, mode);
        dst[o] = i < 0 ? value : src[i];
      }
    }
  });
  return Status::Ok();
}

}  // namespace seam
