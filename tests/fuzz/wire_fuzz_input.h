// The input format of the wire fuzz target, shared with the seed generator.
//
//   byte 0      flags (below)
//   bytes 1..   kContiguous: one .seamt buffer (WireMessageToBytes)
//               kFramed: the frames a transport delivers, each as a
//               little-endian u32 length and that many bytes; frame 0 is the
//               header, the others the payloads
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "seam/wire.h"

namespace seam::fuzz {

// Recompute the header and payload checksums before decoding, so mutations
// reach the checks behind them (a mutated 64-bit checksum never matches).
constexpr uint8_t kWireFixChecksums = 1 << 0;
// Recompute the cut id from the header's node list (same reason).
constexpr uint8_t kWireFixCutId = 1 << 1;
// Frames as a transport delivers them instead of one contiguous buffer.
constexpr uint8_t kWireFramed = 1 << 2;
// Framed only: payload frames start at an odd address (ZeroMQ does not
// align received data).
constexpr uint8_t kWireMisalign = 1 << 3;
// Which model the message is for: 0 small DAG, 1 branchy LeNet.
constexpr uint8_t kWireModelBit = 1 << 4;

inline void AppendFrame(std::vector<uint8_t>* out, const uint8_t* data, size_t size) {
  const uint32_t n = static_cast<uint32_t>(size);
  uint8_t len[4];
  std::memcpy(len, &n, 4);
  out->insert(out->end(), len, len + 4);
  out->insert(out->end(), data, data + size);
}

// A fuzz input holding `message` with `flags`.
inline std::vector<uint8_t> WireFuzzInput(uint8_t flags, const WireMessage& message) {
  std::vector<uint8_t> out = {flags};
  if (flags & kWireFramed) {
    AppendFrame(&out, message.header.data(), message.header.size());
    for (size_t i = 0; i < message.num_payloads; ++i) {
      AppendFrame(&out, message.payloads[i].data(), message.payloads[i].size());
    }
  } else {
    std::vector<uint8_t> bytes;
    WireMessageToBytes(message, &bytes);
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  return out;
}

}  // namespace seam::fuzz
