// shaped transport: link emulation around another transport, so split
// inference can be studied at cellular or Wi-Fi speeds on one machine.
//
// The inner transport (config inner=NAME, default zeromq; every inner.KEY=V
// is passed to it as KEY=V) is loaded through host->open_transport and does
// the real work. The client side delays each request() as the emulated link
// would:
//
//   1. uplink: the request's frame bytes pass a token bucket at the link
//      bandwidth (depth burst_bytes, default one 1500-byte MTU), i.e. a
//      request of S bytes takes about S / bandwidth;
//   2. propagation: RTT/2;
//   3. the inner request (real transfer + server time);
//   4. downlink: the reply's frame bytes pass a second token bucket (the
//      link is full duplex and symmetric);
//   5. propagation: RTT/2.
//
// Delays are real sleeps. The whole of it counts against the request's
// timeout: a request the emulated link cannot deliver in time returns
// SEAM_STATUS_TIMEOUT after sleeping until the deadline, like a real slow
// link would. Frame headers and TCP/IP overhead are not counted, only frame
// bytes. Server-side calls pass straight through: shaping both directions on
// the client keeps the server unaware of the emulation.
//
// Link conditions (config):
//   profile=NAME          a named link (table below); bandwidth_mbps= and/or
//                         rtt_ms= override its values
//   bandwidth_mbps=X      a constant link (rtt_ms defaults to 0)
//   trace=FILE            time_s,bandwidth_mbps,rtt_ms rows, replayed
//                         step-wise from the first request (the format and
//                         rules of the trace monitor, so one file can drive
//                         both); loop=1 repeats it with period period_s
//                         (default: the last row's time plus the gap before
//                         it). Before the first row's time the first row
//                         applies.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <thread>

#include "plugins/common/link_trace.h"
#include "transport/transport_common.h"

namespace seam_transport {
namespace {

using Clock = std::chrono::steady_clock;

struct Profile {
  const char* name;
  double bandwidth_mbps;
  double rtt_ms;
  const char* source;
};

// Bandwidths: DADS (Hu et al., INFOCOM 2019) Table I for cat1/3g/4g/wifi;
// the adaptive-DNN study's `tc tbf rate {10,25,50}mbit` (plus 37.5) for the
// others. Neither gives a latency, so the RTTs are typical values for each
// link: cellular RTTs of LTE Cat-1/HSPA-class links (~100 ms) and LTE
// (~50 ms), a Wi-Fi hop to an edge server (10 ms), and a LAN for the tc-shaped
// links, which shaped rate only (1 ms).
constexpr Profile kProfiles[] = {
    {"cat1", 0.13, 100.0, "DADS Table I (LTE Cat-1)"},
    {"3g", 1.1, 100.0, "DADS Table I"},
    {"4g", 5.85, 50.0, "DADS Table I"},
    {"wifi", 18.88, 10.0, "DADS Table I"},
    {"10mbit", 10.0, 1.0, "adaptive-DNN study (tc tbf)"},
    {"25mbit", 25.0, 1.0, "adaptive-DNN study (tc tbf)"},
    {"37.5mbit", 37.5, 1.0, "adaptive-DNN study"},
    {"50mbit", 50.0, 1.0, "adaptive-DNN study (tc tbf)"},
};

using Row = seam_plugin::TraceRow;

// The shared link-trace parser (plugins/common/link_trace.h), with its
// errors raised as this plugin's own.
std::vector<Row> LoadTrace(const std::string& path) {
  std::vector<Row> rows;
  std::string message;
  switch (seam_plugin::LoadLinkTrace(path, &rows, &message)) {
    case seam_plugin::TraceError::kNone:
      return rows;
    case seam_plugin::TraceError::kIo:
      throw TransportError(SEAM_STATUS_IO, message);
    case seam_plugin::TraceError::kInvalid:
      break;
  }
  throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, message);
}

// Link conditions as a step function of time (seconds since the first
// request): a constant link is a one-row trace.
class LinkModel {
 public:
  LinkModel(std::vector<Row> rows, double period) : rows_(std::move(rows)), period_(period) {}

  // Bytes per second and RTT in seconds at time t.
  double Rate(double t) const { return At(t).row->bandwidth_mbps * 1e6 / 8.0; }
  double Rtt(double t) const { return At(t).row->rtt_ms / 1000.0; }

