// Shared plumbing of the bundled transport plugins. Compiled into every
// transport module (each is its own .so with hidden visibility and one
// exported symbol), so nothing here is part of the ABI; only seam/plugin.h
// and seam/transport_plugin.h are.
//
// Inside a transport we write plain C++: configuration and unexpected
// failures throw TransportError (or anything else: cppzmq throws
// zmq::error_t, allocation throws std::bad_alloc). The C entry points made by
// TransportPlugin<Impl> are the only place exceptions are caught and turned
// into a status + message, so none can cross the ABI (plugin.h rule 4).
// Expected outcomes of the data path (a timeout, a closed server) are
// returned as a seam_status with a message instead, because a worker polling
// receive() every few milliseconds should not pay for an exception each time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "plugins/common/plugin_text.h"
#include "seam/transport_plugin.h"

namespace seam_transport {

// Text helpers shared with the other plugin families.
using seam_plugin::FormatDouble;
using seam_plugin::ParseDouble;
using seam_plugin::Trim;
using seam_plugin::WriteError;

// A failure with the status the C entry point reports.
class TransportError : public std::runtime_error {
 public:
  TransportError(seam_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  seam_status status() const { return status_; }

 private:
  seam_status status_;
};

// The host services an instance uses. The host outlives every instance
// (plugin.h), so keeping the pointer is enough. Optional services are checked
// with SEAM_HAS_FIELD because an older host may hand us a shorter struct.
class Host {
 public:
  // Throws TransportError when `api` is missing or speaks another ABI major.
  Host(const seam_host_api* api, std::string plugin_name);

  // Logs "<plugin>: <message>" through host->log (no-op without one).
  void Log(int32_t severity, const std::string& message) const;
  // The host's monotonic clock in seconds; std::chrono::steady_clock when the
  // host has none.
  double Now() const;
  bool CanOpenTransport() const;
  // host->open_transport; throws TransportError with the host's message.
  void OpenTransport(const std::string& name,
                     const std::vector<std::pair<std::string, std::string>>& config,
                     const seam_transport_vtable** out_vtable, void** out_instance) const;
  const seam_host_api* api() const { return api_; }

 private:
  const seam_host_api* api_;
  std::string name_;
};

// key=value configuration. Each getter records the key as known; Finish()
// rejects whatever the plugin did not ask for, so a typo ("sndwhm=4") is an
// error instead of a silently ignored option.
class Config {
 public:
  // Throws on NULL entries and on a key given twice (which would otherwise
  // make "the last one wins" an undocumented rule).
  Config(std::string plugin_name, const seam_kv* entries, uint32_t count);

  bool Has(const std::string& key) const;
  std::string String(const std::string& key, const std::string& fallback);
  // A finite decimal in [min, max] (or (min, max] when min_exclusive).
  double Double(const std::string& key, double fallback, double min, double max,
                bool min_exclusive = false);
  // An unsigned integer in [min, max]; accepts the suffixes KiB, MiB and GiB
  // because byte sizes are what this is mostly used for.
  uint64_t Bytes(const std::string& key, uint64_t fallback, uint64_t min, uint64_t max);
  // An unsigned integer in [min, max].
  uint64_t Count(const std::string& key, uint64_t fallback, uint64_t min, uint64_t max);
  // 0/1/true/false/yes/no/on/off.
  bool Bool(const std::string& key, bool fallback);
  // Every "<prefix>key=value" entry as ("key", "value"), marked as known.
  std::vector<std::pair<std::string, std::string>> WithPrefix(const std::string& prefix);
  // Throws INVALID_ARGUMENT naming every unknown key and the known ones.
  void Finish() const;

 private:
  [[noreturn]] void Bad(const std::string& key, const std::string& value,
                        const std::string& why) const;
  const std::string* Find(const std::string& key);

  std::string name_;
  std::map<std::string, std::string> values_;
  std::set<std::string> known_;
};

// Frames handed to the host must be 16-byte aligned (transport_plugin.h).
constexpr size_t kFrameAlignment = 16;
inline bool IsAligned(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % kFrameAlignment == 0;
}

// A growable byte buffer whose data is 64-byte aligned (a cache line, and a
// multiple of the 16 the ABI promises). Assign() reuses the capacity, so a
// client or worker that keeps its buffers copies without allocating (and
// without page faults) once they have grown to the message size.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  ~AlignedBuffer() { std::free(data_); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  AlignedBuffer(AlignedBuffer&& other) noexcept { *this = std::move(other); }
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept;

