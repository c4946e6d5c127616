// rtt monitor: round-trip time of a tiny probe over the host's link.
//
// Each sample() sends `samples` probes of `bytes` bytes through
// host->probe_link and publishes the median round trip, because a single
// probe is easily inflated by a retransmit or a descheduled thread and the
// median ignores such a spike as long as most probes are clean. Probes that
// fail or return a non-positive/non-finite time are dropped; the sample
// fails only when none succeeded.
#include <algorithm>
#include <vector>

#include "plugins/monitors/monitor_common.h"

namespace seam_monitor {
namespace {

class RttMonitor final : public Monitor {
 public:
  static constexpr const char* kName = "rtt";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "link round-trip time: median of small probes via the host's probe_link";
  static constexpr bool kObservesTransfers = false;

  static std::unique_ptr<Monitor> Create(const Host& host, Config& config) {
    // Large probes would measure bandwidth, not latency; 64 KiB is generous.
    const uint64_t bytes = config.Bytes("bytes", 64, 1, 64 * 1024);
    const uint64_t samples = config.Count("samples", 3, 1, 100);
    config.Finish();
    if (!host.HasProbe()) {
      throw MonitorError(SEAM_STATUS_UNSUPPORTED,
                         "needs the host's probe_link to time round trips, which this host lacks");
    }
    host.Log(SEAM_LOG_INFO,
             "bytes=" + std::to_string(bytes) + " samples=" + std::to_string(samples));
    return std::unique_ptr<Monitor>(new RttMonitor(host, bytes, static_cast<int>(samples)));
  }

  seam_status Sample(seam_readings* out, std::string* message) override {
    std::vector<double> rtts;
    seam_status last_failure = SEAM_STATUS_OK;
    for (int i = 0; i < samples_; ++i) {
      double seconds = 0.0;
      const seam_status st = host_.Probe(bytes_, &seconds);
      if (st != SEAM_STATUS_OK) {
        last_failure = st;
        *message = "probe_link of " + std::to_string(bytes_) + " bytes failed (status " +
                   std::to_string(st) + ")";
        continue;
      }
      if (!std::isfinite(seconds) || seconds <= 0.0) {
        last_failure = SEAM_STATUS_UNAVAILABLE;
        *message = "probe_link returned an unusable round trip of " + FormatDouble(seconds) + " s";
        continue;
      }
      rtts.push_back(seconds);
    }
    if (rtts.empty()) return last_failure;
    if (last_failure != SEAM_STATUS_OK) {
      host_.Log(SEAM_LOG_WARNING, *message + "; using the " + std::to_string(rtts.size()) +
                                      " probe(s) that succeeded");
      message->clear();
    }
    std::sort(rtts.begin(), rtts.end());
    const size_t n = rtts.size();
    const double median = n % 2 == 1 ? rtts[n / 2] : 0.5 * (rtts[n / 2 - 1] + rtts[n / 2]);
    out->rtt_ms = median * 1000.0;
    out->valid |= SEAM_READING_RTT;
    return SEAM_STATUS_OK;
  }

 private:
  RttMonitor(const Host& host, uint64_t bytes, int samples)
      : host_(host), bytes_(bytes), samples_(samples) {}

  const Host host_;
  const uint64_t bytes_;
  const int samples_;
};

}  // namespace
}  // namespace seam_monitor

SEAM_DEFINE_MONITOR_PLUGIN(seam_monitor::RttMonitor)
