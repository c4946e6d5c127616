// The tensor wire format: boundary tensors (edge -> server) and outputs
// (server -> edge) as a checksummed header plus one payload per tensor.
//
// Everything received is untrusted: DecodeMessage verifies the header
// checksum and FlatBuffer, the format version, the model hash, the cut, each
// tensor's identity and shape against the model, payload sizes and payload
// checksums before a single payload byte is interpreted. Optional lossy
// encodings (fp16, int8 with per-tensor scale and zero point) shrink the
// boundary; decoding always yields fp32.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "seam/cut.h"
#include "seam/graph.h"
#include "seam/model.h"
#include "seam/session.h"
#include "seam/status.h"

namespace seam {

constexpr uint32_t kWireFormatVersion = 1;
// Bytes before the FlatBuffer in a header frame: magic, sizes, checksum.
constexpr size_t kWirePrefixBytes = 24;
// Refuse messages above this many tensors (a model boundary is far smaller).
constexpr size_t kWireMaxTensors = 4096;
// Refuse header frames larger than this (prefix included) before checksumming
// them: a real header (4096 tensors with long names, a million node ids) is
// well under it, and the transports accept messages of up to 256 MiB.
constexpr size_t kWireMaxHeaderBytes = size_t{16} << 20;

// The checksum a header frame carries at byte 16 (over its FlatBuffer) and
// each tensor carries over its payload: the first 8 bytes of the content hash.
// It detects corruption, not tampering (the transport authenticates).
uint64_t WireChecksum64(const uint8_t* data, size_t size);

enum class WireEncoding : int32_t { kF32 = 0, kF16 = 1, kI8 = 2 };
enum class WireKind : int32_t { kBoundary = 0, kOutputs = 1 };

const char* WireEncodingName(WireEncoding encoding);
// Parses "f32", "f16" or "int8".
Status ParseWireEncoding(const std::string& text, WireEncoding* out);

// An encoded message. Buffers are reused across EncodeMessage calls, so a
// stream encodes without allocating once they have grown to size.
struct WireMessage {
  std::vector<uint8_t> header;                 // prefix + FlatBuffer (frame 0)
  std::vector<std::vector<uint8_t>> payloads;  // one per tensor
  size_t num_payloads = 0;                     // payloads in use
};

// A borrowed message: what a transport received, or a view of a WireMessage.
struct WireMessageView {
  const uint8_t* header = nullptr;
  size_t header_size = 0;
  std::vector<const uint8_t*> payloads;
  std::vector<size_t> payload_sizes;
};
WireMessageView ViewOf(const WireMessage& message);

struct WireEncodeOptions {
  WireEncoding encoding = WireEncoding::kF32;
  WireKind kind = WireKind::kBoundary;
  uint64_t frame_id = 0;
  uint64_t compute_micros = 0;
};

// Encodes `tensors` (graph tensor index + fp32 data) for `cut`.
Status EncodeMessage(const Graph& graph, const ContentHash& model_hash, const Cut& cut,
                     const std::vector<BoundaryTensor>& tensors, const WireEncodeOptions& options,
                     WireMessage* out);

// What a header says, read after full verification of the header (not the
// payloads). Lets a server find the cut before decoding.
struct WireHeaderInfo {
  WireKind kind = WireKind::kBoundary;
  ContentHash model_hash{};
  uint64_t cut_id = 0;
  uint64_t frame_id = 0;
  uint64_t compute_micros = 0;
  std::vector<uint32_t> edge_node_ids;
  size_t num_tensors = 0;
};
Status ReadWireHeader(const WireMessageView& message, WireHeaderInfo* out);

// Rebuilds the cut a header names and checks it against its cut id. A header
// naming more nodes than the model has is refused before any lookup.
Status CutFromWireHeader(const Graph& graph, const WireHeaderInfo& info, Cut* out);

// Decoded tensors. F32 payloads that are suitably aligned are used in place
// (views into the message); others are decoded into `storage`, reused.
struct DecodedMessage {
  WireHeaderInfo info;
  std::vector<int> tensors;
  std::vector<ConstTensorView> views;
  std::vector<std::vector<float>> storage;
};

// Verifies everything and decodes. The message must be of `kind`, for the
// model with `model_hash`, for `cut`, carrying exactly `expected_tensors`
// (CutBoundary(cut) for a boundary, graph.outputs for outputs) in order.
Status DecodeMessage(const Graph& graph, const ContentHash& model_hash, const Cut& cut,
                     WireKind kind, const std::vector<int>& expected_tensors,
                     const WireMessageView& message, DecodedMessage* out);

// One contiguous buffer (.seamt files): header, padding, 64-aligned payloads.
void WireMessageToBytes(const WireMessage& message, std::vector<uint8_t>* out);
// Splits a contiguous buffer into a view (no copy); checks every offset.
Status WireMessageFromBytes(const uint8_t* data, size_t size, WireMessageView* out);

}  // namespace seam
