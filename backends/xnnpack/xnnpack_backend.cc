// The XNNPACK Backend and Segment.
//
// The backend analyses the graph once: every node is visited in check mode,
// which decides support and the layout each tensor has inside a segment. It
// owns the thread pool, the weight cache and the shared runtimes. Compile
// turns a SegmentSpec into steps: NCHW->NHWC transposes of the segment
// inputs, XNNPACK runtimes (one per run of weightless nodes between
// concatenations), shared runtimes (one per weight-packing node, with the
// Relu/Clip fused into it; for the 3x3 stride-1 convolutions where it pays,
// a Winograd convolution instead, xnnpack_winograd.h), copy stages for the
// concatenations, scale-shift steps for the BatchNorms (one pass over memory,
// xnnpack_scale_shift.h), and NHWC->NCHW transposes of the segment outputs (the
// Winograd workspaces are there too). Tensors passed between steps
// live in the session's scratch; Bind points every step at its buffers, so
// Run only invokes and transposes.
//
// Every node is lowered the same way whatever segment it is in (layouts are
// fixed per graph, nothing is folded, and clamp fusion is exact), so a split
// run computes bit for bit what the whole run does.
#include "backends/xnnpack/xnnpack_backend.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "backends/xnnpack/xnnpack_common.h"
#include "backends/xnnpack/xnnpack_conv_blocks.h"
#include "backends/xnnpack/xnnpack_scale_shift.h"
#include "backends/xnnpack/xnnpack_winograd.h"
#include "core/memory_planner.h"

namespace seam {
namespace xnnpack {
namespace {

// xnn_initialize is process-wide; never deinitialised, since backends (and
// their runtimes) may be created and destroyed at any time.
Status InitializeOnce() {
  static std::once_flag once;
  static xnn_status status = xnn_status_uninitialized;
  std::call_once(once, [] { status = xnn_initialize(nullptr); });
  if (status == xnn_status_success) return Status::Ok();
  if (status == xnn_status_unsupported_hardware) {
    return Unsupported("XNNPACK does not support this CPU");
  }
  return Internal("xnn_initialize failed with xnn_status " +
                  std::to_string(static_cast<int>(status)));
}

// Why the backend never runs an op that has no visit function.
std::string NoVisitorReason(OpType op) {
  switch (op) {
    case OpType::kLRN:
      return "this XNNPACK snapshot has no LRN node";
    case OpType::kLSTM:
      return "XNNPACK has no recurrent ops";
    case OpType::kTranspose:
      return "this XNNPACK snapshot has no transpose node";
    case OpType::kResize:
      return "XNNPACK has only bilinear resize; seam's Resize is nearest-neighbour";
    default:
      return std::string("no XNNPACK lowering for ") + OpTypeName(op);
  }
}

struct RuntimeDeleter {
  void operator()(xnn_runtime_t r) const { xnn_delete_runtime(r); }
};
using RuntimePtr = std::unique_ptr<xnn_runtime, RuntimeDeleter>;

// The runtime of one weight-packing node (plus the Relu/Clip fused into it),
// created once per backend and run by every segment holding that node.
// XNNPACK packs weights into each runtime it creates, so a runtime per
// compiled plan would keep a copy of the model's weights for every cut a
// session has prepared. Segments of different sessions may run it at once:
// `mu` guards setting it up and invoking it.
struct SharedRuntime {
  std::mutex mu;
  RuntimePtr runtime;
  // Instead of `runtime`, for a convolution Winograd makes faster
  // (WinogradSuits; its workspace is in each segment's scratch), or one
  // whose weights are too large for the cache in one piece (ConvBlocksSuit).
  std::unique_ptr<WinogradConv> winograd;
  std::unique_ptr<BlockedConv> blocked;
  // Static tensors the runtime reads (also in the backend's weight cache).
  std::vector<std::shared_ptr<const FloatBuffer>> statics;
  std::vector<void*> bound;  // the buffers it is set up with (external ids in order)
};

// State shared by the backend and every segment compiled from it. Segments
// hold it too: XNNPACK runtimes use the pool and the cached static weights
// until they are deleted, which may happen after the backend is gone.
struct SharedState {
  GraphInfo info;
  std::vector<bool> supported;
  std::vector<std::string> reasons;
  WeightCache weights;
  pthreadpool_t pool = nullptr;  // null: run on the calling thread
  int threads = 1;
  // Shared runtimes by node list (head node, then the fused clamp if any).
  std::mutex shared_mu;
  std::map<std::vector<int>, std::shared_ptr<SharedRuntime>> shared;

  SharedState() = default;
  SharedState(const SharedState&) = delete;
  SharedState& operator=(const SharedState&) = delete;
  ~SharedState() {
    shared.clear();  // the runtimes go before the pool they were created with
    if (pool != nullptr) pthreadpool_destroy(pool);
  }
};
struct SubgraphDeleter {
  void operator()(xnn_subgraph_t s) const { xnn_delete_subgraph(s); }
};
using SubgraphPtr = std::unique_ptr<xnn_subgraph, SubgraphDeleter>;

// Where a tensor is while the segment runs.
struct Slot {
  enum Kind { kArenaInput, kArenaOutput, kScratch } kind = kScratch;
  size_t index = 0;   // kArenaInput / kArenaOutput: position in Bind's vectors
  size_t offset = 0;  // kScratch: byte offset in the scratch block
};

struct Step {
  enum Kind { kToPhysical, kRuntime, kShared, kCopy, kScaleShift, kToNchw } kind = kRuntime;
  std::string label;
  // Transposes: [outer, rows, cols] -> [outer, cols, rows], between
  // tensor's scratch copy and position arena_index of Bind's inputs/outputs.
  int tensor = -1;
  size_t arena_index = 0;
  size_t outer = 0, rows = 0, cols = 0;
  const float* src = nullptr;
  float* dst = nullptr;
  // Runtimes: (external value id, tensor) pairs, set up in Bind (kRuntime)
  // or, when another segment used it since, in Run (kShared).
  RuntimePtr runtime;
  std::shared_ptr<SharedRuntime> shared;
  std::vector<std::pair<uint32_t, int>> externals;
  std::vector<xnn_external_value> values;  // kShared: bound in Bind
  std::vector<void*> pointers;             // kShared: the same, to compare
  size_t workspace_offset = 0;             // kShared Winograd: scratch byte offset
  float* workspace = nullptr;              // bound in Bind
  // Copy stages.
  std::unique_ptr<CopyStage> copies;
  // Scale-shift stages (src and dst bound in Bind).
  std::unique_ptr<ScaleShift> scale_shift;
};

class XnnpackSegment : public Segment {
 public:
  size_t ScratchBytes() const override { return scratch_bytes_; }
  Status Bind(const std::vector<const float*>& inputs, const std::vector<float*>& outputs,
              void* scratch) override;
  Status Run() override;
  std::vector<std::string> Describe() const {
    std::vector<std::string> lines;
    if (!unused_.empty()) lines.push_back(unused_);
    for (const Step& s : steps_) lines.push_back(s.label);
    return lines;
  }

