// GraphBuilder: builds a Graph in code (model zoo, tests, the ONNX converter).
//
// Shapes are inferred node by node as the graph grows, so layer helpers can
// size their weights from their input. The first error is remembered and
// later calls do nothing; Finish() or status() reports it. Weights live in the
// builder: keep it alive as long as graph() is used, or Serialize() it.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "seam/graph.h"
#include "seam/status.h"

namespace seam {

class GraphBuilder {
 public:
  // `seed` makes every random weight deterministic.
  explicit GraphBuilder(uint64_t seed = 1);

  // --- tensors -------------------------------------------------------------
  int Input(const std::string& name, const Shape& shape);
  int Constant(const std::string& name, const Shape& shape, std::vector<float> values);
  // Uniform random values in [-limit, limit].
  int RandomUniform(const std::string& name, const Shape& shape, float limit);
  // Uniform random values in [lo, hi].
  int RandomRange(const std::string& name, const Shape& shape, float lo, float hi);
  void Output(int tensor);
  void Exit(const std::string& name, int tensor, float accuracy);
  void SetProducer(const std::string& producer) { graph_.producer = producer; }
  void SetDescription(const std::string& text) { graph_.description = text; }
  void AddMetadata(const std::string& key, const std::string& value);

  // --- generic node --------------------------------------------------------
  // Adds a node and infers its output shapes. Outputs are named `name` (one
  // output) or `name:0`, `name:1`, ... Returns the first output tensor, -1 on error.
  int AddNode(OpType op, const std::string& name, const std::vector<int>& inputs,
              NodeAttrs attrs = {}, int num_outputs = 1);
  // Output tensor `i` of the most recently added node.
  int LastOutput(int i) const;

  // --- layer helpers (weights He-uniform, biases small) ----------------------
  int Conv(const std::string& name, int x, int out_channels, int kernel, int stride = 1,
           int pad = 0, int group = 1, bool bias = true, ActivationKind act = ActivationKind::kNone,
           int dilation = 1);
  // Full control over the attributes (asymmetric kernels and pads).
  int Conv(const std::string& name, int x, int out_channels, const Conv2DAttrs& attrs,
           bool bias = true);
  int FullyConnected(const std::string& name, int x, int out_features, bool bias = true,
                     ActivationKind act = ActivationKind::kNone);
  // Scale near 1, bias near 0, running mean near 0, running variance near 1,
  // all randomised so that folding or fusing BatchNorm is really exercised.
  int BatchNorm(const std::string& name, int x, float epsilon = 1e-5f);
  int Relu(const std::string& name, int x);
  int Relu6(const std::string& name, int x);
  int LeakyRelu(const std::string& name, int x, float alpha);
  int MaxPool(const std::string& name, int x, int kernel, int stride, int pad = 0,
              bool ceil_mode = false);
  int AveragePool(const std::string& name, int x, int kernel, int stride, int pad = 0,
                  bool ceil_mode = false, bool count_include_pad = false);
  int GlobalAveragePool(const std::string& name, int x);
  int LRN(const std::string& name, int x, int size, float alpha, float beta, float bias);
  int Add(const std::string& name, int a, int b);
  int Concat(const std::string& name, const std::vector<int>& xs, int axis = 1);
  int Flatten(const std::string& name, int x, int axis = 1);
  int Reshape(const std::string& name, int x, const std::vector<int64_t>& shape);
  int Softmax(const std::string& name, int x, int axis = -1);
  // ONNX LSTM with random weights; returns Y [seq, dirs, batch, hidden].
  int LSTM(const std::string& name, int x, int hidden_size,
           LSTMDirection direction = LSTMDirection::kForward);

  // --- results -------------------------------------------------------------
  const Shape& shape(int tensor) const;
  const Graph& graph() const { return graph_; }
  const Status& status() const { return status_; }
  // Validates the whole graph; the builder must outlive any use of graph().
  Status Finish();
  // Finish() then serialise to .seam bytes.
  Status Serialize(std::vector<uint8_t>* out);

 private:
  int AddTensor(const std::string& name, const Shape& shape, std::vector<float> values);
  float NextUniform();  // in [0, 1)
  bool Failed() const { return !status_.ok(); }
  void Fail(Status status);

  Graph graph_;
  Status status_;
  uint64_t rng_state_;
  uint32_t next_node_id_ = 0;
  std::deque<std::vector<float>> weights_;  // deque: stable addresses as it grows
  Shape empty_shape_;
};

}  // namespace seam
