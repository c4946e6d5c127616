// The ONNX importer's driver: parse, fix input shapes, walk the nodes in
// topological order (evaluating what is known at conversion time, lowering
// the rest), collect every unsupported node, then hand the graph to the
// rewrites in rewrite.cc.
#include "tools/convert/importer.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <queue>
#include <unordered_set>

#include "onnx/onnx_pb.h"
#include "seam/model.h"
#include "seam/session.h"

namespace seam::onnx_import {

// Opsets this converter knows the operator semantics of. Newer opsets may
// change an operator in ways the lowerings cannot see, so they are refused.
constexpr int64_t kMinOpset = 7;
constexpr int64_t kMaxOpset = 18;

// ---------------------------------------------------------------------------
// Small shared helpers.

std::string NameRegistry::Unique(const std::string& wanted) {
  const std::string base = wanted.empty() ? std::string("node") : wanted;
  if (used_.insert(base).second) return base;
  for (int k = 1;; ++k) {
    std::string candidate = base + "_" + std::to_string(k);
    if (used_.insert(candidate).second) return candidate;
  }
}

bool BroadcastDims(const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                   std::vector<int64_t>* out) {
  const size_t rank = std::max(a.size(), b.size());
  out->assign(rank, 1);
  for (size_t k = 0; k < rank; ++k) {
    const int64_t da = k < rank - a.size() ? 1 : a[k - (rank - a.size())];
    const int64_t db = k < rank - b.size() ? 1 : b[k - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return false;
    (*out)[k] = da == 1 ? db : da;
  }
  return true;
}

bool NormalizeAxis(int64_t axis, int64_t rank, int64_t* out) {
  if (axis < -rank || axis >= rank) return false;
  *out = axis < 0 ? axis + rank : axis;
  return true;
}

Status MaterializeConstant(Emitter* emitter, const std::string& name,
                           const std::shared_ptr<const HostTensor>& host, int* out) {
  auto cached = emitter->constants.find(host.get());
  if (cached != emitter->constants.end()) {
    *out = cached->second;
    return Status::Ok();
  }
  const HostTensor& h = *host;
  // seam has no rank-0 tensors; a scalar broadcasts the same as [1].
  std::vector<int64_t> dims = h.dims.empty() ? std::vector<int64_t>{1} : h.dims;
  Shape shape;
  SEAM_RETURN_IF_ERROR(ToSeamShape(dims, "constant '" + name + "'", &shape));
  GraphBuilder* b = emitter->builder;
  int t;
  if (emitter->folding) {
    t = b->Input("fold_input_" + std::to_string(emitter->fold_inputs.size()), shape);
    emitter->fold_inputs.emplace_back(t, host);
  } else {
    std::vector<float> values(static_cast<size_t>(h.NumElements()));
    for (size_t k = 0; k < values.size(); ++k) {
      values[k] = static_cast<float>(h.GetDouble(static_cast<int64_t>(k)));
    }
    t = b->Constant(name, shape, std::move(values));
    if (t >= 0) emitter->onnx_names.emplace(t, name);
  }
  if (t < 0) return InvalidModel(b->status().message());
  emitter->constants.emplace(host.get(), t);
  *out = t;
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// NodeContext.

NodeContext::NodeContext(const onnx::NodeProto& node, std::string name, int64_t opset,
                         Emitter* emitter, std::vector<Value> inputs,
                         const std::function<const onnx::NodeProto*(const std::string&)>* producer,
                         const std::function<bool(const std::string&)>* consumed)
    : node_(node),
      name_(std::move(name)),
      opset_(opset),
      emitter_(emitter),
      inputs_(std::move(inputs)),
      outputs_(static_cast<size_t>(node.output_size())),
      producer_(producer),
      consumed_(consumed) {}

const std::string& NodeContext::op_type() const { return node_.op_type(); }

const onnx::AttributeProto* NodeContext::Attr(const char* name) const {
  for (const onnx::AttributeProto& a : node_.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

int64_t NodeContext::AttrInt(const char* name, int64_t def) const {
  const onnx::AttributeProto* a = Attr(name);
  return a ? a->i() : def;
}

float NodeContext::AttrFloat(const char* name, float def) const {
  const onnx::AttributeProto* a = Attr(name);
  return a ? a->f() : def;
}

std::string NodeContext::AttrString(const char* name, const std::string& def) const {
  const onnx::AttributeProto* a = Attr(name);
  return a ? a->s() : def;
}

std::vector<int64_t> NodeContext::AttrInts(const char* name) const {
  const onnx::AttributeProto* a = Attr(name);
  if (a == nullptr) return {};
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::vector<float> NodeContext::AttrFloats(const char* name) const {
  const onnx::AttributeProto* a = Attr(name);
  if (a == nullptr) return {};
  return std::vector<float>(a->floats().begin(), a->floats().end());
}

bool NodeContext::Has(int i) const {
  return i >= 0 && i < num_inputs() && !node_.input(i).empty() &&
         inputs_[i].kind != Value::Kind::kUnset;
}

const std::string& NodeContext::InputName(int i) const { return node_.input(i); }

Status NodeContext::RequireHost(int i, const std::string& what, const HostTensor** out) const {
  if (!Has(i)) return Invalid(what + " (input " + std::to_string(i) + ") is missing");
  if (!inputs_[i].is_host()) {
    return Unsupported(what + " '" + InputName(i) +
                       "' is computed at run time; seam needs it to be a constant");
  }
  *out = inputs_[i].host.get();
  return Status::Ok();
}

std::vector<int64_t> NodeContext::Dims(int i) const {
  const Value& v = inputs_[i];
  if (v.is_host()) return v.host->dims;
  return ToDims(emitter_->builder->shape(v.tensor));
}

Status NodeContext::Tensor(int i, int* out) {
  const Value& v = inputs_[i];
  if (v.is_tensor()) {
    *out = v.tensor;
    return Status::Ok();
  }
  if (!v.is_host()) return Invalid("input " + std::to_string(i) + " is missing");
  return MaterializeConstant(emitter_, InputName(i), v.host, out);
}

int NodeContext::num_outputs() const { return node_.output_size(); }

bool NodeContext::HasOutput(int i) const {
  return i >= 0 && i < node_.output_size() && !node_.output(i).empty();
}

const std::string& NodeContext::OutputName(int i) const { return node_.output(i); }

bool NodeContext::OutputUsed(int i) const { return HasOutput(i) && (*consumed_)(node_.output(i)); }

void NodeContext::SetTensor(int i, int tensor) { SetValue(i, Value::Tensor(tensor)); }

void NodeContext::SetHost(int i, HostTensor t) { SetValue(i, Value::Host(std::move(t))); }

void NodeContext::SetValue(int i, Value v) {
  if (i >= 0 && i < static_cast<int>(outputs_.size())) outputs_[i] = std::move(v);
}

Status NodeContext::Emit(OpType op, const std::string& suffix, const std::vector<int>& inputs,
                         NodeAttrs attrs, int* out, int num_outputs) {
  const std::string node_name =
      suffix.empty() ? name_ : emitter_->names->Unique(name_ + "/" + suffix);
  GraphBuilder* b = emitter_->builder;
  const int t = b->AddNode(op, node_name, inputs, std::move(attrs), num_outputs);
  if (t < 0)
    return Invalid("lowering to seam " + std::string(OpTypeName(op)) +
                   " failed: " + b->status().message());
  *out = t;
  return Status::Ok();
}

Status NodeContext::Constant(const std::string& suffix, const std::vector<int64_t>& dims,
                             std::vector<float> values, int* out) {
  Shape shape;
  SEAM_RETURN_IF_ERROR(ToSeamShape(dims.empty() ? std::vector<int64_t>{1} : dims,
                                   "constant '" + name_ + "/" + suffix + "'", &shape));
  GraphBuilder* b = emitter_->builder;
  const int t = b->Constant(name_ + "/" + suffix, shape, std::move(values));
  if (t < 0) return Invalid(b->status().message());
  *out = t;
  return Status::Ok();
}

Status NodeContext::Reshape(const std::string& suffix, int x, const std::vector<int64_t>& dims,
                            int* out) {
  return Emit(OpType::kReshape, suffix, {x}, ReshapeAttrs{dims}, out);
}

Status NodeContext::Invalid(const std::string& what) const { return InvalidModel(what); }

// ---------------------------------------------------------------------------
// The driver.

namespace {

struct UnsupportedNode {
  std::string name, op_type, domain;
  int64_t opset;
  std::string reason;
};

bool IsDefaultDomain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

class Importer {
 public:
  Importer(onnx::ModelProto* model, std::string base_dir, std::string what,
           const ImportOptions& options, ImportResult* out)
      : model_(model),
        graph_(model->graph()),
        ext_{std::move(base_dir)},
        what_(std::move(what)),
        options_(options),
        out_(out) {}

  Status Run();

 private:
  Status ReadOpsets();
  Status LoadInitializers();
  Status AddInputs();
  Status SortNodes();
  void IndexDeclaredShapes();
  Status ConvertNode(int index);
  Status FoldWithSeam(const onnx::NodeProto& node, NodeFn lower, const std::string& name,
                      int64_t opset, const std::vector<Value>& inputs, std::vector<Value>* outputs,
                      bool* unsupported, std::string* reason);
  Status Bind(const onnx::NodeProto& node, const std::string& name,
              const std::vector<Value>& outputs);
  Status CheckDeclaredShape(const std::string& tensor, const std::vector<int64_t>& dims) const;
  Status AddGraphOutputs();
  Status ReportUnsupported() const;
  void MarkBroken(const onnx::NodeProto& node);
  void AddUnsupported(const onnx::NodeProto& node, int index, std::string reason);
  Status NodeError(int index, const Status& s) const;
  int64_t DomainOpset(const std::string& domain) const;

  onnx::ModelProto* model_;
  const onnx::GraphProto& graph_;
  ExternalDataContext ext_;
  std::string what_;
  const ImportOptions& options_;
  ImportResult* out_;

  std::map<std::string, int64_t> opsets_;  // domain ("" for ai.onnx) -> version
  int64_t opset_ = 0;
  std::unordered_map<std::string, Value> values_;
  std::unordered_set<std::string> initializer_names_;
  std::unordered_map<std::string, const onnx::NodeProto*> producers_;
  std::unordered_set<std::string> consumed_;
  std::unordered_map<std::string, std::vector<int64_t>> declared_;  // -1 = unknown dim
  std::vector<int> order_;                                          // node indices, topological
  std::vector<bool> live_;               // per node: some graph output depends on it
  std::vector<std::string> node_names_;  // unique seam name per ONNX node index
  NameRegistry names_;
  Emitter emitter_;
  std::vector<UnsupportedNode> unsupported_;
  std::function<const onnx::NodeProto*(const std::string&)> producer_fn_;
  std::function<bool(const std::string&)> consumed_fn_;
};

Status Importer::Run() {
  if (model_->ir_version() <= 0) {
    return InvalidModel(what_ + " is not an ONNX model (no ir_version)");
  }
  if (!model_->has_graph()) return InvalidModel(what_ + " is not an ONNX model (no graph)");
  SEAM_RETURN_IF_ERROR(ReadOpsets());
  out_->stats.ir_version = model_->ir_version();
  out_->stats.opset = opset_;
  out_->stats.producer =
      model_->producer_name() +
      (model_->producer_version().empty() ? "" : " " + model_->producer_version());
  out_->stats.onnx_nodes = graph_.node_size();
  if (graph_.output_size() == 0) return InvalidModel(what_ + ": the graph has no outputs");

  out_->builder = std::make_unique<GraphBuilder>();
  emitter_.builder = out_->builder.get();
  emitter_.max_folded_elements = options_.max_folded_elements;
  emitter_.max_folded_flops = options_.max_folded_flops;
  emitter_.names = &names_;
  producer_fn_ = [this](const std::string& n) -> const onnx::NodeProto* {
    auto it = producers_.find(n);
    return it == producers_.end() ? nullptr : it->second;
  };
  consumed_fn_ = [this](const std::string& n) { return consumed_.count(n) != 0; };

  SEAM_RETURN_IF_ERROR(LoadInitializers());
  SEAM_RETURN_IF_ERROR(AddInputs());
  SEAM_RETURN_IF_ERROR(SortNodes());
  IndexDeclaredShapes();
  for (int index : order_) SEAM_RETURN_IF_ERROR(ConvertNode(index));
  SEAM_RETURN_IF_ERROR(ReportUnsupported());
  SEAM_RETURN_IF_ERROR(AddGraphOutputs());
  SEAM_RETURN_IF_ERROR(out_->builder->status());
  // Host values (decoded initializers) are all in the builder by now.
  emitter_.constants.clear();
  values_.clear();

  WorkGraph wg;
  wg.g = out_->builder->graph();
  wg.weights = &out_->weights;
  wg.onnx_names.assign(wg.g.tensors.size(), std::string());
  for (const auto& kv : emitter_.onnx_names) wg.onnx_names[kv.first] = kv.second;
  wg.merged.assign(wg.g.nodes.size(), std::string());
  for (size_t k = 0; k < wg.g.outputs.size(); ++k) {
    wg.onnx_names[wg.g.outputs[k]] = graph_.output(static_cast<int>(k)).name();
  }
  wg.g.producer = "seam convert";
  wg.g.description = model_->doc_string().empty() ? graph_.doc_string() : model_->doc_string();
  wg.g.metadata.emplace_back("onnx.producer", out_->stats.producer);
  wg.g.metadata.emplace_back("onnx.opset", std::to_string(opset_));
  wg.g.metadata.emplace_back("onnx.ir_version", std::to_string(model_->ir_version()));
  if (!graph_.name().empty()) wg.g.metadata.emplace_back("onnx.graph_name", graph_.name());
  for (const auto& kv : model_->metadata_props()) {
    wg.g.metadata.emplace_back("onnx.meta." + kv.key(), kv.value());
  }
  Status s = RewriteAndFinalize(&wg, options_.keep_names, &out_->stats);
  if (!s.ok()) return Status(s.code(), what_ + ": " + s.message());
  out_->graph = std::move(wg.g);
  out_->stats.seam_nodes = static_cast<int>(out_->graph.nodes.size());
  return Status::Ok();
}

int64_t Importer::DomainOpset(const std::string& domain) const {
  auto it = opsets_.find(IsDefaultDomain(domain) ? std::string() : domain);
  return it == opsets_.end() ? 0 : it->second;
}

Status Importer::ReadOpsets() {
  for (const onnx::OperatorSetIdProto& op : model_->opset_import()) {
    opsets_[IsDefaultDomain(op.domain()) ? std::string() : op.domain()] = op.version();
  }
  auto it = opsets_.find("");
  if (it == opsets_.end()) {
    return InvalidModel(what_ + " does not import the default ONNX operator set (opset_import " +
                        "is missing: a truncated or incomplete model?)");
  }
  opset_ = it->second;
  if (opset_ < kMinOpset || opset_ > kMaxOpset) {
    return Unsupported(what_ + " uses ONNX opset " + std::to_string(opset_) +
                       "; seam convert supports opsets " + std::to_string(kMinOpset) + "–" +
                       std::to_string(kMaxOpset));
  }
  return Status::Ok();
}

Status Importer::LoadInitializers() {
  if (graph_.sparse_initializer_size() > 0) {
    return Unsupported(what_ + ": sparse initializers ('" +
                       graph_.sparse_initializer(0).values().name() + "', ...) are not supported");
  }
  onnx::GraphProto* g = model_->mutable_graph();
  for (int k = 0; k < g->initializer_size(); ++k) {
    onnx::TensorProto* proto = g->mutable_initializer(k);
    HostTensor t;
    Status s = DecodeTensorProto(*proto, ext_, "initializer '" + proto->name() + "'", &t);
    if (!s.ok()) return Status(s.code(), what_ + ": " + s.message());
    // The decoded copy is all that is used from here on; drop the protobuf's
    // bytes so a large model is not held in memory twice.
    proto->clear_raw_data();
    proto->clear_float_data();
    initializer_names_.insert(proto->name());
    values_[proto->name()] = Value::Host(std::move(t));
  }
  return Status::Ok();
}

std::string DescribeDims(const onnx::TensorShapeProto& shape) {
  std::string s = "[";
  for (int k = 0; k < shape.dim_size(); ++k) {
    const auto& d = shape.dim(k);
    s += k ? "," : "";
    if (d.has_dim_value() && d.dim_value() > 0) {
      s += std::to_string(d.dim_value());
    } else {
      s += d.has_dim_param() && !d.dim_param().empty() ? d.dim_param() : "?";
    }
  }
  return s + "]";
}

Status Importer::AddInputs() {
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const onnx::ValueInfoProto& in : graph_.input()) {
    // Up to IR version 3 initializers are listed as inputs too; they are weights.
    if (initializer_names_.count(in.name()) == 0) inputs.push_back(&in);
  }
  std::string input_list;
  for (const auto* in : inputs) input_list += (input_list.empty() ? "" : ", ") + in->name();
  for (const auto& kv : options_.input_shapes) {
    bool found = false;
    for (const auto* in : inputs) found = found || in->name() == kv.first;
    if (!found) {
      return InvalidArgument(what_ + ": --input-shape names '" + kv.first +
                             "', which is not a graph input (inputs: " + input_list + ")");
    }
  }
  if (inputs.empty()) return InvalidModel(what_ + ": the graph has no inputs");
  for (const auto* in : inputs) {
    const std::string& name = in->name();
    if (!in->type().has_tensor_type()) {
      return Unsupported(what_ + ": input '" + name + "' is not a tensor");
    }
    const auto& tt = in->type().tensor_type();
    if (tt.elem_type() != kOnnxFloat) {
      return Unsupported(what_ + ": input '" + name + "' has element type " +
                         OnnxTypeName(tt.elem_type()) + "; seam models take float32 inputs");
    }
    std::vector<int64_t> dims;
    bool dynamic = !tt.has_shape();
    if (tt.has_shape()) {
      for (const auto& d : tt.shape().dim()) {
        const bool fixed = d.has_dim_value() && d.dim_value() > 0;
        dynamic = dynamic || !fixed;
        dims.push_back(fixed ? d.dim_value() : -1);
      }
    }
    const std::string declared = tt.has_shape() ? DescribeDims(tt.shape()) : "unknown";
    auto given = options_.input_shapes.find(name);
    if (given != options_.input_shapes.end()) {
      const std::vector<int64_t>& want = given->second;
      if (tt.has_shape() && want.size() != dims.size()) {
        return InvalidArgument(what_ + ": --input-shape " + name + "=" + DimsToString(want) +
                               " has rank " + std::to_string(want.size()) +
                               ", the model declares " + declared);
      }
      for (size_t k = 0; k < want.size(); ++k) {
        if (want[k] <= 0) {
          return InvalidArgument(what_ + ": --input-shape for '" + name + "' has a dimension <= 0");
        }
        if (k < dims.size() && dims[k] > 0 && dims[k] != want[k]) {
          return InvalidArgument(what_ + ": --input-shape " + name + "=" + DimsToString(want) +
                                 " conflicts with the model's fixed shape " + declared +
                                 " (only dynamic dimensions can be set)");
        }
      }
      dims = want;
    } else if (dynamic) {
      std::string example;
      for (int64_t d : dims)
        example += (example.empty() ? "" : ",") + std::to_string(d > 0 ? d : 1);
      if (example.empty()) example = "1,3,224,224";
      return InvalidArgument(what_ + ": input '" + name + "' has dynamic shape " + declared +
                             "; give it a static shape with --input-shape " + name + "=" + example);
    }
    Shape shape;
    Status s = ToSeamShape(dims, "input '" + name + "'", &shape);
    if (!s.ok()) return Status(s.code(), what_ + ": " + s.message());
    const int t = out_->builder->Input(name, shape);
    values_[name] = Value::Tensor(t);
    emitter_.onnx_names[t] = name;
  }
  return Status::Ok();
}

Status Importer::SortNodes() {
  const int n = graph_.node_size();
  std::unordered_map<std::string, int> producer_index;
  for (int k = 0; k < n; ++k) {
    const onnx::NodeProto& node = graph_.node(k);
    for (const std::string& out : node.output()) {
      if (out.empty()) continue;
      if (values_.count(out) || !producer_index.emplace(out, k).second) {
        return InvalidModel(what_ + ": tensor '" + out + "' is defined more than once");
      }
      producers_[out] = &node;
    }
    for (const std::string& in : node.input()) {
      if (!in.empty()) consumed_.insert(in);
    }
  }
  for (const onnx::ValueInfoProto& o : graph_.output()) consumed_.insert(o.name());
  // Kahn's algorithm, preferring the file order (exporters already write a
  // topological order; this only repairs files that do not).
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> users(n);
  for (int k = 0; k < n; ++k) {
    const onnx::NodeProto& node = graph_.node(k);
    for (const std::string& in : node.input()) {
      if (in.empty() || values_.count(in)) continue;
      auto it = producer_index.find(in);
      if (it == producer_index.end()) {
        return InvalidModel(what_ + ": node '" + node.name() + "' (" + node.op_type() +
                            ") reads tensor '" + in +
                            "', which no node, initializer or graph input provides");
      }
      ++pending[k];
      users[it->second].push_back(k);
    }
  }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int k = 0; k < n; ++k) {
    if (pending[k] == 0) ready.push(k);
  }
  while (!ready.empty()) {
    const int k = ready.top();
    ready.pop();
    order_.push_back(k);
    for (int u : users[k]) {
      if (--pending[u] == 0) ready.push(u);
    }
  }
  if (static_cast<int>(order_.size()) != n) {
    for (int k = 0; k < n; ++k) {
      if (pending[k] > 0) {
        return InvalidModel(what_ + ": the graph has a cycle through node '" +
                            graph_.node(k).name() + "'");
      }
    }
  }
  // Nodes no graph output depends on are skipped: an unused branch should
  // not make a model unconvertible.
  live_.assign(n, false);
  std::vector<std::string> work;
  std::unordered_set<std::string> needed;
  for (const onnx::ValueInfoProto& o : graph_.output()) {
    if (needed.insert(o.name()).second) work.push_back(o.name());
  }
  while (!work.empty()) {
    const std::string t = work.back();
    work.pop_back();
    auto it = producer_index.find(t);
    if (it == producer_index.end() || live_[it->second]) continue;
    live_[it->second] = true;
    for (const std::string& in : graph_.node(it->second).input()) {
      if (!in.empty() && needed.insert(in).second) work.push_back(in);
    }
  }
  // Node names: the ONNX names (unique), reserved before any helper node
  // takes a name.
  node_names_.assign(n, std::string());
  for (int k : order_) {
    const onnx::NodeProto& node = graph_.node(k);
    std::string wanted = node.name();
    for (int o = 0; wanted.empty() && o < node.output_size(); ++o) wanted = node.output(o);
    if (wanted.empty()) wanted = node.op_type();
    node_names_[k] = names_.Unique(wanted);
  }
  return Status::Ok();
}

void Importer::IndexDeclaredShapes() {
  auto add = [this](const onnx::ValueInfoProto& vi) {
    if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) return;
    std::vector<int64_t> dims;
    for (const auto& d : vi.type().tensor_type().shape().dim()) {
      dims.push_back(d.has_dim_value() && d.dim_value() > 0 ? d.dim_value() : -1);
    }
    declared_[vi.name()] = std::move(dims);
  };
  for (const auto& vi : graph_.value_info()) add(vi);
  for (const auto& vi : graph_.output()) add(vi);
}

Status Importer::CheckDeclaredShape(const std::string& tensor,
                                    const std::vector<int64_t>& dims) const {
  auto it = declared_.find(tensor);
  if (it == declared_.end()) return Status::Ok();
  const std::vector<int64_t>& want = it->second;
  bool same = want.size() == dims.size();
  for (size_t k = 0; same && k < dims.size(); ++k) same = want[k] < 0 || want[k] == dims[k];
  if (same) return Status::Ok();
  std::string declared = "[";
  for (size_t k = 0; k < want.size(); ++k) {
    declared += (k ? "," : "") + (want[k] < 0 ? std::string("?") : std::to_string(want[k]));
  }
  return InvalidModel("tensor '" + tensor + "': the model declares shape " + declared +
                      "], the converted graph computes " + DimsToString(dims) +
                      " (the two disagree on this operator's semantics)");
}

void Importer::MarkBroken(const onnx::NodeProto& node) {
  for (const std::string& out : node.output()) {
    if (!out.empty()) values_[out].kind = Value::Kind::kBroken;
  }
}

void Importer::AddUnsupported(const onnx::NodeProto& node, int index, std::string reason) {
  unsupported_.push_back(UnsupportedNode{node_names_[index], node.op_type(),
                                         IsDefaultDomain(node.domain()) ? "ai.onnx" : node.domain(),
                                         DomainOpset(node.domain()), std::move(reason)});
  MarkBroken(node);
}

Status Importer::NodeError(int index, const Status& s) const {
  const onnx::NodeProto& node = graph_.node(index);
  return Status(s.code(), what_ + ": node '" + node_names_[index] + "' (" + node.op_type() +
                              "): " + s.message());
}

Status Importer::ConvertNode(int index) {
  const onnx::NodeProto& node = graph_.node(index);
  const std::string& op = node.op_type();
  if (!live_[index]) {
    ++out_->stats.dropped_nodes;
    return Status::Ok();
  }
  if (!IsDefaultDomain(node.domain())) {
    AddUnsupported(node, index, "operators of domain '" + node.domain() + "' are not supported");
    return Status::Ok();
  }
  const NodeFn lower = FindLowering(op);
  const NodeFn host = FindHostEval(op);
  if (lower == nullptr && host == nullptr) {
    AddUnsupported(node, index, "operator not supported");
    return Status::Ok();
  }
  std::vector<Value> inputs;
  bool all_host = true;
  for (const std::string& in : node.input()) {
    if (in.empty()) {
      inputs.emplace_back();
      continue;
    }
    const Value& v = values_.at(in);
    if (v.kind == Value::Kind::kBroken) {
      MarkBroken(node);  // its support cannot be judged without its inputs
      return Status::Ok();
    }
    all_host = all_host && v.is_host();
    inputs.push_back(v);
  }

  const std::string& name = node_names_[index];
  if (host != nullptr && (all_host || HostEvalAcceptsTensors(op))) {
    NodeContext ctx(node, name, opset_, &emitter_, inputs, &producer_fn_, &consumed_fn_);
    Status s = host(ctx);
    if (s.code() == StatusCode::kUnsupported) {
      AddUnsupported(node, index, s.message());
      return Status::Ok();
    }
    if (!s.ok()) return NodeError(index, s);
    ++out_->stats.folded_constant_nodes;
    s = Bind(node, name, ctx.outputs());
    return s.ok() ? s : NodeError(index, s);
  }
  if (lower == nullptr) {
    AddUnsupported(node, index,
                   op + " is only supported on values known at conversion time (constants and "
                        "shapes), not on tensors computed at run time");
    return Status::Ok();
  }
  bool any_input = false;
  for (const Value& v : inputs) any_input = any_input || v.is_host();
  if (all_host && any_input) {
    std::vector<Value> outputs;
    bool unsupported = false;
    std::string reason;
    Status s = FoldWithSeam(node, lower, name, opset_, inputs, &outputs, &unsupported, &reason);
    if (unsupported) {
      AddUnsupported(node, index, reason);
      return Status::Ok();
    }
    if (!s.ok()) return NodeError(index, s);
    ++out_->stats.folded_constant_nodes;
    s = Bind(node, name, outputs);
    return s.ok() ? s : NodeError(index, s);
  }
  const size_t nodes_before = out_->builder->graph().nodes.size();
  NodeContext ctx(node, name, opset_, &emitter_, inputs, &producer_fn_, &consumed_fn_);
  Status s = lower(ctx);
  if (s.code() == StatusCode::kUnsupported) {
    AddUnsupported(node, index, s.message());
    return Status::Ok();
  }
  if (!s.ok()) return NodeError(index, s);
  if (out_->builder->graph().nodes.size() == nodes_before) ++out_->stats.dropped_nodes;
  s = Bind(node, name, ctx.outputs());
  if (!s.ok()) return NodeError(index, s);
  return Status::Ok();
}

Status Importer::Bind(const onnx::NodeProto& node, const std::string& /*name*/,
                      const std::vector<Value>& outputs) {
  for (int o = 0; o < node.output_size(); ++o) {
    const std::string& out = node.output(o);
    if (out.empty()) continue;
    const Value& v = outputs[o];
    if (v.kind == Value::Kind::kUnset) {
      // An optional output the lowering does not produce: fine unless read.
      if (consumed_.count(out)) {
        return Unsupported("output " + std::to_string(o) + " ('" + out +
                           "') is used but seam does not compute it");
      }
      values_[out].kind = Value::Kind::kBroken;
      continue;
    }
    std::vector<int64_t> dims = v.is_host() ? v.host->dims : ToDims(out_->builder->shape(v.tensor));
    SEAM_RETURN_IF_ERROR(CheckDeclaredShape(out, dims));
    if (v.is_tensor()) emitter_.onnx_names.emplace(v.tensor, out);
    values_[out] = v;
  }
  return Status::Ok();
}

Status Importer::FoldWithSeam(const onnx::NodeProto& node, NodeFn lower, const std::string& name,
                              int64_t opset, const std::vector<Value>& inputs,
                              std::vector<Value>* outputs, bool* unsupported, std::string* reason) {
  // The node's inputs are all known, so run seam's own kernels on them now:
  // the folded constants then equal what the runtime would have computed.
  GraphBuilder fb;
  NameRegistry fnames;
  fnames.Unique(name);
  Emitter fe;
  fe.builder = &fb;
  fe.names = &fnames;
  fe.folding = true;
  fe.max_folded_elements = emitter_.max_folded_elements;
  fe.max_folded_flops = emitter_.max_folded_flops;
  NodeContext ctx(node, name, opset, &fe, inputs, &producer_fn_, &consumed_fn_);
  Status s = lower(ctx);
  if (s.code() == StatusCode::kUnsupported) {
    *unsupported = true;
    *reason = s.message();
    return Status::Ok();
  }
  SEAM_RETURN_IF_ERROR(s);
  *outputs = ctx.outputs();
  std::map<int, std::shared_ptr<const HostTensor>> fed(fe.fold_inputs.begin(),
                                                       fe.fold_inputs.end());
  std::vector<int> run_outputs;
  for (const Value& v : *outputs) {
    if (v.is_tensor() && !fed.count(v.tensor) &&
        std::find(run_outputs.begin(), run_outputs.end(), v.tensor) == run_outputs.end()) {
      run_outputs.push_back(v.tensor);
      fb.Output(v.tensor);
    }
  }
  // Lowering inferred the outputs' shapes; refuse a fold too large to run.
  for (int t : run_outputs) {
    SEAM_RETURN_IF_ERROR(
        CheckHostDims(ToDims(fb.shape(t)), fe.max_folded_elements, "folding node '" + name + "'"));
  }
  std::map<int, std::vector<float>> results;
  if (!run_outputs.empty()) {
    if (fb.graph().inputs.empty()) fb.Input("fold_dummy", Shape{1});
    SEAM_RETURN_IF_ERROR(fb.Finish());
    const int64_t flops = GraphFlops(fb.graph());
    if (flops > fe.max_folded_flops) {
      return InvalidArgument("folding node '" + name + "' would take " + std::to_string(flops) +
                             " FLOPs at conversion time, more than the limit of " +
                             std::to_string(fe.max_folded_flops));
    }
    std::unique_ptr<Session> session;
    SEAM_RETURN_IF_ERROR(Session::Create(fb.graph(), SessionOptions{}, &session));
    const Graph& g = fb.graph();
    std::vector<std::vector<float>> in_data(g.inputs.size());
    std::vector<ConstTensorView> in_views;
    for (size_t k = 0; k < g.inputs.size(); ++k) {
      const int t = g.inputs[k];
      auto it = fed.find(t);
      in_data[k].assign(static_cast<size_t>(g.tensors[t].shape.NumElements()), 0.0f);
      if (it != fed.end()) {
        for (size_t e = 0; e < in_data[k].size(); ++e) {
          in_data[k][e] = static_cast<float>(it->second->GetDouble(static_cast<int64_t>(e)));
        }
      }
      in_views.push_back(ConstTensorView{in_data[k].data(), g.tensors[t].shape});
    }
    std::vector<TensorView> out_views;
    for (int t : run_outputs) {
      results[t].assign(static_cast<size_t>(g.tensors[t].shape.NumElements()), 0.0f);
      out_views.push_back(TensorView{results[t].data(), g.tensors[t].shape});
    }
    SEAM_RETURN_IF_ERROR(session->Run(in_views, out_views));
  }
  for (Value& v : *outputs) {
    if (!v.is_tensor()) continue;
    auto fed_it = fed.find(v.tensor);
    if (fed_it != fed.end()) {
      v = Value{Value::Kind::kHost, fed_it->second, -1};
    } else {
      const std::vector<int64_t> dims = ToDims(fb.shape(v.tensor));
      v = Value::Host(MakeFloatTensor(dims, results[v.tensor]));
    }
  }
  return Status::Ok();
}

Status Importer::ReportUnsupported() const {
  if (unsupported_.empty()) return Status::Ok();
  std::set<std::string> ops;
  for (const auto& u : unsupported_) ops.insert(u.op_type);
  std::string op_list;
  for (const auto& o : ops) op_list += (op_list.empty() ? "" : ", ") + o;
  std::string msg = what_ + ": " + std::to_string(unsupported_.size()) + " node" +
                    (unsupported_.size() == 1 ? "" : "s") +
                    " cannot be converted (operators: " + op_list + "):";
  for (const auto& u : unsupported_) {
    msg += "\n  node '" + u.name + "': " + u.op_type + " (" + u.domain + " opset " +
           std::to_string(u.opset) + "): " + u.reason;
  }
  return Unsupported(msg);
}

Status Importer::AddGraphOutputs() {
  GraphBuilder* b = out_->builder.get();
  std::set<int> used;
  std::set<int> graph_inputs(b->graph().inputs.begin(), b->graph().inputs.end());
  for (const onnx::ValueInfoProto& o : graph_.output()) {
    const std::string& name = o.name();
    auto it = values_.find(name);
    if (it == values_.end() || it->second.kind == Value::Kind::kUnset) {
      return InvalidModel(what_ + ": graph output '" + name + "' is never produced");
    }
    if (o.type().has_tensor_type() && o.type().tensor_type().elem_type() != kOnnxFloat &&
        o.type().tensor_type().elem_type() != kOnnxUndefined) {
      return Unsupported(what_ + ": graph output '" + name + "' has element type " +
                         OnnxTypeName(o.type().tensor_type().elem_type()) +
                         "; seam models produce float32 outputs");
    }
    Value v = it->second;
    if (v.is_host()) {
      if (!v.host->is_float()) {
        return Unsupported(what_ + ": graph output '" + name + "' is an integer tensor");
      }
      // A constant output: materialise it and copy it out with Identity.
      int t;
      Status s = MaterializeConstant(&emitter_, name, v.host, &t);
      if (!s.ok()) return Status(s.code(), what_ + ": " + s.message());
      v = Value::Tensor(t);
      graph_inputs.insert(t);  // forces the Identity below
    }
    int t = v.tensor;
    if (graph_inputs.count(t) || used.count(t)) {
      // seam needs each output produced by its own node.
      t = b->AddNode(OpType::kIdentity, names_.Unique(name), {t});
      if (t < 0) return Status(b->status().code(), what_ + ": " + b->status().message());
    }
    used.insert(t);
    b->Output(t);
  }
  return Status::Ok();
}

Status ImportModelProto(onnx::ModelProto* model, const std::string& base_dir,
                        const std::string& what, const ImportOptions& options, ImportResult* out) {
  *out = ImportResult();
  Importer importer(model, base_dir, what, options, out);
  Status s = importer.Run();
  if (!s.ok()) *out = ImportResult();
  return s;
}

Status ParseModel(const void* data, size_t size, const std::string& what, onnx::ModelProto* model) {
  if (size > static_cast<size_t>(INT_MAX)) {
    return Unsupported(what +
                       " is larger than 2 GiB; protobuf cannot parse it. Export it with "
                       "external data (onnx.save_model(..., save_as_external_data=True))");
  }
  if (size == 0) return InvalidModel(what + " is empty");
  if (!model->ParseFromArray(data, static_cast<int>(size))) {
    return InvalidModel(what +
                        " is not a valid ONNX model: protobuf parsing failed (is the file "
                        "truncated or corrupted, or not ONNX?)");
  }
  return Status::Ok();
}

}  // namespace

Status ImportOnnxBytes(const void* data, size_t size, const std::string& base_dir,
                       const std::string& what, const ImportOptions& options, ImportResult* out) {
  onnx::ModelProto model;
  SEAM_RETURN_IF_ERROR(ParseModel(data, size, what, &model));
  return ImportModelProto(&model, base_dir, what, options, out);
}

Status ImportOnnxFile(const std::string& path, const ImportOptions& options, ImportResult* out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) return InvalidArgument("'" + path + "' is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot open '" + path + "': " + std::strerror(errno));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) return IoError("cannot read '" + path + "'");
  if (static_cast<uint64_t>(size) > static_cast<uint64_t>(INT_MAX)) {
    return Unsupported("'" + path +
                       "' is larger than 2 GiB; protobuf cannot parse it. Export it "
                       "with external data (onnx.save_model(..., save_as_external_data=True))");
  }
  std::string bytes(static_cast<size_t>(size), '\0');
  in.seekg(0);
  in.read(bytes.data(), size);
  if (!in) return IoError("reading '" + path + "' failed");
  fs::path dir = fs::absolute(fs::path(path), ec).parent_path();
  if (ec) return IoError("cannot resolve the directory of '" + path + "'");
  const std::string what = "'" + path + "'";
  onnx::ModelProto model;
  SEAM_RETURN_IF_ERROR(ParseModel(bytes.data(), bytes.size(), what, &model));
  // The file bytes are not needed once parsed; large models would otherwise
  // be held three times over during conversion.
  std::string().swap(bytes);
  return ImportModelProto(&model, dir.string(), what, options, out);
}

Status ParseInputShapeFlag(const std::string& text,
                           std::map<std::string, std::vector<int64_t>>* shapes) {
  const size_t eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    return InvalidArgument("--input-shape '" + text + "' must look like NAME=1,3,224,224");
  }
  const std::string name = text.substr(0, eq);
  std::vector<int64_t> dims;
  size_t pos = eq + 1;
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string part = text.substr(pos, comma - pos);
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos ||
        part.size() > 12) {
      return InvalidArgument("--input-shape '" + text + "': '" + part +
                             "' is not a positive integer dimension");
    }
    const int64_t d = std::stoll(part);
    if (d <= 0) {
      return InvalidArgument("--input-shape '" + text + "': dimensions must be > 0");
    }
    dims.push_back(d);
    pos = comma + 1;
  }
  if (dims.size() > static_cast<size_t>(kMaxRank)) {
    return InvalidArgument("--input-shape '" + text + "': seam tensors have at most " +
                           std::to_string(kMaxRank) + " dimensions");
  }
  if (!shapes->emplace(name, dims).second) {
    return InvalidArgument("--input-shape given twice for '" + name + "'");
  }
  return Status::Ok();
}

}  // namespace seam::onnx_import
