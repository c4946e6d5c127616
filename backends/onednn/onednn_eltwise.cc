// Eltwise ops (Relu, Clip, LeakyRelu, Sigmoid, Tanh, HardSwish) as oneDNN
// eltwise primitives, and their mapping to eltwise post-ops for fusion.
#include "backends/onednn/onednn_common.h"

namespace seam {
namespace onednn {

bool EltwiseForNode(const Node& node, EltwiseParams* out) {
  FusedActivation act;
  switch (node.op) {
    case OpType::kRelu:
      act.kind = ActivationKind::kRelu;
      break;
    case OpType::kSigmoid:
      act.kind = ActivationKind::kSigmoid;
      break;
    case OpType::kTanh:
      act.kind = ActivationKind::kTanh;
      break;
    case OpType::kHardSwish:
      act.kind = ActivationKind::kHardSwish;
      break;
    case OpType::kClip: {
      const auto* a = std::get_if<ClipAttrs>(&node.attrs);
      if (a == nullptr) return false;
      act.kind = ActivationKind::kClip;
      act.alpha = a->min;
      act.beta = a->max;
      break;
    }
    case OpType::kLeakyRelu: {
      const auto* a = std::get_if<LeakyReluAttrs>(&node.attrs);
      if (a == nullptr) return false;
      act.kind = ActivationKind::kLeakyRelu;
      act.alpha = a->alpha;
      break;
    }
    default:
      return false;
  }
  *out = EltwiseForActivation(act);
  return true;
}

EltwiseParams EltwiseForActivation(const FusedActivation& act) {
  EltwiseParams e;
  switch (act.kind) {
    case ActivationKind::kNone:
    case ActivationKind::kRelu:
      e.alg = dnnl::algorithm::eltwise_relu;
      break;
    // oneDNN's relu with alpha is x > 0 ? x : alpha * x, the same at 0 as
    // seam's x >= 0 ? x : alpha * x.
    case ActivationKind::kLeakyRelu:
      e.alg = dnnl::algorithm::eltwise_relu;
      e.alpha = act.alpha;
      break;
    case ActivationKind::kClip:
      e.alg = dnnl::algorithm::eltwise_clip;
      e.alpha = act.alpha;
      e.beta = act.beta;
      break;
    case ActivationKind::kSigmoid:
      e.alg = dnnl::algorithm::eltwise_logistic;
      break;
    case ActivationKind::kTanh:
      e.alg = dnnl::algorithm::eltwise_tanh;
      break;
    // oneDNN 2.6 hardswish is x * relu6(x + 3) / 6 and ignores alpha/beta.
    case ActivationKind::kHardSwish:
      e.alg = dnnl::algorithm::eltwise_hardswish;
      break;
  }
  return e;
}

Status VisitEltwise(const VisitContext& ctx, int node, SegmentBuilder* builder) {
  const Node& n = ctx.graph.nodes[node];
  SEAM_RETURN_IF_ERROR(CheckNode(ctx, node, 1, -1));
  EltwiseParams e;
  if (!EltwiseForNode(n, &e)) return Decline(ctx.graph, node, "attributes are missing");
  if (builder == nullptr) return Status::Ok();

  const FusionChain& chain = builder->Chain(node);
  const int x = n.inputs[0];
  const memory::desc src = builder->Layout(x);
  dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, e.alg, src, e.alpha, e.beta);
  dnnl::eltwise_forward::primitive_desc pd(desc, builder->Attr(), builder->engine());
  const int in = builder->Source(x, pd.src_desc());
  const int out = builder->Define(chain.output, pd.dst_desc());
  builder->AddPrimitive(pd, {{DNNL_ARG_SRC, in}, {DNNL_ARG_DST, out}},
                        builder->Label("eltwise", chain));
  return Status::Ok();
}

}  // namespace onednn
}  // namespace seam
