// Internal to the oneDNN backend: what the per-op visit functions share.
//
// Every op has one visit function. Called with builder == nullptr it only
// decides whether the node is supported (returning Unsupported with the
// reason when not); with a builder it lowers the node into primitives. Both
// paths run the same checks first, so support and lowering cannot drift.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "seam/backend.h"
#include "seam/graph.h"
#include "seam/status.h"

namespace seam {
namespace onednn {

using dnnl::memory;

// What a visit function may read. Immutable after the backend is created, so
// concurrent Supports/Compile calls can share it.
struct FusionChecks {
  std::mutex mutex;
  std::map<std::vector<int>, bool> exact;  // [head, pre_sum..., -1, sum, post_sum...] -> answer
};

struct VisitContext {
  const Graph& graph;
  const std::vector<std::vector<int>>& consumers;  // per tensor, from TensorConsumers
  // > 0: convolutions read and write the channel-blocked layout with this
  // block (nChw16c or nChw8c) wherever their channel count allows
  // (ConvChannelBlock).
  int64_t conv_channel_block = 0;
  // Convolutions that suit Winograd use it where oneDNN implements it
  // (WinogradGraph).
  bool winograd = false;
  // FusionIsExact's answers, by chain (shared by every Compile of a backend).
  FusionChecks* fusion_checks = nullptr;
};

class SegmentBuilder;
using VisitFn = Status (*)(const VisitContext& ctx, int node, SegmentBuilder* builder);

// One visit function per op (onednn_<family>.cc).
Status VisitConv(const VisitContext& ctx, int node, SegmentBuilder* builder);
Status VisitFullyConnected(const VisitContext& ctx, int node, SegmentBuilder* builder);
Status VisitPool(const VisitContext& ctx, int node, SegmentBuilder* builder);  // Max/Average
Status VisitGlobalAveragePool(const VisitContext& ctx, int node, SegmentBuilder* builder);
Status VisitLRN(const VisitContext& ctx, int node, SegmentBuilder* builder);
Status VisitBatchNorm(const VisitContext& ctx, int node, SegmentBuilder* builder);
Status VisitEltwise(const VisitContext& ctx, int node, SegmentBuilder* builder);
Status VisitBinary(const VisitContext& ctx, int node, SegmentBuilder* builder);  // Add/Mul
Status VisitConcat(const VisitContext& ctx, int node, SegmentBuilder* builder);
Status VisitSoftmax(const VisitContext& ctx, int node, SegmentBuilder* builder);
Status VisitLayoutNoOp(const VisitContext& ctx, int node,
                       SegmentBuilder* builder);  // Identity/Flatten/Reshape

// The visit function of `op`, or nullptr when the backend has none.
VisitFn VisitorFor(OpType op);

// --- fusion -----------------------------------------------------------------

// Nodes lowered as one primitive: a head op, then what its post-ops absorb.
// Planned per segment (onednn_fusion.cc), since whether an intermediate tensor
// may disappear depends on which tensors the segment must expose. Only fusions
// that leave every bit of the result unchanged are made (see onednn_fusion.cc),
// so a segment computes the same numbers whatever its boundaries.
struct FusionChain {
  int head = -1;
  std::vector<int> nodes;     // head first, then the absorbed nodes in order
  std::vector<int> pre_sum;   // eltwise nodes applied before the sum
  int sum_node = -1;          // an Add lowered as a sum post-op
  int residual = -1;          // the Add's other operand, accumulated into dst
  std::vector<int> post_sum;  // eltwise nodes applied after the sum
  int output = -1;            // tensor the chain produces (last node's output)
  int anchor = -1;            // last node of the chain; the chain is lowered there
};

// The chain of `node` alone (no fusion).
FusionChain SingleNodeChain(const Graph& graph, int node);

// What a head op can absorb.
struct FusionCaps {
  bool eltwise = false;    // eltwise post-ops
  bool relu_only = false;  // at most one plain Relu (batch norm's fuse_norm_relu)
  bool sum = false;        // Add as a sum post-op
};
FusionCaps FusionCapsFor(const Graph& graph, int node);

// Plans the chains of a segment. `supported(n)` says whether node n is
// supported on its own; only such nodes are absorbed. Returns one chain per
// lowered primitive group, and fills chain_of[n] (index into the result) for
// every node of the segment.
std::vector<FusionChain> PlanFusion(const VisitContext& ctx, const SegmentSpec& spec,
                                    const std::function<bool(int)>& supported,
                                    std::unordered_map<int, int>* chain_of);

// Whether the conv or inner-product chain `candidate` gives, fused, bit for
// bit what its nodes give as separate primitives (what a cut inside the
// chain runs): its head keeps the kernel it runs without post-ops (oneDNN
// may pick another for the fused form: grouped convs and AVX2 inner
// products with a sum go to ref:any), and a sum is added to the finished
// result. The latter is tried once on pseudo-random data: some kernels
// (AVX2 jit convolutions, gemm inner products) start their accumulation
// from the residual instead. Answers are cached in ctx.fusion_checks.
bool FusionIsExact(const VisitContext& ctx, const FusionChain& candidate);

// The head primitives, as their visitors create them (onednn_conv.cc,
// onednn_inner_product.cc).
dnnl::convolution_forward::primitive_desc ConvPrimitive(const VisitContext& ctx, const Node& n,
                                                        const Conv2DAttrs& a,
                                                        const dnnl::primitive_attr& attr,
                                                        const dnnl::engine& engine);
dnnl::inner_product_forward::primitive_desc InnerProductPrimitive(const Graph& g, const Node& n,
                                                                  const dnnl::primitive_attr& attr,
                                                                  const dnnl::engine& engine);

struct EltwiseParams {
  dnnl::algorithm alg = dnnl::algorithm::eltwise_relu;
  float alpha = 0.0f;
  float beta = 0.0f;
};
// oneDNN's form of an eltwise node; false for ops that are not eltwise.
bool EltwiseForNode(const Node& node, EltwiseParams* out);
// oneDNN's form of a fused activation (kind must not be kNone).
EltwiseParams EltwiseForActivation(const FusedActivation& act);
// The post-ops of a conv/inner-product chain: its own activation, the
// absorbed eltwise nodes, the sum.
dnnl::post_ops ChainPostOps(const VisitContext& ctx, const FusionChain& chain,
                            const FusedActivation& own_activation);

// --- small helpers ------------------------------------------------------------

memory::dims ToDims(const Shape& shape);
// Dense row-major fp32 (nchw, nc, ...): seam's canonical layout.
memory::desc PlainDesc(const Shape& shape);
memory::desc PlainDesc(const memory::dims& dims);
memory::desc AnyDesc(const memory::dims& dims);
// Whether oneDNN runs AVX-512 core kernels here (honours ONEDNN_MAX_CPU_ISA).
bool HasAvx512Core();
// True when a and b address every element at the same offset (equal, or both
// plain and differing only in strides of size-1 dimensions).
bool SameLayout(const memory::desc& a, const memory::desc& b);

// "op 'name': why", as Unsupported.
Status Decline(const Graph& graph, int node, const std::string& why);
// Common checks: inputs [0, num_required) present, every present input and
// output fp32 and non-empty, inputs from `first_constant` on constant.
Status CheckNode(const VisitContext& ctx, int node, int num_required, int first_constant);

// --- the weight cache -----------------------------------------------------------

// Identifies one re-laid constant: its role and source tensor.
struct WeightKey {
  enum Role : int { kWeights = 0, kBias = 1, kRelaid = 2 };
  int role = kWeights;
  int tensor = -1;  // the constant being re-laid
  bool operator<(const WeightKey& o) const;
};

// Constants in the layouts primitives asked for, computed once per backend and
// shared by all its segments. Thread-safe.
class WeightCache {
 public:
  explicit WeightCache(const dnnl::engine& engine) : engine_(engine) {}
  // `key`'s constant in layout `want`. On a miss, `fill` writes it in layout
  // `plain` into a temporary buffer and a reorder converts it.
  dnnl::memory Get(const WeightKey& key, const memory::desc& plain, const memory::desc& want,
                   const std::function<void(float*)>& fill);

