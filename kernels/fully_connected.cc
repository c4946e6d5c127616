// FullyConnected: Y[N,O] = act(X[N,I] * W[O,I]^T + B), one GEMM with W used transposed.
#include "kernels/gemm.h"
#include "kernels/kernel.h"
#include "kernels/kernel_util.h"

namespace seam {

Status FullyConnectedKernel(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 2, 1));
  const FullyConnectedAttrs* a = kernel_util::GetAttrs<FullyConnectedAttrs>(ctx);
  if (a == nullptr) return kernel_util::ShapeError(ctx, "attributes are not FullyConnectedAttrs");
  const Shape& xs = ctx.inputs[0].shape;
  const Shape& ws = ctx.inputs[1].shape;
  const Shape& ys = ctx.outputs[0].shape;
  if (ws.rank != 2 || ys.rank != 2 || xs.rank < 1) {
    return kernel_util::ShapeError(ctx, "FullyConnected needs W[O,I] and Y[N,O]");
  }
  const int64_t batch = ys[0];
  const int64_t out_features = ys[1];
  const int64_t in_features = ws[1];
  // X is read as [N, I] whatever its rank, so only its element count matters.
  if (ws[0] != out_features || xs.NumElements() != batch * in_features) {
    return kernel_util::ShapeError(ctx, "inconsistent FullyConnected shapes");
  }
  GemmOptions opt;
  opt.trans_b = true;
  opt.col_bias = kernel_util::OptionalInput(ctx, 2);
  opt.activation = a->activation;
  Sgemm(batch, out_features, in_features, ctx.inputs[0].data, in_features, ctx.inputs[1].data,
        in_features, ctx.outputs[0].data, out_features, opt, ctx.pool);
  return Status::Ok();
}

}  // namespace seam
