// The edge-server protocol around the wire format. A request's first frame
// says what it is:
//   "SEAMWIRE..."  a frame: boundary tensors of a cut (include/seam/wire.h);
//                  the reply is the outputs message, or an error reply.
//   "SEAMEXIT" + int32 exit index, then a wire message: a frame that takes
//                  early exit E (Graph::exits[E]). The cut and tensors are
//                  those of the exit's sub-graph (seam/exit_graph.h); the
//                  reply is the exit head's output.
//   "SEAMHELO"     hello: the reply describes the server (ServerInfo), so an
//                  edge checks the model hash and learns per-layer server
//                  latency before it plans a single cut.
//   "SEAMPROB"     a bandwidth probe of any size; the reply is 8 bytes.
// An error reply is "SEAMERR!" + a status code + a message, so an edge can
// tell "the server refused this frame" (wrong model, bad cut) from a dead
// link. Every decoder bounds-checks: the bytes come off the network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "seam/model.h"
#include "seam/status.h"

namespace seam::stream {

constexpr size_t kMagicBytes = 8;

enum class RequestKind { kFrame, kExitFrame, kHello, kProbe, kUnknown };

// What the first frame of a request is.
RequestKind ClassifyRequest(const uint8_t* frame0, size_t size);

// What a server tells an edge about itself.
struct ServerInfo {
  ContentHash model_hash{};
  std::string backend;
  uint32_t threads = 0;
  uint32_t workers = 0;
  std::vector<double> node_ms;  // measured per-node latency, one per graph node
};

// The first frame of an exit frame request; the wire message follows.
std::vector<uint8_t> EncodeExitPrefix(int exit_index);
// The exit index an exit prefix names (not yet checked against a model).
Status DecodeExitPrefix(const uint8_t* data, size_t size, int* exit_index);

std::vector<uint8_t> EncodeHelloRequest();
std::vector<uint8_t> EncodeServerInfo(const ServerInfo& info);
// `num_nodes` is the edge's node count: a server describing another graph is
// refused here, before its latencies reach a policy.
Status DecodeServerInfo(const uint8_t* data, size_t size, size_t num_nodes, ServerInfo* out);

// A probe request carries `payload_bytes` bytes after the magic.
std::vector<uint8_t> EncodeProbeRequest(uint64_t payload_bytes);
std::vector<uint8_t> EncodeProbeReply();
bool IsProbeReply(const uint8_t* data, size_t size);

std::vector<uint8_t> EncodeErrorReply(const Status& status);
bool IsErrorReply(const uint8_t* data, size_t size);
// The status an error reply carries (never OK; a malformed one is kInternal).
Status DecodeErrorReply(const uint8_t* data, size_t size);

}  // namespace seam::stream
