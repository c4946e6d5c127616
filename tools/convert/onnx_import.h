// ONNX importer: turns an ONNX model (torchvision / Keras exports, opset
// 7–18, tested 9–17) into a seam Graph that computes the same function.
//
// This is the only part of seam that links protobuf and ONNX; the header
// keeps both out of its interface so that `seam convert` (and tests) can use
// the importer without seeing protobuf types.
//
// What happens, in order (details in docs/convert.md):
//  1. parse the protobuf (external-data weights are read relative to the
//     model's directory and may not escape it);
//  2. fix the input shapes (from the model, or --input-shape for dynamic dims);
//  3. walk the nodes in topological order. A node whose inputs are all known
//     at conversion time is evaluated here (constant folding and the int64
//     shape arithmetic of Shape→Gather→Concat→Reshape chains); every other
//     node is lowered to seam ops. Unsupported nodes are collected, not fatal
//     one by one, so the error lists every one of them;
//  4. rewrite: fold Pad into Conv, BatchNorm into Conv/FullyConnected, bias
//     Adds into Conv/FullyConnected, fuse activations, remove dead nodes;
//  5. name tensors and validate with seam's own shape inference.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "seam/graph.h"
#include "seam/graph_builder.h"
#include "seam/status.h"

namespace seam::onnx_import {

struct ImportOptions {
  // Static shapes for graph inputs, by input name. Needed for inputs with
  // dynamic (symbolic or missing) dimensions; must agree with fixed ones.
  std::map<std::string, std::vector<int64_t>> input_shapes;
  // Name every tensor after its ONNX tensor (activations, weights). By
  // default only graph inputs and outputs keep ONNX names; other tensors are
  // named after the seam node producing or consuming them, as in zoo models.
  // Node names are the ONNX node names either way.
  bool keep_names = false;
  // Most elements one tensor computed at conversion time may have (folded
  // constants, shape arithmetic). A hostile file can ask for any shape; the
  // default (2^28, 1 GiB of float) is far above what real models fold.
  int64_t max_folded_elements = int64_t{1} << 28;
  // Most FLOPs (as GraphFlops counts them) one node folded at conversion
  // time may take to compute with seam's kernels: a convolution of constants
  // within the element limit can still take minutes. The default (2^36,
  // tens of seconds on the reference kernels) is far above what real models
  // fold.
  int64_t max_folded_flops = int64_t{1} << 36;
};

// What the conversion did, for the CLI summary and tests.
struct ImportStats {
  int64_t opset = 0;  // of the default (ai.onnx) domain
  int64_t ir_version = 0;
  std::string producer;           // "pytorch 1.13.0"
  int onnx_nodes = 0;             // nodes in the ONNX graph
  int seam_nodes = 0;             // nodes in the result
  int folded_constant_nodes = 0;  // ONNX nodes evaluated at conversion time
  int dropped_nodes = 0;          // Identity, Dropout, zero Pad, no-op Cast...
  int folded_batchnorms = 0;      // BatchNorm folded into Conv/FullyConnected
  int fused_activations = 0;      // activations fused into Conv/FullyConnected
  int folded_pads = 0;            // Pad folded into Conv padding
  int fused_bias_adds = 0;        // Add of a constant folded into a bias
};

// The converted model. The graph's weights point into `weights` and into
// `builder`, so keep the whole result alive while the graph is used.
struct ImportResult {
  Graph graph;
  ImportStats stats;
  std::unique_ptr<GraphBuilder> builder;
  std::deque<std::vector<float>> weights;
};

// Converts the ONNX model file at `path`. External data is resolved relative
// to the file's directory. Errors name the file, node or tensor at fault; an
// unsupported model gets one kUnsupported status listing every node that
// cannot be converted.
Status ImportOnnxFile(const std::string& path, const ImportOptions& options, ImportResult* out);

// Same for model bytes in memory. `base_dir` is where external data lives
// (empty: external data is an error); `what` names the model in messages.
Status ImportOnnxBytes(const void* data, size_t size, const std::string& base_dir,
                       const std::string& what, const ImportOptions& options, ImportResult* out);

// Parses "NAME=1,3,224,224" (the --input-shape syntax) into `shapes`.
Status ParseInputShapeFlag(const std::string& text,
                           std::map<std::string, std::vector<int64_t>>* shapes);

}  // namespace seam::onnx_import
