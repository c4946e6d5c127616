// Model loading: bytes -> verified FlatBuffer -> Graph -> validated Graph.
//
// Model bytes are untrusted (they may arrive over a network or from a
// corrupted flash page), so every index and vector length is checked before
// use, and every failure is a Status naming what is wrong.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "seam/model.h"
#include "seam_generated.h"

namespace seam {
namespace {

namespace fb = ::seam::fb;

std::string NodeContext(const fb::Node* node, size_t index) {
  std::string name = node->name() ? node->name()->str() : std::string();
  return "node '" + name + "' (#" + std::to_string(index) + "): ";
}

template <typename T>
Status ReadPair(const flatbuffers::Vector<T>* v, const std::string& ctx, const char* what, T* a,
                T* b, T fallback) {
  if (v == nullptr) {
    *a = *b = fallback;
    return Status::Ok();
  }
  if (v->size() != 2) return InvalidModel(ctx + what + " must have 2 entries");
  *a = v->Get(0);
  *b = v->Get(1);
  return Status::Ok();
}

Status ReadPads(const flatbuffers::Vector<int32_t>* v, const std::string& ctx, int32_t* top,
                int32_t* left, int32_t* bottom, int32_t* right) {
  if (v == nullptr) {
    *top = *left = *bottom = *right = 0;
    return Status::Ok();
  }
  if (v->size() != 4) return InvalidModel(ctx + "pads must have 4 entries [top,left,bottom,right]");
  *top = v->Get(0);
  *left = v->Get(1);
  *bottom = v->Get(2);
  *right = v->Get(3);
  return Status::Ok();
}

// The Verifier checks a vector's 4-byte length field, not that 8-byte
// elements are 8-byte aligned, and reading a misaligned int64 is undefined.
// The model bytes start 64-byte aligned, so an absolute check is the
// relative one FlatBuffers writers guarantee; failing it means corruption.
Status CheckInt64Vector(const flatbuffers::Vector<int64_t>* v, const std::string& ctx,
                        const char* what) {
  // Empty vectors are exempt: nothing is read, and FlatBuffers writes them
  // 4-byte aligned (SerializeModel does, for shapes left to inference).
  if (v != nullptr && v->size() > 0 &&
      reinterpret_cast<uintptr_t>(v->Data()) % alignof(int64_t) != 0) {
    return InvalidModel(ctx + what + " is not 8-byte aligned: the file is corrupt");
  }
  return Status::Ok();
}

FusedActivation ReadActivation(const fb::FusedActivation* a) {
  FusedActivation out;
  if (a == nullptr) return out;
  out.kind = static_cast<ActivationKind>(a->kind());
  out.alpha = a->alpha();
  out.beta = a->beta();
  return out;
}

// The attribute table each op expects (NONE: the op takes none).
fb::Attributes ExpectedAttributes(OpType op) {
  switch (op) {
    case OpType::kConv2D:
      return fb::Attributes::Conv2DAttrs;
    case OpType::kMaxPool:
    case OpType::kAveragePool:
      return fb::Attributes::PoolAttrs;
    case OpType::kFullyConnected:
      return fb::Attributes::FullyConnectedAttrs;
    case OpType::kBatchNorm:
      return fb::Attributes::BatchNormAttrs;
    case OpType::kLRN:
      return fb::Attributes::LRNAttrs;
    case OpType::kClip:
      return fb::Attributes::ClipAttrs;
    case OpType::kLeakyRelu:
      return fb::Attributes::LeakyReluAttrs;
    case OpType::kConcat:
    case OpType::kSoftmax:
    case OpType::kFlatten:
      return fb::Attributes::AxisAttrs;
    case OpType::kReshape:
      return fb::Attributes::ReshapeAttrs;
    case OpType::kTranspose:
      return fb::Attributes::TransposeAttrs;
    case OpType::kPad:
      return fb::Attributes::PadAttrs;
    case OpType::kResize:
      return fb::Attributes::ResizeAttrs;
    case OpType::kLSTM:
      return fb::Attributes::LSTMAttrs;
    default:
      return fb::Attributes::NONE;
  }
}

Status ReadAttributes(const fb::Node* node, OpType op, const std::string& ctx, NodeAttrs* out) {
  const fb::Attributes expected = ExpectedAttributes(op);
  if (node->attributes_type() != expected) {
    return InvalidModel(ctx + "attributes are of kind '" +
                        fb::EnumNameAttributes(node->attributes_type()) + "', op needs '" +
                        fb::EnumNameAttributes(expected) + "'");
  }
  if (expected != fb::Attributes::NONE && node->attributes() == nullptr) {
    return InvalidModel(ctx + "attributes are missing");
  }
  switch (expected) {
    case fb::Attributes::Conv2DAttrs: {
      const auto* a = node->attributes_as_Conv2DAttrs();
      Conv2DAttrs c;
      SEAM_RETURN_IF_ERROR(ReadPair(a->kernel(), ctx, "kernel", &c.kernel_h, &c.kernel_w, 1));
      SEAM_RETURN_IF_ERROR(ReadPair(a->strides(), ctx, "strides", &c.stride_h, &c.stride_w, 1));
      SEAM_RETURN_IF_ERROR(
          ReadPair(a->dilations(), ctx, "dilations", &c.dilation_h, &c.dilation_w, 1));
      SEAM_RETURN_IF_ERROR(
          ReadPads(a->pads(), ctx, &c.pad_top, &c.pad_left, &c.pad_bottom, &c.pad_right));
      c.group = a->group();
      c.activation = ReadActivation(a->activation());
      *out = c;
      return Status::Ok();
    }
    case fb::Attributes::PoolAttrs: {
      const auto* a = node->attributes_as_PoolAttrs();
      PoolAttrs p;
      SEAM_RETURN_IF_ERROR(ReadPair(a->kernel(), ctx, "kernel", &p.kernel_h, &p.kernel_w, 0));
      SEAM_RETURN_IF_ERROR(ReadPair(a->strides(), ctx, "strides", &p.stride_h, &p.stride_w, 1));
      SEAM_RETURN_IF_ERROR(
          ReadPads(a->pads(), ctx, &p.pad_top, &p.pad_left, &p.pad_bottom, &p.pad_right));
      p.ceil_mode = a->ceil_mode();
      p.count_include_pad = a->count_include_pad();
      *out = p;
      return Status::Ok();
    }
    case fb::Attributes::FullyConnectedAttrs:
      *out = FullyConnectedAttrs{
          ReadActivation(node->attributes_as_FullyConnectedAttrs()->activation())};
      return Status::Ok();
    case fb::Attributes::BatchNormAttrs:
      *out = BatchNormAttrs{node->attributes_as_BatchNormAttrs()->epsilon()};
      return Status::Ok();
    case fb::Attributes::LRNAttrs: {
      const auto* a = node->attributes_as_LRNAttrs();
      *out = LRNAttrs{a->size(), a->alpha(), a->beta(), a->bias()};
      return Status::Ok();
    }
    case fb::Attributes::ClipAttrs: {
      const auto* a = node->attributes_as_ClipAttrs();
      *out = ClipAttrs{a->min(), a->max()};
      return Status::Ok();
    }
    case fb::Attributes::LeakyReluAttrs:
      *out = LeakyReluAttrs{node->attributes_as_LeakyReluAttrs()->alpha()};
      return Status::Ok();
    case fb::Attributes::AxisAttrs:
      *out = AxisAttrs{node->attributes_as_AxisAttrs()->axis()};
      return Status::Ok();
    case fb::Attributes::ReshapeAttrs: {
      const auto* shape = node->attributes_as_ReshapeAttrs()->shape();
      if (shape == nullptr) return InvalidModel(ctx + "reshape target shape is missing");
      SEAM_RETURN_IF_ERROR(CheckInt64Vector(shape, ctx, "reshape target shape"));
      *out = ReshapeAttrs{std::vector<int64_t>(shape->begin(), shape->end())};
      return Status::Ok();
    }
    case fb::Attributes::TransposeAttrs: {
      const auto* perm = node->attributes_as_TransposeAttrs()->perm();
      if (perm == nullptr) return InvalidModel(ctx + "transpose perm is missing");
      *out = TransposeAttrs{std::vector<int32_t>(perm->begin(), perm->end())};
      return Status::Ok();
    }
    case fb::Attributes::PadAttrs: {
      const auto* a = node->attributes_as_PadAttrs();
      if (a->pads() == nullptr) return InvalidModel(ctx + "pads are missing");
      SEAM_RETURN_IF_ERROR(CheckInt64Vector(a->pads(), ctx, "pads"));
      PadAttrs p;
      p.pads.assign(a->pads()->begin(), a->pads()->end());
      p.mode = static_cast<PadMode>(a->mode());
      p.value = a->value();
      *out = std::move(p);
      return Status::Ok();
    }
    case fb::Attributes::ResizeAttrs: {
      const auto* a = node->attributes_as_ResizeAttrs();
      if (a->scales() == nullptr) return InvalidModel(ctx + "resize scales are missing");
      ResizeAttrs r;
      r.scales.assign(a->scales()->begin(), a->scales()->end());
      r.coordinate_mode = static_cast<ResizeCoordinateMode>(a->coordinate_mode());
      r.nearest_mode = static_cast<ResizeNearestMode>(a->nearest_mode());
      *out = std::move(r);
      return Status::Ok();
    }
    case fb::Attributes::LSTMAttrs: {
      const auto* a = node->attributes_as_LSTMAttrs();
      *out = LSTMAttrs{a->hidden_size(), static_cast<LSTMDirection>(a->direction())};
      return Status::Ok();
    }
    case fb::Attributes::NONE:
      *out = std::monostate{};
      return Status::Ok();
  }
  return InvalidModel(ctx + "unknown attribute kind");
}

std::vector<int32_t> ReadIndices(const flatbuffers::Vector<int32_t>* v) {
  if (v == nullptr) return {};
  return std::vector<int32_t>(v->begin(), v->end());
}

Status BuildGraph(const fb::Model* model, Graph* graph) {
  const auto* buffers = model->buffers();
  const size_t num_buffers = buffers ? buffers->size() : 0;
  if (num_buffers > 0 && buffers->Get(0)->data() && buffers->Get(0)->data()->size() != 0) {
    return InvalidModel("buffer 0 must be the empty sentinel");
  }
  if (model->tensors() == nullptr) return InvalidModel("model has no tensors");
  if (model->tensors()->size() > kMaxModelTensors) {
    return InvalidModel("model has " + std::to_string(model->tensors()->size()) +
                        " tensors, limit " + std::to_string(kMaxModelTensors));
  }
  if (model->nodes() != nullptr && model->nodes()->size() > kMaxModelNodes) {
    return InvalidModel("model has " + std::to_string(model->nodes()->size()) + " nodes, limit " +
                        std::to_string(kMaxModelNodes));
  }
  graph->tensors.reserve(model->tensors()->size());
  for (size_t i = 0; i < model->tensors()->size(); ++i) {
    const fb::Tensor* t = model->tensors()->Get(i);
    const std::string ctx = "tensor #" + std::to_string(i) + ": ";
    TensorInfo info;
    info.name = t->name() ? t->name()->str() : "tensor" + std::to_string(i);
    if (t->shape()) {
      SEAM_RETURN_IF_ERROR(CheckInt64Vector(t->shape(), ctx, "shape"));
      if (t->shape()->size() > static_cast<size_t>(kMaxRank)) {
        return InvalidModel(ctx + "rank " + std::to_string(t->shape()->size()) + " exceeds " +
                            std::to_string(kMaxRank));
      }
      info.shape.rank = static_cast<int>(t->shape()->size());
      for (int d = 0; d < info.shape.rank; ++d) info.shape.dims[d] = t->shape()->Get(d);
    }
    const int32_t dtype = static_cast<int32_t>(t->dtype());
    if (dtype < 0 || dtype > 2) return InvalidModel(ctx + "unknown dtype " + std::to_string(dtype));
    info.dtype = static_cast<DataType>(dtype);
    if (t->buffer() != 0) {
      if (t->buffer() >= num_buffers) {
        return InvalidModel(ctx + "buffer " + std::to_string(t->buffer()) + " out of range (" +
                            std::to_string(num_buffers) + " buffers)");
      }
      const auto* data = buffers->Get(t->buffer())->data();
      if (data == nullptr || data->size() == 0) {
        return InvalidModel(ctx + "refers to empty buffer " + std::to_string(t->buffer()));
      }
      if (reinterpret_cast<uintptr_t>(data->data()) % 4 != 0) {
        return InvalidModel(ctx + "weight data is not 4-byte aligned");
      }
      info.data = data->data();
      info.data_bytes = data->size();
    }
    graph->tensors.push_back(std::move(info));
  }
  if (model->nodes() != nullptr) {
    graph->nodes.reserve(model->nodes()->size());
    for (size_t i = 0; i < model->nodes()->size(); ++i) {
      const fb::Node* n = model->nodes()->Get(i);
      const std::string ctx = NodeContext(n, i);
      Node node;
      node.id = n->id();
      node.name = n->name() ? n->name()->str() : "node" + std::to_string(i);
      const int32_t code = static_cast<int32_t>(n->op());
      if (!IsKnownOpCode(code)) {
        return Unsupported(ctx + "unknown op code " + std::to_string(code) +
                           " (made by a newer seam?)");
      }
      node.op = static_cast<OpType>(code);
      SEAM_RETURN_IF_ERROR(ReadAttributes(n, node.op, ctx, &node.attrs));
      node.inputs = ReadIndices(n->inputs());
      node.outputs = ReadIndices(n->outputs());
      graph->nodes.push_back(std::move(node));
    }
  }
  graph->inputs = ReadIndices(model->inputs());
  graph->outputs = ReadIndices(model->outputs());
  if (model->exits()) {
    for (const fb::ExitHead* e : *model->exits()) {
      graph->exits.push_back(
          ExitHead{e->name() ? e->name()->str() : "", e->output(), e->accuracy()});
    }
  }
  if (model->metadata()) {
    for (const fb::KeyValue* kv : *model->metadata()) {
      graph->metadata.emplace_back(kv->key() ? kv->key()->str() : "",
                                   kv->value() ? kv->value()->str() : "");
    }
  }
  graph->producer = model->producer() ? model->producer()->str() : "";
  graph->description = model->description() ? model->description()->str() : "";
  return Status::Ok();
}

}  // namespace

Model::~Model() {
  if (mapping_ != nullptr) munmap(mapping_, mapping_size_);
  std::free(owned_);
}

Status Model::Parse(std::unique_ptr<Model> model, const LoadOptions& options,
                    std::unique_ptr<Model>* out) {
  const uint8_t* data = model->bytes_;
  const size_t size = model->size_;
  if (size < 16)
    return InvalidModel("file is too small to be a .seam model (" + std::to_string(size) +
                        " bytes)");
  if (size > kMaxModelBytes) return InvalidModel("model is larger than the 4 GiB limit");
  if (!fb::ModelBufferHasIdentifier(data)) {
    return InvalidModel(std::string("file identifier is '") +
                        std::string(reinterpret_cast<const char*>(data) + 4, 4) +
                        "', expected 'SEAM' (not a .seam model)");
  }
  flatbuffers::Verifier verifier(data, size, /*max_depth=*/64, /*max_tables=*/10'000'000);
  if (!fb::VerifyModelBuffer(verifier)) {
    return InvalidModel("FlatBuffers verification failed: the file is truncated or corrupt");
  }
  const fb::Model* fbm = fb::GetModel(data);
  if (fbm->schema_version() == 0 || fbm->schema_version() > kSchemaVersion) {
    return Status(StatusCode::kVersionMismatch, "schema version " +
                                                    std::to_string(fbm->schema_version()) +
                                                    " is not supported (this seam reads 1.." +
                                                    std::to_string(kSchemaVersion) + ")");
  }
  SEAM_RETURN_IF_ERROR(ComputeContentHash(data, size, &model->hash_));
  if (options.verify_content_hash &&
      std::memcmp(fbm->content_hash()->data(), model->hash_.data(), model->hash_.size()) != 0) {
    return InvalidModel("content hash mismatch: the model bytes were modified or corrupted");
  }
  SEAM_RETURN_IF_ERROR(BuildGraph(fbm, &model->graph_));
  SEAM_RETURN_IF_ERROR(ValidateAndInferShapes(&model->graph_));
  *out = std::move(model);
  return Status::Ok();
}

Status Model::LoadFromFile(const std::string& path, std::unique_ptr<Model>* out,
                           const LoadOptions& options) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open '" + path + "': " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return IoError("'" + path + "' is not a regular file");
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size < 16 || size > kMaxModelBytes) {
    close(fd);
    return InvalidModel("'" + path + "' has " + std::to_string(size) + " bytes: not a .seam model");
  }
  // Vectorised kernels (and XNNPACK) may read a few bytes past a weight
  // tensor, and the last weights can end exactly at the end of the file. So
  // reserve the file's pages plus a readable zero tail, then map the file
  // over the front of that reservation.
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t reserved = (size + page - 1) / page * page + kModelTailPadding;
  void* region = mmap(nullptr, reserved, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED) {
    close(fd);
    return IoError("cannot reserve memory for '" + path + "': " + std::strerror(errno));
  }
  void* mapping = mmap(region, size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
  close(fd);
  if (mapping == MAP_FAILED) {
    const std::string err = std::strerror(errno);
    munmap(region, reserved);
    return IoError("cannot map '" + path + "': " + err);
  }
  std::unique_ptr<Model> model(new Model());
  model->mapping_ = region;
  model->mapping_size_ = reserved;
  model->bytes_ = static_cast<const uint8_t*>(mapping);
  model->size_ = size;
  Status s = Parse(std::move(model), options, out);
  if (!s.ok()) return Status(s.code(), "'" + path + "': " + s.message());
  return s;
}

