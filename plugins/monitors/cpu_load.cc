// cpu-load monitor: share of all cores' time spent busy since the previous
// sample(), from the aggregate "cpu" line of <proc_root>/stat.
//
//   cpu  user nice system idle iowait irq softirq steal guest guest_nice
//
// total = user + nice + system + idle + iowait + irq + softirq + steal
//         (guest and guest_nice are already counted in user and nice, so
//         adding them would double count a VM host's guest time);
// busy  = total - idle - iowait (a task waiting on I/O leaves the core free
//         for our kernels, so it is not load).
// load  = delta busy / delta total, in 0..1 of all cores.
//
// First call: /proc/stat counters are totals since boot, so one read says
// nothing about *now*. The first sample() only records the baseline and
// returns SEAM_STATUS_UNAVAILABLE ("no reading yet"); we chose this over
// sleeping for a short interval inside sample() because the host's monitor
// thread samples periodically anyway and should never be blocked by a
// monitor. Later calls report the load over the interval since the previous
// call. create() reads the file once so a bad proc_root fails at start-up.
#include <sstream>

#include "plugins/monitors/monitor_common.h"

namespace seam_monitor {
namespace {

struct CpuTimes {
  uint64_t busy = 0;
  uint64_t total = 0;
};

// Parses the aggregate line; throws MonitorError(IO) naming the file.
CpuTimes ParseProcStat(const std::string& text, const std::string& path) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.compare(0, 4, "cpu ") != 0) continue;
    std::istringstream fields(line.substr(4));
    uint64_t v[8] = {};
    int n = 0;
    // Kernels before 2.6 had only four columns; later ones append more
    // (guest, guest_nice) that we deliberately ignore.
    while (n < 8 && fields >> v[n]) ++n;
    if (n < 4) break;
    CpuTimes t;
    for (int i = 0; i < n; ++i) t.total += v[i];
    const uint64_t idle = v[3] + (n > 4 ? v[4] : 0);
    t.busy = t.total - idle;
    return t;
  }
  throw MonitorError(SEAM_STATUS_IO,
                     path + " has no aggregate 'cpu' line with at least 4 counters");
}

class CpuLoadMonitor final : public Monitor {
 public:
  static constexpr const char* kName = "cpu-load";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "edge CPU load (0..1 of all cores) from /proc/stat deltas between samples";
  static constexpr bool kObservesTransfers = false;

  static std::unique_ptr<Monitor> Create(const Host& host, Config& config) {
    const std::string root = config.String("proc_root", "/proc");
    config.Finish();
    if (root.empty()) {
      throw MonitorError(SEAM_STATUS_INVALID_ARGUMENT, "config proc_root must not be empty");
    }
    const std::string path = root + "/stat";
    ParseProcStat(ReadWholeFile(path), path);  // fail now, not on the monitor thread
    host.Log(SEAM_LOG_INFO, "reading " + path + " (first sample establishes the baseline)");
    return std::unique_ptr<Monitor>(new CpuLoadMonitor(host, path));
  }

  seam_status Sample(seam_readings* out, std::string* message) override {
    const CpuTimes now = ParseProcStat(ReadWholeFile(path_), path_);
    if (!has_baseline_) {
      baseline_ = now;
      has_baseline_ = true;
      *message =
          "first sample establishes the /proc/stat baseline; load is reported from the "
          "next sample on";
      return SEAM_STATUS_UNAVAILABLE;
    }
    if (now.total < baseline_.total || now.busy < baseline_.busy) {
      // Counters went backwards (CPU hot-unplug, or a replaced fake tree):
      // the delta is meaningless, so start over from here.
      host_.Log(SEAM_LOG_WARNING, path_ + " counters went backwards; resetting the baseline");
      baseline_ = now;
      *message = "counters went backwards; baseline reset";
      return SEAM_STATUS_UNAVAILABLE;
    }
    const uint64_t total = now.total - baseline_.total;
    if (total == 0) {
      // Less than one clock tick since the last call: no information. Keep
      // the old baseline so the next call covers a longer interval.
      *message = "less than one clock tick since the previous sample";
      return SEAM_STATUS_UNAVAILABLE;
    }
    const uint64_t busy = now.busy - baseline_.busy;
    baseline_ = now;
    double load = static_cast<double>(busy) / static_cast<double>(total);
    load = load < 0.0 ? 0.0 : load > 1.0 ? 1.0 : load;
    out->cpu_load = load;
    out->valid |= SEAM_READING_CPU_LOAD;
    return SEAM_STATUS_OK;
  }

 private:
  CpuLoadMonitor(const Host& host, std::string path) : host_(host), path_(std::move(path)) {}

  const Host host_;
  const std::string path_;
  bool has_baseline_ = false;
  CpuTimes baseline_;
};

}  // namespace
}  // namespace seam_monitor

SEAM_DEFINE_MONITOR_PLUGIN(seam_monitor::CpuLoadMonitor)
