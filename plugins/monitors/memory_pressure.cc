// memory-pressure monitor: how squeezed the edge device's memory is, 0..1.
//
// source=meminfo  1 - MemAvailable / MemTotal from <proc_root>/meminfo: the
//                 share of memory the kernel could not hand to a new
//                 allocation without swapping. (Kernels before 3.14 have no
//                 MemAvailable; there MemFree + Buffers + Cached is the
//                 customary approximation.)
// source=psi      "some avg10" / 100 from <proc_root>/pressure/memory: the
//                 share of the last 10 s in which at least one task stalled
//                 on memory. It measures the slowdown pressure causes rather
//                 than occupancy, which is what a partition policy cares
//                 about, but needs a PSI-enabled kernel (4.20+, psi=1).
// source=auto     psi when the pressure file exists and reads cleanly at
//                 create(), meminfo otherwise (the default).
#include <sstream>

#include "plugins/monitors/monitor_common.h"

namespace seam_monitor {
namespace {

// 1 - available/total; throws MonitorError(IO) naming the file.
double ParseMeminfo(const std::string& text, const std::string& path, bool* approximated) {
  std::istringstream lines(text);
  std::string line;
  double total = -1, available = -1, free = -1, buffers = -1, cached = -1;
  while (std::getline(lines, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    double* slot = key == "MemTotal"       ? &total
                   : key == "MemAvailable" ? &available
                   : key == "MemFree"      ? &free
                   : key == "Buffers"      ? &buffers
                   : key == "Cached"       ? &cached
                                           : nullptr;
    if (slot == nullptr) continue;
    std::istringstream value(line.substr(colon + 1));
    double kb = 0;
    if (!(value >> kb) || kb < 0) {
      throw MonitorError(SEAM_STATUS_IO, path + ": cannot parse the value of " + key);
    }
    *slot = kb;
  }
  if (total <= 0) throw MonitorError(SEAM_STATUS_IO, path + " has no positive MemTotal");
  *approximated = false;
  if (available < 0) {
    if (free < 0 || buffers < 0 || cached < 0) {
      throw MonitorError(SEAM_STATUS_IO,
                         path + " has neither MemAvailable nor MemFree, Buffers and Cached");
    }
    available = free + buffers + cached;
    *approximated = true;
  }
  const double pressure = 1.0 - available / total;
  return pressure < 0.0 ? 0.0 : pressure > 1.0 ? 1.0 : pressure;
}

// "some avg10=12.34 avg60=... total=..." -> 0.1234.
double ParsePsi(const std::string& text, const std::string& path) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream tokens(line);
    std::string kind, token;
    if (!(tokens >> kind) || kind != "some") continue;
    while (tokens >> token) {
      if (token.compare(0, 6, "avg10=") != 0) continue;
      double percent = 0;
      if (!ParseDouble(token.substr(6), &percent) || percent < 0) break;
      const double share = percent / 100.0;
      return share > 1.0 ? 1.0 : share;
    }
    break;
  }
  throw MonitorError(SEAM_STATUS_IO, path + " has no 'some avg10=<percent>' entry");
}

class MemoryPressureMonitor final : public Monitor {
 public:
  static constexpr const char* kName = "memory-pressure";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "edge memory pressure (0..1): PSI 'some avg10' when available, else 1 - "
      "MemAvailable/MemTotal";
  static constexpr bool kObservesTransfers = false;

  static std::unique_ptr<Monitor> Create(const Host& host, Config& config) {
    const std::string root = config.String("proc_root", "/proc");
    const std::string source = config.Choice("source", "auto", {"auto", "meminfo", "psi"});
    config.Finish();
    if (root.empty()) {
      throw MonitorError(SEAM_STATUS_INVALID_ARGUMENT, "config proc_root must not be empty");
    }
    const std::string psi_path = root + "/pressure/memory";
    const std::string meminfo_path = root + "/meminfo";
    bool use_psi = source == "psi";
    if (source == "auto" && PathExists(psi_path)) {
      // The file can exist yet fail to read (EOPNOTSUPP when booted with
      // psi=0), so auto tries it before committing.
      try {
        ParsePsi(ReadWholeFile(psi_path), psi_path);
        use_psi = true;
      } catch (const MonitorError& e) {
        host.Log(SEAM_LOG_WARNING, std::string(e.what()) + "; falling back to meminfo");
      }
    }
    // Validate the chosen source now so a bad proc_root fails at start-up;
    // with source=psi a missing pressure file is an error, not a fallback.
    bool approximated = false;
    if (use_psi) {
      if (!PathExists(psi_path)) {
        throw MonitorError(SEAM_STATUS_UNSUPPORTED,
                           "source=psi but " + psi_path +
                               " does not exist (kernel without PSI?); use source=meminfo or auto");
      }
      ParsePsi(ReadWholeFile(psi_path), psi_path);
    } else {
      ParseMeminfo(ReadWholeFile(meminfo_path), meminfo_path, &approximated);
    }
    host.Log(
        SEAM_LOG_INFO,
        "reading " + (use_psi ? psi_path + " (some avg10)"
                              : meminfo_path + (approximated ? " (no MemAvailable: using MemFree + "
                                                               "Buffers + Cached)"
                                                             : " (MemAvailable/MemTotal)")));
    return std::unique_ptr<Monitor>(
        new MemoryPressureMonitor(use_psi, use_psi ? psi_path : meminfo_path));
  }

  seam_status Sample(seam_readings* out, std::string* /*message*/) override {
    const std::string text = ReadWholeFile(path_);
    bool approximated = false;
    out->mem_pressure = use_psi_ ? ParsePsi(text, path_) : ParseMeminfo(text, path_, &approximated);
    out->valid |= SEAM_READING_MEM_PRESSURE;
    return SEAM_STATUS_OK;
  }

 private:
  MemoryPressureMonitor(bool use_psi, std::string path)
      : use_psi_(use_psi), path_(std::move(path)) {}

  const bool use_psi_;
  const std::string path_;
};

}  // namespace
}  // namespace seam_monitor

SEAM_DEFINE_MONITOR_PLUGIN(seam_monitor::MemoryPressureMonitor)
