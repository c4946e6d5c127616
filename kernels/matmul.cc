// MatMul: numpy matmul of rank >= 2 operands with broadcast batch dimensions.
#include <algorithm>

#include "kernels/gemm.h"
#include "kernels/kernel.h"
#include "kernels/kernel_util.h"

namespace seam {
namespace {

// Batch element strides of an operand aligned to the output's batch dims;
// 0 where the operand is broadcast (dim 1 or missing).
void BatchStrides(const Shape& s, const Shape& y, int64_t matrix_elems, int64_t* strides) {
  const int yb = y.rank - 2;
  const int sb = s.rank - 2;
  int64_t stride = matrix_elems;
  for (int i = yb - 1; i >= 0; --i) {
    const int si = i - (yb - sb);
    if (si < 0 || s[si] == 1) {
      strides[i] = 0;
    } else {
      strides[i] = stride;
    }
    if (si >= 0) stride *= s[si];
  }
}

bool BroadcastOk(const Shape& s, const Shape& y) {
  const int yb = y.rank - 2;
  const int sb = s.rank - 2;
  if (sb > yb) return false;
  for (int i = 0; i < sb; ++i) {
    const int64_t d = s[i];
    const int64_t yd = y[i + (yb - sb)];
    if (d != 1 && d != yd) return false;
  }
  return true;
}

}  // namespace

Status MatMulKernel(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 2, 1));
  const Shape& as = ctx.inputs[0].shape;
  const Shape& bs = ctx.inputs[1].shape;
  const Shape& ys = ctx.outputs[0].shape;
  if (as.rank < 2 || bs.rank < 2) {
    return Unsupported(kernel_util::NodeLabel(ctx) + ": MatMul with a 1-D operand");
  }
  const int64_t M = as[as.rank - 2];
  const int64_t K = as[as.rank - 1];
  const int64_t N = bs[bs.rank - 1];
  if (ys.rank != std::max(as.rank, bs.rank) || bs[bs.rank - 2] != K || ys[ys.rank - 2] != M ||
      ys[ys.rank - 1] != N || !BroadcastOk(as, ys) || !BroadcastOk(bs, ys)) {
    return kernel_util::ShapeError(ctx, "inconsistent MatMul shapes");
  }
  int64_t a_strides[kMaxRank] = {}, b_strides[kMaxRank] = {};
  BatchStrides(as, ys, M * K, a_strides);
  BatchStrides(bs, ys, K * N, b_strides);
  const int yb = ys.rank - 2;
  int64_t batches = 1;
  for (int i = 0; i < yb; ++i) batches *= ys[i];

  const float* A = ctx.inputs[0].data;
  const float* B = ctx.inputs[1].data;
  float* Y = ctx.outputs[0].data;
  const GemmOptions opt;

  // A shared B under a full A batch is one tall GEMM: [batches*M, K] x [K, N].
  bool b_shared = true, a_full = true;
  for (int i = 0; i < yb; ++i) {
    if (b_strides[i] != 0) b_shared = false;
    if (a_strides[i] == 0 && ys[i] != 1) a_full = false;
  }
  if (b_shared && a_full) {
    Sgemm(batches * M, N, K, A, K, B, N, Y, N, opt, ctx.pool);
    return Status::Ok();
  }

  auto run_batches = [&](int64_t begin, int64_t end, ThreadPool* pool) {
    for (int64_t bi = begin; bi < end; ++bi) {
      int64_t rem = bi, a_off = 0, b_off = 0;
      for (int i = yb - 1; i >= 0; --i) {
        const int64_t idx = rem % ys[i];
        rem /= ys[i];
        a_off += idx * a_strides[i];
        b_off += idx * b_strides[i];
      }
      Sgemm(M, N, K, A + a_off, K, B + b_off, N, Y + bi * M * N, N, opt, pool);
    }
  };
  // Many small products parallelise better across batches than inside each.
  const double flops =
      2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  if (batches > 1 && flops < double{1 << 22}) {
    const int64_t grain =
        std::max<int64_t>(1, static_cast<int64_t>((1 << 19) / std::max(flops, 1.0)));
    ParallelFor(ctx.pool, batches, grain,
                [&](int64_t begin, int64_t end) { run_batches(begin, end, nullptr); });
  } else {
    run_batches(0, batches, ctx.pool);
  }
  return Status::Ok();
}

}  // namespace seam
