// The op -> reference kernel table the executor looks kernels up in.
#include <array>

#include "kernels/kernel.h"

namespace seam {
namespace {

// Indexed by op code; kInvalid (0) has no kernel.
constexpr std::array<ReferenceKernel, kMaxOpCode + 1> kKernels = {{
    {nullptr, nullptr},                    // kInvalid
    {&Conv2DKernel, &Conv2DScratchBytes},  // kConv2D
    {&FullyConnectedKernel, nullptr},      // kFullyConnected
    {&MatMulKernel, nullptr},              // kMatMul
    {&MaxPoolKernel, nullptr},             // kMaxPool
    {&AveragePoolKernel, nullptr},         // kAveragePool
    {&GlobalAveragePoolKernel, nullptr},   // kGlobalAveragePool
    {&BatchNormKernel, nullptr},           // kBatchNorm
    {&LRNKernel, nullptr},                 // kLRN
    {&ReluKernel, nullptr},                // kRelu
    {&ClipKernel, nullptr},                // kClip
    {&LeakyReluKernel, nullptr},           // kLeakyRelu
    {&SigmoidKernel, nullptr},             // kSigmoid
    {&TanhKernel, nullptr},                // kTanh
    {&HardSwishKernel, nullptr},           // kHardSwish
    {&AddKernel, nullptr},                 // kAdd
    {&MulKernel, nullptr},                 // kMul
    {&ConcatKernel, nullptr},              // kConcat
    {&SoftmaxKernel, nullptr},             // kSoftmax
    {&FlattenKernel, nullptr},             // kFlatten
    {&ReshapeKernel, nullptr},             // kReshape
    {&TransposeKernel, nullptr},           // kTranspose
    {&PadKernel, nullptr},                 // kPad
    {&IdentityKernel, nullptr},            // kIdentity (also Dropout)
    {&ResizeKernel, nullptr},              // kResize
    {&LSTMKernel, &LSTMScratchBytes},      // kLSTM
}};

static_assert(static_cast<int32_t>(OpType::kLSTM) == kMaxOpCode,
              "a new op needs a row in kKernels");

}  // namespace

const ReferenceKernel* GetReferenceKernel(OpType op) {
  const int32_t code = static_cast<int32_t>(op);
  if (code <= 0 || code > kMaxOpCode) return nullptr;
  return &kKernels[code];
}

}  // namespace seam
