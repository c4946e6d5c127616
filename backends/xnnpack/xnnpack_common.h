// Internal declarations shared by the XNNPACK backend's files: owned padded
// buffers, tensor layouts inside a segment, the weight cache, and the visit
// contract (one function per op, used both to answer Supports() and to lower
// the op through a SegmentBuilder).
#pragma once

#include <pthreadpool.h>
#include <xnnpack.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "seam/graph.h"
#include "seam/status.h"

namespace seam {
namespace xnnpack {

// XNNPACK reads up to XNN_EXTRA_BYTES past the end of its inputs and static
// tensors. Every buffer this backend owns gets a cache line of zeroed tail
// instead, so padded sizes stay multiples of the alignment.
constexpr size_t kAlignment = 64;
constexpr size_t kTailBytes = 64;
static_assert(kTailBytes >= XNN_EXTRA_BYTES, "tail padding must cover XNNPACK's over-read");

inline size_t PaddedBytes(size_t floats) {
  return (floats * sizeof(float) + kTailBytes + kAlignment - 1) / kAlignment * kAlignment;
}

// A 64-byte aligned float array with kTailBytes of zeroed, readable tail.
class FloatBuffer {
 public:
  // nullptr when out of memory (no exception crosses the backend).
  static std::shared_ptr<FloatBuffer> Allocate(size_t floats);
  ~FloatBuffer();
  FloatBuffer(const FloatBuffer&) = delete;
  FloatBuffer& operator=(const FloatBuffer&) = delete;