 private:
  friend class SegmentCompiler;
  friend class StageBuilder;
  float* Buffer(int tensor) const;

  // Members are destroyed in reverse order: the runtimes in steps_ go
  // before the static tensors and the thread pool they use.
  std::shared_ptr<SharedState> state_;
  // Static tensors the segment's own runtimes read (also in the backend's cache).
  std::vector<std::shared_ptr<const FloatBuffer>> statics_;
  std::vector<Step> steps_;
  std::unordered_map<int, Slot> slots_;
  size_t num_inputs_ = 0, num_outputs_ = 0;
  size_t scratch_bytes_ = 0;
  std::string unused_;  // Describe() line for nodes not run, if any
  // Bound in Bind.
  std::vector<const float*> inputs_;
  std::vector<float*> outputs_;
  uint8_t* scratch_ = nullptr;
  bool bound_ = false;
};

float* XnnpackSegment::Buffer(int tensor) const {
  auto it = slots_.find(tensor);
  if (it == slots_.end()) return nullptr;
  const Slot& s = it->second;
  switch (s.kind) {
    case Slot::kArenaInput:
      // XNNPACK takes inputs as void*, but never writes them.
      return const_cast<float*>(inputs_[s.index]);
    case Slot::kArenaOutput:
      return outputs_[s.index];
    case Slot::kScratch:
      return scratch_ != nullptr ? reinterpret_cast<float*>(scratch_ + s.offset) : nullptr;
  }
  return nullptr;
}

Status XnnpackSegment::Bind(const std::vector<const float*>& inputs,
                            const std::vector<float*>& outputs, void* scratch) {
  bound_ = false;
  if (inputs.size() != num_inputs_ || outputs.size() != num_outputs_) {
    return InvalidArgument("XNNPACK segment: Bind got " + std::to_string(inputs.size()) +
                           " inputs and " + std::to_string(outputs.size()) + " outputs, expected " +
                           std::to_string(num_inputs_) + " and " + std::to_string(num_outputs_));
  }
  for (const float* p : inputs) {
    if (p == nullptr) return InvalidArgument("XNNPACK segment: null input buffer");
  }
  for (float* p : outputs) {
    if (p == nullptr) return InvalidArgument("XNNPACK segment: null output buffer");
  }
  if (scratch_bytes_ > 0 && scratch == nullptr) {
    return InvalidArgument("XNNPACK segment: needs " + std::to_string(scratch_bytes_) +
                           " bytes of scratch, got none");
  }
  inputs_ = inputs;
  outputs_ = outputs;
  scratch_ = static_cast<uint8_t*>(scratch);
  pthreadpool_t pool = state_->pool;
  std::vector<xnn_external_value> values;
  for (Step& step : steps_) {
    switch (step.kind) {
      case Step::kToPhysical:
        // The arena's NCHW input -> its channel-last copy in scratch.
        step.src = inputs_[step.arena_index];
        step.dst = Buffer(step.tensor);
        break;
      case Step::kToNchw:
        // The channel-last result in scratch -> the arena's NCHW output.
        step.src = Buffer(step.tensor);
        step.dst = outputs_[step.arena_index];
        break;
      case Step::kRuntime: {
        values.clear();
        for (const auto& e : step.externals) {
          float* p = Buffer(e.second);
          if (p == nullptr) return Internal(step.label + ": external tensor has no buffer");
          values.push_back({e.first, p});
        }
        const xnn_status s = xnn_setup_runtime(step.runtime.get(), values.size(), values.data());
        if (s != xnn_status_success) {
          return Internal(step.label + ": xnn_setup_runtime failed with xnn_status " +
                          std::to_string(static_cast<int>(s)));
        }
        break;
      }
      case Step::kShared:
        step.values.clear();
        step.pointers.clear();
        for (const auto& e : step.externals) {
          float* p = Buffer(e.second);
          if (p == nullptr) return Internal(step.label + ": external tensor has no buffer");
          step.values.push_back({e.first, p});
          step.pointers.push_back(p);
        }
        if (step.shared->winograd) {
          step.workspace = reinterpret_cast<float*>(scratch_ + step.workspace_offset);
        }
        break;
      case Step::kCopy:
        SEAM_RETURN_IF_ERROR(step.copies->Bind([this](int t) { return Buffer(t); }, pool));
        break;
      case Step::kScaleShift:
        step.src = Buffer(step.scale_shift->src());
        step.dst = Buffer(step.scale_shift->dst());
        if (step.src == nullptr || step.dst == nullptr) {
          return Internal(step.label + ": tensor has no buffer");
        }
        break;
    }
  }
  bound_ = true;
  return Status::Ok();
}

Status XnnpackSegment::Run() {
  if (!bound_) return Internal("XNNPACK segment: Run before a successful Bind");
  pthreadpool_t pool = state_->pool;
  for (Step& step : steps_) {
    switch (step.kind) {
      case Step::kToPhysical:
      case Step::kToNchw:
        TransposeInner(step.src, step.dst, step.outer, step.rows, step.cols, pool);
        break;
      case Step::kRuntime: {
        const xnn_status s = xnn_invoke_runtime(step.runtime.get());
        if (s != xnn_status_success) {
          return Internal(step.label + ": xnn_invoke_runtime failed with xnn_status " +
                          std::to_string(static_cast<int>(s)));
        }
        break;
      }
      case Step::kShared: {
        SharedRuntime& shared = *step.shared;
        std::lock_guard<std::mutex> lock(shared.mu);
        if (shared.winograd) {
          // Inputs then outputs: the convolution's input and its (clamped) output.
          SEAM_RETURN_IF_ERROR(shared.winograd->Run(static_cast<const float*>(step.pointers[0]),
                                                    static_cast<float*>(step.pointers[1]),
                                                    step.workspace, pool));
          break;
        }
        if (shared.blocked) {
          SEAM_RETURN_IF_ERROR(shared.blocked->Run(static_cast<const float*>(step.pointers[0]),
                                                   static_cast<float*>(step.pointers[1]), pool));
          break;
        }
        if (shared.bound != step.pointers) {
          // Another segment (another plan or session) ran it on its buffers.
          shared.bound.clear();
          const xnn_status s =
              xnn_setup_runtime(shared.runtime.get(), step.values.size(), step.values.data());
          if (s != xnn_status_success) {
            return Internal(step.label + ": xnn_setup_runtime failed with xnn_status " +
                            std::to_string(static_cast<int>(s)));
          }
          shared.bound = step.pointers;
        }
        const xnn_status s = xnn_invoke_runtime(shared.runtime.get());
        if (s != xnn_status_success) {
          return Internal(step.label + ": xnn_invoke_runtime failed with xnn_status " +
                          std::to_string(static_cast<int>(s)));
        }
        break;
      }
      case Step::kCopy:
        SEAM_RETURN_IF_ERROR(step.copies->Run(pool));
        break;
      case Step::kScaleShift:
        step.scale_shift->Run(step.src, step.dst, pool);
        break;
    }
  }
  return Status::Ok();
}

// --- lowering one stage -----------------------------------------------------

// The SegmentBuilder the visit functions lower through: values of one
// runtime's subgraph, or the copies of one copy stage.
class StageBuilder : public SegmentBuilder {
 public:
  explicit StageBuilder(SharedState* state) : state_(state) {}

