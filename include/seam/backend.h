// Backend: how an accelerated library (oneDNN, XNNPACK, ...) runs part of a graph.
//
// Contract, modelled on TFLite delegates and ONNX Runtime execution providers:
//  1. Supports() is asked for every node; it must be answered by the same
//     per-op code that lowers the op (a "visit" function called with no
//     builder), so that support and lowering cannot drift apart.
//  2. The executor groups consecutive supported nodes of its schedule into a
//     SegmentSpec and calls Compile() once per plan. Weights are re-laid and
//     packed once per Backend (shared by every segment and session of the
//     graph); primitives are created in Compile, never in Run.
//  3. A segment reads its inputs from, and writes its outputs to, seam's arena
//     in the canonical layout: dense row-major NCHW fp32. Inside a segment the
//     backend keeps whatever layout it likes, so layout conversions happen only
//     at segment boundaries. Any tensor a cut may need is a segment output.
//  4. Nothing crosses this interface as an exception; errors are Status values.
//
// A Backend is created for one Graph and may be shared by several sessions of
// that graph (Compile must then be thread-safe); a Segment belongs to one
// session and is never run from two threads at once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "seam/graph.h"
#include "seam/status.h"

namespace seam {

struct SegmentSpec {
  const Graph* graph = nullptr;
  std::vector<int> nodes;    // node indices in a valid execution order
  std::vector<int> inputs;   // activation tensors read from the arena (no constants)
  std::vector<int> outputs;  // tensors the segment must leave in the arena
};

class Segment {
 public:
  virtual ~Segment() = default;
  // Scratch the segment wants from the session's arena (64-byte aligned).
  virtual size_t ScratchBytes() const { return 0; }
  // Binds arena buffers: inputs[i] holds spec.inputs[i], outputs[i] receives
  // spec.outputs[i]. Every buffer has at least 64 readable bytes past its end.
  // Called once after planning, before the first Run.
  virtual Status Bind(const std::vector<const float*>& inputs, const std::vector<float*>& outputs,
                      void* scratch) = 0;
  virtual Status Run() = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;
  // True when this backend runs node `node_index`; otherwise `reason` says why
  // (shown by `seam inspect --backend`).
  virtual bool Supports(int node_index, std::string* reason) const = 0;
  // Compiles nodes that all Supports().
  virtual Status Compile(const SegmentSpec& spec, std::unique_ptr<Segment>* out) = 0;
  // Threads the backend's own pool uses.
  virtual int num_threads() const = 0;
};

struct BackendOptions {
  int num_threads = 1;  // 0 = one per hardware thread
};

}  // namespace seam
