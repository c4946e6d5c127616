// Creating a backend by name: "ref", "onednn", "xnnpack" or "auto" (oneDNN on
// x86-64, XNNPACK on Arm, whichever of them this build has).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "seam/backend.h"
#include "seam/graph.h"
#include "seam/status.h"

namespace seam {

// Backends compiled into this build, in preference order ("ref" is always last).
std::vector<std::string> AvailableBackends();

// The backend "auto" resolves to on this machine.
std::string DefaultBackendName();

// Creates a backend for `graph` (which must outlive it). For "ref" *out is set
// to nullptr: the session then runs every node on the reference kernels.
// Unknown or not-built names give a NotFound/Unsupported error listing the valid ones.
Status CreateBackend(const std::string& name, const Graph& graph, const BackendOptions& options,
                     std::shared_ptr<Backend>* out);

}  // namespace seam