 private:
  dnnl::engine engine_;
  std::mutex mu_;
  std::map<WeightKey, std::vector<dnnl::memory>> entries_;
};

// --- the segment builder ----------------------------------------------------------

// The compiled form of a segment: primitives with their argument memories,
// and the buffers behind those memories (bound to arena pointers in Bind).
struct CompiledSegment {
  enum class BufferKind { kInput, kOutput, kInternal, kScratchpad, kConstant };
  struct Buffer {
    BufferKind kind = BufferKind::kInternal;
    int index = -1;  // spec input/output index
    size_t bytes = 0;
    size_t offset = 0;  // kInternal: offset in the internal region
    int first_step = -1, last_step = -1;
    void* constant = nullptr;
    dnnl::memory owner;  // keeps cached constant memory alive
    std::vector<int> tensors;
  };
  struct View {
    memory::desc md;
    int buffer = -1;
    size_t offset = 0;  // bytes from the buffer's start (in-place concat slices)
    dnnl::memory mem;
  };
  struct Step {
    dnnl::primitive primitive;
    std::vector<std::pair<int, int>> args;  // DNNL_ARG_* -> view
    std::unordered_map<int, dnnl::memory> exec_args;
    std::string label;
  };
  dnnl::engine engine;
  std::vector<Buffer> buffers;
  std::vector<View> views;
  std::vector<Step> steps;
  size_t scratchpad_bytes = 0;  // largest primitive scratchpad, at scratch offset 0
  size_t internal_offset = 0;   // internal tensors start here in the scratch
  size_t scratch_bytes = 0;     // total scratch the segment asks for
  size_t num_inputs = 0, num_outputs = 0;
};

// --- in-place concat (onednn_concat_placement.cc) ----------------------------------

// Where the in-place concats of a segment put their tensors: each group of
// tensors tied by such concats shares one buffer, every member at a fixed
// offset in its own planned layout.
struct ConcatPlacement {
  struct Home {
    int group = -1;
    size_t offset = 0;  // bytes from the start of the group's buffer
    memory::desc md;    // the member's planned layout
  };
  std::unordered_map<int, Home> homes;  // tensor -> home
  std::vector<size_t> group_bytes;      // per group: its buffer's size
  std::unordered_set<int> in_place;     // concat nodes lowered without a concat primitive
};

// True when `part` (a tensor of C channels) can live as channels
// [channel_offset, channel_offset + C) of a tensor laid out as `whole`: batch
// 1, a channel-outermost layout (plain, or channel-blocked with C and the
// offset multiples of the block) and the same spatial strides. Sets the
// slice's byte offset in `whole`.
bool ChannelSlice(const memory::desc& whole, const memory::desc& part, int64_t channel_offset,
                  size_t* byte_offset);

// The channel block convolutions of `graph` should use (0: let oneDNN pick).
// Graphs that concatenate 4-D maps along channels, every source a whole
// number of blocks, get the block of the CPU's blocked convolution kernels
// (16 with AVX-512, else 8): oneDNN's preferred
// nhwc layout interleaves the concat's sources pixel by pixel, a blocked
// layout keeps each source one contiguous run, which its producer can write
// in place.
int64_t ConcatChannelBlock(const Graph& graph);

// Whether `graph` runs its 3x3 stride-1 convolutions with Winograd
// F(4x4, 3x3) (onednn_conv.cc): only on AVX-512 cores, where oneDNN 2.6 has
// the kernels, when convolutions whose output channels do not fill whole
// 16-blocks carry at most 10 % of the convolution FLOPs (GoogLeNet's
// 24-channel 1x1s), and when the Winograd-shaped convolutions carry at least
// kMinWinogradFlopShare of the graph's convolution FLOPs. Winograd wants
// nChw16c, so such graphs run every convolution channel-blocked (mixing it
// with nhwc costs a reorder per switch), which slows their other
// convolutions a little. oneDNN's own convolution_auto never picks Winograd
// below batch 4, yet at batch 1 it made every model with a share of 0.37 or
// more faster here: ResNet-50 (0.37) ~7 %, DenseNet-121 (0.44) ~12 %,
// GoogLeNet (0.67) 1-20 %, VGG16 (1.0) ~45 % (docs/benchmarks.md); smaller
// shares are untested and stay direct. Winograd rounds differently from
// direct convolution (the zoo and converter tests' tolerances hold);
// SEAM_ONEDNN_WINOGRAD=0 turns it off.
constexpr double kMinWinogradFlopShare = 0.3;
bool WinogradGraph(const Graph& graph);
// The channel block `graph`'s convolutions use (0: oneDNN picks): 16 for
// Winograd graphs, else ConcatChannelBlock.
int64_t ConvChannelBlock(const Graph& graph);

// Plans the in-place concats of a segment. `lowered_alone(n)` says whether
// node n is a chain of its own; `layout(t)` is t's planned layout.
ConcatPlacement PlanConcatPlacement(const VisitContext& ctx, const SegmentSpec& spec,
                                    const std::function<bool(int)>& lowered_alone,
                                    const std::function<memory::desc(int)>& layout);

// The layout every tensor has inside any segment (onednn_layouts.cc), per
// tensor; a zero desc means plain. Segments convert to and from it at their
// boundaries, so each primitive is created from the same descriptors whatever
// the segment, and oneDNN picks the same implementation: a split run then
// computes exactly what the whole run does.
using LayoutTable = std::vector<memory::desc>;

class SegmentBuilder {
 public:
  // `cache` == nullptr: layout planning. Visit functions run as usual, but no
  // primitive is created and no constant re-laid; only the descriptors count.
  SegmentBuilder(const VisitContext& ctx, const SegmentSpec& spec, const dnnl::engine& engine,
                 WeightCache* cache, const LayoutTable* layouts);

