// Checks the model fuzz targets (.seam loader, ONNX importer) run on every
// graph the code under test accepts: it serialises and reloads unchanged,
// and a small one runs on the reference kernels, whole and split.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "seam/cut.h"
#include "seam/graph.h"
#include "seam/model.h"
#include "seam/session.h"
#include "tests/fuzz/fuzz_common.h"

namespace seam::fuzz {

// Runs only models this small: the target must stay fast (thousands of
// inputs per second), and kernels on big shapes add time, not coverage.
inline constexpr int64_t kMaxRunElements = int64_t{1} << 18;  // all tensors together
inline constexpr int64_t kMaxRunFlops = int64_t{1} << 22;

inline void CheckModelRefusal(const Status& s) {
  if (s.message().empty()) Fail("a refused model has an empty error message");
  if (s.code() == StatusCode::kInternal) Fail("refusing a model is not internal: " + s.ToString());
}

inline void CheckRoundTrip(const Graph& g) {
  std::vector<uint8_t> bytes;
  Status s = SerializeModel(g, &bytes);
  if (!s.ok()) Fail("an accepted graph does not serialise: " + s.ToString());
  std::unique_ptr<Model> again;
  s = Model::LoadFromBytes(std::move(bytes), &again);
  if (!s.ok()) Fail("an accepted graph does not reload after serialising: " + s.ToString());
  const Graph& h = again->graph();
  if (h.nodes.size() != g.nodes.size() || h.tensors.size() != g.tensors.size() ||
      h.inputs != g.inputs || h.outputs != g.outputs || h.exits.size() != g.exits.size()) {
    Fail("reloading a serialised graph changed its structure");
  }
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    if (h.tensors[t].shape != g.tensors[t].shape) Fail("reloading changed a tensor shape");
  }
}

// Feeds every graph input with a fixed pattern and runs the graph whole,
// then split after a partition point; both runs must agree exactly (the
// reference kernels are deterministic for one thread).
inline void RunSmallModel(const Model& model, const std::vector<PartitionPoint>& points) {
  const Graph& g = model.graph();
  int64_t elements = 0;
  for (const TensorInfo& t : g.tensors) elements += t.shape.NumElements();
  if (elements > kMaxRunElements || GraphFlops(g) > kMaxRunFlops) return;

  SessionOptions options;
  options.num_threads = 1;
  std::unique_ptr<Session> session;
  Status s = Session::Create(model, options, &session);
  if (!s.ok()) {
    // Every op and shape a validated model can hold has a reference kernel.
    Fail("Session::Create refused a validated model: " + s.ToString());
  }
  std::vector<std::vector<float>> inputs(g.inputs.size());
  std::vector<ConstTensorView> input_views;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const Shape& shape = g.tensors[g.inputs[i]].shape;
    inputs[i].resize(static_cast<size_t>(shape.NumElements()));
    for (size_t k = 0; k < inputs[i].size(); ++k) {
      inputs[i][k] = static_cast<float>(static_cast<int>((k * 7 + i) % 17) - 8) * 0.125f;
    }
    input_views.push_back({inputs[i].data(), shape});
  }
  std::vector<std::vector<float>> outputs(g.outputs.size()), split(g.outputs.size());
  std::vector<TensorView> output_views, split_views;
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const Shape& shape = g.tensors[g.outputs[i]].shape;
    outputs[i].assign(static_cast<size_t>(shape.NumElements()), 0.0f);
    split[i].assign(outputs[i].size(), 0.0f);
    output_views.push_back({outputs[i].data(), shape});
    split_views.push_back({split[i].data(), shape});
  }
  s = session->Run(input_views, output_views);
  if (!s.ok()) Fail("running a validated model failed: " + s.ToString());

  if (points.empty()) return;
  Cut cut;
  s = CutAfterNode(g, g.nodes[points[points.size() / 2].node].name, &cut);
  if (!s.ok()) Fail("no cut after a partition point: " + s.ToString());
  if (cut.edge_nodes.size() == g.nodes.size()) return;  // nothing left for a server
  std::vector<BoundaryTensor> boundary;
  s = session->RunUntil(cut, input_views, &boundary);
  if (!s.ok()) Fail("RunUntil failed on a valid cut: " + s.ToString());
  // The boundary views point into the session's arena: copy before resuming.
  std::vector<std::vector<float>> held(boundary.size());
  std::vector<ConstTensorView> resume;
  for (size_t i = 0; i < boundary.size(); ++i) {
    const int64_t n = boundary[i].view.shape.NumElements();
    held[i].assign(boundary[i].view.data, boundary[i].view.data + n);
    resume.push_back({held[i].data(), boundary[i].view.shape});
  }
  s = session->ResumeFrom(cut, resume, split_views);
  if (!s.ok()) Fail("ResumeFrom failed on a valid cut: " + s.ToString());
  for (size_t i = 0; i < outputs.size(); ++i) {
    for (size_t k = 0; k < outputs[i].size(); ++k) {
      const float a = outputs[i][k], b = split[i][k];
      if (!(a == b) && !(a != a && b != b)) Fail("a split run differs from the whole run");
    }
  }
}

// Everything seam does with a model it accepted must work on it.
inline void CheckAcceptedModel(const Model& model) {
  const Graph& g = model.graph();
  CheckRoundTrip(g);

  std::vector<int> order;
  if (!TopologicalOrder(g, &order).ok()) Fail("a validated graph has no schedule");
  (void)GraphFlops(g);
  (void)GraphParams(g);
  (void)IsChain(g);
  const std::vector<PartitionPoint> points = PartitionPoints(g);
  for (const PartitionPoint& p : points) {
    Cut cut;
    if (!CutAfterNode(g, g.nodes[p.node].name, &cut).ok() || !ValidateCut(g, cut).ok()) {
      Fail("the cut after a partition point is invalid");
    }
    (void)CutBoundaryBytes(g, cut);
    (void)CutId(g, cut);
  }
  RunSmallModel(model, points);
}

}  // namespace seam::fuzz
