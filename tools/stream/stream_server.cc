// StreamServer: start-up profile, transport binding and the worker loop.
#include "tools/stream/stream_server.h"

#include <glog/logging.h>

#include <chrono>
#include <thread>

#include "plugins/transport_host.h"
#include "seam/wire.h"
#include "tools/stream/layer_latency.h"

namespace seam::stream {
namespace {

// How long a worker waits for a request before it looks at the stop flag.
constexpr uint32_t kReceivePollMs = 200;

using Frames = std::vector<std::pair<const uint8_t*, size_t>>;

}  // namespace

// One worker thread: its own transport worker socket and its own sessions
// (the model's, and one per early exit it has been asked for), so workers
// never share an arena or a backend segment.
class StreamServer::Worker {
 public:
  Worker(StreamServer* server, std::unique_ptr<Session> session,
         std::unique_ptr<TransportWorker> socket)
      : server_(server),
        session_(std::move(session)),
        socket_(std::move(socket)),
        exit_sessions_(server->exits_.size()) {}

  void Loop(const std::atomic<bool>& stop) {
    while (!stop.load()) {
      ReceivedMessage request;
      Status s = socket_->Receive(kReceivePollMs, &request);
      if (s.code() == StatusCode::kTimeout) continue;
      if (!s.ok()) {
        LOG(WARNING) << "worker receive failed: " << s.ToString();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      Handle(request);
    }
  }

 private:
  void Handle(const ReceivedMessage& request) {
    if (request.num_frames() == 0) return Refuse(request, InvalidArgument("empty request"));
    switch (ClassifyRequest(request.frame_data(0), request.frame_size(0))) {
      case RequestKind::kHello: {
        ++server_->counters_.hellos;
        const std::vector<uint8_t> info = EncodeServerInfo(server_->info_);
        return Reply(request, {{info.data(), info.size()}});
      }
      case RequestKind::kProbe: {
        ++server_->counters_.probes;
        const std::vector<uint8_t> ack = EncodeProbeReply();
        return Reply(request, {{ack.data(), ack.size()}});
      }
      case RequestKind::kFrame: {
        Status s = ServeFrame(request, 0, server_->model_.graph(), session_.get());
        if (!s.ok()) Refuse(request, s);
        return;
      }
      case RequestKind::kExitFrame: {
        Status s = ServeExitFrame(request);
        if (!s.ok()) Refuse(request, s);
        return;
      }
      case RequestKind::kUnknown:
        return Refuse(request, InvalidArgument("not a seam request (unknown first frame)"));
    }
  }

  // Checks the exit a request names against the model, then serves the wire
  // message after the prefix on that exit's sub-graph.
  Status ServeExitFrame(const ReceivedMessage& request) {
    int exit_index = -1;
    SEAM_RETURN_IF_ERROR(
        DecodeExitPrefix(request.frame_data(0), request.frame_size(0), &exit_index));
    const Graph& g = server_->model_.graph();
    if (exit_index < 0 || static_cast<size_t>(exit_index) >= server_->exits_.size()) {
      return InvalidArgument(
          "the request names exit " + std::to_string(exit_index) + ", but this model has " +
          std::to_string(g.exits.size()) + " exit(s)" +
          (g.exits.empty() ? "" : " (0.." + std::to_string(g.exits.size() - 1) + ")"));
    }
    if (request.num_frames() < 2)
      return InvalidArgument("an exit frame request has no wire message");
    const ExitGraph& exit = server_->exits_[static_cast<size_t>(exit_index)];
    std::unique_ptr<Session>& session = exit_sessions_[static_cast<size_t>(exit_index)];
    if (session == nullptr) {
      // Made on first use: most models' exits are never asked for.
      SessionOptions options;
      SEAM_RETURN_IF_ERROR(server_->make_session_options_(exit.graph, &options));
      SEAM_RETURN_IF_ERROR(Session::Create(exit.graph, options, &session));
    }
    SEAM_RETURN_IF_ERROR(ServeFrame(request, 1, exit.graph, session.get()));
    ++server_->counters_.exit_frames;
    return Status::Ok();
  }

  // Serves the wire message in frames [first, ...) of `request` on `g` (the
  // model's graph or an exit's sub-graph) with `session`, made for `g`.
  Status ServeFrame(const ReceivedMessage& request, size_t first, const Graph& g,
                    Session* session) {
    const ContentHash& hash = server_->model_.content_hash();
    WireMessageView view;
    view.header = request.frame_data(first);
    view.header_size = request.frame_size(first);
    for (size_t i = first + 1; i < request.num_frames(); ++i) {
      view.payloads.push_back(request.frame_data(i));
      view.payload_sizes.push_back(request.frame_size(i));
    }
    WireHeaderInfo header;
    SEAM_RETURN_IF_ERROR(ReadWireHeader(view, &header));
    if (header.kind != WireKind::kBoundary)
      return InvalidArgument("a frame request must carry boundary tensors");
    if (header.model_hash != hash) {
      return InvalidArgument("model hash mismatch: the edge runs model " +
                             ContentHashHex(header.model_hash) + ", this server serves " +
                             ContentHashHex(hash));
    }
    Cut cut;
    SEAM_RETURN_IF_ERROR(CutFromWireHeader(g, header, &cut));
    if (cut.edge_nodes.size() == g.nodes.size()) {
      return InvalidArgument("the cut leaves nothing for the server to run");
    }
    SEAM_RETURN_IF_ERROR(
        DecodeMessage(g, hash, cut, WireKind::kBoundary, CutBoundary(g, cut), view, &decoded_));
    outputs_.resize(g.outputs.size());
    std::vector<TensorView> outputs;
    for (size_t i = 0; i < g.outputs.size(); ++i) {
      const Shape& shape = g.tensors[g.outputs[i]].shape;
      outputs_[i].resize(static_cast<size_t>(shape.NumElements()));
      outputs.push_back({outputs_[i].data(), shape});
    }
    const auto start = std::chrono::steady_clock::now();
    SEAM_RETURN_IF_ERROR(session->ResumeFrom(cut, decoded_.views, outputs));
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - start)
                            .count();
    std::vector<BoundaryTensor> tensors;
    for (size_t i = 0; i < g.outputs.size(); ++i) {
      tensors.push_back({g.outputs[i], {outputs_[i].data(), g.tensors[g.outputs[i]].shape}});
    }
    WireEncodeOptions options;
    options.kind = WireKind::kOutputs;
    options.frame_id = header.frame_id;
    options.compute_micros = static_cast<uint64_t>(micros);
    SEAM_RETURN_IF_ERROR(EncodeMessage(g, hash, cut, tensors, options, &reply_));
    Frames frames = {{reply_.header.data(), reply_.header.size()}};
    for (size_t i = 0; i < reply_.num_payloads; ++i) {
      frames.push_back({reply_.payloads[i].data(), reply_.payloads[i].size()});
    }
    ++server_->counters_.frames;
    server_->counters_.compute_micros += static_cast<uint64_t>(micros);
    Reply(request, frames);
    return Status::Ok();
  }