  float* data() { return data_; }
  const float* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  FloatBuffer(float* data, size_t size) : data_(data), size_(size) {}
  float* data_;
  size_t size_;
};

// --- layouts -------------------------------------------------------------
//
// Inside a segment every tensor has one fixed memory layout, decided once per
// backend from the graph (so Supports() and every Compile agree):
//  kPlain     memory order = seam's logical (NCHW) order.
//  kNhwc      a rank-4 [N,C,H,W] tensor stored [N,H,W,C]; XNNPACK sees NHWC dims.
//  kFlatNhwc  a rank-2 [N, C*H*W] tensor flattened from a kNhwc tensor without
//             moving data, so memory holds [N, H*W*C]. Only consumers that can
//             absorb the permutation (FullyConnected, by permuting its weight
//             columns) or do not care (unary elementwise) accept it.
// Both channel-last kinds view the logical tensor as [outer, c, hw] stored as
// [outer, hw, c]; when c == 1 or hw == 1 the two orders are the same memory.
enum class LayoutKind { kPlain, kNhwc, kFlatNhwc };

struct TensorLayout {
  LayoutKind kind = LayoutKind::kPlain;
  int64_t c = 1;   // channel-last kinds: channels
  int64_t hw = 1;  // channel-last kinds: H*W
  // True when memory differs from NCHW order, i.e. crossing the segment
  // boundary needs a transpose.
  bool NeedsTranspose() const { return kind != LayoutKind::kPlain && c > 1 && hw > 1; }
  bool operator==(const TensorLayout& o) const { return kind == o.kind && c == o.c && hw == o.hw; }
};

// kNhwc for rank-4 shapes, kPlain otherwise: the layout a tensor has when no
// op says otherwise (graph inputs, outputs of nodes XNNPACK does not run).
TensorLayout DefaultLayout(const Shape& shape);
// The dimensions XNNPACK sees for a tensor of `shape` stored in `layout`.
std::vector<size_t> PhysicalDims(const Shape& shape, const TensorLayout& layout);
// Position of logical `axis` (normalised) among the physical dimensions.
int PhysicalAxis(int axis, const TensorLayout& layout);
// Elements in dims[begin, end).
size_t DimProduct(const std::vector<size_t>& dims, size_t begin, size_t end);

// dst[o][c][r] = src[o][r][c] for o < outer, r < rows, c < cols: NCHW <-> NHWC
// at segment boundaries (rows = C, cols = H*W one way, swapped the other way).
// Parallel on `pool` (may be null) when the tensor is large enough to pay.
void TransposeInner(const float* src, float* dst, size_t outer, size_t rows, size_t cols,
                    pthreadpool_t pool);

// --- weight re-layout (xnnpack_layout.cc) ----------------------------------
// Conv filter OIHW [O, I, KH, KW] -> OHWI [O, KH, KW, I].
void OihwToOhwi(const float* w, int64_t O, int64_t I, int64_t KH, int64_t KW, float* out);
// Depthwise filter [C*M, 1, KH, KW] -> [1, KH, KW, C*M] (same channel order:
// seam's output channel c*M + m reads input channel c, as XNNPACK's does).
void OihwToDepthwise(const float* w, int64_t O, int64_t KH, int64_t KW, float* out);
// FullyConnected weight [O, C*HW] with columns in (c, hw) order -> columns in
// (hw, c) order, matching a kFlatNhwc input.
void PermuteColumnsToChannelLast(const float* w, int64_t O, int64_t C, int64_t HW, float* out);
// BatchNorm as y = x * scale + shift.
void BatchNormScaleShift(const float* gamma, const float* beta, const float* mean, const float* var,
                         float epsilon, int64_t C, float* scale, float* shift);

// --- weight cache ----------------------------------------------------------
// Re-laid static tensors, keyed by what they are made from ("ohwi:<tensor>",
// "bn_scale:<node>", ...). Filled once per backend and shared by every
// segment and session; segments keep the buffers they use alive, as XNNPACK
// requires static data to outlive its runtimes.
class WeightCache {
 public:
  using Fill = std::function<void(float* dst)>;
  Status Get(const std::string& key, size_t floats, const Fill& fill,
             std::shared_ptr<const FloatBuffer>* out);
  size_t bytes() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const FloatBuffer>> buffers_;
  size_t bytes_ = 0;
};

// A tensor as [outer, channels, inner] for a per-channel operation: inner is
// 1 for a channel-last tensor, the product of the dimensions after the
// channels for a plain one.
struct ScaleShiftShape {
  size_t outer = 0, channels = 0, inner = 0;
};

// --- the visit contract ----------------------------------------------------

// Static facts about the graph, computed once per backend.
struct GraphInfo {
  const Graph* graph = nullptr;
  std::vector<int> producers;               // per tensor, -1 for inputs/constants
  std::vector<std::vector<int>> consumers;  // per tensor
  std::vector<TensorLayout> layouts;        // per tensor: layout inside a segment
};

// Lowers one node into the segment being compiled. Implemented by the
// Compile machinery (xnnpack_backend.cc); visit functions only see this.
class SegmentBuilder {
 public:
  virtual ~SegmentBuilder() = default;
  // The subgraph of the runtime being built; nullptr while building a copy
  // stage (concatenation).
  virtual xnn_subgraph_t subgraph() = 0;
  // The value of activation tensor `tensor` in this runtime (an external
  // input when it is produced outside it).
  virtual Status Input(int tensor, uint32_t* id) = 0;
  // Defines the value of `tensor`, produced by the node being lowered
  // (external when something outside this runtime reads it).
  virtual Status Output(int tensor, uint32_t* id) = 0;
  // A fresh internal fp32 value with physical `dims`.
  virtual Status Temp(const std::vector<size_t>& dims, uint32_t* id) = 0;
  // A static fp32 value from the weight cache: `fill` writes `floats`
  // elements the first time `key` is asked for.
  virtual Status Static(const std::string& key, const std::vector<size_t>& dims,
                        const WeightCache::Fill& fill, uint32_t* id) = 0;
  // Copy stages only: copy `rows` rows of `channels` floats from tensor `src`
  // (dense) into tensor `dst` (row stride `dst_stride`, starting at float
  // `dst_offset`).
  virtual Status AddStridedCopy(int src, int dst, size_t rows, size_t channels, size_t dst_stride,
                                size_t dst_offset) = 0;
  // Scale-shift stages only: y = x * scale + shift per channel, the tensor
  // seen as `shape` (BatchNorm).
  virtual Status AddScaleShift(int src, int dst, const ScaleShiftShape& shape,
                               std::vector<float> scale, std::vector<float> shift) = 0;
};

struct VisitContext {
  const GraphInfo* info = nullptr;
  int node_index = -1;
  // The layouts of the node's outputs inside a segment. The backend fills
  // them with DefaultLayout before a check-mode visit, which overrides those
  // that differ, and records them; empty (ignored) in build mode.
  std::vector<TensorLayout> output_layouts;

