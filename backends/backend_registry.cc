// Backend lookup by name; which backends exist is decided at configure time.
#include "backends/backend_registry.h"

#if SEAM_WITH_ONEDNN
#include "backends/onednn/onednn_backend.h"
#endif
#if SEAM_WITH_XNNPACK
#include "backends/xnnpack/xnnpack_backend.h"
#endif

namespace seam {

std::vector<std::string> AvailableBackends() {
  std::vector<std::string> names;
#if defined(__x86_64__) || defined(_M_X64)
#if SEAM_WITH_ONEDNN
  names.push_back("onednn");
#endif
#if SEAM_WITH_XNNPACK
  names.push_back("xnnpack");
#endif
#else
#if SEAM_WITH_XNNPACK
  names.push_back("xnnpack");
#endif
#if SEAM_WITH_ONEDNN
  names.push_back("onednn");
#endif
#endif
  names.push_back("ref");
  return names;
}

std::string DefaultBackendName() { return AvailableBackends().front(); }

Status CreateBackend(const std::string& name, [[maybe_unused]] const Graph& graph,
                     [[maybe_unused]] const BackendOptions& options,
                     std::shared_ptr<Backend>* out) {
  const std::string resolved = name == "auto" ? DefaultBackendName() : name;
  if (resolved == "ref") {
    out->reset();
    return Status::Ok();
  }
#if SEAM_WITH_ONEDNN
  if (resolved == "onednn") return CreateOneDnnBackend(graph, options, out);
#endif
#if SEAM_WITH_XNNPACK
  if (resolved == "xnnpack") return CreateXnnpackBackend(graph, options, out);
#endif
  std::string valid = "auto";
  for (const std::string& n : AvailableBackends()) valid += ", " + n;
  if (resolved == "onednn" || resolved == "xnnpack") {
    return Unsupported("backend '" + resolved +
                       "' is not built into this seam (available: " + valid + ")");
  }
  return NotFound("unknown backend '" + name + "' (available: " + valid + ")");
}

}  // namespace seam