  // Starts a runtime whose external values are `inputs` then `outputs`
  // (ids 0..k-1 in that order); the static tensors it reads are added to
  // `statics`, which must outlive the runtime.
  Status BeginRuntime(const std::vector<int>& inputs, const std::vector<int>& outputs,
                      const std::string& label,
                      std::vector<std::shared_ptr<const FloatBuffer>>* statics) {
    statics_ = statics;
    ids_.clear();
    external_outputs_.clear();
    copies_ = nullptr;
    scale_shift_ = nullptr;
    label_ = label;
    xnn_subgraph_t sg = nullptr;
    const uint32_t count = static_cast<uint32_t>(inputs.size() + outputs.size());
    SEAM_RETURN_IF_ERROR(Check(xnn_create_subgraph(count, 0, &sg), "xnn_create_subgraph"));
    subgraph_.reset(sg);
    uint32_t next = 0;
    for (int t : inputs) {
      uint32_t id;
      SEAM_RETURN_IF_ERROR(Define(t, next++, XNN_VALUE_FLAG_EXTERNAL_INPUT, &id));
      ids_[t] = id;
    }
    for (int t : outputs) external_outputs_[t] = next++;
    return Status::Ok();
  }

  Status FinishRuntime(RuntimePtr* out) {
    for (const auto& e : external_outputs_) {
      if (ids_.count(e.first) == 0) {
        return Internal(label_ + ": no node produced '" + Tensor(e.first).name + "'");
      }
    }
    xnn_runtime_t rt = nullptr;
    SEAM_RETURN_IF_ERROR(Check(xnn_create_runtime_v2(subgraph_.get(), state_->pool, 0, &rt),
                               "xnn_create_runtime_v2"));
    out->reset(rt);
    // The runtime no longer needs the subgraph (the static data it points
    // at is another matter: statics_ keeps that).
    subgraph_.reset();
    return Status::Ok();
  }

  void BeginCopy(CopyStage* stage, const std::string& label) {
    subgraph_.reset();
    ids_.clear();
    copies_ = stage;
    scale_shift_ = nullptr;
    label_ = label;
  }

  void BeginScaleShift(std::unique_ptr<ScaleShift>* stage, const std::string& label) {
    subgraph_.reset();
    ids_.clear();
    copies_ = nullptr;
    scale_shift_ = stage;
    label_ = label;
  }

  void SetNode(const std::string& label) { node_label_ = label; }

  xnn_subgraph_t subgraph() override { return subgraph_.get(); }

  Status Input(int tensor, uint32_t* id) override {
    auto it = ids_.find(tensor);
    if (it == ids_.end()) {
      return Internal(node_label_ + ": input '" + Tensor(tensor).name +
                      "' is neither produced earlier in the runtime nor an external input");
    }
    *id = it->second;
    return Status::Ok();
  }

  Status Output(int tensor, uint32_t* id) override {
    if (ids_.count(tensor) != 0) {
      return Internal(node_label_ + ": '" + Tensor(tensor).name + "' is defined twice");
    }
    auto ext = external_outputs_.find(tensor);
    if (ext != external_outputs_.end()) {
      SEAM_RETURN_IF_ERROR(Define(tensor, ext->second, XNN_VALUE_FLAG_EXTERNAL_OUTPUT, id));
    } else {
      SEAM_RETURN_IF_ERROR(Define(tensor, XNN_INVALID_VALUE_ID, 0, id));
    }
    ids_[tensor] = *id;
    return Status::Ok();
  }

  Status Temp(const std::vector<size_t>& dims, uint32_t* id) override {
    if (!subgraph_) return Internal(node_label_ + ": Temp outside a runtime");
    return Check(xnn_define_tensor_value(subgraph_.get(), xnn_datatype_fp32, dims.size(),
                                         dims.data(), nullptr, XNN_INVALID_VALUE_ID, 0, id),
                 "xnn_define_tensor_value");
  }

