// The reference-kernel registry: every known op has a kernel, nothing else does.
#include <gtest/gtest.h>

#include "kernels/kernel.h"

namespace seam {
namespace {

TEST(Registry, EveryKnownOpHasAKernel) {
  for (int32_t code = 1; code <= kMaxOpCode; ++code) {
    const ReferenceKernel* k = GetReferenceKernel(static_cast<OpType>(code));
    ASSERT_NE(k, nullptr) << OpTypeName(static_cast<OpType>(code));
    EXPECT_NE(k->run, nullptr) << OpTypeName(static_cast<OpType>(code));
  }
}

TEST(Registry, InvalidAndUnknownOpsHaveNone) {
  EXPECT_EQ(GetReferenceKernel(OpType::kInvalid), nullptr);
  EXPECT_EQ(GetReferenceKernel(static_cast<OpType>(kMaxOpCode + 1)), nullptr);
  EXPECT_EQ(GetReferenceKernel(static_cast<OpType>(-3)), nullptr);
}

TEST(Registry, EntriesMatchTheirOps) {
  EXPECT_EQ(GetReferenceKernel(OpType::kConv2D)->run, &Conv2DKernel);
  EXPECT_EQ(GetReferenceKernel(OpType::kConv2D)->scratch_bytes, &Conv2DScratchBytes);
  EXPECT_EQ(GetReferenceKernel(OpType::kLSTM)->run, &LSTMKernel);
  EXPECT_EQ(GetReferenceKernel(OpType::kLSTM)->scratch_bytes, &LSTMScratchBytes);
  EXPECT_EQ(GetReferenceKernel(OpType::kIdentity)->run, &IdentityKernel);
  EXPECT_EQ(GetReferenceKernel(OpType::kResize)->run, &ResizeKernel);
  EXPECT_EQ(GetReferenceKernel(OpType::kRelu)->scratch_bytes, nullptr);
}

}  // namespace
}  // namespace seam
