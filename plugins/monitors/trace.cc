// trace monitor: replays recorded (or scripted) link conditions so policies
// can be exercised against a reproducible network, e.g. the bandwidth drops
// of the DNN-Surgery field trace, without shaping a real link.
//
// File format (config file=PATH), one row per line:
//     time_s,bandwidth_mbps,rtt_ms
// '#' starts a comment (whole line or trailing); blank lines are ignored; the
// first non-comment line may be a header (its time field is not a number).
// Times are >= 0 and strictly increasing, bandwidth > 0, rtt >= 0. Any
// violation is rejected at create() with the line number, so a typo cannot
// surface minutes into a run.
//
// Replay is step-wise: time is measured with host->now_seconds from the first
// sample() call, and the published row is the last one whose time <= elapsed
// (each row holds until the next). Before the first row's time there is no
// reading (SEAM_STATUS_UNAVAILABLE). After the last row it holds forever,
// unless loop=1: then the trace repeats with period period_s, by default the
// last row's time plus the gap before it (so the last row lasts as long as
// the one before it, instead of zero time). When looping, the stretch of a
// later pass before the first row's time continues the previous pass's last
// row.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <vector>

#include "plugins/common/link_trace.h"
#include "plugins/monitors/monitor_common.h"

namespace seam_monitor {
namespace {

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
      throw MonitorError(SEAM_STATUS_IO, message);
    case seam_plugin::TraceError::kInvalid:
      break;
  }
  throw MonitorError(SEAM_STATUS_INVALID_ARGUMENT, message);
}

class TraceMonitor final : public Monitor {
 public:
  static constexpr const char* kName = "trace";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "replays a time_s,bandwidth_mbps,rtt_ms trace file step-wise (optionally looping)";
  static constexpr bool kObservesTransfers = false;

  static std::unique_ptr<Monitor> Create(const Host& host, Config& config) {
    const std::string file = config.String("file", "");
    const bool loop = config.Bool("loop", false);
    const bool has_period = config.Has("period_s");
    const double period = config.Double("period_s", 0.0, 0.0, 1e12, /*min_exclusive=*/true);
    config.Finish();
    if (file.empty()) {
      throw MonitorError(SEAM_STATUS_INVALID_ARGUMENT, "config file=PATH is required");
    }
    if (has_period && !loop) {
      throw MonitorError(SEAM_STATUS_INVALID_ARGUMENT, "config period_s only applies with loop=1");
    }
    std::vector<Row> rows = LoadTrace(file);
    double loop_period = 0.0;
    if (loop) {
      const double last = rows.back().time_s;
      if (has_period) {
        if (period <= last) {
          throw MonitorError(SEAM_STATUS_INVALID_ARGUMENT,
                             "config period_s=" + FormatDouble(period) +
                                 " must exceed the last row's time " + FormatDouble(last));
        }
        loop_period = period;
      } else if (rows.size() >= 2) {
        loop_period = last + (last - rows[rows.size() - 2].time_s);
      }
      // One row never changes, so it needs no period (loop_period stays 0).
    }
    host.Log(SEAM_LOG_INFO,
             "loaded " + std::to_string(rows.size()) + " rows from " + file +
                 (loop_period > 0 ? ", looping every " + FormatDouble(loop_period) + " s" : ""));
    return std::unique_ptr<Monitor>(new TraceMonitor(host, std::move(rows), loop_period));
  }

  seam_status Sample(seam_readings* out, std::string* message) override {
    const double now = host_.Now();
    if (!started_) {
      start_s_ = now;
      started_ = true;
    }
    const double elapsed = std::max(0.0, now - start_s_);
    double phase = elapsed;
    bool wrapped = false;
    if (loop_period_ > 0) {
      wrapped = elapsed >= loop_period_;
      phase = std::fmod(elapsed, loop_period_);
    }
    // Last row with time <= phase.
    auto it = std::upper_bound(rows_.begin(), rows_.end(), phase,
                               [](double t, const Row& r) { return t < r.time_s; });
    const Row* row = nullptr;
    if (it != rows_.begin()) {
      row = &*(it - 1);
    } else if (wrapped) {
      row = &rows_.back();
    } else {
      *message = "trace starts at t=" + FormatDouble(rows_.front().time_s) +
                 " s, now at t=" + FormatDouble(elapsed) + " s";
      return SEAM_STATUS_UNAVAILABLE;
    }
    out->bandwidth_bps = row->bandwidth_mbps * 1e6;
    out->rtt_ms = row->rtt_ms;
    out->valid |= SEAM_READING_BANDWIDTH | SEAM_READING_RTT;
    return SEAM_STATUS_OK;
  }

 private:
  TraceMonitor(const Host& host, std::vector<Row> rows, double loop_period)
      : host_(host), rows_(std::move(rows)), loop_period_(loop_period) {}

  const Host host_;
  const std::vector<Row> rows_;
  const double loop_period_;  // 0: no looping
  bool started_ = false;
  double start_s_ = 0.0;
};

}  // namespace
}  // namespace seam_monitor

SEAM_DEFINE_MONITOR_PLUGIN(seam_monitor::TraceMonitor)
