// Per-layer latency of a model on this machine, as the edge and the server
// both measure it at start-up to feed the partition policy.
#pragma once

#include <vector>

#include "seam/model.h"
#include "seam/profiler.h"
#include "seam/session.h"
#include "seam/status.h"

namespace seam::stream {

// Profiles every node with `options` (each node compiled on its own) and
// returns one median latency per graph node; `profile` (optional) gets the
// whole profile.
Status MeasureLayerLatency(const Model& model, SessionOptions options, int runs,
                           std::vector<double>* node_ms, Profile* profile = nullptr);

}  // namespace seam::stream
