// EdgeStream: the compute and send stages, local fallback, and the planner
// thread that re-plans and reconnects while frames flow.
#include "tools/stream/edge_stream.h"

#include <glog/logging.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "seam/wire.h"
#include "tools/tensor_io.h"

namespace seam::stream {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

size_t MessageBytes(const WireMessage& m) {
  size_t bytes = m.header.size();
  for (size_t i = 0; i < m.num_payloads; ++i) bytes += m.payloads[i].size();
  return bytes;
}

}  // namespace

struct EdgeStream::Item {
  int64_t frame = 0;
  Clock::time_point released;
  std::shared_ptr<const CutChoice> choice;
  std::vector<float> input;
  std::vector<std::vector<float>> outputs;
  WireMessage message;
  std::vector<uint8_t> prefix;  // an exit frame's request prefix, else empty
  FrameRecord record;
};

// A bounded queue of frames. Between the stages it holds one frame: the
// compute stage may run one frame ahead of the send stage, which overlaps
// edge compute with transfer and server compute without queueing stale
// frames. A second queue returns finished frames to the compute stage, so a
// stream reuses the same few frames' buffers instead of allocating per frame.
class EdgeStream::ItemQueue {
 public:
  explicit ItemQueue(size_t capacity) : capacity_(capacity) {}
  void Push(std::unique_ptr<Item> item) {
    std::unique_lock<std::mutex> lock(mutex_);
    room_.wait(lock, [this] { return items_.size() < capacity_ || closed_; });
    if (closed_) return;
    items_.push_back(std::move(item));
    ready_.notify_one();
  }
  std::unique_ptr<Item> Pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [this] { return !items_.empty() || closed_; });
    if (items_.empty()) return nullptr;
    std::unique_ptr<Item> item = std::move(items_.front());
    items_.pop_front();
    room_.notify_one();
    return item;
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    ready_.notify_all();
    room_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_, room_;
  std::deque<std::unique_ptr<Item>> items_;
  const size_t capacity_;
  bool closed_ = false;
};

EdgeStream::EdgeStream(const Model& model, SessionFactory sessions, EdgeLink* link,
                       EdgePlanner* planner, MonitorSet* monitors, FrameSource* source,
                       EdgeStreamOptions options, EdgeObserver* observer)
    : model_(model),
      sessions_(std::move(sessions)),
      link_(link),
      planner_(planner),
      monitors_(monitors),
      source_(source),
      options_(std::move(options)),
      observer_(observer) {}

EdgeStream::~EdgeStream() = default;

void EdgeStream::Stretch(double measured_ms) {
  if (options_.edge_slowdown <= 1) return;
  std::this_thread::sleep_for(
      std::chrono::duration<double, std::milli>(measured_ms * (options_.edge_slowdown - 1)));
}

uint32_t EdgeStream::TimeoutFor(const Item& item) const {
  const PlanConditions c = planner_->conditions();
  const Graph& g = item.choice->RunGraph(model_.graph());
  double bytes = static_cast<double>(MessageBytes(item.message));
  for (int t : g.outputs) bytes += static_cast<double>(g.tensors[t].byte_size());
  const double transfer_ms =
      c.bandwidth_bps > 0 ? bytes * 8 / c.bandwidth_bps * 1000 + c.rtt_ms : 0;
  const double expected_ms = transfer_ms + item.choice->decision.server_ms;
  const double timeout = 3 * expected_ms + options_.min_timeout_ms;
  return static_cast<uint32_t>(std::clamp(timeout, static_cast<double>(options_.min_timeout_ms),
                                          static_cast<double>(options_.max_timeout_ms)));
}

