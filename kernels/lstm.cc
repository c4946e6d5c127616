// LSTM: ONNX semantics (gate order i, o, f, c; sigmoid/tanh/tanh), forward,
// reverse or bidirectional, with optional biases, initial states and outputs.
//
// The input projection of every time step is one tall GEMM up front; each
// step then adds h_{t-1} * R^T and applies the gates.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/gemm.h"
#include "kernels/kernel.h"
#include "kernels/kernel_util.h"

namespace seam {
namespace {

constexpr int kX = 0, kW = 1, kR = 2, kB = 3, kSeqLens = 4, kInitH = 5, kInitC = 6, kPeep = 7;

// Scratch parts start on 64-byte boundaries.
inline int64_t Align16(int64_t floats) { return (floats + 15) / 16 * 16; }

struct LstmDims {
  int64_t seq, batch, input, hidden, dirs;
};

struct ScratchLayout {
  int64_t gates, h, c, bias, total;  // offsets and total, in floats
};

ScratchLayout Layout(const LstmDims& d) {
  ScratchLayout l;
  l.gates = 0;
  l.h = l.gates + Align16(d.seq * d.batch * 4 * d.hidden);
  l.c = l.h + Align16(d.batch * d.hidden);
  l.bias = l.c + Align16(d.batch * d.hidden);
  l.total = l.bias + Align16(4 * d.hidden);
  return l;
}

bool InputPresent(const KernelContext& ctx, int i) {
  return i < ctx.num_inputs && ctx.inputs[i].data != nullptr;
}

}  // namespace

size_t LSTMScratchBytes(const Node& /*node*/, const Shape* in, int num_in, const Shape* /*out*/,
                        int /*num_out*/) {
  if (num_in < 3 || in[0].rank != 3 || in[2].rank != 3) return 0;
  LstmDims d{in[0][0], in[0][1], in[0][2], in[2][2], in[2][0]};
  return static_cast<size_t>(Layout(d).total) * sizeof(float);
}

Status LSTMKernel(const KernelContext& ctx) {
  SEAM_RETURN_IF_ERROR(kernel_util::CheckArgs(ctx, 3, 0));
  const LSTMAttrs* a = kernel_util::GetAttrs<LSTMAttrs>(ctx);
  if (a == nullptr) return kernel_util::ShapeError(ctx, "attributes are not LSTMAttrs");
  if (InputPresent(ctx, kSeqLens)) {
    return Unsupported(kernel_util::NodeLabel(ctx) + ": LSTM sequence_lens is not supported");
  }
  if (InputPresent(ctx, kPeep)) {
    return Unsupported(kernel_util::NodeLabel(ctx) + ": LSTM peepholes are not supported");
  }
  const Shape& xs = ctx.inputs[kX].shape;
  const Shape& ws = ctx.inputs[kW].shape;
  const Shape& rs = ctx.inputs[kR].shape;
  if (xs.rank != 3 || ws.rank != 3 || rs.rank != 3) {
    return kernel_util::ShapeError(ctx, "LSTM needs rank-3 X, W and R");
  }
  LstmDims d{xs[0], xs[1], xs[2], rs[2], ws[0]};
  const int64_t H = d.hidden;
  const int64_t expected_dirs = a->direction == LSTMDirection::kBidirectional ? 2 : 1;
  if (d.dirs != expected_dirs || ws[1] != 4 * H || ws[2] != d.input || rs[0] != d.dirs ||
      rs[1] != 4 * H || (a->hidden_size > 0 && a->hidden_size != H)) {
    return kernel_util::ShapeError(ctx, "inconsistent LSTM weight shapes");
  }
  const float* bias_in = InputPresent(ctx, kB) ? ctx.inputs[kB].data : nullptr;
  const float* init_h = InputPresent(ctx, kInitH) ? ctx.inputs[kInitH].data : nullptr;
  const float* init_c = InputPresent(ctx, kInitC) ? ctx.inputs[kInitC].data : nullptr;
  const int64_t state = d.batch * H;
  if ((bias_in && ctx.inputs[kB].shape.NumElements() != d.dirs * 8 * H) ||
      (init_h && ctx.inputs[kInitH].shape.NumElements() != d.dirs * state) ||
      (init_c && ctx.inputs[kInitC].shape.NumElements() != d.dirs * state)) {
    return kernel_util::ShapeError(ctx, "inconsistent LSTM bias or initial state shapes");
  }
  float* Y = kernel_util::OptionalOutput(ctx, 0);
  float* Y_h = kernel_util::OptionalOutput(ctx, 1);
  float* Y_c = kernel_util::OptionalOutput(ctx, 2);
  if ((Y && ctx.outputs[0].shape.NumElements() != d.seq * d.dirs * state) ||
      (Y_h && ctx.outputs[1].shape.NumElements() != d.dirs * state) ||
      (Y_c && ctx.outputs[2].shape.NumElements() != d.dirs * state)) {
    return kernel_util::ShapeError(ctx, "inconsistent LSTM output shapes");
  }
  const ScratchLayout layout = Layout(d);
  if (ctx.scratch == nullptr ||
      ctx.scratch_bytes < static_cast<size_t>(layout.total) * sizeof(float)) {
    return kernel_util::ShapeError(ctx, "scratch smaller than LSTMScratchBytes");
  }
  float* gates = ctx.scratch + layout.gates;
  float* h = ctx.scratch + layout.h;
  float* c = ctx.scratch + layout.c;
  float* bias = ctx.scratch + layout.bias;
  const float* X = ctx.inputs[kX].data;

  for (int64_t dir = 0; dir < d.dirs; ++dir) {
    const bool reverse = a->direction == LSTMDirection::kReverse ||
                         (a->direction == LSTMDirection::kBidirectional && dir == 1);
    const float* W = ctx.inputs[kW].data + dir * 4 * H * d.input;
    const float* R = ctx.inputs[kR].data + dir * 4 * H * H;
    GemmOptions proj;
    proj.trans_b = true;
    if (bias_in != nullptr) {
      // Wb and Rb are always summed, so add them once into the projection.
      const float* wb = bias_in + dir * 8 * H;
      for (int64_t j = 0; j < 4 * H; ++j) bias[j] = wb[j] + wb[4 * H + j];
      proj.col_bias = bias;
    }
    Sgemm(d.seq * d.batch, 4 * H, d.input, X, d.input, W, d.input, gates, 4 * H, proj, ctx.pool);

    if (init_h) {
      std::memcpy(h, init_h + dir * state, sizeof(float) * state);
    } else {
      std::fill(h, h + state, 0.0f);
    }
    if (init_c) {
      std::memcpy(c, init_c + dir * state, sizeof(float) * state);
    } else {
      std::fill(c, c + state, 0.0f);
    }
    GemmOptions recur;
    recur.trans_b = true;
    recur.accumulate = true;
    for (int64_t s = 0; s < d.seq; ++s) {
      const int64_t t = reverse ? d.seq - 1 - s : s;
      float* g = gates + t * d.batch * 4 * H;
      Sgemm(d.batch, 4 * H, H, h, H, R, H, g, 4 * H, recur, ctx.pool);
      float* y_t = Y ? Y + (t * d.dirs + dir) * state : nullptr;
      const int64_t grain =
          std::max<int64_t>(1, kernel_util::kElementwiseGrain / (8 * std::max<int64_t>(H, 1)));
      ParallelFor(ctx.pool, d.batch, grain, [&](int64_t begin, int64_t end) {
        for (int64_t b = begin; b < end; ++b) {
          const float* gi = g + b * 4 * H;
          const float* go = gi + H;
          const float* gf = gi + 2 * H;
          const float* gc = gi + 3 * H;
          float* hb = h + b * H;
          float* cb = c + b * H;
          for (int64_t j = 0; j < H; ++j) {
            const float i_gate = kernel_util::Sigmoid(gi[j]);
            const float o_gate = kernel_util::Sigmoid(go[j]);
            const float f_gate = kernel_util::Sigmoid(gf[j]);
            const float cand = std::tanh(gc[j]);
            const float cn = f_gate * cb[j] + i_gate * cand;
            cb[j] = cn;
            hb[j] = o_gate * std::tanh(cn);
          }
          if (y_t) std::memcpy(y_t + b * H, hb, sizeof(float) * H);
        }
      });
    }
    if (Y_h) std::memcpy(Y_h + dir * state, h, sizeof(float) * state);
    if (Y_c) std::memcpy(Y_c + dir * state, c, sizeof(float) * state);
  }
  return Status::Ok();
}

}  // namespace seam
