// MeasureLayerLatency: a node-granularity session profiled with seam's
// profiler, its per-node times scaled to the whole run the stream will make.
#include "tools/stream/layer_latency.h"

#include <algorithm>
#include <memory>

namespace seam::stream {

Status MeasureLayerLatency(const Model& model, SessionOptions options, int runs,
                           std::vector<double>* node_ms, Profile* profile, double* whole_run_ms) {
  ProfileOptions profile_options;
  profile_options.warmup = 1;
  profile_options.runs = runs;
  // The stream runs fused plans (a backend keeps layouts and fuses across
  // nodes); time their whole run first.
  double fused_ms = 0;
  {
    std::unique_ptr<Session> fused;
    SEAM_RETURN_IF_ERROR(Session::Create(model, options, &fused));
    Profile whole;
    SEAM_RETURN_IF_ERROR(ProfileSession(fused.get(), profile_options, &whole));
    fused_ms = whole.total_median_ms;
  }
  options.node_granularity = true;
  std::unique_ptr<Session> session;
  SEAM_RETURN_IF_ERROR(Session::Create(model, options, &session));
  Profile measured;
  SEAM_RETURN_IF_ERROR(ProfileSession(session.get(), profile_options, &measured));
  node_ms->assign(model.graph().nodes.size(), 0.0);
  double sum_ms = 0;
  for (const NodeProfile& n : measured.nodes) {
    (*node_ms)[static_cast<size_t>(n.node)] = n.median_ms;
    sum_ms += n.median_ms;
  }
  // Each node compiled on its own misses what fusion and kept layouts save
  // (oneDNN on MobileNet v2: the nodes add up to well over the whole run),
  // which made policies overrate sending the input. Scaling every node by
  // whole / sum keeps their proportions and puts edge and server times on
  // the scale the stream sees. Bounded, so a glitch in one timing cannot
  // distort the profile by more than 4x either way.
  if (fused_ms > 0 && sum_ms > 0) {
    const double scale = std::clamp(fused_ms / sum_ms, 0.25, 4.0);
    for (double& ms : *node_ms) ms *= scale;
  }
  if (profile != nullptr) *profile = std::move(measured);
  if (whole_run_ms != nullptr) *whole_run_ms = fused_ms;
  return Status::Ok();
}

}  // namespace seam::stream
