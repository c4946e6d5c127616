// Conv2D: GEMM over an im2col matrix (or straight over the input for 1x1
// stride-1 unpadded kernels), plus a direct loop for depthwise convolution.
#include <algorithm>
#include <cstring>

#include "kernels/gemm.h"
#include "kernels/kernel.h"
#include "kernels/kernel_util.h"

namespace seam {
namespace {

using kernel_util::ValidRange;

struct ConvGeometry {
  int64_t N, C, H, W, O, OH, OW, KH, KW;
  int64_t group, Cg, Og;
};

bool IsDepthwise(const Conv2DAttrs& a, int64_t C) { return a.group > 1 && a.group == C; }

// The input itself is already the GEMM's B matrix.
bool IsPointwise(const Conv2DAttrs& a) {
  return a.kernel_h == 1 && a.kernel_w == 1 && a.stride_h == 1 && a.stride_w == 1 &&
         a.pad_top == 0 && a.pad_left == 0 && a.pad_bottom == 0 && a.pad_right == 0;
}

bool NeedsIm2col(const Conv2DAttrs& a, int64_t C) { return !IsDepthwise(a, C) && !IsPointwise(a); }

// col[(c*KH + kh)*KW + kw][oh*OW + ow] = x[c][oh*sh - pt + kh*dh][ow*sw - pl + kw*dw], 0 in
// the padding. Row order matches the weight layout [O][C/group][KH][KW].
void Im2col(const float* x, const ConvGeometry& g, const Conv2DAttrs& a, float* col,
            ThreadPool* pool) {
  const int64_t rows = g.Cg * g.KH * g.KW;
  const int64_t cols = g.OH * g.OW;
  const int64_t grain =
      std::max<int64_t>(1, kernel_util::kElementwiseGrain / std::max<int64_t>(cols, 1));
  ParallelFor(pool, rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t kw = r % g.KW;
      const int64_t kh = (r / g.KW) % g.KH;
      const int64_t c = r / (g.KW * g.KH);
      const float* plane = x + c * g.H * g.W;
      float* dst = col + r * cols;
      const int64_t w_off = kw * a.dilation_w - a.pad_left;
      int64_t ow_lo, ow_hi;
      ValidRange(w_off, a.stride_w, g.W, g.OW, &ow_lo, &ow_hi);
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        float* d = dst + oh * g.OW;
        const int64_t ih = oh * a.stride_h - a.pad_top + kh * a.dilation_h;
        if (ih < 0 || ih >= g.H) {
          std::fill(d, d + g.OW, 0.0f);
          continue;
        }
        const float* src = plane + ih * g.W + w_off;
        std::fill(d, d + ow_lo, 0.0f);
        if (a.stride_w == 1) {
          std::memcpy(d + ow_lo, src + ow_lo, sizeof(float) * (ow_hi - ow_lo));
        } else {
          for (int64_t ow = ow_lo; ow < ow_hi; ++ow) d[ow] = src[ow * a.stride_w];
        }
        std::fill(d + ow_hi, d + g.OW, 0.0f);
      }
    }
  });
}

// One output plane per task: start from the bias, add each kernel tap as a
// shifted row AXPY over the interior range, then activate.
void DepthwiseConv(const float* x, const float* w, const float* bias, float* y,
                   const ConvGeometry& g, const Conv2DAttrs& a, ThreadPool* pool) {
  const int64_t multiplier = g.O / g.C;
  const int64_t plane_out = g.OH * g.OW;
  const int64_t grain = std::max<int64_t>(
      1, kernel_util::kElementwiseGrain / std::max<int64_t>(plane_out * g.KH * g.KW, 1));
  ParallelFor(pool, g.N * g.O, grain, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t n = t / g.O;
      const int64_t o = t % g.O;
      const int64_t c = o / multiplier;
      const float* plane = x + (n * g.C + c) * g.H * g.W;
      const float* wk = w + o * g.KH * g.KW;
      float* out = y + (n * g.O + o) * plane_out;
      const float b = bias != nullptr ? bias[o] : 0.0f;
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        float* row = out + oh * g.OW;
        std::fill(row, row + g.OW, b);
        for (int64_t kh = 0; kh < g.KH; ++kh) {
          const int64_t ih = oh * a.stride_h - a.pad_top + kh * a.dilation_h;
          if (ih < 0 || ih >= g.H) continue;
          const float* in_row = plane + ih * g.W;
          for (int64_t kw = 0; kw < g.KW; ++kw) {
            const float wv = wk[kh * g.KW + kw];
            const int64_t off = kw * a.dilation_w - a.pad_left;
            int64_t lo, hi;
            ValidRange(off, a.stride_w, g.W, g.OW, &lo, &hi);
            const float* src = in_row + off;
            if (a.stride_w == 1) {
              for (int64_t ow = lo; ow < hi; ++ow) row[ow] += wv * src[ow];
            } else {
              const int64_t s = a.stride_w;
              for (int64_t ow = lo; ow < hi; ++ow) row[ow] += wv * src[ow * s];
            }
          }
        }
        kernel_util::ActivationRow(a.activation, row, row, g.OW);
      }
    }
  });
}

}  // namespace

