// Graph rewrites after lowering, then the final naming and validation.
//
// Every rewrite keeps the function exactly (up to float rounding in the
// folded weights, computed in double) and only fires when the intermediate
// tensor it removes has one consumer and is not a graph output, so nothing
// a user or a cut could still read disappears.
#include <algorithm>
#include <cmath>
#include <set>

#include "tools/convert/importer.h"

namespace seam::onnx_import {

int WorkGraph::AddConstant(const std::string& name, const Shape& shape, std::vector<float> values,
                           const std::string& onnx_name) {
  weights->push_back(std::move(values));
  const std::vector<float>& stored = weights->back();
  TensorInfo info;
  info.name = name;
  info.shape = shape;
  info.data = reinterpret_cast<const uint8_t*>(stored.data());
  info.data_bytes = stored.size() * sizeof(float);
  g.tensors.push_back(std::move(info));
  onnx_names.push_back(onnx_name);
  return static_cast<int>(g.tensors.size()) - 1;
}

namespace {

class Rewriter {
 public:
  Rewriter(WorkGraph* wg, ImportStats* stats) : wg_(wg), g_(wg->g), stats_(stats) {}

  void Run() {
    // Lowerings can leave dead nodes (a HardSigmoid whose HardSwish pattern
    // was matched) that would look like extra consumers to the rules below.
    RemoveDeadNodes();
    bool changed = true;
    while (changed) {
      changed = false;
      changed |= Pass(&Rewriter::FoldPadIntoConv);
      changed |= Pass(&Rewriter::MergeCrops);
      changed |= Pass(&Rewriter::FoldBiasAdd);
      changed |= Pass(&Rewriter::FoldBatchNorm);
      changed |= Pass(&Rewriter::MergeIntoClip);
    }
    Pass(&Rewriter::FuseActivation);
    RemoveDeadNodes();
  }

 private:
  using Rule = bool (Rewriter::*)(int node);

  // Applies `rule` to every node; removed nodes are erased afterwards.
  bool Pass(Rule rule) {
    bool any = false;
    Index();
    removed_.assign(g_.nodes.size(), false);
    for (size_t n = 0; n < g_.nodes.size(); ++n) {
      if (removed_[n]) continue;
      if ((this->*rule)(static_cast<int>(n))) {
        any = true;
        Index();
      }
    }
    Compact();
    return any;
  }

  void Index() {
    producer_.assign(g_.tensors.size(), -1);
    consumers_.assign(g_.tensors.size(), {});
    is_output_.assign(g_.tensors.size(), false);
    for (size_t n = 0; n < g_.nodes.size(); ++n) {
      if (!removed_.empty() && removed_[n]) continue;
      for (int t : g_.nodes[n].outputs) {
        if (t >= 0) producer_[t] = static_cast<int>(n);
      }
      for (int t : g_.nodes[n].inputs) {
        if (t >= 0) consumers_[t].push_back(static_cast<int>(n));
      }
    }
    for (int t : g_.outputs) is_output_[t] = true;
    for (const ExitHead& e : g_.exits) is_output_[e.output] = true;
  }

  void Compact() {
    std::vector<Node> nodes;
    std::vector<std::string> merged;
    for (size_t n = 0; n < g_.nodes.size(); ++n) {
      if (removed_[n]) continue;
      nodes.push_back(std::move(g_.nodes[n]));
      merged.push_back(std::move(wg_->merged[n]));
    }
    g_.nodes = std::move(nodes);
    wg_->merged = std::move(merged);
    removed_.clear();
  }

  // The only reader of `tensor` is node `consumer` (and it is no graph output).
  bool SoleUse(int tensor, int* consumer) const {
    if (tensor < 0 || is_output_[tensor] || consumers_[tensor].size() != 1) return false;
    *consumer = consumers_[tensor][0];
    return true;
  }

  const float* ConstData(int tensor) const {
    return tensor >= 0 && g_.tensors[tensor].is_constant() ? g_.tensors[tensor].f32() : nullptr;
  }

  // Node `from` disappears; `into` now produces its output.
  void Absorb(int into, int from) {
    g_.nodes[into].outputs[0] = g_.nodes[from].outputs[0];
    std::string& m = wg_->merged[into];
    m += (m.empty() ? "" : ", ") + g_.nodes[from].name;
    if (!wg_->merged[from].empty()) m += ", " + wg_->merged[from];
    removed_[from] = true;
  }

