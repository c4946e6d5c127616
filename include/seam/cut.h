// Cuts: which nodes run on the edge, and what crosses to the server.
//
// A cut is the set of nodes that run on the edge. It must be closed under
// predecessors (every producer of an edge node's input is on the edge too).
// Its boundary is every tensor the server needs that the edge has: tensors
// produced on the edge and read by a server node (skip connections
// included), graph inputs a server node still reads, and graph outputs the
// edge produced (the server passes them through). The empty cut is
// "server only"; the full cut is "edge only".
//
// A partition point is a node every input→output path passes through (a
// dominator of the outputs). Cutting right after it sends one tensor, the
// point's output; residual blocks and inception modules are not split.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "seam/graph.h"
#include "seam/status.h"

namespace seam {

struct Cut {
  std::vector<int> edge_nodes;  // sorted node indices

  bool operator==(const Cut& other) const { return edge_nodes == other.edge_nodes; }
};

// Checks that `cut` names valid nodes and is closed under predecessors; the
// error names an offending node and the server node it depends on.
Status ValidateCut(const Graph& graph, const Cut& cut);

// Builds a cut from edge-side node names (a comma list on the CLI).
Status CutFromNodeNames(const Graph& graph, const std::vector<std::string>& names, Cut* out);

// The cut that runs `node_name` and all its ancestors on the edge. With a
// partition point this is "everything up to and including the layer".
Status CutAfterNode(const Graph& graph, const std::string& node_name, Cut* out);

// Tensors crossing from edge to server, in ascending tensor index order.
std::vector<int> CutBoundary(const Graph& graph, const Cut& cut);

// Bytes of the boundary in fp32.
int64_t CutBoundaryBytes(const Graph& graph, const Cut& cut);

// A stable 64-bit id of the cut: a hash of the sorted stable node ids, so
// edge and server agree on it without sharing node indices.
uint64_t CutId(const Graph& graph, const Cut& cut);

struct PartitionPoint {
  int node = -1;  // the layer after which the model is split
  int64_t boundary_bytes = 0;
  int edge_nodes = 0;  // nodes on the edge when cutting here
};

// The partition points in schedule order: nodes that dominate every graph
// output (all paths from the inputs pass through them).
std::vector<PartitionPoint> PartitionPoints(const Graph& graph);

}  // namespace seam
