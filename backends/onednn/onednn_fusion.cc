// Fusion planning: which nodes of a segment disappear into the post-ops of
// the primitive before them.
//
// Grammar of a chain, starting at a head op:
//   Conv / FullyConnected exact-eltwise* [Add as sum] exact-eltwise*
//   BatchNorm [Relu via fuse_norm_relu]
//   Add / Mul exact-eltwise*
// A node joins a chain only when the tensor between them is read by that node
// alone and is not a segment (or graph) output, so no observable tensor is lost.
//
// A cut makes some of those tensors segment outputs, so the same nodes are
// fused in a whole run and not in a split one. Every fusion here must
// therefore give bit for bit what the unfused primitives give:
//  - exact eltwise ops only (Relu, LeakyRelu, Clip: one comparison or one
//    multiply per element, the same in any implementation). Sigmoid, Tanh and
//    HardSwish are approximated differently by post-op and standalone kernels.
//  - the sum adds the residual to the finished conv/inner-product result
//    (bias included), as the separate binary add would.
//  - a conv or inner product keeps the kernel it runs alone, and its sum is
//    checked to round like the separate add (FusionIsExact,
//    onednn_fusion_check.cc).
//  - no BatchNorm folding: scaling the weights rounds differently from
//    normalising the conv output. (The ONNX importer folds BatchNorm into
//    the weights of converted models, where it is exact by construction.)
#include <algorithm>
#include <unordered_set>

#include "backends/onednn/onednn_common.h"

namespace seam {
namespace onednn {
namespace {

// Eltwise nodes whose post-op form computes exactly the standalone primitive.
bool FusesExactly(const Node& node) {
  return node.op == OpType::kRelu || node.op == OpType::kLeakyRelu || node.op == OpType::kClip;
}

}  // namespace

FusionChain SingleNodeChain(const Graph& graph, int node) {
  FusionChain chain;
  chain.head = node;
  chain.nodes = {node};
  const Node& n = graph.nodes[node];
  chain.output = n.outputs.size() == 1 ? n.outputs[0] : -1;
  chain.anchor = node;
  return chain;
}

FusionCaps FusionCapsFor(const Graph& graph, int node) {
  const Node& n = graph.nodes[node];
  FusionCaps caps;
  switch (n.op) {
    case OpType::kConv2D:
    case OpType::kFullyConnected:
      caps.eltwise = true;
      caps.sum = true;
      break;
    case OpType::kBatchNorm:
      caps.eltwise = true;
      caps.relu_only = true;
      break;
    case OpType::kAdd:
    case OpType::kMul:
      caps.eltwise = true;
      break;
    default:
      break;
  }
  return caps;
}

std::vector<FusionChain> PlanFusion(const VisitContext& ctx, const SegmentSpec& spec,
                                    const std::function<bool(int)>& supported,
                                    std::unordered_map<int, int>* chain_of) {
  const Graph& g = ctx.graph;
  std::unordered_map<int, int> position;
  for (size_t i = 0; i < spec.nodes.size(); ++i) position[spec.nodes[i]] = static_cast<int>(i);
  std::unordered_set<int> exposed(spec.outputs.begin(), spec.outputs.end());
  exposed.insert(g.outputs.begin(), g.outputs.end());

  // The single node that reads `t`, if it is in this segment after `after`.
  auto sole_reader = [&](int t, int after) -> int {
    if (exposed.count(t) > 0) return -1;
    const std::vector<int>& readers = ctx.consumers[t];
    if (readers.empty()) return -1;
    const int f = readers.front();
    for (int r : readers) {
      if (r != f) return -1;
    }
    const Node& node = g.nodes[f];
    if (std::count(node.inputs.begin(), node.inputs.end(), t) != 1) return -1;
    auto it = position.find(f);
    if (it == position.end() || it->second <= position.at(after)) return -1;
    if (chain_of->count(f) > 0 || !supported(f)) return -1;
    return f;
  };

  std::vector<FusionChain> chains;
  for (int head : spec.nodes) {
    if (chain_of->count(head) > 0) continue;
    FusionChain chain;
    chain.head = head;
    chain.nodes.push_back(head);
    const FusionCaps caps = FusionCapsFor(g, head);
    int t = g.nodes[head].outputs.size() == 1 ? g.nodes[head].outputs[0] : -1;
    enum Stage { kStart, kActivated, kSummed } stage = kStart;
    while (t >= 0 && (caps.eltwise || caps.sum)) {
      const int f = sole_reader(t, chain.nodes.back());
      if (f < 0) break;
      const Node& node = g.nodes[f];
      EltwiseParams eltwise;
      if (caps.eltwise && FusesExactly(node) && EltwiseForNode(node, &eltwise)) {
        if (caps.relu_only && (node.op != OpType::kRelu || !chain.pre_sum.empty())) break;
        FusionChain candidate = chain;
        (stage == kSummed ? candidate.post_sum : candidate.pre_sum).push_back(f);
        if (!FusionIsExact(ctx, candidate)) break;
        (stage == kSummed ? chain.post_sum : chain.pre_sum).push_back(f);
        if (stage == kStart) stage = kActivated;
      } else if (node.op == OpType::kAdd && caps.sum && stage != kSummed) {
        const int r = node.inputs[0] == t ? node.inputs[1] : node.inputs[0];
        const Shape& out = g.tensors[node.outputs[0]].shape;
        // The sum adds r into dst element by element: no broadcasting.
        if (r < 0 || r == t || g.tensors[r].shape != out || g.tensors[t].shape != out) break;
        FusionChain candidate = chain;
        candidate.sum_node = f;
        candidate.residual = r;
        if (!FusionIsExact(ctx, candidate)) break;
        chain.sum_node = f;
        chain.residual = r;
        stage = kSummed;
      } else {
        break;
      }
      chain.nodes.push_back(f);
      t = node.outputs[0];
    }
    chain.output = t;
    chain.anchor = chain.nodes.back();
    const int index = static_cast<int>(chains.size());
    for (int n : chain.nodes) (*chain_of)[n] = index;
    chains.push_back(std::move(chain));
  }
  return chains;
}

dnnl::post_ops ChainPostOps(const VisitContext& ctx, const FusionChain& chain,
                            const FusedActivation& own_activation) {
  dnnl::post_ops ops;
  auto append = [&](const EltwiseParams& e) { ops.append_eltwise(1.0f, e.alg, e.alpha, e.beta); };
  if (own_activation.kind != ActivationKind::kNone) append(EltwiseForActivation(own_activation));
  EltwiseParams e;
  for (int n : chain.pre_sum) {
    if (EltwiseForNode(ctx.graph.nodes[n], &e)) append(e);
  }
  if (chain.sum_node >= 0) ops.append_sum(1.0f);
  for (int n : chain.post_sum) {
    if (EltwiseForNode(ctx.graph.nodes[n], &e)) append(e);
  }
  return ops;
}

}  // namespace onednn
}  // namespace seam
