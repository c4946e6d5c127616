// The oneDNN Backend and Segment: support queries through the visit
// functions, the layout table (planned once per graph), Compile (fusion
// plan, lowering, buffer plan), Bind and Run.
// oneDNN's C++ API throws dnnl::error; every entry point here catches and
// returns a Status, so nothing escapes to the executor.
#include "backends/onednn/onednn_backend.h"

#include <omp.h>

#include <algorithm>
#include <thread>
#include <unordered_set>

#include "backends/onednn/onednn_common.h"

namespace seam {
namespace onednn {

VisitFn VisitorFor(OpType op) {
  switch (op) {
    case OpType::kConv2D:
      return VisitConv;
    case OpType::kFullyConnected:
      return VisitFullyConnected;
    case OpType::kMaxPool:
    case OpType::kAveragePool:
      return VisitPool;
    case OpType::kGlobalAveragePool:
      return VisitGlobalAveragePool;
    case OpType::kLRN:
      return VisitLRN;
    case OpType::kBatchNorm:
      return VisitBatchNorm;
    case OpType::kRelu:
    case OpType::kClip:
    case OpType::kLeakyRelu:
    case OpType::kSigmoid:
    case OpType::kTanh:
    case OpType::kHardSwish:
      return VisitEltwise;
    case OpType::kAdd:
    case OpType::kMul:
      return VisitBinary;
    case OpType::kConcat:
      return VisitConcat;
    case OpType::kSoftmax:
      return VisitSoftmax;
    case OpType::kIdentity:
    case OpType::kFlatten:
    case OpType::kReshape:
      return VisitLayoutNoOp;
    default:
      return nullptr;
  }
}

namespace {

// oneDNN runs on OpenMP, whose thread count is per calling thread. Primitives
// size their work split when created and use the team when executed, so both
// Compile and Run pin the count, restoring the caller's afterwards.
class ScopedOmpThreads {
 public:
  explicit ScopedOmpThreads(int threads) : saved_(omp_get_max_threads()), threads_(threads) {
    if (threads_ != saved_) omp_set_num_threads(threads_);
  }
  ~ScopedOmpThreads() {
    if (threads_ != saved_) omp_set_num_threads(saved_);
  }
  ScopedOmpThreads(const ScopedOmpThreads&) = delete;
  ScopedOmpThreads& operator=(const ScopedOmpThreads&) = delete;

 private:
  int saved_;
  int threads_;
};

Status FromDnnlError(const dnnl::error& e, const std::string& where) {
  std::string message = where + "oneDNN: " + e.what();
  switch (e.status) {
    case dnnl_unimplemented:
      return Unsupported(message);
    case dnnl_out_of_memory:
      return Status(StatusCode::kOutOfMemory, message);
    case dnnl_invalid_arguments:
      return InvalidArgument(message);
    default:
      return Internal(message);
  }
}

class OneDnnSegment : public Segment {
 public:
  OneDnnSegment(CompiledSegment compiled, int threads)
      : seg_(std::move(compiled)), stream_(seg_.engine), threads_(threads) {}

  size_t ScratchBytes() const override { return seg_.scratch_bytes; }

