// Session: the executor. A Plan is a node order with its own arena layout,
// backend segments and pre-resolved kernel arguments; RunPlan copies entry
// tensors in and walks the steps with hooks around them.
#include "seam/session.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "core/memory_planner.h"
#include "kernels/kernel.h"
#include "seam/thread_pool.h"

namespace seam {
namespace {
// Vectorised kernels and XNNPACK may read a little past a tensor's end.
constexpr size_t kTailPadding = 64;
}  // namespace

// One step of a plan: a reference kernel for one node, or a backend segment.
struct Step {
  std::vector<int> nodes;  // one node for a reference step
  const ReferenceKernel* kernel = nullptr;
  std::vector<InputTensor> inputs;  // reference step arguments
  std::vector<OutputTensor> outputs;
  std::unique_ptr<Segment> segment;
  SegmentSpec spec;
};

struct Session::Plan {
  std::vector<int> nodes;
  std::vector<int> entry;
  std::vector<int> exit;
  std::vector<Step> steps;
  std::vector<int64_t> offsets;  // per tensor; -1: not in the arena
  MemoryPlanSummary summary;
};

Session::Session() = default;
Session::~Session() = default;

Status Session::Create(const Model& model, const SessionOptions& options,
                       std::unique_ptr<Session>* out) {
  return Create(model.graph(), options, out);
}

Status Session::Create(const Graph& graph, const SessionOptions& options,
                       std::unique_ptr<Session>* out) {
  std::unique_ptr<Session> session(new Session());
  SEAM_RETURN_IF_ERROR(session->Init(graph, options));
  *out = std::move(session);
  return Status::Ok();
}

const std::vector<int>& Session::schedule() const { return full_plan_->nodes; }
const MemoryPlanSummary& Session::memory_plan() const { return full_plan_->summary; }
int Session::num_threads() const { return pool_ ? pool_->num_threads() : 1; }
const char* Session::backend_name() const {
  return options_.backend ? options_.backend->name() : "ref";
}

Status Session::Init(const Graph& graph, const SessionOptions& options) {
  graph_ = &graph;
  options_ = options;
  if (options.num_threads < 0 || options.num_threads > 256) {
    return InvalidArgument("num_threads must be 0..256, got " +
                           std::to_string(options.num_threads));
  }
  int threads = options.num_threads;
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (threads > 1) pool_ = std::make_unique<ThreadPool>(threads);

  on_backend_.assign(graph.nodes.size(), false);
  if (options.backend) {
    std::string reason;
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
      on_backend_[n] = options.backend->Supports(static_cast<int>(n), &reason);
    }
  }
  std::vector<int> order;
  SEAM_RETURN_IF_ERROR(TopologicalOrder(graph, &order));
  std::vector<int> entry(graph.inputs.begin(), graph.inputs.end());
  std::vector<int> exit(graph.outputs.begin(), graph.outputs.end());
  return MakePlan(order, entry, exit, &full_plan_);
}

