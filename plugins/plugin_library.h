// PluginLibrary: a loaded plugin shared library (dlopen), its negotiated
// descriptor, and the host services seam gives every plugin.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "seam/plugin.h"
#include "seam/status.h"

namespace seam {

// The host side of seam_host_api. probe_link is optional; the edge runtime
// installs one that times a real round trip to the server.
class PluginHost {
 public:
  using ProbeFn = std::function<Status(uint64_t payload_bytes, double* round_trip_seconds)>;

  PluginHost();
  const seam_host_api* api() const { return &api_; }
  void SetProbe(ProbeFn probe);

 private:
  static void Log(void* ctx, int32_t severity, const char* message);
  static double Now(void* ctx);
  static seam_status Probe(void* ctx, uint64_t bytes, double* seconds);
  // seam_host_api.open_transport (defined in transport_host.cc): loads a
  // transport plugin and creates an instance for a wrapping plugin. The
  // library stays loaded until the instance is destroyed through the
  // returned vtable.
  static seam_status OpenTransport(void* ctx, const char* name, const seam_kv* config,
                                   uint32_t num_config, const void** out_vtable,
                                   void** out_instance, char* error, size_t error_size);

  seam_host_api api_{};
  ProbeFn probe_;
};

// The process-wide host (plugins keep a pointer to it for their lifetime).
PluginHost* DefaultPluginHost();

class PluginLibrary {
 public:
  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  // Opens `path` (RTLD_NOW | RTLD_LOCAL), finds seam_plugin_query, negotiates
  // the ABI and checks the kind. Every failure says which check failed.
  static Status Open(const std::string& path, uint32_t expected_kind, PluginHost* host,
                     std::shared_ptr<PluginLibrary>* out);

  // Opens a plugin by name ("dads-light") of a kind: searches each directory
  // of $SEAM_PLUGIN_PATH, then the build and install plugin directories, for
  // seam_<kind>_<name>.so. A value containing '/' is taken as a path.
  static Status OpenByName(const std::string& name_or_path, uint32_t expected_kind,
                           PluginHost* host, std::shared_ptr<PluginLibrary>* out);
  // The file OpenByName would open for `name_or_path`, without opening it
  // (for messages about a plugin that fails to load: which file it was).
  static Status Resolve(const std::string& name_or_path, uint32_t kind, std::string* path);

  const seam_plugin_info& info() const { return *info_; }
  const std::string& path() const { return path_; }
  const void* vtable() const { return info_->vtable; }
  PluginHost* host() const { return host_; }

  // Directories searched by OpenByName, in order.
  static std::vector<std::string> SearchPath();
  // Names of the plugins of `kind` found on the search path.
  static std::vector<std::string> ListAvailable(uint32_t kind);

 private:
  PluginLibrary() = default;
  void* handle_ = nullptr;
  const seam_plugin_info* info_ = nullptr;
  std::string path_;
  PluginHost* host_ = nullptr;
};

const char* PluginKindName(uint32_t kind);

// Turns "key=value" strings into owned pairs; rejects entries without '='.
Status ParsePluginConfig(const std::vector<std::string>& entries,
                         std::vector<std::pair<std::string, std::string>>* out);

}  // namespace seam
