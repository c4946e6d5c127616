// Helpers shared by the reference kernels: argument checks, attribute access
// and vectorisable row loops. Internal to kernels/.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <variant>

#include "kernels/kernel.h"

namespace seam {
namespace kernel_util {

// Elements per chunk below which threading costs more than it saves.
constexpr int64_t kElementwiseGrain = 16384;

inline std::string NodeLabel(const KernelContext& ctx) {
  if (ctx.node == nullptr) return "<no node>";
  return std::string(OpTypeName(ctx.node->op)) + " '" + ctx.node->name + "'";
}

// The executor validated the graph, so a failure here is a seam bug, not bad
// user input: report it as Internal instead of dereferencing garbage.
inline Status CheckArgs(const KernelContext& ctx, int required_inputs, int required_outputs) {
  if (ctx.node == nullptr) return Internal("kernel called without a node");
  if (ctx.num_inputs < required_inputs || ctx.inputs == nullptr) {
    return Internal(NodeLabel(ctx) + ": expected " + std::to_string(required_inputs) +
                    " inputs, got " + std::to_string(ctx.num_inputs));
  }
  if (ctx.num_outputs < required_outputs || ctx.outputs == nullptr) {
    return Internal(NodeLabel(ctx) + ": expected " + std::to_string(required_outputs) +
                    " outputs, got " + std::to_string(ctx.num_outputs));
  }
  for (int i = 0; i < required_inputs; ++i) {
    if (ctx.inputs[i].data == nullptr && ctx.inputs[i].shape.NumElements() != 0) {
      return Internal(NodeLabel(ctx) + ": required input " + std::to_string(i) + " has no data");
    }
  }
  for (int i = 0; i < required_outputs; ++i) {
    if (ctx.outputs[i].data == nullptr && ctx.outputs[i].shape.NumElements() != 0) {
      return Internal(NodeLabel(ctx) + ": required output " + std::to_string(i) + " has no buffer");
    }
  }
  return Status::Ok();
}

inline Status ShapeError(const KernelContext& ctx, const std::string& what) {
  return Internal(NodeLabel(ctx) + ": " + what);
}

// An attribute-less node means "all defaults"; a different attribute type is
// a bug upstream and yields nullptr.
template <typename T>
const T* GetAttrs(const KernelContext& ctx) {
  static const T kDefaults{};
  if (std::holds_alternative<std::monostate>(ctx.node->attrs)) return &kDefaults;
  return std::get_if<T>(&ctx.node->attrs);
}

// Optional input i: nullptr when absent (index past the end or no data).
inline const float* OptionalInput(const KernelContext& ctx, int i) {
  return i < ctx.num_inputs ? ctx.inputs[i].data : nullptr;
}
inline float* OptionalOutput(const KernelContext& ctx, int i) {
  return i < ctx.num_outputs ? ctx.outputs[i].data : nullptr;
}

// floor(a / b) and ceil(a / b) for b > 0 and a of either sign.
inline int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
inline int64_t CeilDiv(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// Output positions o in [0, out_size) whose input o*stride + offset lies in
// [0, in_size), as [*lo, *hi). Used to split rows into padded and interior parts.
inline void ValidRange(int64_t offset, int64_t stride, int64_t in_size, int64_t out_size,
                       int64_t* lo, int64_t* hi) {
  int64_t l = CeilDiv(-offset, stride);
  int64_t h = FloorDiv(in_size - 1 - offset, stride) + 1;
  l = std::min(std::max<int64_t>(l, 0), out_size);
  h = std::min<int64_t>(h, out_size);
  if (h < l) h = l;
  *lo = l;
  *hi = h;
}

inline float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// y[i] = act(x[i]); x == y is allowed. The switch sits outside the loops so
// each loop is a simple map the compiler can vectorise.
inline void ActivationRow(const FusedActivation& act, const float* x, float* y, int64_t n) {
  switch (act.kind) {
    case ActivationKind::kNone:
      if (x != y) std::copy(x, x + n, y);
      return;
    case ActivationKind::kRelu:
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
      return;
    case ActivationKind::kClip: {
      const float lo = act.alpha, hi = act.beta;
      for (int64_t i = 0; i < n; ++i) y[i] = std::min(std::max(x[i], lo), hi);
      return;
    }
    case ActivationKind::kLeakyRelu: {
      const float a = act.alpha;
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] >= 0.0f ? x[i] : x[i] * a;
      return;
    }
    case ActivationKind::kSigmoid:
      for (int64_t i = 0; i < n; ++i) y[i] = Sigmoid(x[i]);
      return;
    case ActivationKind::kTanh:
      for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
      return;
    case ActivationKind::kHardSwish:
      for (int64_t i = 0; i < n; ++i) {
        y[i] = x[i] * std::min(std::max(x[i] + 3.0f, 0.0f), 6.0f) / 6.0f;
      }
      return;
  }
  // Unknown kinds cannot come out of a validated model; fall back to the
  // scalar definition so behaviour still matches ApplyActivation.
  for (int64_t i = 0; i < n; ++i) y[i] = ApplyActivation(act, x[i]);
}

// Sum with eight independent partial sums: the lanes vectorise without
// -ffast-math, and the error grows more slowly than a single running sum.
inline float SumRow(const float* x, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int l = 0; l < 8; ++l) acc[l] += x[i + l];
  }
  float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; i < n; ++i) s += x[i];
  return s;
}

}  // namespace kernel_util
}  // namespace seam