size_t Conv2DScratchBytes(const Node& node, const Shape* in, int num_in, const Shape* out,
                          int num_out) {
  const Conv2DAttrs* a = std::get_if<Conv2DAttrs>(&node.attrs);
  static const Conv2DAttrs kDefaults{};
  if (a == nullptr) a = &kDefaults;
  if (num_in < 2 || num_out < 1 || in[0].rank != 4 || out[0].rank != 4 || a->group <= 0) {
    return 0;
  }
  if (!NeedsIm2col(*a, in[0][1])) return 0;
  const int64_t cg = in[0][1] / a->group;
  const int64_t rows = cg * a->kernel_h * a->kernel_w;
  return static_cast<size_t>(rows * out[0][2] * out[0][3]) * sizeof(float);
}

Status Conv2DKernel(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 2, 1));
  const Conv2DAttrs* a = kernel_util::GetAttrs<Conv2DAttrs>(ctx);
  if (a == nullptr) return kernel_util::ShapeError(ctx, "attributes are not Conv2DAttrs");
  const Shape& xs = ctx.inputs[0].shape;
  const Shape& ws = ctx.inputs[1].shape;
  const Shape& ys = ctx.outputs[0].shape;
  if (xs.rank != 4 || ws.rank != 4 || ys.rank != 4) {
    return kernel_util::ShapeError(ctx, "Conv2D needs rank-4 input, weight and output");
  }
  ConvGeometry g;
  g.N = xs[0], g.C = xs[1], g.H = xs[2], g.W = xs[3];
  g.O = ys[1], g.OH = ys[2], g.OW = ys[3];
  g.KH = a->kernel_h, g.KW = a->kernel_w;
  g.group = a->group;
  if (g.group <= 0 || g.C % g.group != 0 || g.O % g.group != 0 || ys[0] != g.N || ws[0] != g.O ||
      ws[1] != g.C / g.group || ws[2] != g.KH || ws[3] != g.KW || a->stride_h <= 0 ||
      a->stride_w <= 0 || a->dilation_h <= 0 || a->dilation_w <= 0) {
    return kernel_util::ShapeError(ctx, "inconsistent Conv2D shapes or attributes");
  }
  g.Cg = g.C / g.group;
  g.Og = g.O / g.group;
  const float* x = ctx.inputs[0].data;
  const float* w = ctx.inputs[1].data;
  const float* bias = kernel_util::OptionalInput(ctx, 2);
  float* y = ctx.outputs[0].data;
  if (g.N * g.O * g.OH * g.OW == 0) return Status::Ok();

  if (IsDepthwise(*a, g.C)) {
    DepthwiseConv(x, w, bias, y, g, *a, ctx.pool);
    return Status::Ok();
  }

  const bool im2col = NeedsIm2col(*a, g.C);
  const int64_t kdim = g.Cg * g.KH * g.KW;
  const int64_t cols = g.OH * g.OW;
  if (im2col) {
    const size_t need = static_cast<size_t>(kdim * cols) * sizeof(float);
    if (ctx.scratch == nullptr || ctx.scratch_bytes < need) {
      return kernel_util::ShapeError(ctx, "scratch smaller than Conv2DScratchBytes");
    }
  }
  GemmOptions opt;
  opt.activation = a->activation;
  for (int64_t n = 0; n < g.N; ++n) {
    for (int64_t grp = 0; grp < g.group; ++grp) {
      const float* x_g = x + (n * g.C + grp * g.Cg) * g.H * g.W;
      const float* b_mat = x_g;
      if (im2col) {
        Im2col(x_g, g, *a, ctx.scratch, ctx.pool);
        b_mat = ctx.scratch;
      }
      opt.row_bias = bias != nullptr ? bias + grp * g.Og : nullptr;
      Sgemm(g.Og, cols, kdim, w + grp * g.Og * kdim, kdim, b_mat, cols,
            y + (n * g.O + grp * g.Og) * cols, cols, opt, ctx.pool);
    }
  }
  return Status::Ok();
}

}  // namespace seam
