// Softmax over one axis (ONNX opset 13), stabilised by subtracting the maximum.
#include <algorithm>
#include <cmath>

#include "kernels/kernel.h"
#include "kernels/kernel_util.h"

namespace seam {
namespace {

// Columns of a strided softmax handled together; their running max and sum
// live on the stack so the loops run across contiguous memory.
constexpr int64_t kColumnChunk = 256;

void SoftmaxRow(const float* x, float* y, int64_t n) {
  float m = x[0];
  for (int64_t i = 1; i < n; ++i) m = std::max(m, x[i]);
  for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i] - m);
  const float sum = kernel_util::SumRow(y, n);
  for (int64_t i = 0; i < n; ++i) y[i] /= sum;
}

// Softmax down the columns [0, cols) of an [n, stride] block.
void SoftmaxColumns(const float* x, float* y, int64_t n, int64_t stride, int64_t cols) {
  float m[kColumnChunk];
  float s[kColumnChunk];
  for (int64_t j = 0; j < cols; ++j) m[j] = x[j];
  for (int64_t l = 1; l < n; ++l) {
    const float* row = x + l * stride;
    for (int64_t j = 0; j < cols; ++j) m[j] = std::max(m[j], row[j]);
  }
  for (int64_t j = 0; j < cols; ++j) s[j] = 0.0f;
  for (int64_t l = 0; l < n; ++l) {
    const float* in = x + l * stride;
    float* out = y + l * stride;
    for (int64_t j = 0; j < cols; ++j) {
      out[j] = std::exp(in[j] - m[j]);
      s[j] += out[j];
    }
  }
  for (int64_t l = 0; l < n; ++l) {
    float* out = y + l * stride;
    for (int64_t j = 0; j < cols; ++j) out[j] /= s[j];
  }
}

}  // namespace

Status SoftmaxKernel(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 1, 1));
  const AxisAttrs* a = kernel_util::GetAttrs<AxisAttrs>(ctx);
  if (a == nullptr) return kernel_util::ShapeError(ctx, "attributes are not AxisAttrs");
  const Shape& xs = ctx.inputs[0].shape;
  if (ctx.outputs[0].shape != xs) return kernel_util::ShapeError(ctx, "output shape differs");
  const int r = xs.rank;
  const int axis = a->axis < 0 ? a->axis + r : a->axis;
  if (r == 0 || axis < 0 || axis >= r) {
    return kernel_util::ShapeError(ctx, "Softmax axis out of range");
  }
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= xs[i];
  for (int i = axis + 1; i < r; ++i) inner *= xs[i];
  const int64_t n = xs[axis];
  if (outer * n * inner == 0) return Status::Ok();
  const float* x = ctx.inputs[0].data;
  float* y = ctx.outputs[0].data;

  if (inner == 1) {
    const int64_t grain = std::max<int64_t>(1, kernel_util::kElementwiseGrain / n);
    ParallelFor(ctx.pool, outer, grain, [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o) SoftmaxRow(x + o * n, y + o * n, n);
    });
    return Status::Ok();
  }
  const int64_t chunks = (inner + kColumnChunk - 1) / kColumnChunk;
  const int64_t task_elems = n * std::min(inner, kColumnChunk);
  const int64_t grain = std::max<int64_t>(1, kernel_util::kElementwiseGrain / task_elems);
  ParallelFor(ctx.pool, outer * chunks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t o = t / chunks;
      const int64_t j0 = (t % chunks) * kColumnChunk;
      const int64_t offset = o * n * inner + j0;
      SoftmaxColumns(x + offset, y + offset, n, inner, std::min(kColumnChunk, inner - j0));
    }
  });
  return Status::Ok();
}

}  // namespace seam
