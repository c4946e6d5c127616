// The XNNPACK backend: runs CNN ops through XNNPACK's subgraph API (the
// Debian 2022-02-16 snapshot), the usual fast path on Arm.
//
// Each segment is lowered to XNNPACK runtimes (one per run of weightless
// nodes between concatenations, which this snapshot has no node for), shared
// runtimes (one per conv / fully connected node and the Relu or Clip fused
// into it, created once per backend because XNNPACK packs weights into every
// runtime) and strided copy operators that assemble the concatenations.
// Activations are NHWC inside a segment and transposed to and from seam's
// NCHW only at its boundary. Weights are re-laid once per backend and shared
// by every segment.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "seam/backend.h"
#include "seam/graph.h"
#include "seam/status.h"

namespace seam {

// Creates the XNNPACK backend for `graph` (which must outlive it).
// Unsupported when XNNPACK cannot run on this CPU.
Status CreateXnnpackBackend(const Graph& graph, const BackendOptions& options,
                            std::shared_ptr<Backend>* out);

// What an XNNPACK segment runs, one line per step, in order, e.g.
//   "to_nhwc data"
//   "shared conv1+relu1 (1 in, 1 out)"
//   "runtime bn2+relu2+pool2 (1 in, 1 out)"
//   "copy concat1 (4 slices)"
//   "to_nchw prob"
// Nodes whose outputs nothing needs are listed first as "unused (not run):
// ...". Empty when `segment` does not come from this backend. For tests and
// tools.
std::vector<std::string> XnnpackSegmentSteps(const Segment& segment);

}  // namespace seam
