// Shared helpers for the backend tests: run a graph on the reference Session
// and as one backend segment (compiled and bound by hand, the way the
// executor does), then compare within a tolerance relative to the output
// scale. onednn_test_util.h and xnnpack_test_util.h bind them to a backend.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "seam/backend.h"
#include "seam/graph.h"
#include "seam/graph_builder.h"
#include "seam/session.h"

namespace seam {
namespace backend_test {

// max |got - want| <= kRelTol * max|want| + kAbsTol. Accelerated backends sum
// in another order than the reference (blocked or packed GEMMs) and
// approximate exp/tanh/sigmoid with polynomials.
constexpr double kRelTol = 1e-3;
constexpr double kAbsTol = 1e-4;

// A 64-byte aligned float buffer with 64 readable bytes past its end, as the
// executor's arena provides.
class AlignedBuffer {
 public:
  explicit AlignedBuffer(size_t floats = 0) { Resize(floats); }
  void Resize(size_t floats) {
    size_ = floats;
    storage_.assign(floats * sizeof(float) + 64 + 64, 0);
    auto base = reinterpret_cast<uintptr_t>(storage_.data());
    data_ = reinterpret_cast<float*>((base + 63) / 64 * 64);
  }
  float* data() { return data_; }
  const float* data() const { return data_; }
  size_t size() const { return size_; }
  std::vector<float> ToVector() const { return std::vector<float>(data_, data_ + size_); }

