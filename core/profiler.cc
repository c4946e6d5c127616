// ProfileSession: time each node through the session's hooks over several
// runs, take medians, and accumulate edge time up to each partition point.
#include "seam/profiler.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace seam {
namespace {

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size()))) - 1;
  return values[std::min(index, values.size() - 1)];
}

}  // namespace

Status ProfileSession(Session* session, const ProfileOptions& options, Profile* out) {
  if (options.runs <= 0 || options.warmup < 0) return InvalidArgument("runs must be > 0");
  const Graph& g = session->graph();
  std::vector<std::vector<float>> inputs;
  std::vector<ConstTensorView> in_views;
  for (int32_t t : g.inputs) {
    const Shape& shape = g.tensors[t].shape;
    std::vector<float> data(static_cast<size_t>(shape.NumElements()));
    for (size_t i = 0; i < data.size(); ++i) data[i] = std::sin(0.01f * static_cast<float>(i));
    inputs.push_back(std::move(data));
  }
  for (size_t i = 0; i < g.inputs.size(); ++i)
    in_views.push_back({inputs[i].data(), g.tensors[g.inputs[i]].shape});
  std::vector<std::vector<float>> outputs;
  std::vector<TensorView> out_views;
  for (int32_t t : g.outputs)
    outputs.emplace_back(static_cast<size_t>(g.tensors[t].shape.NumElements()));
  for (size_t i = 0; i < g.outputs.size(); ++i)
    out_views.push_back({outputs[i].data(), g.tensors[g.outputs[i]].shape});

  using Clock = std::chrono::steady_clock;
  // Whole-model time first, without hooks.
  std::vector<double> totals;
  for (int r = 0; r < options.warmup + options.runs; ++r) {
    const auto start = Clock::now();
    SEAM_RETURN_IF_ERROR(session->Run(in_views, out_views));
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (r >= options.warmup) totals.push_back(ms);
  }

  std::vector<std::vector<double>> samples(g.nodes.size());
  std::vector<Clock::time_point> started(g.nodes.size());
  int run = 0;
  session->SetBeforeNodeHook([&](int n) {
    started[n] = Clock::now();
    return HookAction::kContinue;
  });
  session->SetAfterNodeHook([&](int n) {
    if (run >= options.warmup) {
      samples[n].push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - started[n]).count());
    }
    return HookAction::kContinue;
  });
  Status status;
  for (run = 0; run < options.warmup + options.runs && status.ok(); ++run) {
    status = session->Run(in_views, out_views);
  }
  session->SetBeforeNodeHook(nullptr);
  session->SetAfterNodeHook(nullptr);
  SEAM_RETURN_IF_ERROR(status);

  Profile profile;
  profile.backend = session->backend_name();
  profile.threads = session->num_threads();
  profile.runs = options.runs;
  profile.total_median_ms = Percentile(totals, 0.5);
  for (int n : session->schedule()) {
    const Node& node = g.nodes[n];
    NodeProfile p;
    p.node = n;
    p.name = node.name;
    p.op = OpTypeName(node.op);
    p.median_ms = Percentile(samples[n], 0.5);
    p.p90_ms = Percentile(samples[n], 0.9);
    p.flops = NodeFlops(g, node);
    for (int32_t t : node.outputs) {
      if (t >= 0) p.output_bytes += static_cast<int64_t>(g.tensors[t].byte_size());
    }
    profile.nodes.push_back(std::move(p));
  }
  std::vector<double> node_ms(g.nodes.size(), 0.0);
  for (const NodeProfile& p : profile.nodes) node_ms[p.node] = p.median_ms;
  PointProfile server_only;
  server_only.name = "input";
  server_only.boundary_bytes = CutBoundaryBytes(g, Cut{});
  profile.points.push_back(server_only);
  for (const PartitionPoint& point : PartitionPoints(g)) {
    Cut cut;
    SEAM_RETURN_IF_ERROR(CutAfterNode(g, g.nodes[point.node].name, &cut));
    PointProfile p;
    p.node = point.node;
    p.name = g.nodes[point.node].name;
    p.boundary_bytes = point.boundary_bytes;
    for (int n : cut.edge_nodes) p.edge_ms += node_ms[n];
    profile.points.push_back(std::move(p));
  }
  *out = std::move(profile);
  return Status::Ok();
}

}  // namespace seam
