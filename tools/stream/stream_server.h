// StreamServer: the server half of seam's main job (`seam serve`). Loads the
// model once, measures its per-layer latency, binds a transport and runs a
// pool of workers; each worker has its own session and answers requests:
// frames (check model hash and cut, resume, reply with the outputs and the
// compute time), exit frames (the same for an early exit's sub-graph, see
// seam/exit_graph.h), hellos and bandwidth probes. Nothing is kept per edge:
// every request names its model hash, exit and cut, so any worker of any
// server (e.g. behind a `seam broker`) can serve any frame. Back-pressure comes from the
// transport's bounded queues: a busy pool simply stops taking requests.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "seam/exit_graph.h"
#include "seam/model.h"
#include "seam/session.h"
#include "seam/status.h"
#include "tools/stream/stream_protocol.h"

namespace seam::stream {

struct ServeOptions {
  std::string endpoint;  // tcp://HOST:PORT or ipc://PATH
  int workers = 2;
  std::string transport = "zeromq";
  std::vector<std::pair<std::string, std::string>> transport_config;
  int profile_runs = 5;  // runs per layer of the start-up latency profile
  // Called once the workers are taking requests.
  std::function<void(const ServerInfo&)> on_ready;
};

// Makes one worker's session options (its own backend instance) for
// `graph`: the model's graph, or an exit's sub-graph.
using SessionOptionsFactory = std::function<Status(const Graph& graph, SessionOptions*)>;

struct ServeCounters {
  std::atomic<uint64_t> frames{0};
  std::atomic<uint64_t> exit_frames{0};  // of `frames`, those that took an early exit
  std::atomic<uint64_t> refused{0};
  std::atomic<uint64_t> hellos{0};
  std::atomic<uint64_t> probes{0};
  std::atomic<uint64_t> compute_micros{0};
};

class StreamServer {
 public:
  static Status Create(const Model& model, const ServeOptions& options,
                       SessionOptionsFactory make_session_options,
                       std::unique_ptr<StreamServer>* out);
  ~StreamServer();

  // Profiles, binds and serves until `stop` becomes true; then drains the
  // workers (each finishes the request it holds) and closes the transport.
  Status Serve(const std::atomic<bool>& stop);

  const ServerInfo& info() const { return info_; }
  const ServeCounters& counters() const { return counters_; }

 private:
  class Worker;
  StreamServer(const Model& model, ServeOptions options, SessionOptionsFactory factory);
  Status ProfileLayers();

  const Model& model_;
  ServeOptions options_;
  SessionOptionsFactory make_session_options_;
  std::vector<ExitGraph> exits_;  // one per Graph::exits entry, shared by the workers
  ServerInfo info_;
  ServeCounters counters_;
};

}  // namespace seam::stream
