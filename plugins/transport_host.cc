// The host side of transport plugins: loading (Transport::Load), the client,
// server and worker wrappers, and PluginHost::OpenTransport, the host service
// through which a wrapping transport (shaped) loads its inner transport.
#include "plugins/transport_host.h"

#include <cstring>
#include <map>
#include <mutex>

namespace seam {
namespace {

// seam_status -> Status, keeping the plugin's message. The ABI has no
// "unavailable" or "not found" code on the C++ side's terms, so those map to
// kIo (the link or server is not there).
Status FromPlugin(seam_status st, const std::string& what, const char* error) {
  std::string message =
      what + ": " + (error[0] ? std::string(error) : "status " + std::to_string(st));
  switch (st) {
    case SEAM_STATUS_OK:
      return Status::Ok();
    case SEAM_STATUS_INVALID_ARGUMENT:
      return Status(StatusCode::kInvalidArgument, message);
    case SEAM_STATUS_UNSUPPORTED:
      return Status(StatusCode::kUnsupported, message);
    case SEAM_STATUS_OUT_OF_MEMORY:
      return Status(StatusCode::kOutOfMemory, message);
    case SEAM_STATUS_VERSION_MISMATCH:
      return Status(StatusCode::kVersionMismatch, message);
    case SEAM_STATUS_IO:
      return Status(StatusCode::kIo, message);
    case SEAM_STATUS_TIMEOUT:
      return Status(StatusCode::kTimeout, message);
    case SEAM_STATUS_UNAVAILABLE:
      return Status(StatusCode::kIo, message);
    default:
      return Status(StatusCode::kInternal, message);
  }
}

seam_status ToPlugin(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk:
      return SEAM_STATUS_OK;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
      return SEAM_STATUS_INVALID_ARGUMENT;
    case StatusCode::kUnsupported:
      return SEAM_STATUS_UNSUPPORTED;
    case StatusCode::kOutOfMemory:
      return SEAM_STATUS_OUT_OF_MEMORY;
    case StatusCode::kVersionMismatch:
      return SEAM_STATUS_VERSION_MISMATCH;
    case StatusCode::kIo:
      return SEAM_STATUS_IO;
    case StatusCode::kTimeout:
      return SEAM_STATUS_TIMEOUT;
    default:
      return SEAM_STATUS_INTERNAL;
  }
}

void WriteError(char* error, size_t error_size, const std::string& message) {
  if (error == nullptr || error_size == 0) return;
  const size_t n = std::min(message.size(), error_size - 1);
  std::memcpy(error, message.data(), n);
  error[n] = '\0';
}

std::vector<seam_frame> ToFrames(const std::vector<std::pair<const uint8_t*, size_t>>& frames) {
  std::vector<seam_frame> out;
  out.reserve(frames.size());
  for (const auto& f : frames) out.push_back({f.first, static_cast<uint64_t>(f.second)});
  return out;
}

// Transports opened for plugins through open_transport, keyed by instance.
// The plugin gets a copy of the real vtable whose destroy is DestroyOpened:
// that is how the host learns the instance is gone and may drop the
// library. A process-wide registry rather than one per PluginHost, because
// destroy() receives only the instance pointer.
struct OpenedTransport {
  std::shared_ptr<Transport> transport;  // owns the instance and the library
  seam_transport_vtable vtable;          // what the plugin calls
};

std::mutex& OpenedMutex() {
  static std::mutex* m = new std::mutex();  // never destroyed: used at exit
  return *m;
}
std::map<void*, std::unique_ptr<OpenedTransport>>& Opened() {
  static auto* opened = new std::map<void*, std::unique_ptr<OpenedTransport>>();
  return *opened;
}

void DestroyOpened(void* instance) {
  std::unique_ptr<OpenedTransport> entry;
  {
    std::lock_guard<std::mutex> lock(OpenedMutex());
    auto it = Opened().find(instance);
    if (it == Opened().end()) return;  // not ours, or destroyed twice
    entry = std::move(it->second);
    Opened().erase(it);
  }
  // Outside the lock: destroying a wrapping transport may destroy (and so
  // re-enter here for) its own inner transport. ~Transport calls the real
  // destroy, then releases the library.
  entry.reset();
}

}  // namespace

