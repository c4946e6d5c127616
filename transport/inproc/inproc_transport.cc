// inproc transport: request/reply between threads of one process, without
// ZeroMQ or sockets. Used by tests, by single-process demos (edge and server
// in one binary) and as the inner link of the shaped transport.
//
// A process-global registry maps "inproc://NAME" to the endpoint a server
// bound. An endpoint is a bounded queue of calls (config capacity, default
// 64) guarded by one mutex:
//   * request() copies the frames into a Call, waits for room in the queue
//     (back-pressure: it blocks while the queue is full, up to its timeout),
//     enqueues it and waits on the call's condition variable for the reply.
//   * receive() takes the oldest call; the worker keeps it under a token
//     until reply() copies the reply frames into it and wakes the client.
//   * On timeout the client abandons the call: a call still queued is
//     removed (no worker ever sees it), one being served is answered into
//     the void. The next request uses another Call, so a late reply can
//     never be mistaken for the next one.
// Frames are copied into 64-byte aligned buffers owned by the Call, because
// the caller's frames are borrowed for the call only. Calls are recycled per
// client, so steady traffic copies without allocating.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "transport/transport_common.h"

namespace seam_transport {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kScheme = "inproc://";

struct Call {
  enum class State { kIdle, kQueued, kTaken, kReplied, kFailed, kAbandoned };
  State state = State::kIdle;
  std::vector<AlignedBuffer> request;
  std::vector<seam_frame> request_frames;
  std::vector<AlignedBuffer> reply;
  std::vector<seam_frame> reply_frames;
  seam_status fail_status = SEAM_STATUS_OK;
  std::string fail_message;
  std::condition_variable done;  // waits on the endpoint's mutex
};

// Copies frames into a Call's buffers and builds the frame table.
void CopyFrames(const seam_frame* frames, uint32_t n, std::vector<AlignedBuffer>* buffers,
                std::vector<seam_frame>* table) {
  if (buffers->size() < n) buffers->resize(n);
  table->resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    (*buffers)[i].Assign(frames[i].data, static_cast<size_t>(frames[i].size));
    (*table)[i].data = (*buffers)[i].data();
    (*table)[i].size = frames[i].size;
  }
}

struct Endpoint {
  std::string name;
  size_t capacity = 64;
  uint64_t max_message_bytes = 0;
  std::mutex mutex;
  std::condition_variable not_empty;  // workers wait here
  std::condition_variable not_full;   // clients wait here
  std::deque<std::shared_ptr<Call>> queue;
  bool closed = false;
};

// The process-global registry. Function-local statics, so it exists before
// the first use from any thread and is never destroyed while an instance
// could use it (instances keep this module loaded).
std::mutex& RegistryMutex() {
  static std::mutex m;
  return m;
}
std::map<std::string, std::shared_ptr<Endpoint>>& Registry() {
  static std::map<std::string, std::shared_ptr<Endpoint>> r;
  return r;
}

std::string EndpointName(const std::string& endpoint) {
  const size_t n = std::strlen(kScheme);
  if (endpoint.compare(0, n, kScheme) != 0 || endpoint.size() == n) {
    throw TransportError(SEAM_STATUS_INVALID_ARGUMENT,
                         "endpoint '" + endpoint + "' is not inproc://NAME");
  }
  return endpoint.substr(n);
}

// Fails a call and wakes its client (endpoint mutex held).
void FailCall(Call* call, seam_status status, const std::string& message) {
  if (call->state == Call::State::kAbandoned || call->state == Call::State::kReplied ||
      call->state == Call::State::kFailed) {
    return;
  }
  call->state = Call::State::kFailed;
  call->fail_status = status;
  call->fail_message = message;
  call->done.notify_all();
}

class InprocTransport;

class InprocWorker final : public Worker {
 public:
  explicit InprocWorker(std::shared_ptr<Endpoint> endpoint) : endpoint_(std::move(endpoint)) {}
  ~InprocWorker() override {
    // Calls taken but not answered would leave their clients waiting until
    // their timeouts; tell them now.
    std::lock_guard<std::mutex> lock(endpoint_->mutex);
    for (auto& kv : taken_) {
      FailCall(kv.second.get(), SEAM_STATUS_UNAVAILABLE, "the worker closed without replying");
    }
  }