  const Graph& graph() const { return *info->graph; }
  const Node& node() const { return info->graph->nodes[node_index]; }
  const TensorInfo& tensor(int t) const { return info->graph->tensors[t]; }
  const Shape& shape(int t) const { return info->graph->tensors[t].shape; }
  const TensorLayout& layout(int t) const { return info->layouts[t]; }
  int input(size_t i) const { return i < node().inputs.size() ? node().inputs[i] : -1; }
  int output(size_t i) const { return i < node().outputs.size() ? node().outputs[i] : -1; }
  // Physical dims of tensor t.
  std::vector<size_t> dims(int t) const { return PhysicalDims(shape(t), layout(t)); }
  void SetOutputLayout(size_t i, const TensorLayout& layout);
  // "node 'conv1' (Conv2D)" for error messages.
  std::string Label() const;
};

// Check mode (builder == nullptr): Ok when XNNPACK can run the node,
// otherwise Unsupported with the reason. Build mode: defines the node's
// XNNPACK nodes through `builder`. Both modes run the same checks first, so
// support and lowering cannot drift apart.
using VisitFn = Status (*)(VisitContext* ctx, SegmentBuilder* builder);

// The visit function of `op`, or nullptr when the backend never runs it.
VisitFn VisitorFor(OpType op);
// True for ops lowered into a copy stage rather than a runtime (Concat).
bool IsCopyStageOp(OpType op);
// True for ops lowered into a scale-shift stage (BatchNorm: one pass over
// memory, xnnpack_scale_shift.h), with the Relu or Clip after it.
bool IsScaleShiftOp(OpType op);
// True for ops whose XNNPACK operator packs its weights when the runtime is
// created (Conv2D, FullyConnected, MatMul). They run in runtimes of their own
// that the backend shares between segments, so the weights are packed once
// per backend instead of once per compiled plan.
bool PacksWeights(OpType op);

// One visit per op family (xnnpack_conv.cc, xnnpack_pool.cc,
// xnnpack_elementwise.cc, xnnpack_shape.cc, xnnpack_concat.cc).
Status VisitConv2D(VisitContext* ctx, SegmentBuilder* b);
Status VisitFullyConnected(VisitContext* ctx, SegmentBuilder* b);
Status VisitMatMul(VisitContext* ctx, SegmentBuilder* b);
Status VisitPool(VisitContext* ctx, SegmentBuilder* b);
Status VisitGlobalAveragePool(VisitContext* ctx, SegmentBuilder* b);
Status VisitBatchNorm(VisitContext* ctx, SegmentBuilder* b);
Status VisitUnary(VisitContext* ctx, SegmentBuilder* b);
Status VisitBinary(VisitContext* ctx, SegmentBuilder* b);
Status VisitSoftmax(VisitContext* ctx, SegmentBuilder* b);
Status VisitPad(VisitContext* ctx, SegmentBuilder* b);
Status VisitReshape(VisitContext* ctx, SegmentBuilder* b);  // Reshape and Flatten
Status VisitConcat(VisitContext* ctx, SegmentBuilder* b);

// A copy stage (xnnpack_concat.cc): the strided copies that assemble the
// Concat nodes between two runtimes. Operators are created at Compile,
// pointed at buffers in Bind and only run in Run.
class CopyStage {
 public:
  CopyStage() = default;
  ~CopyStage();
  CopyStage(const CopyStage&) = delete;
  CopyStage& operator=(const CopyStage&) = delete;

  Status Add(int src, int dst, size_t rows, size_t channels, size_t dst_stride, size_t dst_offset,
             const std::string& label);
  // `buffer(t)` is where tensor t lives during Run.
  Status Bind(const std::function<float*(int)>& buffer, pthreadpool_t pool);
  Status Run(pthreadpool_t pool);
  size_t size() const { return copies_.size(); }

