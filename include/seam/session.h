// Session: runs a loaded Model, whole or split at a cut.
//
// Work that allocates happens when a plan is made: the full-graph plan at
// Create(), the edge and server plans of a cut the first time that cut is
// used. A plan fixes the node order, one arena layout by tensor lifetime,
// the backend segments and every kernel argument; running a plan does not
// allocate. A Session is not thread-safe: use one per concurrent stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "seam/backend.h"
#include "seam/cut.h"
#include "seam/graph.h"
#include "seam/model.h"
#include "seam/status.h"

namespace seam {

class ThreadPool;

struct SessionOptions {
  int num_threads = 1;  // reference kernels' threads; 0 = one per hardware thread
  // Claims the nodes it supports; nullptr runs everything on the reference
  // kernels. Must have been created for the same graph.
  std::shared_ptr<Backend> backend;
  // Compile every backend node as its own segment, so hooks and profiles see
  // each node exactly (costs cross-node fusion).
  bool node_granularity = false;
  // The caller supplies the activation arena (BindArena) and the session
  // never allocates one: plans are made without memory, ArenaBytesRequired()
  // says what they need, and a plan that needs more than the bound arena
  // fails (kOutOfMemory) instead of growing it. For firmware with a static
  // memory budget.
  bool caller_arena = false;
  // Most cuts whose edge and server plans are kept (least recently used
  // dropped first; a dropped cut is planned again when it comes back).
  // 0 keeps every cut. A server facing remote edges sets a bound: each
  // distinct cut a client names costs its plans' memory (and backend
  // primitives) otherwise.
  size_t max_cut_plans = 0;
};

// Alignment of the activation arena (and of a caller-supplied one).
constexpr size_t kArenaAlignment = 64;

// A borrowed view of a dense NCHW fp32 tensor.
struct TensorView {
  float* data = nullptr;
  Shape shape;
};
struct ConstTensorView {
  const float* data = nullptr;
  Shape shape;
};

// One boundary tensor of a cut, as RunUntil returns it (a view into the arena,
// valid until the next call on the session).
struct BoundaryTensor {
  int tensor = -1;
  ConstTensorView view;
};

// What a hook tells the executor to do next.
enum class HookAction { kContinue, kStop };

// Called before and after each node. `node_index` indexes graph().nodes.
// Returning kStop ends the run with StatusCode::kStopped. Nodes a backend
// fused into one segment get their hooks together around the segment.
using NodeHook = std::function<HookAction(int node_index)>;

struct MemoryPlanSummary {
  size_t arena_bytes = 0;    // planned peak for all activations
  size_t naive_bytes = 0;    // sum of all activation sizes (no reuse)
  size_t scratch_bytes = 0;  // largest kernel or segment scratch
};

class Session {
 public:
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // `model` must outlive the session.
  static Status Create(const Model& model, const SessionOptions& options,
                       std::unique_ptr<Session>* out);
  // Same, straight from a validated graph (weights must outlive the session).
  static Status Create(const Graph& graph, const SessionOptions& options,
                       std::unique_ptr<Session>* out);

  const Graph& graph() const { return *graph_; }
  // The full-graph node order.
  const std::vector<int>& schedule() const;
  const MemoryPlanSummary& memory_plan() const;
  int num_threads() const;
  const char* backend_name() const;
  // Which nodes the backend runs (true) vs the reference kernels (false).
  const std::vector<bool>& backend_nodes() const { return on_backend_; }

  // Runs the whole graph. inputs[i] feeds graph().inputs[i]; outputs[i]
  // receives graph().outputs[i]. Shapes must match the model exactly.
  Status Run(const std::vector<ConstTensorView>& inputs, const std::vector<TensorView>& outputs);

  // Makes the edge and server plans of `cut` now (RunUntil and ResumeFrom
  // would otherwise make them on first use), so the first frame is not slow.
  Status PrepareCut(const Cut& cut);

  // Runs the edge side of `cut` and returns its boundary tensors (in
  // CutBoundary order) as views into the arena: no copy.
  Status RunUntil(const Cut& cut, const std::vector<ConstTensorView>& inputs,
                  std::vector<BoundaryTensor>* boundary);
  // Runs the server side of `cut` from its boundary tensors (boundary[i]
  // holds CutBoundary(cut)[i]) and writes the graph outputs.
  Status ResumeFrom(const Cut& cut, const std::vector<ConstTensorView>& boundary,
                    const std::vector<TensorView>& outputs);

  // Arena bytes (activations + scratch) the plans made so far need: the full
  // plan and every cut used or prepared. With caller_arena, PrepareCut every
  // cut you will run before asking, then BindArena at least this much.
  size_t ArenaBytesRequired() const { return required_bytes_; }
  // How many cuts' plans the session keeps right now (<= max_cut_plans when set).
  size_t CachedCutPlans() const { return cut_plans_.size(); }
  // Whether the plans of `cut` are kept right now.
  bool HasCutPlans(const Cut& cut) const { return cut_plans_.count(cut.edge_nodes) != 0; }
  // caller_arena only: makes `memory` (kArenaAlignment-aligned, `bytes` long,
  // outliving the session) the arena and binds every plan to it. May be called
  // again with a larger block, e.g. after a PrepareCut failed for lack of room.
  // A misaligned or too small block is refused and nothing changes.
  Status BindArena(void* memory, size_t bytes);

  // Hooks are called in execution order around every node.
  void SetBeforeNodeHook(NodeHook hook) { before_hook_ = std::move(hook); }
  void SetAfterNodeHook(NodeHook hook) { after_hook_ = std::move(hook); }

  // Read access to a tensor of the last plan run (or, from a hook, of the
  // running plan): constants always; activations while their arena space has
  // not been reused. Tensors kept inside a backend segment read as null.
  ConstTensorView TensorData(int tensor) const;

 private:
  struct Plan;
  Session();
  Status Init(const Graph& graph, const SessionOptions& options);
  // Builds a plan running `nodes` (in order) from `entry` tensors to `exit` tensors.
  Status MakePlan(const std::vector<int>& nodes, const std::vector<int>& entry,
                  const std::vector<int>& exit, std::unique_ptr<Plan>* out);
  Status EnsureArena(size_t bytes);
  Status BindPlan(Plan* plan);
  Status BindAllPlans();
  Status CutPlans(const Cut& cut, Plan** edge, Plan** server);
  Status RunPlan(Plan* plan, const std::vector<const float*>& entry_data);

  const Graph* graph_ = nullptr;
  SessionOptions options_;
  std::vector<bool> on_backend_;
  std::unique_ptr<Plan> full_plan_;
  struct CutPlanPair {
    std::unique_ptr<Plan> edge;
    std::unique_ptr<Plan> server;
    uint64_t last_use = 0;  // use_clock_ when last asked for
  };
  // Drops least recently used cuts until one more fits under max_cut_plans.
  void EvictCutPlans();
  std::map<std::vector<int>, CutPlanPair> cut_plans_;
  uint64_t use_clock_ = 0;
  Plan* current_plan_ = nullptr;
  std::vector<uint8_t> arena_storage_;
  uint8_t* arena_ = nullptr;
  size_t arena_capacity_ = 0;
  size_t required_bytes_ = 0;  // largest need of any plan made
  std::unique_ptr<ThreadPool> pool_;
  NodeHook before_hook_;
  NodeHook after_hook_;
  std::vector<const float*> entry_scratch_;  // reused by RunUntil/ResumeFrom
  std::vector<const float*> entry_sources_;
  std::vector<uint8_t> staging_;  // entry tensors that alias the arena
};

}  // namespace seam
