// Wire messages: encode boundary/output tensors, verify and decode them.
#include "seam/wire.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "core/content_hash.h"
#include "core/half.h"
#include "seam_wire_generated.h"

namespace seam {
namespace {

namespace fbw = ::seam::wire;
constexpr char kMagic[8] = {'S', 'E', 'A', 'M', 'W', 'I', 'R', 'E'};
constexpr size_t kPayloadAlignment = 64;

size_t EncodedBytes(WireEncoding encoding, int64_t elements) {
  switch (encoding) {
    case WireEncoding::kF32:
      return static_cast<size_t>(elements) * 4;
    case WireEncoding::kF16:
      return static_cast<size_t>(elements) * 2;
    case WireEncoding::kI8:
      return static_cast<size_t>(elements);
  }
  return 0;
}

// Per-tensor affine int8 parameters covering the finite range of `data`.
void Int8Params(const float* data, int64_t n, float* scale, int32_t* zero_point) {
  float lo = 0.0f, hi = 0.0f;  // include 0 so zero is exact
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(data[i])) continue;
    lo = std::min(lo, data[i]);
    hi = std::max(hi, data[i]);
  }
  *scale = hi > lo ? (hi - lo) / 255.0f : 1.0f;
  const float zp = std::round(-128.0f - lo / *scale);
  *zero_point = static_cast<int32_t>(std::min(127.0f, std::max(-128.0f, zp)));
}

void EncodePayload(WireEncoding encoding, const float* src, int64_t n, float scale,
                   int32_t zero_point, uint8_t* dst) {
  switch (encoding) {
    case WireEncoding::kF32:
      std::memcpy(dst, src, static_cast<size_t>(n) * 4);
      return;
    case WireEncoding::kF16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = FloatToHalf(src[i]);
        std::memcpy(dst + 2 * i, &h, 2);
      }
      return;
    case WireEncoding::kI8:
      for (int64_t i = 0; i < n; ++i) {
        float q = std::isfinite(src[i])
                      ? std::round(src[i] / scale) + static_cast<float>(zero_point)
                      : static_cast<float>(zero_point);
        q = std::min(127.0f, std::max(-128.0f, q));
        dst[i] = static_cast<uint8_t>(static_cast<int8_t>(q));
      }
      return;
  }
}

void DecodePayload(WireEncoding encoding, const uint8_t* src, int64_t n, float scale,
                   int32_t zero_point, float* dst) {
  switch (encoding) {
    case WireEncoding::kF32:
      std::memcpy(dst, src, static_cast<size_t>(n) * 4);
      return;
    case WireEncoding::kF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, 2);
        dst[i] = HalfToFloat(h);
      }
      return;
    case WireEncoding::kI8:
      for (int64_t i = 0; i < n; ++i) {
        dst[i] = static_cast<float>(static_cast<int8_t>(src[i]) - zero_point) * scale;
      }
      return;
  }
}

