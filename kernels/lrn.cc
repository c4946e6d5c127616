// LRN: ONNX local response normalisation across channels.
#include <algorithm>
#include <cmath>

#include "kernels/kernel.h"
#include "kernels/kernel_util.h"

namespace seam {

Status LRNKernel(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 1, 1));
  const LRNAttrs* a = kernel_util::GetAttrs<LRNAttrs>(ctx);
  if (a == nullptr) return kernel_util::ShapeError(ctx, "attributes are not LRNAttrs");
  const Shape& xs = ctx.inputs[0].shape;
  if (xs.rank < 2 || ctx.outputs[0].shape != xs || a->size <= 0) {
    return kernel_util::ShapeError(ctx, "LRN needs rank >= 2, matching output and size > 0");
  }
  const int64_t N = xs[0], C = xs[1];
  if (N * C == 0) return Status::Ok();
  const int64_t inner = xs.NumElements() / (N * C);
  const float* x = ctx.inputs[0].data;
  float* y = ctx.outputs[0].data;
  if (x == y) return kernel_util::ShapeError(ctx, "LRN cannot run in place");
  const int64_t before = (a->size - 1) / 2;    // floor((size-1)/2)
  const int64_t after = a->size - 1 - before;  // ceil((size-1)/2)
  const float alpha_over_size = a->alpha / static_cast<float>(a->size);
  const float bias = a->bias;
  const float beta = a->beta;
  const int64_t grain =
      std::max<int64_t>(1, kernel_util::kElementwiseGrain / std::max<int64_t>(inner * a->size, 1));
  ParallelFor(ctx.pool, N * C, grain, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const int64_t n = p / C;
      const int64_t c = p % C;
      const float* in = x + p * inner;
      float* out = y + p * inner;
      // The output plane doubles as the square-sum accumulator.
      std::fill(out, out + inner, 0.0f);
      const int64_t c_lo = std::max<int64_t>(0, c - before);
      const int64_t c_hi = std::min<int64_t>(C - 1, c + after);
      for (int64_t cc = c_lo; cc <= c_hi; ++cc) {
        const float* src = x + (n * C + cc) * inner;
        for (int64_t i = 0; i < inner; ++i) out[i] += src[i] * src[i];
      }
      // The common exponents avoid pow(), which dominates the run time.
      if (beta == 0.75f) {
        for (int64_t i = 0; i < inner; ++i) {
          const float base = bias + alpha_over_size * out[i];
          const float root = std::sqrt(base);
          out[i] = in[i] / (root * std::sqrt(root));
        }
      } else if (beta == 0.5f) {
        for (int64_t i = 0; i < inner; ++i)
          out[i] = in[i] / std::sqrt(bias + alpha_over_size * out[i]);
      } else {
        for (int64_t i = 0; i < inner; ++i) {
          out[i] = in[i] / std::pow(bias + alpha_over_size * out[i], beta);
        }
      }
    }
  });
  return Status::Ok();
}

}  // namespace seam