Status Session::MakePlan(const std::vector<int>& nodes, const std::vector<int>& entry,
                         const std::vector<int>& exit, std::unique_ptr<Plan>* out) {
  const Graph& g = *graph_;
  auto plan = std::make_unique<Plan>();
  plan->nodes = nodes;
  plan->entry = entry;
  plan->exit = exit;

  // 1. Steps: consecutive backend-supported nodes form one segment.
  for (size_t i = 0; i < nodes.size();) {
    Step step;
    if (!on_backend_[nodes[i]]) {
      step.nodes = {nodes[i++]};
    } else {
      do {
        step.nodes.push_back(nodes[i++]);
      } while (!options_.node_granularity && i < nodes.size() && on_backend_[nodes[i]]);
      step.segment = nullptr;
      step.spec.graph = &g;
      step.spec.nodes = step.nodes;
    }
    plan->steps.push_back(std::move(step));
  }

  // 2. Which step reads each tensor last, and segment inputs/outputs.
  const int num_steps = static_cast<int>(plan->steps.size());
  std::vector<int> producer_step(g.tensors.size(), -1);
  std::vector<int> last_reader_step(g.tensors.size(), -1);
  for (int s = 0; s < num_steps; ++s) {
    for (int n : plan->steps[s].nodes) {
      for (int32_t t : g.nodes[n].inputs) {
        if (t >= 0) last_reader_step[t] = std::max(last_reader_step[t], s);
      }
      for (int32_t t : g.nodes[n].outputs) {
        if (t >= 0) producer_step[t] = s;
      }
    }
  }
  std::vector<bool> is_exit(g.tensors.size(), false);
  for (int t : exit) is_exit[t] = true;
  for (int s = 0; s < num_steps; ++s) {
    Step& step = plan->steps[s];
    if (step.nodes.size() == 1 && !on_backend_[step.nodes[0]]) continue;
    for (int n : step.nodes) {
      for (int32_t t : g.nodes[n].inputs) {
        if (t < 0 || g.tensors[t].is_constant() || producer_step[t] == s) continue;
        if (std::find(step.spec.inputs.begin(), step.spec.inputs.end(), t) ==
            step.spec.inputs.end()) {
          step.spec.inputs.push_back(t);
        }
      }
      for (int32_t t : g.nodes[n].outputs) {
        if (t >= 0 && (is_exit[t] || last_reader_step[t] > s)) step.spec.outputs.push_back(t);
      }
    }
  }

  // 3. Arena: every tensor that lives outside a segment gets a slot.
  std::vector<TensorLifetime> lifetimes(g.tensors.size());
  std::vector<bool> placed(g.tensors.size(), false);
  auto touch = [&](int t, int step) {
    TensorLifetime& life = lifetimes[t];
    if (!placed[t]) {
      placed[t] = true;
      life.first_step = life.last_step = step;
      life.bytes = g.tensors[t].byte_size() + kTailPadding;
    }
    life.first_step = std::min(life.first_step, step);
    life.last_step = std::max(life.last_step, step);
  };
  for (int t : entry) touch(t, 0);
  for (int s = 0; s < num_steps; ++s) {
    const Step& step = plan->steps[s];
    if (step.spec.graph == nullptr) {
      const Node& node = g.nodes[step.nodes[0]];
      for (int32_t t : node.inputs) {
        if (t >= 0 && !g.tensors[t].is_constant()) touch(t, s);
      }
      for (int32_t t : node.outputs) {
        if (t >= 0) touch(t, s);
      }
    } else {
      for (int t : step.spec.inputs) touch(t, s);
      for (int t : step.spec.outputs) touch(t, s);
    }
  }
  for (int t : exit) touch(t, std::max(num_steps - 1, 0));
  const ArenaPlan arena = PlanArena(lifetimes, kArenaAlignment);
  plan->offsets = arena.offsets;
  plan->summary.arena_bytes = arena.arena_bytes;
  plan->summary.naive_bytes = arena.naive_bytes;

  // 4. Kernels, segments, scratch.
  size_t scratch = 0;
  std::vector<Shape> in_shapes, out_shapes;
  for (Step& step : plan->steps) {
    if (step.spec.graph != nullptr) {
      Status s = options_.backend->Compile(step.spec, &step.segment);
      if (!s.ok()) {
        return Status(s.code(), std::string(options_.backend->name()) + " backend: " + s.message());
      }
      scratch = std::max(scratch, step.segment->ScratchBytes());
      continue;
    }
    const Node& node = g.nodes[step.nodes[0]];
    step.kernel = GetReferenceKernel(node.op);
    if (step.kernel == nullptr || step.kernel->run == nullptr) {
      return Unsupported("node '" + node.name + "': no kernel for op " + OpTypeName(node.op));
    }
    if (step.kernel->scratch_bytes != nullptr) {
      in_shapes.clear();
      out_shapes.clear();
      for (int32_t t : node.inputs) in_shapes.push_back(t >= 0 ? g.tensors[t].shape : Shape());
      for (int32_t t : node.outputs) out_shapes.push_back(t >= 0 ? g.tensors[t].shape : Shape());
      scratch = std::max(scratch, step.kernel->scratch_bytes(
                                      node, in_shapes.data(), static_cast<int>(in_shapes.size()),
                                      out_shapes.data(), static_cast<int>(out_shapes.size())));
    }
  }
  plan->summary.scratch_bytes = (scratch + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;

  const size_t needed = plan->summary.arena_bytes + plan->summary.scratch_bytes;
  required_bytes_ = std::max(required_bytes_, needed);
  if (options_.caller_arena) {
    if (arena_ == nullptr) {  // BindArena binds it later
      *out = std::move(plan);
      return Status::Ok();
    }
    if (needed > arena_capacity_) {
      return Status(StatusCode::kOutOfMemory, "the plan needs " + std::to_string(needed) +
                                                  " arena bytes, the caller's arena has " +
                                                  std::to_string(arena_capacity_));
    }
  } else if (needed > arena_capacity_) {
    SEAM_RETURN_IF_ERROR(EnsureArena(needed));  // rebinds the existing plans
  }
  SEAM_RETURN_IF_ERROR(BindPlan(plan.get()));
  *out = std::move(plan);
  return Status::Ok();
}

Status Session::EnsureArena(size_t bytes) {
  arena_storage_.assign(bytes + kArenaAlignment, 0);
  uintptr_t base = reinterpret_cast<uintptr_t>(arena_storage_.data());
  base = (base + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
  arena_ = reinterpret_cast<uint8_t*>(base);
  arena_capacity_ = bytes;
  return BindAllPlans();
}

Status Session::BindAllPlans() {
  if (full_plan_) SEAM_RETURN_IF_ERROR(BindPlan(full_plan_.get()));
  for (auto& entry : cut_plans_) {
    SEAM_RETURN_IF_ERROR(BindPlan(entry.second.edge.get()));
    SEAM_RETURN_IF_ERROR(BindPlan(entry.second.server.get()));
  }
  return Status::Ok();
}

Status Session::BindArena(void* memory, size_t bytes) {
  if (!options_.caller_arena) {
    return InvalidArgument(
        "BindArena: the session allocates its own arena (set SessionOptions::caller_arena)");
  }
  if (memory == nullptr) return InvalidArgument("BindArena: arena memory is null");
  const uintptr_t address = reinterpret_cast<uintptr_t>(memory);
  if (address % kArenaAlignment != 0) {
    return InvalidArgument("BindArena: the arena must be " + std::to_string(kArenaAlignment) +
                           "-byte aligned; this one is " +
                           std::to_string(address % kArenaAlignment) +
                           " bytes past an aligned address");
  }
  if (bytes < required_bytes_) {
    return Status(StatusCode::kOutOfMemory, "BindArena: the arena has " + std::to_string(bytes) +
                                                " bytes; the session's plans need " +
                                                std::to_string(required_bytes_));
  }
  arena_ = static_cast<uint8_t*>(memory);
  arena_capacity_ = bytes;
  current_plan_ = nullptr;
  Status s = BindAllPlans();
  if (!s.ok()) arena_ = nullptr;  // half-bound plans must not run
  return s;
}

Status Session::BindPlan(Plan* plan) {
  const Graph& g = *graph_;
  auto slot = [&](int t) -> float* {
    return plan->offsets[t] < 0 ? nullptr : reinterpret_cast<float*>(arena_ + plan->offsets[t]);
  };
  void* scratch = plan->summary.scratch_bytes > 0 ? arena_ + plan->summary.arena_bytes : nullptr;
  for (Step& step : plan->steps) {
    if (step.segment) {
      std::vector<const float*> in;
      std::vector<float*> out;
      for (int t : step.spec.inputs) in.push_back(slot(t));
      for (int t : step.spec.outputs) out.push_back(slot(t));
      SEAM_RETURN_IF_ERROR(step.segment->Bind(in, out, scratch));
      continue;
    }
    const Node& node = g.nodes[step.nodes[0]];
    step.inputs.clear();
    step.outputs.clear();
    for (int32_t t : node.inputs) {
      InputTensor in;
      if (t >= 0) {
        in.shape = g.tensors[t].shape;
        in.data = g.tensors[t].is_constant() ? g.tensors[t].f32() : slot(t);
      }
      step.inputs.push_back(in);
    }
    for (int32_t t : node.outputs) {
      OutputTensor out;
      if (t >= 0) {
        out.shape = g.tensors[t].shape;
        out.data = slot(t);
      }
      step.outputs.push_back(out);
    }
  }
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
  } else {
    const Plan* plan = current_plan_ ? current_plan_ : full_plan_.get();
    if (arena_ != nullptr && plan->offsets[tensor] >= 0) {
      view.data = reinterpret_cast<const float*>(arena_ + plan->offsets[tensor]);
    }
  }
  return view;
}

Status Session::RunPlan(Plan* plan, const std::vector<const float*>& entry_data) {
  const Graph& g = *graph_;
  if (arena_ == nullptr) {
    return InvalidArgument(
        "no arena bound: the session was created with caller_arena; call "
        "BindArena with ArenaBytesRequired() bytes first");
  }
  current_plan_ = plan;
  // Entry data may point into this arena (e.g. views RunUntil returned): copy
  // such tensors out first, so filling one entry slot cannot clobber another.
  const uint8_t* arena_end = arena_ + arena_capacity_;
  size_t staged_bytes = 0;
  for (size_t i = 0; i < plan->entry.size(); ++i) {
    const auto* src = reinterpret_cast<const uint8_t*>(entry_data[i]);
    if (src >= arena_ && src < arena_end) staged_bytes += g.tensors[plan->entry[i]].byte_size();
  }
  if (staging_.size() < staged_bytes) staging_.resize(staged_bytes);
  std::vector<const float*>& sources = entry_sources_;
  sources.assign(entry_data.begin(), entry_data.end());
  size_t staged = 0;
  for (size_t i = 0; i < plan->entry.size(); ++i) {
    const auto* src = reinterpret_cast<const uint8_t*>(entry_data[i]);
    if (src < arena_ || src >= arena_end) continue;
    const size_t bytes = g.tensors[plan->entry[i]].byte_size();
    std::memcpy(staging_.data() + staged, src, bytes);
    sources[i] = reinterpret_cast<const float*>(staging_.data() + staged);
    staged += bytes;
  }
  for (size_t i = 0; i < plan->entry.size(); ++i) {
    const int t = plan->entry[i];
    std::memcpy(arena_ + plan->offsets[t], sources[i], g.tensors[t].byte_size());
  }
  ThreadPool* pool = pool_.get();
  void* scratch = plan->summary.scratch_bytes > 0 ? arena_ + plan->summary.arena_bytes : nullptr;
  for (Step& step : plan->steps) {
    if (before_hook_) {
      for (int n : step.nodes) {
        if (before_hook_(n) == HookAction::kStop) {
          return Status(StatusCode::kStopped, "stopped before node '" + g.nodes[n].name + "'");
        }
      }
    }
    if (step.segment) {
      Status s = step.segment->Run();
      if (!s.ok()) {
        return Status(s.code(), std::string(backend_name()) + " segment at node '" +
                                    g.nodes[step.nodes[0]].name + "': " + s.message());
      }
    } else {
      KernelContext ctx;
      ctx.node = &g.nodes[step.nodes[0]];
      ctx.inputs = step.inputs.data();
      ctx.num_inputs = static_cast<int>(step.inputs.size());
      ctx.outputs = step.outputs.data();
      ctx.num_outputs = static_cast<int>(step.outputs.size());
      ctx.pool = pool;
      ctx.scratch = static_cast<float*>(scratch);
      ctx.scratch_bytes = plan->summary.scratch_bytes;
      Status s = step.kernel->run(ctx);
      if (!s.ok()) return Status(s.code(), "node '" + ctx.node->name + "': " + s.message());
    }
    if (after_hook_) {
      for (int n : step.nodes) {
        if (after_hook_(n) == HookAction::kStop) {
          return Status(StatusCode::kStopped, "stopped after node '" + g.nodes[n].name + "'");
        }
      }
    }
  }
  return Status::Ok();
}

namespace {

Status CheckInputs(const Graph& g, const std::vector<int>& tensors,
                   const std::vector<ConstTensorView>& views, const char* what) {
  if (views.size() != tensors.size()) {
    return InvalidArgument(std::string("expected ") + std::to_string(tensors.size()) + " " + what +
                           " tensors, got " + std::to_string(views.size()));
  }
  for (size_t i = 0; i < views.size(); ++i) {
    const TensorInfo& info = g.tensors[tensors[i]];
    if (views[i].shape != info.shape || views[i].data == nullptr) {
      return InvalidArgument(std::string(what) + " '" + info.name + "' needs shape " +
                             info.shape.ToString() + ", got " + views[i].shape.ToString());
    }
  }
  return Status::Ok();
}

Status CheckOutputs(const Graph& g, const std::vector<TensorView>& views) {
  if (views.size() != g.outputs.size()) {
    return InvalidArgument("model has " + std::to_string(g.outputs.size()) + " outputs, got " +
                           std::to_string(views.size()));
  }
  for (size_t i = 0; i < views.size(); ++i) {
    const TensorInfo& info = g.tensors[g.outputs[i]];
    if (views[i].shape != info.shape || views[i].data == nullptr) {
      return InvalidArgument("output '" + info.name + "' needs shape " + info.shape.ToString() +
                             ", got " + views[i].shape.ToString());
    }
  }
  return Status::Ok();
}

}  // namespace

Status Session::Run(const std::vector<ConstTensorView>& inputs,
                    const std::vector<TensorView>& outputs) {
  const Graph& g = *graph_;
  SEAM_RETURN_IF_ERROR(CheckInputs(g, full_plan_->entry, inputs, "input"));
  SEAM_RETURN_IF_ERROR(CheckOutputs(g, outputs));
  entry_scratch_.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) entry_scratch_[i] = inputs[i].data;
  SEAM_RETURN_IF_ERROR(RunPlan(full_plan_.get(), entry_scratch_));
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::memcpy(outputs[i].data, TensorData(g.outputs[i]).data,
                g.tensors[g.outputs[i]].byte_size());
  }
  return Status::Ok();
}

