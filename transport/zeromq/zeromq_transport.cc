// zeromq transport: request/reply over ZeroMQ (tcp:// and ipc:// endpoints),
// with optional CURVE encryption and client authentication.
//
// Client: one DEALER socket with a fresh random routing id. request() sends
// the frames as one multipart message and polls for the reply. On a timeout
// the socket is closed (linger 0) and a new one with a new routing id is
// connected (the "lazy pirate" pattern), so a late reply to the abandoned
// request goes to a peer that no longer exists and can never be mistaken for
// the reply to the next request.
//
// Server: a ROUTER bound on the endpoint (the "frontend"), a ROUTER on
// inproc://seam.workers.<unique> (the "backend") and one proxy thread that
// moves messages between them with its own zmq_poll loop. Each worker is a
// DEALER connected to the backend.
//
//   * Load balancing. A worker announces that it is idle (a one-frame READY)
//     when it enters receive(); the proxy hands each request to the longest
//     idle worker, and reads the frontend only while some worker is idle.
//     (zguide's load-balancing broker.) A DEALER backend would instead deal
//     requests round-robin, queueing one behind a worker busy with a long
//     inference while another worker sits idle; and zmq_proxy() itself
//     returns on the first EHOSTUNREACH from a ROUTER_MANDATORY socket, i.e.
//     the first reply to a client that has timed out and gone.
//   * Back-pressure. While every worker is busy, requests stay in the
//     frontend's per-client queues (rcvhwm), then in TCP buffers, then in
//     the client's queue (sndhwm): nothing inside the server grows without
//     bound.
//   * Envelopes. A client sends [empty][frames...], as a REQ socket would:
//     the empty delimiter ends the routing envelope, so every ROUTER on the
//     way (ours, a seam broker's, or a plain zmq_proxy in between) can push
//     its identity frame in front and the server can tell envelope from
//     payload. The frontend thus reads [id...][empty][frames...]; the proxy
//     sends [worker][id...][empty][peer][frames...] to the backend, so a
//     worker receives [id...][empty][peer][frames...]. It keeps the whole
//     identity stack under a token for reply(), which sends it back
//     unchanged: [id...][empty][frames...]. Each ROUTER on the way back pops
//     its frame and routes by it; the client receives [empty][frames...].
//     `peer` is the CURVE User-Id, read by the proxy where libzmq attaches
//     it (messages read from the client's connection) and passed on as a
//     frame, so workers need not rely on metadata surviving a re-send.
//   * Brokers (several server processes behind one endpoint). The proxy is
//     a load-balancing broker already; `worker_endpoint=` also binds its
//     backend on tcp:// or ipc://, so workers in other processes can join
//     (`seam broker`). A server with `attach=1` binds nothing: bind(ENDPOINT)
//     makes each worker a DEALER connected to a broker's worker endpoint,
//     speaking the same READY / envelope protocol as an in-process worker
//     (`seam serve --connect`). Such a worker re-announces READY while idle
//     (every kReannounce), so a restarted broker learns about it again.
//   * CURVE. The proxy thread also serves ZAP (RFC 27) on a REP socket bound
//     to inproc://zeromq.zap.01 in the instance's own context, before the
//     frontend binds. It answers 200 only for client keys found in
//     allow_keys_dir and returns the client's Z85 public key as User-Id.
//     ZMQ_ZAP_ENFORCE_DOMAIN=1 makes a missing handler refuse every client
//     (fail closed) instead of falling back to encryption without
//     authentication.
//
// Received frames are handed out 16-byte aligned. libzmq places message data
// at any address (inside its receive buffer, or 8 bytes past a 16-byte
// boundary for messages it allocates), so a misaligned frame is copied into a
// reused aligned buffer: one memcpy per frame, about 0.1 ms per MB on a
// current x86 core, against the ~0.3-1 ms per MB that moving it over
// loopback TCP costs.
//
// Sending: the caller's frames are borrowed only for the call. A client
// lends frames of 64 KiB or more to libzmq without copying and request()
// returns only after libzmq has released them (SendLedger); smaller frames,
// and every frame of a worker's reply, are copied into zmq messages (a
// worker must not wait for the network).
#include <dirent.h>
#include <sys/stat.h>
#include <zmq.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>
#include <zmq.hpp>

#include "transport/curve_keys.h"
#include "transport/transport_common.h"