  Status Bind(const std::vector<const float*>& inputs, const std::vector<float*>& outputs,
              void* scratch) override {
    using Kind = CompiledSegment::BufferKind;
    if (inputs.size() != seg_.num_inputs || outputs.size() != seg_.num_outputs) {
      return InvalidArgument("oneDNN segment expects " + std::to_string(seg_.num_inputs) +
                             " inputs and " + std::to_string(seg_.num_outputs) + " outputs, got " +
                             std::to_string(inputs.size()) + " and " +
                             std::to_string(outputs.size()));
    }
    if (seg_.scratch_bytes > 0 && scratch == nullptr) {
      return InvalidArgument("oneDNN segment needs " + std::to_string(seg_.scratch_bytes) +
                             " bytes of scratch, got none");
    }
    auto* base = static_cast<uint8_t*>(scratch);
    std::vector<void*> handles(seg_.buffers.size(), nullptr);
    for (size_t i = 0; i < seg_.buffers.size(); ++i) {
      const CompiledSegment::Buffer& b = seg_.buffers[i];
      switch (b.kind) {
        case Kind::kInput:
          handles[i] = const_cast<float*>(inputs[b.index]);
          break;
        case Kind::kOutput:
          handles[i] = outputs[b.index];
          break;
        case Kind::kInternal:
          if (base != nullptr) handles[i] = base + seg_.internal_offset + b.offset;
          break;
        case Kind::kScratchpad:
          handles[i] = base;
          break;
        case Kind::kConstant:
          continue;
      }
      if (handles[i] == nullptr && b.first_step >= 0) {
        return InvalidArgument("oneDNN segment: a bound buffer is null");
      }
    }
    try {
      for (CompiledSegment::View& view : seg_.views) {
        if (seg_.buffers[view.buffer].kind == Kind::kConstant) continue;
        view.mem.set_data_handle(static_cast<uint8_t*>(handles[view.buffer]) + view.offset);
      }
    } catch (const dnnl::error& e) {
      return FromDnnlError(e, "binding a segment: ");
    }
    bound_ = true;
    return Status::Ok();
  }

  Status Run() override {
    if (!bound_) return Internal("oneDNN segment run before Bind");
    ScopedOmpThreads threads(threads_);
    size_t s = 0;
    try {
      for (; s < seg_.steps.size(); ++s) {
        seg_.steps[s].primitive.execute(stream_, seg_.steps[s].exec_args);
      }
      stream_.wait();
    } catch (const dnnl::error& e) {
      const std::string what = s < seg_.steps.size() ? seg_.steps[s].label : "the segment";
      return FromDnnlError(e, "running " + what + ": ");
    }
    return Status::Ok();
  }

  std::vector<std::string> Labels() const {
    std::vector<std::string> labels;
    for (const CompiledSegment::Step& step : seg_.steps) labels.push_back(step.label);
    return labels;
  }

 private:
  CompiledSegment seg_;
  dnnl::stream stream_;
  int threads_;
  bool bound_ = false;
};

class OneDnnBackend : public Backend {
 public:
  OneDnnBackend(const Graph& graph, const dnnl::engine& engine, int threads)
      : graph_(graph),
        consumers_(TensorConsumers(graph)),
        ctx_{graph_, consumers_, ConvChannelBlock(graph_), WinogradGraph(graph_), &fusion_checks_},
        engine_(engine),
        cache_(engine),
        threads_(threads) {}

  // Plans the layout table (primitive descriptors only: no JIT, no weights).
  void PlanLayoutTable() {
    ScopedOmpThreads threads(threads_);
    layouts_ = PlanLayouts(ctx_, engine_, [this](int n) { return Check(n).ok(); });
  }

  const char* name() const override { return "onednn"; }
  int num_threads() const override { return threads_; }

  bool Supports(int node_index, std::string* reason) const override {
    const Status status = Check(node_index);
    if (!status.ok() && reason != nullptr) *reason = status.message();
    return status.ok();
  }

