// ValidateAndInferShapes: the semantic checks a loaded model must pass
// before anything runs it (structure first, then per-node shapes).
#include <string>
#include <unordered_set>

#include "core/shape_inference.h"
#include "seam/graph.h"

namespace seam {
namespace {

std::string TensorLabel(const Graph& g, int t) {
  return "tensor '" + g.tensors[t].name + "' (#" + std::to_string(t) + ")";
}

bool InRange(const Graph& g, int32_t t) {
  return t >= 0 && static_cast<size_t>(t) < g.tensors.size();
}

Status CheckTensors(const Graph& g) {
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    const TensorInfo& t = g.tensors[i];
    const int ti = static_cast<int>(i);
    if (t.dtype != DataType::kF32) {
      return Unsupported(TensorLabel(g, ti) + ": dtype " + DataTypeName(t.dtype) +
                         " is reserved and not supported yet");
    }
    if (t.shape.rank < 0 || t.shape.rank > kMaxRank) {
      return InvalidModel(TensorLabel(g, ti) + ": rank must be 0.." + std::to_string(kMaxRank));
    }
    for (int d = 0; d < t.shape.rank; ++d) {
      if (t.shape.dims[d] <= 0) {
        return InvalidModel(TensorLabel(g, ti) + ": dimension " + std::to_string(d) +
                            " must be > 0, shape " + t.shape.ToString());
      }
    }
    if (t.shape.NumElements() > kMaxTensorElements) {
      return InvalidModel(TensorLabel(g, ti) + ": more than 2^32 elements");
    }
    if (t.is_constant() && t.data_bytes != t.byte_size()) {
      return InvalidModel(TensorLabel(g, ti) + ": weight data has " + std::to_string(t.data_bytes) +
                          " bytes, shape " + t.shape.ToString() + " needs " +
                          std::to_string(t.byte_size()));
    }
  }
  return Status::Ok();
}

Status CheckStructure(const Graph& g, std::vector<bool>* defined) {
  defined->assign(g.tensors.size(), false);
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    if (g.tensors[t].is_constant()) (*defined)[t] = true;
  }
  if (g.inputs.empty()) return InvalidModel("graph has no inputs");
  if (g.outputs.empty()) return InvalidModel("graph has no outputs");
  for (int32_t t : g.inputs) {
    if (!InRange(g, t))
      return InvalidModel("graph input index " + std::to_string(t) + " out of range");
    if (g.tensors[t].is_constant())
      return InvalidModel(TensorLabel(g, t) + ": graph input has weight data");
    if (g.tensors[t].shape.rank == 0) {
      return InvalidModel(TensorLabel(g, t) + ": graph input needs a static shape");
    }
    if ((*defined)[t]) return InvalidModel(TensorLabel(g, t) + ": listed twice as graph input");
    (*defined)[t] = true;
  }
  std::unordered_set<uint32_t> ids;
  std::unordered_set<std::string> names;
  std::vector<bool> produced(g.tensors.size(), false);
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const Node& node = g.nodes[n];
    const std::string label = NodeLabel(g, static_cast<int>(n));
    if (!IsKnownOpCode(static_cast<int32_t>(node.op))) {
      return InvalidModel(label + "unknown op code " +
                          std::to_string(static_cast<int32_t>(node.op)));
    }
    if (!ids.insert(node.id).second) {
      return InvalidModel(label + "id " + std::to_string(node.id) + " is used by another node");
    }
    // Names address nodes in cuts, profiles and hooks, so they must be unique.
    if (node.name.empty()) return InvalidModel(label + "has no name");
    if (!names.insert(node.name).second) {
      return InvalidModel(label + "name is used by another node");
    }
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const int32_t t = node.inputs[i];
      if (t == -1) continue;
      if (!InRange(g, t)) {
        return InvalidModel(label + "input " + std::to_string(i) + " refers to tensor " +
                            std::to_string(t) + ", out of range");
      }
    }
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      const int32_t t = node.outputs[i];
      if (t == -1) {
        if (i == 0 && node.op != OpType::kLSTM) return InvalidModel(label + "output 0 is absent");
        continue;
      }
      if (!InRange(g, t)) {
        return InvalidModel(label + "output " + std::to_string(i) + " refers to tensor " +
                            std::to_string(t) + ", out of range");
      }
      if (g.tensors[t].is_constant()) {
        return InvalidModel(label + "writes " + TensorLabel(g, t) + ", which holds weights");
      }
      if (produced[t] || (*defined)[t]) {
        return InvalidModel(label + TensorLabel(g, t) + " is produced more than once");
      }
      produced[t] = true;
    }
  }
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    if (produced[t]) (*defined)[t] = true;
  }
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    for (int32_t t : g.nodes[n].inputs) {
      if (t >= 0 && !(*defined)[t]) {
        return InvalidModel(NodeLabel(g, static_cast<int>(n)) + "reads " + TensorLabel(g, t) +
                            ", which nothing defines");
      }
    }
  }
  for (int32_t t : g.outputs) {
    if (!InRange(g, t))
      return InvalidModel("graph output index " + std::to_string(t) + " out of range");
    if (!(*defined)[t]) return InvalidModel(TensorLabel(g, t) + ": graph output is never produced");
  }
  for (const ExitHead& exit : g.exits) {
    if (!InRange(g, exit.output) || !(*defined)[exit.output]) {
      return InvalidModel("exit '" + exit.name + "' refers to an undefined tensor");
    }
    if (!(exit.accuracy >= 0.0f && exit.accuracy <= 1.0f)) {
      return InvalidModel("exit '" + exit.name + "' accuracy must be in [0, 1]");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateAndInferShapes(Graph* graph) {
  SEAM_RETURN_IF_ERROR(CheckTensors(*graph));
  std::vector<bool> defined;
  SEAM_RETURN_IF_ERROR(CheckStructure(*graph, &defined));
  std::vector<int> order;
  SEAM_RETURN_IF_ERROR(TopologicalOrder(*graph, &order));
  std::vector<Shape> shapes;
  for (int n : order) {
    SEAM_RETURN_IF_ERROR(InferNodeShapes(*graph, n, &shapes));
    const Node& node = graph->nodes[n];
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      const int32_t t = node.outputs[i];
      if (t < 0) continue;
      TensorInfo& info = graph->tensors[t];
      if (shapes[i].NumElements() > kMaxTensorElements) {
        return InvalidModel(NodeLabel(*graph, n) + "output " + std::to_string(i) + " shape " +
                            shapes[i].ToString() + " is too large");
      }
      if (info.shape.rank != 0 && info.shape != shapes[i]) {
        return InvalidModel(NodeLabel(*graph, n) + "stored shape " + info.shape.ToString() +
                            " of output '" + info.name + "' disagrees with inferred " +
                            shapes[i].ToString());
      }
      info.shape = shapes[i];
    }
  }
  return Status::Ok();
}

}  // namespace seam