namespace seam_transport {
namespace {

// ZMQ_ZAP_ENFORCE_DOMAIN is declared only in libzmq's draft API, but stable
// builds of 4.3 accept it (the option exists since 4.2.3).
#ifdef ZMQ_ZAP_ENFORCE_DOMAIN
constexpr int kZapEnforceDomain = ZMQ_ZAP_ENFORCE_DOMAIN;
#else
constexpr int kZapEnforceDomain = 93;
#endif

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
constexpr const char* kZapDomain = "seam";
// The one-frame message a worker sends when it is idle.
constexpr char kReady[] = "READY";
constexpr size_t kReadySize = sizeof(kReady) - 1;
// An attached worker (attach=1) repeats its READY this often while idle: a
// broker that restarted lost the first one. The broker ignores a READY from
// a worker it already counts as idle.
constexpr auto kReannounce = std::chrono::milliseconds(1000);
// Envelopes a worker keeps for requests it has not answered; a worker that
// drops requests without replying must not grow without bound.
constexpr size_t kMaxPendingReplies = 1024;
// Buffers above this are freed on release instead of kept for reuse, so one
// unusually large message does not pin its size forever.
constexpr size_t kKeepBufferBytes = 64u << 20;

alignas(kFrameAlignment) const uint8_t kEmptyFrame[kFrameAlignment] = {};

using Clock = std::chrono::steady_clock;

struct Options {
  uint64_t max_message_bytes = 256ull << 20;
  uint64_t max_frames = 4097;  // seam wire: a header + at most 4096 tensors
  int sndhwm = 1000;
  int rcvhwm = 1000;
  int heartbeat_ms = 1000;
  int linger_ms = 0;
  int io_threads = 1;
  int reply_timeout_ms = 10000;
  // CURVE
  bool curve = false;
  seam::CurveKeyPair own;         // curve_secret_file
  std::string server_public_key;  // curve_server_key_file (client)
  std::string allow_keys_dir;     // server
  // Brokers: where remote workers connect (worker_endpoint), or this
  // server's workers connect to a broker instead of binding (attach).
  std::string worker_endpoint;
  bool attach = false;
};

std::string ZmqMessage(const zmq::error_t& e) {
  return std::string(e.what()) + " (errno " + std::to_string(e.num()) + ")";
}

// zmq_poll that retries on EINTR with the remaining time. Returns false on
// timeout; throws zmq::error_t on other errors.
bool PollUntil(zmq_pollitem_t* items, int n, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    const long timeout = left < 0 ? 0 : static_cast<long>(left);
    const int rc = zmq_poll(items, n, timeout);
    if (rc > 0) return true;
    if (rc == 0) {
      if (Clock::now() >= deadline) return false;
      continue;  // zmq_poll may return a little early
    }
    if (zmq_errno() == EINTR) continue;
    throw zmq::error_t();
  }
}

bool PollForever(zmq_pollitem_t* items, int n) {
  for (;;) {
    const int rc = zmq_poll(items, n, -1);
    if (rc >= 0) return rc > 0;
    if (zmq_errno() == EINTR) continue;
    throw zmq::error_t();
  }
}

// Receives the rest of a multipart message whose first part is in parts[0].
void ReceiveRest(zmq::socket_t& socket, std::vector<zmq::message_t>* parts) {
  while (parts->back().more()) {
    parts->emplace_back();
    // The parts of a multipart message arrive together, so this never waits.
    (void)socket.recv(parts->back(), zmq::recv_flags::none);
  }
}

// Receives one whole multipart message without waiting; false when none.
bool ReceiveMessage(zmq::socket_t& socket, std::vector<zmq::message_t>* parts) {
  parts->clear();
  parts->emplace_back();
  if (!socket.recv(parts->back(), zmq::recv_flags::dontwait)) {
    parts->clear();
    return false;
  }
  ReceiveRest(socket, parts);
  return true;
}

// The frames handed to the host from received zmq messages: aligned ones in
// place, the others copied into reused aligned buffers.
class ReceivedFrames {
 public:
  std::vector<zmq::message_t>& parts() { return parts_; }

  // Builds the frame table from parts_[first..].
  void Build(size_t first) {
    frames_.clear();
    size_t copies = 0;
    for (size_t i = first; i < parts_.size(); ++i) {
      const zmq::message_t& m = parts_[i];
      seam_frame f{};
      f.size = m.size();
      if (m.size() == 0) {
        f.data = kEmptyFrame;
      } else if (IsAligned(m.data())) {
        f.data = static_cast<const uint8_t*>(m.data());
      } else {
        if (copies == buffers_.size()) buffers_.emplace_back();
        AlignedBuffer& b = buffers_[copies++];
        b.Assign(m.data(), m.size());
        f.data = b.data();
        copied_bytes_ += m.size();
      }
      frames_.push_back(f);
    }
  }

  const seam_frame* frames() const { return frames_.data(); }
  uint32_t num_frames() const { return static_cast<uint32_t>(frames_.size()); }
  uint64_t copied_bytes() const { return copied_bytes_; }

  void Release() {
    parts_.clear();
    frames_.clear();
    for (AlignedBuffer& b : buffers_) {
      if (b.capacity() > kKeepBufferBytes) b.Reset();
    }
  }

 private:
  std::vector<zmq::message_t> parts_;
  std::vector<AlignedBuffer> buffers_;
  std::vector<seam_frame> frames_;
  uint64_t copied_bytes_ = 0;
};

// Counts zmq messages that reference the caller's memory (zero-copy sends)
// until libzmq lets go of them; libzmq calls Release from its I/O thread.
class SendLedger {
 public:
  void Add() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++outstanding_;
  }
  static void Release(void* /*data*/, void* hint) {
    auto* ledger = static_cast<SendLedger*>(hint);
    std::lock_guard<std::mutex> lock(ledger->mutex_);
    if (--ledger->outstanding_ == 0) ledger->idle_.notify_all();
  }
  // Blocks until libzmq released every message. It does so once the bytes
  // are in the kernel (before any reply can exist), or when the socket is
  // closed, so on every path this is short; a warning every 5 s would show
  // a libzmq that holds on.
  void WaitIdle(const Host& host) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!idle_.wait_for(lock, std::chrono::seconds(5), [this] { return outstanding_ == 0; })) {
      host.Log(SEAM_LOG_WARNING, "still waiting for libzmq to release " +
                                     std::to_string(outstanding_) + " request frame(s)");
    }
  }

 private:
  std::mutex mutex_;
  std::condition_variable idle_;
  int outstanding_ = 0;
};

// Frames at least this large are sent zero-copy by clients (see SendLedger);
// smaller ones are cheaper to copy than to track.
constexpr uint64_t kZeroCopyMinBytes = 64 * 1024;

// Sends `frames` after the parts already sent with sndmore. Without a ledger
// every frame is copied into a zmq message (a worker's reply must not wait
// for the network). With one, large frames are lent to libzmq and the caller
// must ledger->WaitIdle() before the frames' memory may change.
void SendFrames(zmq::socket_t& socket, const seam_frame* frames, uint32_t num_frames,
                SendLedger* ledger = nullptr) {
  for (uint32_t i = 0; i < num_frames; ++i) {
    zmq::message_t m;
    const size_t size = static_cast<size_t>(frames[i].size);
    if (ledger != nullptr && size >= kZeroCopyMinBytes) {
      // libzmq never writes through the pointer; the cast only satisfies
      // zmq_msg_init_data's signature.
      m.rebuild(const_cast<uint8_t*>(frames[i].data), size, &SendLedger::Release, ledger);
      ledger->Add();
    } else {
      m = zmq::message_t(frames[i].data, size);  // this constructor allows (NULL, 0)
    }
    const auto flags = i + 1 < num_frames ? zmq::send_flags::sndmore : zmq::send_flags::none;
    // Only the first part of a message can meet a full queue: libzmq admits
    // a multipart message whole once its first part is in.
    if (!socket.send(m, flags | zmq::send_flags::dontwait)) {
      throw TransportError(SEAM_STATUS_INTERNAL, "zmq refused part " + std::to_string(i) +
                                                     " of a message it had started to accept");
    }
  }
}

