// The host side of transport plugins: C++ wrappers that own plugin
// instances and turn the C ABI into Status-returning calls.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "plugins/plugin_library.h"
#include "seam/status.h"
#include "seam/transport_plugin.h"

namespace seam {

// A received message: frames borrowed from the transport until Release()
// (or destruction, or the next receive on the same client/worker).
class ReceivedMessage {
 public:
  ReceivedMessage() = default;
  ~ReceivedMessage() { Release(); }
  ReceivedMessage(const ReceivedMessage&) = delete;
  ReceivedMessage& operator=(const ReceivedMessage&) = delete;

  size_t num_frames() const { return raw_.num_frames; }
  const uint8_t* frame_data(size_t i) const { return raw_.frames[i].data; }
  size_t frame_size(size_t i) const { return static_cast<size_t>(raw_.frames[i].size); }
  uint64_t token() const { return raw_.token; }
  std::string peer() const { return raw_.peer; }
  void Release();

 private:
  friend class TransportClient;
  friend class TransportWorker;
  seam_received raw_{};
  void (*release_)(void* owner, seam_received*) = nullptr;
  void* owner_ = nullptr;
};

// Owns one transport plugin instance (client or server role).
class Transport {
 public:
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Loads a transport plugin ("zeromq", "inproc", "shaped" or a path).
  static Status Load(const std::string& name_or_path,
                     const std::vector<std::pair<std::string, std::string>>& config,
                     std::shared_ptr<Transport>* out, PluginHost* host = DefaultPluginHost());

  const std::string& name() const { return name_; }
  const seam_transport_vtable* vtable() const { return vtable_; }
  void* instance() const { return instance_; }

 private:
  friend class PluginHost;
  Transport() = default;
  std::shared_ptr<PluginLibrary> library_;
  const seam_transport_vtable* vtable_ = nullptr;
  void* instance_ = nullptr;
  std::string name_;
};

// Client role: one in-flight request at a time, from one thread.
class TransportClient {
 public:
  explicit TransportClient(std::shared_ptr<Transport> transport) : t_(std::move(transport)) {}
  Status Connect(const std::string& endpoint);
  // Sends frames, waits for the reply (kTimeout when none within timeout_ms).
  Status Request(const std::vector<std::pair<const uint8_t*, size_t>>& frames, uint32_t timeout_ms,
                 ReceivedMessage* reply);

 private:
  std::shared_ptr<Transport> t_;
};

// Server role: Bind once; each worker thread makes its own TransportWorker.
class TransportServer {
 public:
  explicit TransportServer(std::shared_ptr<Transport> transport) : t_(std::move(transport)) {}
  Status Bind(const std::string& endpoint);
  const std::shared_ptr<Transport>& transport() const { return t_; }

 private:
  std::shared_ptr<Transport> t_;
};

class TransportWorker {
 public:
  ~TransportWorker();
  static Status Open(const std::shared_ptr<Transport>& transport,
                     std::unique_ptr<TransportWorker>* out);
  // kTimeout when nothing arrived within timeout_ms.
  Status Receive(uint32_t timeout_ms, ReceivedMessage* request);
  Status Reply(uint64_t token, const std::vector<std::pair<const uint8_t*, size_t>>& frames);

 private:
  TransportWorker() = default;
  std::shared_ptr<Transport> t_;
  void* worker_ = nullptr;
};

}  // namespace seam