void Put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
void Put64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }
uint32_t Get32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t Get64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Checks the prefix and FlatBuffer of a header frame; returns the message.
Status VerifyHeader(const WireMessageView& m, const fbw::Message** out) {
  if (m.header == nullptr || m.header_size < kWirePrefixBytes + 8) {
    return InvalidArgument("wire message header is missing or too short (" +
                           std::to_string(m.header_size) + " bytes)");
  }
  if (std::memcmp(m.header, kMagic, 8) != 0) {
    return InvalidArgument("not a seam wire message (bad magic)");
  }
  if (m.header_size > kWireMaxHeaderBytes) {
    return InvalidArgument("wire message header has " + std::to_string(m.header_size) +
                           " bytes, limit " + std::to_string(kWireMaxHeaderBytes));
  }
  const uint32_t fb_size = Get32(m.header + 8);
  if (Get32(m.header + 12) != 0) return InvalidArgument("wire header reserved field is not zero");
  if (fb_size != m.header_size - kWirePrefixBytes) {
    return InvalidArgument("wire header size field says " + std::to_string(fb_size) +
                           " bytes, frame has " + std::to_string(m.header_size - kWirePrefixBytes));
  }
  const uint8_t* fb = m.header + kWirePrefixBytes;
  if (WireChecksum64(fb, fb_size) != Get64(m.header + 16)) {
    return InvalidArgument("wire header checksum mismatch: the header is corrupt");
  }
  // FlatBuffers needs the root aligned; copy-free when it already is.
  if (reinterpret_cast<uintptr_t>(fb) % 8 != 0) {
    return InvalidArgument("wire header is not 8-byte aligned in memory");
  }
  flatbuffers::Verifier verifier(fb, fb_size, 16, 100000);
  if (!fbw::MessageBufferHasIdentifier(fb) || !fbw::VerifyMessageBuffer(verifier)) {
    return InvalidArgument("wire header failed FlatBuffers verification");
  }
  const fbw::Message* msg = fbw::GetMessage(fb);
  if (msg->format_version() != kWireFormatVersion) {
    return Status(StatusCode::kVersionMismatch, "wire format version " +
                                                    std::to_string(msg->format_version()) +
                                                    " is not supported (this seam speaks " +
                                                    std::to_string(kWireFormatVersion) + ")");
  }
  if (msg->model_hash() == nullptr || msg->model_hash()->size() != 16) {
    return InvalidArgument("wire header has no 16-byte model hash");
  }
  const size_t tensors = msg->tensors() ? msg->tensors()->size() : 0;
  if (tensors > kWireMaxTensors) {
    return InvalidArgument("wire message carries " + std::to_string(tensors) + " tensors, limit " +
                           std::to_string(kWireMaxTensors));
  }
  *out = msg;
  return Status::Ok();
}

}  // namespace

uint64_t WireChecksum64(const uint8_t* data, size_t size) {
  ContentHasher hasher;
  hasher.Update(data, size);
  const ContentHash h = hasher.Finish();
  uint64_t v;
  std::memcpy(&v, h.data(), 8);
  return v;
}

const char* WireEncodingName(WireEncoding encoding) {
  switch (encoding) {
    case WireEncoding::kF32:
      return "f32";
    case WireEncoding::kF16:
      return "f16";
    case WireEncoding::kI8:
      return "int8";
  }
  return "unknown";
}

Status ParseWireEncoding(const std::string& text, WireEncoding* out) {
  if (text == "f32" || text == "fp32") {
    *out = WireEncoding::kF32;
  } else if (text == "f16" || text == "fp16") {
    *out = WireEncoding::kF16;
  } else if (text == "int8" || text == "i8") {
    *out = WireEncoding::kI8;
  } else {
    return InvalidArgument("unknown boundary encoding '" + text + "' (use f32, f16 or int8)");
  }
  return Status::Ok();
}

WireMessageView ViewOf(const WireMessage& message) {
  WireMessageView view;
  view.header = message.header.data();
  view.header_size = message.header.size();
  for (size_t i = 0; i < message.num_payloads; ++i) {
    view.payloads.push_back(message.payloads[i].data());
    view.payload_sizes.push_back(message.payloads[i].size());
  }
  return view;
}

