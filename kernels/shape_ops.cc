// Flatten, Reshape and Identity (also Dropout at inference): the data is
// unchanged, so each is a plain copy into the output buffer.
#include <algorithm>
#include <cstring>

#include "kernels/kernel.h"
#include "kernels/kernel_util.h"

namespace seam {
namespace {

// Large copies are split so both cores' load/store ports work on them.
constexpr int64_t kCopyGrain = 1 << 16;

Status CopyKernel(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 1, 1));
  const int64_t n = ctx.inputs[0].shape.NumElements();
  if (ctx.outputs[0].shape.NumElements() != n) {
    return kernel_util::ShapeError(ctx, "output has " +
                                            std::to_string(ctx.outputs[0].shape.NumElements()) +
                                            " elements, input " + std::to_string(n));
  }
  const float* x = ctx.inputs[0].data;
  float* y = ctx.outputs[0].data;
  // The executor may alias the output onto the input; then there is nothing to do.
  if (n == 0 || x == y) return Status::Ok();
  ParallelFor(ctx.pool, n, kCopyGrain, [&](int64_t begin, int64_t end) {
    std::memcpy(y + begin, x + begin, sizeof(float) * (end - begin));
  });
  return Status::Ok();
}

}  // namespace

Status FlattenKernel(const KernelContext& ctx) { return CopyKernel(ctx); }
Status ReshapeKernel(const KernelContext& ctx) { return CopyKernel(ctx); }
Status IdentityKernel(const KernelContext& ctx) { return CopyKernel(ctx); }

}  // namespace seam