void EdgeStream::ComputeStage(ItemQueue* queue, ItemQueue* spare, Status* status) {
  const Graph& g = model_.graph();
  const Shape in_shape = g.tensors[g.inputs[0]].shape;
  const Clock::time_point start = Clock::now();
  std::vector<BoundaryTensor> boundary;
  for (int64_t k = 0; k < source_->size(); ++k) {
    std::unique_ptr<Item> item = spare->Pop();
    if (item == nullptr) break;
    item->record = FrameRecord();
    item->frame = k;
    if (options_.rate > 0) {
      const auto due =
          start + std::chrono::duration_cast<Clock::duration>(
                      std::chrono::duration<double>(static_cast<double>(k) / options_.rate));
      std::this_thread::sleep_until(due);
      item->released = due;
    } else {
      item->released = Clock::now();
    }
    Status s = source_->Load(k, &item->input);
    if (!s.ok()) {
      *status = s;
      break;
    }
    item->choice = planner_->Current();
    const CutChoice& choice = *item->choice;
    const Graph& run = choice.RunGraph(g);  // the model, or the exit's sub-graph
    const std::vector<ConstTensorView> inputs = {{item->input.data(), in_shape}};
    Session* edge = nullptr;
    s = SessionFor(Role::kEdge, choice, &edge);
    if (!s.ok()) {
      *status = s;
      break;
    }
    item->prefix.clear();
    if (choice.exit != nullptr) item->prefix = EncodeExitPrefix(choice.exit_index);
    const Clock::time_point t0 = Clock::now();
    if (choice.edge_only) {
      std::vector<TensorView> outputs;
      item->outputs.resize(run.outputs.size());
      for (size_t i = 0; i < run.outputs.size(); ++i) {
        const Shape& shape = run.tensors[run.outputs[i]].shape;
        item->outputs[i].resize(static_cast<size_t>(shape.NumElements()));
        outputs.push_back({item->outputs[i].data(), shape});
      }
      s = edge->Run(inputs, outputs);
    } else {
      s = edge->RunUntil(choice.cut, inputs, &boundary);
      WireEncodeOptions encode;
      encode.frame_id = static_cast<uint64_t>(k);
      if (s.ok())
        s = EncodeMessage(run, model_.content_hash(), choice.cut, boundary, encode, &item->message);
    }
    if (!s.ok()) {
      *status = s;
      break;
    }
    const double edge_ms = MsSince(t0);
    Stretch(edge_ms);
    item->record.edge_ms = edge_ms * std::max(1.0, options_.edge_slowdown);
    next_frame_ = k + 1;
    queue->Push(std::move(item));
  }
  queue->Close();
}

Status EdgeStream::SessionFor(Role role, const CutChoice& choice, Session** out) {
  if (choice.exit == nullptr) {
    *out = role == Role::kEdge       ? edge_.get()
           : role == Role::kFallback ? fallback_.get()
                                     : verify_.get();
    return Status::Ok();
  }
  std::unique_ptr<Session>& session =
      exit_sessions_[static_cast<int>(role)][static_cast<size_t>(choice.exit_index)];
  if (session == nullptr) SEAM_RETURN_IF_ERROR(sessions_(choice.exit->graph, &session));
  *out = session.get();
  return Status::Ok();
}

Status EdgeStream::SendToServer(Item* item, Status* request_status) {
  const CutChoice& choice = *item->choice;
  const Graph& g = choice.RunGraph(model_.graph());
  const uint32_t timeout_ms = TimeoutFor(*item);
  const size_t sent = item->prefix.size() + MessageBytes(item->message);
  size_t received = 0;
  double server_ms = 0, seconds = 0;
  DecodedMessage decoded;
  auto consume = [&](const ReceivedMessage& reply) -> Status {
    if (reply.num_frames() < 1) return InvalidArgument("empty reply");
    WireMessageView view;
    view.header = reply.frame_data(0);
    view.header_size = reply.frame_size(0);
    received = reply.frame_size(0);
    for (size_t i = 1; i < reply.num_frames(); ++i) {
      view.payloads.push_back(reply.frame_data(i));
      view.payload_sizes.push_back(reply.frame_size(i));
      received += reply.frame_size(i);
    }
    SEAM_RETURN_IF_ERROR(DecodeMessage(g, model_.content_hash(), choice.cut, WireKind::kOutputs,
                                       g.outputs, view, &decoded));
    if (decoded.info.frame_id != static_cast<uint64_t>(item->frame)) {
      return InvalidArgument("the server answered frame " + std::to_string(decoded.info.frame_id) +
                             " for frame " + std::to_string(item->frame));
    }
    // Copy out now: the views point into the reply, valid only in here.
    item->outputs.resize(g.outputs.size());
    for (size_t i = 0; i < g.outputs.size(); ++i) {
      const ConstTensorView& v = decoded.views[i];
      item->outputs[i].assign(v.data, v.data + v.shape.NumElements());
    }
    server_ms = static_cast<double>(decoded.info.compute_micros) / 1000.0;
    return Status::Ok();
  };
  *request_status = link_->Request(item->prefix, item->message, timeout_ms, consume, &seconds);
  if (!request_status->ok()) {
    if (request_status->code() == StatusCode::kTimeout && monitors_ != nullptr) {
      // The link could not move these bytes within the timeout: an upper
      // bound on its rate, and the freshest evidence the monitors can get.
      monitors_->ObserveTransfer(sent, timeout_ms / 1000.0);
    }
    return Status::Ok();
  }
  const double link_ms = std::max(0.001, seconds * 1000 - server_ms);
  item->record.server_ms = server_ms;
  item->record.link_ms = link_ms;
  item->record.sent_bytes = static_cast<int64_t>(sent);
  if (monitors_ != nullptr) monitors_->ObserveTransfer(sent + received, link_ms / 1000.0);
  planner_->ObserveServerCompute(choice, server_ms);
  return Status::Ok();
}

