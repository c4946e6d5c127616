// PluginLibrary: dlopen, symbol lookup, ABI negotiation and kind check;
// PluginHost: logging, clock and link probing offered to plugins.
#include "plugins/plugin_library.h"

#include <dirent.h>
#include <dlfcn.h>

#include <chrono>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <unistd.h>

#include "core/logging.h"

namespace seam {

PluginHost::PluginHost() {
  api_.struct_size = sizeof(seam_host_api);
  api_.abi_major = SEAM_PLUGIN_ABI_MAJOR;
  api_.abi_minor = SEAM_PLUGIN_ABI_MINOR;
  api_.host_ctx = this;
  api_.log = &PluginHost::Log;
  api_.now_seconds = &PluginHost::Now;
  // probe_link stays NULL until a link exists (SetProbe), so monitors that
  // choose active probing at create() see that none is available.
  api_.probe_link = nullptr;
  // Wrapping transports (shaped) load their inner transport through this.
  api_.open_transport = &PluginHost::OpenTransport;
}

void PluginHost::SetProbe(ProbeFn probe) {
  probe_ = std::move(probe);
  api_.probe_link = probe_ ? &PluginHost::Probe : nullptr;
}

void PluginHost::Log(void*, int32_t severity, const char* message) {
  const char* text = message ? message : "(null)";
  if (severity >= SEAM_LOG_ERROR) {
    SEAM_LOG(ERROR) << "plugin: " << text;
  } else if (severity == SEAM_LOG_WARNING) {
    SEAM_LOG(WARNING) << "plugin: " << text;
  } else {
    SEAM_LOG(INFO) << "plugin: " << text;
  }
}

double PluginHost::Now(void*) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

seam_status PluginHost::Probe(void* ctx, uint64_t bytes, double* seconds) {
  auto* host = static_cast<PluginHost*>(ctx);
  if (!host->probe_ || seconds == nullptr) return SEAM_STATUS_UNAVAILABLE;
  Status s = host->probe_(bytes, seconds);
  if (s.ok()) return SEAM_STATUS_OK;
  return s.code() == StatusCode::kTimeout ? SEAM_STATUS_TIMEOUT : SEAM_STATUS_IO;
}

PluginHost* DefaultPluginHost() {
  static PluginHost* host = new PluginHost();  // lives as long as any plugin may
  return host;
}

const char* PluginKindName(uint32_t kind) {
  switch (kind) {
    case SEAM_PLUGIN_KIND_POLICY: return "policy";
    case SEAM_PLUGIN_KIND_MONITOR: return "monitor";
    case SEAM_PLUGIN_KIND_TRANSPORT: return "transport";
  }
  return "unknown";
}

PluginLibrary::~PluginLibrary() {
  if (handle_ != nullptr) dlclose(handle_);
}

Status PluginLibrary::Open(const std::string& path, uint32_t expected_kind, PluginHost* host,
                           std::shared_ptr<PluginLibrary>* out) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* err = dlerror();
    return NotFound("cannot load plugin '" + path + "': " + (err ? err : "unknown error"));
  }
  std::shared_ptr<PluginLibrary> lib(new PluginLibrary());
  lib->handle_ = handle;
  lib->path_ = path;
  lib->host_ = host;
  dlerror();
  void* symbol = dlsym(handle, SEAM_PLUGIN_ENTRY_SYMBOL);
  if (symbol == nullptr) {
    return InvalidArgument("'" + path + "' is not a seam plugin: it does not export " +
                           SEAM_PLUGIN_ENTRY_SYMBOL);
  }
  auto query = reinterpret_cast<seam_plugin_query_fn>(symbol);
  const seam_plugin_info* info = nullptr;
  const seam_status st = query(SEAM_PLUGIN_ABI_MAJOR, SEAM_PLUGIN_ABI_MINOR, host->api(), &info);
  if (st != SEAM_STATUS_OK || info == nullptr) {
    return Status(StatusCode::kVersionMismatch,
                  "plugin '" + path + "' refused this host (ABI " +
                      std::to_string(SEAM_PLUGIN_ABI_MAJOR) + "." +
                      std::to_string(SEAM_PLUGIN_ABI_MINOR) + "), status " + std::to_string(st));
  }
  if (info->struct_size < offsetof(seam_plugin_info, vtable) + sizeof(info->vtable)) {
    return InvalidArgument("plugin '" + path + "' returned a truncated descriptor");
  }
  if (info->abi_major != SEAM_PLUGIN_ABI_MAJOR || info->abi_minor > SEAM_PLUGIN_ABI_MINOR) {
    return Status(StatusCode::kVersionMismatch,
                  "plugin '" + path + "' was built for ABI " + std::to_string(info->abi_major) +
                      "." + std::to_string(info->abi_minor) + "; this host supports " +
                      std::to_string(SEAM_PLUGIN_ABI_MAJOR) + ".0.." +
                      std::to_string(SEAM_PLUGIN_ABI_MAJOR) + "." +
                      std::to_string(SEAM_PLUGIN_ABI_MINOR));
  }
  if (info->kind != expected_kind) {
    return InvalidArgument("plugin '" + path + "' is a " + PluginKindName(info->kind) +
                           " plugin, expected a " + PluginKindName(expected_kind) + " plugin");
  }
  if (info->name == nullptr || info->vtable == nullptr) {
    return InvalidArgument("plugin '" + path + "' has no name or vtable");
  }
  lib->info_ = info;
  *out = std::move(lib);
  return Status::Ok();
}

