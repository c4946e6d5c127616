// EdgeStream: the frame loop of `seam edge`, pipelined in two stages. The
// compute stage runs the edge part of frame k+1 while the send stage moves
// frame k's boundary to the server and waits for its outputs. Each frame
// takes the cut the planner holds when its compute starts and names that cut
// in its message, so a re-cut never needs a restart and both ends always
// agree. A frame whose request fails (timeout, dead server, refusal) is
// finished locally from its own boundary: no frame is ever lost, and its
// output still equals the full model's on this backend. A cut that takes an
// early exit runs the exit's sub-graph on both sides (and locally when it
// falls back); the frame's output is then the exit head's.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "plugins/monitor_host.h"
#include "seam/model.h"
#include "seam/session.h"
#include "seam/status.h"
#include "tools/stream/edge_link.h"
#include "tools/stream/edge_planner.h"
#include "tools/stream/frame_source.h"

namespace seam::stream {

struct EdgeStreamOptions {
  double rate = 0;           // frames per second; 0 = as fast as the pipeline goes
  std::string output_dir;    // write each frame's outputs here ("" = don't)
  bool verify = false;       // compare every output with a local full run (of its exit)
  double edge_slowdown = 1;  // emulate an edge this many times slower (sleeps)
  double replan_interval_ms = 250;
  uint32_t min_timeout_ms = 1000;
  uint32_t max_timeout_ms = 60000;
  // Polled by the planner thread about every 10 ms while it waits for its
  // next plan: the tool's chance to swap plugins (`seam edge` reloads them
  // on SIGHUP) without the stream knowing about signals. Returns true when
  // something changed, and the planner re-plans at once. Frames never wait
  // for it: they keep the cut they started with, and the next frame takes
  // whatever cut the new plugin's plan installed.
  std::function<bool()> reload;
};

struct FrameRecord {
  int64_t frame = 0;
  std::string cut;
  uint64_t cut_id = 0;
  size_t edge_nodes = 0;
  int exit_index = -1;    // the early exit the frame took; -1: the model's outputs
  std::string exit_name;  // Graph::exits[exit_index].name, or ""
  double latency_ms = 0;  // from the frame's release to its outputs
  double edge_ms = 0, link_ms = 0, server_ms = 0, local_ms = 0;
  int64_t sent_bytes = 0;
  bool fallback = false;  // finished locally after a failed request
  std::string fallback_reason;
  int verified = -1;  // -1 not checked, 0 differs from the full run, 1 identical
};

struct EdgeSummary {
  int64_t frames = 0, fallbacks = 0, mismatches = 0, verified = 0, recuts = 0;
  int64_t exit_frames = 0;    // frames that took an early exit
  int64_t plans_refused = 0;  // policy answers refused (errors or invalid cuts)
  double median_ms = 0, p90_ms = 0, wall_s = 0;
};

class EdgeObserver {
 public:
  virtual ~EdgeObserver() = default;
  virtual void OnFrame(const FrameRecord& record) = 0;
  virtual void OnRecut(int64_t next_frame, const RecutEvent& event) = 0;
  virtual void OnNotice(const std::string& message) = 0;
  // The policy failed to plan, or its plan failed the host's checks; the
  // stream goes on with `kept`, the cut it had. Called again for the same
  // failure only after a plan got through in between.
  virtual void OnPlanRefused(int64_t next_frame, const std::string& kept, const Status& why) {
    (void)next_frame;
    OnNotice("plan refused, keeping " + kept + ": " + why.ToString());
  }
};

// Makes a session for `graph`: the model's, or an exit's sub-graph.
using SessionFactory = std::function<Status(const Graph& graph, std::unique_ptr<Session>*)>;

class EdgeStream {
 public:
  EdgeStream(const Model& model, SessionFactory sessions, EdgeLink* link, EdgePlanner* planner,
             MonitorSet* monitors, FrameSource* source, EdgeStreamOptions options,
             EdgeObserver* observer);
  ~EdgeStream();
  Status Run(EdgeSummary* summary);

 private:
  struct Item;
  class ItemQueue;
  void ComputeStage(ItemQueue* queue, ItemQueue* spare, Status* status);
  void SendStage(ItemQueue* queue, ItemQueue* spare, Status* status);
  void PlannerLoop();
  Status Finish(Item* item);
  Status FinishLocally(Item* item, const std::string& reason);
  Status SendToServer(Item* item, Status* request_status);
  // The session of `kind` for the graph `choice` runs (exit sessions are made
  // on first use). Each kind is used by one stage's thread only.
  enum class Role { kEdge, kFallback, kVerify };
  Status SessionFor(Role role, const CutChoice& choice, Session** out);
  void Stretch(double measured_ms);
  uint32_t TimeoutFor(const Item& item) const;

  const Model& model_;
  SessionFactory sessions_;
  EdgeLink* link_;
  EdgePlanner* planner_;
  MonitorSet* monitors_;
  FrameSource* source_;
  EdgeStreamOptions options_;
  EdgeObserver* observer_;

  std::unique_ptr<Session> edge_, fallback_, verify_;
  // Per early exit, per role (kEdge, kFallback, kVerify).
  std::vector<std::unique_ptr<Session>> exit_sessions_[3];
  std::atomic<bool> done_{false};
  std::atomic<int64_t> next_frame_{0};
  // Re-cuts come from the send stage (server down) and the planner thread.
  std::atomic<int64_t> recuts_{0};
  std::vector<double> latencies_;
  EdgeSummary summary_;
};

}  // namespace seam::stream
