// Relu, Clip, LeakyRelu, Sigmoid, Tanh and HardSwish against double-precision
// definitions, over ranges that reach every branch (and saturation).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

void RunCase(OpType op, NodeAttrs attrs, const std::function<double(double)>& ref) {
  std::mt19937 rng(static_cast<uint32_t>(op));
  for (const Shape& xs : {Shape{1}, Shape{3, 5}, Shape{2, 3, 7, 9}, Shape{1, 32, 56, 56}}) {
    std::vector<float> x = kernel_test::Random(&rng, xs.NumElements(), -8.0f, 8.0f);
    // Exact branch points.
    const float specials[] = {0.0f, -0.0f, -3.0f, 3.0f, 6.0f, -0.5f, 0.75f, 100.0f, -100.0f};
    for (size_t i = 0; i < x.size() && i < sizeof(specials) / sizeof(float); ++i) {
      x[i] = specials[i];
    }
    std::vector<double> want(x.size());
    for (size_t i = 0; i < x.size(); ++i) want[i] = ref(x[i]);
    kernel_test::CheckKernel(kernel_test::MakeNode(op, attrs), {kernel_test::Tensor(xs, x)}, {{xs}},
                             {want}, 2e-7, std::string(OpTypeName(op)) + " " + xs.ToString());
  }
}

TEST(Activations, Relu) {
  RunCase(OpType::kRelu, {}, [](double x) { return x > 0 ? x : 0.0; });
}

TEST(Activations, Clip) {
  ClipAttrs relu6;
  RunCase(OpType::kClip, relu6, [](double x) { return std::min(std::max(x, 0.0), 6.0); });
  ClipAttrs custom;
  custom.min = -0.5f;
  custom.max = 0.75f;
  RunCase(OpType::kClip, custom, [](double x) { return std::min(std::max(x, -0.5), 0.75); });
}

TEST(Activations, LeakyRelu) {
  LeakyReluAttrs a;
  a.alpha = 0.2f;
  RunCase(OpType::kLeakyRelu, a, [](double x) { return x >= 0 ? x : x * 0.2f; });
}

TEST(Activations, Sigmoid) {
  RunCase(OpType::kSigmoid, {}, [](double x) { return 1.0 / (1.0 + std::exp(-x)); });
}

TEST(Activations, Tanh) {
  RunCase(OpType::kTanh, {}, [](double x) { return std::tanh(x); });
}

TEST(Activations, HardSwish) {
  RunCase(OpType::kHardSwish, {},
          [](double x) { return x * std::min(std::max(x + 3.0, 0.0), 6.0) / 6.0; });
}

TEST(Activations, InPlace) {
  // The executor may alias an elementwise output onto its input.
  std::vector<float> buf = {-2.0f, -0.5f, 0.0f, 1.5f};
  InputTensor in{buf.data(), Shape{4}};
  OutputTensor out{buf.data(), Shape{4}};
  Node node = kernel_test::MakeNode(OpType::kRelu);
  KernelContext ctx;
  ctx.node = &node;
  ctx.inputs = &in;
  ctx.num_inputs = 1;
  ctx.outputs = &out;
  ctx.num_outputs = 1;
  ASSERT_TRUE(ReluKernel(ctx).ok());
  EXPECT_EQ(buf, (std::vector<float>{0.0f, 0.0f, 0.0f, 1.5f}));
}

}  // namespace
}  // namespace seam
