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
// returns one median latency per graph node, scaled so that they add up to
// the measured whole run of a normal (fused) session (scaled by at most 4x
// either way); `profile` (optional) gets the unscaled per-node profile and
// `whole_run_ms` (optional) that whole run's median.
Status MeasureLayerLatency(const Model& model, SessionOptions options, int runs,
                           std::vector<double>* node_ms, Profile* profile = nullptr,
                           double* whole_run_ms = nullptr);

}  // namespace seam::stream