  // When `bytes` sent from `start` on have all left.
  double TransmitEnd(double start, double bytes) const {
    double t = start;
    // Each step ends a segment; the bound only guards against a pathological
    // trace (millions of tiny rows) turning one request into a long loop.
    for (int step = 0; step < 10000000 && bytes > 0; ++step) {
      const Segment s = At(t);
      const double rate = s.row->bandwidth_mbps * 1e6 / 8.0;
      if (std::isinf(s.end) || rate * (s.end - t) >= bytes) return t + bytes / rate;
      bytes -= rate * (s.end - t);
      t = s.end;
    }
    return t;
  }

  // Bytes the link can carry in [a, b], stopping early once above `cap`.
  double BytesBetween(double a, double b, double cap) const {
    double total = 0, t = a;
    for (int step = 0; step < 10000000 && t < b && total < cap; ++step) {
      const Segment s = At(t);
      const double end = std::min(s.end, b);
      total += s.row->bandwidth_mbps * 1e6 / 8.0 * (end - t);
      t = end;
    }
    return total;
  }

 private:
  struct Segment {
    const Row* row;
    double end;  // when the next row takes over (infinity: never)
  };

  Segment At(double t) const {
    t = std::max(0.0, t);
    double base = 0, phase = t;
    bool wrapped = false;
    if (period_ > 0) {
      const double cycle = std::floor(t / period_);
      base = cycle * period_;
      phase = t - base;
      wrapped = cycle > 0;
    }
    // Last row with time <= phase.
    auto it = std::upper_bound(rows_.begin(), rows_.end(), phase,
                               [](double x, const Row& r) { return x < r.time_s; });
    Segment s{};
    if (it == rows_.begin()) {
      // Before the first row: the previous pass's last row when looping,
      // else the first row.
      s.row = wrapped ? &rows_.back() : &rows_.front();
      s.end = base + rows_.front().time_s;
    } else {
      s.row = &*(it - 1);
      if (it != rows_.end()) {
        s.end = base + it->time_s;
      } else {
        s.end = period_ > 0 ? base + period_ : std::numeric_limits<double>::infinity();
      }
    }
    // Floating-point rounding at a boundary must not stall the walk.
    if (!(s.end > t)) s.end = std::nextafter(t, std::numeric_limits<double>::infinity());
    return s;
  }

  std::vector<Row> rows_;
  double period_;  // 0: no looping
};

// A token bucket over a LinkModel: tokens accrue at the link rate up to
// `burst` bytes; a transmission larger than the tokens waits for the rest.
// One bucket per direction.
class TokenBucket {
 public:
  explicit TokenBucket(double burst) : burst_(burst), tokens_(burst) {}

  // Reserves the link for `bytes` starting no earlier than `now`; returns
  // when the last byte has left. A transmission still in progress (after a
  // timed-out request) delays the next one, as on a real link.
  double Reserve(const LinkModel& link, double now, double bytes) {
    const double start = std::max(now, last_);
    if (start > last_) {
      tokens_ = std::min(burst_, tokens_ + link.BytesBetween(last_, start, burst_));
    }
    last_ = start;
    if (tokens_ >= bytes) {
      tokens_ -= bytes;
      return start;
    }
    const double end = link.TransmitEnd(start, bytes - tokens_);
    tokens_ = 0;
    last_ = end;
    return end;
  }

 private:
  double burst_;
  double tokens_;
  double last_ = 0;
};

struct ShapedWorker final : Worker {
  const seam_transport_vtable* vt;
  void* inner;

  seam_status Receive(uint32_t timeout_ms, seam_received* out, std::string* message) override {
    char error[512] = {};
    const seam_status st = vt->receive(inner, timeout_ms, out, error, sizeof(error));
    if (st != SEAM_STATUS_OK) *message = error;
    return st;
  }
  seam_status Reply(uint64_t token, const seam_frame* frames, uint32_t num_frames,
                    std::string* message) override {
    char error[512] = {};
    const seam_status st = vt->reply(inner, token, frames, num_frames, error, sizeof(error));
    if (st != SEAM_STATUS_OK) *message = error;
    return st;
  }
  void ReleaseRequest(seam_received* request) override { vt->release_request(inner, request); }
};

class ShapedTransport final : public Transport {
 public:
  static constexpr const char* kName = "shaped";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "link emulation (bandwidth token bucket + RTT, named profiles or a trace) around another "
      "transport";