  void Refuse(const ReceivedMessage& request, const Status& why) {
    ++server_->counters_.refused;
    LOG(WARNING) << "refused a request from "
                 << (request.peer().empty() ? "an edge" : request.peer()) << ": " << why.ToString();
    const std::vector<uint8_t> error = EncodeErrorReply(why);
    Reply(request, {{error.data(), error.size()}});
  }

  void Reply(const ReceivedMessage& request, const Frames& frames) {
    Status s = socket_->Reply(request.token(), frames);
    if (!s.ok()) LOG(WARNING) << "reply failed: " << s.ToString();
  }

  StreamServer* server_;
  std::unique_ptr<Session> session_;
  std::unique_ptr<TransportWorker> socket_;
  std::vector<std::unique_ptr<Session>> exit_sessions_;  // per exit, made on first use
  std::vector<std::vector<float>> outputs_;
  DecodedMessage decoded_;
  WireMessage reply_;
};

StreamServer::StreamServer(const Model& model, ServeOptions options, SessionOptionsFactory factory)
    : model_(model), options_(std::move(options)), make_session_options_(std::move(factory)) {}

StreamServer::~StreamServer() = default;

Status StreamServer::Create(const Model& model, const ServeOptions& options,
                            SessionOptionsFactory make_session_options,
                            std::unique_ptr<StreamServer>* out) {
  if (options.workers < 1 || options.workers > 256) {
    return InvalidArgument("--workers must be in 1..256, got " + std::to_string(options.workers));
  }
  if (options.endpoint.empty()) return InvalidArgument("an endpoint to bind is required (--bind)");
  std::unique_ptr<StreamServer> server(
      new StreamServer(model, options, std::move(make_session_options)));
  const Graph& g = model.graph();
  server->exits_.resize(g.exits.size());
  for (size_t e = 0; e < g.exits.size(); ++e) {
    SEAM_RETURN_IF_ERROR(MakeExitGraph(g, static_cast<int>(e), &server->exits_[e]));
  }
  *out = std::move(server);
  return Status::Ok();
}

Status StreamServer::ProfileLayers() {
  SessionOptions session_options;
  SEAM_RETURN_IF_ERROR(make_session_options_(model_.graph(), &session_options));
  Profile profile;
  double whole_run_ms = 0;
  SEAM_RETURN_IF_ERROR(MeasureLayerLatency(model_, session_options, options_.profile_runs,
                                           &info_.node_ms, &profile, &whole_run_ms));
  info_.model_hash = model_.content_hash();
  info_.backend = profile.backend;
  info_.threads = static_cast<uint32_t>(profile.threads);
  info_.workers = static_cast<uint32_t>(options_.workers);
  LOG(INFO) << "server profile: " << whole_run_ms << " ms per whole run on " << profile.backend
            << " (nodes compiled one by one: " << profile.total_median_ms << " ms)";
  return Status::Ok();
}

Status StreamServer::Serve(const std::atomic<bool>& stop) {
  SEAM_RETURN_IF_ERROR(ProfileLayers());
  std::shared_ptr<Transport> transport;
  SEAM_RETURN_IF_ERROR(Transport::Load(options_.transport, options_.transport_config, &transport));
  TransportServer server(transport);
  SEAM_RETURN_IF_ERROR(server.Bind(options_.endpoint));
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < options_.workers; ++i) {
    SessionOptions session_options;
    SEAM_RETURN_IF_ERROR(make_session_options_(model_.graph(), &session_options));
    std::unique_ptr<Session> session;
    SEAM_RETURN_IF_ERROR(Session::Create(model_, session_options, &session));
    std::unique_ptr<TransportWorker> socket;
    SEAM_RETURN_IF_ERROR(TransportWorker::Open(transport, &socket));
    workers.push_back(std::make_unique<Worker>(this, std::move(session), std::move(socket)));
  }
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w, &stop] { w->Loop(stop); });
  if (options_.on_ready) options_.on_ready(info_);
  for (std::thread& t : threads) t.join();
  workers.clear();  // worker sockets close before the transport
  return Status::Ok();
}

}  // namespace seam::stream
