// The backend test helpers (backend_test_util.h) bound to the XNNPACK backend.
#pragma once

#include "backends/xnnpack/xnnpack_backend.h"
#include "tests/backends/backend_test_util.h"

namespace seam {
namespace xnnpack_test {

using backend_test::AlignedBuffer;
using backend_test::CountSteps;
using backend_test::CountStepsContaining;
using backend_test::ExpectClose;
using backend_test::Join;
using backend_test::kAbsTol;
using backend_test::kRelTol;
using backend_test::RandomInputs;
using backend_test::RandomValues;
using XnnpackRun = backend_test::SegmentRun;

// Compiles `nodes` (default: the whole graph in topological order) as one
// XNNPACK segment and runs it `runs` times; see backend_test::RunSegment.
inline Status RunXnnpackSegment(const Graph& graph, const std::vector<std::vector<float>>& inputs,
                                const std::vector<int>& outputs, XnnpackRun* run, int threads = 2,
                                std::vector<int> nodes = {}, int runs = 1,
                                std::shared_ptr<Backend> backend = nullptr) {
  return backend_test::RunSegment(&CreateXnnpackBackend, &XnnpackSegmentSteps, graph, inputs,
                                  outputs, run, threads, std::move(nodes), runs,
                                  std::move(backend));
}

inline void CheckGraph(const Graph& graph, const std::string& what, XnnpackRun* run_out = nullptr,
                       int threads = 2) {
  backend_test::CheckGraph(&CreateXnnpackBackend, &XnnpackSegmentSteps, graph, what, run_out,
                           threads);
}

// Runs `graph` through a Session, on the reference kernels or (with
// `xnnpack`) on an XNNPACK backend, and returns the tensors `outputs`.
inline Status RunSession(const Graph& graph, const std::vector<std::vector<float>>& inputs,
                         const std::vector<int>& outputs, std::vector<std::vector<float>>* results,
                         bool xnnpack = false, int threads = 2) {
  return backend_test::RunSession(graph, inputs, outputs, results,
                                  xnnpack ? &CreateXnnpackBackend : nullptr, threads);
}

}  // namespace xnnpack_test
}  // namespace seam