  static std::unique_ptr<Transport> Create(const Host& host, Config& config) {
    const std::string inner = config.String("inner", "zeromq");
    const std::vector<std::pair<std::string, std::string>> inner_config =
        config.WithPrefix("inner.");
    const bool has_profile = config.Has("profile");
    const bool has_bandwidth = config.Has("bandwidth_mbps");
    const bool has_rtt = config.Has("rtt_ms");
    const bool has_trace = config.Has("trace");
    const bool has_loop = config.Has("loop");
    const bool has_period = config.Has("period_s");
    const std::string profile_name = config.String("profile", "");
    const double bandwidth = config.Double("bandwidth_mbps", 0, 0, 1e6, /*min_exclusive=*/true);
    const double rtt = config.Double("rtt_ms", 0, 0, 600000);
    const std::string trace = config.String("trace", "");
    const bool loop = config.Bool("loop", false);
    const double period = config.Double("period_s", 0, 0, 1e12, /*min_exclusive=*/true);
    const double burst = static_cast<double>(config.Bytes("burst_bytes", 1500, 1, 1ull << 30));
    config.Finish();

    std::vector<Row> rows;
    double loop_period = 0;
    std::string what;
    if (has_trace) {
      if (has_profile || has_bandwidth || has_rtt) {
        throw TransportError(SEAM_STATUS_INVALID_ARGUMENT,
                             "trace= replaces profile=, bandwidth_mbps= and rtt_ms=; give one");
      }
      if (has_period && !loop) {
        throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "period_s only applies with loop=1");
      }
      rows = LoadTrace(trace);
      if (loop) {
        const double last = rows.back().time_s;
        if (has_period) {
          if (period <= last) {
            throw TransportError(SEAM_STATUS_INVALID_ARGUMENT,
                                 "period_s=" + FormatDouble(period) +
                                     " must exceed the last row's time " + FormatDouble(last));
          }
          loop_period = period;
        } else if (rows.size() >= 2) {
          loop_period = last + (last - rows[rows.size() - 2].time_s);
        }
      }
      what = "trace " + trace + " (" + std::to_string(rows.size()) + " rows" +
             (loop_period > 0 ? ", looping every " + FormatDouble(loop_period) + " s" : "") + ")";
    } else {
      if (has_loop || has_period) {
        throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "loop= and period_s= need trace=");
      }
      Row r{0, 0, 0};
      if (has_profile) {
        const Profile* p = nullptr;
        std::string names;
        for (const Profile& candidate : kProfiles) {
          if (profile_name == candidate.name) p = &candidate;
          names += (names.empty() ? "" : ", ") + std::string(candidate.name);
        }
        if (p == nullptr) {
          throw TransportError(SEAM_STATUS_INVALID_ARGUMENT,
                               "unknown profile '" + profile_name + "' (known: " + names + ")");
        }
        r.bandwidth_mbps = p->bandwidth_mbps;
        r.rtt_ms = p->rtt_ms;
        what = "profile " + profile_name + " (" + p->source + ")";
      } else if (!has_bandwidth) {
        throw TransportError(SEAM_STATUS_INVALID_ARGUMENT,
                             "say how to shape: profile=NAME, bandwidth_mbps=X [rtt_ms=Y] or "
                             "trace=FILE");
      } else {
        what = "constant link";
      }
      if (has_bandwidth) r.bandwidth_mbps = bandwidth;
      if (has_rtt) r.rtt_ms = rtt;
      what +=
          ": " + FormatDouble(r.bandwidth_mbps) + " Mbit/s, RTT " + FormatDouble(r.rtt_ms) + " ms";
      rows.push_back(r);
    }
    const seam_transport_vtable* vt = nullptr;
    void* instance = nullptr;
    host.OpenTransport(inner, inner_config, &vt, &instance);
    if (!SEAM_HAS_FIELD(seam_transport_vtable, vt, release_request)) {
      if (vt != nullptr && vt->destroy != nullptr) vt->destroy(instance);
      throw TransportError(SEAM_STATUS_VERSION_MISMATCH,
                           "inner transport '" + inner + "' has an older, shorter vtable");
    }
    host.Log(SEAM_LOG_INFO, "shaping over " + inner + " with " + what);
    return std::unique_ptr<Transport>(
        new ShapedTransport(host, vt, instance, LinkModel(std::move(rows), loop_period), burst));
  }

  ~ShapedTransport() override { vt_->destroy(inner_); }

  void Connect(const std::string& endpoint) override {
    char error[512] = {};
    Check(vt_->connect, "connect");
    const seam_status st = vt_->connect(inner_, endpoint.c_str(), error, sizeof(error));
    if (st != SEAM_STATUS_OK) throw TransportError(st, error);
  }

  seam_status Request(const seam_frame* frames, uint32_t num_frames, uint32_t timeout_ms,
                      seam_received* reply, std::string* message) override {
    Check(vt_->request, "request");
    const double request_bytes = static_cast<double>(TotalBytes(frames, num_frames));
    const Clock::time_point now = Clock::now();
    if (!started_) {
      origin_ = now;
      started_ = true;
    }
    const double t0 = Seconds(now);
    const double deadline = t0 + timeout_ms / 1000.0;

    // Uplink, then half the round trip.
    const double arrive = uplink_.Reserve(link_, t0, request_bytes) + link_.Rtt(t0) / 2;
    if (arrive > deadline) {
      SleepUntil(deadline);
      *message = "the emulated link needs " + FormatDouble(arrive - t0) + " s to deliver " +
                 FormatDouble(request_bytes) + " bytes, more than the " +
                 std::to_string(timeout_ms) + " ms timeout";
      return SEAM_STATUS_TIMEOUT;
    }
    SleepUntil(arrive);

    const double left_ms = std::max(0.0, (deadline - Seconds(Clock::now())) * 1000.0);
    seam_received inner_reply{};
    inner_reply.struct_size = sizeof(inner_reply);
    char error[512] = {};
    const seam_status st =
        vt_->request(inner_, frames, num_frames, static_cast<uint32_t>(std::floor(left_ms)),
                     &inner_reply, error, sizeof(error));
    if (st != SEAM_STATUS_OK) {
      *message = error;
      return st;
    }

    // Downlink, then the other half of the round trip.
    uint64_t reply_bytes = 0;
    for (uint32_t i = 0; i < inner_reply.num_frames; ++i) reply_bytes += inner_reply.frames[i].size;
    const double t1 = Seconds(Clock::now());
    const double deliver =
        downlink_.Reserve(link_, t1, static_cast<double>(reply_bytes)) + link_.Rtt(t1) / 2;
    if (deliver > deadline) {
      vt_->release_reply(inner_, &inner_reply);
      SleepUntil(deadline);
      *message = "the emulated link could not deliver the " + std::to_string(reply_bytes) +
                 "-byte reply within the " + std::to_string(timeout_ms) + " ms timeout";
      return SEAM_STATUS_TIMEOUT;
    }
    SleepUntil(deliver);
    CopyReceived(inner_reply, reply);
    return SEAM_STATUS_OK;
  }

  void ReleaseReply(seam_received* reply) override {
    if (vt_->release_reply != nullptr) vt_->release_reply(inner_, reply);
  }

  void Bind(const std::string& endpoint) override {
    char error[512] = {};
    Check(vt_->bind, "bind");
    const seam_status st = vt_->bind(inner_, endpoint.c_str(), error, sizeof(error));
    if (st != SEAM_STATUS_OK) throw TransportError(st, error);
  }

  std::unique_ptr<Worker> OpenWorker() override {
    Check(vt_->open_worker, "open_worker");
    Check(vt_->receive, "receive");
    Check(vt_->reply, "reply");
    Check(vt_->release_request, "release_request");
    char error[512] = {};
    void* inner_worker = nullptr;
    const seam_status st = vt_->open_worker(inner_, &inner_worker, error, sizeof(error));
    if (st != SEAM_STATUS_OK) throw TransportError(st, error);
    auto w = std::make_unique<ShapedWorker>();
    w->vt = vt_;
    w->inner = inner_worker;
    return w;
  }

  void CloseWorker(Worker* worker) override {
    auto* w = static_cast<ShapedWorker*>(worker);
    if (vt_->close_worker != nullptr) vt_->close_worker(inner_, w->inner);
  }

 private:
  ShapedTransport(const Host& host, const seam_transport_vtable* vt, void* inner, LinkModel link,
                  double burst)
      : host_(host),
        vt_(vt),
        inner_(inner),
        link_(std::move(link)),
        uplink_(burst),
        downlink_(burst) {}

  template <class Fn>
  static void Check(Fn fn, const char* name) {
    if (fn == nullptr) {
      throw TransportError(SEAM_STATUS_UNSUPPORTED,
                           std::string("the inner transport has no ") + name + "()");
    }
  }

  double Seconds(Clock::time_point t) const {
    return std::chrono::duration<double>(t - origin_).count();
  }

  void SleepUntil(double t) const {
    std::this_thread::sleep_until(
        origin_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(t)));
  }

  const Host host_;
  const seam_transport_vtable* vt_;
  void* inner_;
  LinkModel link_;
  TokenBucket uplink_;
  TokenBucket downlink_;
  bool started_ = false;
  Clock::time_point origin_{};
};

}  // namespace
}  // namespace seam_transport

SEAM_DEFINE_TRANSPORT_PLUGIN(seam_transport::ShapedTransport)