 private:
  std::vector<uint8_t> storage_;
  float* data_ = nullptr;
  size_t size_ = 0;
};

inline std::vector<float> RandomValues(int64_t n, uint64_t seed, float lo = -1.0f,
                                       float hi = 1.0f) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

inline std::vector<std::vector<float>> RandomInputs(const Graph& graph, uint64_t seed = 7) {
  std::vector<std::vector<float>> inputs;
  for (int t : graph.inputs) {
    inputs.push_back(RandomValues(graph.tensors[t].shape.NumElements(), seed++));
  }
  return inputs;
}

// Creates a backend for a graph (CreateOneDnnBackend, CreateXnnpackBackend).
using BackendFactory = Status (*)(const Graph&, const BackendOptions&, std::shared_ptr<Backend>*);
// A compiled segment's steps, as the backend labels them (for messages).
using StepLister = std::vector<std::string> (*)(const Segment&);

// Runs `graph` through a Session (on the reference kernels, or with the
// backend `factory` makes) and returns the tensors `outputs` (graph outputs
// or other activations).
inline Status RunSession(const Graph& graph, const std::vector<std::vector<float>>& inputs,
                         const std::vector<int>& outputs, std::vector<std::vector<float>>* results,
                         BackendFactory factory = nullptr, int threads = 2) {
  Graph copy = graph;  // expose the wanted tensors as graph outputs
  copy.outputs.assign(outputs.begin(), outputs.end());
  SessionOptions options;
  options.num_threads = threads;
  if (factory != nullptr) {
    BackendOptions backend_options;
    backend_options.num_threads = threads;
    SEAM_RETURN_IF_ERROR(factory(copy, backend_options, &options.backend));
  }
  std::unique_ptr<Session> session;
  SEAM_RETURN_IF_ERROR(Session::Create(copy, options, &session));
  std::vector<ConstTensorView> in;
  for (size_t i = 0; i < inputs.size(); ++i) {
    in.push_back({inputs[i].data(), graph.tensors[graph.inputs[i]].shape});
  }
  results->assign(outputs.size(), {});
  std::vector<TensorView> out;
  for (size_t i = 0; i < outputs.size(); ++i) {
    (*results)[i].resize(graph.tensors[outputs[i]].shape.NumElements());
    out.push_back({(*results)[i].data(), graph.tensors[outputs[i]].shape});
  }
  return session->Run(in, out);
}

struct SegmentRun {
  std::vector<std::vector<float>> outputs;
  std::vector<std::string> steps;
  size_t scratch_bytes = 0;
};

// Compiles `nodes` (default: the whole graph in topological order) as one
// segment with the graph inputs as segment inputs and `outputs` as segment
// outputs, binds hand-made buffers and runs it `runs` times.
inline Status RunSegment(BackendFactory factory, StepLister list_steps, const Graph& graph,
                         const std::vector<std::vector<float>>& inputs,
                         const std::vector<int>& outputs, SegmentRun* run, int threads = 2,
                         std::vector<int> nodes = {}, int runs = 1,
                         std::shared_ptr<Backend> backend = nullptr) {
  if (!backend) {
    BackendOptions options;
    options.num_threads = threads;
    SEAM_RETURN_IF_ERROR(factory(graph, options, &backend));
  }
  if (nodes.empty()) SEAM_RETURN_IF_ERROR(TopologicalOrder(graph, &nodes));
  SegmentSpec spec;
  spec.graph = &graph;
  spec.nodes = nodes;
  spec.inputs.assign(graph.inputs.begin(), graph.inputs.end());
  spec.outputs = outputs;
  std::unique_ptr<Segment> segment;
  SEAM_RETURN_IF_ERROR(backend->Compile(spec, &segment));
  run->steps = list_steps(*segment);
  run->scratch_bytes = segment->ScratchBytes();
  std::vector<AlignedBuffer> in_buffers, out_buffers;
  std::vector<const float*> in_ptrs;
  std::vector<float*> out_ptrs;
  in_buffers.reserve(inputs.size());
  for (const std::vector<float>& v : inputs) {
    in_buffers.emplace_back(v.size());
    std::copy(v.begin(), v.end(), in_buffers.back().data());
    in_ptrs.push_back(in_buffers.back().data());
  }
  out_buffers.reserve(outputs.size());
  for (int t : outputs) {
    out_buffers.emplace_back(graph.tensors[t].shape.NumElements());
    std::fill(out_buffers.back().data(), out_buffers.back().data() + out_buffers.back().size(),
              std::nanf(""));  // unwritten elements show up as NaN
    out_ptrs.push_back(out_buffers.back().data());
  }
  // Scratch is poisoned too: a step reading scratch nobody wrote shows up.
  AlignedBuffer scratch((segment->ScratchBytes() + 3) / 4);
  std::fill(scratch.data(), scratch.data() + scratch.size(), std::nanf(""));
  SEAM_RETURN_IF_ERROR(
      segment->Bind(in_ptrs, out_ptrs, segment->ScratchBytes() > 0 ? scratch.data() : nullptr));
  for (int r = 0; r < runs; ++r) SEAM_RETURN_IF_ERROR(segment->Run());
  run->outputs.clear();
  for (const AlignedBuffer& b : out_buffers) run->outputs.push_back(b.ToVector());
  return Status::Ok();
}

// Element-wise comparison at the suite's tolerance; returns the max abs diff.
inline double ExpectClose(const std::vector<float>& got, const std::vector<float>& want,
                          const std::string& what) {
  EXPECT_EQ(got.size(), want.size()) << what;
  double max_ref = 0.0, max_diff = 0.0;
  size_t worst = 0;
  for (float w : want) max_ref = std::max(max_ref, std::fabs(static_cast<double>(w)));
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    const double d = std::fabs(static_cast<double>(got[i]) - want[i]);
    if (!(d <= max_diff)) {  // NaN-aware: a NaN difference always wins
      max_diff = std::isnan(d) ? INFINITY : d;
      worst = i;
    }
  }
  const double tol = kRelTol * max_ref + kAbsTol;
  if (!got.empty() && !want.empty()) {
    EXPECT_LE(max_diff, tol) << what << ": element " << worst << " got " << got[worst] << " want "
                             << want[worst] << " (max |ref| " << max_ref << ")";
  }
  return max_diff;
}

inline std::string Join(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += "  " + l + "\n";
  return s;
}

// Steps whose label starts with `kind` ("convolution", "reorder", "runtime", "to_nhwc", ...).
inline int CountSteps(const std::vector<std::string>& steps, const std::string& kind) {
  return static_cast<int>(std::count_if(
      steps.begin(), steps.end(), [&](const std::string& s) { return s.rfind(kind, 0) == 0; }));
}

// How many steps mention `text` anywhere (an implementation, a suffix).
inline int CountStepsContaining(const std::vector<std::string>& steps, const std::string& text) {
  return static_cast<int>(std::count_if(steps.begin(), steps.end(), [&](const std::string& s) {
    return s.find(text) != std::string::npos;
  }));
}

// Checks that a finished graph gives the same outputs as one backend segment
// (whole graph) as on the reference kernels.
inline void CheckGraph(BackendFactory factory, StepLister list_steps, const Graph& graph,
                       const std::string& what, SegmentRun* run_out = nullptr, int threads = 2) {
  const std::vector<std::vector<float>> inputs = RandomInputs(graph);
  const std::vector<int> outputs(graph.outputs.begin(), graph.outputs.end());
  std::vector<std::vector<float>> want;
  Status s = RunSession(graph, inputs, outputs, &want);
  ASSERT_TRUE(s.ok()) << what << ": reference: " << s.ToString();
  SegmentRun run;
  s = RunSegment(factory, list_steps, graph, inputs, outputs, &run, threads);
  ASSERT_TRUE(s.ok()) << what << ": backend: " << s.ToString();
  for (size_t i = 0; i < outputs.size(); ++i) {
    ExpectClose(run.outputs[i], want[i], what + " output " + std::to_string(i));
  }
  if (::testing::Test::HasFailure()) ADD_FAILURE() << what << " steps:\n" << Join(run.steps);
  if (run_out != nullptr) *run_out = std::move(run);
}

}  // namespace backend_test
}  // namespace seam
