// BatchNorm (and a Relu or Clip after it) as one pass over memory (see the header).
#include "backends/xnnpack/xnnpack_scale_shift.h"

#include <algorithm>

namespace seam {
namespace xnnpack {
namespace {

// Rows of `channels * inner` floats per task: enough work to amortise the
// dispatch (64 KB of input).
constexpr size_t kFloatsPerTask = 16384;

}  // namespace

void ScaleShift::Run(const float* x, float* y, pthreadpool_t pool) const {
  const size_t C = shape_.channels, inner = shape_.inner;
  const size_t row = C * inner;
  const size_t rows_per_task = std::max<size_t>(1, kFloatsPerTask / std::max<size_t>(row, 1));
  const float* scale = scale_.data();
  const float* shift = shift_.data();
  const float lo = clamp_.min, hi = clamp_.max;
  pthreadpool_parallelize_1d_tile_1d(
      pool,
      [&](size_t first, size_t count) {
        for (size_t r = first; r < first + count; ++r) {
          const float* in = x + r * row;
          float* out = y + r * row;
          if (inner == 1) {  // channel-last: the loop over channels vectorises
            for (size_t c = 0; c < C; ++c)
              out[c] = std::min(std::max(in[c] * scale[c] + shift[c], lo), hi);
            continue;
          }
          for (size_t c = 0; c < C; ++c) {
            const float s = scale[c], b = shift[c];
            for (size_t i = 0; i < inner; ++i) {
              out[c * inner + i] = std::min(std::max(in[c * inner + i] * s + b, lo), hi);
            }
          }
        }
      },
      shape_.outer, rows_per_task);
}

}  // namespace xnnpack
}  // namespace seam