  // Copies `size` bytes from `src` (which may be NULL when size is 0).
  void Assign(const void* src, size_t size);
  const uint8_t* data() const { return data_ != nullptr ? data_ : kEmpty; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  // Frees the memory (used to drop an unusually large buffer).
  void Reset();

 private:
  // A zero-size frame still needs an aligned, non-NULL address.
  alignas(64) static const uint8_t kEmpty[64];
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// The sum of the frame sizes, throwing INVALID_ARGUMENT for NULL data with a
// non-zero size (the one input error every transport must catch).
uint64_t TotalBytes(const seam_frame* frames, uint32_t num_frames);

// Fills the caller's seam_received from `from` (a struct of this ABI):
// copies only the fields the caller's struct_size says it has.
void CopyReceived(const seam_received& from, seam_received* to);

// --- what a transport implements --------------------------------------------

// A per-thread server endpoint (open_worker).
class Worker {
 public:
  virtual ~Worker() = default;
  // SEAM_STATUS_OK and *out filled, or a status with *message set.
  virtual seam_status Receive(uint32_t timeout_ms, seam_received* out, std::string* message) = 0;
  virtual seam_status Reply(uint64_t token, const seam_frame* frames, uint32_t num_frames,
                            std::string* message) = 0;
  virtual void ReleaseRequest(seam_received* request) = 0;
};

// One plugin instance: a client (connect + request) or a server (bind +
// workers). Entry points for a role the instance does not play report an
// error; they never crash.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void Connect(const std::string& endpoint) = 0;
  virtual seam_status Request(const seam_frame* frames, uint32_t num_frames, uint32_t timeout_ms,
                              seam_received* reply, std::string* message) = 0;
  virtual void ReleaseReply(seam_received* reply) = 0;
  virtual void Bind(const std::string& endpoint) = 0;
  virtual std::unique_ptr<Worker> OpenWorker() = 0;
  // Called before the worker is deleted (e.g. to forget it in a registry).
  virtual void CloseWorker(Worker* /*worker*/) {}
};

// host < built, as a function so that with SEAM_PLUGIN_ABI_MINOR == 0 the
// compiler does not flag the comparison as always false.
inline bool IsOlder(uint32_t host, uint32_t built) { return host < built; }

// The C side of a transport: query, vtable and the entry points, each
// catching everything. Impl provides:
//   static constexpr const char* kName, kVersion, kDescription;
//   static std::unique_ptr<Transport> Create(const Host&, Config&);
template <class Impl>
class TransportPlugin {
 public:
  static seam_status Query(uint32_t host_abi_major, uint32_t host_abi_minor,
                           const seam_host_api* host, const seam_plugin_info** out_info) noexcept {
    try {
      if (out_info == nullptr) return SEAM_STATUS_INVALID_ARGUMENT;
      // Same major required; and we refuse a host older than the minor we
      // were built for, since we might read fields it does not provide.
      if (host_abi_major != SEAM_PLUGIN_ABI_MAJOR ||
          IsOlder(host_abi_minor, SEAM_PLUGIN_ABI_MINOR)) {
        if (SEAM_HAS_FIELD(seam_host_api, host, log) && host->log != nullptr) {
          const std::string line = std::string(Impl::kName) + ": built for plugin ABI " +
                                   std::to_string(SEAM_PLUGIN_ABI_MAJOR) + "." +
                                   std::to_string(SEAM_PLUGIN_ABI_MINOR) + ", host speaks " +
                                   std::to_string(host_abi_major) + "." +
                                   std::to_string(host_abi_minor) + "; refusing to load";
          host->log(host->host_ctx, SEAM_LOG_ERROR, line.c_str());
        }
        return SEAM_STATUS_VERSION_MISMATCH;
      }
      *out_info = &kInfo;
      return SEAM_STATUS_OK;
    } catch (...) {
      return SEAM_STATUS_INTERNAL;
    }
  }

 private:
  // The worker handle given to the host: the worker and the instance that
  // made it, because receive/reply/release_request get only the handle.
  struct WorkerHandle {
    Transport* owner;
    std::unique_ptr<Worker> worker;
  };

  static seam_status Fail(char* error, size_t error_size, seam_status status,
                          const std::string& message) noexcept {
    try {
      WriteError(error, error_size, std::string(Impl::kName) + ": " + message);
    } catch (...) {
      WriteError(error, error_size, "transport error (out of memory formatting the message)");
    }
    return status;
  }