  Status Compile(const SegmentSpec& spec, std::unique_ptr<Segment>* out) override {
    if (spec.graph != &graph_) return InvalidArgument("segment spec is for another graph");
    if (spec.nodes.empty()) return InvalidArgument("segment spec has no nodes");
    std::unordered_set<int> seen;
    for (int n : spec.nodes) {
      if (!seen.insert(n).second) {
        return InvalidArgument("node #" + std::to_string(n) + " appears twice in the segment");
      }
      const Status status = Check(n);
      if (!status.ok()) return InvalidArgument("segment node not supported: " + status.message());
    }
    for (int t : spec.inputs) {
      if (t < 0 || static_cast<size_t>(t) >= graph_.tensors.size()) {
        return InvalidArgument("segment input index out of range");
      }
    }
    for (int t : spec.outputs) {
      if (t < 0 || static_cast<size_t>(t) >= graph_.tensors.size()) {
        return InvalidArgument("segment output index out of range");
      }
    }
    std::string where;
    try {
      ScopedOmpThreads threads(threads_);
      std::unordered_map<int, int> chain_of;
      std::vector<FusionChain> chains = PlanFusion(
          ctx_, spec, [this](int n) { return Check(n).ok(); }, &chain_of);
      SegmentBuilder builder(ctx_, spec, engine_, &cache_, &layouts_);
      builder.SetChains(chains, chain_of);
      for (size_t i = 0; i < spec.nodes.size(); ++i) {
        const FusionChain& chain = chains[chain_of.at(spec.nodes[i])];
        // A chain is lowered where its last node sits: by then a sum's
        // residual (often computed after the conv) exists.
        if (chain.anchor != spec.nodes[i]) continue;
        const Node& head = graph_.nodes[chain.head];
        where = "node '" + head.name + "': ";
        builder.SetPosition(static_cast<int>(i));
        SEAM_RETURN_IF_ERROR(VisitorFor(head.op)(ctx_, chain.head, &builder));
      }
      where = "finishing the segment: ";
      CompiledSegment compiled;
      SEAM_RETURN_IF_ERROR(builder.Finish(&compiled));
      *out = std::make_unique<OneDnnSegment>(std::move(compiled), threads_);
    } catch (const dnnl::error& e) {
      return FromDnnlError(e, where);
    } catch (const std::bad_alloc&) {
      return Status(StatusCode::kOutOfMemory, where + "out of memory compiling a oneDNN segment");
    } catch (const std::exception& e) {
      return Internal(where + e.what());
    }
    return Status::Ok();
  }

 private:
  Status Check(int node_index) const {
    if (node_index < 0 || static_cast<size_t>(node_index) >= graph_.nodes.size()) {
      return InvalidArgument("node index " + std::to_string(node_index) + " out of range");
    }
    const Node& node = graph_.nodes[node_index];
    VisitFn visit = VisitorFor(node.op);
    if (visit == nullptr) {
      return Unsupported(std::string(OpTypeName(node.op)) + " '" + node.name +
                         "': no oneDNN lowering for this op");
    }
    try {
      return visit(ctx_, node_index, nullptr);
    } catch (const std::exception& e) {
      return Internal(e.what());
    }
  }

  const Graph& graph_;
  const std::vector<std::vector<int>> consumers_;
  FusionChecks fusion_checks_;  // read and filled through ctx_
  const VisitContext ctx_;
  dnnl::engine engine_;
  WeightCache cache_;
  const int threads_;
  LayoutTable layouts_;  // planned once, then read-only
};

}  // namespace
}  // namespace onednn

Status CreateOneDnnBackend(const Graph& graph, const BackendOptions& options,
                           std::shared_ptr<Backend>* out) {
  if (out == nullptr) return InvalidArgument("CreateOneDnnBackend: out is null");
  if (options.num_threads < 0 || options.num_threads > 256) {
    return InvalidArgument("num_threads must be 0..256, got " +
                           std::to_string(options.num_threads));
  }
  int threads = options.num_threads;
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  try {
    dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    auto backend = std::make_shared<onednn::OneDnnBackend>(graph, engine, threads);
    backend->PlanLayoutTable();
    *out = std::move(backend);
  } catch (const dnnl::error& e) {
    return onednn::FromDnnlError(e, "creating the CPU engine: ");
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kOutOfMemory, "out of memory creating the oneDNN backend");
  }
  return Status::Ok();
}

std::vector<std::string> OneDnnSegmentPrimitives(const Segment& segment) {
  const auto* s = dynamic_cast<const onednn::OneDnnSegment*>(&segment);
  return s != nullptr ? s->Labels() : std::vector<std::string>();
}

}  // namespace seam
