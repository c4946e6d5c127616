// Encoding and bounds-checked decoding of the protocol's control messages.
#include "tools/stream/stream_protocol.h"

#include <algorithm>
#include <cstring>

namespace seam::stream {
namespace {

constexpr char kWireMagic[kMagicBytes] = {'S', 'E', 'A', 'M', 'W', 'I', 'R', 'E'};
constexpr char kExitMagic[kMagicBytes] = {'S', 'E', 'A', 'M', 'E', 'X', 'I', 'T'};
constexpr char kHelloMagic[kMagicBytes] = {'S', 'E', 'A', 'M', 'H', 'E', 'L', 'O'};
constexpr char kInfoMagic[kMagicBytes] = {'S', 'E', 'A', 'M', 'I', 'N', 'F', 'O'};
constexpr char kProbeMagic[kMagicBytes] = {'S', 'E', 'A', 'M', 'P', 'R', 'O', 'B'};
constexpr char kProbeAckMagic[kMagicBytes] = {'S', 'E', 'A', 'M', 'P', 'A', 'C', 'K'};
constexpr char kErrorMagic[kMagicBytes] = {'S', 'E', 'A', 'M', 'E', 'R', 'R', '!'};

// The most a server may claim about itself: far beyond any real graph.
constexpr uint32_t kMaxInfoNodes = 1u << 20;
constexpr uint32_t kMaxBackendName = 64;
constexpr size_t kMaxErrorText = 4096;

bool HasMagic(const uint8_t* data, size_t size, const char (&magic)[kMagicBytes]) {
  return data != nullptr && size >= kMagicBytes && std::memcmp(data, magic, kMagicBytes) == 0;
}

void Append(std::vector<uint8_t>* out, const void* data, size_t size) {
  if (size == 0) return;
  const size_t at = out->size();
  out->resize(at + size);
  std::memcpy(out->data() + at, data, size);
}

template <typename T>
void AppendValue(std::vector<uint8_t>* out, T value) {
  Append(out, &value, sizeof(value));  // little-endian hosts only (x86-64, arm64)
}

// Reads values off a byte range, refusing to step past its end.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool Read(void* out, size_t n) {
    if (n > size_ - pos_) return false;
    std::memcpy(out, data_ + pos_, n);
    pos_ += n;
    return true;
  }
  template <typename T>
  bool ReadValue(T* out) {
    return Read(out, sizeof(T));
  }
  size_t remaining() const { return size_ - pos_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace

RequestKind ClassifyRequest(const uint8_t* frame0, size_t size) {
  if (HasMagic(frame0, size, kWireMagic)) return RequestKind::kFrame;
  if (HasMagic(frame0, size, kExitMagic)) return RequestKind::kExitFrame;
  if (HasMagic(frame0, size, kHelloMagic)) return RequestKind::kHello;
  if (HasMagic(frame0, size, kProbeMagic)) return RequestKind::kProbe;
  return RequestKind::kUnknown;
}

std::vector<uint8_t> EncodeExitPrefix(int exit_index) {
  std::vector<uint8_t> out(kExitMagic, kExitMagic + kMagicBytes);
  AppendValue<int32_t>(&out, static_cast<int32_t>(exit_index));
  return out;
}

Status DecodeExitPrefix(const uint8_t* data, size_t size, int* exit_index) {
  if (!HasMagic(data, size, kExitMagic)) return InvalidArgument("not an exit frame request");
  if (size != kMagicBytes + sizeof(int32_t)) {
    return InvalidArgument("exit frame prefix has " + std::to_string(size) + " bytes, expected " +
                           std::to_string(kMagicBytes + sizeof(int32_t)));
  }
  int32_t value = 0;
  std::memcpy(&value, data + kMagicBytes, sizeof(value));
  *exit_index = value;
  return Status::Ok();
}

std::vector<uint8_t> EncodeHelloRequest() {
  return std::vector<uint8_t>(kHelloMagic, kHelloMagic + kMagicBytes);
}

std::vector<uint8_t> EncodeServerInfo(const ServerInfo& info) {
  std::vector<uint8_t> out;
  Append(&out, kInfoMagic, kMagicBytes);
  Append(&out, info.model_hash.data(), info.model_hash.size());
  AppendValue<uint32_t>(&out, info.threads);
  AppendValue<uint32_t>(&out, info.workers);
  const uint32_t name_size =
      static_cast<uint32_t>(std::min<size_t>(info.backend.size(), kMaxBackendName));
  AppendValue<uint32_t>(&out, name_size);
  Append(&out, info.backend.data(), name_size);
  AppendValue<uint32_t>(&out, static_cast<uint32_t>(info.node_ms.size()));
  for (double ms : info.node_ms) AppendValue<double>(&out, ms);
  return out;
}

Status DecodeServerInfo(const uint8_t* data, size_t size, size_t num_nodes, ServerInfo* out) {
  if (IsErrorReply(data, size)) return DecodeErrorReply(data, size);
  if (!HasMagic(data, size, kInfoMagic))
    return InvalidArgument("hello reply is not a server description");
  Reader r(data + kMagicBytes, size - kMagicBytes);
  ServerInfo info;
  uint32_t name_size = 0, count = 0;
  if (!r.Read(info.model_hash.data(), info.model_hash.size()) || !r.ReadValue(&info.threads) ||
      !r.ReadValue(&info.workers) || !r.ReadValue(&name_size) || name_size > kMaxBackendName) {
    return InvalidArgument("server description is truncated or malformed");
  }
  info.backend.resize(name_size);
  if (!r.Read(info.backend.data(), name_size) || !r.ReadValue(&count) || count > kMaxInfoNodes) {
    return InvalidArgument("server description is truncated or malformed");
  }
  if (count != num_nodes) {
    return InvalidArgument("the server describes a graph of " + std::to_string(count) +
                           " nodes; this model has " + std::to_string(num_nodes));
  }
  if (r.remaining() != static_cast<size_t>(count) * sizeof(double)) {
    return InvalidArgument("server description has " + std::to_string(r.remaining()) +
                           " latency bytes for " + std::to_string(count) + " nodes");
  }
  info.node_ms.resize(count);
  for (double& ms : info.node_ms) {
    if (!r.ReadValue(&ms) || !(ms >= 0) || ms > 1e9) {
      return InvalidArgument("server description has an invalid layer latency");
    }
  }
  *out = std::move(info);
  return Status::Ok();
}

std::vector<uint8_t> EncodeProbeRequest(uint64_t payload_bytes) {
  std::vector<uint8_t> out(kMagicBytes + payload_bytes, 0);
  std::memcpy(out.data(), kProbeMagic, kMagicBytes);
  return out;
}

std::vector<uint8_t> EncodeProbeReply() {
  return std::vector<uint8_t>(kProbeAckMagic, kProbeAckMagic + kMagicBytes);
}

bool IsProbeReply(const uint8_t* data, size_t size) {
  return size == kMagicBytes && HasMagic(data, size, kProbeAckMagic);
}

std::vector<uint8_t> EncodeErrorReply(const Status& status) {
  std::vector<uint8_t> out;
  Append(&out, kErrorMagic, kMagicBytes);
  AppendValue<int32_t>(&out, static_cast<int32_t>(status.code()));
  const std::string& text = status.message();
  Append(&out, text.data(), std::min(text.size(), kMaxErrorText));
  return out;
}

bool IsErrorReply(const uint8_t* data, size_t size) { return HasMagic(data, size, kErrorMagic); }

Status DecodeErrorReply(const uint8_t* data, size_t size) {
  int32_t code = 0;
  if (!IsErrorReply(data, size) || size < kMagicBytes + sizeof(code)) {
    return Internal("malformed error reply from the server");
  }
  std::memcpy(&code, data + kMagicBytes, sizeof(code));
  const size_t text_size = std::min(size - kMagicBytes - sizeof(code), kMaxErrorText);
  std::string text(reinterpret_cast<const char*>(data) + kMagicBytes + sizeof(code), text_size);
  // Only codes a server sends are trusted as such; anything else is internal.
  StatusCode status_code = StatusCode::kInternal;
  switch (static_cast<StatusCode>(code)) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kUnsupported:
    case StatusCode::kOutOfMemory:
    case StatusCode::kVersionMismatch:
    case StatusCode::kUnauthenticated:
    case StatusCode::kNotFound:
    case StatusCode::kIo:
    case StatusCode::kTimeout:
      status_code = static_cast<StatusCode>(code);
      break;
    default:
      break;
  }
  return Status(status_code, "server: " + text);
}

}  // namespace seam::stream
