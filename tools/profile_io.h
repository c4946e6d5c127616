// Profile files: what `seam profile` writes and `seam plan` reads.
//
// JSON layout (one file per model and backend):
//   {"model", "content_hash", "backend", "runs",
//    "profiles": [{"threads", "total_median_ms",
//                  "nodes": [{"index","name","op","median_ms","p90_ms","flops","output_bytes"}],
//                  "points": [{"name","node","edge_ms","boundary_bytes"}]}],
//    "predictor": {"threads", "ops": {"Conv2D": {"features":[..], "coefficients":[..],
//                  "samples", "loocv_mae_ms", "loocv_mape_percent"}}},
//    "thread_scaling": [{"threads","total_median_ms","speedup"}]}
#pragma once

#include <string>
#include <vector>

#include "seam/graph.h"
#include "seam/latency_model.h"
#include "seam/profiler.h"
#include "seam/status.h"

namespace seam::cli {

struct ProfileDocument {
  std::string model;
  std::string content_hash;
  std::string backend;
  int runs = 0;
  std::vector<Profile> profiles;  // one per thread count, ascending
  LatencyModel predictor;         // fitted on profiles.front()
};

std::string ProfileToJson(const ProfileDocument& doc);
// One row per node and thread count.
std::string ProfileToCsv(const ProfileDocument& doc);
Status ReadProfileFile(const std::string& path, ProfileDocument* out);

// Per-node latency (ms) for `graph` from the profile measured with `threads`
// (the closest thread count when absent). Nodes are matched by name; nodes
// the profile lacks, or every node when `predict_all`, come from the
// predictor. `predicted` counts the predicted nodes.
Status NodeLatencies(const ProfileDocument& doc, const Graph& graph, int threads, bool predict_all,
                     std::vector<double>* ms, int* predicted);

}  // namespace seam::cli