  Status Static(const std::string& key, const std::vector<size_t>& dims,
                const WeightCache::Fill& fill, uint32_t* id) override {
    if (!subgraph_) return Internal(node_label_ + ": Static outside a runtime");
    size_t floats = 1;
    for (size_t d : dims) floats *= d;
    std::shared_ptr<const FloatBuffer> buffer;
    SEAM_RETURN_IF_ERROR(state_->weights.Get(key, floats, fill, &buffer));
    statics_->push_back(buffer);
    return Check(xnn_define_tensor_value(subgraph_.get(), xnn_datatype_fp32, dims.size(),
                                         dims.data(), buffer->data(), XNN_INVALID_VALUE_ID, 0, id),
                 "xnn_define_tensor_value (static)");
  }

  Status AddStridedCopy(int src, int dst, size_t rows, size_t channels, size_t dst_stride,
                        size_t dst_offset) override {
    if (copies_ == nullptr) return Internal(node_label_ + ": strided copy inside a runtime");
    return copies_->Add(src, dst, rows, channels, dst_stride, dst_offset, node_label_);
  }

  Status AddScaleShift(int src, int dst, const ScaleShiftShape& shape, std::vector<float> scale,
                       std::vector<float> shift) override {
    if (scale_shift_ == nullptr) return Internal(node_label_ + ": scale-shift outside its stage");
    *scale_shift_ =
        std::make_unique<ScaleShift>(src, dst, shape, std::move(scale), std::move(shift));
    return Status::Ok();
  }

 private:
  const TensorInfo& Tensor(int t) const { return state_->info.graph->tensors[t]; }

  Status Define(int tensor, uint32_t external_id, uint32_t flags, uint32_t* id) {
    if (!subgraph_) return Internal(node_label_ + ": value outside a runtime");
    const std::vector<size_t> dims =
        PhysicalDims(Tensor(tensor).shape, state_->info.layouts[tensor]);
    return Check(xnn_define_tensor_value(subgraph_.get(), xnn_datatype_fp32, dims.size(),
                                         dims.data(), nullptr, external_id, flags, id),
                 "xnn_define_tensor_value");
  }

  Status Check(xnn_status s, const char* call) const {
    if (s == xnn_status_success) return Status::Ok();
    const std::string where = node_label_.empty() ? label_ : node_label_;
    const std::string message =
        where + ": " + call + " failed with xnn_status " + std::to_string(static_cast<int>(s));
    if (s == xnn_status_out_of_memory) return Status(StatusCode::kOutOfMemory, message);
    return Internal(message);
  }

  SharedState* state_;
  std::vector<std::shared_ptr<const FloatBuffer>>* statics_ = nullptr;
  SubgraphPtr subgraph_;
  std::unordered_map<int, uint32_t> ids_;
  std::unordered_map<int, uint32_t> external_outputs_;
  CopyStage* copies_ = nullptr;
  std::unique_ptr<ScaleShift>* scale_shift_ = nullptr;
  std::string label_, node_label_;
};

// --- compiling a segment -----------------------------------------------------

class SegmentCompiler {
 public:
  SegmentCompiler(std::shared_ptr<SharedState> state, const SegmentSpec& spec)
      : state_(std::move(state)), spec_(spec), g_(*state_->info.graph) {}

  Status Compile(std::unique_ptr<Segment>* out);

 private:
  Status Validate();
  void DropUnusedNodes();
  int FusableClamp(int node) const;
  void PlanStages();
  Status BuildSteps();

  struct StagePlan {
    enum Kind { kRuntime, kShared, kCopy, kScaleShift } kind = kRuntime;
    std::vector<int> nodes;
    std::vector<int> inputs, outputs;  // runtimes: external values
  };
  Status LowerNodes(const std::vector<int>& nodes, StageBuilder* builder) const;
  Status GetSharedRuntime(const StagePlan& stage, std::shared_ptr<SharedRuntime>* out);
  Status StageClamps(const StagePlan& stage, std::vector<Clamp>* clamps) const;
  Status CreateWinograd(const StagePlan& stage, const WinogradGeometry& geometry,
                        const std::vector<Clamp>& clamps, std::unique_ptr<WinogradConv>* out) const;

  // Activation tensors node n reads and writes.
  std::vector<int> Reads(int n) const {
    std::vector<int> r;
    for (int32_t t : g_.nodes[n].inputs) {
      if (t >= 0 && !g_.tensors[t].is_constant()) r.push_back(t);
    }
    return r;
  }
  std::vector<int> Writes(int n) const {
    std::vector<int> w;
    for (int32_t t : g_.nodes[n].outputs) {
      if (t >= 0) w.push_back(t);
    }
    return w;
  }
  std::string Join(const std::vector<int>& nodes) const;