  // Runs `body` (returning seam_status), turning every exception into a
  // status and a message.
  template <class Body>
  static seam_status Guard(char* error, size_t error_size, Body&& body) noexcept {
    try {
      return body();
    } catch (const TransportError& e) {
      return Fail(error, error_size, e.status(), e.what());
    } catch (const std::bad_alloc&) {
      return Fail(error, error_size, SEAM_STATUS_OUT_OF_MEMORY, "out of memory");
    } catch (const std::exception& e) {
      return Fail(error, error_size, SEAM_STATUS_INTERNAL,
                  std::string("internal error: ") + e.what());
    } catch (...) {
      return Fail(error, error_size, SEAM_STATUS_INTERNAL, "internal error");
    }
  }

  static seam_status Create(const seam_host_api* host, const seam_kv* config, uint32_t num_config,
                            void** out_instance, char* error, size_t error_size) noexcept {
    return Guard(error, error_size, [&]() -> seam_status {
      if (out_instance == nullptr) {
        return Fail(error, error_size, SEAM_STATUS_INVALID_ARGUMENT, "out_instance is NULL");
      }
      if (config == nullptr && num_config != 0) {
        return Fail(error, error_size, SEAM_STATUS_INVALID_ARGUMENT,
                    "config is NULL but num_config is " + std::to_string(num_config));
      }
      Host services(host, Impl::kName);
      Config parsed(Impl::kName, config, num_config);
      std::unique_ptr<Transport> transport = Impl::Create(services, parsed);
      *out_instance = transport.release();
      return SEAM_STATUS_OK;
    });
  }

  static void Destroy(void* instance) noexcept {
    try {
      delete static_cast<Transport*>(instance);
    } catch (...) {
      // A destructor that throws has nowhere to report to; swallowing is the
      // only way to keep the exception inside the plugin.
    }
  }

  static seam_status Connect(void* instance, const char* endpoint, char* error,
                             size_t error_size) noexcept {
    return Guard(error, error_size, [&]() -> seam_status {
      if (instance == nullptr || endpoint == nullptr) {
        return Fail(error, error_size, SEAM_STATUS_INVALID_ARGUMENT,
                    "instance or endpoint is NULL");
      }
      static_cast<Transport*>(instance)->Connect(endpoint);
      return SEAM_STATUS_OK;
    });
  }

  static seam_status Request(void* instance, const seam_frame* frames, uint32_t num_frames,
                             uint32_t timeout_ms, seam_received* reply, char* error,
                             size_t error_size) noexcept {
    return Guard(error, error_size, [&]() -> seam_status {
      if (instance == nullptr) {
        return Fail(error, error_size, SEAM_STATUS_INVALID_ARGUMENT, "instance is NULL");
      }
      if (num_frames == 0 || frames == nullptr) {
        return Fail(error, error_size, SEAM_STATUS_INVALID_ARGUMENT,
                    "a request needs at least one frame");
      }
      if (!SEAM_HAS_FIELD(seam_received, reply, token)) {
        return Fail(error, error_size, SEAM_STATUS_INVALID_ARGUMENT,
                    reply == nullptr ? "reply is NULL" : "reply struct_size is too small");
      }
      std::string message;
      const seam_status st = static_cast<Transport*>(instance)->Request(
          frames, num_frames, timeout_ms, reply, &message);
      if (st != SEAM_STATUS_OK) return Fail(error, error_size, st, message);
      return SEAM_STATUS_OK;
    });
  }

  static void ReleaseReply(void* instance, seam_received* reply) noexcept {
    try {
      if (instance == nullptr || !SEAM_HAS_FIELD(seam_received, reply, token)) return;
      static_cast<Transport*>(instance)->ReleaseReply(reply);
    } catch (...) {
    }
  }

  static seam_status Bind(void* instance, const char* endpoint, char* error,
                          size_t error_size) noexcept {
    return Guard(error, error_size, [&]() -> seam_status {
      if (instance == nullptr || endpoint == nullptr) {
        return Fail(error, error_size, SEAM_STATUS_INVALID_ARGUMENT,
                    "instance or endpoint is NULL");
      }
      static_cast<Transport*>(instance)->Bind(endpoint);
      return SEAM_STATUS_OK;
    });
  }

