// Monitor loading and sampling; MonitorSet merges readings into conditions.
#include "plugins/monitor_host.h"

namespace seam {

Monitor::~Monitor() {
  if (instance_ != nullptr && vtable_ != nullptr && vtable_->destroy != nullptr) {
    vtable_->destroy(instance_);
  }
}

Status Monitor::Load(const std::string& name_or_path,
                     const std::vector<std::pair<std::string, std::string>>& config,
                     std::shared_ptr<Monitor>* out, PluginHost* host) {
  std::shared_ptr<PluginLibrary> library;
  SEAM_RETURN_IF_ERROR(
      PluginLibrary::OpenByName(name_or_path, SEAM_PLUGIN_KIND_MONITOR, host, &library));
  const auto* vt = static_cast<const seam_monitor_vtable*>(library->vtable());
  if (!SEAM_HAS_FIELD(seam_monitor_vtable, vt, sample) || vt->create == nullptr ||
      vt->destroy == nullptr || vt->sample == nullptr) {
    return InvalidArgument("monitor plugin '" + library->path() + "' has an incomplete vtable");
  }
  std::vector<seam_kv> kvs;
  for (const auto& kv : config) kvs.push_back({kv.first.c_str(), kv.second.c_str()});
  char error[512] = {};
  void* instance = nullptr;
  const seam_status st = vt->create(host->api(), kvs.data(), static_cast<uint32_t>(kvs.size()),
                                    &instance, error, sizeof(error));
  error[sizeof(error) - 1] = '\0';
  if (st != SEAM_STATUS_OK || instance == nullptr) {
    return InvalidArgument(
        "monitor '" + std::string(library->info().name) + "' (" + library->path() +
        ") failed to start: " + (error[0] ? error : "status " + std::to_string(st)));
  }
  std::shared_ptr<Monitor> monitor(new Monitor());
  monitor->library_ = std::move(library);
  monitor->vtable_ = vt;
  monitor->instance_ = instance;
  monitor->name_ = monitor->library_->info().name;
  *out = std::move(monitor);
  return Status::Ok();
}

Status Monitor::Sample(seam_readings* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  seam_readings r{};
  r.struct_size = sizeof(r);
  char error[512] = {};
  const seam_status st = vtable_->sample(instance_, &r, error, sizeof(error));
  error[sizeof(error) - 1] = '\0';
  if (st == SEAM_STATUS_UNAVAILABLE) {
    *out = seam_readings{};
    out->struct_size = sizeof(*out);
    return Status::Ok();
  }
  if (st != SEAM_STATUS_OK) {
    return Status(StatusCode::kInternal, "monitor '" + name_ + "' failed: " +
                                             (error[0] ? error : "status " + std::to_string(st)));
  }
  *out = r;
  return Status::Ok();
}

void Monitor::ObserveTransfer(uint64_t bytes, double seconds) {
  if (!SEAM_HAS_FIELD(seam_monitor_vtable, vtable_, observe_transfer) ||
      vtable_->observe_transfer == nullptr) {
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  seam_transfer_sample sample{};
  sample.struct_size = sizeof(sample);
  sample.bytes = bytes;
  sample.seconds = seconds;
  vtable_->observe_transfer(instance_, &sample);
}

void MonitorSet::Add(std::shared_ptr<Monitor> monitor) {
  std::lock_guard<std::mutex> lock(mutex_);
  monitors_.push_back(std::move(monitor));
}

void MonitorSet::Replace(std::shared_ptr<Monitor> monitor) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& m : monitors_) {
    if (m->name() == monitor->name()) {
      m = std::move(monitor);
      return;
    }
  }
  monitors_.push_back(std::move(monitor));
}

bool MonitorSet::ReplaceAt(size_t index, std::shared_ptr<Monitor> monitor) {
  std::shared_ptr<Monitor> old;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (index >= monitors_.size()) return false;
    old = std::move(monitors_[index]);
    monitors_[index] = std::move(monitor);
  }
  // A sample running now holds its own reference; the old monitor goes
  // when that ends, or here, outside the lock.
  return true;
}

std::vector<std::string> MonitorSet::Names() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> names;
  for (const auto& m : monitors_) names.push_back(m->name());
  return names;
}

Status MonitorSet::SampleInto(PlanConditions* conditions) {
  std::vector<std::shared_ptr<Monitor>> snapshot;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    snapshot = monitors_;
  }
  Status first;
  for (const auto& m : snapshot) {
    seam_readings r{};
    Status s = m->Sample(&r);
    if (!s.ok()) {
      if (first.ok()) first = s;
      continue;
    }
    if (r.valid & SEAM_READING_BANDWIDTH) conditions->bandwidth_bps = r.bandwidth_bps;
    if (r.valid & SEAM_READING_RTT) conditions->rtt_ms = r.rtt_ms;
    if (r.valid & SEAM_READING_CPU_LOAD) conditions->edge_cpu_load = r.cpu_load;
    if (r.valid & SEAM_READING_MEM_PRESSURE) conditions->edge_mem_pressure = r.mem_pressure;
  }
  return first;
}

void MonitorSet::ObserveTransfer(uint64_t bytes, double seconds) {
  std::vector<std::shared_ptr<Monitor>> snapshot;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    snapshot = monitors_;
  }
  for (const auto& m : snapshot) m->ObserveTransfer(bytes, seconds);
}

}  // namespace seam