  seam_status Receive(uint32_t timeout_ms, seam_received* out, std::string* message) override {
    current_.reset();
    current_token_ = 0;
    const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    std::shared_ptr<Call> call;
    {
      std::unique_lock<std::mutex> lock(endpoint_->mutex);
      while (endpoint_->queue.empty() && !endpoint_->closed) {
        if (endpoint_->not_empty.wait_until(lock, deadline) == std::cv_status::timeout &&
            endpoint_->queue.empty()) {
          *message = "no request within " + std::to_string(timeout_ms) + " ms";
          return SEAM_STATUS_TIMEOUT;
        }
      }
      if (endpoint_->closed) {
        *message = "the server was closed";
        return SEAM_STATUS_UNAVAILABLE;
      }
      call = std::move(endpoint_->queue.front());
      endpoint_->queue.pop_front();
      call->state = Call::State::kTaken;
      endpoint_->not_full.notify_one();
    }
    const uint64_t token = next_token_++;
    taken_.emplace(token, call);
    seam_received r{};
    r.struct_size = sizeof(r);
    r.num_frames = static_cast<uint32_t>(call->request_frames.size());
    r.frames = call->request_frames.data();
    r.token = token;
    current_ = std::move(call);
    current_token_ = token;
    CopyReceived(r, out);
    return SEAM_STATUS_OK;
  }

  seam_status Reply(uint64_t token, const seam_frame* frames, uint32_t num_frames,
                    std::string* message) override {
    auto it = taken_.find(token);
    if (it == taken_.end()) {
      *message =
          "unknown token " + std::to_string(token) + " (already answered, or never received)";
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    const uint64_t total = TotalBytes(frames, num_frames);
    if (total > endpoint_->max_message_bytes) {
      *message = "reply of " + std::to_string(total) +
                 " bytes exceeds max_message_bytes=" + std::to_string(endpoint_->max_message_bytes);
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    std::shared_ptr<Call> call = std::move(it->second);
    taken_.erase(it);
    // The reply buffers belong to this worker until the state says
    // otherwise: the client reads them only after kReplied, and an abandoned
    // call is never read, so copying outside the lock is safe and keeps a
    // large copy from blocking every other client and worker.
    {
      std::lock_guard<std::mutex> lock(endpoint_->mutex);
      if (call->state != Call::State::kTaken) return SEAM_STATUS_OK;  // client gave up
    }
    CopyFrames(frames, num_frames, &call->reply, &call->reply_frames);
    std::lock_guard<std::mutex> lock(endpoint_->mutex);
    if (call->state == Call::State::kTaken) {
      call->state = Call::State::kReplied;
      call->done.notify_all();
    }
    return SEAM_STATUS_OK;
  }

  void ReleaseRequest(seam_received* request) override {
    if (!current_ || request->token != current_token_) return;
    current_.reset();
    current_token_ = 0;
    request->num_frames = 0;
    request->frames = nullptr;
  }

 private:
  std::shared_ptr<Endpoint> endpoint_;
  uint64_t next_token_ = 1;
  std::unordered_map<uint64_t, std::shared_ptr<Call>> taken_;
  std::shared_ptr<Call> current_;  // keeps the request frames alive
  uint64_t current_token_ = 0;
};

class InprocTransport final : public Transport {
 public:
  static constexpr const char* kName = "inproc";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "in-process request/reply through a bounded queue (inproc://NAME), no sockets";

  static std::unique_ptr<Transport> Create(const Host& host, Config& config) {
    const uint64_t capacity = config.Count("capacity", 64, 1, 1u << 20);
    const uint64_t max_bytes =
        config.Bytes("max_message_bytes", 256ull << 20, 1, uint64_t{1} << 40);
    config.Finish();
    return std::unique_ptr<Transport>(new InprocTransport(host, capacity, max_bytes));
  }

  ~InprocTransport() override {
    if (!bound_) return;
    {
      std::lock_guard<std::mutex> lock(RegistryMutex());
      auto it = Registry().find(bound_->name);
      if (it != Registry().end() && it->second == bound_) Registry().erase(it);
    }
    std::lock_guard<std::mutex> lock(bound_->mutex);
    bound_->closed = true;
    for (auto& call : bound_->queue) {
      FailCall(call.get(), SEAM_STATUS_UNAVAILABLE, "the server was closed");
    }
    bound_->queue.clear();
    bound_->not_empty.notify_all();
    bound_->not_full.notify_all();
  }

  void Connect(const std::string& endpoint) override {
    if (bound_) throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "instance is a bound server");
    if (!name_.empty()) throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "already connected");
    // The server may bind later (or restart): each request looks it up.
    name_ = EndpointName(endpoint);
  }

