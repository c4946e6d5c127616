// Graph queries: lookups, topological order, producers/consumers, FLOPs and
// parameter counts, chain detection.
#include "seam/graph.h"

#include <algorithm>
#include <limits>
#include <queue>

namespace seam {

int Graph::FindNode(const std::string& name) const {
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int Graph::FindNodeById(uint32_t id) const {
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

int Graph::FindTensor(const std::string& name) const {
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::vector<int> TensorProducers(const Graph& graph) {
  std::vector<int> producer(graph.tensors.size(), -1);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    for (int32_t t : graph.nodes[n].outputs) {
      if (t >= 0 && static_cast<size_t>(t) < producer.size()) producer[t] = static_cast<int>(n);
    }
  }
  return producer;
}

std::vector<std::vector<int>> TensorConsumers(const Graph& graph) {
  std::vector<std::vector<int>> consumers(graph.tensors.size());
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    for (int32_t t : graph.nodes[n].inputs) {
      if (t < 0 || static_cast<size_t>(t) >= consumers.size()) continue;
      auto& list = consumers[t];
      if (list.empty() || list.back() != static_cast<int>(n)) list.push_back(static_cast<int>(n));
    }
  }
  return consumers;
}

Status TopologicalOrder(const Graph& graph, std::vector<int>* order) {
  // Kahn's algorithm; ties broken by node index so the schedule is
  // deterministic and follows file order when the file is already sorted.
  const std::vector<int> producer = TensorProducers(graph);
  const size_t n = graph.nodes.size();
  std::vector<int> missing(n, 0);
  std::vector<std::vector<int>> successors(n);
  for (size_t i = 0; i < n; ++i) {
    std::vector<int> preds;
    for (int32_t t : graph.nodes[i].inputs) {
      if (t < 0 || static_cast<size_t>(t) >= producer.size()) continue;
      int p = producer[t];
      if (p >= 0) preds.push_back(p);
    }
    std::sort(preds.begin(), preds.end());
    preds.erase(std::unique(preds.begin(), preds.end()), preds.end());
    missing[i] = static_cast<int>(preds.size());
    for (int p : preds) successors[p].push_back(static_cast<int>(i));
  }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (size_t i = 0; i < n; ++i) {
    if (missing[i] == 0) ready.push(static_cast<int>(i));
  }
  order->clear();
  order->reserve(n);
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order->push_back(i);
    for (int s : successors[i]) {
      if (--missing[s] == 0) ready.push(s);
    }
  }
  if (order->size() != n) {
    for (size_t i = 0; i < n; ++i) {
      if (missing[i] > 0) {
        return InvalidModel("graph has a cycle through node '" + graph.nodes[i].name + "' (#" +
                            std::to_string(i) + ")");
      }
    }
  }
  return Status::Ok();
}

namespace {

int64_t Elements(const Graph& g, int32_t t) {
  if (t < 0 || static_cast<size_t>(t) >= g.tensors.size()) return 0;
  int64_t n = g.tensors[t].shape.NumElements();
  return n < 0 ? 0 : n;
}

const Shape* ShapeOf(const Graph& g, int32_t t) {
  if (t < 0 || static_cast<size_t>(t) >= g.tensors.size()) return nullptr;
  return &g.tensors[t].shape;
}

int32_t InputAt(const Node& node, size_t i) { return i < node.inputs.size() ? node.inputs[i] : -1; }

// Counts of valid but adversarial models (a pool window of 2^31 x 2^31, an
// LRN size of 2^31 - 1) exceed int64: saturate instead of overflowing.
int64_t Mul(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_mul_overflow(a, b, &r) ? std::numeric_limits<int64_t>::max() : r;
}
int64_t Mul(int64_t a, int64_t b, int64_t c) { return Mul(Mul(a, b), c); }
int64_t Add(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? std::numeric_limits<int64_t>::max() : r;
}
int32_t OutputAt(const Node& node, size_t i) {
  return i < node.outputs.size() ? node.outputs[i] : -1;
}

}  // namespace

int64_t NodeFlops(const Graph& graph, const Node& node) {
  const int64_t out = Elements(graph, OutputAt(node, 0));
  switch (node.op) {
    case OpType::kConv2D: {
      const Shape* w = ShapeOf(graph, InputAt(node, 1));
      if (w == nullptr || w->rank != 4) return 0;
      const int64_t macs_per_output = Mul(w->dims[1], w->dims[2], w->dims[3]);
      return Add(Mul(2, out, macs_per_output), InputAt(node, 2) >= 0 ? out : 0);
    }
    case OpType::kFullyConnected: {
      const Shape* w = ShapeOf(graph, InputAt(node, 1));
      if (w == nullptr || w->rank != 2) return 0;
      return Add(Mul(2, out, w->dims[1]), InputAt(node, 2) >= 0 ? out : 0);
    }
    case OpType::kMatMul: {
      const Shape* a = ShapeOf(graph, InputAt(node, 0));
      if (a == nullptr || a->rank < 2) return 0;
      return Mul(2, out, a->dims[a->rank - 1]);
    }
    case OpType::kMaxPool:
    case OpType::kAveragePool: {
      const auto* attrs = std::get_if<PoolAttrs>(&node.attrs);
      if (attrs == nullptr) return 0;
      return Mul(out, attrs->kernel_h, attrs->kernel_w);
    }
    case OpType::kGlobalAveragePool:
      return Elements(graph, InputAt(node, 0));
    case OpType::kBatchNorm:
      return Mul(2, out);
    case OpType::kLRN: {
      const auto* attrs = std::get_if<LRNAttrs>(&node.attrs);
      return attrs ? Mul(out, int64_t{attrs->size} + 3) : 0;
    }
    case OpType::kSoftmax:
      return Mul(3, out);
    case OpType::kAdd:
    case OpType::kMul:
    case OpType::kRelu:
    case OpType::kClip:
    case OpType::kLeakyRelu:
    case OpType::kSigmoid:
    case OpType::kTanh:
    case OpType::kHardSwish:
      return out;
    case OpType::kLSTM: {
      const Shape* x = ShapeOf(graph, InputAt(node, 0));
      const Shape* w = ShapeOf(graph, InputAt(node, 1));
      const Shape* r = ShapeOf(graph, InputAt(node, 2));
      if (x == nullptr || w == nullptr || r == nullptr || x->rank != 3 || w->rank != 3 ||
          r->rank != 3) {
        return 0;
      }
      // Per step and direction: gates = W x + R h (2 MACs each), plus ~10
      // elementwise ops per hidden unit for the cell update.
      const int64_t steps = Mul(x->dims[0], x->dims[1], w->dims[0]);
      const int64_t hidden = r->dims[2];
      return Mul(steps, Add(Mul(2, w->dims[1], Add(w->dims[2], r->dims[2])), Mul(10, hidden)));
    }
    default:
      return 0;
  }
}

int64_t NodeParams(const Graph& graph, const Node& node) {
  if (node.op == OpType::kBatchNorm) {
    return Elements(graph, InputAt(node, 1)) + Elements(graph, InputAt(node, 2));
  }
  int64_t params = 0;
  for (int32_t t : node.inputs) {
    if (t >= 0 && static_cast<size_t>(t) < graph.tensors.size() && graph.tensors[t].is_constant()) {
      params = Add(params, Elements(graph, t));
    }
  }
  return params;
}

int64_t GraphFlops(const Graph& graph) {
  int64_t total = 0;
  for (const Node& node : graph.nodes) total = Add(total, NodeFlops(graph, node));
  return total;
}

int64_t GraphParams(const Graph& graph) {
  int64_t total = 0;
  for (const Node& node : graph.nodes) total = Add(total, NodeParams(graph, node));
  return total;
}

bool IsChain(const Graph& graph) {
  // A chain: every activation tensor has at most one consuming node, and
  // every node reads at most one activation (the rest are weights).
  const std::vector<std::vector<int>> consumers = TensorConsumers(graph);
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    if (!graph.tensors[t].is_constant() && consumers[t].size() > 1) return false;
  }
  for (const Node& node : graph.nodes) {
    int activations = 0;
    for (int32_t t : node.inputs) {
      if (t >= 0 && static_cast<size_t>(t) < graph.tensors.size() &&
          !graph.tensors[t].is_constant()) {
        ++activations;
      }
    }
    if (activations > 1) return false;
  }
  return true;
}

}  // namespace seam