  const dnnl::engine& engine() const { return engine_; }
  // Attributes every primitive starts from: the scratchpad comes from Bind.
  dnnl::primitive_attr Attr() const;
  // The chain `node` heads (a chain of just the node when it fuses nothing).
  const FusionChain& Chain(int node) const;
  const Graph& graph() const { return ctx_.graph; }

  // The planned layout of `tensor` (plain unless the layout table says otherwise).
  memory::desc Layout(int tensor) const;
  // By value: views are added while visitors still hold descriptors.
  memory::desc ViewDesc(int view) const { return seg_.views[view].md; }
  // A view of `tensor` in its planned layout.
  int Source(int tensor) { return Source(tensor, Layout(tensor)); }
  // A view of `tensor` in layout `want`: a reorder (once per layout) when it
  // differs; constants are re-laid once per backend instead.
  int Source(int tensor, const memory::desc& want);
  // A view of `tensor` with other dims but the same element order: its
  // planned layout reshaped when oneDNN can, else plain.
  int SourceReshaped(int tensor, const memory::dims& dims);
  // A new value of `tensor` in layout `md`, in its own buffer.
  int Define(int tensor, const memory::desc& md);
  // `tensor` as `md` over the buffer of `view` (reshape, identity).
  int DefineAlias(int tensor, int view, const memory::desc& md);
  // The destination of a sum post-op: `tensor` in layout `md` already holding
  // `residual`. Reuses the residual's buffer when nothing reads it later and
  // no view in `sources` shares it; otherwise a reorder copies it in.
  int SumDestination(int tensor, int residual, const memory::desc& md,
                     const std::vector<int>& sources);
  // Whether concat `node` is lowered in place: its sources already sit in its
  // output's buffer, and PlaceInSlice copies in those that do not.
  bool ConcatInPlace(int node) const { return placement_.in_place.count(node) > 0; }
  // Makes `tensor` present at its in-place concat home: nothing when its
  // producer wrote it there, else a reorder into the slice.
  void PlaceInSlice(int tensor);
  // A cached constant in layout `want`; `fill` writes it in layout `plain`.
  // When `data` is given and want has the same layout as plain, the constant
  // is used in place.
  int Constant(const WeightKey& key, const memory::desc& plain, const memory::desc& want,
               const float* data, const std::function<void(float*)>& fill);
  // Appends the primitive of `pd` with its arguments (DNNL_ARG_* -> view).
  void AddPrimitive(const dnnl::primitive_desc_base& pd,
                    const std::vector<std::pair<int, int>>& args, const std::string& label);
  // "kind node+node+..." for a chain.
  std::string Label(const char* kind, const FusionChain& chain) const;