Status EdgeStream::FinishLocally(Item* item, const std::string& reason) {
  const CutChoice& choice = *item->choice;
  // The same graph the frame started on: an exit frame finishes its exit.
  const Graph& g = choice.RunGraph(model_.graph());
  Session* fallback = nullptr;
  SEAM_RETURN_IF_ERROR(SessionFor(Role::kFallback, choice, &fallback));
  DecodedMessage decoded;
  SEAM_RETURN_IF_ERROR(DecodeMessage(g, model_.content_hash(), choice.cut, WireKind::kBoundary,
                                     CutBoundary(g, choice.cut), ViewOf(item->message), &decoded));
  std::vector<TensorView> outputs;
  item->outputs.resize(g.outputs.size());
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const Shape& shape = g.tensors[g.outputs[i]].shape;
    item->outputs[i].resize(static_cast<size_t>(shape.NumElements()));
    outputs.push_back({item->outputs[i].data(), shape});
  }
  const Clock::time_point t0 = Clock::now();
  SEAM_RETURN_IF_ERROR(fallback->ResumeFrom(choice.cut, decoded.views, outputs));
  const double ms = MsSince(t0);
  Stretch(ms);
  item->record.local_ms = ms * std::max(1.0, options_.edge_slowdown);
  item->record.fallback = true;
  item->record.fallback_reason = reason;
  return Status::Ok();
}

Status EdgeStream::Finish(Item* item) {
  const CutChoice& choice = *item->choice;
  const Graph& g = choice.RunGraph(model_.graph());
  FrameRecord& r = item->record;
  r.frame = item->frame;
  r.cut = choice.label;
  r.cut_id = choice.cut_id;
  r.edge_nodes = choice.cut.edge_nodes.size();
  r.exit_index = choice.exit_index;
  r.exit_name = choice.exit_index >= 0
                    ? model_.graph().exits[static_cast<size_t>(choice.exit_index)].name
                    : std::string();
  r.latency_ms = MsSince(item->released);
  if (options_.verify) {
    // Against a local run of the same graph: the whole model, or the exit.
    Session* verify = nullptr;
    SEAM_RETURN_IF_ERROR(SessionFor(Role::kVerify, choice, &verify));
    std::vector<std::vector<float>> expected(g.outputs.size());
    std::vector<TensorView> views;
    for (size_t i = 0; i < g.outputs.size(); ++i) {
      const Shape& shape = g.tensors[g.outputs[i]].shape;
      expected[i].resize(static_cast<size_t>(shape.NumElements()));
      views.push_back({expected[i].data(), shape});
    }
    SEAM_RETURN_IF_ERROR(verify->Run({{item->input.data(), g.tensors[g.inputs[0]].shape}}, views));
    r.verified = 1;
    for (size_t i = 0; i < g.outputs.size(); ++i) {
      if (expected[i].size() != item->outputs[i].size() ||
          std::memcmp(expected[i].data(), item->outputs[i].data(),
                      expected[i].size() * sizeof(float)) != 0) {
        r.verified = 0;
      }
    }
  }
  if (!options_.output_dir.empty()) {
    for (size_t i = 0; i < g.outputs.size(); ++i) {
      char name[64];
      if (g.outputs.size() == 1) {
        std::snprintf(name, sizeof(name), "frame_%06lld.npy", static_cast<long long>(item->frame));
      } else {
        std::snprintf(name, sizeof(name), "frame_%06lld.%zu.npy",
                      static_cast<long long>(item->frame), i);
      }
      const std::string path = (std::filesystem::path(options_.output_dir) / name).string();
      SEAM_RETURN_IF_ERROR(
          cli::WriteTensorFile(path, g.tensors[g.outputs[i]].shape, item->outputs[i].data()));
    }
  }
  ++summary_.frames;
  if (r.exit_index >= 0) ++summary_.exit_frames;
  if (r.fallback) ++summary_.fallbacks;
  if (r.verified >= 0) ++summary_.verified;
  if (r.verified == 0) ++summary_.mismatches;
  latencies_.push_back(r.latency_ms);
  observer_->OnFrame(r);
  return Status::Ok();
}

