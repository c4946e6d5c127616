// GraphBuilder: grows a Graph node by node, inferring shapes as it goes, with
// layer helpers that create deterministic, well-scaled random weights.
#include "seam/graph_builder.h"

#include <cmath>
#include <utility>

#include "core/shape_inference.h"
#include "seam/model.h"

namespace seam {

GraphBuilder::GraphBuilder(uint64_t seed) : rng_state_(seed * 0x9E3779B97F4A7C15ULL + 1) {
  graph_.producer = "seam GraphBuilder";
}

void GraphBuilder::Fail(Status status) {
  if (status_.ok()) status_ = std::move(status);
}

float GraphBuilder::NextUniform() {
  // splitmix64: fast, deterministic across platforms, good enough for weights.
  uint64_t z = (rng_state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) * (1.0f / 16777216.0f);
}

int GraphBuilder::AddTensor(const std::string& name, const Shape& shape,
                            std::vector<float> values) {
  TensorInfo info;
  info.name = name;
  info.shape = shape;
  if (!values.empty()) {
    weights_.push_back(std::move(values));
    const std::vector<float>& stored = weights_.back();
    info.data = reinterpret_cast<const uint8_t*>(stored.data());
    info.data_bytes = stored.size() * sizeof(float);
  }
  graph_.tensors.push_back(std::move(info));
  return static_cast<int>(graph_.tensors.size()) - 1;
}

int GraphBuilder::Input(const std::string& name, const Shape& shape) {
  if (Failed()) return -1;
  const int t = AddTensor(name, shape, {});
  graph_.inputs.push_back(t);
  return t;
}

int GraphBuilder::Constant(const std::string& name, const Shape& shape, std::vector<float> values) {
  if (Failed()) return -1;
  if (static_cast<int64_t>(values.size()) != shape.NumElements() || values.empty()) {
    Fail(InvalidArgument("constant '" + name + "' has " + std::to_string(values.size()) +
                         " values for shape " + shape.ToString()));
    return -1;
  }
  return AddTensor(name, shape, std::move(values));
}

int GraphBuilder::RandomRange(const std::string& name, const Shape& shape, float lo, float hi) {
  if (Failed()) return -1;
  const int64_t n = shape.NumElements();
  if (n <= 0) {
    Fail(InvalidArgument("random tensor '" + name + "' has empty shape " + shape.ToString()));
    return -1;
  }
  std::vector<float> values(static_cast<size_t>(n));
  for (float& v : values) v = lo + (hi - lo) * NextUniform();
  return AddTensor(name, shape, std::move(values));
}

int GraphBuilder::RandomUniform(const std::string& name, const Shape& shape, float limit) {
  return RandomRange(name, shape, -limit, limit);
}

void GraphBuilder::Output(int tensor) {
  if (Failed()) return;
  if (tensor < 0 || static_cast<size_t>(tensor) >= graph_.tensors.size()) {
    Fail(InvalidArgument("output tensor " + std::to_string(tensor) + " does not exist"));
    return;
  }
  graph_.outputs.push_back(tensor);
}

void GraphBuilder::Exit(const std::string& name, int tensor, float accuracy) {
  if (Failed()) return;
  graph_.exits.push_back(ExitHead{name, tensor, accuracy});
}

void GraphBuilder::AddMetadata(const std::string& key, const std::string& value) {
  graph_.metadata.emplace_back(key, value);
}

int GraphBuilder::AddNode(OpType op, const std::string& name, const std::vector<int>& inputs,
                          NodeAttrs attrs, int num_outputs) {
  if (Failed()) return -1;
  for (int t : inputs) {
    if (t < -1 || t >= static_cast<int>(graph_.tensors.size())) {
      Fail(InvalidArgument("node '" + name + "' input tensor " + std::to_string(t) +
                           " does not exist"));
      return -1;
    }
  }
  Node node;
  node.id = next_node_id_++;
  node.name = name;
  node.op = op;
  node.attrs = std::move(attrs);
  node.inputs.assign(inputs.begin(), inputs.end());
  for (int i = 0; i < num_outputs; ++i) {
    const std::string tensor_name = num_outputs == 1 ? name : name + ":" + std::to_string(i);
    node.outputs.push_back(AddTensor(tensor_name, Shape(), {}));
  }
  graph_.nodes.push_back(std::move(node));
  const int index = static_cast<int>(graph_.nodes.size()) - 1;
  std::vector<Shape> shapes;
  Status s = InferNodeShapes(graph_, index, &shapes);
  if (!s.ok()) {
    Fail(std::move(s));
    return -1;
  }
  for (int i = 0; i < num_outputs; ++i)
    graph_.tensors[graph_.nodes[index].outputs[i]].shape = shapes[i];
  return graph_.nodes[index].outputs[0];
}

int GraphBuilder::LastOutput(int i) const {
  if (graph_.nodes.empty() || i < 0 ||
      static_cast<size_t>(i) >= graph_.nodes.back().outputs.size()) {
    return -1;
  }
  return graph_.nodes.back().outputs[i];
}

const Shape& GraphBuilder::shape(int tensor) const {
  if (tensor < 0 || static_cast<size_t>(tensor) >= graph_.tensors.size()) return empty_shape_;
  return graph_.tensors[tensor].shape;
}

int GraphBuilder::Conv(const std::string& name, int x, int out_channels, int kernel, int stride,
                       int pad, int group, bool bias, ActivationKind act, int dilation) {
  Conv2DAttrs a;
  a.kernel_h = a.kernel_w = kernel;
  a.stride_h = a.stride_w = stride;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = pad;
  a.dilation_h = a.dilation_w = dilation;
  a.group = group;
  a.activation.kind = act;
  if (act == ActivationKind::kClip) a.activation.beta = 6.0f;  // ReLU6
  return Conv(name, x, out_channels, a, bias);
}

int GraphBuilder::Conv(const std::string& name, int x, int out_channels, const Conv2DAttrs& attrs,
                       bool bias) {
  if (Failed()) return -1;
  const Shape& in = shape(x);
  if (in.rank != 4 || attrs.group <= 0) {
    Fail(InvalidArgument("conv '" + name + "' needs an NCHW input, got " + in.ToString()));
    return -1;
  }
  const int64_t cin = in.dims[1] / attrs.group;
  const int64_t fan_in = cin * attrs.kernel_h * attrs.kernel_w;
  // He-uniform keeps activations from growing or vanishing through ReLUs.
  const float limit = std::sqrt(6.0f / static_cast<float>(fan_in > 0 ? fan_in : 1));
  const int w = RandomUniform(name + ".weight",
                              Shape{out_channels, cin, attrs.kernel_h, attrs.kernel_w}, limit);
  const int b = bias ? RandomUniform(name + ".bias", Shape{out_channels}, 0.05f) : -1;
  std::vector<int> inputs = {x, w};
  if (bias) inputs.push_back(b);
  return AddNode(OpType::kConv2D, name, inputs, attrs);
}

int GraphBuilder::FullyConnected(const std::string& name, int x, int out_features, bool bias,
                                 ActivationKind act) {
  if (Failed()) return -1;
  const Shape& in = shape(x);
  if (in.rank != 2) {
    Fail(InvalidArgument("fully connected '" + name + "' needs a [N,I] input, got " +
                         in.ToString()));
    return -1;
  }
  const float limit = std::sqrt(6.0f / static_cast<float>(in.dims[1]));
  const int w = RandomUniform(name + ".weight", Shape{out_features, in.dims[1]}, limit);
  std::vector<int> inputs = {x, w};
  if (bias) inputs.push_back(RandomUniform(name + ".bias", Shape{out_features}, 0.05f));
  FullyConnectedAttrs a;
  a.activation.kind = act;
  if (act == ActivationKind::kClip) a.activation.beta = 6.0f;
  return AddNode(OpType::kFullyConnected, name, inputs, a);
}

int GraphBuilder::BatchNorm(const std::string& name, int x, float epsilon) {
  if (Failed()) return -1;
  const Shape& in = shape(x);
  if (in.rank < 2) {
    Fail(InvalidArgument("batch norm '" + name + "' needs rank >= 2, got " + in.ToString()));
    return -1;
  }
  const Shape c{in.dims[1]};
  const int scale = RandomRange(name + ".weight", c, 0.8f, 1.2f);
  const int bias = RandomUniform(name + ".bias", c, 0.1f);
  const int mean = RandomUniform(name + ".running_mean", c, 0.1f);
  const int var = RandomRange(name + ".running_var", c, 0.8f, 1.2f);
  BatchNormAttrs a;
  a.epsilon = epsilon;
  return AddNode(OpType::kBatchNorm, name, {x, scale, bias, mean, var}, a);
}

int GraphBuilder::Relu(const std::string& name, int x) { return AddNode(OpType::kRelu, name, {x}); }

int GraphBuilder::Relu6(const std::string& name, int x) {
  return AddNode(OpType::kClip, name, {x}, ClipAttrs{0.0f, 6.0f});
}

int GraphBuilder::LeakyRelu(const std::string& name, int x, float alpha) {
  return AddNode(OpType::kLeakyRelu, name, {x}, LeakyReluAttrs{alpha});
}

namespace {
PoolAttrs MakePool(int kernel, int stride, int pad, bool ceil_mode, bool count_include_pad) {
  PoolAttrs a;
  a.kernel_h = a.kernel_w = kernel;
  a.stride_h = a.stride_w = stride;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = pad;
  a.ceil_mode = ceil_mode;
  a.count_include_pad = count_include_pad;
  return a;
}
}  // namespace

int GraphBuilder::MaxPool(const std::string& name, int x, int kernel, int stride, int pad,
                          bool ceil_mode) {
  return AddNode(OpType::kMaxPool, name, {x}, MakePool(kernel, stride, pad, ceil_mode, false));
}

int GraphBuilder::AveragePool(const std::string& name, int x, int kernel, int stride, int pad,
                              bool ceil_mode, bool count_include_pad) {
  return AddNode(OpType::kAveragePool, name, {x},
                 MakePool(kernel, stride, pad, ceil_mode, count_include_pad));
}

int GraphBuilder::GlobalAveragePool(const std::string& name, int x) {
  return AddNode(OpType::kGlobalAveragePool, name, {x});
}

int GraphBuilder::LRN(const std::string& name, int x, int size, float alpha, float beta,
                      float bias) {
  return AddNode(OpType::kLRN, name, {x}, LRNAttrs{size, alpha, beta, bias});
}

int GraphBuilder::Add(const std::string& name, int a, int b) {
  return AddNode(OpType::kAdd, name, {a, b});
}

int GraphBuilder::Concat(const std::string& name, const std::vector<int>& xs, int axis) {
  return AddNode(OpType::kConcat, name, xs, AxisAttrs{axis});
}

int GraphBuilder::Flatten(const std::string& name, int x, int axis) {
  return AddNode(OpType::kFlatten, name, {x}, AxisAttrs{axis});
}

int GraphBuilder::Reshape(const std::string& name, int x, const std::vector<int64_t>& shape) {
  return AddNode(OpType::kReshape, name, {x}, ReshapeAttrs{shape});
}

int GraphBuilder::Softmax(const std::string& name, int x, int axis) {
  return AddNode(OpType::kSoftmax, name, {x}, AxisAttrs{axis});
}

int GraphBuilder::LSTM(const std::string& name, int x, int hidden_size, LSTMDirection direction) {
  if (Failed()) return -1;
  const Shape& in = shape(x);
  if (in.rank != 3) {
    Fail(InvalidArgument("LSTM '" + name + "' needs a [seq,batch,input] input, got " +
                         in.ToString()));
    return -1;
  }
  const int64_t dirs = direction == LSTMDirection::kBidirectional ? 2 : 1;
  const int64_t h = hidden_size;
  // PyTorch's LSTM initialisation: uniform in +-1/sqrt(hidden).
  const float limit = 1.0f / std::sqrt(static_cast<float>(h));
  const int w = RandomUniform(name + ".W", Shape{dirs, 4 * h, in.dims[2]}, limit);
  const int r = RandomUniform(name + ".R", Shape{dirs, 4 * h, h}, limit);
  const int b = RandomUniform(name + ".B", Shape{dirs, 8 * h}, limit);
  LSTMAttrs a;
  a.hidden_size = hidden_size;
  a.direction = direction;
  return AddNode(OpType::kLSTM, name, {x, w, r, b}, a);
}

Status GraphBuilder::Finish() {
  if (!status_.ok()) return status_;
  return ValidateAndInferShapes(&graph_);
}

Status GraphBuilder::Serialize(std::vector<uint8_t>* out) {
  SEAM_RETURN_IF_ERROR(Finish());
  return SerializeModel(graph_, out);
}

}  // namespace seam