 private:
  struct Copy {
    xnn_operator_t op = nullptr;
    int src = -1, dst = -1;
    size_t rows = 0, offset = 0;
    bool parallel = false;
  };
  std::vector<Copy> copies_;
};

// --- helpers for visit functions -------------------------------------------

// The node's attributes of type T: the defaults for an attribute-less node,
// nullptr when they are of another type.
template <typename T>
const T* Attrs(const VisitContext& ctx) {
  static const T kDefaults{};
  if (std::holds_alternative<std::monostate>(ctx.node().attrs)) return &kDefaults;
  return std::get_if<T>(&ctx.node().attrs);
}

// Turns a failed xnn_* call into a Status naming the node and the call.
Status XnnError(xnn_status status, const VisitContext& ctx, const char* call);
#define SEAM_XNN_CHECK(ctx, call)                                       \
  do {                                                                  \
    const xnn_status seam_xnn_status_ = (call);                         \
    if (seam_xnn_status_ != xnn_status_success) {                       \
      return ::seam::xnnpack::XnnError(seam_xnn_status_, (ctx), #call); \
    }                                                                   \
  } while (0)

// Unsupported unless input `i` is present and not a constant.
Status RequireActivation(const VisitContext& ctx, size_t i, const char* what);
// Unsupported unless input `i` is present and a constant fp32 tensor.
Status RequireConstant(const VisitContext& ctx, size_t i, const char* what);
// Unsupported unless every input and output is fp32 with rank <= max_rank.
Status RequireF32(const VisitContext& ctx, int max_rank);

// How a fused activation lowers: clamp bounds folded into the producing node,
// plus (for LeakyRelu, Sigmoid, HardSwish) a separate node after it. Tanh is
// Unsupported: this XNNPACK has no fp32 tanh.
struct ActivationPlan {
  float min = -INFINITY;
  float max = INFINITY;
  bool separate = false;
};
Status PlanActivation(const FusedActivation& act, ActivationPlan* plan);
// An output clamp; a node's clamps (its own fused Relu or Clip, then an
// absorbed Relu or Clip node) apply in order.
struct Clamp {
  float min = -INFINITY;
  float max = INFINITY;
};
// The one clamp that equals `clamps` applied in order: each clamps the
// bounds so far (so min <= max even when two ranges do not meet).
inline Clamp ComposeClamps(const std::vector<Clamp>& clamps) {
  Clamp all;
  for (const Clamp& c : clamps) {
    all.min = std::min(std::max(all.min, c.min), c.max);
    all.max = std::min(std::max(all.max, c.min), c.max);
  }
  return all;
}
// True when `clamps` have a value in common: XNNPACK folds consecutive clamps
// into their intersection and refuses an empty one.
inline bool ClampsIntersect(const std::vector<Clamp>& clamps) {
  Clamp both;
  for (const Clamp& c : clamps) {
    both.min = std::max(both.min, c.min);
    both.max = std::min(both.max, c.max);
  }
  return both.min <= both.max;
}

// The attributes of node `node` when it is a Conv2D with an input, a weight
// and an output; nullptr otherwise. For the choices made per convolution
// (Winograd, output-channel blocks).
inline const Conv2DAttrs* ConvolutionAttrs(const Graph& graph, int node) {
  const Node& n = graph.nodes[static_cast<size_t>(node)];
  const auto* a = std::get_if<Conv2DAttrs>(&n.attrs);
  if (n.op != OpType::kConv2D || n.inputs.size() < 2 || n.outputs.empty()) return nullptr;
  return a;
}
// True when environment variable `name` is "0": a seam-side optimisation
// turned off (SEAM_XNNPACK_WINOGRAD, SEAM_XNNPACK_CONV_BLOCKS).
inline bool TurnedOff(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && value[0] == '0' && value[1] == '\0';
}
// Defines the separate activation node `input -> output` (plan.separate).
Status DefineActivation(const VisitContext& ctx, SegmentBuilder* b, const FusedActivation& act,
                        uint32_t input, uint32_t output);
// Lowers "node -> fused activation -> tensor `out`": calls `define(output
// value id, min, max)` for the main node, inserting a temporary and the
// separate activation node when the activation cannot be folded into it.
Status DefineWithActivation(const VisitContext& ctx, SegmentBuilder* b, const FusedActivation& act,
                            int out, const std::function<Status(uint32_t, float, float)>& define);

}  // namespace xnnpack
}  // namespace seam