  static FusedActivation* ActivationOf(Node& node) {
    if (auto* c = std::get_if<Conv2DAttrs>(&node.attrs)) return &c->activation;
    if (auto* f = std::get_if<FullyConnectedAttrs>(&node.attrs)) return &f->activation;
    return nullptr;
  }

  // Conv2D or FullyConnected without a fused activation and with constant weights.
  bool IsLinear(int n) const {
    const Node& node = g_.nodes[n];
    if (node.op != OpType::kConv2D && node.op != OpType::kFullyConnected) return false;
    const FusedActivation* act = ActivationOf(const_cast<Node&>(node));
    if (act == nullptr || act->kind != ActivationKind::kNone) return false;
    if (ConstData(node.inputs[1]) == nullptr) return false;
    return node.inputs.size() < 3 || node.inputs[2] < 0 || ConstData(node.inputs[2]) != nullptr;
  }

  int64_t OutChannels(int n) const { return g_.tensors[g_.nodes[n].inputs[1]].shape[0]; }

  std::vector<float> BiasOf(int n) const {
    const Node& node = g_.nodes[n];
    const int64_t o = OutChannels(n);
    if (node.inputs.size() < 3 || node.inputs[2] < 0) return std::vector<float>(o, 0.0f);
    const float* b = ConstData(node.inputs[2]);
    return std::vector<float>(b, b + o);
  }

  void SetBias(int n, std::vector<float> bias) {
    Node& node = g_.nodes[n];
    const int old = node.inputs.size() >= 3 ? node.inputs[2] : -1;
    const std::string name = old >= 0 ? g_.tensors[old].name : node.name + ".bias";
    const std::string onnx = old >= 0 ? wg_->onnx_names[old] : std::string();
    const int64_t o = static_cast<int64_t>(bias.size());
    const int t = wg_->AddConstant(name, Shape{o}, std::move(bias), onnx);
    if (node.inputs.size() < 3) node.inputs.resize(3, -1);
    node.inputs[2] = t;
  }

  // Pad(zeros, spatial only) → Conv: the padding moves into the convolution.
  bool FoldPadIntoConv(int p) {
    const Node& pad = g_.nodes[p];
    if (pad.op != OpType::kPad) return false;
    const PadAttrs& a = std::get<PadAttrs>(pad.attrs);
    if (a.mode != PadMode::kConstant || a.value != 0.0f || a.pads.size() != 8) return false;
    if (a.pads[0] || a.pads[1] || a.pads[4] || a.pads[5]) return false;
    for (int64_t v : a.pads) {
      if (v < 0 || v > (1 << 20)) return false;
    }
    int c;
    if (!SoleUse(pad.outputs[0], &c) || g_.nodes[c].op != OpType::kConv2D ||
        g_.nodes[c].inputs[0] != pad.outputs[0]) {
      return false;
    }
    Conv2DAttrs& conv = std::get<Conv2DAttrs>(g_.nodes[c].attrs);
    conv.pad_top += static_cast<int32_t>(a.pads[2]);
    conv.pad_left += static_cast<int32_t>(a.pads[3]);
    conv.pad_bottom += static_cast<int32_t>(a.pads[6]);
    conv.pad_right += static_cast<int32_t>(a.pads[7]);
    g_.nodes[c].inputs[0] = pad.inputs[0];
    std::string& m = wg_->merged[c];
    m += (m.empty() ? "" : ", ") + pad.name;
    removed_[p] = true;
    ++stats_->folded_pads;
    return true;
  }

  // Pad(crop) → Pad(crop): torch slices one axis per Slice node, and each
  // becomes a crop; consecutive crops add up.
  static bool IsCrop(const Node& n) {
    if (n.op != OpType::kPad) return false;
    const PadAttrs& a = std::get<PadAttrs>(n.attrs);
    if (a.mode != PadMode::kConstant) return false;
    for (int64_t v : a.pads) {
      if (v > 0) return false;
    }
    return true;
  }

