// Per-node attribute validation and output-shape inference (internal).
#pragma once

#include <vector>

#include "seam/graph.h"
#include "seam/status.h"

namespace seam {

// Checks `node` (input count, input shapes, attributes) and computes the
// shape of each of its outputs (absent outputs get rank 0). Every input
// tensor's shape must already be known. Errors name the node and the rule.
Status InferNodeShapes(const Graph& graph, int node_index, std::vector<Shape>* output_shapes);

// "node 'conv1' (#3, Conv2D): "
std::string NodeLabel(const Graph& graph, int node_index);

// Largest number of elements seam accepts in one tensor (2^32); bigger
// tensors in a model are rejected so size arithmetic cannot overflow.
constexpr int64_t kMaxTensorElements = int64_t{1} << 32;

}  // namespace seam
