// The backend test helpers (backend_test_util.h) bound to the oneDNN backend.
#pragma once

#include "backends/onednn/onednn_backend.h"
#include "tests/backends/backend_test_util.h"

namespace seam {
namespace onednn_test {

using backend_test::AlignedBuffer;
using backend_test::CountSteps;
using backend_test::CountStepsContaining;
using backend_test::ExpectClose;
using backend_test::Join;
using backend_test::kAbsTol;
using backend_test::kRelTol;
using backend_test::RandomInputs;
using backend_test::RandomValues;
using OneDnnRun = backend_test::SegmentRun;

// Compiles `nodes` (default: the whole graph in topological order) as one
// oneDNN segment and runs it `runs` times; see backend_test::RunSegment.
inline Status RunOneDnnSegment(const Graph& graph, const std::vector<std::vector<float>>& inputs,
                               const std::vector<int>& outputs, OneDnnRun* run, int threads = 2,
                               std::vector<int> nodes = {}, int runs = 1,
                               std::shared_ptr<Backend> backend = nullptr) {
  return backend_test::RunSegment(&CreateOneDnnBackend, &OneDnnSegmentPrimitives, graph, inputs,
                                  outputs, run, threads, std::move(nodes), runs,
                                  std::move(backend));
}

inline void CheckGraph(const Graph& graph, const std::string& what, OneDnnRun* run_out = nullptr,
                       int threads = 2) {
  backend_test::CheckGraph(&CreateOneDnnBackend, &OneDnnSegmentPrimitives, graph, what, run_out,
                           threads);
}

// Runs `graph` on the reference kernels and returns the tensors `outputs`.
inline Status RunReference(const Graph& graph, const std::vector<std::vector<float>>& inputs,
                           const std::vector<int>& outputs,
                           std::vector<std::vector<float>>* results, int threads = 2) {
  return backend_test::RunSession(graph, inputs, outputs, results, nullptr, threads);
}

}  // namespace onednn_test
}  // namespace seam
