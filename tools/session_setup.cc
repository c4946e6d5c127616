// MakeSessionOptions / ParseCutSpec: the CLI's bridge to backends and cuts.
#include "tools/session_setup.h"

#include "backends/backend_registry.h"

namespace seam::cli {

Status MakeSessionOptions(const Graph& graph, const std::string& backend, int threads,
                          bool node_granularity, SessionOptions* options) {
  BackendOptions backend_options;
  backend_options.num_threads = threads;
  SEAM_RETURN_IF_ERROR(CreateBackend(backend, graph, backend_options, &options->backend));
  options->num_threads = threads;
  options->node_granularity = node_granularity;
  return Status::Ok();
}

std::string BackendFlagHelp() {
  std::string names = "auto";
  for (const std::string& n : AvailableBackends()) names += "|" + n;
  return "backend: " + names + " (auto = " + DefaultBackendName() +
         " here); nodes a backend does not support run on the reference kernels";
}

Status ParseCutSpec(const Graph& graph, const std::string& spec, Cut* out) {
  if (spec.empty()) return InvalidArgument("empty cut specification");
  if (spec == "input") {
    *out = Cut{};
    return Status::Ok();
  }
  if (spec.find(',') == std::string::npos) return CutAfterNode(graph, spec, out);
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= spec.size()) {
    const size_t comma = spec.find(',', start);
    const std::string name =
        spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!name.empty()) names.push_back(name);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return CutFromNodeNames(graph, names, out);
}

}  // namespace seam::cli