Status Session::CutPlans(const Cut& cut, Plan** edge, Plan** server) {
  auto it = cut_plans_.find(cut.edge_nodes);
  if (it == cut_plans_.end()) {
    const Graph& g = *graph_;
    SEAM_RETURN_IF_ERROR(ValidateCut(g, cut));
    std::vector<bool> on_edge(g.nodes.size(), false);
    for (int n : cut.edge_nodes) on_edge[n] = true;
    std::vector<int> edge_nodes, server_nodes;
    for (int n : full_plan_->nodes) (on_edge[n] ? edge_nodes : server_nodes).push_back(n);
    const std::vector<int> boundary = CutBoundary(g, cut);
    std::vector<int> inputs(g.inputs.begin(), g.inputs.end());
    std::vector<int> outputs(g.outputs.begin(), g.outputs.end());
    std::unique_ptr<Plan> edge_plan, server_plan;
    // A caller's arena too small for one plan (kOutOfMemory) still gets the
    // other plan made, so ArenaBytesRequired() then reports the whole cut's need.
    const Status edge_status = MakePlan(edge_nodes, inputs, boundary, &edge_plan);
    if (!edge_status.ok() && edge_status.code() != StatusCode::kOutOfMemory) return edge_status;
    const Status server_status = MakePlan(server_nodes, boundary, outputs, &server_plan);
    if (!server_status.ok() && server_status.code() != StatusCode::kOutOfMemory) {
      return server_status;
    }
    if (!edge_status.ok() || !server_status.ok()) {
      return Status(StatusCode::kOutOfMemory,
                    "the cut's plans need " + std::to_string(required_bytes_) +
                        " arena bytes, the caller's arena has " + std::to_string(arena_capacity_) +
                        " (bind a larger one; ArenaBytesRequired() reports the need)");
    }
    // Making the server plan may have grown (moved) the arena, which rebinds
    // only the plans already stored: bind the edge plan to the arena again.
    if (arena_ != nullptr) SEAM_RETURN_IF_ERROR(BindPlan(edge_plan.get()));
    EvictCutPlans();  // make room for this cut
    CutPlanPair pair;
    pair.edge = std::move(edge_plan);
    pair.server = std::move(server_plan);
    it = cut_plans_.emplace(cut.edge_nodes, std::move(pair)).first;
  }
  it->second.last_use = ++use_clock_;
  *edge = it->second.edge.get();
  *server = it->second.server.get();
  return Status::Ok();
}

