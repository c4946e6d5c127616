// Op names and fused-activation math shared by kernels and backends.
#include "seam/ops.h"

#include <algorithm>
#include <cmath>

namespace seam {

const char* OpTypeName(OpType op) {
  switch (op) {
    case OpType::kInvalid:
      return "Invalid";
    case OpType::kConv2D:
      return "Conv2D";
    case OpType::kFullyConnected:
      return "FullyConnected";
    case OpType::kMatMul:
      return "MatMul";
    case OpType::kMaxPool:
      return "MaxPool";
    case OpType::kAveragePool:
      return "AveragePool";
    case OpType::kGlobalAveragePool:
      return "GlobalAveragePool";
    case OpType::kBatchNorm:
      return "BatchNorm";
    case OpType::kLRN:
      return "LRN";
    case OpType::kRelu:
      return "Relu";
    case OpType::kClip:
      return "Clip";
    case OpType::kLeakyRelu:
      return "LeakyRelu";
    case OpType::kSigmoid:
      return "Sigmoid";
    case OpType::kTanh:
      return "Tanh";
    case OpType::kHardSwish:
      return "HardSwish";
    case OpType::kAdd:
      return "Add";
    case OpType::kMul:
      return "Mul";
    case OpType::kConcat:
      return "Concat";
    case OpType::kSoftmax:
      return "Softmax";
    case OpType::kFlatten:
      return "Flatten";
    case OpType::kReshape:
      return "Reshape";
    case OpType::kTranspose:
      return "Transpose";
    case OpType::kPad:
      return "Pad";
    case OpType::kIdentity:
      return "Identity";
    case OpType::kResize:
      return "Resize";
    case OpType::kLSTM:
      return "LSTM";
  }
  return "Unknown";
}

bool IsKnownOpCode(int32_t code) { return code >= 1 && code <= kMaxOpCode; }

float ApplyActivation(const FusedActivation& act, float x) {
  switch (act.kind) {
    case ActivationKind::kNone:
      return x;
    case ActivationKind::kRelu:
      return x > 0.0f ? x : 0.0f;
    case ActivationKind::kClip:
      return std::min(std::max(x, act.alpha), act.beta);
    case ActivationKind::kLeakyRelu:
      return x >= 0.0f ? x : x * act.alpha;
    case ActivationKind::kSigmoid:
      return 1.0f / (1.0f + std::exp(-x));
    case ActivationKind::kTanh:
      return std::tanh(x);
    case ActivationKind::kHardSwish:
      return x * std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f;
  }
  return x;
}

}  // namespace seam
