// SerializeModel: Graph -> .seam FlatBuffer bytes, weights 64-byte aligned,
// content hash patched in last.
#include <cstring>

#include "core/content_hash.h"
#include "seam/model.h"
#include "seam_generated.h"

namespace seam {
namespace {

namespace fb = ::seam::fb;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

Offset<fb::FusedActivation> WriteActivation(FlatBufferBuilder& b, const FusedActivation& a) {
  return fb::CreateFusedActivation(b, static_cast<fb::ActivationKind>(a.kind), a.alpha, a.beta);
}

template <typename T>
Offset<flatbuffers::Vector<T>> Vec(FlatBufferBuilder& b, std::initializer_list<T> values) {
  return b.CreateVector(std::vector<T>(values));
}

// Returns the union type and offset of a node's attributes.
std::pair<fb::Attributes, Offset<void>> WriteAttributes(FlatBufferBuilder& b,
                                                        const NodeAttrs& attrs) {
  if (const auto* a = std::get_if<Conv2DAttrs>(&attrs)) {
    auto kernel = Vec<int32_t>(b, {a->kernel_h, a->kernel_w});
    auto strides = Vec<int32_t>(b, {a->stride_h, a->stride_w});
    auto pads = Vec<int32_t>(b, {a->pad_top, a->pad_left, a->pad_bottom, a->pad_right});
    auto dilations = Vec<int32_t>(b, {a->dilation_h, a->dilation_w});
    auto act = WriteActivation(b, a->activation);
    return {fb::Attributes::Conv2DAttrs,
            fb::CreateConv2DAttrs(b, kernel, strides, pads, dilations, a->group, act).Union()};
  }
  if (const auto* a = std::get_if<PoolAttrs>(&attrs)) {
    auto kernel = Vec<int32_t>(b, {a->kernel_h, a->kernel_w});
    auto strides = Vec<int32_t>(b, {a->stride_h, a->stride_w});
    auto pads = Vec<int32_t>(b, {a->pad_top, a->pad_left, a->pad_bottom, a->pad_right});
    return {
        fb::Attributes::PoolAttrs,
        fb::CreatePoolAttrs(b, kernel, strides, pads, a->ceil_mode, a->count_include_pad).Union()};
  }
  if (const auto* a = std::get_if<FullyConnectedAttrs>(&attrs)) {
    auto act = WriteActivation(b, a->activation);
    return {fb::Attributes::FullyConnectedAttrs, fb::CreateFullyConnectedAttrs(b, act).Union()};
  }
  if (const auto* a = std::get_if<BatchNormAttrs>(&attrs)) {
    return {fb::Attributes::BatchNormAttrs, fb::CreateBatchNormAttrs(b, a->epsilon).Union()};
  }
  if (const auto* a = std::get_if<LRNAttrs>(&attrs)) {
    return {fb::Attributes::LRNAttrs,
            fb::CreateLRNAttrs(b, a->size, a->alpha, a->beta, a->bias).Union()};
  }
  if (const auto* a = std::get_if<ClipAttrs>(&attrs)) {
    return {fb::Attributes::ClipAttrs, fb::CreateClipAttrs(b, a->min, a->max).Union()};
  }
  if (const auto* a = std::get_if<LeakyReluAttrs>(&attrs)) {
    return {fb::Attributes::LeakyReluAttrs, fb::CreateLeakyReluAttrs(b, a->alpha).Union()};
  }
  if (const auto* a = std::get_if<AxisAttrs>(&attrs)) {
    return {fb::Attributes::AxisAttrs, fb::CreateAxisAttrs(b, a->axis).Union()};
  }
  if (const auto* a = std::get_if<ReshapeAttrs>(&attrs)) {
    return {fb::Attributes::ReshapeAttrs,
            fb::CreateReshapeAttrs(b, b.CreateVector(a->shape)).Union()};
  }
  if (const auto* a = std::get_if<TransposeAttrs>(&attrs)) {
    return {fb::Attributes::TransposeAttrs,
            fb::CreateTransposeAttrs(b, b.CreateVector(a->perm)).Union()};
  }
  if (const auto* a = std::get_if<PadAttrs>(&attrs)) {
    return {
        fb::Attributes::PadAttrs,
        fb::CreatePadAttrs(b, b.CreateVector(a->pads), static_cast<fb::PadMode>(a->mode), a->value)
            .Union()};
  }
  if (const auto* a = std::get_if<ResizeAttrs>(&attrs)) {
    return {fb::Attributes::ResizeAttrs,
            fb::CreateResizeAttrs(b, b.CreateVector(a->scales),
                                  static_cast<fb::ResizeCoordinateMode>(a->coordinate_mode),
                                  static_cast<fb::ResizeNearestMode>(a->nearest_mode))
                .Union()};
  }
  if (const auto* a = std::get_if<LSTMAttrs>(&attrs)) {
    return {fb::Attributes::LSTMAttrs,
            fb::CreateLSTMAttrs(b, a->hidden_size, static_cast<fb::LSTMDirection>(a->direction))
                .Union()};
  }
  return {fb::Attributes::NONE, 0};
}

}  // namespace

Status SerializeModel(const Graph& graph, std::vector<uint8_t>* out) {
  size_t weight_bytes = 0;
  for (const TensorInfo& t : graph.tensors) weight_bytes += t.data_bytes + 64;
  if (weight_bytes > kMaxModelBytes) return InvalidArgument("model weights exceed the 4 GiB limit");
  FlatBufferBuilder b(weight_bytes + (1 << 20));

  // Buffers: 0 is the empty sentinel; every constant tensor gets its own.
  std::vector<Offset<fb::Buffer>> buffers;
  buffers.push_back(fb::CreateBuffer(b));
  std::vector<Offset<fb::Tensor>> tensors;
  tensors.reserve(graph.tensors.size());
  for (const TensorInfo& t : graph.tensors) {
    uint32_t buffer_index = 0;
    if (t.is_constant()) {
      b.ForceVectorAlignment(t.data_bytes, sizeof(uint8_t), 64);
      auto data = b.CreateVector(t.data, t.data_bytes);
      buffer_index = static_cast<uint32_t>(buffers.size());
      buffers.push_back(fb::CreateBuffer(b, data));
    }
    std::vector<int64_t> dims(t.shape.dims, t.shape.dims + t.shape.rank);
    tensors.push_back(fb::CreateTensor(b, b.CreateString(t.name), b.CreateVector(dims),
                                       static_cast<fb::DataType>(t.dtype), buffer_index));
  }
  std::vector<Offset<fb::Node>> nodes;
  nodes.reserve(graph.nodes.size());
  for (const Node& n : graph.nodes) {
    auto attrs = WriteAttributes(b, n.attrs);
    nodes.push_back(fb::CreateNode(b, n.id, b.CreateString(n.name), static_cast<fb::OpCode>(n.op),
                                   attrs.first, attrs.second, b.CreateVector(n.inputs),
                                   b.CreateVector(n.outputs)));
  }
  std::vector<Offset<fb::ExitHead>> exits;
  for (const ExitHead& e : graph.exits) {
    exits.push_back(fb::CreateExitHead(b, b.CreateString(e.name), e.output, e.accuracy));
  }
  std::vector<Offset<fb::KeyValue>> metadata;
  for (const auto& kv : graph.metadata) {
    metadata.push_back(fb::CreateKeyValue(b, b.CreateString(kv.first), b.CreateString(kv.second)));
  }
  const uint8_t zero_hash[16] = {};
  auto model = fb::CreateModel(
      b, kSchemaVersion, b.CreateString(graph.producer), b.CreateString(graph.description),
      b.CreateVector(tensors), b.CreateVector(nodes), b.CreateVector(graph.inputs),
      b.CreateVector(graph.outputs), b.CreateVector(exits), b.CreateVector(buffers),
      b.CreateVector(metadata), b.CreateVector(zero_hash, sizeof(zero_hash)));
  fb::FinishModelBuffer(b, model);

  out->assign(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  ContentHash hash;
  SEAM_RETURN_IF_ERROR(ComputeContentHash(out->data(), out->size(), &hash));
  uint8_t* stored = const_cast<uint8_t*>(fb::GetModel(out->data())->content_hash()->data());
  std::memcpy(stored, hash.data(), hash.size());
  return Status::Ok();
}

}  // namespace seam
