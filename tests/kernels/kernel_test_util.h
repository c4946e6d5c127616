// Shared helpers for the reference-kernel tests: build a KernelContext around
// plain vectors, run a kernel single-threaded and on a 2-thread pool, check
// that it did not touch the heap, and compare against double references.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernel.h"
#include "seam/graph.h"
#include "seam/shape.h"
#include "seam/thread_pool.h"

namespace seam {
namespace kernel_test {

// Operator-new calls made by this process so far (counted by a replacement
// operator new in kernel_test_util.cc).
int64_t HeapAllocations();

// A 2-thread pool shared by all tests.
ThreadPool* TwoThreads();

struct TestTensor {
  Shape shape;
  std::vector<float> data;
  bool present = true;  // false: an absent optional input (data == nullptr)
};

inline TestTensor Tensor(const Shape& shape, std::vector<float> data) {
  return TestTensor{shape, std::move(data), true};
}
inline TestTensor Absent() { return TestTensor{Shape{}, {}, false}; }

struct OutputSpec {
  Shape shape;
  bool present = true;  // false: the output's data pointer is nullptr
};

struct KernelRun {
  Status status;
  std::vector<std::vector<float>> outputs;  // empty vectors for absent outputs
  size_t scratch_bytes = 0;
};

// Runs the registered reference kernel of node.op. Outputs start as NaN so
// unwritten elements show up; scratch is sized by the op's ScratchFn and
// 64-byte aligned. Fails the test if the kernel allocated heap memory.
KernelRun RunKernel(const Node& node, const std::vector<TestTensor>& inputs,
                    const std::vector<OutputSpec>& outputs, ThreadPool* pool);

inline Node MakeNode(OpType op, NodeAttrs attrs = {}) {
  Node node;
  node.op = op;
  node.name = OpTypeName(op);
  node.attrs = std::move(attrs);
  return node;
}

// Uniform values in [lo, hi], deterministic for a given rng.
std::vector<float> Random(std::mt19937* rng, int64_t n, float lo = -1.0f, float hi = 1.0f);

// Checks |got - want| <= tol * max(1, max|want|) element by element.
void ExpectClose(const std::vector<float>& got, const std::vector<double>& want, double tol,
                 const std::string& what);

// Runs the kernel with no pool and with the 2-thread pool and compares every
// present output with `want` (one vector per output, empty for absent ones).
void CheckKernel(const Node& node, const std::vector<TestTensor>& inputs,
                 const std::vector<OutputSpec>& outputs,
                 const std::vector<std::vector<double>>& want, double tol, const std::string& what);

// ApplyActivation in double precision, written from the definitions.
inline double RefActivation(const FusedActivation& act, double x) {
  switch (act.kind) {
    case ActivationKind::kNone:
      return x;
    case ActivationKind::kRelu:
      return x > 0 ? x : 0;
    case ActivationKind::kClip:
      return std::min<double>(std::max<double>(x, act.alpha), act.beta);
    case ActivationKind::kLeakyRelu:
      return x >= 0 ? x : x * act.alpha;
    case ActivationKind::kSigmoid:
      return 1.0 / (1.0 + std::exp(-x));
    case ActivationKind::kTanh:
      return std::tanh(x);
    case ActivationKind::kHardSwish:
      return x * std::min(std::max(x + 3.0, 0.0), 6.0) / 6.0;
  }
  return x;
}

// Every fused activation kind, with parameters that matter for the data range.
std::vector<FusedActivation> AllActivations();

// Row-major strides of a shape.
std::vector<int64_t> Strides(const Shape& shape);

}  // namespace kernel_test
}  // namespace seam
