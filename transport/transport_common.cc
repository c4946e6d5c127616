// Shared plumbing of the bundled transport plugins (see transport_common.h).
#include "transport/transport_common.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <locale>
#include <new>
#include <sstream>

namespace seam_transport {

// --- Host ------------------------------------------------------------------

Host::Host(const seam_host_api* api, std::string plugin_name)
    : api_(api), name_(std::move(plugin_name)) {
  if (api == nullptr) throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "host api is NULL");
  if (!SEAM_HAS_FIELD(seam_host_api, api, abi_minor)) {
    throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "host api struct_size " +
                                                           std::to_string(api->struct_size) +
                                                           " is too small to carry an ABI version");
  }
  if (api->abi_major != SEAM_PLUGIN_ABI_MAJOR) {
    throw TransportError(SEAM_STATUS_VERSION_MISMATCH,
                         "host speaks plugin ABI " + std::to_string(api->abi_major) + "." +
                             std::to_string(api->abi_minor) + ", this transport was built for " +
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

bool Host::CanOpenTransport() const {
  return SEAM_HAS_FIELD(seam_host_api, api_, open_transport) && api_->open_transport != nullptr;
}

void Host::OpenTransport(const std::string& name,
                         const std::vector<std::pair<std::string, std::string>>& config,
                         const seam_transport_vtable** out_vtable, void** out_instance) const {
  if (!CanOpenTransport()) {
    throw TransportError(SEAM_STATUS_UNSUPPORTED,
                         "the host does not offer open_transport, so no inner transport '" + name +
                             "' can be loaded");
  }
  std::vector<seam_kv> kvs;
  kvs.reserve(config.size());
  for (const auto& kv : config) kvs.push_back({kv.first.c_str(), kv.second.c_str()});
  char error[512] = {};
  const void* vtable = nullptr;
  void* instance = nullptr;
  const seam_status st = api_->open_transport(api_->host_ctx, name.c_str(), kvs.data(),
                                              static_cast<uint32_t>(kvs.size()), &vtable, &instance,
                                              error, sizeof(error));
  error[sizeof(error) - 1] = '\0';
  if (st != SEAM_STATUS_OK || vtable == nullptr || instance == nullptr) {
    throw TransportError(st != SEAM_STATUS_OK ? st : SEAM_STATUS_INTERNAL,
                         "cannot open inner transport '" + name + "': " +
                             (error[0] ? std::string(error) : "status " + std::to_string(st)));
  }
  *out_vtable = static_cast<const seam_transport_vtable*>(vtable);
  *out_instance = instance;
}

// --- Config ----------------------------------------------------------------

Config::Config(std::string plugin_name, const seam_kv* entries, uint32_t count)
    : name_(std::move(plugin_name)) {
  for (uint32_t i = 0; i < count; ++i) {
    if (entries[i].key == nullptr || entries[i].value == nullptr) {
      throw TransportError(SEAM_STATUS_INVALID_ARGUMENT,
                           "config entry " + std::to_string(i) + " has a NULL key or value");
    }
    const std::string key = entries[i].key;
    if (!values_.emplace(key, entries[i].value).second) {
      throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "config key '" + key + "' given twice");
    }
  }
}

bool Config::Has(const std::string& key) const { return values_.count(key) != 0; }

const std::string* Config::Find(const std::string& key) {
  known_.insert(key);
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

void Config::Bad(const std::string& key, const std::string& value, const std::string& why) const {
  throw TransportError(SEAM_STATUS_INVALID_ARGUMENT,
                       "config " + key + "='" + value + "' is invalid: " + why);
}

std::string Config::String(const std::string& key, const std::string& fallback) {
  const std::string* v = Find(key);
  return v ? *v : fallback;
}

double Config::Double(const std::string& key, double fallback, double min, double max,
                      bool min_exclusive) {
  const std::string* v = Find(key);
  if (v == nullptr) return fallback;
  double d = 0;
  if (!ParseDouble(*v, &d)) Bad(key, *v, "not a number");
  if (d < min || (min_exclusive && d == min) || d > max) {
    Bad(key, *v,
        "must be in " + std::string(min_exclusive ? "(" : "[") + FormatDouble(min) + ", " +
            FormatDouble(max) + "]");
  }
  return d;
}

namespace {

// Parses a plain unsigned decimal; false on anything else (sign, spaces,
// overflow).
bool ParseUnsigned(const std::string& text, uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

}  // namespace

uint64_t Config::Bytes(const std::string& key, uint64_t fallback, uint64_t min, uint64_t max) {
  const std::string* v = Find(key);
  if (v == nullptr) return fallback;
  std::string digits = Trim(*v);
  uint64_t scale = 1;
  struct Suffix {
    const char* text;
    uint64_t scale;
  };
  for (const Suffix& s :
       {Suffix{"KiB", 1ull << 10}, Suffix{"MiB", 1ull << 20}, Suffix{"GiB", 1ull << 30}}) {
    const size_t n = std::strlen(s.text);
    if (digits.size() > n && digits.compare(digits.size() - n, n, s.text) == 0) {
      digits = Trim(digits.substr(0, digits.size() - n));
      scale = s.scale;
      break;
    }
  }
  uint64_t n = 0;
  if (!ParseUnsigned(digits, &n))
    Bad(key, *v, "not an unsigned byte count (suffixes: KiB, MiB, GiB)");
  if (n > UINT64_MAX / scale) Bad(key, *v, "too large");
  n *= scale;
  if (n < min || n > max) {
    Bad(key, *v, "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "] bytes");
  }
  return n;
}

uint64_t Config::Count(const std::string& key, uint64_t fallback, uint64_t min, uint64_t max) {
  const std::string* v = Find(key);
  if (v == nullptr) return fallback;
  uint64_t n = 0;
  if (!ParseUnsigned(Trim(*v), &n)) Bad(key, *v, "not an unsigned integer");
  if (n < min || n > max) {
    Bad(key, *v, "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return n;
}

bool Config::Bool(const std::string& key, bool fallback) {
  const std::string* v = Find(key);
  if (v == nullptr) return fallback;
  std::string lower = Trim(*v);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "1" || lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "0" || lower == "false" || lower == "no" || lower == "off") return false;
  Bad(key, *v, "expected 0/1/true/false/yes/no/on/off");
}

std::vector<std::pair<std::string, std::string>> Config::WithPrefix(const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& kv : values_) {
    if (kv.first.size() > prefix.size() && kv.first.compare(0, prefix.size(), prefix) == 0) {
      known_.insert(kv.first);
      out.emplace_back(kv.first.substr(prefix.size()), kv.second);
    }
  }
  return out;
}

void Config::Finish() const {
  std::string unknown;
  for (const auto& kv : values_) {
    if (known_.count(kv.first) == 0) unknown += (unknown.empty() ? "" : ", ") + kv.first;
  }
  if (unknown.empty()) return;
  std::string known;
  for (const std::string& k : known_) known += (known.empty() ? "" : ", ") + k;
  throw TransportError(SEAM_STATUS_INVALID_ARGUMENT,
                       "unknown config key(s) " + unknown + " (known: " + known + ")");
}

// --- text helpers ----------------------------------------------------------

// --- AlignedBuffer ---------------------------------------------------------

alignas(64) const uint8_t AlignedBuffer::kEmpty[64] = {};

AlignedBuffer& AlignedBuffer::operator=(AlignedBuffer&& other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = other.data_;
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
  }
  return *this;
}

void AlignedBuffer::Assign(const void* src, size_t size) {
  if (size > capacity_) {
    // Round up to the alignment (aligned_alloc wants a multiple) and grow by
    // at least half, so a slowly growing frame does not reallocate each time.
    size_t want = std::max(size, capacity_ + capacity_ / 2);
    want = (want + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, want);
    if (p == nullptr) throw std::bad_alloc();
    std::free(data_);
    data_ = static_cast<uint8_t*>(p);
    capacity_ = want;
  }
  if (size > 0) std::memcpy(data_, src, size);
  size_ = size;
}

void AlignedBuffer::Reset() {
  std::free(data_);
  data_ = nullptr;
  size_ = capacity_ = 0;
}

uint64_t TotalBytes(const seam_frame* frames, uint32_t num_frames) {
  uint64_t total = 0;
  for (uint32_t i = 0; i < num_frames; ++i) {
    if (frames[i].data == nullptr && frames[i].size != 0) {
      throw TransportError(SEAM_STATUS_INVALID_ARGUMENT, "frame " + std::to_string(i) +
                                                             " has NULL data and size " +
                                                             std::to_string(frames[i].size));
    }
    total += frames[i].size;
  }
  return total;
}

void CopyReceived(const seam_received& from, seam_received* to) {
  if (SEAM_HAS_FIELD(seam_received, to, num_frames)) to->num_frames = from.num_frames;
  if (SEAM_HAS_FIELD(seam_received, to, frames)) to->frames = from.frames;
  if (SEAM_HAS_FIELD(seam_received, to, token)) to->token = from.token;
  if (SEAM_HAS_FIELD(seam_received, to, peer)) std::memcpy(to->peer, from.peer, sizeof(to->peer));
}

}  // namespace seam_transport