std::vector<std::string> PluginLibrary::SearchPath() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("SEAM_PLUGIN_PATH")) {
    std::string all = env;
    size_t start = 0;
    while (start <= all.size()) {
      const size_t end = all.find(':', start);
      const std::string dir = all.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!dir.empty()) dirs.push_back(dir);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  dirs.push_back(SEAM_BUILD_PLUGIN_DIR);
  dirs.push_back(SEAM_INSTALL_PLUGIN_DIR);
  return dirs;
}

namespace {
std::string FileNameFor(const std::string& name, uint32_t kind) {
  std::string file = std::string("seam_") + PluginKindName(kind) + "_" + name + ".so";
  for (char& c : file) {
    if (c == '-') c = '_';
  }
  return file;
}
}  // namespace

Status PluginLibrary::OpenByName(const std::string& name_or_path, uint32_t expected_kind,
                                 PluginHost* host, std::shared_ptr<PluginLibrary>* out) {
  if (name_or_path.find('/') != std::string::npos) {
    return Open(name_or_path, expected_kind, host, out);
  }
  const std::string file = FileNameFor(name_or_path, expected_kind);
  std::string tried;
  for (const std::string& dir : SearchPath()) {
    const std::string path = dir + "/" + file;
    if (access(path.c_str(), R_OK) == 0) return Open(path, expected_kind, host, out);
    tried += (tried.empty() ? "" : ", ") + dir;
  }
  std::string available;
  for (const std::string& n : ListAvailable(expected_kind)) available += (available.empty() ? "" : ", ") + n;
  return NotFound(std::string("no ") + PluginKindName(expected_kind) + " plugin named '" +
                  name_or_path + "' (looked for " + file + " in " + tried + "; available: " +
                  (available.empty() ? "none" : available) + ")");
}

std::vector<std::string> PluginLibrary::ListAvailable(uint32_t kind) {
  const std::string prefix = std::string("seam_") + PluginKindName(kind) + "_";
  std::vector<std::string> names;
  for (const std::string& dir : SearchPath()) {
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) continue;
    while (dirent* e = readdir(d)) {
      std::string f = e->d_name;
      if (f.rfind(prefix, 0) != 0 || f.size() < prefix.size() + 4 || f.substr(f.size() - 3) != ".so") continue;
      std::string name = f.substr(prefix.size(), f.size() - prefix.size() - 3);
      for (char& c : name) {
        if (c == '_') c = '-';
      }
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status ParsePluginConfig(const std::vector<std::string>& entries,
                         std::vector<std::pair<std::string, std::string>>* out) {
  out->clear();
  for (const std::string& e : entries) {
    const size_t eq = e.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgument("plugin option '" + e + "' is not of the form key=value");
    }
    out->emplace_back(e.substr(0, eq), e.substr(eq + 1));
  }
  return Status::Ok();
}

}  // namespace seam
