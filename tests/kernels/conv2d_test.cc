// Conv2D against a direct double-precision convolution: im2col, pointwise and
// depthwise paths, asymmetric pads, strides, dilation, groups, activations.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

using kernel_test::CheckKernel;
using kernel_test::Random;
using kernel_test::Tensor;

struct ConvCase {
  int64_t N = 1, C = 3, H = 8, W = 8, O = 4;
  Conv2DAttrs attrs;
  bool bias = true;
};

Shape OutputShape(const ConvCase& c) {
  const Conv2DAttrs& a = c.attrs;
  const int64_t oh =
      (c.H + a.pad_top + a.pad_bottom - a.dilation_h * (a.kernel_h - 1) - 1) / a.stride_h + 1;
  const int64_t ow =
      (c.W + a.pad_left + a.pad_right - a.dilation_w * (a.kernel_w - 1) - 1) / a.stride_w + 1;
  return Shape{c.N, c.O, oh, ow};
}

std::vector<double> Reference(const ConvCase& c, const std::vector<float>& x,
                              const std::vector<float>& w, const std::vector<float>& b,
                              const Shape& ys) {
  const Conv2DAttrs& a = c.attrs;
  const int64_t cg = c.C / a.group, og = c.O / a.group;
  std::vector<double> y(static_cast<size_t>(ys.NumElements()));
  for (int64_t n = 0; n < c.N; ++n) {
    for (int64_t o = 0; o < c.O; ++o) {
      const int64_t g = o / og;
      for (int64_t oh = 0; oh < ys[2]; ++oh) {
        for (int64_t ow = 0; ow < ys[3]; ++ow) {
          double acc = c.bias ? b[o] : 0.0;
          for (int64_t ci = 0; ci < cg; ++ci) {
            for (int64_t kh = 0; kh < a.kernel_h; ++kh) {
              for (int64_t kw = 0; kw < a.kernel_w; ++kw) {
                const int64_t ih = oh * a.stride_h - a.pad_top + kh * a.dilation_h;
                const int64_t iw = ow * a.stride_w - a.pad_left + kw * a.dilation_w;
                if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
                const int64_t cin = g * cg + ci;
                acc += static_cast<double>(x[((n * c.C + cin) * c.H + ih) * c.W + iw]) *
                       w[((o * cg + ci) * a.kernel_h + kh) * a.kernel_w + kw];
              }
            }
          }
          y[((n * c.O + o) * ys[2] + oh) * ys[3] + ow] =
              kernel_test::RefActivation(a.activation, acc);
        }
      }
    }
  }
  return y;
}

void RunCase(const ConvCase& c, const std::string& what, uint32_t seed = 1) {
  std::mt19937 rng(seed);
  const Conv2DAttrs& a = c.attrs;
  const Shape xs{c.N, c.C, c.H, c.W};
  const Shape ws{c.O, c.C / a.group, a.kernel_h, a.kernel_w};
  const Shape ys = OutputShape(c);
  ASSERT_GT(ys[2], 0) << what;
  ASSERT_GT(ys[3], 0) << what;
  std::vector<float> x = Random(&rng, xs.NumElements());
  std::vector<float> w = Random(&rng, ws.NumElements());
  std::vector<float> b = Random(&rng, c.O);
  std::vector<kernel_test::TestTensor> inputs = {Tensor(xs, x), Tensor(ws, w)};
  if (c.bias) inputs.push_back(Tensor(Shape{c.O}, b));
  Node node = kernel_test::MakeNode(OpType::kConv2D, a);
  CheckKernel(node, inputs, {{ys}}, {Reference(c, x, w, b, ys)}, 1e-5, what);
}

ConvCase Make(int64_t N, int64_t C, int64_t H, int64_t W, int64_t O, int k, int stride, int pad,
              int group = 1, int dilation = 1) {
  ConvCase c;
  c.N = N, c.C = C, c.H = H, c.W = W, c.O = O;
  c.attrs.kernel_h = c.attrs.kernel_w = k;
  c.attrs.stride_h = c.attrs.stride_w = stride;
  c.attrs.pad_top = c.attrs.pad_left = c.attrs.pad_bottom = c.attrs.pad_right = pad;
  c.attrs.group = group;
  c.attrs.dilation_h = c.attrs.dilation_w = dilation;
  return c;
}