  bool MergeCrops(int p) {
    int q;
    if (!IsCrop(g_.nodes[p]) || !SoleUse(g_.nodes[p].outputs[0], &q) || !IsCrop(g_.nodes[q])) {
      return false;
    }
    const PadAttrs& first = std::get<PadAttrs>(g_.nodes[p].attrs);
    PadAttrs& second = std::get<PadAttrs>(g_.nodes[q].attrs);
    if (first.pads.size() != second.pads.size()) return false;
    for (size_t k = 0; k < first.pads.size(); ++k) second.pads[k] += first.pads[k];
    g_.nodes[q].inputs[0] = g_.nodes[p].inputs[0];
    std::string& m = wg_->merged[q];
    m += (m.empty() ? "" : ", ") + g_.nodes[p].name;
    removed_[p] = true;
    return true;
  }

  // Relu → Clip and Clip → Clip: clip(max(x, 0), lo, hi) is clip(x, max(lo, 0), hi), and
  // two clips intersect their ranges (torch's F.relu6 is Relu→Clip; Max→Min
  // pairs become Clip→Clip). Only when the merged range is not empty.
  bool MergeIntoClip(int r) {
    const Node& first = g_.nodes[r];
    int c;
    if ((first.op != OpType::kRelu && first.op != OpType::kClip) ||
        !SoleUse(first.outputs[0], &c) || g_.nodes[c].op != OpType::kClip) {
      return false;
    }
    float lo = 0.0f, hi = INFINITY;
    if (first.op == OpType::kClip) {
      lo = std::get<ClipAttrs>(first.attrs).min;
      hi = std::get<ClipAttrs>(first.attrs).max;
    }
    ClipAttrs& second = std::get<ClipAttrs>(g_.nodes[c].attrs);
    const float new_lo = std::max(lo, second.min), new_hi = std::min(hi, second.max);
    if (!(new_lo <= new_hi)) return false;
    second.min = new_lo;
    second.max = new_hi;
    g_.nodes[c].inputs[0] = first.inputs[0];
    std::string& m = wg_->merged[c];
    m += (m.empty() ? "" : ", ") + first.name;
    removed_[r] = true;
    return true;
  }

  // Conv/FC → Add(constant per-channel) : the constant joins the bias.
  bool FoldBiasAdd(int n) {
    const Node& add = g_.nodes[n];
    if (add.op != OpType::kAdd) return false;
    for (int side = 0; side < 2; ++side) {
      const int x = add.inputs[side], c = add.inputs[1 - side];
      const int p = producer_[x];
      int consumer;
      if (p < 0 || !IsLinear(p) || !SoleUse(x, &consumer) || ConstData(c) == nullptr) continue;
      const Shape& xs = g_.tensors[x].shape;
      if (g_.tensors[add.outputs[0]].shape != xs) continue;  // the Add must not broadcast x
      const Shape& cs = g_.tensors[c].shape;
      const int64_t o = OutChannels(p);
      // The constant must vary at most along the channel axis (1 of [N,O] or [N,O,H,W]).
      const int channel_axis = 1 - (xs.rank - cs.rank);  // position of axis 1 within cs
      bool per_channel = cs.rank <= xs.rank;
      for (int d = 0; per_channel && d < cs.rank; ++d) {
        per_channel = cs[d] == 1 || (d == channel_axis && cs[d] == o);
      }
      if (!per_channel) continue;
      const float* cv = ConstData(c);
      const bool uniform = cs.NumElements() == 1;
      std::vector<float> bias = BiasOf(p);
      for (int64_t k = 0; k < o; ++k) bias[k] += cv[uniform ? 0 : k];
      SetBias(p, std::move(bias));
      Absorb(p, n);
      ++stats_->fused_bias_adds;
      return true;
    }
    return false;
  }

