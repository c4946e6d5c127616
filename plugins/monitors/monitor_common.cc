// Shared plumbing of the bundled monitor plugins (see monitor_common.h).
#include "plugins/monitors/monitor_common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <utility>

namespace seam_monitor {

// --- Host ------------------------------------------------------------------

Host::Host(const seam_host_api* api, std::string monitor_name)
    : api_(api), name_(std::move(monitor_name)) {
  if (api == nullptr) throw MonitorError(SEAM_STATUS_INVALID_ARGUMENT, "host api is NULL");
  if (!SEAM_HAS_FIELD(seam_host_api, api, abi_minor)) {
    throw MonitorError(SEAM_STATUS_INVALID_ARGUMENT, "host api struct_size " +
                                                         std::to_string(api->struct_size) +
                                                         " is too small to carry an ABI version");
  }
  if (api->abi_major != SEAM_PLUGIN_ABI_MAJOR) {
    throw MonitorError(SEAM_STATUS_VERSION_MISMATCH,
                       "host speaks plugin ABI " + std::to_string(api->abi_major) + "." +
                           std::to_string(api->abi_minor) + ", this monitor was built for " +
                           std::to_string(SEAM_PLUGIN_ABI_MAJOR) + "." +
                           std::to_string(SEAM_PLUGIN_ABI_MINOR));
  }
}

void Host::Log(int32_t severity, const std::string& message) const {
  if (!SEAM_HAS_FIELD(seam_host_api, api_, log) || api_->log == nullptr) return;
  const std::string line = name_ + ": " + message;
  api_->log(api_->host_ctx, severity, line.c_str());
}

double Host::Now() const {
  if (SEAM_HAS_FIELD(seam_host_api, api_, now_seconds) && api_->now_seconds != nullptr) {
    return api_->now_seconds(api_->host_ctx);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool Host::HasProbe() const {
  return SEAM_HAS_FIELD(seam_host_api, api_, probe_link) && api_->probe_link != nullptr;
}

seam_status Host::Probe(uint64_t payload_bytes, double* round_trip_seconds) const {
  if (!HasProbe()) return SEAM_STATUS_UNAVAILABLE;
  return api_->probe_link(api_->host_ctx, payload_bytes, round_trip_seconds);
}

// --- parsing helpers -------------------------------------------------------

// Parses an unsigned decimal integer with an optional binary-unit suffix.
static bool ParseUnsigned(const std::string& text, bool allow_suffix, uint64_t* out) {
  const std::string t = Trim(text);
  size_t digits = 0;
  while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
  if (digits == 0) return false;
  uint64_t value = 0;
  const auto result = std::from_chars(t.data(), t.data() + digits, value);
  if (result.ec != std::errc()) return false;  // overflow
  const std::string suffix = Trim(t.substr(digits));
  uint64_t scale = 1;
  if (suffix.empty()) {
    scale = 1;
  } else if (allow_suffix && suffix == "KiB") {
    scale = 1ull << 10;
  } else if (allow_suffix && suffix == "MiB") {
    scale = 1ull << 20;
  } else if (allow_suffix && suffix == "GiB") {
    scale = 1ull << 30;
  } else {
    return false;
  }
  if (value > UINT64_MAX / scale) return false;
  *out = value * scale;
  return true;
}

// --- Config ----------------------------------------------------------------

Config::Config(std::string monitor_name, const seam_kv* entries, uint32_t count)
    : name_(std::move(monitor_name)) {
  for (uint32_t i = 0; i < count; ++i) {
    if (entries[i].key == nullptr || entries[i].value == nullptr) {
      throw MonitorError(SEAM_STATUS_INVALID_ARGUMENT,
                         "config entry " + std::to_string(i) + " has a NULL key or value");
    }
    const std::string key = entries[i].key;
    if (key.empty()) {
      throw MonitorError(SEAM_STATUS_INVALID_ARGUMENT,
                         "config entry " + std::to_string(i) + " has an empty key");
    }
    if (!values_.emplace(key, entries[i].value).second) {
      throw MonitorError(SEAM_STATUS_INVALID_ARGUMENT,
                         "config key '" + key + "' is given more than once");
    }
  }
}

bool Config::Has(const std::string& key) const { return values_.count(key) != 0; }

const std::string* Config::Find(const std::string& key) {
  known_.insert(key);
  const auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

void Config::Bad(const std::string& key, const std::string& value, const std::string& why) const {
  throw MonitorError(SEAM_STATUS_INVALID_ARGUMENT,
                     "config " + key + "='" + value + "' is invalid: " + why);
}

std::string Config::String(const std::string& key, const std::string& fallback) {
  const std::string* v = Find(key);
  return v == nullptr ? fallback : *v;
}

std::string Config::Choice(const std::string& key, const std::string& fallback,
                           const std::vector<std::string>& choices) {
  const std::string* v = Find(key);
  if (v == nullptr) return fallback;
  for (const auto& c : choices) {
    if (*v == c) return c;
  }
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  Bad(key, *v, "expected one of: " + list);
}

double Config::Double(const std::string& key, double fallback, double min, double max,
                      bool min_exclusive) {
  const std::string* v = Find(key);
  if (v == nullptr) return fallback;
  double value = 0.0;
  if (!ParseDouble(*v, &value)) Bad(key, *v, "expected a finite number");
  if (value < min || (min_exclusive && value == min) || value > max) {
    Bad(key, *v,
        "expected a number in " + std::string(min_exclusive ? "(" : "[") + FormatDouble(min) +
            ", " + FormatDouble(max) + "]");
  }
  return value;
}

uint64_t Config::Bytes(const std::string& key, uint64_t fallback, uint64_t min, uint64_t max) {
  const std::string* v = Find(key);
  if (v == nullptr) return fallback;
  uint64_t value = 0;
  if (!ParseUnsigned(*v, /*allow_suffix=*/true, &value)) {
    Bad(key, *v, "expected a byte count (digits, optionally followed by KiB, MiB or GiB)");
  }
  if (value < min || value > max) {
    Bad(key, *v,
        "expected between " + std::to_string(min) + " and " + std::to_string(max) + " bytes");
  }
  return value;
}

uint64_t Config::Count(const std::string& key, uint64_t fallback, uint64_t min, uint64_t max) {
  const std::string* v = Find(key);
  if (v == nullptr) return fallback;
  uint64_t value = 0;
  if (!ParseUnsigned(*v, /*allow_suffix=*/false, &value)) Bad(key, *v, "expected an integer");
  if (value < min || value > max) {
    Bad(key, *v,
        "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return value;
}

bool Config::Bool(const std::string& key, bool fallback) {
  const std::string* v = Find(key);
  if (v == nullptr) return fallback;
  const std::string t = Trim(*v);
  if (t == "1" || t == "true" || t == "yes" || t == "on") return true;
  if (t == "0" || t == "false" || t == "no" || t == "off") return false;
  Bad(key, *v, "expected 0 or 1");
}

void Config::Finish() const {
  std::string unknown;
  for (const auto& kv : values_) {
    if (known_.count(kv.first) == 0) unknown += (unknown.empty() ? "'" : ", '") + kv.first + "'";
  }
  if (unknown.empty()) return;
  std::string known;
  for (const auto& k : known_) known += (known.empty() ? "" : ", ") + k;
  throw MonitorError(SEAM_STATUS_INVALID_ARGUMENT,
                     "unknown config key " + unknown + " (known keys: " + known + ")");
}

// --- files -----------------------------------------------------------------

std::string ReadWholeFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw MonitorError(SEAM_STATUS_IO, "cannot open " + path + ": " + std::strerror(errno));
  }
  std::string data;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      throw MonitorError(SEAM_STATUS_IO, "cannot read " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace seam_monitor
