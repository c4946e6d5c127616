// Session: the executor. Prepare() does all the work that allocates
// (schedule, arena plan, kernel argument tables); Run() only copies inputs
// in, calls kernels in schedule order with hooks around them, and copies
// outputs out.
#include "seam/session.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "core/memory_planner.h"
#include "kernels/kernel.h"
#include "seam/thread_pool.h"

namespace seam {

struct Session::NodeBinding {
  const ReferenceKernel* kernel = nullptr;
  std::vector<InputTensor> inputs;
  std::vector<OutputTensor> outputs;
};

namespace {
constexpr size_t kArenaAlignment = 64;
// XNNPACK and vectorised kernels may read a little past a tensor's end.
constexpr size_t kTailPadding = 64;
}  // namespace

Session::~Session() = default;

Status Session::Create(const Model& model, const SessionOptions& options,
                       std::unique_ptr<Session>* out) {
  return Create(model.graph(), options, out);
}

Status Session::Create(const Graph& graph, const SessionOptions& options,
                       std::unique_ptr<Session>* out) {
  std::unique_ptr<Session> session(new Session());
  SEAM_RETURN_IF_ERROR(session->Prepare(graph, options));
  *out = std::move(session);
  return Status::Ok();
}

int Session::num_threads() const { return pool_ ? pool_->num_threads() : 1; }

Status Session::Prepare(const Graph& graph, const SessionOptions& options) {
  graph_ = &graph;
  if (options.num_threads < 0 || options.num_threads > 256) {
    return InvalidArgument("num_threads must be 0..256, got " + std::to_string(options.num_threads));
  }
  SEAM_RETURN_IF_ERROR(TopologicalOrder(graph, &schedule_));

  // Lifetimes in schedule steps. Graph inputs are written before step 0;
  // graph outputs must survive to the end.
  const int steps = static_cast<int>(schedule_.size());
  std::vector<TensorLifetime> lifetimes(graph.tensors.size());
  std::vector<bool> seen(graph.tensors.size(), false);
  auto touch = [&](int32_t t, int step) {
    if (t < 0 || graph.tensors[t].is_constant()) return;
    TensorLifetime& life = lifetimes[t];
    if (!seen[t]) {
      seen[t] = true;
      life.first_step = step;
      life.last_step = step;
      life.bytes = graph.tensors[t].byte_size() + kTailPadding;
    }
    life.last_step = std::max(life.last_step, step);
  };
  for (int32_t t : graph.inputs) touch(t, 0);
  for (int step = 0; step < steps; ++step) {
    const Node& node = graph.nodes[schedule_[step]];
    for (int32_t t : node.inputs) touch(t, step);
    for (int32_t t : node.outputs) touch(t, step);
  }
  for (int32_t t : graph.outputs) touch(t, std::max(steps - 1, 0));
  const ArenaPlan plan = PlanArena(lifetimes, kArenaAlignment);
  tensor_offsets_ = plan.offsets;

  // Kernels and their scratch.
  bindings_.resize(graph.nodes.size());
  size_t scratch = 0;
  std::vector<Shape> in_shapes, out_shapes;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    NodeBinding& binding = bindings_[n];
    binding.kernel = GetReferenceKernel(node.op);
    if (binding.kernel == nullptr || binding.kernel->run == nullptr) {
      return Unsupported("node '" + node.name + "': no kernel for op " + OpTypeName(node.op));
    }
    in_shapes.clear();
    out_shapes.clear();
    for (int32_t t : node.inputs) in_shapes.push_back(t >= 0 ? graph.tensors[t].shape : Shape());
    for (int32_t t : node.outputs) out_shapes.push_back(t >= 0 ? graph.tensors[t].shape : Shape());
    if (binding.kernel->scratch_bytes != nullptr) {
      scratch = std::max(scratch, binding.kernel->scratch_bytes(
                                      node, in_shapes.data(), static_cast<int>(in_shapes.size()),
                                      out_shapes.data(), static_cast<int>(out_shapes.size())));
    }
  }
  scratch_bytes_ = (scratch + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
  plan_summary_.arena_bytes = plan.arena_bytes;
  plan_summary_.naive_bytes = plan.naive_bytes;
  plan_summary_.scratch_bytes = scratch_bytes_;

  const size_t total = plan.arena_bytes + scratch_bytes_ + kArenaAlignment;
  arena_storage_.assign(total, 0);
  uintptr_t base = reinterpret_cast<uintptr_t>(arena_storage_.data());
  base = (base + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
  arena_ = reinterpret_cast<uint8_t*>(base);
  scratch_ = scratch_bytes_ > 0 ? reinterpret_cast<float*>(arena_ + plan.arena_bytes) : nullptr;

  // Resolve every kernel argument now: the arena never moves.
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    NodeBinding& binding = bindings_[n];
    for (int32_t t : node.inputs) {
      InputTensor in;
      if (t >= 0) {
        const ConstTensorView view = TensorData(t);
        in.data = view.data;
        in.shape = view.shape;
      }
      binding.inputs.push_back(in);
    }
    for (int32_t t : node.outputs) {
      OutputTensor out;
      if (t >= 0) {
        out.data = reinterpret_cast<float*>(arena_ + tensor_offsets_[t]);
        out.shape = graph.tensors[t].shape;
      }
      binding.outputs.push_back(out);
    }
  }

  int threads = options.num_threads;
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (threads > 1) pool_ = std::make_unique<ThreadPool>(threads);
  return Status::Ok();
}

ConstTensorView Session::TensorData(int tensor) const {
  ConstTensorView view;
  if (graph_ == nullptr || tensor < 0 || static_cast<size_t>(tensor) >= graph_->tensors.size()) {
    return view;
  }
  const TensorInfo& info = graph_->tensors[tensor];
  view.shape = info.shape;
  if (info.is_constant()) {
    view.data = info.f32();
  } else if (tensor_offsets_[tensor] >= 0) {
    view.data = reinterpret_cast<const float*>(arena_ + tensor_offsets_[tensor]);
  }
  return view;
}

Status Session::RunNode(int node_index) {
  const NodeBinding& binding = bindings_[node_index];
  KernelContext ctx;
  ctx.node = &graph_->nodes[node_index];
  ctx.inputs = binding.inputs.data();
  ctx.num_inputs = static_cast<int>(binding.inputs.size());
  ctx.outputs = binding.outputs.data();
  ctx.num_outputs = static_cast<int>(binding.outputs.size());
  ctx.pool = pool_.get();
  ctx.scratch = scratch_;
  ctx.scratch_bytes = scratch_bytes_;
  Status s = binding.kernel->run(ctx);
  if (!s.ok()) {
    return Status(s.code(), "node '" + ctx.node->name + "': " + s.message());
  }
  return Status::Ok();
}

Status Session::Run(const std::vector<ConstTensorView>& inputs,
                    const std::vector<TensorView>& outputs) {
  const Graph& g = *graph_;
  if (inputs.size() != g.inputs.size()) {
    return InvalidArgument("model has " + std::to_string(g.inputs.size()) + " inputs, got " +
                           std::to_string(inputs.size()));
  }
  if (outputs.size() != g.outputs.size()) {
    return InvalidArgument("model has " + std::to_string(g.outputs.size()) + " outputs, got " +
                           std::to_string(outputs.size()));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorInfo& info = g.tensors[g.inputs[i]];
    if (inputs[i].shape != info.shape || inputs[i].data == nullptr) {
      return InvalidArgument("input '" + info.name + "' needs shape " + info.shape.ToString() +
                             ", got " + inputs[i].shape.ToString());
    }
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const TensorInfo& info = g.tensors[g.outputs[i]];
    if (outputs[i].shape != info.shape || outputs[i].data == nullptr) {
      return InvalidArgument("output '" + info.name + "' needs shape " + info.shape.ToString() +
                             ", got " + outputs[i].shape.ToString());
    }
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const int32_t t = g.inputs[i];
    std::memcpy(arena_ + tensor_offsets_[t], inputs[i].data, g.tensors[t].byte_size());
  }
  for (int node_index : schedule_) {
    if (before_hook_ && before_hook_(node_index) == HookAction::kStop) {
      return Status(StatusCode::kStopped, "stopped before node '" + g.nodes[node_index].name + "'");
    }
    SEAM_RETURN_IF_ERROR(RunNode(node_index));
    if (after_hook_ && after_hook_(node_index) == HookAction::kStop) {
      return Status(StatusCode::kStopped, "stopped after node '" + g.nodes[node_index].name + "'");
    }
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const ConstTensorView view = TensorData(g.outputs[i]);
    std::memcpy(outputs[i].data, view.data, g.tensors[g.outputs[i]].byte_size());
  }
  return Status::Ok();
}

}  // namespace seam