TEST(Conv2D, Basic3x3Pad1) { RunCase(Make(2, 3, 9, 7, 5, 3, 1, 1), "3x3 s1 p1"); }

TEST(Conv2D, PointwiseDirectGemm) {
  RunCase(Make(2, 16, 5, 6, 13, 1, 1, 0), "1x1 s1 p0");
  ConvCase no_bias = Make(1, 7, 3, 3, 9, 1, 1, 0);
  no_bias.bias = false;
  RunCase(no_bias, "1x1 no bias");
}

TEST(Conv2D, PointwiseStridedOrPaddedUsesIm2col) {
  RunCase(Make(1, 4, 7, 7, 6, 1, 2, 0), "1x1 s2");
  RunCase(Make(1, 4, 5, 5, 6, 1, 1, 1), "1x1 p1");
}

TEST(Conv2D, OneByOneSpatialInput) {
  RunCase(Make(3, 5, 1, 1, 7, 1, 1, 0), "1x1 input, 1x1 kernel");
  RunCase(Make(2, 5, 1, 1, 7, 3, 1, 1), "1x1 input, 3x3 kernel p1");
}

TEST(Conv2D, KernelEqualsInput) { RunCase(Make(2, 3, 5, 5, 4, 5, 1, 0), "5x5 kernel on 5x5"); }

TEST(Conv2D, StrideLargerThanKernel) {
  RunCase(Make(1, 3, 11, 10, 4, 1, 3, 0), "k1 s3");
  RunCase(Make(1, 3, 11, 10, 4, 2, 3, 1), "k2 s3 p1");
}

TEST(Conv2D, AsymmetricPadsAndRectangularKernels) {
  ConvCase c = Make(1, 3, 8, 9, 4, 3, 1, 0);
  c.attrs.pad_top = 0, c.attrs.pad_left = 2, c.attrs.pad_bottom = 1, c.attrs.pad_right = 0;
  RunCase(c, "asymmetric pads");
  c.attrs.kernel_h = 1, c.attrs.kernel_w = 3, c.attrs.stride_h = 2;
  RunCase(c, "1x3 kernel, stride (2,1)");
  c.attrs.kernel_h = 3, c.attrs.kernel_w = 1, c.attrs.stride_h = 1, c.attrs.stride_w = 2;
  RunCase(c, "3x1 kernel, stride (1,2)");
}

TEST(Conv2D, Dilation2) {
  RunCase(Make(1, 4, 10, 9, 3, 3, 1, 2, 1, 2), "d2 p2");
  ConvCase c = Make(1, 2, 12, 12, 3, 3, 2, 1, 1, 2);
  c.attrs.dilation_w = 1;
  RunCase(c, "dilation (2,1) stride 2");
}

TEST(Conv2D, Groups) {
  RunCase(Make(2, 6, 7, 7, 4, 3, 1, 1, 2), "group 2");
  RunCase(Make(1, 8, 6, 6, 12, 3, 2, 1, 4), "group 4 s2");
  RunCase(Make(1, 8, 5, 5, 8, 1, 1, 0, 2), "group 2 pointwise");
}

TEST(Conv2D, Depthwise) {
  RunCase(Make(2, 6, 9, 8, 6, 3, 1, 1, 6), "depthwise");
  RunCase(Make(1, 5, 9, 9, 10, 3, 2, 1, 5), "depthwise multiplier 2 s2");
  RunCase(Make(1, 4, 10, 11, 8, 3, 1, 2, 4, 2), "depthwise multiplier 2 d2");
  RunCase(Make(1, 3, 1, 1, 3, 3, 1, 1, 3), "depthwise on 1x1");
  ConvCase c = Make(1, 4, 7, 6, 4, 5, 3, 0, 4);
  c.attrs.pad_top = 2, c.attrs.pad_right = 3;
  c.bias = false;
  RunCase(c, "depthwise 5x5 s3 asymmetric, no bias");
}