void ReceivedMessage::Release() {
  if (release_ != nullptr && owner_ != nullptr && raw_.frames != nullptr) {
    release_(owner_, &raw_);
  }
  raw_ = seam_received{};
  release_ = nullptr;
  owner_ = nullptr;
}

Transport::~Transport() {
  if (instance_ != nullptr && vtable_ != nullptr && vtable_->destroy != nullptr) {
    vtable_->destroy(instance_);
  }
}

Status Transport::Load(const std::string& name_or_path,
                       const std::vector<std::pair<std::string, std::string>>& config,
                       std::shared_ptr<Transport>* out, PluginHost* host) {
  std::shared_ptr<PluginLibrary> library;
  SEAM_RETURN_IF_ERROR(
      PluginLibrary::OpenByName(name_or_path, SEAM_PLUGIN_KIND_TRANSPORT, host, &library));
  const auto* vt = static_cast<const seam_transport_vtable*>(library->vtable());
  // The whole current vtable must be there; a role a plugin does not play
  // (client-only, say) is a NULL entry, reported when that role is used.
  if (!SEAM_HAS_FIELD(seam_transport_vtable, vt, release_request) || vt->create == nullptr ||
      vt->destroy == nullptr) {
    return InvalidArgument("transport plugin '" + library->path() + "' has an incomplete vtable");
  }
  std::vector<seam_kv> kvs;
  kvs.reserve(config.size());
  for (const auto& kv : config) kvs.push_back({kv.first.c_str(), kv.second.c_str()});
  char error[512] = {};
  void* instance = nullptr;
  const seam_status st = vt->create(host->api(), kvs.data(), static_cast<uint32_t>(kvs.size()),
                                    &instance, error, sizeof(error));
  error[sizeof(error) - 1] = '\0';
  if (st != SEAM_STATUS_OK || instance == nullptr) {
    Status s =
        FromPlugin(st == SEAM_STATUS_OK ? SEAM_STATUS_INTERNAL : st,
                   "transport '" + std::string(library->info().name) + "' failed to start", error);
    return s;
  }
  std::shared_ptr<Transport> t(new Transport());
  t->library_ = std::move(library);
  t->vtable_ = vt;
  t->instance_ = instance;
  t->name_ = t->library_->info().name;
  *out = std::move(t);
  return Status::Ok();
}

Status TransportClient::Connect(const std::string& endpoint) {
  const seam_transport_vtable* vt = t_->vtable();
  if (vt->connect == nullptr) return Unsupported("transport '" + t_->name() + "' cannot connect");
  char error[512] = {};
  const seam_status st = vt->connect(t_->instance(), endpoint.c_str(), error, sizeof(error));
  error[sizeof(error) - 1] = '\0';
  return FromPlugin(st, "connect to " + endpoint, error);
}

Status TransportClient::Request(const std::vector<std::pair<const uint8_t*, size_t>>& frames,
                                uint32_t timeout_ms, ReceivedMessage* reply) {
  const seam_transport_vtable* vt = t_->vtable();
  if (vt->request == nullptr)
    return Unsupported("transport '" + t_->name() + "' cannot send requests");
  // The plugin invalidates the previous reply on the next request; release
  // ours first so the message never points at freed frames.
  reply->Release();
  const std::vector<seam_frame> in = ToFrames(frames);
  seam_received r{};
  r.struct_size = sizeof(r);
  char error[512] = {};
  const seam_status st = vt->request(t_->instance(), in.data(), static_cast<uint32_t>(in.size()),
                                     timeout_ms, &r, error, sizeof(error));
  error[sizeof(error) - 1] = '\0';
  if (st != SEAM_STATUS_OK) return FromPlugin(st, "request over '" + t_->name() + "'", error);
  reply->raw_ = r;
  reply->release_ = vt->release_reply;
  reply->owner_ = t_->instance();
  return Status::Ok();
}

Status TransportServer::Bind(const std::string& endpoint) {
  const seam_transport_vtable* vt = t_->vtable();
  if (vt->bind == nullptr) return Unsupported("transport '" + t_->name() + "' cannot bind");
  char error[512] = {};
  const seam_status st = vt->bind(t_->instance(), endpoint.c_str(), error, sizeof(error));
  error[sizeof(error) - 1] = '\0';
  return FromPlugin(st, "bind " + endpoint, error);
}

