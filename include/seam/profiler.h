// Per-layer profiling: how long each node takes on a backend, what it
// outputs, and what running up to each partition point costs on the edge.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "seam/cut.h"
#include "seam/session.h"
#include "seam/status.h"

namespace seam {

struct NodeProfile {
  int node = -1;
  std::string name;
  std::string op;
  double median_ms = 0;
  double p90_ms = 0;
  int64_t flops = 0;
  int64_t output_bytes = 0;
};

struct PointProfile {
  int node = -1;  // partition point; -1 = the graph input (server only)
  std::string name;
  double edge_ms = 0;  // cumulative median time of the nodes before the cut
  int64_t boundary_bytes = 0;
};

struct Profile {
  std::string backend;
  int threads = 1;
  int runs = 0;
  double total_median_ms = 0;        // whole-model run, measured without hooks
  std::vector<NodeProfile> nodes;    // in schedule order
  std::vector<PointProfile> points;  // server-only first, then each partition point
};

struct ProfileOptions {
  int warmup = 2;
  int runs = 10;
};

// Profiles `session`, which should be created with node_granularity so each
// node is timed on its own. Inputs are a deterministic synthetic tensor.
Status ProfileSession(Session* session, const ProfileOptions& options, Profile* out);

}  // namespace seam
