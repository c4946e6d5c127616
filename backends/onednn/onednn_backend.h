// The oneDNN backend: runs convolution-style CNN ops through oneDNN 2.6 (x86-64).
//
// Each segment is lowered to a list of oneDNN primitives created at Compile
// time. Activations keep oneDNN's preferred layout inside a segment and are
// reordered to dense NCHW only where they enter or leave it. Weights are
// re-laid once per backend and shared by every segment and session.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "seam/backend.h"
#include "seam/graph.h"
#include "seam/status.h"

namespace seam {

// Creates the oneDNN backend for `graph` (which must outlive it).
Status CreateOneDnnBackend(const Graph& graph, const BackendOptions& options,
                           std::shared_ptr<Backend>* out);

// The primitives a oneDNN segment runs, one line each, in order: the kind,
// the seam nodes it covers and oneDNN's implementation name, e.g.
// "convolution layer1.0.conv2+layer1.0.bn2+layer1.0.add+layer1.0.relu_1 [brgconv:avx512_core]".
// Empty when `segment` does not come from this backend. For tests and tools
// that need to see which fusions and layout conversions happened.
std::vector<std::string> OneDnnSegmentPrimitives(const Segment& segment);

}  // namespace seam