Status Model::LoadFromBuffer(const void* data, size_t size, std::unique_ptr<Model>* out,
                             const LoadOptions& options) {
  if (data == nullptr) return InvalidArgument("model buffer is null");
  if (size > kMaxModelBytes) return InvalidModel("model is larger than the 4 GiB limit");
  std::unique_ptr<Model> model(new Model());
  if (reinterpret_cast<uintptr_t>(data) % 64 == 0) {
    model->bytes_ = static_cast<const uint8_t*>(data);
  } else {
    // Weights inside are 64-byte aligned relative to the buffer start only.
    model->owned_ = std::aligned_alloc(64, (size + 63) / 64 * 64 + kModelTailPadding);
    if (model->owned_ == nullptr) return Status(StatusCode::kOutOfMemory, "cannot copy model");
    std::memcpy(model->owned_, data, size);
    std::memset(static_cast<uint8_t*>(model->owned_) + size, 0, kModelTailPadding);
    model->bytes_ = static_cast<const uint8_t*>(model->owned_);
  }
  model->size_ = size;
  return Parse(std::move(model), options, out);
}

Status Model::LoadFromBytes(std::vector<uint8_t> bytes, std::unique_ptr<Model>* out,
                            const LoadOptions& options) {
  if (bytes.size() > kMaxModelBytes) return InvalidModel("model is larger than the 4 GiB limit");
  std::unique_ptr<Model> model(new Model());
  model->owned_ = std::aligned_alloc(64, (bytes.size() + 63) / 64 * 64 + kModelTailPadding);
  if (model->owned_ == nullptr) return Status(StatusCode::kOutOfMemory, "cannot copy model");
  // memcpy from an empty vector's null data() is undefined even for 0 bytes.
  if (!bytes.empty()) std::memcpy(model->owned_, bytes.data(), bytes.size());
  std::memset(static_cast<uint8_t*>(model->owned_) + bytes.size(), 0, kModelTailPadding);
  model->bytes_ = static_cast<const uint8_t*>(model->owned_);
  model->size_ = bytes.size();
  return Parse(std::move(model), options, out);
}

}  // namespace seam
