// Graph: seam's in-memory model, a DAG of nodes connected by tensors.
//
// A Graph does not own weight bytes: TensorInfo::data points into the model
// file (memory-mapped or caller-provided) or into a GraphBuilder's storage,
// whichever outlives the Graph. Tensor and node indices are positions in the
// vectors below; Node::id is the stable id stored in the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "seam/ops.h"
#include "seam/shape.h"
#include "seam/status.h"

namespace seam {

struct TensorInfo {
  std::string name;
  Shape shape;
  DataType dtype = DataType::kF32;
  const uint8_t* data = nullptr;  // weights; nullptr for activations and graph inputs
  size_t data_bytes = 0;

  bool is_constant() const { return data != nullptr; }
  const float* f32() const { return reinterpret_cast<const float*>(data); }
  size_t byte_size() const {
    return static_cast<size_t>(shape.NumElements()) * DataTypeSize(dtype);
  }
};

struct Node {
  uint32_t id = 0;
  std::string name;
  OpType op = OpType::kInvalid;
  NodeAttrs attrs;
  std::vector<int32_t> inputs;   // -1 = absent optional input
  std::vector<int32_t> outputs;  // -1 = absent optional output
};

struct ExitHead {
  std::string name;
  int32_t output = -1;  // tensor index
  float accuracy = 0.0f;
};

struct Graph {
  std::vector<TensorInfo> tensors;
  std::vector<Node> nodes;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  std::vector<ExitHead> exits;
  std::string producer;
  std::string description;
  std::vector<std::pair<std::string, std::string>> metadata;

  // Index of the node with this name or stable id, or -1.
  int FindNode(const std::string& name) const;
  int FindNodeById(uint32_t id) const;
  // Index of the tensor with this name, or -1.
  int FindTensor(const std::string& name) const;
};

// Checks the structure of a graph and its attributes, then infers every
// activation shape from the graph input shapes. Each failure names the node
// and the rule broken. Stored activation shapes that disagree with inference
// are an error; empty (rank 0) activation shapes are filled in.
Status ValidateAndInferShapes(Graph* graph);

// A schedule: node indices in an order where every node follows its producers.
// Fails (naming a node on the cycle) if the graph is not acyclic.
Status TopologicalOrder(const Graph& graph, std::vector<int>* order);

// For each tensor, the node index that produces it, or -1 (graph input/constant).
std::vector<int> TensorProducers(const Graph& graph);
// For each tensor, the node indices that consume it.
std::vector<std::vector<int>> TensorConsumers(const Graph& graph);

// Floating-point operations of one node (a multiply-add counts as 2).
int64_t NodeFlops(const Graph& graph, const Node& node);
// Learnable parameters of one node. BatchNorm counts scale and bias only
// (running mean and variance are statistics), as PyTorch and Keras count them.
int64_t NodeParams(const Graph& graph, const Node& node);
int64_t GraphFlops(const Graph& graph);
int64_t GraphParams(const Graph& graph);

// True when every node has at most one consumer of its output and the
// schedule is a simple chain (a "sequential" model in the papers' terms).
bool IsChain(const Graph& graph);

}  // namespace seam
