// The op table of the XNNPACK backend (which visit function handles which op)
// and the helpers every visit function shares: input checks, error
// conversion and fused-activation lowering.
#include <string>

#include "backends/xnnpack/xnnpack_common.h"

namespace seam {
namespace xnnpack {

VisitFn VisitorFor(OpType op) {
  switch (op) {
    case OpType::kConv2D:
      return VisitConv2D;
    case OpType::kFullyConnected:
      return VisitFullyConnected;
    case OpType::kMatMul:
      return VisitMatMul;
    case OpType::kMaxPool:
    case OpType::kAveragePool:
      return VisitPool;
    case OpType::kGlobalAveragePool:
      return VisitGlobalAveragePool;
    case OpType::kBatchNorm:
      return VisitBatchNorm;
    case OpType::kRelu:
    case OpType::kClip:
    case OpType::kLeakyRelu:
    case OpType::kSigmoid:
    case OpType::kTanh:  // declined inside, with the reason
    case OpType::kHardSwish:
    case OpType::kIdentity:
      return VisitUnary;
    case OpType::kAdd:
    case OpType::kMul:
      return VisitBinary;
    case OpType::kSoftmax:
      return VisitSoftmax;
    case OpType::kPad:
      return VisitPad;
    case OpType::kFlatten:
    case OpType::kReshape:
      return VisitReshape;
    case OpType::kConcat:
      return VisitConcat;
    default:
      // LRN, LSTM, Transpose, Resize: this XNNPACK has no such node (and no
      // transpose or nearest-neighbour resize to build them from).
      return nullptr;
  }
}

bool IsCopyStageOp(OpType op) { return op == OpType::kConcat; }

bool IsScaleShiftOp(OpType op) { return op == OpType::kBatchNorm; }

bool PacksWeights(OpType op) {
  return op == OpType::kConv2D || op == OpType::kFullyConnected || op == OpType::kMatMul;
}

void VisitContext::SetOutputLayout(size_t i, const TensorLayout& layout) {
  if (i < output_layouts.size()) output_layouts[i] = layout;
}

std::string VisitContext::Label() const {
  return "node '" + node().name + "' (" + OpTypeName(node().op) + ")";
}

Status XnnError(xnn_status status, const VisitContext& ctx, const char* call) {
  std::string message = ctx.Label() + ": " + call + " failed with xnn_status " +
                        std::to_string(static_cast<int>(status));
  switch (status) {
    case xnn_status_out_of_memory:
      return Status(StatusCode::kOutOfMemory, message);
    case xnn_status_unsupported_parameter:
    case xnn_status_unsupported_hardware:
      return Unsupported(message);
    default:
      return Internal(message);
  }
}

Status RequireActivation(const VisitContext& ctx, size_t i, const char* what) {
  const int t = ctx.input(i);
  if (t < 0) return Unsupported(std::string(what) + " is absent");
  if (ctx.tensor(t).is_constant()) {
    return Unsupported(std::string(what) + " is a constant (XNNPACK runs it only on activations)");
  }
  return Status::Ok();
}

Status RequireConstant(const VisitContext& ctx, size_t i, const char* what) {
  const int t = ctx.input(i);
  if (t < 0) return Unsupported(std::string(what) + " is absent");
  if (!ctx.tensor(t).is_constant()) {
    return Unsupported(std::string(what) + " is not a constant (XNNPACK needs static weights)");
  }
  if (ctx.tensor(t).data_bytes < ctx.tensor(t).byte_size()) {
    return Unsupported(std::string(what) + " has fewer bytes than its shape");
  }
  return Status::Ok();
}

Status RequireF32(const VisitContext& ctx, int max_rank) {
  auto check = [&](int t, const char* kind) -> Status {
    if (t < 0) return Status::Ok();
    const TensorInfo& info = ctx.tensor(t);
    if (info.dtype != DataType::kF32) {
      return Unsupported(std::string(kind) + " '" + info.name + "' is " + DataTypeName(info.dtype) +
                         ", not f32");
    }
    if (info.shape.rank < 1 || info.shape.rank > max_rank) {
      return Unsupported(std::string(kind) + " '" + info.name + "' has rank " +
                         std::to_string(info.shape.rank) + " (supported: 1.." +
                         std::to_string(max_rank) + ")");
    }
    if (info.shape.NumElements() == 0) {
      return Unsupported(std::string(kind) + " '" + info.name + "' is empty");
    }
    return Status::Ok();
  };
  for (int32_t t : ctx.node().inputs) SEAM_RETURN_IF_ERROR(check(t, "input"));
  for (int32_t t : ctx.node().outputs) SEAM_RETURN_IF_ERROR(check(t, "output"));
  return Status::Ok();
}

Status PlanActivation(const FusedActivation& act, ActivationPlan* plan) {
  *plan = ActivationPlan();
  switch (act.kind) {
    case ActivationKind::kNone:
      return Status::Ok();
    case ActivationKind::kRelu:
      plan->min = 0.0f;
      return Status::Ok();
    case ActivationKind::kClip:
      if (!(act.alpha <= act.beta)) return Unsupported("fused Clip has min > max");
      plan->min = act.alpha;
      plan->max = act.beta;
      return Status::Ok();
    case ActivationKind::kLeakyRelu:
    case ActivationKind::kSigmoid:
    case ActivationKind::kHardSwish:
      plan->separate = true;
      return Status::Ok();
    case ActivationKind::kTanh:
      return Unsupported("fused Tanh: this XNNPACK snapshot has no fp32 tanh");
  }
  return Unsupported("unknown fused activation kind " + std::to_string(static_cast<int>(act.kind)));
}

Status DefineActivation(const VisitContext& ctx, SegmentBuilder* b, const FusedActivation& act,
                        uint32_t input, uint32_t output) {
  switch (act.kind) {
    case ActivationKind::kLeakyRelu:
      SEAM_XNN_CHECK(ctx, xnn_define_leaky_relu(b->subgraph(), act.alpha, input, output, 0));
      return Status::Ok();
    case ActivationKind::kSigmoid:
      SEAM_XNN_CHECK(ctx, xnn_define_sigmoid(b->subgraph(), input, output, 0));
      return Status::Ok();
    case ActivationKind::kHardSwish:
      SEAM_XNN_CHECK(ctx, xnn_define_hardswish(b->subgraph(), input, output, 0));
      return Status::Ok();
    default:
      return Internal(ctx.Label() + ": activation kind " +
                      std::to_string(static_cast<int>(act.kind)) + " is not a separate node");
  }
}

Status DefineWithActivation(const VisitContext& ctx, SegmentBuilder* b, const FusedActivation& act,
                            int out, const std::function<Status(uint32_t, float, float)>& define) {
  ActivationPlan plan;
  SEAM_RETURN_IF_ERROR(PlanActivation(act, &plan));
  uint32_t out_id;
  if (!plan.separate) {
    SEAM_RETURN_IF_ERROR(b->Output(out, &out_id));
    return define(out_id, plan.min, plan.max);
  }
  uint32_t temp;
  SEAM_RETURN_IF_ERROR(b->Temp(ctx.dims(out), &temp));
  SEAM_RETURN_IF_ERROR(define(temp, plan.min, plan.max));
  SEAM_RETURN_IF_ERROR(b->Output(out, &out_id));
  return DefineActivation(ctx, b, act, temp, out_id);
}

}  // namespace xnnpack
}  // namespace seam