TransportWorker::~TransportWorker() {
  if (worker_ != nullptr && t_->vtable()->close_worker != nullptr) {
    t_->vtable()->close_worker(t_->instance(), worker_);
  }
}

Status TransportWorker::Open(const std::shared_ptr<Transport>& transport,
                             std::unique_ptr<TransportWorker>* out) {
  const seam_transport_vtable* vt = transport->vtable();
  if (vt->open_worker == nullptr || vt->receive == nullptr || vt->reply == nullptr) {
    return Unsupported("transport '" + transport->name() + "' cannot serve");
  }
  char error[512] = {};
  void* worker = nullptr;
  const seam_status st = vt->open_worker(transport->instance(), &worker, error, sizeof(error));
  error[sizeof(error) - 1] = '\0';
  if (st != SEAM_STATUS_OK) return FromPlugin(st, "open a worker", error);
  std::unique_ptr<TransportWorker> w(new TransportWorker());
  w->t_ = transport;
  w->worker_ = worker;
  *out = std::move(w);
  return Status::Ok();
}

Status TransportWorker::Receive(uint32_t timeout_ms, ReceivedMessage* request) {
  const seam_transport_vtable* vt = t_->vtable();
  request->Release();
  seam_received r{};
  r.struct_size = sizeof(r);
  char error[512] = {};
  const seam_status st = vt->receive(worker_, timeout_ms, &r, error, sizeof(error));
  error[sizeof(error) - 1] = '\0';
  if (st != SEAM_STATUS_OK) return FromPlugin(st, "receive", error);
  r.peer[sizeof(r.peer) - 1] = '\0';
  request->raw_ = r;
  request->release_ = vt->release_request;
  request->owner_ = worker_;
  return Status::Ok();
}

Status TransportWorker::Reply(uint64_t token,
                              const std::vector<std::pair<const uint8_t*, size_t>>& frames) {
  const std::vector<seam_frame> out = ToFrames(frames);
  char error[512] = {};
  const seam_status st = t_->vtable()->reply(
      worker_, token, out.data(), static_cast<uint32_t>(out.size()), error, sizeof(error));
  error[sizeof(error) - 1] = '\0';
  return FromPlugin(st, "reply", error);
}

seam_status PluginHost::OpenTransport(void* ctx, const char* name, const seam_kv* config,
                                      uint32_t num_config, const void** out_vtable,
                                      void** out_instance, char* error, size_t error_size) {
  try {
    auto* host = static_cast<PluginHost*>(ctx);
    if (host == nullptr || name == nullptr || out_vtable == nullptr || out_instance == nullptr ||
        (config == nullptr && num_config != 0)) {
      WriteError(error, error_size, "open_transport: NULL argument");
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    std::vector<std::pair<std::string, std::string>> pairs;
    for (uint32_t i = 0; i < num_config; ++i) {
      if (config[i].key == nullptr || config[i].value == nullptr) {
        WriteError(error, error_size, "open_transport: config entry with a NULL key or value");
        return SEAM_STATUS_INVALID_ARGUMENT;
      }
      pairs.emplace_back(config[i].key, config[i].value);
    }
    std::shared_ptr<Transport> transport;
    Status s = Transport::Load(name, pairs, &transport, host);
    if (!s.ok()) {
      WriteError(error, error_size, s.message());
      return ToPlugin(s);
    }
    auto entry = std::make_unique<OpenedTransport>();
    entry->vtable = *transport->vtable();
    entry->vtable.struct_size = sizeof(seam_transport_vtable);  // what this copy holds
    entry->vtable.destroy = &DestroyOpened;
    void* instance = transport->instance();
    entry->transport = std::move(transport);
    const void* vtable = &entry->vtable;
    {
      std::lock_guard<std::mutex> lock(OpenedMutex());
      Opened()[instance] = std::move(entry);
    }
    *out_vtable = vtable;
    *out_instance = instance;
    return SEAM_STATUS_OK;
  } catch (const std::bad_alloc&) {
    WriteError(error, error_size, "open_transport: out of memory");
    return SEAM_STATUS_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    WriteError(error, error_size, std::string("open_transport: ") + e.what());
    return SEAM_STATUS_INTERNAL;
  } catch (...) {
    // A C callback: nothing may propagate into the calling plugin.
    WriteError(error, error_size, "open_transport: unknown error");
    return SEAM_STATUS_INTERNAL;
  }
}

}  // namespace seam
