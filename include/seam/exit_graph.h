// Early exits as graphs of their own. An exit head (Graph::exits, BranchyNet
// / Edgent) needs only the ancestors of its output tensor; ExitGraph is that
// sub-graph, so everything that works on a Graph (Session, cuts, the wire
// format) works on an exit unchanged: a Session over exit.graph runs only
// the nodes the exit needs, its cuts are cuts of the exit's nodes, and a
// wire message for it names the exit's tensors.
//
// The sub-graph keeps the whole tensor table (tensor indices, shapes and
// weight pointers are the model's, so boundary tensors and outputs mean the
// same on both sides), the graph inputs, and the nodes' stable ids (so a
// cut's node ids and CutId agree between the full graph and the exit). Its
// only output is the exit's tensor. Node indices are renumbered; `nodes`
// maps them back. Weights still point into the model: it must outlive the
// ExitGraph.
#pragma once

#include <vector>

#include "seam/cut.h"
#include "seam/graph.h"
#include "seam/status.h"

namespace seam {

struct ExitGraph {
  int exit_index = -1;     // index into the model's Graph::exits
  Graph graph;             // the exit's ancestor sub-graph; outputs = {exit tensor}
  std::vector<int> nodes;  // sub-graph node index -> model node index (ascending)
};

// Builds the sub-graph of exit `exit_index` of `graph`. Fails when the index
// is out of range or the exit's tensor is not computed by any node.
Status MakeExitGraph(const Graph& graph, int exit_index, ExitGraph* out);

// `cut` (model node indices) restricted to the exit's nodes, in sub-graph
// indices. Model nodes the exit does not need are dropped: they never run
// for a frame that takes this exit.
Cut RestrictCutToExit(const ExitGraph& exit, const Cut& cut);

}  // namespace seam