Status EncodeMessage(const Graph& graph, const ContentHash& model_hash, const Cut& cut,
                     const std::vector<BoundaryTensor>& tensors, const WireEncodeOptions& options,
                     WireMessage* out) {
  if (tensors.size() > kWireMaxTensors) return InvalidArgument("too many tensors for one message");
  if (out->payloads.size() < tensors.size()) out->payloads.resize(tensors.size());
  out->num_payloads = tensors.size();
  flatbuffers::FlatBufferBuilder b(1024 + 128 * tensors.size());
  std::vector<flatbuffers::Offset<fbw::Tensor>> entries;
  uint64_t offset = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const BoundaryTensor& bt = tensors[i];
    if (bt.tensor < 0 || static_cast<size_t>(bt.tensor) >= graph.tensors.size()) {
      return InvalidArgument("tensor index " + std::to_string(bt.tensor) + " out of range");
    }
    const TensorInfo& info = graph.tensors[bt.tensor];
    if (bt.view.data == nullptr || bt.view.shape != info.shape) {
      return InvalidArgument("tensor '" + info.name + "' needs shape " + info.shape.ToString());
    }
    const int64_t n = info.shape.NumElements();
    float scale = 1.0f;
    int32_t zero_point = 0;
    if (options.encoding == WireEncoding::kI8) Int8Params(bt.view.data, n, &scale, &zero_point);
    std::vector<uint8_t>& payload = out->payloads[i];
    payload.resize(EncodedBytes(options.encoding, n));
    EncodePayload(options.encoding, bt.view.data, n, scale, zero_point, payload.data());
    std::vector<int64_t> dims(info.shape.dims, info.shape.dims + info.shape.rank);
    entries.push_back(fbw::CreateTensor(
        b, b.CreateString(info.name), bt.tensor, b.CreateVector(dims), fbw::Layout::NCHW,
        static_cast<fbw::Encoding>(options.encoding), scale, zero_point, offset, payload.size(),
        WireChecksum64(payload.data(), payload.size())));
    offset += (payload.size() + kPayloadAlignment - 1) / kPayloadAlignment * kPayloadAlignment;
  }
  std::vector<uint32_t> ids;
  for (int n : cut.edge_nodes) ids.push_back(graph.nodes[n].id);
  auto msg = fbw::CreateMessage(b, kWireFormatVersion, static_cast<fbw::MessageKind>(options.kind),
                                b.CreateVector(model_hash.data(), model_hash.size()),
                                CutId(graph, cut), options.frame_id, b.CreateVector(entries),
                                options.compute_micros, b.CreateVector(ids));
  fbw::FinishMessageBuffer(b, msg);
  out->header.resize(kWirePrefixBytes + b.GetSize());
  std::memcpy(out->header.data(), kMagic, 8);
  Put32(out->header.data() + 8, static_cast<uint32_t>(b.GetSize()));
  Put32(out->header.data() + 12, 0);
  Put64(out->header.data() + 16, WireChecksum64(b.GetBufferPointer(), b.GetSize()));
  std::memcpy(out->header.data() + kWirePrefixBytes, b.GetBufferPointer(), b.GetSize());
  return Status::Ok();
}

Status ReadWireHeader(const WireMessageView& message, WireHeaderInfo* out) {
  const fbw::Message* msg;
  SEAM_RETURN_IF_ERROR(VerifyHeader(message, &msg));
  const int32_t kind = static_cast<int32_t>(msg->kind());
  if (kind != 0 && kind != 1)
    return InvalidArgument("unknown wire message kind " + std::to_string(kind));
  out->kind = static_cast<WireKind>(kind);
  std::memcpy(out->model_hash.data(), msg->model_hash()->data(), 16);
  out->cut_id = msg->cut_id();
  out->frame_id = msg->frame_id();
  out->compute_micros = msg->compute_micros();
  out->edge_node_ids.clear();
  if (msg->edge_node_ids()) {
    out->edge_node_ids.assign(msg->edge_node_ids()->begin(), msg->edge_node_ids()->end());
  }
  out->num_tensors = msg->tensors() ? msg->tensors()->size() : 0;
  return Status::Ok();
}

