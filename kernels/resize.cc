// Resize (nearest): ONNX coordinate transformation and nearest rounding modes.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/kernel.h"
#include "kernels/kernel_util.h"

namespace seam {
namespace {

// Output widths up to this get their column map computed once per chunk.
constexpr int64_t kMaxCachedColumns = 4096;

struct AxisMap {
  int64_t in_size, out_size;
  float scale;
};

// Arithmetic is in float, in the same order as ONNX Runtime, so that ties
// (x.5 exactly) are decided the same way.
int64_t SourceIndex(int64_t o, const AxisMap& m, ResizeCoordinateMode coord,
                    ResizeNearestMode nearest) {
  float x = 0.0f;
  const float of = static_cast<float>(o);
  switch (coord) {
    case ResizeCoordinateMode::kHalfPixel:
      x = (of + 0.5f) / m.scale - 0.5f;
      break;
    case ResizeCoordinateMode::kAsymmetric:
      x = of / m.scale;
      break;
    case ResizeCoordinateMode::kAlignCorners:
      x = m.out_size == 1
              ? 0.0f
              : of * static_cast<float>(m.in_size - 1) / static_cast<float>(m.out_size - 1);
      break;
    case ResizeCoordinateMode::kPytorchHalfPixel:
      x = m.out_size > 1 ? (of + 0.5f) / m.scale - 0.5f : 0.0f;
      break;
  }
  float r = 0.0f;
  const float fl = std::floor(x);
  switch (nearest) {
    case ResizeNearestMode::kRoundPreferFloor:
      r = x - fl == 0.5f ? fl : std::round(x);
      break;
    case ResizeNearestMode::kRoundPreferCeil:
      r = x - fl == 0.5f ? fl + 1.0f : std::round(x);
      break;
    case ResizeNearestMode::kFloor:
      r = fl;
      break;
    case ResizeNearestMode::kCeil:
      r = std::ceil(x);
      break;
  }
  if (!(r > 0.0f)) return 0;  // also catches NaN
  const int64_t i = static_cast<int64_t>(r);
  return std::min(i, m.in_size - 1);
}

}  // namespace

Status ResizeKernel(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 1, 1));
  const ResizeAttrs* a = kernel_util::GetAttrs<ResizeAttrs>(ctx);
  if (a == nullptr) return kernel_util::ShapeError(ctx, "attributes are not ResizeAttrs");
  const Shape& xs = ctx.inputs[0].shape;
  const Shape& ys = ctx.outputs[0].shape;
  const int r = xs.rank;
  if (ys.rank != r || r == 0 || (!a->scales.empty() && static_cast<int>(a->scales.size()) != r)) {
    return kernel_util::ShapeError(ctx, "Resize needs one scale per dimension");
  }
  AxisMap axes[kMaxRank];
  for (int d = 0; d < r; ++d) {
    axes[d].in_size = xs[d];
    axes[d].out_size = ys[d];
    // Without scales the output shape defines them, as with ONNX `sizes`.
    axes[d].scale = a->scales.empty() ? static_cast<float>(ys[d]) /
                                            static_cast<float>(std::max<int64_t>(xs[d], 1))
                                      : a->scales[d];
    if (!(axes[d].scale > 0.0f) || (xs[d] == 0 && ys[d] != 0)) {
      return kernel_util::ShapeError(ctx, "Resize scale must be positive over a non-empty input");
    }
  }
  if (ys.NumElements() == 0) return Status::Ok();
  const float* x = ctx.inputs[0].data;
  float* y = ctx.outputs[0].data;
  const ResizeCoordinateMode coord = a->coordinate_mode;
  const ResizeNearestMode nearest = a->nearest_mode;
  const AxisMap& last = axes[r - 1];
  const int64_t out_row = last.out_size;
  const int64_t rows = ys.NumElements() / out_row;
  const int64_t grain = std::max<int64_t>(1, kernel_util::kElementwiseGrain / out_row);
  ParallelFor(ctx.pool, rows, grain, [&](int64_t first, int64_t end) {
    int32_t columns[kMaxCachedColumns];
    const bool cached = out_row <= kMaxCachedColumns && last.in_size <= INT32_MAX;
    if (cached) {
      for (int64_t o = 0; o < out_row; ++o) {
        columns[o] = static_cast<int32_t>(SourceIndex(o, last, coord, nearest));
      }
    }
    for (int64_t row = first; row < end; ++row) {
      int64_t rem = row, in_offset = 0, stride = last.in_size;
      for (int d = r - 2; d >= 0; --d) {
        const int64_t o = rem % axes[d].out_size;
        rem /= axes[d].out_size;
        in_offset += SourceIndex(o, axes[d], coord, nearest) * stride;
        stride *= axes[d].in_size;
      }
      const float* src = x + in_offset;
      float* dst = y + row * out_row;
      if (cached) {
        for (int64_t o = 0; o < out_row; ++o) dst[o] = src[columns[o]];
      } else {
        for (int64_t o = 0; o < out_row; ++o) dst[o] = src[SourceIndex(o, last, coord, nearest)];
      }
    }
  });
  return Status::Ok();
}

}  // namespace seam