  std::shared_ptr<SharedState> state_;
  const SegmentSpec& spec_;
  const Graph& g_;
  std::unique_ptr<XnnpackSegment> segment_;
  std::map<int, int> input_index_, output_index_;  // tensor -> position in spec
  std::vector<int> unused_;                        // nodes whose outputs nothing needs
  std::vector<StagePlan> stages_;
  std::map<int, int> producer_stage_;           // tensor -> stage writing it
  std::map<int, std::set<int>> reader_stages_;  // tensor -> stages reading it
};

std::string SegmentCompiler::Join(const std::vector<int>& nodes) const {
  std::string s;
  for (int n : nodes) {
    if (!s.empty()) s += "+";
    s += g_.nodes[n].name;
  }
  return s;
}

Status SegmentCompiler::Validate() {
  if (spec_.graph != state_->info.graph) {
    return InvalidArgument("XNNPACK: segment spec is for another graph than the backend's");
  }
  if (spec_.nodes.empty()) return InvalidArgument("XNNPACK: empty segment");
  for (size_t i = 0; i < spec_.inputs.size(); ++i) {
    const int t = spec_.inputs[i];
    if (t < 0 || static_cast<size_t>(t) >= g_.tensors.size() || g_.tensors[t].is_constant()) {
      return InvalidArgument("XNNPACK: segment input " + std::to_string(t) +
                             " is not an activation tensor");
    }
    if (state_->info.producers[t] >= 0 &&
        std::find(spec_.nodes.begin(), spec_.nodes.end(), state_->info.producers[t]) !=
            spec_.nodes.end()) {
      return InvalidArgument("XNNPACK: segment input '" + g_.tensors[t].name +
                             "' is produced inside the segment");
    }
    input_index_[t] = static_cast<int>(i);
  }
  std::set<int> available(spec_.inputs.begin(), spec_.inputs.end());
  std::set<int> seen;
  for (int n : spec_.nodes) {
    if (n < 0 || static_cast<size_t>(n) >= g_.nodes.size()) {
      return InvalidArgument("XNNPACK: node index " + std::to_string(n) + " out of range");
    }
    if (!seen.insert(n).second) {
      return InvalidArgument("XNNPACK: node '" + g_.nodes[n].name + "' appears twice");
    }
    if (!state_->supported[n]) {
      return InvalidArgument("XNNPACK: node '" + g_.nodes[n].name +
                             "' is not supported: " + state_->reasons[n]);
    }
    for (int t : Reads(n)) {
      if (available.count(t) == 0) {
        return InvalidArgument("XNNPACK: node '" + g_.nodes[n].name + "' reads '" +
                               g_.tensors[t].name +
                               "', which is neither a segment input nor produced before it");
      }
    }
    for (int32_t t : g_.nodes[n].outputs) {
      if (t >= 0) available.insert(t);
    }
  }
  for (size_t i = 0; i < spec_.outputs.size(); ++i) {
    const int t = spec_.outputs[i];
    if (t < 0 || static_cast<size_t>(t) >= g_.tensors.size() || state_->info.producers[t] < 0 ||
        seen.count(state_->info.producers[t]) == 0) {
      return InvalidArgument("XNNPACK: segment output " + std::to_string(t) +
                             " is not produced by the segment");
    }
    if (output_index_.count(t) != 0) {
      return InvalidArgument("XNNPACK: segment output '" + g_.tensors[t].name + "' listed twice");
    }
    output_index_[t] = static_cast<int>(i);
  }
  return Status::Ok();
}

// Nodes none of whose outputs is read later in the segment or is a segment
// output (e.g. the softmax of an early exit no plan asked for) are not run:
// XNNPACK leaves such dead values without memory.
void SegmentCompiler::DropUnusedNodes() {
  std::set<int> needed;
  for (int t : spec_.outputs) needed.insert(t);
  for (auto it = spec_.nodes.rbegin(); it != spec_.nodes.rend(); ++it) {
    const int n = *it;
    bool used = false;
    for (int t : Writes(n)) used |= needed.count(t) != 0;
    if (!used) {
      unused_.insert(unused_.begin(), n);
      continue;
    }
    for (int t : Reads(n)) needed.insert(t);
  }
}

// The Relu or Clip that may run inside the shared runtime of weight-packing
// `node` or the scale-shift step of BatchNorm `node` (which then clamps the
// node's output, which is exact), or -1. Only
// when nothing else can observe the tensor between them: it has that one
// reader, in this segment, and is no segment or graph output.
int SegmentCompiler::FusableClamp(int node) const {
  const std::vector<int> out = Writes(node);
  if (out.size() != 1 || output_index_.count(out[0]) != 0) return -1;
  const int t = out[0];
  if (std::find(g_.outputs.begin(), g_.outputs.end(), t) != g_.outputs.end()) return -1;
  const std::vector<int>& readers = state_->info.consumers[t];
  if (readers.size() != 1) return -1;
  const int f = readers[0];
  const OpType op = g_.nodes[f].op;
  if (op != OpType::kRelu && op != OpType::kClip) return -1;
  if (std::find(spec_.nodes.begin(), spec_.nodes.end(), f) == spec_.nodes.end()) return -1;
  // XNNPACK folds the clamp into the node's own one (their intersection) and
  // refuses the runtime when they do not intersect: such a clamp runs apart.
  StagePlan pair;
  pair.nodes = {node, f};
  std::vector<Clamp> clamps;
  if (!StageClamps(pair, &clamps).ok()) return -1;
  if (!ClampsIntersect(clamps)) return -1;
  if (std::find(unused_.begin(), unused_.end(), f) != unused_.end()) return -1;
  return f;
}

// Runs of weightless nodes between Concats share one runtime; Concats run as
// copy stages; every weight-packing node gets a shared runtime of its own and
// every BatchNorm a scale-shift step, each with the clamp after it if it can.
void SegmentCompiler::PlanStages() {
  const std::set<int> unused(unused_.begin(), unused_.end());
  std::set<int> absorbed;  // clamps running in a shared runtime
  for (int n : spec_.nodes) {
    if (unused.count(n) != 0 || absorbed.count(n) != 0) continue;
    const OpType op = g_.nodes[n].op;
    const StagePlan::Kind kind = IsCopyStageOp(op)    ? StagePlan::kCopy
                                 : PacksWeights(op)   ? StagePlan::kShared
                                 : IsScaleShiftOp(op) ? StagePlan::kScaleShift
                                                      : StagePlan::kRuntime;
    const bool alone = kind == StagePlan::kShared || kind == StagePlan::kScaleShift;
    if (alone || stages_.empty() || stages_.back().kind != kind) {
      stages_.emplace_back();
      stages_.back().kind = kind;
    }
    stages_.back().nodes.push_back(n);
    if (alone) {
      // The clamp's only input is the node's output, so it may run right
      // after the node, ahead of its place in the schedule.
      const int clamp = FusableClamp(n);
      if (clamp >= 0) {
        stages_.back().nodes.push_back(clamp);
        absorbed.insert(clamp);
      }
    }
  }
  for (size_t s = 0; s < stages_.size(); ++s) {
    for (int n : stages_[s].nodes) {
      for (int t : Reads(n)) {
        auto p = producer_stage_.find(t);
        if (p == producer_stage_.end() || p->second != static_cast<int>(s)) {
          reader_stages_[t].insert(static_cast<int>(s));
        }
      }
      for (int t : Writes(n)) producer_stage_[t] = static_cast<int>(s);
    }
  }
  // External values of each runtime: what it reads from outside, and what it
  // writes that a later stage or the arena needs.
  for (size_t s = 0; s < stages_.size(); ++s) {
    StagePlan& stage = stages_[s];
    if (stage.kind == StagePlan::kCopy) continue;
    std::set<int> produced, inputs;
    for (int n : stage.nodes) {
      for (int t : Reads(n)) {
        if (produced.count(t) == 0 && inputs.insert(t).second) stage.inputs.push_back(t);
      }
      for (int t : Writes(n)) {
        produced.insert(t);
        bool needed = output_index_.count(t) != 0;
        auto r = reader_stages_.find(t);
        if (r != reader_stages_.end()) {
          for (int reader : r->second) needed |= reader != static_cast<int>(s);
        }
        if (needed) stage.outputs.push_back(t);
      }
    }
  }
}

Status SegmentCompiler::BuildSteps() {
  XnnpackSegment& seg = *segment_;
  const GraphInfo& info = state_->info;
  // Step order: input transposes, then each stage followed by the output
  // transposes of what it produced.
  auto transpose_step = [&](int t, bool to_physical) {
    Step step;
    step.kind = to_physical ? Step::kToPhysical : Step::kToNchw;
    step.tensor = t;
    const TensorLayout& l = info.layouts[t];
    step.outer = static_cast<size_t>(g_.tensors[t].shape.NumElements() / (l.c * l.hw));
    step.rows = static_cast<size_t>(to_physical ? l.c : l.hw);
    step.cols = static_cast<size_t>(to_physical ? l.hw : l.c);
    step.arena_index = static_cast<size_t>(to_physical ? input_index_.at(t) : output_index_.at(t));
    step.label = std::string(to_physical ? "to_nhwc " : "to_nchw ") + g_.tensors[t].name;
    return step;
  };
  // Scratch lifetimes, in step indices.
  std::map<int, TensorLifetime> lives;
  auto touch = [&](int t, int step) {
    auto it = lives.find(t);
    if (it == lives.end()) {
      TensorLifetime life;
      life.bytes = PaddedBytes(static_cast<size_t>(g_.tensors[t].shape.NumElements()));
      life.first_step = life.last_step = step;
      lives.emplace(t, life);
    } else {
      it->second.first_step = std::min(it->second.first_step, step);
      it->second.last_step = std::max(it->second.last_step, step);
    }
  };
  auto needs_memory = [&](int t) { return seg.slots_.count(t) != 0; };

  if (!unused_.empty()) seg.unused_ = "unused (not run): " + Join(unused_);
  for (int t : spec_.inputs) {
    Slot slot;
    if (info.layouts[t].NeedsTranspose()) {
      seg.steps_.push_back(transpose_step(t, true));
      touch(t, static_cast<int>(seg.steps_.size()) - 1);
    } else {
      slot.kind = Slot::kArenaInput;
      slot.index = static_cast<size_t>(input_index_.at(t));
    }
    seg.slots_[t] = slot;
  }
  // Every tensor crossing a stage boundary or leaving the segment needs memory.
  for (size_t s = 0; s < stages_.size(); ++s) {
    std::vector<int> written;
    for (int n : stages_[s].nodes) {
      for (int t : Writes(n)) written.push_back(t);
    }
    for (int t : written) {
      const bool crosses = stages_[s].kind == StagePlan::kCopy || output_index_.count(t) != 0 ||
                           std::find(stages_[s].outputs.begin(), stages_[s].outputs.end(), t) !=
                               stages_[s].outputs.end();
      if (!crosses) continue;
      Slot slot;
      if (output_index_.count(t) != 0 && !info.layouts[t].NeedsTranspose()) {
        slot.kind = Slot::kArenaOutput;
        slot.index = static_cast<size_t>(output_index_.at(t));
      }
      seg.slots_[t] = slot;
    }
  }
  // Copy-stage inputs produced inside a runtime are that runtime's external
  // outputs already (reader_stages_), so every tensor a step touches has a slot.
  StageBuilder builder(state_.get());
  std::vector<std::pair<size_t, TensorLifetime>> workspaces;  // step index, lifetime
  for (size_t s = 0; s < stages_.size(); ++s) {
    StagePlan& stage = stages_[s];
    Step step;
    const int index = static_cast<int>(seg.steps_.size());
    std::vector<int> reads, writes;
    for (int n : stage.nodes) {
      for (int t : Reads(n)) {
        if (needs_memory(t)) reads.push_back(t);
      }
      for (int t : Writes(n)) {
        if (needs_memory(t)) writes.push_back(t);
      }
    }
    if (stage.kind == StagePlan::kScaleShift) {
      step.kind = Step::kScaleShift;
      builder.BeginScaleShift(&step.scale_shift, Join(stage.nodes));
      SEAM_RETURN_IF_ERROR(LowerNodes({stage.nodes.front()}, &builder));
      if (!step.scale_shift) return Internal(Join(stage.nodes) + ": no scale-shift lowered");
      std::vector<Clamp> clamps;
      SEAM_RETURN_IF_ERROR(StageClamps(stage, &clamps));
      step.scale_shift->Absorb(Writes(stage.nodes.back()).front(), clamps);
      step.label = "scale_shift " + Join(stage.nodes);
    } else if (stage.kind == StagePlan::kCopy) {
      step.kind = Step::kCopy;
      step.copies = std::make_unique<CopyStage>();
      builder.BeginCopy(step.copies.get(), Join(stage.nodes));
      SEAM_RETURN_IF_ERROR(LowerNodes(stage.nodes, &builder));
      step.label =
          "copy " + Join(stage.nodes) + " (" + std::to_string(step.copies->size()) + " slices)";
    } else {
      if (stage.kind == StagePlan::kShared) {
        step.kind = Step::kShared;
        SEAM_RETURN_IF_ERROR(GetSharedRuntime(stage, &step.shared));
      } else {
        step.kind = Step::kRuntime;
        SEAM_RETURN_IF_ERROR(
            builder.BeginRuntime(stage.inputs, stage.outputs, Join(stage.nodes), &seg.statics_));
        SEAM_RETURN_IF_ERROR(LowerNodes(stage.nodes, &builder));
        SEAM_RETURN_IF_ERROR(builder.FinishRuntime(&step.runtime));
      }
      uint32_t id = 0;
      for (int t : stage.inputs) step.externals.emplace_back(id++, t);
      for (int t : stage.outputs) step.externals.emplace_back(id++, t);
      step.label = std::string(stage.kind == StagePlan::kShared ? "shared " : "runtime ") +
                   Join(stage.nodes) + " (" + std::to_string(stage.inputs.size()) + " in, " +
                   std::to_string(stage.outputs.size()) + " out)";
      if (step.shared && step.shared->winograd) {
        step.label += " winograd F(4x4,3x3)";
        TensorLifetime life;
        life.bytes = PaddedBytes(step.shared->winograd->WorkspaceFloats());
        life.first_step = life.last_step = index;
        workspaces.emplace_back(static_cast<size_t>(index), life);
      }
      if (step.shared && step.shared->blocked) step.label += " in output-channel blocks";
    }
    seg.steps_.push_back(std::move(step));
    for (int t : reads) touch(t, index);
    for (int t : writes) touch(t, index);
    for (int t : writes) {
      if (output_index_.count(t) != 0 && info.layouts[t].NeedsTranspose()) {
        seg.steps_.push_back(transpose_step(t, false));
        touch(t, static_cast<int>(seg.steps_.size()) - 1);
      }
    }
  }
  // Scratch: one block shared by the tensors that live there, planned by
  // lifetime like the session's arena.
  std::vector<int> scratch_tensors;
  std::vector<TensorLifetime> lifetimes;
  for (const auto& e : seg.slots_) {
    if (e.second.kind != Slot::kScratch) continue;
    auto it = lives.find(e.first);
    if (it == lives.end()) return Internal("XNNPACK: tensor with a slot but no lifetime");
    scratch_tensors.push_back(e.first);
    lifetimes.push_back(it->second);
  }
  for (const auto& w : workspaces) lifetimes.push_back(w.second);
  const ArenaPlan plan = PlanArena(lifetimes, kAlignment);
  for (size_t i = 0; i < scratch_tensors.size(); ++i) {
    seg.slots_[scratch_tensors[i]].offset = static_cast<size_t>(plan.offsets[i]);
  }
  for (size_t i = 0; i < workspaces.size(); ++i) {
    seg.steps_[workspaces[i].first].workspace_offset =
        static_cast<size_t>(plan.offsets[scratch_tensors.size() + i]);
  }
  // Each buffer's own size includes its tail padding; the block gets one
  // more tail in case the session's scratch has none past its end.
  seg.scratch_bytes_ = plan.arena_bytes == 0 ? 0 : plan.arena_bytes + kTailBytes;
  return Status::Ok();
}

// Lowers `nodes` through their visit functions into the stage `builder` is on.
Status SegmentCompiler::LowerNodes(const std::vector<int>& nodes, StageBuilder* builder) const {
  for (int n : nodes) {
    VisitContext ctx;
    ctx.info = &state_->info;
    ctx.node_index = n;
    builder->SetNode(ctx.Label());
    const VisitFn visit = VisitorFor(g_.nodes[n].op);
    if (visit == nullptr) return Internal(ctx.Label() + ": no visit function");
    SEAM_RETURN_IF_ERROR(visit(&ctx, builder));
  }
  builder->SetNode("");
  return Status::Ok();
}

// The shared runtime of a kShared stage, created on first use. Its external
// values follow from its nodes alone (the head's activation inputs, then the
// last node's output), so every segment can run the same runtime.
Status SegmentCompiler::GetSharedRuntime(const StagePlan& stage,
                                         std::shared_ptr<SharedRuntime>* out) {
  std::vector<int> inputs;
  for (int t : Reads(stage.nodes.front())) {
    if (std::find(inputs.begin(), inputs.end(), t) == inputs.end()) inputs.push_back(t);
  }
  const std::vector<int> outputs = Writes(stage.nodes.back());
  if (stage.inputs != inputs || stage.outputs != outputs) {
    return Internal("XNNPACK: " + Join(stage.nodes) +
                    " has other inputs or outputs in this segment");
  }
  std::lock_guard<std::mutex> lock(state_->shared_mu);
  std::shared_ptr<SharedRuntime>& shared = state_->shared[stage.nodes];
  if (shared) {
    *out = shared;
    return Status::Ok();
  }
  auto created = std::make_shared<SharedRuntime>();
  WinogradGeometry geometry;
  const Node& head = g_.nodes[stage.nodes.front()];
  const bool nhwc = head.op == OpType::kConv2D &&
                    state_->info.layouts[head.inputs[0]].kind == LayoutKind::kNhwc &&
                    state_->info.layouts[head.outputs[0]].kind == LayoutKind::kNhwc;
  size_t block_channels = 0;
  std::vector<Clamp> clamps;
  if (nhwc && WinogradSuits(g_, stage.nodes.front(), &geometry).ok()) {
    SEAM_RETURN_IF_ERROR(StageClamps(stage, &clamps));
    SEAM_RETURN_IF_ERROR(CreateWinograd(stage, geometry, clamps, &created->winograd));
  } else if (nhwc && ConvBlocksSuit(g_, stage.nodes.front(), &block_channels).ok() &&
             StageClamps(stage, &clamps).ok()) {
    const Status s =
        BlockedConv::Create(g_, stage.nodes.front(), block_channels, clamps, &created->blocked);
    if (!s.ok()) return Status(s.code(), Join(stage.nodes) + ": " + s.message());
  }
  if (created->winograd || created->blocked) {
    shared = created;
    *out = std::move(created);
    return Status::Ok();
  }
  StageBuilder builder(state_.get());
  SEAM_RETURN_IF_ERROR(builder.BeginRuntime(inputs, outputs, Join(stage.nodes), &created->statics));
  SEAM_RETURN_IF_ERROR(LowerNodes(stage.nodes, &builder));
  SEAM_RETURN_IF_ERROR(builder.FinishRuntime(&created->runtime));
  shared = created;
  *out = std::move(created);
  return Status::Ok();
}

// The clamps of a kShared stage, in order: the head's own fused Relu or
// Clip, then the Relu or Clip node absorbed after it (if any).
Status SegmentCompiler::StageClamps(const StagePlan& stage, std::vector<Clamp>* clamps) const {
  clamps->clear();
  const Node& head = g_.nodes[stage.nodes.front()];
  FusedActivation act;  // MatMul has none
  if (const auto* conv = std::get_if<Conv2DAttrs>(&head.attrs)) act = conv->activation;
  if (const auto* fc = std::get_if<FullyConnectedAttrs>(&head.attrs)) act = fc->activation;
  ActivationPlan plan;
  SEAM_RETURN_IF_ERROR(PlanActivation(act, &plan));
  if (plan.separate) return Unsupported(head.name + ": activation is not a clamp");
  if (act.kind != ActivationKind::kNone) clamps->push_back({plan.min, plan.max});
  if (stage.nodes.size() == 2) {
    const Node& clamp = g_.nodes[stage.nodes.back()];
    if (clamp.op == OpType::kRelu) {
      clamps->push_back({0.0f, INFINITY});
    } else {
      ClipAttrs clip;  // an attribute-less Clip is Relu6, as in VisitUnary
      if (const auto* c = std::get_if<ClipAttrs>(&clamp.attrs)) clip = *c;
      clamps->push_back({clip.min, clip.max});
    }
  }
  return Status::Ok();
}

Status SegmentCompiler::CreateWinograd(const StagePlan& stage, const WinogradGeometry& geometry,
                                       const std::vector<Clamp>& clamps,
                                       std::unique_ptr<WinogradConv>* out) const {
  const Node& conv = g_.nodes[stage.nodes.front()];
  const float* bias =
      conv.inputs.size() > 2 && conv.inputs[2] >= 0 ? g_.tensors[conv.inputs[2]].f32() : nullptr;
  const Status s =
      WinogradConv::Create(geometry, g_.tensors[conv.inputs[1]].f32(), bias, clamps, out);
  if (!s.ok()) return Status(s.code(), Join(stage.nodes) + ": " + s.message());
  return Status::Ok();
}

Status SegmentCompiler::Compile(std::unique_ptr<Segment>* out) {
  SEAM_RETURN_IF_ERROR(Validate());
  segment_ = std::make_unique<XnnpackSegment>();
  segment_->state_ = state_;
  segment_->num_inputs_ = spec_.inputs.size();
  segment_->num_outputs_ = spec_.outputs.size();
  DropUnusedNodes();
  PlanStages();
  SEAM_RETURN_IF_ERROR(BuildSteps());
  *out = std::move(segment_);
  return Status::Ok();
}

// --- the backend ---------------------------------------------------------------

class XnnpackBackend : public Backend {
 public:
  explicit XnnpackBackend(std::shared_ptr<SharedState> state) : state_(std::move(state)) {}
  const char* name() const override { return "xnnpack"; }
  bool Supports(int node_index, std::string* reason) const override {
    if (node_index < 0 || static_cast<size_t>(node_index) >= state_->supported.size()) {
      if (reason != nullptr) *reason = "node index out of range";
      return false;
    }
    if (reason != nullptr) *reason = state_->reasons[node_index];
    return state_->supported[node_index];
  }
  Status Compile(const SegmentSpec& spec, std::unique_ptr<Segment>* out) override {
    if (out == nullptr) return InvalidArgument("XNNPACK: Compile with a null output");
    SegmentCompiler compiler(state_, spec);
    return compiler.Compile(out);
  }
  int num_threads() const override { return state_->threads; }