Status CutFromWireHeader(const Graph& graph, const WireHeaderInfo& info, Cut* out) {
  // Bounded first: the ids come off the network, and each lookup below is
  // linear in the model's nodes.
  if (info.edge_node_ids.size() > graph.nodes.size()) {
    return InvalidArgument("wire message names " + std::to_string(info.edge_node_ids.size()) +
                           " edge nodes; the model has " + std::to_string(graph.nodes.size()));
  }
  std::unordered_map<uint32_t, int> by_id;
  by_id.reserve(graph.nodes.size());
  for (size_t n = 0; n < graph.nodes.size(); ++n)
    by_id.emplace(graph.nodes[n].id, static_cast<int>(n));
  Cut cut;
  for (uint32_t id : info.edge_node_ids) {
    const auto it = by_id.find(id);
    if (it == by_id.end()) {
      return InvalidArgument("wire message names node id " + std::to_string(id) +
                             ", not in the model");
    }
    cut.edge_nodes.push_back(it->second);
  }
  std::sort(cut.edge_nodes.begin(), cut.edge_nodes.end());
  SEAM_RETURN_IF_ERROR(ValidateCut(graph, cut));
  if (CutId(graph, cut) != info.cut_id) {
    return InvalidArgument("wire message cut id does not match its node list");
  }
  *out = std::move(cut);
  return Status::Ok();
}

Status DecodeMessage(const Graph& graph, const ContentHash& model_hash, const Cut& cut,
                     WireKind kind, const std::vector<int>& expected_tensors,
                     const WireMessageView& message, DecodedMessage* out) {
  const fbw::Message* msg;
  SEAM_RETURN_IF_ERROR(VerifyHeader(message, &msg));
  SEAM_RETURN_IF_ERROR(ReadWireHeader(message, &out->info));
  if (out->info.kind != kind) return InvalidArgument("wire message is of the wrong kind");
  if (out->info.model_hash != model_hash) {
    return InvalidArgument("wire message is for model " + ContentHashHex(out->info.model_hash) +
                           ", this is " + ContentHashHex(model_hash));
  }
  if (out->info.cut_id != CutId(graph, cut)) {
    return InvalidArgument("wire message is for another cut");
  }
  const size_t count = out->info.num_tensors;
  if (count != expected_tensors.size()) {
    return InvalidArgument("wire message carries " + std::to_string(count) +
                           " tensors, cut needs " + std::to_string(expected_tensors.size()));
  }
  if (message.payloads.size() != count || message.payload_sizes.size() != count) {
    return InvalidArgument("wire message has " + std::to_string(message.payloads.size()) +
                           " payloads for " + std::to_string(count) + " tensors");
  }
  out->tensors.assign(expected_tensors.begin(), expected_tensors.end());
  out->views.resize(count);
  if (out->storage.size() < count) out->storage.resize(count);
  for (size_t i = 0; i < count; ++i) {
    const fbw::Tensor* t = msg->tensors()->Get(i);
    const TensorInfo& info = graph.tensors[expected_tensors[i]];
    const std::string label = "wire tensor " + std::to_string(i) + " ('" + info.name + "'): ";
    if (t->tensor_index() != expected_tensors[i]) {
      return InvalidArgument(label + "message carries tensor #" +
                             std::to_string(t->tensor_index()) + " instead");
    }
    Shape shape;
    if (t->shape() == nullptr || t->shape()->size() != static_cast<size_t>(info.shape.rank)) {
      return InvalidArgument(label + "rank differs from the model's " + info.shape.ToString());
    }
    // The Verifier does not check that int64 elements are 8-byte aligned
    // (the header is, so this is the relative alignment writers produce).
    if (t->shape()->size() > 0 &&
        reinterpret_cast<uintptr_t>(t->shape()->Data()) % alignof(int64_t) != 0) {
      return InvalidArgument(label + "shape is not 8-byte aligned: the header is corrupt");
    }
    shape.rank = info.shape.rank;
    for (int d = 0; d < shape.rank; ++d) shape.dims[d] = t->shape()->Get(d);
    if (shape != info.shape) {
      return InvalidArgument(label + "shape " + shape.ToString() + " differs from the model's " +
                             info.shape.ToString());
    }
    if (t->layout() != fbw::Layout::NCHW) return InvalidArgument(label + "unknown layout");
    const int32_t enc = static_cast<int32_t>(t->encoding());
    if (enc < 0 || enc > 2)
      return InvalidArgument(label + "unknown encoding " + std::to_string(enc));
    const WireEncoding encoding = static_cast<WireEncoding>(enc);
    const int64_t n = shape.NumElements();
    const size_t bytes = EncodedBytes(encoding, n);
    if (t->payload_bytes() != bytes || message.payload_sizes[i] != bytes) {
      return InvalidArgument(label + "payload has " + std::to_string(message.payload_sizes[i]) +
                             " bytes, " + WireEncodingName(encoding) + " " + shape.ToString() +
                             " needs " + std::to_string(bytes));
    }
    if (WireChecksum64(message.payloads[i], bytes) != t->payload_checksum()) {
      return InvalidArgument(label + "payload checksum mismatch: the data is corrupt");
    }
    if (encoding == WireEncoding::kI8 && !(std::isfinite(t->scale()) && t->scale() > 0.0f)) {
      return InvalidArgument(label + "int8 scale must be finite and > 0");
    }
    // The encoder keeps it in int8 range; a larger one would overflow q - zero_point.
    if (encoding == WireEncoding::kI8 && (t->zero_point() < -128 || t->zero_point() > 127)) {
      return InvalidArgument(label + "int8 zero point " + std::to_string(t->zero_point()) +
                             " is outside [-128, 127]");
    }
    out->views[i].shape = shape;
    if (encoding == WireEncoding::kF32 &&
        reinterpret_cast<uintptr_t>(message.payloads[i]) % alignof(float) == 0) {
      out->views[i].data = reinterpret_cast<const float*>(message.payloads[i]);
      continue;
    }
    std::vector<float>& store = out->storage[i];
    store.resize(static_cast<size_t>(n));
    DecodePayload(encoding, message.payloads[i], n, t->scale(), t->zero_point(), store.data());
    out->views[i].data = store.data();
  }
  return Status::Ok();
}