TEST(Conv2D, FusedActivations) {
  for (const FusedActivation& act : kernel_test::AllActivations()) {
    ConvCase c = Make(1, 4, 6, 6, 5, 3, 1, 1);
    c.attrs.activation = act;
    RunCase(c, "activation " + std::to_string(static_cast<int>(act.kind)));
    ConvCase dw = Make(1, 4, 6, 6, 4, 3, 1, 1, 4);
    dw.attrs.activation = act;
    RunCase(dw, "depthwise activation " + std::to_string(static_cast<int>(act.kind)));
  }
}

TEST(Conv2D, LargeEnoughForBlockingAndThreads) {
  // K = 64*9 = 576 spans several K blocks; 80 rows span two M blocks.
  RunCase(Make(1, 64, 20, 20, 80, 3, 1, 1), "C64 O80 3x3");
}

TEST(Conv2D, RandomShapes) {
  std::mt19937 rng(42);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int i = 0; i < 30; ++i) {
    const int group = pick(1, 3);
    ConvCase c;
    c.N = pick(1, 2);
    c.C = group * pick(1, 4);
    c.O = group * pick(1, 4);
    c.H = pick(1, 12);
    c.W = pick(1, 12);
    Conv2DAttrs& a = c.attrs;
    a.group = group;
    a.kernel_h = pick(1, 4), a.kernel_w = pick(1, 4);
    a.stride_h = pick(1, 3), a.stride_w = pick(1, 3);
    a.dilation_h = pick(1, 2), a.dilation_w = pick(1, 2);
    a.pad_top = pick(0, 2), a.pad_left = pick(0, 2), a.pad_bottom = pick(0, 2),
    a.pad_right = pick(0, 2);
    c.bias = pick(0, 1) == 1;
    const Shape ys = OutputShape(c);
    if (ys[2] <= 0 || ys[3] <= 0) continue;
    RunCase(c, "random case " + std::to_string(i), 100 + i);
  }
}

TEST(Conv2D, ScratchOnlyForIm2col) {
  const ReferenceKernel* k = GetReferenceKernel(OpType::kConv2D);
  ASSERT_NE(k, nullptr);
  ASSERT_NE(k->scratch_bytes, nullptr);
  auto bytes = [&](const ConvCase& c) {
    Node node = kernel_test::MakeNode(OpType::kConv2D, c.attrs);
    Shape in[2] = {Shape{c.N, c.C, c.H, c.W},
                   Shape{c.O, c.C / c.attrs.group, c.attrs.kernel_h, c.attrs.kernel_w}};
    Shape out[1] = {OutputShape(c)};
    return k->scratch_bytes(node, in, 2, out, 1);
  };
  EXPECT_EQ(bytes(Make(1, 16, 8, 8, 8, 1, 1, 0)), 0u);
  EXPECT_EQ(bytes(Make(1, 16, 8, 8, 16, 3, 1, 1, 16)), 0u);
  EXPECT_EQ(bytes(Make(2, 16, 8, 8, 8, 3, 1, 1)), 16u * 9 * 8 * 8 * sizeof(float));
  EXPECT_EQ(bytes(Make(1, 16, 8, 8, 8, 3, 1, 1, 2)), 8u * 9 * 8 * 8 * sizeof(float));
}

TEST(Conv2D, MissingWeightIsInternal) {
  Node node = kernel_test::MakeNode(OpType::kConv2D, Make(1, 2, 4, 4, 2, 1, 1, 0).attrs);
  kernel_test::TestTensor w = Tensor(Shape{2, 2, 1, 1}, {});
  w.present = false;
  auto run =
      kernel_test::RunKernel(node, {Tensor(Shape{1, 2, 4, 4}, std::vector<float>(32, 1.0f)), w},
                             {{Shape{1, 2, 4, 4}}}, nullptr);
  EXPECT_EQ(run.status.code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace seam