  seam_status Request(const seam_frame* frames, uint32_t num_frames, uint32_t timeout_ms,
                      seam_received* reply, std::string* message) override {
    if (name_.empty()) {
      *message = "request() before connect()";
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    current_.reset();
    const uint64_t total = TotalBytes(frames, num_frames);
    if (total > max_message_bytes_) {
      *message = "request of " + std::to_string(total) +
                 " bytes exceeds max_message_bytes=" + std::to_string(max_message_bytes_);
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    std::shared_ptr<Endpoint> endpoint;
    {
      std::lock_guard<std::mutex> lock(RegistryMutex());
      auto it = Registry().find(name_);
      if (it != Registry().end()) endpoint = it->second;
    }
    if (!endpoint) {
      *message = "no server is bound at inproc://" + name_;
      return SEAM_STATUS_UNAVAILABLE;
    }
    if (total > endpoint->max_message_bytes) {
      *message = "request of " + std::to_string(total) + " bytes exceeds the server's " +
                 "max_message_bytes=" + std::to_string(endpoint->max_message_bytes);
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    std::shared_ptr<Call> call = FreeCall();
    CopyFrames(frames, num_frames, &call->request, &call->request_frames);
    call->state = Call::State::kIdle;
    call->fail_status = SEAM_STATUS_OK;
    call->fail_message.clear();

    std::unique_lock<std::mutex> lock(endpoint->mutex);
    while (endpoint->queue.size() >= endpoint->capacity && !endpoint->closed) {
      if (endpoint->not_full.wait_until(lock, deadline) == std::cv_status::timeout &&
          endpoint->queue.size() >= endpoint->capacity) {
        *message = "the server's queue stayed full (capacity " +
                   std::to_string(endpoint->capacity) + ") for " + std::to_string(timeout_ms) +
                   " ms";
        return SEAM_STATUS_TIMEOUT;
      }
    }
    if (endpoint->closed) {
      *message = "the server was closed";
      return SEAM_STATUS_UNAVAILABLE;
    }
    call->state = Call::State::kQueued;
    endpoint->queue.push_back(call);
    endpoint->not_empty.notify_one();
    while (call->state == Call::State::kQueued || call->state == Call::State::kTaken) {
      if (call->done.wait_until(lock, deadline) == std::cv_status::timeout &&
          (call->state == Call::State::kQueued || call->state == Call::State::kTaken)) {
        if (call->state == Call::State::kQueued) {
          auto& q = endpoint->queue;
          q.erase(std::find(q.begin(), q.end(), call));
          endpoint->not_full.notify_one();
        }
        call->state = Call::State::kAbandoned;
        *message =
            "no reply from inproc://" + name_ + " within " + std::to_string(timeout_ms) + " ms";
        return SEAM_STATUS_TIMEOUT;
      }
    }
    if (call->state == Call::State::kFailed) {
      *message = call->fail_message;
      return call->fail_status;
    }
    lock.unlock();
    current_ = std::move(call);
    seam_received r{};
    r.struct_size = sizeof(r);
    r.num_frames = static_cast<uint32_t>(current_->reply_frames.size());
    r.frames = current_->reply_frames.data();
    r.token = ++generation_;
    CopyReceived(r, reply);
    return SEAM_STATUS_OK;
  }

  void ReleaseReply(seam_received* reply) override {
    if (!current_ || reply->token != generation_) return;
    current_.reset();
    reply->num_frames = 0;
    reply->frames = nullptr;
  }

  void Bind(const std::string& endpoint) override {
    if (!name_.empty()) throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "instance is a client");
    if (bound_) throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "already bound");
    auto e = std::make_shared<Endpoint>();
    e->name = EndpointName(endpoint);
    e->capacity = capacity_;
    e->max_message_bytes = max_message_bytes_;
    {
      std::lock_guard<std::mutex> lock(RegistryMutex());
      if (!Registry().emplace(e->name, e).second) {
        throw TransportError(SEAM_STATUS_IO, "inproc://" + e->name + " is already bound");
      }
    }
    bound_ = std::move(e);
  }

  std::unique_ptr<Worker> OpenWorker() override {
    if (!bound_) throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "open_worker() before bind()");
    return std::make_unique<InprocWorker>(bound_);
  }

 private:
  InprocTransport(const Host& host, uint64_t capacity, uint64_t max_message_bytes)
      : host_(host), capacity_(capacity), max_message_bytes_(max_message_bytes) {}

  // A Call nobody else references (a worker may still hold one it answered
  // or that timed out), so its buffers can be reused; a new one otherwise.
  std::shared_ptr<Call> FreeCall() {
    for (auto& c : pool_) {
      if (c.use_count() == 1) {
        // use_count() is a relaxed load; the fence pairs it with the
        // release in the other thread's reference drop, so that thread's
        // last reads of the buffers happen before we overwrite them.
        std::atomic_thread_fence(std::memory_order_acquire);
        return c;
      }
    }
    auto c = std::make_shared<Call>();
    if (pool_.size() < 4) pool_.push_back(c);
    return c;
  }

  const Host host_;
  const size_t capacity_;
  const uint64_t max_message_bytes_;
  // client
  std::string name_;
  std::vector<std::shared_ptr<Call>> pool_;
  std::shared_ptr<Call> current_;  // the call whose reply the host holds
  uint64_t generation_ = 0;
  // server
  std::shared_ptr<Endpoint> bound_;
};

}  // namespace
}  // namespace seam_transport

SEAM_DEFINE_TRANSPORT_PLUGIN(seam_transport::InprocTransport)
