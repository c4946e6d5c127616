// Add and Mul with numpy broadcasting (either operand broadcast, ranks may differ).
#include <algorithm>

#include "kernels/kernel.h"
#include "kernels/kernel_util.h"

namespace seam {
namespace {

struct AddOp {
  static float Apply(float a, float b) { return a + b; }
};
struct MulOp {
  static float Apply(float a, float b) { return a * b; }
};

// The broadcast reduced to its essentials: output dims of size 1 dropped and
// neighbouring dims with the same broadcast pattern merged, so the innermost
// loop is as long as possible and reads each operand with stride 0 or 1.
struct BroadcastPlan {
  int rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t a_strides[kMaxRank] = {};
  int64_t b_strides[kMaxRank] = {};
};

bool MakePlan(const Shape& as, const Shape& bs, const Shape& ys, BroadcastPlan* plan) {
  const int r = ys.rank;
  if (as.rank > r || bs.rank > r) return false;
  bool prev_a = false, prev_b = false;
  for (int i = 0; i < r; ++i) {
    const int64_t yd = ys[i];
    const int64_t ad = i < r - as.rank ? 1 : as[i - (r - as.rank)];
    const int64_t bd = i < r - bs.rank ? 1 : bs[i - (r - bs.rank)];
    if ((ad != 1 && ad != yd) || (bd != 1 && bd != yd)) return false;
    if (yd == 1) continue;
    const bool a_bc = ad == 1, b_bc = bd == 1;
    if (plan->rank > 0 && a_bc == prev_a && b_bc == prev_b) {
      plan->dims[plan->rank - 1] *= yd;
    } else {
      plan->dims[plan->rank] = yd;
      // Strides hold 0/1 flags here; they become element strides below.
      plan->a_strides[plan->rank] = a_bc ? 0 : 1;
      plan->b_strides[plan->rank] = b_bc ? 0 : 1;
      ++plan->rank;
    }
    prev_a = a_bc;
    prev_b = b_bc;
  }
  int64_t sa = 1, sb = 1;
  for (int i = plan->rank - 1; i >= 0; --i) {
    if (plan->a_strides[i] != 0) {
      plan->a_strides[i] = sa;
      sa *= plan->dims[i];
    }
    if (plan->b_strides[i] != 0) {
      plan->b_strides[i] = sb;
      sb *= plan->dims[i];
    }
  }
  return true;
}

template <typename Op>
void InnerLoop(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) y[i] = Op::Apply(a[i], b[i]);
  } else if (sa == 1) {
    const float bv = *b;
    for (int64_t i = 0; i < n; ++i) y[i] = Op::Apply(a[i], bv);
  } else if (sb == 1) {
    const float av = *a;
    for (int64_t i = 0; i < n; ++i) y[i] = Op::Apply(av, b[i]);
  } else {
    const float v = Op::Apply(*a, *b);
    for (int64_t i = 0; i < n; ++i) y[i] = v;
  }
}

template <typename Op>
Status RunBinary(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 2, 1));
  const Shape& ys = ctx.outputs[0].shape;
  BroadcastPlan plan;
  if (!MakePlan(ctx.inputs[0].shape, ctx.inputs[1].shape, ys, &plan)) {
    return kernel_util::ShapeError(ctx, "operands do not broadcast to the output shape");
  }
  const int64_t total = ys.NumElements();
  if (total == 0) return Status::Ok();
  const float* A = ctx.inputs[0].data;
  const float* B = ctx.inputs[1].data;
  float* Y = ctx.outputs[0].data;
  if (plan.rank == 0) {
    Y[0] = Op::Apply(A[0], B[0]);
    return Status::Ok();
  }
  const int m = plan.rank;
  const int64_t inner = plan.dims[m - 1];
  const int64_t sa_in = plan.a_strides[m - 1];
  const int64_t sb_in = plan.b_strides[m - 1];
  ParallelFor(ctx.pool, total, kernel_util::kElementwiseGrain, [&](int64_t begin, int64_t end) {
    // Position of `begin` as an outer multi-index plus an offset in the row.
    int64_t idx[kMaxRank] = {};
    int64_t rem = begin / inner;
    int64_t a_off = 0, b_off = 0;
    for (int i = m - 2; i >= 0; --i) {
      idx[i] = rem % plan.dims[i];
      rem /= plan.dims[i];
      a_off += idx[i] * plan.a_strides[i];
      b_off += idx[i] * plan.b_strides[i];
    }
    int64_t pos = begin % inner;
    int64_t out = begin;
    while (out < end) {
      const int64_t n = std::min(inner - pos, end - out);
      InnerLoop<Op>(A + a_off + pos * sa_in, sa_in, B + b_off + pos * sb_in, sb_in, Y + out, n);
      out += n;
      pos = 0;
      // Advance the outer multi-index by one row.
      for (int i = m - 2; i >= 0; --i) {
        a_off += plan.a_strides[i];
        b_off += plan.b_strides[i];
        if (++idx[i] < plan.dims[i]) break;
        a_off -= plan.a_strides[i] * plan.dims[i];
        b_off -= plan.b_strides[i] * plan.dims[i];
        idx[i] = 0;
      }
    }
  });
  return Status::Ok();
}

}  // namespace

Status AddKernel(const KernelContext& ctx) { return RunBinary<AddOp>(ctx); }
Status MulKernel(const KernelContext& ctx) { return RunBinary<MulOp>(ctx); }

}  // namespace seam
