// Elementwise activations: Relu, Clip, LeakyRelu, Sigmoid, Tanh, HardSwish.
#include <algorithm>

#include "kernels/kernel.h"
#include "kernels/kernel_util.h"

namespace seam {
namespace {

// Every activation is the same chunked map; only the function differs.
Status RunActivation(const KernelContext& ctx, const FusedActivation& act) {
  const int64_t n = ctx.inputs[0].shape.NumElements();
  if (ctx.outputs[0].shape.NumElements() != n) {
    return kernel_util::ShapeError(ctx, "output size differs from input size");
  }
  const float* x = ctx.inputs[0].data;
  float* y = ctx.outputs[0].data;
  ParallelFor(ctx.pool, n, kernel_util::kElementwiseGrain, [&](int64_t begin, int64_t end) {
    kernel_util::ActivationRow(act, x + begin, y + begin, end - begin);
  });
  return Status::Ok();
}

Status RunSimple(const KernelContext& ctx, ActivationKind kind) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 1, 1));
  FusedActivation act;
  act.kind = kind;
  return RunActivation(ctx, act);
}

}  // namespace

Status ReluKernel(const KernelContext& ctx) { return RunSimple(ctx, ActivationKind::kRelu); }
Status SigmoidKernel(const KernelContext& ctx) { return RunSimple(ctx, ActivationKind::kSigmoid); }
Status TanhKernel(const KernelContext& ctx) { return RunSimple(ctx, ActivationKind::kTanh); }
Status HardSwishKernel(const KernelContext& ctx) {
  return RunSimple(ctx, ActivationKind::kHardSwish);
}

Status ClipKernel(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 1, 1));
  const ClipAttrs* a = kernel_util::GetAttrs<ClipAttrs>(ctx);
  if (a == nullptr) return kernel_util::ShapeError(ctx, "attributes are not ClipAttrs");
  FusedActivation act;
  act.kind = ActivationKind::kClip;
  act.alpha = a->min;
  act.beta = a->max;
  return RunActivation(ctx, act);
}

Status LeakyReluKernel(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 1, 1));
  const LeakyReluAttrs* a = kernel_util::GetAttrs<LeakyReluAttrs>(ctx);
  if (a == nullptr) return kernel_util::ShapeError(ctx, "attributes are not LeakyReluAttrs");
  FusedActivation act;
  act.kind = ActivationKind::kLeakyRelu;
  act.alpha = a->alpha;
  return RunActivation(ctx, act);
}

}  // namespace seam
