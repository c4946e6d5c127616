// PluginLibrary: dlopen, symbol lookup, ABI negotiation and kind check;
// PluginHost: logging, clock and link probing offered to plugins.
#include "plugins/plugin_library.h"

#include <dirent.h>
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>

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
    case SEAM_PLUGIN_KIND_POLICY:
      return "policy";
    case SEAM_PLUGIN_KIND_MONITOR:
      return "monitor";
    case SEAM_PLUGIN_KIND_TRANSPORT:
      return "transport";
  }
  return "unknown";
}

PluginLibrary::~PluginLibrary() {
  if (handle_ != nullptr) dlclose(handle_);
}

namespace {

// dlopen() first looks for an already loaded object by the name it is given
// and returns that one, even when the file at that path has been replaced
// since (a plugin updated by rename() and then reloaded: `seam edge` on
// SIGHUP). So while an object of this name is loaded, the file is opened
// through a name never used before: a symlink in a fresh private directory,
// removed right after. dlopen() still recognises an unchanged file by its
// inode and shares the loaded object, so only a replaced file loads anew.
void* OpenFresh(const std::string& path, std::string* error) {
  auto open = [error](const std::string& name, const std::string& shown) -> void* {
    void* handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* e = dlerror();
      *error = e != nullptr ? e : "unknown error";
      // Errors name the file as the user gave it, not the private alias.
      for (size_t at = error->find(name); at != std::string::npos; at = error->find(name, at)) {
        error->replace(at, name.size(), shown);
        at += shown.size();
      }
    }
    return handle;
  };
  void* loaded = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  dlerror();  // a refused RTLD_NOLOAD leaves an error behind
  if (loaded == nullptr) return open(path, path);
  dlclose(loaded);  // RTLD_NOLOAD took a reference
  char target[PATH_MAX];
  const char* tmp = std::getenv("TMPDIR");
  std::string dir =
      std::string(tmp != nullptr && tmp[0] != '\0' ? tmp : "/tmp") + "/seam-plugin-XXXXXX";
  if (realpath(path.c_str(), target) == nullptr || mkdtemp(dir.data()) == nullptr) {
    return open(path, path);  // no alias possible: plain dlopen, as before
  }
  // The counter keeps names unique in this process even if mkdtemp() ever
  // hands out a directory name again.
  static std::atomic<uint64_t> counter{0};
  const std::string alias =
      dir + "/" + std::to_string(counter++) + "_" + path.substr(path.find_last_of('/') + 1);
  void* handle = nullptr;
  if (symlink(target, alias.c_str()) == 0) {
    handle = open(alias, path);
    unlink(alias.c_str());
  } else {
    handle = open(path, path);
  }
  rmdir(dir.c_str());
  return handle;
}

}  // namespace

Status PluginLibrary::Open(const std::string& path, uint32_t expected_kind, PluginHost* host,
                           std::shared_ptr<PluginLibrary>* out) {
  std::string error;
  void* handle = OpenFresh(path, &error);
  if (handle == nullptr) return NotFound("cannot load plugin '" + path + "': " + error);
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
    return Status(StatusCode::kVersionMismatch, "plugin '" + path + "' refused this host (ABI " +
                                                    std::to_string(SEAM_PLUGIN_ABI_MAJOR) + "." +
                                                    std::to_string(SEAM_PLUGIN_ABI_MINOR) +
                                                    "), status " + std::to_string(st));
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
      const std::string dir =
          all.substr(start, end == std::string::npos ? std::string::npos : end - start);
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

Status PluginLibrary::Resolve(const std::string& name_or_path, uint32_t kind, std::string* path) {
  if (name_or_path.find('/') != std::string::npos) {
    *path = name_or_path;
    return Status::Ok();
  }
  const std::string file = FileNameFor(name_or_path, kind);
  std::string tried;
  for (const std::string& dir : SearchPath()) {
    const std::string candidate = dir + "/" + file;
    if (access(candidate.c_str(), R_OK) == 0) {
      *path = candidate;
      return Status::Ok();
    }
    tried += (tried.empty() ? "" : ", ") + dir;
  }
  std::string available;
  for (const std::string& n : ListAvailable(kind)) available += (available.empty() ? "" : ", ") + n;
  return NotFound(std::string("no ") + PluginKindName(kind) + " plugin named '" + name_or_path +
                  "' (looked for " + file + " in " + tried +
                  "; available: " + (available.empty() ? "none" : available) + ")");
}

Status PluginLibrary::OpenByName(const std::string& name_or_path, uint32_t expected_kind,
                                 PluginHost* host, std::shared_ptr<PluginLibrary>* out) {
  std::string path;
  SEAM_RETURN_IF_ERROR(Resolve(name_or_path, expected_kind, &path));
  return Open(path, expected_kind, host, out);
}

std::vector<std::string> PluginLibrary::ListAvailable(uint32_t kind) {
  const std::string prefix = std::string("seam_") + PluginKindName(kind) + "_";
  std::vector<std::string> names;
  for (const std::string& dir : SearchPath()) {
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) continue;
    while (dirent* e = readdir(d)) {
      std::string f = e->d_name;
      if (f.rfind(prefix, 0) != 0 || f.size() < prefix.size() + 4 ||
          f.substr(f.size() - 3) != ".so")
        continue;
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
