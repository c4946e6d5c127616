// Internal pieces of the ONNX importer shared by the driver (importer.cc),
// the op lowerings (lower_ops.cc), the conversion-time evaluators
// (host_eval.cc) and the graph rewrites (rewrite.cc).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "seam/graph.h"
#include "seam/graph_builder.h"
#include "seam/status.h"
#include "tools/convert/host_tensor.h"
#include "tools/convert/onnx_import.h"

namespace onnx {
class NodeProto;
class AttributeProto;
}  // namespace onnx

namespace seam::onnx_import {

// What the converter knows about one ONNX tensor name.
struct Value {
  enum class Kind {
    kUnset,   // not produced (yet)
    kHost,    // known at conversion time
    kTensor,  // a seam tensor computed at run time
    kBroken,  // downstream of an unsupported node: nothing is known
  };
  Kind kind = Kind::kUnset;
  std::shared_ptr<const HostTensor> host;
  int tensor = -1;  // seam tensor index in the emitter's builder

  static Value Host(HostTensor t) {
    Value v;
    v.kind = Kind::kHost;
    v.host = std::make_shared<const HostTensor>(std::move(t));
    return v;
  }
  static Value Tensor(int t) {
    Value v;
    v.kind = Kind::kTensor;
    v.tensor = t;
    return v;
  }
  bool is_host() const { return kind == Kind::kHost; }
  bool is_tensor() const { return kind == Kind::kTensor; }
};

// Unique names: reserved up front for every ONNX node, then handed out to
// the extra seam nodes a lowering creates, with "_1", "_2"... on clashes.
class NameRegistry {
 public:
  std::string Unique(const std::string& wanted);
  bool Taken(const std::string& name) const { return used_.count(name) != 0; }

 private:
  std::set<std::string> used_;
};

// Where lowered seam nodes go: the model's GraphBuilder, or a scratch one
// when a node is constant-folded by running seam's own kernels on it.
struct Emitter {
  GraphBuilder* builder = nullptr;
  NameRegistry* names = nullptr;
  // Host tensors already materialised as seam constants (shared weights stay shared).
  std::map<const HostTensor*, int> constants;
  // ONNX tensor name of each seam tensor that stands for one (for --keep-names).
  std::map<int, std::string> onnx_names;
  // Constant folding: host inputs become graph inputs fed with their values.
  bool folding = false;
  // ImportOptions::max_folded_elements and max_folded_flops.
  int64_t max_folded_elements = int64_t{1} << 28;
  int64_t max_folded_flops = int64_t{1} << 36;
  std::vector<std::pair<int, std::shared_ptr<const HostTensor>>> fold_inputs;
};

// Everything a lowering or evaluator sees of one ONNX node.
class NodeContext {
 public:
  NodeContext(const onnx::NodeProto& node, std::string name, int64_t opset, Emitter* emitter,
              std::vector<Value> inputs,
              const std::function<const onnx::NodeProto*(const std::string&)>* producer,
              const std::function<bool(const std::string&)>* consumed);

  const onnx::NodeProto& node() const { return node_; }
  const std::string& op_type() const;
  const std::string& name() const { return name_; }
  int64_t opset() const { return opset_; }
  Emitter* emitter() const { return emitter_; }
  bool folding() const { return emitter_->folding; }

  // --- attributes ----------------------------------------------------------
  const onnx::AttributeProto* Attr(const char* name) const;
  bool HasAttr(const char* name) const { return Attr(name) != nullptr; }
  int64_t AttrInt(const char* name, int64_t def) const;
  float AttrFloat(const char* name, float def) const;
  std::string AttrString(const char* name, const std::string& def) const;
  std::vector<int64_t> AttrInts(const char* name) const;  // empty when absent
  std::vector<float> AttrFloats(const char* name) const;

  // --- inputs --------------------------------------------------------------
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  bool Has(int i) const;  // present (not absent or an empty name)
  const std::string& InputName(int i) const;
  const Value& In(int i) const { return inputs_[i]; }
  bool IsHost(int i) const { return Has(i) && inputs_[i].is_host(); }
  const HostTensor& Host(int i) const { return *inputs_[i].host; }
  // The input's host value, or kUnsupported naming `what` when it is only
  // known at run time (e.g. a Reshape target computed from data).
  Status RequireHost(int i, const std::string& what, const HostTensor** out) const;
  // Shape of a present input (host dims or the seam tensor's shape).
  std::vector<int64_t> Dims(int i) const;
  int Rank(int i) const { return static_cast<int>(Dims(i).size()); }
  // The input as a seam tensor (host values become constants).
  Status Tensor(int i, int* out);
  // ONNX node producing tensor `name`, or nullptr.
  const onnx::NodeProto* Producer(const std::string& name) const { return (*producer_)(name); }

