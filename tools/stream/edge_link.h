// EdgeLink: the edge's one connection to a server, through a transport
// plugin (zeromq, or zeromq wrapped by the `shaped` link emulator). Frames,
// hellos and bandwidth probes share it; a mutex keeps one request in flight,
// as the transport's client role requires.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "plugins/transport_host.h"
#include "seam/status.h"
#include "seam/wire.h"
#include "tools/stream/stream_protocol.h"

namespace seam::stream {

struct LinkOptions {
  std::string endpoint;  // tcp://HOST:PORT or ipc://PATH
  // "" = the real link; a shaped profile name ("4g", "cat1", ...); or
  // "trace:FILE" for a bandwidth/RTT trace (transport/shaped).
  std::string emulate;
  std::string transport = "zeromq";
  // Extra KEY=VALUE options for the transport (CURVE key files, limits).
  std::vector<std::pair<std::string, std::string>> transport_config;
};

class EdgeLink {
 public:
  static Status Open(const LinkOptions& options, std::unique_ptr<EdgeLink>* out);
  ~EdgeLink();

  // Asks the server to describe itself.
  Status Hello(size_t num_nodes, uint32_t timeout_ms, ServerInfo* out);
  // Round trip of a probe carrying `payload_bytes`.
  Status Probe(uint64_t payload_bytes, uint32_t timeout_ms, double* seconds);
  // Sends one wire message (after `prefix` as its own first frame, unless
  // empty: an exit frame's EncodeExitPrefix) and hands the reply to
  // `consume`, which runs before the link takes another request (the reply's
  // frames are only valid until then). An error reply becomes its status; a
  // timeout is kTimeout; a dead server kIo or kTimeout. `seconds` is the
  // round trip.
  Status Request(const std::vector<uint8_t>& prefix, const WireMessage& message,
                 uint32_t timeout_ms, const std::function<Status(const ReceivedMessage&)>& consume,
                 double* seconds);

  const std::string& description() const { return description_; }

 private:
  EdgeLink() = default;
  // Timed: a frame waits for a probe in flight only within its own timeout.
  std::timed_mutex mutex_;
  std::shared_ptr<Transport> transport_;
  std::unique_ptr<TransportClient> client_;
  std::string description_;
};

}  // namespace seam::stream