// The index of the empty frame that ends the routing envelope of `parts`
// (at least one identity frame before it), or 0 when there is none.
size_t FindDelimiter(const std::vector<zmq::message_t>& parts) {
  if (parts.empty() || parts[0].size() == 0) return 0;  // identities are never empty
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].size() == 0) return i;
  }
  return 0;
}

bool SameBytes(const zmq::message_t& a, const zmq::message_t& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Z85(const uint8_t* key32) {
  char text[seam::kCurveKeyZ85Length + 1] = {};
  if (zmq_z85_encode(text, key32, 32) == nullptr) return "";
  return text;
}

void CheckEndpoint(const std::string& endpoint) {
  if (endpoint.rfind("tcp://", 0) == 0 || endpoint.rfind("ipc://", 0) == 0) {
    if (endpoint.size() > 6) return;
  }
  throw TransportError(SEAM_STATUS_INVALID_ARGUMENT,
                       "endpoint '" + endpoint +
                           "' is not tcp://HOST:PORT or ipc://PATH (use the inproc transport for "
                           "in-process links)");
}

// Reads every public key file in `dir`: the allow-list of client keys
// (binary, 32 bytes each). Fails on an unreadable or malformed file instead
// of skipping it, because a silently ignored key is an outage that is hard
// to diagnose, and a half-read allow-list is not what the operator meant.
std::set<std::string> LoadAllowList(const std::string& dir, const Host& host) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    throw TransportError(SEAM_STATUS_IO,
                         "cannot open allow_keys_dir " + dir + ": " + std::strerror(errno));
  }
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name.empty() || name[0] == '.') continue;
    names.push_back(name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  std::set<std::string> keys;
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (name.size() > 11 && name.compare(name.size() - 11, 11, ".key_secret") == 0) {
      host.Log(SEAM_LOG_WARNING, "allow_keys_dir " + dir + " holds a secret key file (" + name +
                                     "); ignoring it. Only public .key files belong there.");
      continue;
    }
    std::string key, error;
    if (!seam::ReadCurvePublicKeyFile(path, &key, &error)) {
      throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "allow_keys_dir: " + error);
    }
    uint8_t binary[32];
    zmq_z85_decode(binary, key.c_str());
    keys.insert(std::string(reinterpret_cast<const char*>(binary), sizeof(binary)));
  }
  if (keys.empty()) {
    throw TransportError(
        SEAM_STATUS_INVALID_ARGUMENT,
        "allow_keys_dir " + dir + " holds no public key files, so no client could ever connect");
  }
  return keys;
}

class ZmqTransport;

class ZmqWorker final : public Worker {
 public:
  // `attached`: the socket is connected to a broker in another process.
  ZmqWorker(ZmqTransport* owner, std::unique_ptr<zmq::socket_t> socket, bool attached)
      : owner_(owner), socket_(std::move(socket)), attached_(attached) {}
  ~ZmqWorker() override { Close(); }

  seam_status Receive(uint32_t timeout_ms, seam_received* out, std::string* message) override;
  seam_status Reply(uint64_t token, const seam_frame* frames, uint32_t num_frames,
                    std::string* message) override;
  void ReleaseRequest(seam_received* request) override;

  // Closes the socket (idempotent). The owner calls it for workers left
  // open at destroy, so the context can terminate.
  void Close() {
    if (socket_) socket_->close();
    socket_.reset();
  }

 private:
  ZmqTransport* owner_;
  std::unique_ptr<zmq::socket_t> socket_;
  const bool attached_;
  bool idle_announced_ = false;  // a READY is outstanding at the proxy
  Clock::time_point announced_at_;
  uint64_t next_token_ = 1;
  // token -> the request's identity stack (the frames before the delimiter)
  std::unordered_map<uint64_t, std::vector<zmq::message_t>> envelopes_;
  std::deque<uint64_t> envelope_order_;  // oldest first, for eviction
  ReceivedFrames current_;
  uint64_t current_token_ = 0;
};

class ZmqTransport final : public Transport {
 public:
  static constexpr const char* kName = "zeromq";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "ZeroMQ request/reply over tcp:// or ipc:// (DEALER clients, ROUTER server with a "
      "load-balancing worker pool, which can also serve as a broker for workers of other "
      "processes; optional CURVE with a ZAP allow-list)";

