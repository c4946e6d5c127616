// Flatten, Reshape and Identity copy their input unchanged into a differently
// shaped output, and tolerate an output aliased onto the input.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

void ExpectCopy(OpType op, NodeAttrs attrs, const Shape& xs, const Shape& ys, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> x = kernel_test::Random(&rng, xs.NumElements());
  std::vector<double> want(x.begin(), x.end());
  kernel_test::CheckKernel(kernel_test::MakeNode(op, attrs), {kernel_test::Tensor(xs, x)}, {{ys}},
                           {want}, 0.0, std::string(OpTypeName(op)) + " " + xs.ToString());
}

TEST(ShapeOps, Flatten) {
  AxisAttrs a;
  ExpectCopy(OpType::kFlatten, a, {2, 3, 4, 5}, {2, 60}, 1);
  a.axis = 0;
  ExpectCopy(OpType::kFlatten, a, {2, 3, 4}, {1, 24}, 2);
  a.axis = 3;
  ExpectCopy(OpType::kFlatten, a, {1, 512, 7, 7}, {3584, 7}, 3);
}

TEST(ShapeOps, Reshape) {
  ReshapeAttrs a;
  a.shape = {0, -1};
  ExpectCopy(OpType::kReshape, a, {4, 6, 5}, {4, 30}, 4);
  a.shape = {1, 1, 1};
  ExpectCopy(OpType::kReshape, a, {1}, {1, 1, 1}, 5);
  a.shape = {-1};
  ExpectCopy(OpType::kReshape, a, {1, 64, 112, 112}, {802816}, 6);  // large: threaded copy
}

TEST(ShapeOps, IdentityAndDropout) {
  ExpectCopy(OpType::kIdentity, {}, {3, 7}, {3, 7}, 7);
  ExpectCopy(OpType::kIdentity, {}, Shape{}, Shape{}, 8);
}

TEST(ShapeOps, AliasedOutputIsANoOp) {
  std::vector<float> buf = {1, 2, 3, 4, 5, 6};
  InputTensor in{buf.data(), Shape{2, 3}};
  OutputTensor out{buf.data(), Shape{6}};
  Node node = kernel_test::MakeNode(OpType::kFlatten);
  KernelContext ctx;
  ctx.node = &node;
  ctx.inputs = &in;
  ctx.num_inputs = 1;
  ctx.outputs = &out;
  ctx.num_outputs = 1;
  ASSERT_TRUE(FlattenKernel(ctx).ok());
  EXPECT_EQ(buf, (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(ShapeOps, SizeMismatchIsInternal) {
  auto run = kernel_test::RunKernel(kernel_test::MakeNode(OpType::kReshape),
                                    {kernel_test::Tensor({2, 3}, {1, 2, 3, 4, 5, 6})}, {{Shape{7}}},
                                    nullptr);
  EXPECT_EQ(run.status.code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace seam
