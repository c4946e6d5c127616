// MeasureLayerLatency: a node-granularity session profiled with seam's profiler.
#include "tools/stream/layer_latency.h"

#include <memory>

namespace seam::stream {

Status MeasureLayerLatency(const Model& model, SessionOptions options, int runs,
                           std::vector<double>* node_ms, Profile* profile) {
  options.node_granularity = true;
  std::unique_ptr<Session> session;
  SEAM_RETURN_IF_ERROR(Session::Create(model, options, &session));
  ProfileOptions profile_options;
  profile_options.warmup = 1;
  profile_options.runs = runs;
  Profile measured;
  SEAM_RETURN_IF_ERROR(ProfileSession(session.get(), profile_options, &measured));
  node_ms->assign(model.graph().nodes.size(), 0.0);
  for (const NodeProfile& n : measured.nodes) (*node_ms)[static_cast<size_t>(n.node)] = n.median_ms;
  if (profile != nullptr) *profile = std::move(measured);
  return Status::Ok();
}

}  // namespace seam::stream