  // Conv/FC → BatchNorm: y = (conv(x) - mean) * s + beta with s = scale/sqrt(var+eps)
  // is a conv with weights W*s and bias (b - mean)*s + beta.
  bool FoldBatchNorm(int n) {
    const Node& bn = g_.nodes[n];
    if (bn.op != OpType::kBatchNorm) return false;
    const int x = bn.inputs[0];
    const int p = producer_[x];
    int consumer;
    if (p < 0 || !IsLinear(p) || !SoleUse(x, &consumer)) return false;
    const int64_t o = OutChannels(p);
    const float* scale = ConstData(bn.inputs[1]);
    const float* beta = ConstData(bn.inputs[2]);
    const float* mean = ConstData(bn.inputs[3]);
    const float* var = ConstData(bn.inputs[4]);
    if (!scale || !beta || !mean || !var || g_.tensors[bn.inputs[1]].shape.NumElements() != o) {
      return false;
    }
    const double eps = std::get<BatchNormAttrs>(bn.attrs).epsilon;
    const int w = g_.nodes[p].inputs[1];
    const TensorInfo& wt = g_.tensors[w];
    const int64_t per = wt.shape.NumElements() / o;
    std::vector<float> nw(static_cast<size_t>(wt.shape.NumElements()));
    std::vector<float> bias = BiasOf(p);
    const float* wv = wt.f32();
    for (int64_t c = 0; c < o; ++c) {
      const double s = static_cast<double>(scale[c]) / std::sqrt(static_cast<double>(var[c]) + eps);
      for (int64_t k = 0; k < per; ++k) {
        nw[c * per + k] = static_cast<float>(static_cast<double>(wv[c * per + k]) * s);
      }
      bias[c] = static_cast<float>((static_cast<double>(bias[c]) - mean[c]) * s + beta[c]);
    }
    const Shape wshape = wt.shape;
    const std::string wname = wt.name, wonnx = wg_->onnx_names[w];
    g_.nodes[p].inputs[1] = wg_->AddConstant(wname, wshape, std::move(nw), wonnx);
    SetBias(p, std::move(bias));
    Absorb(p, n);
    ++stats_->folded_batchnorms;
    return true;
  }

  bool FuseActivation(int n) {
    Node& node = g_.nodes[n];
    if (node.op != OpType::kConv2D && node.op != OpType::kFullyConnected) return false;
    FusedActivation* act = ActivationOf(node);
    int a;
    if (act == nullptr || act->kind != ActivationKind::kNone || !SoleUse(node.outputs[0], &a)) {
      return false;
    }
    const Node& next = g_.nodes[a];
    FusedActivation fused;
    switch (next.op) {
      case OpType::kRelu:
        fused.kind = ActivationKind::kRelu;
        break;
      case OpType::kClip: {
        const ClipAttrs& c = std::get<ClipAttrs>(next.attrs);
        fused.kind = ActivationKind::kClip;
        fused.alpha = c.min;
        fused.beta = c.max;
        break;
      }
      case OpType::kLeakyRelu:
        fused.kind = ActivationKind::kLeakyRelu;
        fused.alpha = std::get<LeakyReluAttrs>(next.attrs).alpha;
        break;
      case OpType::kSigmoid:
        fused.kind = ActivationKind::kSigmoid;
        break;
      case OpType::kTanh:
        fused.kind = ActivationKind::kTanh;
        break;
      case OpType::kHardSwish:
        fused.kind = ActivationKind::kHardSwish;
        break;
      default:
        return false;
    }
    *act = fused;
    Absorb(n, a);
    ++stats_->fused_activations;
    return true;
  }

  // Removes nodes nothing reads (Dropout masks, HardSigmoid halves of
  // HardSwish, unused LSTM outputs) and unreferenced tensors.
  void RemoveDeadNodes() {
    std::vector<bool> live(g_.tensors.size(), false);
    for (int t : g_.outputs) live[t] = true;
    for (const ExitHead& e : g_.exits) live[e.output] = true;
    removed_.assign(g_.nodes.size(), false);
    for (int n = static_cast<int>(g_.nodes.size()) - 1; n >= 0; --n) {
      Node& node = g_.nodes[n];
      bool any = false;
      for (int t : node.outputs) any = any || (t >= 0 && live[t]);
      if (!any) {
        removed_[n] = true;
        continue;
      }
      if (node.op == OpType::kLSTM) {
        for (int& t : node.outputs) {
          if (t >= 0 && !live[t]) t = -1;
        }
      }
      for (int t : node.inputs) {
        if (t >= 0) live[t] = true;
      }
    }
    Compact();
    // Drop tensors nothing refers to any more, remapping indices.
    std::vector<bool> used(g_.tensors.size(), false);
    for (int t : g_.inputs) used[t] = true;
    for (int t : g_.outputs) used[t] = true;
    for (const ExitHead& e : g_.exits) used[e.output] = true;
    for (const Node& node : g_.nodes) {
      for (int t : node.inputs) {
        if (t >= 0) used[t] = true;
      }
      for (int t : node.outputs) {
        if (t >= 0) used[t] = true;
      }
    }
    std::vector<int> remap(g_.tensors.size(), -1);
    std::vector<TensorInfo> tensors;
    std::vector<std::string> onnx;
    for (size_t t = 0; t < g_.tensors.size(); ++t) {
      if (!used[t]) continue;
      remap[t] = static_cast<int>(tensors.size());
      tensors.push_back(std::move(g_.tensors[t]));
      onnx.push_back(std::move(wg_->onnx_names[t]));
    }
    g_.tensors = std::move(tensors);
    wg_->onnx_names = std::move(onnx);
    auto fix = [&](int32_t& t) {
      if (t >= 0) t = remap[t];
    };
    for (int32_t& t : g_.inputs) fix(t);
    for (int32_t& t : g_.outputs) fix(t);
    for (ExitHead& e : g_.exits) fix(e.output);
    for (Node& node : g_.nodes) {
      for (int32_t& t : node.inputs) fix(t);
      for (int32_t& t : node.outputs) fix(t);
    }
  }

