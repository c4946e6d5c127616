// bandwidth monitor: estimates the edge-to-server link rate.
//
// active  (default when the host has probe_link): the DADS / DNN-Surgery
//         two-probe method. A probe of `small` bytes and one of `large` bytes
//         are timed back to back; their round trips share RTT, handshake and
//         per-message costs, so
//             bandwidth = (large - small) * 8 / (t_large - t_small)
//         cancels them and leaves the per-byte cost. `pairs` pairs are taken
//         per sample() and their median is used, which resists one pair
//         being hit by a scheduling hiccup.
// passive (default without probe_link): bytes * 8 / seconds of the real
//         boundary transfers the host reports through observe_transfer(),
//         so monitoring costs no extra traffic.
// both    passive readings while one arrived within max_age_s, probes when
//         the stream is idle (so the estimate never goes stale).
//
// Slow links: a probe that times out (a 32 KiB probe needs 2 s at CAT1's
// 0.13 Mbit/s) is retried at an eighth of both sizes, down to 1/512, and
// the smaller sizes are kept for the next samples; once the large probe's extra
// bytes take under 50 ms they grow back by halves. Without this the estimate on a slow
// link would never exist, and the edge would plan blind.
//
// Every accepted estimate goes through an EWMA (alpha); non-positive or
// non-finite time deltas and rates above max_bps are rejected as outliers
// (a timer glitch or a coalesced/cached probe) instead of polluting it.
#include <algorithm>
#include <limits>
#include <mutex>
#include <utility>
#include <vector>

#include "plugins/monitors/monitor_common.h"

namespace seam_monitor {
namespace {

class BandwidthMonitor final : public Monitor {
 public:
  static constexpr const char* kName = "bandwidth";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "link bandwidth: DADS two-size probes (active) and/or observed transfers (passive), "
      "EWMA-smoothed";
  static constexpr bool kObservesTransfers = true;

  static std::unique_ptr<Monitor> Create(const Host& host, Config& config) {
    const std::string mode = config.Choice("mode", host.HasProbe() ? "active" : "passive",
                                           {"active", "passive", "both"});
    const uint64_t small = config.Bytes("small", 1024, 1, 1ull << 30);
    const uint64_t large = config.Bytes("large", 256 * 1024, 2, 1ull << 30);
    const double alpha = config.Double("alpha", 0.3, 0.0, 1.0, /*min_exclusive=*/true);
    const double max_age_s = config.Double("max_age_s", 5.0, 0.0, 1e9, /*min_exclusive=*/true);
    const uint64_t pairs = config.Count("pairs", 1, 1, 64);
    // 1 Tbit/s: above any link an edge device has, so only glitches exceed it.
    const double max_bps = config.Double("max_bps", 1e12, 0.0, 1e18, /*min_exclusive=*/true);
    config.Finish();

    if (large <= small) {
      throw MonitorError(SEAM_STATUS_INVALID_ARGUMENT,
                         "config large=" + std::to_string(large) + " must be greater than small=" +
                             std::to_string(small) + " (the estimate divides by their difference)");
    }
    Mode m = mode == "active" ? Mode::kActive : mode == "passive" ? Mode::kPassive : Mode::kBoth;
    if (m != Mode::kPassive && !host.HasProbe()) {
      throw MonitorError(SEAM_STATUS_UNSUPPORTED,
                         "mode=" + mode + " needs the host's probe_link, which this host lacks; " +
                             "use mode=passive");
    }
    host.Log(SEAM_LOG_INFO,
             "mode=" + mode + " small=" + std::to_string(small) +
                 " large=" + std::to_string(large) + " pairs=" + std::to_string(pairs) +
                 " alpha=" + FormatDouble(alpha) + " max_age_s=" + FormatDouble(max_age_s));
    return std::unique_ptr<Monitor>(new BandwidthMonitor(
        host, m, small, large, static_cast<int>(pairs), alpha, max_age_s, max_bps));
  }

  seam_status Sample(seam_readings* out, std::string* message) override {
    if (mode_ != Mode::kActive) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (passive_.has_value() &&
          (mode_ == Mode::kPassive || host_.Now() - last_passive_s_ <= max_age_s_)) {
        Publish(passive_.value(), out);
        return SEAM_STATUS_OK;
      }
      if (mode_ == Mode::kPassive) {
        *message = "no boundary transfer observed yet";
        return SEAM_STATUS_UNAVAILABLE;
      }
    }
    // Probing takes a while; the lock is not held so observe_transfer() on
    // the streaming thread never waits for it.
    double bps = 0.0;
    bool all_rejected = false;
    const seam_status st = ProbeOnce(&bps, &all_rejected, message);
    std::lock_guard<std::mutex> lock(mutex_);
    if (st == SEAM_STATUS_OK) {
      active_.Add(bps);
    } else if (all_rejected && active_.has_value()) {
      // Every pair was an outlier: keep publishing the previous estimate,
      // which is still the best one we have.
      host_.Log(SEAM_LOG_WARNING, *message + "; keeping the previous estimate");
    } else {
      // A link failure passes the host's status through (UNAVAILABLE when it
      // has no link right now); all pairs rejected with no estimate yet is
      // UNAVAILABLE as well.
      if (st == SEAM_STATUS_UNAVAILABLE && !all_rejected && !warned_no_link_) {
        // A host may install probe_link before it has a link (or never get
        // one); say once why active mode stays silent.
        warned_no_link_ = true;
        host_.Log(SEAM_LOG_WARNING,
                  "probe_link reports no link to probe; no active estimate until it has one "
                  "(mode=passive or mode=both would use observed transfers)");
      }
      return st;
    }
    Publish(active_.value(), out);
    return SEAM_STATUS_OK;
  }