void EdgeStream::SendStage(ItemQueue* queue, ItemQueue* spare, Status* status) {
  while (std::unique_ptr<Item> item = queue->Pop()) {
    if (!status->ok()) {  // drain so the compute stage never blocks
      spare->Push(std::move(item));
      continue;
    }
    Status s;
    if (!item->choice->edge_only && planner_->server_down()) {
      // An earlier frame already found the server gone: this one, computed
      // for the server before the planner moved the cut, finishes here now
      // instead of waiting out a timeout of its own.
      s = FinishLocally(item.get(), "server down since an earlier frame; not sent");
    } else if (!item->choice->edge_only) {
      Status request;
      s = SendToServer(item.get(), &request);
      if (s.ok() && !request.ok()) {
        s = FinishLocally(item.get(), request.ToString());
        RecutEvent event;
        bool changed = false;
        planner_->MarkServerDown(request.ToString(), &event, &changed);
        if (changed) {
          ++recuts_;
          observer_->OnRecut(next_frame_.load(), event);
        }
      }
    }
    if (s.ok()) s = Finish(item.get());
    if (!s.ok()) *status = s;
    spare->Push(std::move(item));
  }
}

void EdgeStream::PlannerLoop() {
  std::string last_problem, last_refusal;
  const Graph& g = model_.graph();
  while (!done_.load()) {
    const Clock::time_point wake =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double, std::milli>(options_.replan_interval_ms));
    while (!done_.load() && Clock::now() < wake) {
      // A reloaded plugin plans at once rather than at the next tick.
      if (options_.reload && options_.reload()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (done_.load()) break;
    if (planner_->server_down()) {
      if (!planner_->ReconnectDue()) continue;
      ServerInfo info;
      Status s = link_->Hello(g.nodes.size(), options_.min_timeout_ms, &info);
      if (s.ok() && info.model_hash != model_.content_hash()) {
        s = InvalidArgument("the server now serves another model (" +
                            ContentHashHex(info.model_hash) + ")");
      }
      if (!s.ok()) {
        planner_->ReconnectFailed();
        continue;
      }
      planner_->MarkServerUp();
      observer_->OnNotice("server reachable again; re-planning");
    }
    RecutEvent event;
    Status problem, refused;
    if (planner_->Replan(&event, &problem, &refused)) {
      ++recuts_;
      observer_->OnRecut(next_frame_.load(), event);
    }
    if (!problem.ok() && problem.ToString() != last_problem) {
      observer_->OnNotice("planning: " + problem.ToString());
    }
    last_problem = problem.ok() ? "" : problem.ToString();
    if (!refused.ok()) {
      // Counted every time; reported once per run of the same failure, so a
      // policy that keeps failing does not flood the output every tick.
      ++summary_.plans_refused;
      if (refused.ToString() != last_refusal) {
        const std::shared_ptr<const CutChoice> kept = planner_->Current();
        observer_->OnPlanRefused(next_frame_.load(), kept ? kept->label : "no cut", refused);
      }
    }
    last_refusal = refused.ok() ? "" : refused.ToString();
  }
}

Status EdgeStream::Run(EdgeSummary* summary) {
  const Graph& g = model_.graph();
  SEAM_RETURN_IF_ERROR(sessions_(g, &edge_));
  SEAM_RETURN_IF_ERROR(sessions_(g, &fallback_));
  if (options_.verify) SEAM_RETURN_IF_ERROR(sessions_(g, &verify_));
  for (auto& sessions : exit_sessions_) sessions.resize(g.exits.size());
  if (!options_.output_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options_.output_dir, ec);
    if (ec)
      return IoError("cannot create output directory '" + options_.output_dir +
                     "': " + ec.message());
  }
  const Clock::time_point start = Clock::now();
  // One frame computing, one queued, one being sent.
  constexpr size_t kFramesInFlight = 3;
  ItemQueue queue(1), spare(kFramesInFlight);
  for (size_t i = 0; i < kFramesInFlight; ++i) spare.Push(std::make_unique<Item>());
  Status compute_status, send_status;
  std::thread planner([this] { PlannerLoop(); });
  std::thread sender([&] { SendStage(&queue, &spare, &send_status); });
  ComputeStage(&queue, &spare, &compute_status);
  sender.join();
  done_ = true;
  planner.join();
  summary_.recuts = recuts_.load();
  summary_.wall_s = MsSince(start) / 1000.0;
  std::vector<double> sorted = latencies_;
  std::sort(sorted.begin(), sorted.end());
  if (!sorted.empty()) {
    summary_.median_ms = sorted[sorted.size() / 2];
    summary_.p90_ms = sorted[std::min(
        sorted.size() - 1, static_cast<size_t>(0.9 * static_cast<double>(sorted.size())))];
  }
  *summary = summary_;
  SEAM_RETURN_IF_ERROR(compute_status);
  return send_status;
}

}  // namespace seam::stream