  static seam_status OpenWorker(void* instance, void** out_worker, char* error,
                                size_t error_size) noexcept {
    return Guard(error, error_size, [&]() -> seam_status {
      if (instance == nullptr || out_worker == nullptr) {
        return Fail(error, error_size, SEAM_STATUS_INVALID_ARGUMENT,
                    "instance or out_worker is NULL");
      }
      auto* owner = static_cast<Transport*>(instance);
      std::unique_ptr<WorkerHandle> handle(new WorkerHandle{owner, owner->OpenWorker()});
      *out_worker = handle.release();
      return SEAM_STATUS_OK;
    });
  }

  static void CloseWorker(void* instance, void* worker) noexcept {
    try {
      if (worker == nullptr) return;
      std::unique_ptr<WorkerHandle> handle(static_cast<WorkerHandle*>(worker));
      (void)instance;  // the handle knows its owner
      handle->owner->CloseWorker(handle->worker.get());
    } catch (...) {
    }
  }

  static seam_status Receive(void* worker, uint32_t timeout_ms, seam_received* request, char* error,
                             size_t error_size) noexcept {
    return Guard(error, error_size, [&]() -> seam_status {
      if (worker == nullptr) {
        return Fail(error, error_size, SEAM_STATUS_INVALID_ARGUMENT, "worker is NULL");
      }
      if (!SEAM_HAS_FIELD(seam_received, request, token)) {
        return Fail(error, error_size, SEAM_STATUS_INVALID_ARGUMENT,
                    request == nullptr ? "request is NULL" : "request struct_size is too small");
      }
      std::string message;
      const seam_status st =
          static_cast<WorkerHandle*>(worker)->worker->Receive(timeout_ms, request, &message);
      if (st != SEAM_STATUS_OK) return Fail(error, error_size, st, message);
      return SEAM_STATUS_OK;
    });
  }

  static seam_status Reply(void* worker, uint64_t token, const seam_frame* frames,
                           uint32_t num_frames, char* error, size_t error_size) noexcept {
    return Guard(error, error_size, [&]() -> seam_status {
      if (worker == nullptr) {
        return Fail(error, error_size, SEAM_STATUS_INVALID_ARGUMENT, "worker is NULL");
      }
      if (num_frames == 0 || frames == nullptr) {
        return Fail(error, error_size, SEAM_STATUS_INVALID_ARGUMENT,
                    "a reply needs at least one frame");
      }
      std::string message;
      const seam_status st =
          static_cast<WorkerHandle*>(worker)->worker->Reply(token, frames, num_frames, &message);
      if (st != SEAM_STATUS_OK) return Fail(error, error_size, st, message);
      return SEAM_STATUS_OK;
    });
  }

  static void ReleaseRequest(void* worker, seam_received* request) noexcept {
    try {
      if (worker == nullptr || !SEAM_HAS_FIELD(seam_received, request, token)) return;
      static_cast<WorkerHandle*>(worker)->worker->ReleaseRequest(request);
    } catch (...) {
    }
  }

  static constexpr seam_transport_vtable kVtable = {sizeof(seam_transport_vtable),
                                                    &Create,
                                                    &Destroy,
                                                    &Connect,
                                                    &Request,
                                                    &ReleaseReply,
                                                    &Bind,
                                                    &OpenWorker,
                                                    &CloseWorker,
                                                    &Receive,
                                                    &Reply,
                                                    &ReleaseRequest};
  static constexpr seam_plugin_info kInfo = {sizeof(seam_plugin_info),
                                             SEAM_PLUGIN_ABI_MAJOR,
                                             SEAM_PLUGIN_ABI_MINOR,
                                             SEAM_PLUGIN_KIND_TRANSPORT,
                                             Impl::kName,
                                             Impl::kVersion,
                                             Impl::kDescription,
                                             &kVtable};
};

}  // namespace seam_transport

// Defines the one exported symbol of a transport module.
#define SEAM_DEFINE_TRANSPORT_PLUGIN(Impl)                                                      \
  extern "C" SEAM_PLUGIN_EXPORT seam_status seam_plugin_query(                                  \
      uint32_t host_abi_major, uint32_t host_abi_minor, const seam_host_api* host,              \
      const seam_plugin_info** out_info) {                                                      \
    return ::seam_transport::TransportPlugin<Impl>::Query(host_abi_major, host_abi_minor, host, \
                                                          out_info);                            \
  }