void WireMessageToBytes(const WireMessage& message, std::vector<uint8_t>* out) {
  auto aligned = [](size_t n) {
    return (n + kPayloadAlignment - 1) / kPayloadAlignment * kPayloadAlignment;
  };
  size_t total = aligned(message.header.size());
  for (size_t i = 0; i < message.num_payloads; ++i) total += aligned(message.payloads[i].size());
  out->assign(total, 0);
  std::memcpy(out->data(), message.header.data(), message.header.size());
  size_t offset = aligned(message.header.size());
  for (size_t i = 0; i < message.num_payloads; ++i) {
    std::memcpy(out->data() + offset, message.payloads[i].data(), message.payloads[i].size());
    offset += aligned(message.payloads[i].size());
  }
}

Status WireMessageFromBytes(const uint8_t* data, size_t size, WireMessageView* out) {
  if (size < kWirePrefixBytes || std::memcmp(data, kMagic, 8) != 0) {
    return InvalidArgument("not a seam wire message (bad magic or too short)");
  }
  const uint32_t fb_size = Get32(data + 8);
  if (fb_size > size - kWirePrefixBytes) return InvalidArgument("wire header runs past the end");
  WireMessageView view;
  view.header = data;
  view.header_size = kWirePrefixBytes + fb_size;
  const fbw::Message* msg;
  SEAM_RETURN_IF_ERROR(VerifyHeader(view, &msg));
  const size_t area =
      (view.header_size + kPayloadAlignment - 1) / kPayloadAlignment * kPayloadAlignment;
  if (area > size) return InvalidArgument("wire message is truncated before its payloads");
  const size_t count = msg->tensors() ? msg->tensors()->size() : 0;
  for (size_t i = 0; i < count; ++i) {
    const fbw::Tensor* t = msg->tensors()->Get(i);
    const uint64_t off = t->payload_offset(), len = t->payload_bytes();
    if (off > size - area || len > size - area - off) {
      return InvalidArgument("wire tensor " + std::to_string(i) +
                             " payload lies outside the message");
    }
    view.payloads.push_back(data + area + off);
    view.payload_sizes.push_back(static_cast<size_t>(len));
  }
  *out = std::move(view);
  return Status::Ok();
}

}  // namespace seam
