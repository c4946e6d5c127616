// Session setup shared by the subcommands that run models: --backend and
// --threads turned into SessionOptions, and cut specifications ("LAYER" or
// "a,b,c") turned into Cuts.
#pragma once

#include <memory>
#include <string>

#include "seam/cut.h"
#include "seam/graph.h"
#include "seam/session.h"
#include "seam/status.h"

namespace seam::cli {

// Creates the backend `name` (auto|ref|onednn|xnnpack) for `graph` with
// `threads`, and fills `options` (reference kernels get the same threads).
Status MakeSessionOptions(const Graph& graph, const std::string& backend, int threads,
                          bool node_granularity, SessionOptions* options);

// The help text of --backend, listing what this build has.
std::string BackendFlagHelp();

// A cut from the command line. One name: that layer and all its ancestors
// run on the edge (a partition point cuts right after that layer). A comma
// list: exactly those nodes run on the edge (must be closed under
// predecessors). "input" alone: nothing on the edge (server only).
Status ParseCutSpec(const Graph& graph, const std::string& spec, Cut* out);

}  // namespace seam::cli
