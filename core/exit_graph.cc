// Exit sub-graphs: the ancestors of an exit head's tensor, renumbered.
#include "seam/exit_graph.h"

#include <algorithm>
#include <string>

namespace seam {

Status MakeExitGraph(const Graph& graph, int exit_index, ExitGraph* out) {
  if (exit_index < 0 || static_cast<size_t>(exit_index) >= graph.exits.size()) {
    return InvalidArgument("exit " + std::to_string(exit_index) +
                           " is not an exit of this model (" + std::to_string(graph.exits.size()) +
                           " exit(s))");
  }
  const ExitHead& head = graph.exits[static_cast<size_t>(exit_index)];
  if (head.output < 0 || static_cast<size_t>(head.output) >= graph.tensors.size()) {
    return InvalidArgument("exit '" + head.name + "' names tensor " + std::to_string(head.output) +
                           ", out of range");
  }
  const std::vector<int> producers = TensorProducers(graph);
  const int last = producers[static_cast<size_t>(head.output)];
  if (last < 0) {
    return InvalidArgument("exit '" + head.name + "' is tensor '" +
                           graph.tensors[static_cast<size_t>(head.output)].name +
                           "', which no node computes: there is nothing to run for it");
  }
  Cut ancestors;
  SEAM_RETURN_IF_ERROR(
      CutAfterNode(graph, graph.nodes[static_cast<size_t>(last)].name, &ancestors));

  ExitGraph e;
  e.exit_index = exit_index;
  e.nodes = ancestors.edge_nodes;  // ascending model indices: file order is kept
  e.graph.tensors = graph.tensors;
  e.graph.inputs = graph.inputs;
  e.graph.outputs = {head.output};
  e.graph.producer = graph.producer;
  e.graph.description = graph.description;
  e.graph.metadata = graph.metadata;
  e.graph.nodes.reserve(e.nodes.size());
  for (int n : e.nodes) e.graph.nodes.push_back(graph.nodes[static_cast<size_t>(n)]);
  *out = std::move(e);
  return Status::Ok();
}

Cut RestrictCutToExit(const ExitGraph& exit, const Cut& cut) {
  Cut sub;
  for (size_t i = 0; i < exit.nodes.size(); ++i) {
    if (std::binary_search(cut.edge_nodes.begin(), cut.edge_nodes.end(), exit.nodes[i])) {
      sub.edge_nodes.push_back(static_cast<int>(i));
    }
  }
  return sub;
}

}  // namespace seam
