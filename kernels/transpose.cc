// Transpose: arbitrary permutations up to kMaxRank, as row copies when the
// innermost dimension stays innermost, else as cache-sized 2-D tiles.
#include <algorithm>
#include <cstring>

#include "kernels/kernel.h"
#include "kernels/kernel_util.h"

namespace seam {
namespace {

constexpr int64_t kTile = 32;

// A loop over a set of dimensions, with the element strides of each in the
// input and the output.
struct Loop {
  int rank = 0;
  int64_t size[kMaxRank] = {};
  int64_t in_stride[kMaxRank] = {};
  int64_t out_stride[kMaxRank] = {};
  int64_t count() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= size[i];
    return n;
  }
  // Input and output offsets of flat position `index` (row-major over the loop).
  void Offsets(int64_t index, int64_t* in, int64_t* out) const {
    *in = 0;
    *out = 0;
    for (int i = rank - 1; i >= 0; --i) {
      const int64_t k = index % size[i];
      index /= size[i];
      *in += k * in_stride[i];
      *out += k * out_stride[i];
    }
  }
};

}  // namespace

Status TransposeKernel(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 1, 1));
  const TransposeAttrs* a = kernel_util::GetAttrs<TransposeAttrs>(ctx);
  if (a == nullptr) return kernel_util::ShapeError(ctx, "attributes are not TransposeAttrs");
  const Shape& xs = ctx.inputs[0].shape;
  const Shape& ys = ctx.outputs[0].shape;
  const int r = xs.rank;
  if (ys.rank != r) return kernel_util::ShapeError(ctx, "Transpose changes the rank");
  // An empty perm means the ONNX default: reverse the dimensions.
  if (!a->perm.empty() && static_cast<int>(a->perm.size()) != r) {
    return kernel_util::ShapeError(ctx, "Transpose perm length differs from the rank");
  }
  int perm[kMaxRank];
  bool seen[kMaxRank] = {};
  for (int i = 0; i < r; ++i) {
    perm[i] = a->perm.empty() ? r - 1 - i : a->perm[i];
    if (perm[i] < 0 || perm[i] >= r || seen[perm[i]] || ys[i] != xs[perm[i]]) {
      return kernel_util::ShapeError(ctx, "Transpose perm does not match the shapes");
    }
    seen[perm[i]] = true;
  }
  const int64_t total = xs.NumElements();
  if (total == 0) return Status::Ok();
  const float* x = ctx.inputs[0].data;
  float* y = ctx.outputs[0].data;

  int64_t x_strides[kMaxRank];
  int64_t s = 1;
  for (int i = r - 1; i >= 0; --i) {
    x_strides[i] = s;
    s *= xs[i];
  }
  // Output dims in order with their input strides; size-1 dims dropped and
  // runs that are contiguous in the input merged.
  Loop dims;
  for (int i = 0; i < r; ++i) {
    const int64_t size = ys[i];
    const int64_t stride = x_strides[perm[i]];
    if (size == 1) continue;
    if (dims.rank > 0 && dims.in_stride[dims.rank - 1] == stride * size) {
      dims.size[dims.rank - 1] *= size;
      dims.in_stride[dims.rank - 1] = stride;
    } else {
      dims.size[dims.rank] = size;
      dims.in_stride[dims.rank] = stride;
      ++dims.rank;
    }
  }
  s = 1;
  for (int i = dims.rank - 1; i >= 0; --i) {
    dims.out_stride[i] = s;
    s *= dims.size[i];
  }
  const int m = dims.rank;
  if (m == 0 || (m == 1 && dims.in_stride[0] == 1)) {
    std::memcpy(y, x, sizeof(float) * total);
    return Status::Ok();
  }

  if (dims.in_stride[m - 1] == 1) {
    // The innermost run is contiguous on both sides: copy whole rows.
    Loop outer = dims;
    outer.rank = m - 1;
    const int64_t row = dims.size[m - 1];
    const int64_t grain = std::max<int64_t>(1, kernel_util::kElementwiseGrain / row);
    ParallelFor(ctx.pool, outer.count(), grain, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        int64_t in, out;
        outer.Offsets(t, &in, &out);
        std::memcpy(y + out, x + in, sizeof(float) * row);
      }
    });
    return Status::Ok();
  }

  // Dimension j is the input's innermost; together with the output's
  // innermost it forms a 2-D transpose, done in tiles that fit in L1.
  int j = 0;
  while (j < m && dims.in_stride[j] != 1) ++j;
  if (j == m) return kernel_util::ShapeError(ctx, "Transpose found no contiguous input dim");
  Loop outer;
  for (int i = 0; i < m - 1; ++i) {
    if (i == j) continue;
    outer.size[outer.rank] = dims.size[i];
    outer.in_stride[outer.rank] = dims.in_stride[i];
    outer.out_stride[outer.rank] = dims.out_stride[i];
    ++outer.rank;
  }
  const int64_t rows = dims.size[j];      // contiguous in the input
  const int64_t cols = dims.size[m - 1];  // contiguous in the output
  const int64_t row_out_stride = dims.out_stride[j];
  const int64_t col_in_stride = dims.in_stride[m - 1];
  const int64_t row_blocks = (rows + kTile - 1) / kTile;
  const int64_t grain =
      std::max<int64_t>(1, kernel_util::kElementwiseGrain / (kTile * std::max<int64_t>(cols, 1)));
  ParallelFor(ctx.pool, outer.count() * row_blocks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      int64_t in_base, out_base;
      outer.Offsets(t / row_blocks, &in_base, &out_base);
      const int64_t r0 = (t % row_blocks) * kTile;
      const int64_t r1 = std::min(rows, r0 + kTile);
      for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
        const int64_t c1 = std::min(cols, c0 + kTile);
        for (int64_t rr = r0; rr < r1; ++rr) {
          const float* src = x + in_base + rr;
          float* dst = y + out_base + rr * row_out_stride;
          for (int64_t c = c0; c < c1; ++c) dst[c] = src[c * col_in_stride];
        }
      }
    }
  });
  return Status::Ok();
}

}  // namespace seam