 private:
  std::shared_ptr<SharedState> state_;
};

}  // namespace
}  // namespace xnnpack

Status CreateXnnpackBackend(const Graph& graph, const BackendOptions& options,
                            std::shared_ptr<Backend>* out) {
  using namespace xnnpack;
  if (out == nullptr) return InvalidArgument("CreateXnnpackBackend: out is null");
  if (options.num_threads < 0 || options.num_threads > 256) {
    return InvalidArgument("XNNPACK: num_threads must be 0..256, got " +
                           std::to_string(options.num_threads));
  }
  SEAM_RETURN_IF_ERROR(InitializeOnce());
  auto state = std::make_shared<SharedState>();
  GraphInfo& info = state->info;
  info.graph = &graph;
  info.producers = TensorProducers(graph);
  info.consumers = TensorConsumers(graph);
  info.layouts.resize(graph.tensors.size());
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    info.layouts[t] = DefaultLayout(graph.tensors[t].shape);
  }
  std::vector<int> order;
  SEAM_RETURN_IF_ERROR(TopologicalOrder(graph, &order));
  // Check-mode visits in topological order: a node's support may depend on
  // the layouts its (supported) producers give their outputs.
  state->supported.assign(graph.nodes.size(), false);
  state->reasons.assign(graph.nodes.size(), "");
  for (int n : order) {
    const Node& node = graph.nodes[n];
    VisitContext ctx;
    ctx.info = &info;
    ctx.node_index = n;
    for (int32_t t : node.outputs) {
      ctx.output_layouts.push_back(t >= 0 ? DefaultLayout(graph.tensors[t].shape) : TensorLayout());
    }
    const VisitFn visit = VisitorFor(node.op);
    const Status s =
        visit != nullptr ? visit(&ctx, nullptr) : Unsupported(NoVisitorReason(node.op));
    state->supported[n] = s.ok();
    state->reasons[n] = s.ok() ? "" : s.message();
    if (!s.ok()) continue;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i] >= 0) info.layouts[node.outputs[i]] = ctx.output_layouts[i];
    }
  }
  int threads = options.num_threads;
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  state->threads = threads;
  if (threads > 1) {
    state->pool = pthreadpool_create(static_cast<size_t>(threads));
    if (state->pool == nullptr) {
      return Status(StatusCode::kOutOfMemory,
                    "XNNPACK: cannot create a pool of " + std::to_string(threads) + " threads");
    }
  }
  *out = std::make_shared<XnnpackBackend>(std::move(state));
  return Status::Ok();
}

std::vector<std::string> XnnpackSegmentSteps(const Segment& segment) {
  const auto* s = dynamic_cast<const xnnpack::XnnpackSegment*>(&segment);
  return s != nullptr ? s->Describe() : std::vector<std::string>();
}

}  // namespace seam
