// The reference-kernel contract: how the executor calls the portable kernel of an op.
//
// Every op has one kernel in kernels/<op>.cc. The executor has already
// validated the node and inferred every shape (core/shape_inference.cc), so a
// kernel may trust shapes and attributes. Kernels never allocate: temporary
// memory comes from `scratch`, sized by the op's ScratchFn at plan time.
// Tensors are dense, row-major NCHW fp32.
#pragma once

#include <cstddef>

#include "seam/graph.h"
#include "seam/ops.h"
#include "seam/shape.h"
#include "seam/status.h"
#include "seam/thread_pool.h"

namespace seam {

struct InputTensor {
  const float* data = nullptr;  // nullptr for an absent optional input
  Shape shape;
};

struct OutputTensor {
  float* data = nullptr;  // nullptr for an absent optional output
  Shape shape;
};

struct KernelContext {
  const Node* node = nullptr;
  const InputTensor* inputs = nullptr;  // one per node input, in order
  int num_inputs = 0;
  const OutputTensor* outputs = nullptr;  // one per node output, in order
  int num_outputs = 0;
  ThreadPool* pool = nullptr;  // may be null: run on the calling thread
  float* scratch = nullptr;    // ScratchFn(...) bytes, 64-byte aligned
  size_t scratch_bytes = 0;
};

using KernelFn = Status (*)(const KernelContext& ctx);
// Bytes of scratch the kernel needs for these shapes (0 when none).
using ScratchFn = size_t (*)(const Node& node, const Shape* input_shapes, int num_inputs,
                             const Shape* output_shapes, int num_outputs);

struct ReferenceKernel {
  KernelFn run = nullptr;
  ScratchFn scratch_bytes = nullptr;  // nullptr: needs none
};

// The reference kernel of `op`, or nullptr when the op has none.
const ReferenceKernel* GetReferenceKernel(OpType op);

// One entry point per op (kernels/<op>.cc).
Status Conv2DKernel(const KernelContext& ctx);
size_t Conv2DScratchBytes(const Node& node, const Shape* in, int num_in, const Shape* out,
                          int num_out);
Status FullyConnectedKernel(const KernelContext& ctx);
Status MatMulKernel(const KernelContext& ctx);
Status MaxPoolKernel(const KernelContext& ctx);
Status AveragePoolKernel(const KernelContext& ctx);
Status GlobalAveragePoolKernel(const KernelContext& ctx);
Status BatchNormKernel(const KernelContext& ctx);
Status LRNKernel(const KernelContext& ctx);
Status ReluKernel(const KernelContext& ctx);
Status ClipKernel(const KernelContext& ctx);
Status LeakyReluKernel(const KernelContext& ctx);
Status SigmoidKernel(const KernelContext& ctx);
Status TanhKernel(const KernelContext& ctx);
Status HardSwishKernel(const KernelContext& ctx);
Status AddKernel(const KernelContext& ctx);
Status MulKernel(const KernelContext& ctx);
Status ConcatKernel(const KernelContext& ctx);
Status SoftmaxKernel(const KernelContext& ctx);
Status FlattenKernel(const KernelContext& ctx);
Status ReshapeKernel(const KernelContext& ctx);
Status TransposeKernel(const KernelContext& ctx);
Status PadKernel(const KernelContext& ctx);
Status IdentityKernel(const KernelContext& ctx);
Status ResizeKernel(const KernelContext& ctx);
Status LSTMKernel(const KernelContext& ctx);
size_t LSTMScratchBytes(const Node& node, const Shape* in, int num_in, const Shape* out,
                        int num_out);

}  // namespace seam
