// Session: runs a loaded Model.
//
// Create() schedules the DAG, plans one arena for all activations by tensor
// lifetime and sizes kernel scratch; after that Run() does not allocate.
// A Session is not thread-safe: use one per concurrent stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "seam/graph.h"
#include "seam/model.h"
#include "seam/status.h"

namespace seam {

class ThreadPool;

struct SessionOptions {
  int num_threads = 1;  // 0 = one per hardware thread
};

// A borrowed view of a dense fp32 tensor.
struct TensorView {
  float* data = nullptr;
  Shape shape;
};
struct ConstTensorView {
  const float* data = nullptr;
  Shape shape;
};

// What a hook tells the executor to do next.
enum class HookAction { kContinue, kStop };

// Called before and after each node. `node_index` indexes graph().nodes.
// Returning kStop ends the run with StatusCode::kStopped.
using NodeHook = std::function<HookAction(int node_index)>;

struct MemoryPlanSummary {
  size_t arena_bytes = 0;         // planned peak for all activations
  size_t naive_bytes = 0;         // sum of all activation sizes (no reuse)
  size_t scratch_bytes = 0;       // largest kernel scratch
};

class Session {
 public:
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // `model` must outlive the session.
  static Status Create(const Model& model, const SessionOptions& options,
                       std::unique_ptr<Session>* out);
  // Same, straight from a graph (weights must outlive the session).
  static Status Create(const Graph& graph, const SessionOptions& options,
                       std::unique_ptr<Session>* out);

  const Graph& graph() const { return *graph_; }
  const std::vector<int>& schedule() const { return schedule_; }
  const MemoryPlanSummary& memory_plan() const { return plan_summary_; }
  int num_threads() const;

  // Runs the whole graph. inputs[i] feeds graph().inputs[i]; outputs[i]
  // receives graph().outputs[i]. Shapes must match the model exactly.
  Status Run(const std::vector<ConstTensorView>& inputs, const std::vector<TensorView>& outputs);

  // Hooks are called in schedule order around every node.
  void SetBeforeNodeHook(NodeHook hook) { before_hook_ = std::move(hook); }
  void SetAfterNodeHook(NodeHook hook) { after_hook_ = std::move(hook); }

  // Read access to any tensor after (or during, from a hook) a run:
  // activations live in the arena until their space is reused.
  ConstTensorView TensorData(int tensor) const;

 private:
  Session() = default;
  Status Prepare(const Graph& graph, const SessionOptions& options);
  Status RunNode(int node_index);

  const Graph* graph_ = nullptr;
  std::vector<int> schedule_;
  std::vector<int64_t> tensor_offsets_;  // arena offset per tensor, -1 when not in arena
  std::vector<uint8_t> arena_storage_;
  uint8_t* arena_ = nullptr;
  float* scratch_ = nullptr;
  size_t scratch_bytes_ = 0;
  MemoryPlanSummary plan_summary_;
  std::unique_ptr<ThreadPool> pool_;
  NodeHook before_hook_;
  NodeHook after_hook_;
  // Per-node kernel argument storage, built once so Run() does not allocate.
  struct NodeBinding;
  std::vector<NodeBinding> bindings_;
};

}  // namespace seam
