// EdgeLink: builds the transport from the link options and serialises the
// edge's requests over it.
#include "tools/stream/edge_link.h"

#include <algorithm>
#include <chrono>

namespace seam::stream {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

EdgeLink::~EdgeLink() {
  client_.reset();
  transport_.reset();
}

Status EdgeLink::Open(const LinkOptions& options, std::unique_ptr<EdgeLink>* out) {
  std::unique_ptr<EdgeLink> link(new EdgeLink());
  std::vector<std::pair<std::string, std::string>> config;
  std::string name = options.transport;
  if (options.emulate.empty()) {
    config = options.transport_config;
    link->description_ = options.transport + " " + options.endpoint;
  } else {
    // The shaped transport takes its inner transport's options as inner.KEY.
    name = "shaped";
    config.push_back({"inner", options.transport});
    for (const auto& kv : options.transport_config)
      config.push_back({"inner." + kv.first, kv.second});
    const std::string kTrace = "trace:";
    if (options.emulate.compare(0, kTrace.size(), kTrace) == 0) {
      const std::string file = options.emulate.substr(kTrace.size());
      if (file.empty()) return InvalidArgument("--link trace: needs a file, as trace:FILE");
      config.push_back({"trace", file});
    } else {
      config.push_back({"profile", options.emulate});
    }
    link->description_ =
        options.transport + " " + options.endpoint + " shaped as " + options.emulate;
  }
  SEAM_RETURN_IF_ERROR(Transport::Load(name, config, &link->transport_));
  link->client_ = std::make_unique<TransportClient>(link->transport_);
  SEAM_RETURN_IF_ERROR(link->client_->Connect(options.endpoint));
  *out = std::move(link);
  return Status::Ok();
}

Status EdgeLink::Hello(size_t num_nodes, uint32_t timeout_ms, ServerInfo* out) {
  const std::vector<uint8_t> hello = EncodeHelloRequest();
  std::lock_guard<std::timed_mutex> lock(mutex_);
  ReceivedMessage reply;
  SEAM_RETURN_IF_ERROR(client_->Request({{hello.data(), hello.size()}}, timeout_ms, &reply));
  if (reply.num_frames() != 1)
    return InvalidArgument("hello reply has " + std::to_string(reply.num_frames()) + " frames");
  return DecodeServerInfo(reply.frame_data(0), reply.frame_size(0), num_nodes, out);
}

Status EdgeLink::Probe(uint64_t payload_bytes, uint32_t timeout_ms, double* seconds) {
  const std::vector<uint8_t> probe = EncodeProbeRequest(payload_bytes);
  std::lock_guard<std::timed_mutex> lock(mutex_);
  ReceivedMessage reply;
  const auto start = std::chrono::steady_clock::now();
  SEAM_RETURN_IF_ERROR(client_->Request({{probe.data(), probe.size()}}, timeout_ms, &reply));
  *seconds = SecondsSince(start);
  if (reply.num_frames() == 1 && IsErrorReply(reply.frame_data(0), reply.frame_size(0))) {
    return DecodeErrorReply(reply.frame_data(0), reply.frame_size(0));
  }
  if (reply.num_frames() != 1 || !IsProbeReply(reply.frame_data(0), reply.frame_size(0))) {
    return InvalidArgument("the server answered a probe with something else");
  }
  return Status::Ok();
}

Status EdgeLink::Request(const std::vector<uint8_t>& prefix, const WireMessage& message,
                         uint32_t timeout_ms,
                         const std::function<Status(const ReceivedMessage&)>& consume,
                         double* seconds) {
  std::vector<std::pair<const uint8_t*, size_t>> frames;
  frames.reserve(2 + message.num_payloads);
  if (!prefix.empty()) frames.push_back({prefix.data(), prefix.size()});
  frames.push_back({message.header.data(), message.header.size()});
  for (size_t i = 0; i < message.num_payloads; ++i) {
    frames.push_back({message.payloads[i].data(), message.payloads[i].size()});
  }
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::timed_mutex> lock(mutex_, std::chrono::milliseconds(timeout_ms));
  if (!lock.owns_lock()) {
    return Status(StatusCode::kTimeout, "the link stayed busy (a probe in flight) for " +
                                            std::to_string(timeout_ms) + " ms");
  }
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  const uint32_t left_ms = static_cast<uint32_t>(std::max<int64_t>(1, timeout_ms - waited.count()));
  ReceivedMessage reply;
  SEAM_RETURN_IF_ERROR(client_->Request(frames, left_ms, &reply));
  *seconds = SecondsSince(start);
  if (reply.num_frames() >= 1 && IsErrorReply(reply.frame_data(0), reply.frame_size(0))) {
    return DecodeErrorReply(reply.frame_data(0), reply.frame_size(0));
  }
  return consume(reply);
}

}  // namespace seam::stream