  WorkGraph* wg_;
  Graph& g_;
  ImportStats* stats_;
  std::vector<int> producer_;
  std::vector<std::vector<int>> consumers_;
  std::vector<bool> is_output_;
  std::vector<bool> removed_;
};

// What a constant input is to its consumer, for default tensor names.
std::string InputRole(OpType op, size_t index) {
  switch (op) {
    case OpType::kConv2D:
    case OpType::kFullyConnected:
      if (index == 1) return "weight";
      if (index == 2) return "bias";
      break;
    case OpType::kBatchNorm: {
      static const char* kRoles[] = {"input", "scale", "bias", "mean", "var"};
      if (index < 5) return kRoles[index];
      break;
    }
    case OpType::kLSTM: {
      static const char* kRoles[] = {"X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c"};
      if (index < 7) return kRoles[index];
      break;
    }
    default:
      break;
  }
  return "const" + std::to_string(index);
}

void NameTensors(WorkGraph* wg, bool keep_names) {
  Graph& g = wg->g;
  std::vector<std::string> names(g.tensors.size());
  std::vector<bool> fixed(g.tensors.size(), false);
  // Graph inputs and outputs always keep their ONNX names: they are the
  // model's interface.
  for (int t : g.inputs) fixed[t] = true;
  for (int t : g.outputs) fixed[t] = true;
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    if (fixed[t] || (keep_names && !wg->onnx_names[t].empty())) names[t] = wg->onnx_names[t];
  }
  if (!keep_names) {
    for (const Node& node : g.nodes) {
      for (size_t i = 0; i < node.outputs.size(); ++i) {
        const int t = node.outputs[i];
        if (t >= 0 && names[t].empty()) {
          names[t] = node.outputs.size() == 1 ? node.name : node.name + ":" + std::to_string(i);
        }
      }
    }
    for (const Node& node : g.nodes) {
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        const int t = node.inputs[i];
        if (t >= 0 && names[t].empty() && g.tensors[t].is_constant()) {
          names[t] = node.name + "." + InputRole(node.op, i);
        }
      }
    }
  }
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    if (names[t].empty()) names[t] = g.tensors[t].name;
  }
  // Unique names: the interface first, then everything else in index order.
  NameRegistry registry;
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    if (fixed[t]) g.tensors[t].name = registry.Unique(names[t]);
  }
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    if (!fixed[t]) g.tensors[t].name = registry.Unique(names[t]);
  }
}

}  // namespace

Status RewriteAndFinalize(WorkGraph* wg, bool keep_names, ImportStats* stats) {
  Rewriter(wg, stats).Run();
  NameTensors(wg, keep_names);
  Graph& g = wg->g;
  std::string merged;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    g.nodes[n].id = static_cast<uint32_t>(n);
    if (!wg->merged[n].empty()) {
      merged += (merged.empty() ? "" : "; ") + g.nodes[n].name + " <- " + wg->merged[n];
    }
  }
  if (!merged.empty()) g.metadata.emplace_back("convert.merged_nodes", merged);
  Status s = ValidateAndInferShapes(&g);
  if (!s.ok()) {
    return Status(s.code(),
                  "the converted graph does not validate (a converter bug): " + s.message());
  }
  return Status::Ok();
}

}  // namespace seam::onnx_import