  // --- outputs -------------------------------------------------------------
  int num_outputs() const;
  bool HasOutput(int i) const;
  const std::string& OutputName(int i) const;
  // True when some node or the graph output reads output i.
  bool OutputUsed(int i) const;
  void SetTensor(int i, int tensor);
  void SetHost(int i, HostTensor t);
  void SetValue(int i, Value v);
  void Alias(int out, int in) { SetValue(out, inputs_[in]); }
  const std::vector<Value>& outputs() const { return outputs_; }

  // --- emitting seam nodes ---------------------------------------------------
  // Adds a seam node named after this ONNX node (plus "/suffix" for helper
  // nodes) and returns its first output tensor.
  Status Emit(OpType op, const std::string& suffix, const std::vector<int>& inputs, NodeAttrs attrs,
              int* out, int num_outputs = 1);
  Status Constant(const std::string& suffix, const std::vector<int64_t>& dims,
                  std::vector<float> values, int* out);
  Status Reshape(const std::string& suffix, int x, const std::vector<int64_t>& dims, int* out);
  Shape ShapeOf(int tensor) const { return emitter_->builder->shape(tensor); }

  // --- errors --------------------------------------------------------------
  Status NotSupported(const std::string& what) const { return Unsupported(what); }
  Status Invalid(const std::string& what) const;

 private:
  const onnx::NodeProto& node_;
  std::string name_;
  int64_t opset_;
  Emitter* emitter_;
  std::vector<Value> inputs_;
  std::vector<Value> outputs_;
  const std::function<const onnx::NodeProto*(const std::string&)>* producer_;
  const std::function<bool(const std::string&)>* consumed_;
};

// Turns a host value into a seam constant (or, when folding, a fed input),
// once per HostTensor so that shared weights stay shared.
Status MaterializeConstant(Emitter* emitter, const std::string& name,
                           const std::shared_ptr<const HostTensor>& host, int* out);

using NodeFn = Status (*)(NodeContext& ctx);

// Ops lowered to seam nodes (lower_ops.cc). Null when unknown.
NodeFn FindLowering(const std::string& op_type);
// Ops evaluated at conversion time when their inputs are known (host_eval.cc).
NodeFn FindHostEval(const std::string& op_type);
// Ops whose host evaluator runs even on seam tensors (Shape, Size: the
// shape is static).
bool HostEvalAcceptsTensors(const std::string& op_type);

// Helpers shared by the evaluators and the lowerings (host_eval.cc).
Status SqueezeDims(NodeContext& ctx, const std::vector<int64_t>& in, std::vector<int64_t>* out);
Status UnsqueezeDims(NodeContext& ctx, const std::vector<int64_t>& in, std::vector<int64_t>* out);
// Slice bounds per axis of `dims`, clamped as ONNX specifies.
Status SliceParams(NodeContext& ctx, const std::vector<int64_t>& dims, std::vector<int64_t>* starts,
                   std::vector<int64_t>* ends, std::vector<int64_t>* steps);
// The Reshape target with 0 (copy, unless allowzero) and -1 (infer) resolved.
Status ResolveReshape(NodeContext& ctx, const std::vector<int64_t>& in, std::vector<int64_t> target,
                      bool allowzero, std::vector<int64_t>* out);
NodeFn IdentityLowering();
NodeFn DropoutLowering();

// Numpy-style broadcast of two shapes; false when they do not broadcast.
bool BroadcastDims(const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                   std::vector<int64_t>* out);
// Normalises an ONNX axis in [-rank, rank) to [0, rank).
bool NormalizeAxis(int64_t axis, int64_t rank, int64_t* out);

// --- graph rewrites (rewrite.cc) --------------------------------------------

// The graph between lowering and the final model: mutable, with the ONNX
// provenance the rewrites and the final naming need.
struct WorkGraph {
  Graph g;
  std::vector<std::string> onnx_names;  // per tensor; "" when invented by the converter
  std::vector<std::string> merged;      // per node: ONNX nodes folded into it ("a, b")
  std::deque<std::vector<float>>* weights = nullptr;

  int AddConstant(const std::string& name, const Shape& shape, std::vector<float> values,
                  const std::string& onnx_name);
};

// Runs the rewrites (Pad→Conv, BatchNorm→Conv/FC, bias Add→Conv/FC,
// activation fusion, dead-node removal), renames tensors and renumbers nodes.
Status RewriteAndFinalize(WorkGraph* wg, bool keep_names, ImportStats* stats);

}  // namespace seam::onnx_import