  void ObserveTransfer(uint64_t bytes, double seconds) override {
    const double now = host_.Now();
    std::lock_guard<std::mutex> lock(mutex_);
    const double bps = static_cast<double>(bytes) * 8.0 / seconds;
    if (bytes == 0 || !std::isfinite(seconds) || seconds <= 0.0 || !std::isfinite(bps) ||
        bps > max_bps_) {
      // Called once per transfer: log the first few rejections, not all.
      if (++rejected_transfers_ <= 3) {
        host_.Log(SEAM_LOG_WARNING, "ignoring transfer of " + std::to_string(bytes) + " bytes in " +
                                        FormatDouble(seconds) + " s (non-positive or absurd)");
      }
      return;
    }
    passive_.Add(bps);
    last_passive_s_ = now;
  }

 private:
  enum class Mode { kActive, kPassive, kBoth };

  BandwidthMonitor(const Host& host, Mode mode, uint64_t small, uint64_t large, int pairs,
                   double alpha, double max_age_s, double max_bps)
      : host_(host),
        mode_(mode),
        small_(small),
        large_(large),
        pairs_(pairs),
        max_age_s_(max_age_s),
        max_bps_(max_bps),
        active_(alpha),
        passive_(alpha) {}

  static void Publish(double bps, seam_readings* out) {
    out->bandwidth_bps = bps;
    out->valid |= SEAM_READING_BANDWIDTH;
  }

  // Takes pairs_ DADS pairs; *bps = median of the accepted ones. Returns the
  // probe's status on a link failure, and UNAVAILABLE with *all_rejected set
  // when every pair was an outlier. Shrinks the probes on a timeout (above).
  seam_status ProbeOnce(double* bps, bool* all_rejected, std::string* message) {
    std::vector<double> accepted;
    std::string last_rejection;
    for (int i = 0; i < pairs_; ++i) {
      double t_small = 0.0;
      double t_large = 0.0;
      seam_status st = ProbePair(&t_small, &t_large, message);
      while (st == SEAM_STATUS_TIMEOUT && shrink_ < kMaxShrink) {
        shrink_ *= kShrinkStep;
        host_.Log(SEAM_LOG_INFO,
                  *message + "; probing with " + std::to_string(LargeBytes()) + " bytes instead");
        st = ProbePair(&t_small, &t_large, message);
      }
      if (st != SEAM_STATUS_OK) return st;
      const uint64_t small = SmallBytes(), large = LargeBytes();
      const double dt = t_large - t_small;
      // The link got faster: the bytes' own time (dt, RTT cancelled) is short.
      if (dt < kGrowBelowS && shrink_ > 1) shrink_ /= 2;
      const double rate = static_cast<double>(large - small) * 8.0 / dt;
      if (!std::isfinite(t_small) || !std::isfinite(t_large) || t_small < 0.0 || dt <= 0.0) {
        last_rejection = "rejected probe pair: t_small=" + FormatDouble(t_small) +
                         " s, t_large=" + FormatDouble(t_large) + " s (non-positive delta)";
      } else if (!std::isfinite(rate) || rate > max_bps_) {
        last_rejection = "rejected probe pair: " + FormatDouble(rate) + " bit/s exceeds max_bps";
      } else {
        accepted.push_back(rate);
        continue;
      }
      host_.Log(SEAM_LOG_WARNING, last_rejection);
    }
    if (accepted.empty()) {
      *all_rejected = true;
      *message = last_rejection;
      return SEAM_STATUS_UNAVAILABLE;
    }
    std::sort(accepted.begin(), accepted.end());
    const size_t n = accepted.size();
    *bps = n % 2 == 1 ? accepted[n / 2] : 0.5 * (accepted[n / 2 - 1] + accepted[n / 2]);
    return SEAM_STATUS_OK;
  }

  // The probe sizes after shrinking; large stays above small.
  uint64_t SmallBytes() const { return std::max<uint64_t>(1, small_ / shrink_); }
  uint64_t LargeBytes() const { return std::max(SmallBytes() + 1, large_ / shrink_); }

  // Times one small and one large probe at the current sizes.
  seam_status ProbePair(double* t_small, double* t_large, std::string* message) {
    for (const auto& probe :
         {std::make_pair(SmallBytes(), t_small), std::make_pair(LargeBytes(), t_large)}) {
      const seam_status st = host_.Probe(probe.first, probe.second);
      if (st != SEAM_STATUS_OK) {
        *message = "probe_link of " + std::to_string(probe.first) + " bytes failed (status " +
                   std::to_string(st) + ")";
        return st;
      }
    }
    return SEAM_STATUS_OK;
  }

  static constexpr uint64_t kShrinkStep = 8;
  static constexpr uint64_t kMaxShrink = 512;
  static constexpr double kGrowBelowS = 0.05;

  const Host host_;
  const Mode mode_;
  const uint64_t small_;
  const uint64_t large_;
  const int pairs_;
  const double max_age_s_;
  const double max_bps_;
  // Divisor of both probe sizes; only sample() (one thread) touches it.
  uint64_t shrink_ = 1;

  // observe_transfer() runs on the streaming thread, concurrently with
  // sample() (monitor_plugin.h); this guards everything below.
  std::mutex mutex_;
  Ewma active_;
  Ewma passive_;
  double last_passive_s_ = -std::numeric_limits<double>::infinity();
  uint64_t rejected_transfers_ = 0;
  bool warned_no_link_ = false;
};

}  // namespace
}  // namespace seam_monitor

SEAM_DEFINE_MONITOR_PLUGIN(seam_monitor::BandwidthMonitor)