void Session::EvictCutPlans() {
  const size_t limit = options_.max_cut_plans;
  if (limit == 0) return;
  while (!cut_plans_.empty() && cut_plans_.size() >= limit) {
    // A linear scan: the bound is small (tens), and eviction happens only
    // when a new cut is planned, which costs far more.
    auto oldest = cut_plans_.begin();
    for (auto it = cut_plans_.begin(); it != cut_plans_.end(); ++it) {
      if (it->second.last_use < oldest->second.last_use) oldest = it;
    }
    if (current_plan_ == oldest->second.edge.get() ||
        current_plan_ == oldest->second.server.get()) {
      current_plan_ = nullptr;
    }
    cut_plans_.erase(oldest);
  }
}

Status Session::PrepareCut(const Cut& cut) {
  Plan *edge, *server;
  return CutPlans(cut, &edge, &server);
}

Status Session::RunUntil(const Cut& cut, const std::vector<ConstTensorView>& inputs,
                         std::vector<BoundaryTensor>* boundary) {
  const Graph& g = *graph_;
  Plan *edge, *server;
  SEAM_RETURN_IF_ERROR(CutPlans(cut, &edge, &server));
  SEAM_RETURN_IF_ERROR(CheckInputs(g, edge->entry, inputs, "input"));
  entry_scratch_.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) entry_scratch_[i] = inputs[i].data;
  SEAM_RETURN_IF_ERROR(RunPlan(edge, entry_scratch_));
  boundary->resize(edge->exit.size());
  for (size_t i = 0; i < edge->exit.size(); ++i) {
    (*boundary)[i].tensor = edge->exit[i];
    (*boundary)[i].view = TensorData(edge->exit[i]);
  }
  return Status::Ok();
}

Status Session::ResumeFrom(const Cut& cut, const std::vector<ConstTensorView>& boundary,
                           const std::vector<TensorView>& outputs) {
  const Graph& g = *graph_;
  Plan *edge, *server;
  SEAM_RETURN_IF_ERROR(CutPlans(cut, &edge, &server));
  SEAM_RETURN_IF_ERROR(CheckInputs(g, server->entry, boundary, "boundary"));
  SEAM_RETURN_IF_ERROR(CheckOutputs(g, outputs));
  entry_scratch_.resize(boundary.size());
  for (size_t i = 0; i < boundary.size(); ++i) entry_scratch_[i] = boundary[i].data;
  SEAM_RETURN_IF_ERROR(RunPlan(server, entry_scratch_));
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::memcpy(outputs[i].data, TensorData(g.outputs[i]).data,
                g.tensors[g.outputs[i]].byte_size());
  }
  return Status::Ok();
}

}  // namespace seam
