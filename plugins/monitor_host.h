// The host side of monitor plugins: load, sample, feed passive transfer
// observations, and merge every monitor's readings into plan conditions.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "plugins/plugin_library.h"
#include "plugins/policy_host.h"
#include "seam/monitor_plugin.h"
#include "seam/status.h"

namespace seam {

class Monitor {
 public:
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  static Status Load(const std::string& name_or_path,
                     const std::vector<std::pair<std::string, std::string>>& config,
                     std::shared_ptr<Monitor>* out, PluginHost* host = DefaultPluginHost());

  const std::string& name() const { return name_; }
  const PluginLibrary& library() const { return *library_; }
  // kUnavailable-style results (no reading yet) come back as OK with valid == 0.
  Status Sample(seam_readings* out);
  void ObserveTransfer(uint64_t bytes, double seconds);

 private:
  Monitor() = default;
  std::shared_ptr<PluginLibrary> library_;
  const seam_monitor_vtable* vtable_ = nullptr;
  void* instance_ = nullptr;
  std::string name_;
  std::mutex mutex_;  // sample() and observe_transfer() may race
};

// The monitors of a stream. Samples every monitor and overlays what each
// measured onto the conditions (later monitors win on the same field).
class MonitorSet {
 public:
  void Add(std::shared_ptr<Monitor> monitor);
  // Replaces the monitor of the same name (hot swap), or adds it.
  void Replace(std::shared_ptr<Monitor> monitor);
  // Replaces the `index`-th monitor added (a reload of the same plugin spec,
  // which may now be another plugin, or a second instance of one name).
  // False when there is no such monitor.
  bool ReplaceAt(size_t index, std::shared_ptr<Monitor> monitor);
  std::vector<std::string> Names() const;
  // Updates `conditions` with every fresh reading; returns the first error
  // but still applies the other monitors' readings.
  Status SampleInto(PlanConditions* conditions);
  void ObserveTransfer(uint64_t bytes, double seconds);

 private:
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<Monitor>> monitors_;
};

}  // namespace seam
