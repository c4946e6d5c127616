// libFuzzer target: the serve/edge control messages (tools/stream/
// stream_protocol.cc). A server classifies every request's first frame; an
// edge decodes the server description (hello reply) and error replies. All
// of it arrives off the network.
//
// Input: byte 0 is the edge's node count (the description must match it),
// the rest one received frame. Properties: decoders never read out of bounds,
// an error reply never decodes as OK and always carries a message, and a
// description that decodes re-encodes to one that decodes the same.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tests/fuzz/fuzz_common.h"
#include "tools/stream/stream_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace seam;
  using namespace seam::stream;
  if (size < 1) return 0;
  const size_t num_nodes = data[0];
  // Each decoder gets its own exactly-sized copy so ASan sees any overread.
  const std::vector<uint8_t> frame(data + 1, data + size);
  const uint8_t* p = frame.empty() ? nullptr : frame.data();
  const size_t n = frame.size();

  (void)ClassifyRequest(p, n);
  (void)IsProbeReply(p, n);

  if (IsErrorReply(p, n)) {
    const Status s = DecodeErrorReply(p, n);
    if (s.ok()) fuzz::Fail("an error reply decoded as OK");
    if (s.message().empty()) fuzz::Fail("an error reply decoded without a message");
    // What a server sends, an edge reads back with the same code.
    const std::vector<uint8_t> reply = EncodeErrorReply(s);
    const Status again = DecodeErrorReply(reply.data(), reply.size());
    if (again.code() != s.code()) fuzz::Fail("an error reply changed its code on re-encoding");
  }

  ServerInfo info;
  const Status s = DecodeServerInfo(p, n, num_nodes, &info);
  if (!s.ok()) {
    if (s.message().empty()) fuzz::Fail("a refused server description has no message");
    return 0;
  }
  if (info.node_ms.size() != num_nodes) fuzz::Fail("server description has the wrong node count");
  const std::vector<uint8_t> bytes = EncodeServerInfo(info);
  ServerInfo again;
  const Status r = DecodeServerInfo(bytes.data(), bytes.size(), num_nodes, &again);
  if (!r.ok()) fuzz::Fail("a decoded server description does not re-decode: " + r.ToString());
  if (again.model_hash != info.model_hash || again.backend != info.backend ||
      again.threads != info.threads || again.workers != info.workers ||
      again.node_ms != info.node_ms) {
    fuzz::Fail("a server description changed on re-encoding");
  }
  return 0;
}