  // --- used by the backend ---
  void SetChains(std::vector<FusionChain> chains, std::unordered_map<int, int> chain_of);
  // Lowering position (index in spec.nodes) of the chain being visited.
  void SetPosition(int position) { position_ = position; }
  // The layout `tensor` was produced in (zero desc when it was not produced).
  memory::desc ProducedDesc(int tensor) const;
  // Writes the segment outputs, plans the buffers and creates the memories.
  Status Finish(CompiledSegment* out);

 private:
  bool planning() const { return cache_ == nullptr; }
  // The view `tensor` was produced (or arrived) in.
  int Current(int tensor);
  int NewBuffer(CompiledSegment::BufferKind kind, int index, size_t bytes);
  int NewView(const memory::desc& md, int buffer, int tensor, size_t offset = 0);
  // The view of `tensor` at its in-place concat home (-1 when it has none or
  // `md` is not its home layout); creates the group's buffer on first use.
  int HomeView(int tensor, const memory::desc& md);
  int Reorder(int src_view, const memory::desc& want, int tensor, const char* why);
  bool IsSegmentOutput(int tensor) const;
  bool DeadAfterHere(int tensor) const;

  const VisitContext& ctx_;
  const SegmentSpec& spec_;
  dnnl::engine engine_;
  WeightCache* cache_;
  const LayoutTable* layouts_;
  std::vector<FusionChain> chains_;
  std::unordered_map<int, int> chain_of_;
  std::unordered_map<int, int> input_index_;   // tensor -> spec input index
  std::unordered_map<int, int> output_index_;  // tensor -> spec output index
  std::unordered_map<int, int> last_use_;      // tensor -> last lowering position reading it
  std::unordered_map<int, std::vector<int>> tensor_views_;  // first = as produced
  int position_ = 0;
  ConcatPlacement placement_;
  std::vector<int> group_buffers_;  // per placement group: its buffer (-1 until used)
  CompiledSegment seg_;
};

// Plans the layout table of a graph: every supported node lowered on its own,
// in topological order, from its inputs' planned layouts (graph inputs and
// outputs of unsupported nodes are plain). A node that fails to lower leaves
// its outputs plain; compiling it reports the error.
LayoutTable PlanLayouts(const VisitContext& ctx, const dnnl::engine& engine,
                        const std::function<bool(int)>& supported);

}  // namespace onednn
}  // namespace seam