  static std::unique_ptr<Transport> Create(const Host& host, Config& config) {
    Options o;
    o.max_message_bytes = config.Bytes("max_message_bytes", o.max_message_bytes, 1, INT32_MAX);
    o.max_frames = config.Count("max_frames", o.max_frames, 1, 1u << 20);
    o.sndhwm = static_cast<int>(config.Count("sndhwm", o.sndhwm, 1, 1u << 20));
    o.rcvhwm = static_cast<int>(config.Count("rcvhwm", o.rcvhwm, 1, 1u << 20));
    o.heartbeat_ms = static_cast<int>(config.Count("heartbeat_ms", o.heartbeat_ms, 0, 600000));
    o.linger_ms = static_cast<int>(config.Count("linger_ms", o.linger_ms, 0, 600000));
    o.io_threads = static_cast<int>(config.Count("io_threads", o.io_threads, 1, 64));
    o.reply_timeout_ms =
        static_cast<int>(config.Count("reply_timeout_ms", o.reply_timeout_ms, 1, 3600000));
    const std::string secret_file = config.String("curve_secret_file", "");
    const std::string server_key_file = config.String("curve_server_key_file", "");
    o.allow_keys_dir = config.String("allow_keys_dir", "");
    o.worker_endpoint = config.String("worker_endpoint", "");
    o.attach = config.Bool("attach", false);
    config.Finish();

    if (!o.worker_endpoint.empty()) CheckEndpoint(o.worker_endpoint);
    if (o.attach && !o.worker_endpoint.empty()) {
      throw TransportError(SEAM_STATUS_INVALID_ARGUMENT,
                           "attach=1 (workers join a broker) and worker_endpoint (be a broker) "
                           "exclude each other");
    }
    if (o.attach && (!secret_file.empty() || !o.allow_keys_dir.empty())) {
      throw TransportError(SEAM_STATUS_INVALID_ARGUMENT,
                           "attach=1 takes no CURVE keys: the broker's front end encrypts and "
                           "authenticates edges; its worker endpoint is plaintext");
    }

    if (!secret_file.empty()) {
      std::string error;
      if (!seam::ReadCurveSecretKeyFile(secret_file, &o.own, &error)) {
        throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "curve_secret_file: " + error);
      }
      struct stat st;
      if (::stat(secret_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
        host.Log(SEAM_LOG_WARNING,
                 "curve_secret_file " + secret_file + " is readable by other users; chmod 600 it");
      }
      o.curve = true;
    } else if (!server_key_file.empty() || !o.allow_keys_dir.empty()) {
      throw TransportError(SEAM_STATUS_INVALID_ARGUMENT,
                           "curve_server_key_file and allow_keys_dir need curve_secret_file (this "
                           "side's own key pair)");
    }
    if (!server_key_file.empty()) {
      std::string error;
      if (!seam::ReadCurvePublicKeyFile(server_key_file, &o.server_public_key, &error)) {
        throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "curve_server_key_file: " + error);
      }
    }
    if (o.curve && zmq_has("curve") == 0) {
      throw TransportError(SEAM_STATUS_UNSUPPORTED, "this libzmq was built without CURVE");
    }
    return std::unique_ptr<Transport>(new ZmqTransport(host, std::move(o)));
  }

  ~ZmqTransport() override {
    StopServer();
    {
      std::lock_guard<std::mutex> lock(workers_mutex_);
      if (!workers_.empty()) {
        host_.Log(SEAM_LOG_WARNING, std::to_string(workers_.size()) +
                                        " worker(s) still open at destroy; closing their sockets");
      }
      for (ZmqWorker* w : workers_) w->Close();
    }
    if (client_) client_->close();
    client_.reset();
    ctx_.close();
  }

  // --- client ----------------------------------------------------------------

  void Connect(const std::string& endpoint) override {
    if (bound_) throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "instance is a bound server");
    if (client_) throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "already connected");
    CheckEndpoint(endpoint);
    if (options_.curve && options_.server_public_key.empty()) {
      throw TransportError(SEAM_STATUS_INVALID_ARGUMENT,
                           "a CURVE client needs curve_server_key_file (the server's public key)");
    }
    endpoint_ = endpoint;
    try {
      OpenClientSocket();
    } catch (const zmq::error_t& e) {
      client_.reset();
      throw TransportError(SEAM_STATUS_IO, "cannot connect to " + endpoint + ": " + ZmqMessage(e));
    }
  }

  seam_status Request(const seam_frame* frames, uint32_t num_frames, uint32_t timeout_ms,
                      seam_received* reply, std::string* message) override {
    if (!client_) {
      *message = "request() before connect()";
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    reply_.Release();
    const uint64_t total = TotalBytes(frames, num_frames);
    if (total > options_.max_message_bytes || num_frames > options_.max_frames) {
      *message = "request of " + std::to_string(total) + " bytes in " + std::to_string(num_frames) +
                 " frames exceeds max_message_bytes=" + std::to_string(options_.max_message_bytes) +
                 " / max_frames=" + std::to_string(options_.max_frames);
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    // Whatever happens below, the caller's frames are ours only until we
    // return: wait for libzmq to let go of the ones it borrowed.
    struct WaitOnExit {
      SendLedger& ledger;
      const Host& host;
      ~WaitOnExit() { ledger.WaitIdle(host); }
    } wait_on_exit{ledger_, host_};
    try {
      zmq_pollitem_t item{client_->handle(), 0, ZMQ_POLLOUT, 0};
      if (!PollUntil(&item, 1, deadline)) {
        ResetClient();
        *message = "could not queue the request within " + std::to_string(timeout_ms) +
                   " ms (send queue full)";
        return SEAM_STATUS_TIMEOUT;
      }
      // The envelope delimiter (see the top of this file). The socket was
      // writable, so the first part is accepted and the rest follows.
      zmq::message_t delimiter;
      if (!client_->send(delimiter, zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
        ResetClient();
        *message = "the send queue refused a request it reported room for";
        return SEAM_STATUS_IO;
      }
      SendFrames(*client_, frames, num_frames, &ledger_);
      item.events = ZMQ_POLLIN;
      if (!PollUntil(&item, 1, deadline)) {
        ResetClient();
        *message = "no reply from " + endpoint_ + " within " + std::to_string(timeout_ms) + " ms";
        return SEAM_STATUS_TIMEOUT;
      }
      if (!ReceiveMessage(*client_, &reply_.parts())) {
        ResetClient();
        *message = "poll reported a reply but none could be read";
        return SEAM_STATUS_IO;
      }
    } catch (const zmq::error_t& e) {
      ResetClient();
      *message = "request to " + endpoint_ + " failed: " + ZmqMessage(e);
      return SEAM_STATUS_IO;
    } catch (...) {
      // Whatever failed may have left half a message on the socket; the
      // next request must not be appended to it.
      ResetClient();
      throw;
    }
    // A reply is [empty][frames...]: every identity frame was popped on the
    // way back. Anything else is not an answer from a seam server.
    if (reply_.parts().size() < 2 || reply_.parts()[0].size() != 0) {
      ResetClient();
      *message = "malformed reply from " + endpoint_ + " (no envelope delimiter)";
      return SEAM_STATUS_IO;
    }
    reply_.Build(1);
    seam_received r{};
    r.struct_size = sizeof(r);
    r.num_frames = reply_.num_frames();
    r.frames = reply_.frames();
    // The token tells release_reply() which reply a seam_received is, so a
    // stale one released after the next request cannot free the new reply.
    r.token = ++reply_generation_;
    CopyReceived(r, reply);
    return SEAM_STATUS_OK;
  }

  void ReleaseReply(seam_received* reply) override {
    if (reply->token != reply_generation_ || reply->frames != reply_.frames()) return;
    reply_.Release();
    reply->num_frames = 0;
    reply->frames = nullptr;
  }

  // --- server ----------------------------------------------------------------

  void Bind(const std::string& endpoint) override {
    if (client_) throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "instance is a client");
    if (bound_) throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "already bound");
    CheckEndpoint(endpoint);
    if (options_.attach) {
      // Nothing to bind or proxy: each worker connects to the broker.
      backend_endpoint_ = endpoint;
      bound_endpoint_ = endpoint;
      bound_ = true;
      host_.Log(SEAM_LOG_INFO, "workers attach to the broker at " + endpoint);
      return;
    }
    if (options_.curve && options_.allow_keys_dir.empty()) {
      throw TransportError(SEAM_STATUS_INVALID_ARGUMENT,
                           "a CURVE server needs allow_keys_dir (the public keys of the clients "
                           "it accepts); refusing to run encrypted but unauthenticated");
    }
    if (options_.curve) allowed_keys_ = LoadAllowList(options_.allow_keys_dir, host_);
    static std::atomic<uint64_t> counter{0};
    const std::string unique = std::to_string(reinterpret_cast<uintptr_t>(this)) + "." +
                               std::to_string(counter.fetch_add(1));
    backend_endpoint_ = "inproc://seam.workers." + unique;
    const std::string control_endpoint = "inproc://seam.control." + unique;
    try {
      if (options_.curve) {
        // The ZAP handler must exist before any handshake, i.e. before the
        // frontend binds; the proxy thread answers its requests.
        zap_ = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::rep);
        zap_->set(zmq::sockopt::linger, 0);
        zap_->bind(kZapEndpoint);
      }
      backend_ = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::router);
      backend_->set(zmq::sockopt::linger, 0);
      backend_->set(zmq::sockopt::router_mandatory, true);  // detect closed workers
      backend_->bind(backend_endpoint_);
      if (!options_.worker_endpoint.empty()) {
        // A broker: workers of other processes join here too. Heartbeats
        // drop a dead worker host's connection (and with it its READY)
        // without waiting for TCP.
        ApplyCommonOptions(*backend_);
        backend_->set(zmq::sockopt::linger, 0);
        try {
          backend_->bind(options_.worker_endpoint);
        } catch (const zmq::error_t& e) {
          throw TransportError(SEAM_STATUS_IO, "cannot bind worker_endpoint " +
                                                   options_.worker_endpoint + ": " + ZmqMessage(e));
        }
        worker_bound_endpoint_ = backend_->get(zmq::sockopt::last_endpoint);
      }
      control_ = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::pair);
      control_->set(zmq::sockopt::linger, 0);
      control_->bind(control_endpoint);
      control_client_ = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::pair);
      control_client_->set(zmq::sockopt::linger, 0);
      control_client_->connect(control_endpoint);

      frontend_ = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::router);
      ApplyCommonOptions(*frontend_);
      frontend_->set(zmq::sockopt::router_mandatory, true);
      if (options_.curve) {
        frontend_->set(zmq::sockopt::curve_server, true);
        frontend_->set(zmq::sockopt::curve_secretkey, options_.own.secret_key);
        frontend_->set(zmq::sockopt::zap_domain, kZapDomain);
        const int one = 1;
        if (zmq_setsockopt(frontend_->handle(), kZapEnforceDomain, &one, sizeof(one)) != 0) {
          throw TransportError(SEAM_STATUS_UNSUPPORTED,
                               "this libzmq does not support ZMQ_ZAP_ENFORCE_DOMAIN, so a CURVE "
                               "server could not fail closed; refusing to start");
        }
      }
      frontend_->bind(endpoint);
      bound_endpoint_ = frontend_->get(zmq::sockopt::last_endpoint);
    } catch (const zmq::error_t& e) {
      CloseServerSockets();
      throw TransportError(SEAM_STATUS_IO, "cannot bind " + endpoint + ": " + ZmqMessage(e));
    } catch (...) {
      CloseServerSockets();
      throw;
    }
    bound_ = true;
    proxy_ = std::thread([this] { RunProxy(); });
    host_.Log(SEAM_LOG_INFO,
              "serving on " + bound_endpoint_ +
                  (options_.curve ? " (CURVE, " + std::to_string(allowed_keys_.size()) +
                                        " allowed client key(s))"
                                  : " (plaintext)") +
                  (worker_bound_endpoint_.empty()
                       ? ""
                       : "; workers join at " + worker_bound_endpoint_ + " (plaintext)"));
  }

  std::unique_ptr<Worker> OpenWorker() override {
    if (!bound_) throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "open_worker() before bind()");
    auto socket = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::dealer);
    if (options_.attach) ApplyCommonOptions(*socket);  // a real network link: limits, heartbeats
    socket->set(zmq::sockopt::linger, 0);
    socket->set(zmq::sockopt::sndtimeo, options_.reply_timeout_ms);
    try {
      socket->connect(backend_endpoint_);
    } catch (const zmq::error_t& e) {
      throw TransportError(
          SEAM_STATUS_IO, "cannot connect a worker to " + backend_endpoint_ + ": " + ZmqMessage(e));
    }
    auto worker = std::make_unique<ZmqWorker>(this, std::move(socket), options_.attach);
    std::lock_guard<std::mutex> lock(workers_mutex_);
    workers_.insert(worker.get());
    return worker;
  }

  void CloseWorker(Worker* worker) override {
    std::lock_guard<std::mutex> lock(workers_mutex_);
    workers_.erase(static_cast<ZmqWorker*>(worker));
  }

  const Options& options() const { return options_; }
  const Host& host() const { return host_; }

 private:
  ZmqTransport(const Host& host, Options options)
      : host_(host), options_(std::move(options)), ctx_(options_.io_threads) {
    std::random_device rd;
    rng_.seed((static_cast<uint64_t>(rd()) << 32) ^ rd());
  }

  void ApplyCommonOptions(zmq::socket_t& s) {
    s.set(zmq::sockopt::linger, options_.linger_ms);
    s.set(zmq::sockopt::sndhwm, options_.sndhwm);
    s.set(zmq::sockopt::rcvhwm, options_.rcvhwm);
    // Per frame (libzmq's check); the per-message total is checked by the
    // client before sending and by the proxy on arrival.
    s.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(options_.max_message_bytes));
    if (options_.heartbeat_ms > 0) {
      // A peer silent for three intervals is dead: its connection is dropped
      // (and a client reconnects) instead of waiting for TCP to notice.
      s.set(zmq::sockopt::heartbeat_ivl, options_.heartbeat_ms);
      s.set(zmq::sockopt::heartbeat_timeout, 3 * options_.heartbeat_ms);
      s.set(zmq::sockopt::heartbeat_ttl, std::min(3 * options_.heartbeat_ms, 6553500));
    }
  }

  void OpenClientSocket() {
    auto s = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::dealer);
    ApplyCommonOptions(*s);
    // A fresh random routing id per socket; libzmq reserves ids starting
    // with a zero byte.
    uint8_t id[16];
    for (size_t i = 0; i < sizeof(id); i += 8) {
      const uint64_t r = rng_();
      std::memcpy(id + i, &r, 8);
    }
    id[0] |= 0x80;
    s->set(zmq::sockopt::routing_id, zmq::const_buffer(id, sizeof(id)));
    if (options_.curve) {
      s->set(zmq::sockopt::curve_serverkey, options_.server_public_key);
      s->set(zmq::sockopt::curve_publickey, options_.own.public_key);
      s->set(zmq::sockopt::curve_secretkey, options_.own.secret_key);
    }
    s->connect(endpoint_);
    client_ = std::move(s);
  }

  // Lazy pirate: drop the socket (and with it anything queued or late) and
  // start over with a new identity.
  void ResetClient() {
    reply_.Release();
    if (client_) client_->close();
    client_.reset();
    try {
      OpenClientSocket();
    } catch (const zmq::error_t& e) {
      // The next request reports "before connect()"; say why here.
      host_.Log(SEAM_LOG_ERROR, "cannot reconnect to " + endpoint_ + ": " + ZmqMessage(e));
    }
  }

  void StopServer() {
    if (!proxy_.joinable()) return;
    try {
      zmq::message_t stop(4);
      std::memcpy(stop.data(), "STOP", 4);
      control_client_->send(stop, zmq::send_flags::none);
    } catch (const zmq::error_t& e) {
      host_.Log(SEAM_LOG_ERROR, "cannot stop the proxy thread: " + ZmqMessage(e));
    }
    proxy_.join();
    host_.Log(SEAM_LOG_INFO, "closed " + bound_endpoint_ + ": " + std::to_string(served_) +
                                 " request(s) served, " + std::to_string(dropped_requests_) +
                                 " request(s) dropped (over a limit or malformed), " +
                                 std::to_string(dropped_replies_) +
                                 " reply(ies) to departed clients dropped, " +
                                 std::to_string(zap_denied_) + " handshake(s) refused");
    CloseServerSockets();
  }

  void CloseServerSockets() {
    for (auto* s : {&frontend_, &backend_, &control_, &control_client_, &zap_}) {
      if (*s) (*s)->close();
      s->reset();
    }
  }

  // Logs the first few occurrences of a recurring event, then every 100th,
  // so a misbehaving peer cannot flood the log.
  void LogLimited(uint64_t count, int32_t severity, const std::string& message) {
    if (count <= 10 || count % 100 == 0) {
      host_.Log(severity, message + " (occurrence " + std::to_string(count) + ")");
    }
  }

  // --- the proxy thread --------------------------------------------------------

  void RunProxy() {
    std::deque<zmq::message_t> idle;  // worker ids, longest idle first
    std::vector<zmq::message_t> pending;
    std::vector<zmq::message_t> parts;
    for (;;) {
      try {
        zmq_pollitem_t items[4];
        int n = 0;
        items[n++] = {control_->handle(), 0, ZMQ_POLLIN, 0};
        items[n++] = {backend_->handle(), 0, ZMQ_POLLIN, 0};
        int front = -1, zap = -1;
        if (pending.empty() && !idle.empty()) {
          front = n;
          items[n++] = {frontend_->handle(), 0, ZMQ_POLLIN, 0};
        }
        if (zap_) {
          zap = n;
          items[n++] = {zap_->handle(), 0, ZMQ_POLLIN, 0};
        }
        PollForever(items, n);
        if (items[0].revents & ZMQ_POLLIN) return;  // STOP
        if (items[1].revents & ZMQ_POLLIN) {
          // Bounded batches keep the frontend and ZAP served under load.
          for (int i = 0; i < 64 && ReceiveMessage(*backend_, &parts); ++i) {
            FromWorker(&parts, &idle);
          }
        }
        if (!pending.empty()) Dispatch(&pending, &idle);
        if (front >= 0 && (items[front].revents & ZMQ_POLLIN)) {
          for (int i = 0; i < 64 && pending.empty() && !idle.empty(); ++i) {
            if (!ReceiveMessage(*frontend_, &pending)) break;
            if (!Admit(&pending)) continue;
            Dispatch(&pending, &idle);
          }
        }
        if (zap >= 0 && (items[zap].revents & ZMQ_POLLIN)) ServeZap();
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return;
        host_.Log(SEAM_LOG_ERROR, "proxy: " + ZmqMessage(e));
        pending.clear();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // no hot error loop
      } catch (const std::exception& e) {
        host_.Log(SEAM_LOG_ERROR, std::string("proxy: ") + e.what());
        pending.clear();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }

  // Checks a request from the frontend ([id...][empty][frames...]) against
  // the limits and inserts the peer frame after the delimiter; false
  // (message dropped) when it fails.
  bool Admit(std::vector<zmq::message_t>* msg) {
    const size_t delimiter = FindDelimiter(*msg);
    if (delimiter == 0) {
      LogLimited(++dropped_requests_, SEAM_LOG_WARNING,
                 "dropped a request without an envelope delimiter (not a seam zeromq client of "
                 "this version)");
      msg->clear();
      return false;
    }
    uint64_t total = 0;
    for (size_t i = delimiter + 1; i < msg->size(); ++i) total += (*msg)[i].size();
    const size_t frames = msg->size() - delimiter - 1;
    if (frames == 0 || frames > options_.max_frames || total > options_.max_message_bytes) {
      LogLimited(++dropped_requests_, SEAM_LOG_WARNING,
                 "dropped a request of " + std::to_string(total) + " bytes in " +
                     std::to_string(frames) +
                     " frames (max_message_bytes=" + std::to_string(options_.max_message_bytes) +
                     ", max_frames=" + std::to_string(options_.max_frames) + ")");
      msg->clear();
      return false;
    }
    // The authenticated identity travels as its own frame: metadata is
    // attached to messages read from a connection, and a worker reads a
    // message the proxy re-sent.
    const char* user = zmq_msg_gets((*msg)[delimiter + 1].handle(), "User-Id");
    const size_t user_len = user ? std::min<size_t>(std::strlen(user), 63) : 0;
    msg->insert(msg->begin() + static_cast<std::ptrdiff_t>(delimiter) + 1,
                zmq::message_t(user, user_len));
    return true;
  }

  // Sends the pending request to the longest idle worker. Workers that have
  // gone (closed without receiving) are skipped; the request stays pending
  // when no worker is left.
  void Dispatch(std::vector<zmq::message_t>* pending, std::deque<zmq::message_t>* idle) {
    while (!idle->empty()) {
      zmq::message_t worker = std::move(idle->front());
      idle->pop_front();
      bool sent = false;
      try {
        sent = backend_->send(worker, zmq::send_flags::sndmore | zmq::send_flags::dontwait)
                   .has_value();
      } catch (const zmq::error_t& e) {
        if (e.num() != EHOSTUNREACH) throw;
      }
      if (!sent) continue;
      for (size_t i = 0; i < pending->size(); ++i) {
        const auto flags =
            i + 1 < pending->size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
        (void)backend_->send((*pending)[i], flags | zmq::send_flags::dontwait);
      }
      pending->clear();
      ++served_;
      return;
    }
  }

  // A message from a worker: [worker id]["READY"] or [worker id][id...]
  // [empty][frames...] (a reply, routed by its first id).
  void FromWorker(std::vector<zmq::message_t>* msg, std::deque<zmq::message_t>* idle) {
    if (msg->size() == 2 && (*msg)[1].size() == kReadySize &&
        std::memcmp((*msg)[1].data(), kReady, kReadySize) == 0) {
      for (const zmq::message_t& w : *idle) {
        if (SameBytes(w, (*msg)[0])) return;  // already known to be idle
      }
      idle->push_back(std::move((*msg)[0]));
      return;
    }
    bool has_delimiter = false;
    for (size_t i = 2; i + 1 < msg->size() && !has_delimiter; ++i) {
      has_delimiter = (*msg)[i].size() == 0;
    }
    if (!has_delimiter || (*msg)[1].size() == 0) {
      LogLimited(++malformed_from_workers_, SEAM_LOG_ERROR, "malformed message from a worker");
      return;
    }
    bool sent = false;
    try {
      sent = frontend_->send((*msg)[1], zmq::send_flags::sndmore | zmq::send_flags::dontwait)
                 .has_value();
    } catch (const zmq::error_t& e) {
      if (e.num() != EHOSTUNREACH) throw;
    }
    if (!sent) {
      // EHOSTUNREACH: the client disconnected (e.g. it timed out and
      // reconnected with a new identity). EAGAIN: it has sndhwm replies it
      // is not reading. Either way nobody wants this reply.
      LogLimited(++dropped_replies_, SEAM_LOG_INFO,
                 "dropped a reply: its client is gone or not reading");
      return;
    }
    for (size_t i = 2; i < msg->size(); ++i) {
      const auto flags = i + 1 < msg->size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
      (void)frontend_->send((*msg)[i], flags | zmq::send_flags::dontwait);
    }
  }

  // One ZAP request (RFC 27): version, request id, domain, address, routing
  // id, mechanism, credentials. CURVE's credential is the client's 32-byte
  // public key.
  void ServeZap() {
    std::vector<zmq::message_t> req;
    if (!ReceiveMessage(*zap_, &req)) return;
    auto text = [&](size_t i) {
      return i < req.size() ? std::string(static_cast<const char*>(req[i].data()), req[i].size())
                            : std::string();
    };
    std::string status = "400", reason = "denied", user;
    if (req.size() < 6 || text(0) != "1.0") {
      status = "500";
      reason = "malformed ZAP request";
    } else if (text(2) != kZapDomain) {
      reason = "unknown ZAP domain";
    } else if (text(5) != "CURVE" || req.size() < 7 || req[6].size() != 32) {
      reason = "only CURVE clients are accepted";
    } else {
      const std::string key(static_cast<const char*>(req[6].data()), 32);
      const std::string z85 = Z85(reinterpret_cast<const uint8_t*>(key.data()));
      if (allowed_keys_.count(key) != 0) {
        status = "200";
        reason = "OK";
        user = z85;
      } else {
        reason = "client key not in allow_keys_dir";
        LogLimited(++zap_denied_, SEAM_LOG_WARNING,
                   "refused a CURVE client with key " + z85 + " from " + text(3) +
                       ": not in allow_keys_dir");
      }
    }
    const std::string parts[6] = {"1.0", text(1), status, reason, user, ""};
    for (int i = 0; i < 6; ++i) {
      zmq::message_t m(parts[i].data(), parts[i].size());
      (void)zap_->send(m, i < 5 ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  }

  const Host host_;
  const Options options_;
  SendLedger ledger_;  // declared before ctx_: outlives every zmq message
  zmq::context_t ctx_;
  std::mt19937_64 rng_;

  // client
  std::string endpoint_;
  std::unique_ptr<zmq::socket_t> client_;
  ReceivedFrames reply_;
  uint64_t reply_generation_ = 0;

  // server: the sockets below belong to the proxy thread between Bind() and
  // StopServer() (zmq sockets are not thread-safe; the thread start and
  // join are the memory barriers that hand them over).
  bool bound_ = false;
  std::string bound_endpoint_;
  std::string backend_endpoint_;
  std::string worker_bound_endpoint_;  // a broker's worker_endpoint, as bound
  std::unique_ptr<zmq::socket_t> frontend_, backend_, control_, zap_;
  std::unique_ptr<zmq::socket_t> control_client_;  // the owner's end of control_
  std::set<std::string> allowed_keys_;             // binary CURVE keys
  std::thread proxy_;
  uint64_t served_ = 0, dropped_requests_ = 0, dropped_replies_ = 0, zap_denied_ = 0,
           malformed_from_workers_ = 0;

  std::mutex workers_mutex_;
  std::set<ZmqWorker*> workers_;
};

seam_status ZmqWorker::Receive(uint32_t timeout_ms, seam_received* out, std::string* message) {
  current_.Release();
  if (!socket_) {
    *message = "worker is closed";
    return SEAM_STATUS_UNAVAILABLE;
  }
  size_t delimiter = 0;
  try {
    if (!idle_announced_) {
      zmq::message_t ready(kReady, kReadySize);
      if (!socket_->send(ready, zmq::send_flags::none)) {
        *message = "cannot announce the worker to the proxy (queue full)";
        return SEAM_STATUS_IO;
      }
      idle_announced_ = true;
      announced_at_ = Clock::now();
    }
    zmq_pollitem_t item{socket_->handle(), 0, ZMQ_POLLIN, 0};
    const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      const Clock::time_point until =
          attached_ ? std::min(deadline, announced_at_ + kReannounce) : deadline;
      if (PollUntil(&item, 1, until)) break;
      if (Clock::now() >= deadline) {
        *message = "no request within " + std::to_string(timeout_ms) + " ms";
        return SEAM_STATUS_TIMEOUT;
      }
      // Attached and idle for kReannounce: tell the broker again, in case
      // it restarted and forgot us (it ignores a repeat from an idle worker).
      zmq::message_t ready(kReady, kReadySize);
      (void)socket_->send(ready, zmq::send_flags::dontwait);
      announced_at_ = Clock::now();
    }
    std::vector<zmq::message_t>& parts = current_.parts();
    if (!ReceiveMessage(*socket_, &parts)) {
      *message = "poll reported a request but none could be read";
      return SEAM_STATUS_IO;
    }
    idle_announced_ = false;  // the proxy spent our READY on this request
    // [id...][empty][peer][frames...], at least one frame.
    delimiter = FindDelimiter(parts);
    if (delimiter == 0 || parts.size() < delimiter + 3) {
      current_.Release();
      *message = "malformed message from the proxy";
      return SEAM_STATUS_INTERNAL;
    }
  } catch (const zmq::error_t& e) {
    current_.Release();
    *message = "receive failed: " + ZmqMessage(e);
    return SEAM_STATUS_IO;
  }
  std::vector<zmq::message_t>& parts = current_.parts();
  const uint64_t token = next_token_++;
  std::vector<zmq::message_t> envelope(delimiter);
  for (size_t i = 0; i < delimiter; ++i) envelope[i] = std::move(parts[i]);
  envelopes_.emplace(token, std::move(envelope));
  envelope_order_.push_back(token);
  while (envelope_order_.size() > kMaxPendingReplies) {
    // Forgetting the oldest unanswered request only means its client times
    // out, which it would anyway.
    envelopes_.erase(envelope_order_.front());
    envelope_order_.pop_front();
  }
  current_.Build(delimiter + 2);
  seam_received r{};
  r.struct_size = sizeof(r);
  r.num_frames = current_.num_frames();
  r.frames = current_.frames();
  r.token = token;
  const zmq::message_t& peer = parts[delimiter + 1];
  const size_t peer_len = std::min(peer.size(), sizeof(r.peer) - 1);
  std::memcpy(r.peer, peer.data(), peer_len);
  r.peer[peer_len] = '\0';
  current_token_ = token;
  CopyReceived(r, out);
  return SEAM_STATUS_OK;
}

seam_status ZmqWorker::Reply(uint64_t token, const seam_frame* frames, uint32_t num_frames,
                             std::string* message) {
  if (!socket_) {
    *message = "worker is closed";
    return SEAM_STATUS_UNAVAILABLE;
  }
  auto it = envelopes_.find(token);
  if (it == envelopes_.end()) {
    *message = "unknown token " + std::to_string(token) + " (already answered, or never received)";
    return SEAM_STATUS_INVALID_ARGUMENT;
  }
  const Options& o = owner_->options();
  const uint64_t total = TotalBytes(frames, num_frames);
  if (total > o.max_message_bytes || num_frames > o.max_frames) {
    *message = "reply of " + std::to_string(total) + " bytes in " + std::to_string(num_frames) +
               " frames exceeds max_message_bytes=" + std::to_string(o.max_message_bytes) +
               " / max_frames=" + std::to_string(o.max_frames);
    return SEAM_STATUS_INVALID_ARGUMENT;
  }
  std::vector<zmq::message_t> envelope = std::move(it->second);
  envelopes_.erase(it);
  envelope_order_.erase(std::find(envelope_order_.begin(), envelope_order_.end(), token));
  try {
    // Blocking (sndtimeo = reply_timeout_ms): the proxy drains replies
    // continuously, so this waits only if the proxy is stuck. The identity
    // stack goes back unchanged, then the delimiter.
    if (!socket_->send(envelope[0], zmq::send_flags::sndmore)) {
      *message = "the proxy did not take the reply within reply_timeout_ms";
      return SEAM_STATUS_TIMEOUT;
    }
    for (size_t i = 1; i < envelope.size(); ++i) {
      (void)socket_->send(envelope[i], zmq::send_flags::sndmore);
    }
    zmq::message_t delimiter;
    (void)socket_->send(delimiter, zmq::send_flags::sndmore);
    SendFrames(*socket_, frames, num_frames);
  } catch (const zmq::error_t& e) {
    *message = "reply failed: " + ZmqMessage(e);
    return SEAM_STATUS_IO;
  }
  return SEAM_STATUS_OK;
}

void ZmqWorker::ReleaseRequest(seam_received* request) {
  if (request->token != current_token_ || request->frames != current_.frames()) return;
  current_.Release();
  current_token_ = 0;
  request->num_frames = 0;
  request->frames = nullptr;
}

}  // namespace
}  // namespace seam_transport

SEAM_DEFINE_TRANSPORT_PLUGIN(seam_transport::ZmqTransport)
