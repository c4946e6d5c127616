// XNNPACK backend, one op at a time: every supported variant of every op
// against the reference kernels, and the variants it must decline.
#if SEAM_WITH_XNNPACK

#include <cstdlib>
#include <functional>
#include <string>

#include "tests/backends/xnnpack_test_util.h"

namespace seam {
namespace {

using xnnpack_test::CheckGraph;
using xnnpack_test::CountSteps;
using xnnpack_test::CountStepsContaining;
using xnnpack_test::Join;
using xnnpack_test::XnnpackRun;

// Builds input -> body -> output and checks it against the reference.
void CheckOp(const std::string& what, const Shape& input,
             const std::function<int(GraphBuilder*, int)>& body, XnnpackRun* run = nullptr) {
  SCOPED_TRACE(what);
  GraphBuilder b(11);
  const int x = b.Input("x", input);
  const int y = body(&b, x);
  b.Output(y);
  ASSERT_TRUE(b.Finish().ok()) << b.status().ToString();
  CheckGraph(b.graph(), what, run);
}

// The reason the backend gives for declining the last node of `body`, or ""
// when it supports the node.
std::string DeclineReason(const Shape& input, const std::function<int(GraphBuilder*, int)>& body) {
  GraphBuilder b(11);
  const int x = b.Input("x", input);
  b.Output(body(&b, x));
  EXPECT_TRUE(b.Finish().ok()) << b.status().ToString();
  std::shared_ptr<Backend> backend;
  EXPECT_TRUE(CreateXnnpackBackend(b.graph(), {}, &backend).ok());
  std::string reason;
  const int last = static_cast<int>(b.graph().nodes.size()) - 1;
  return backend->Supports(last, &reason) ? "" : reason;
}

Conv2DAttrs ConvAttrs(int kernel, int stride, int pad, int group = 1, int dilation = 1) {
  Conv2DAttrs a;
  a.kernel_h = a.kernel_w = kernel;
  a.stride_h = a.stride_w = stride;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = pad;
  a.group = group;
  a.dilation_h = a.dilation_w = dilation;
  return a;
}

PoolAttrs Pool(int kernel, int stride, int pad, bool ceil_mode = false,
               bool count_include_pad = false) {
  PoolAttrs a;
  a.kernel_h = a.kernel_w = kernel;
  a.stride_h = a.stride_w = stride;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = pad;
  a.ceil_mode = ceil_mode;
  a.count_include_pad = count_include_pad;
  return a;
}

// --- Conv2D ------------------------------------------------------------------

TEST(XnnpackConv, PlainStridedPaddedAndWithoutBias) {
  CheckOp("3x3 s1 p1", {1, 8, 12, 12},
          [](GraphBuilder* b, int x) { return b->Conv("c", x, 16, 3, 1, 1); });
  CheckOp("3x3 s2 p1 odd", {2, 5, 13, 11},
          [](GraphBuilder* b, int x) { return b->Conv("c", x, 7, 3, 2, 1); });
  CheckOp("7x7 s2 p3 C=3 no bias", {1, 3, 32, 32},
          [](GraphBuilder* b, int x) { return b->Conv("c", x, 16, 7, 2, 3, 1, false); });
  CheckOp("1x1", {1, 32, 7, 7}, [](GraphBuilder* b, int x) { return b->Conv("c", x, 64, 1); });
}

TEST(XnnpackConv, AsymmetricKernelPadsAndDilation) {
  CheckOp("3x5 asymmetric pads", {1, 6, 10, 9}, [](GraphBuilder* b, int x) {
    Conv2DAttrs a;
    a.kernel_h = 3;
    a.kernel_w = 5;
    a.stride_h = 1;
    a.stride_w = 2;
    a.pad_top = 1;
    a.pad_bottom = 0;
    a.pad_left = 2;
    a.pad_right = 1;
    return b->Conv("c", x, 8, a);
  });
  CheckOp("dilation 2", {1, 4, 15, 15},
          [](GraphBuilder* b, int x) { return b->Conv("c", x, 6, ConvAttrs(3, 1, 2, 1, 2)); });
}

TEST(XnnpackConv, GroupedAndDepthwise) {
  CheckOp("grouped g=2", {1, 8, 9, 9},
          [](GraphBuilder* b, int x) { return b->Conv("c", x, 12, ConvAttrs(3, 1, 1, 2)); });
  CheckOp("grouped g=4 strided", {2, 16, 10, 10},
          [](GraphBuilder* b, int x) { return b->Conv("c", x, 8, ConvAttrs(3, 2, 1, 4)); });
  XnnpackRun run;
  CheckOp("depthwise multiplier 1", {1, 12, 14, 14},
          [](GraphBuilder* b, int x) { return b->Conv("c", x, 12, ConvAttrs(3, 1, 1, 12)); });
  CheckOp("depthwise multiplier 1 s2 no bias", {1, 32, 15, 15}, [](GraphBuilder* b, int x) {
    return b->Conv("c", x, 32, ConvAttrs(3, 2, 1, 32), false);
  });
  CheckOp("depthwise multiplier 2", {1, 6, 9, 9},
          [](GraphBuilder* b, int x) { return b->Conv("c", x, 12, ConvAttrs(3, 1, 1, 6)); });
  CheckOp("depthwise 5x5 dilated", {1, 8, 16, 16},
          [](GraphBuilder* b, int x) { return b->Conv("c", x, 8, ConvAttrs(5, 1, 4, 8, 2)); });
}

TEST(XnnpackConv, FusedActivations) {
  const ActivationKind kinds[] = {ActivationKind::kRelu, ActivationKind::kLeakyRelu,
                                  ActivationKind::kSigmoid, ActivationKind::kHardSwish};
  for (ActivationKind k : kinds) {
    CheckOp("act " + std::to_string(static_cast<int>(k)), {1, 6, 8, 8},
            [k](GraphBuilder* b, int x) {
              Conv2DAttrs a = ConvAttrs(3, 1, 1);
              a.activation.kind = k;
              a.activation.alpha = 0.1f;
              return b->Conv("c", x, 8, a);
            });
  }
  CheckOp("relu6 (clip)", {1, 6, 8, 8}, [](GraphBuilder* b, int x) {
    Conv2DAttrs a = ConvAttrs(3, 1, 1, 6);
    a.activation = {ActivationKind::kClip, 0.0f, 0.5f};
    return b->Conv("c", x, 6, a);
  });
}

TEST(XnnpackConv, Declines) {
  EXPECT_NE(DeclineReason({1, 4, 6, 6},
                          [](GraphBuilder* b, int x) {
                            Conv2DAttrs a = ConvAttrs(3, 1, 1);
                            a.activation.kind = ActivationKind::kTanh;
                            return b->Conv("c", x, 4, a);
                          })
                .find("tanh"),
            std::string::npos);
  // Weights computed at run time: XNNPACK wants static filters.
  EXPECT_NE(DeclineReason({1, 4, 6, 6},
                          [](GraphBuilder* b, int x) {
                            const int w = b->Input("w", {4, 4, 3, 3});
                            return b->AddNode(OpType::kConv2D, "c", {x, w}, ConvAttrs(3, 1, 1));
                          })
                .find("not a constant"),
            std::string::npos);
}

// Winograd F(4x4, 3x3) (xnnpack_winograd.cc): 3x3 stride-1 convolutions with
// at least 16 input and output channels and 32 output tiles (16 with 64
// channels in and out). Ragged edges
// (outputs not a multiple of 4), every pad from 0 to 2, channel counts past
// the 64-channel transform block, no bias, and the clamps it applies on the
// way out (its own fused Relu or Clip, then an absorbed Relu or Relu6).
TEST(XnnpackConv, WinogradMatchesTheReference) {
  struct Case {
    const char* what;
    Shape input;
    int out;
    Conv2DAttrs attrs;
    bool bias;
  };
  Conv2DAttrs asymmetric = ConvAttrs(3, 1, 0);
  asymmetric.pad_top = asymmetric.pad_right = 2;
  Conv2DAttrs relu = ConvAttrs(3, 1, 1);
  relu.activation.kind = ActivationKind::kRelu;
  Conv2DAttrs clip = ConvAttrs(3, 1, 1);
  clip.activation = {ActivationKind::kClip, -0.25f, 0.5f};
  const Case cases[] = {
      {"pad 1, 16x16, batch 2", {2, 16, 16, 16}, 32, ConvAttrs(3, 1, 1), true},
      {"64 -> 64 channels, 16 tiles", {1, 64, 16, 16}, 64, ConvAttrs(3, 1, 1), true},
      {"pad 1, ragged 13x11, batch 3", {3, 24, 13, 11}, 16, ConvAttrs(3, 1, 1), true},
      {"pad 0, no bias", {1, 16, 30, 26}, 16, ConvAttrs(3, 1, 0), false},
      {"pads 2 top/right, 0 bottom/left", {1, 16, 22, 21}, 20, asymmetric, true},
      {"70 -> 80 channels", {2, 70, 18, 18}, 80, ConvAttrs(3, 1, 1), true},
      {"fused relu", {2, 16, 16, 16}, 16, relu, true},
      {"fused clip", {2, 16, 16, 16}, 16, clip, true},
  };
  for (const Case& c : cases) {
    XnnpackRun run;
    CheckOp(
        c.what, c.input,
        [&](GraphBuilder* b, int x) { return b->Conv("c", x, c.out, c.attrs, c.bias); }, &run);
    EXPECT_EQ(CountStepsContaining(run.steps, "winograd"), 1) << c.what << "\n" << Join(run.steps);
  }
  // A Relu or Relu6 after the conv runs inside it, after its own clamp.
  XnnpackRun run;
  CheckOp(
      "absorbed relu6 after a fused relu", {2, 16, 16, 16},
      [&](GraphBuilder* b, int x) { return b->Relu6("r6", b->Conv("c", x, 16, relu)); }, &run);
  EXPECT_EQ(CountStepsContaining(run.steps, "c+r6 (1 in, 1 out) winograd"), 1) << Join(run.steps);
  CheckOp(
      "absorbed relu", {2, 16, 16, 16},
      [&](GraphBuilder* b, int x) { return b->Relu("r", b->Conv("c", x, 16, 3, 1, 1)); }, &run);
  EXPECT_EQ(CountStepsContaining(run.steps, "c+r (1 in, 1 out) winograd"), 1) << Join(run.steps);
}

TEST(XnnpackConv, WinogradOnlyWhereItPays) {
  struct Case {
    const char* what;
    Shape input;
    int out;
    Conv2DAttrs attrs;
  };
  Conv2DAttrs leaky = ConvAttrs(3, 1, 1);
  leaky.activation = {ActivationKind::kLeakyRelu, 0.1f, 0.0f};
  const Case direct[] = {
      {"8 input channels", {2, 8, 16, 16}, 16, ConvAttrs(3, 1, 1)},
      {"8 output channels", {2, 16, 16, 16}, 8, ConvAttrs(3, 1, 1)},
      {"16 tiles", {1, 16, 16, 16}, 16, ConvAttrs(3, 1, 1)},
      {"16 tiles, 32 output channels", {1, 128, 16, 16}, 32, ConvAttrs(3, 1, 1)},
      {"stride 2", {2, 16, 32, 32}, 16, ConvAttrs(3, 2, 1)},
      {"dilation 2", {2, 16, 20, 20}, 16, ConvAttrs(3, 1, 2, 1, 2)},
      {"grouped", {2, 32, 16, 16}, 32, ConvAttrs(3, 1, 1, 2)},
      {"5x5", {2, 16, 16, 16}, 16, ConvAttrs(5, 1, 2)},
      {"pads 3", {2, 16, 16, 16}, 16, ConvAttrs(3, 1, 3)},
      {"leaky relu", {2, 16, 16, 16}, 16, leaky},
  };
  for (const Case& c : direct) {
    XnnpackRun run;
    CheckOp(
        c.what, c.input, [&](GraphBuilder* b, int x) { return b->Conv("c", x, c.out, c.attrs); },
        &run);
    EXPECT_EQ(CountStepsContaining(run.steps, "winograd"), 0) << c.what << "\n" << Join(run.steps);
  }
  // SEAM_XNNPACK_WINOGRAD=0 turns it off.
  ASSERT_EQ(setenv("SEAM_XNNPACK_WINOGRAD", "0", 1), 0);
  XnnpackRun run;
  CheckOp(
      "turned off", {2, 16, 16, 16},
      [&](GraphBuilder* b, int x) { return b->Conv("c", x, 16, ConvAttrs(3, 1, 1)); }, &run);
  unsetenv("SEAM_XNNPACK_WINOGRAD");
  EXPECT_EQ(CountStepsContaining(run.steps, "winograd"), 0) << Join(run.steps);
}

// Convolutions whose weights exceed 256 KB run as blocks of output channels
// (xnnpack_conv_blocks.cc), each block an operator writing its channels of
// the output; a partial last block, strides, and the clamps folded into one.
TEST(XnnpackConv, WeightHeavyConvsRunInOutputChannelBlocks) {
  Conv2DAttrs relu = ConvAttrs(3, 1, 1);
  relu.activation.kind = ActivationKind::kRelu;
  struct Case {
    const char* what;
    Shape input;
    int out;
    Conv2DAttrs attrs;
    bool relu6_after;
  };
  const Case cases[] = {
      {"3x3 256 -> 64 at 7x7 (4 blocks of 16)", {1, 256, 7, 7}, 64, ConvAttrs(3, 1, 1), false},
      {"1x1 s2 1024 -> 80 (blocks of 64 and 16)", {2, 1024, 8, 8}, 80, ConvAttrs(1, 2, 0), false},
      {"fused relu then relu6", {1, 256, 7, 7}, 40, relu, true},
  };
  for (const Case& c : cases) {
    XnnpackRun run;
    CheckOp(
        c.what, c.input,
        [&](GraphBuilder* b, int x) {
          const int y = b->Conv("c", x, c.out, c.attrs);
          return c.relu6_after ? b->Relu6("r6", y) : y;
        },
        &run);
    EXPECT_EQ(CountStepsContaining(run.steps, "in output-channel blocks"), 1) << c.what << "\n"
                                                                              << Join(run.steps);
  }
  // Clamps that do not intersect (a fused Clip to [-1, -0.5], then a Relu:
  // all zeros) cannot be one clamp, so the Relu runs apart, after a blocked
  // conv and after a plain one (XNNPACK folds a clamp into its producer's
  // and refused to create the runtime).
  Conv2DAttrs negative = ConvAttrs(3, 1, 1);
  negative.activation = {ActivationKind::kClip, -1.0f, -0.5f};
  Conv2DAttrs negative_1x1 = ConvAttrs(1, 1, 0);
  negative_1x1.activation = negative.activation;
  XnnpackRun run;
  CheckOp(
      "disjoint clamps, blocked", {1, 256, 7, 7},
      [&](GraphBuilder* b, int x) { return b->Relu("r", b->Conv("c", x, 32, negative)); }, &run);
  EXPECT_EQ(CountSteps(run.steps, "shared c (1 in, 1 out) in output-channel blocks"), 1)
      << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "runtime r "), 1) << Join(run.steps);
  CheckOp(
      "disjoint clamps, whole", {1, 16, 7, 7},
      [&](GraphBuilder* b, int x) { return b->Relu("r", b->Conv("c", x, 8, negative_1x1)); }, &run);
  EXPECT_EQ(CountSteps(run.steps, "shared c (1 in, 1 out)"), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "runtime r "), 1) << Join(run.steps);
  // Weights of 256 KB or less, and SEAM_XNNPACK_CONV_BLOCKS=0: whole.
  CheckOp(
      "small weights", {1, 64, 7, 7},
      [&](GraphBuilder* b, int x) { return b->Conv("c", x, 64, ConvAttrs(3, 1, 1)); }, &run);
  EXPECT_EQ(CountStepsContaining(run.steps, "blocks"), 0) << Join(run.steps);
  ASSERT_EQ(setenv("SEAM_XNNPACK_CONV_BLOCKS", "0", 1), 0);
  CheckOp(
      "turned off", {1, 256, 7, 7},
      [&](GraphBuilder* b, int x) { return b->Conv("c", x, 64, ConvAttrs(3, 1, 1)); }, &run);
  unsetenv("SEAM_XNNPACK_CONV_BLOCKS");
  EXPECT_EQ(CountStepsContaining(run.steps, "blocks"), 0) << Join(run.steps);
}

// --- FullyConnected / MatMul -----------------------------------------------------

TEST(XnnpackFullyConnected, PlainBatchedAndFused) {
  CheckOp("fc", {1, 40}, [](GraphBuilder* b, int x) { return b->FullyConnected("f", x, 10); });
  CheckOp("fc batch 3 no bias relu", {3, 17}, [](GraphBuilder* b, int x) {
    return b->FullyConnected("f", x, 9, false, ActivationKind::kRelu);
  });
  CheckOp("fc sigmoid", {2, 8}, [](GraphBuilder* b, int x) {
    return b->FullyConnected("f", x, 5, true, ActivationKind::kSigmoid);
  });
}

TEST(XnnpackFullyConnected, AfterFlattenOfNhwcPermutesWeights) {
  XnnpackRun run;
  CheckOp(
      "conv -> flatten -> fc", {2, 3, 6, 5},
      [](GraphBuilder* b, int x) {
        const int c = b->Conv("c", x, 4, 3, 1, 1);
        const int f = b->Flatten("flat", c);
        return b->FullyConnected("f", f, 7);
      },
      &run);
  // No transpose between the conv and the FC: only the input's.
  EXPECT_EQ(CountSteps(run.steps, "to_nhwc"), 1) << xnnpack_test::Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "to_nchw"), 0) << xnnpack_test::Join(run.steps);
  CheckOp("conv -> reshape [N,-1] -> fc relu", {1, 5, 4, 4}, [](GraphBuilder* b, int x) {
    const int c = b->Conv("c", x, 3, 1);
    const int f = b->Reshape("r", c, {1, -1});
    return b->FullyConnected("f", f, 6, true, ActivationKind::kRelu);
  });
}

TEST(XnnpackMatMul, ConstantRightOperand) {
  CheckOp("matmul 2d", {4, 8}, [](GraphBuilder* b, int x) {
    const int w = b->RandomUniform("B", {8, 5}, 0.5f);
    return b->AddNode(OpType::kMatMul, "m", {x, w});
  });
  CheckOp("matmul 3d", {2, 3, 6}, [](GraphBuilder* b, int x) {
    const int w = b->RandomUniform("B", {6, 4}, 0.5f);
    return b->AddNode(OpType::kMatMul, "m", {x, w});
  });
  EXPECT_NE(DeclineReason({2, 3, 6},
                          [](GraphBuilder* b, int x) {
                            const int w = b->Input("B", {6, 4});
                            return b->AddNode(OpType::kMatMul, "m", {x, w});
                          }),
            "");
}

// --- pooling -----------------------------------------------------------------------

TEST(XnnpackPool, MaxPool) {
  CheckOp("3x3 s2 p1", {1, 8, 15, 15},
          [](GraphBuilder* b, int x) { return b->MaxPool("p", x, 3, 2, 1); });
  CheckOp("2x2 s2", {2, 5, 8, 8}, [](GraphBuilder* b, int x) { return b->MaxPool("p", x, 2, 2); });
  CheckOp("3x3 s2 ceil (caffe)", {1, 4, 112, 112},
          [](GraphBuilder* b, int x) { return b->MaxPool("p", x, 3, 2, 0, true); });
  CheckOp("3x3 s2 p1 ceil", {1, 3, 14, 14},
          [](GraphBuilder* b, int x) { return b->MaxPool("p", x, 3, 2, 1, true); });
  CheckOp("3x3 s1 p1 (inception branch)", {1, 6, 7, 7},
          [](GraphBuilder* b, int x) { return b->MaxPool("p", x, 3, 1, 1); });
  CheckOp("1x1 s2", {1, 5, 9, 9}, [](GraphBuilder* b, int x) { return b->MaxPool("p", x, 1, 2); });
  CheckOp("asymmetric pads", {1, 3, 10, 9}, [](GraphBuilder* b, int x) {
    PoolAttrs a = Pool(3, 2, 0);
    a.pad_top = 1;
    a.pad_right = 2;
    return b->AddNode(OpType::kMaxPool, "p", {x}, a);
  });
}

TEST(XnnpackPool, AveragePoolCountIncludePadBothWays) {
  for (bool include : {false, true}) {
    const std::string tag = include ? " include_pad" : " exclude_pad";
    CheckOp("3x3 s1 p1" + tag, {1, 6, 9, 9}, [include](GraphBuilder* b, int x) {
      return b->AveragePool("p", x, 3, 1, 1, false, include);
    });
    CheckOp("3x3 s2 p1" + tag, {2, 4, 10, 10}, [include](GraphBuilder* b, int x) {
      return b->AveragePool("p", x, 3, 2, 1, false, include);
    });
    CheckOp("3x3 s2 p1 ceil" + tag, {1, 4, 10, 10}, [include](GraphBuilder* b, int x) {
      return b->AveragePool("p", x, 3, 2, 1, true, include);
    });
    CheckOp("2x2 s2 ceil" + tag, {1, 3, 7, 7}, [include](GraphBuilder* b, int x) {
      return b->AveragePool("p", x, 2, 2, 0, true, include);
    });
  }
  CheckOp("2x2 s2", {1, 8, 8, 8},
          [](GraphBuilder* b, int x) { return b->AveragePool("p", x, 2, 2); });
  CheckOp("7x7 s1 (global-like)", {1, 16, 7, 7},
          [](GraphBuilder* b, int x) { return b->AveragePool("p", x, 7, 1); });
  CheckOp("1x1 s2", {1, 5, 8, 8},
          [](GraphBuilder* b, int x) { return b->AveragePool("p", x, 1, 2); });
}

TEST(XnnpackPool, GlobalAveragePool) {
  CheckOp("gap", {2, 10, 7, 5},
          [](GraphBuilder* b, int x) { return b->GlobalAveragePool("g", x); });
  CheckOp("gap 1x1", {1, 10, 1, 1},
          [](GraphBuilder* b, int x) { return b->GlobalAveragePool("g", x); });
}

// --- elementwise -----------------------------------------------------------------

TEST(XnnpackElementwise, Activations) {
  for (const Shape& shape : {Shape{1, 6, 5, 7}, Shape{3, 11}}) {
    const std::string s = shape.ToString();
    CheckOp("relu " + s, shape, [](GraphBuilder* b, int x) { return b->Relu("r", x); });
    CheckOp("relu6 " + s, shape, [](GraphBuilder* b, int x) { return b->Relu6("r", x); });
    CheckOp("clip " + s, shape, [](GraphBuilder* b, int x) {
      return b->AddNode(OpType::kClip, "c", {x}, ClipAttrs{-0.25f, 0.5f});
    });
    CheckOp("leaky " + s, shape, [](GraphBuilder* b, int x) { return b->LeakyRelu("l", x, 0.2f); });
    CheckOp("sigmoid " + s, shape,
            [](GraphBuilder* b, int x) { return b->AddNode(OpType::kSigmoid, "s", {x}); });
    CheckOp("hardswish " + s, shape,
            [](GraphBuilder* b, int x) { return b->AddNode(OpType::kHardSwish, "h", {x}); });
    CheckOp("identity " + s, shape,
            [](GraphBuilder* b, int x) { return b->AddNode(OpType::kIdentity, "i", {x}); });
  }
  EXPECT_NE(DeclineReason(
                {1, 4}, [](GraphBuilder* b, int x) { return b->AddNode(OpType::kTanh, "t", {x}); })
                .find("tanh"),
            std::string::npos);
}

TEST(XnnpackElementwise, AddAndMulWithBroadcasting) {
  for (OpType op : {OpType::kAdd, OpType::kMul}) {
    const std::string n = OpTypeName(op);
    CheckOp(n + " same shape", {2, 4, 5, 6}, [op](GraphBuilder* b, int x) {
      const int c = b->Conv("c", x, 4, 1);
      return b->AddNode(op, "a", {x, c});
    });
    CheckOp(n + " broadcast constant [1,C,1,1]", {1, 4, 5, 6}, [op](GraphBuilder* b, int x) {
      const int k = b->RandomUniform("k", {1, 4, 1, 1}, 1.0f);
      return b->AddNode(op, "a", {x, k});
    });
    CheckOp(n + " broadcast constant [C,1,1] first", {2, 3, 4, 4}, [op](GraphBuilder* b, int x) {
      const int k = b->RandomUniform("k", {3, 1, 1}, 1.0f);
      return b->AddNode(op, "a", {k, x});
    });
    CheckOp(n + " broadcast constant [H,W]", {1, 3, 4, 5}, [op](GraphBuilder* b, int x) {
      const int k = b->RandomUniform("k", {4, 5}, 1.0f);
      return b->AddNode(op, "a", {x, k});
    });
    CheckOp(n + " squeeze-excite [N,C,1,1] x [N,C,H,W]", {2, 6, 5, 5},
            [op](GraphBuilder* b, int x) {
              const int g = b->GlobalAveragePool("g", x);
              return b->AddNode(op, "a", {g, x});
            });
    CheckOp(n + " rank 2 with constant [K]", {3, 7}, [op](GraphBuilder* b, int x) {
      const int k = b->RandomUniform("k", {7}, 1.0f);
      return b->AddNode(op, "a", {x, k});
    });
  }
  // A rank-2 activation broadcast against rank 4 would need an NHWC view of it.
  EXPECT_NE(DeclineReason({1, 3, 4, 5},
                          [](GraphBuilder* b, int x) {
                            const int y = b->Input("y", {4, 5});
                            return b->AddNode(OpType::kAdd, "a", {x, y});
                          }),
            "");
}

TEST(XnnpackBatchNorm, StandaloneOn4dAnd2d) {
  CheckOp("bn 4d", {2, 5, 6, 7}, [](GraphBuilder* b, int x) { return b->BatchNorm("bn", x); });
  CheckOp("bn 2d", {3, 9}, [](GraphBuilder* b, int x) { return b->BatchNorm("bn", x); });
  CheckOp("bn 3d", {2, 4, 5}, [](GraphBuilder* b, int x) { return b->BatchNorm("bn", x); });
  // One pass with the Relu6 after it, over enough rows for several tasks.
  XnnpackRun run;
  CheckOp(
      "bn + relu6, 72000 floats", {2, 40, 30, 30},
      [](GraphBuilder* b, int x) { return b->Relu6("r6", b->BatchNorm("bn", x)); }, &run);
  EXPECT_EQ(CountSteps(run.steps, "scale_shift bn+r6"), 1) << Join(run.steps);
  CheckOp(
      "bn + relu on 3d", {3, 50, 400},
      [](GraphBuilder* b, int x) { return b->Relu("r", b->BatchNorm("bn", x)); }, &run);
  EXPECT_EQ(CountSteps(run.steps, "scale_shift bn+r"), 1) << Join(run.steps);
}

// --- shape ops -----------------------------------------------------------------------

TEST(XnnpackSoftmax, LastAxisInMemory) {
  CheckOp("softmax 2d", {3, 10}, [](GraphBuilder* b, int x) { return b->Softmax("s", x); });
  CheckOp("softmax 4d channels", {2, 7, 3, 3},
          [](GraphBuilder* b, int x) { return b->Softmax("s", x, 1); });
  CheckOp("softmax 3d last", {2, 3, 9}, [](GraphBuilder* b, int x) { return b->Softmax("s", x); });
  EXPECT_NE(
      DeclineReason({2, 7, 3, 3}, [](GraphBuilder* b, int x) { return b->Softmax("s", x, -1); }),
      "");
  EXPECT_NE(DeclineReason({2, 7, 3}, [](GraphBuilder* b, int x) { return b->Softmax("s", x, 1); }),
            "");
}

TEST(XnnpackPad, ConstantOnly) {
  CheckOp("pad spatial", {1, 3, 5, 6}, [](GraphBuilder* b, int x) {
    PadAttrs a;
    a.pads = {0, 0, 1, 2, 0, 0, 3, 0};
    a.value = 0.5f;
    return b->AddNode(OpType::kPad, "p", {x}, a);
  });
  CheckOp("pad channels and batch", {1, 3, 4, 4}, [](GraphBuilder* b, int x) {
    PadAttrs a;
    a.pads = {1, 2, 0, 0, 0, 1, 0, 1};
    return b->AddNode(OpType::kPad, "p", {x}, a);
  });
  CheckOp("pad then conv", {1, 3, 6, 6}, [](GraphBuilder* b, int x) {
    PadAttrs a;
    a.pads = {0, 0, 1, 1, 0, 0, 1, 1};
    const int p = b->AddNode(OpType::kPad, "p", {x}, a);
    return b->Conv("c", p, 4, 3);
  });
  CheckOp("pad 2d", {2, 5}, [](GraphBuilder* b, int x) {
    PadAttrs a;
    a.pads = {0, 2, 1, 1};
    a.value = -1.0f;
    return b->AddNode(OpType::kPad, "p", {x}, a);
  });
  EXPECT_NE(DeclineReason({1, 3, 5, 5},
                          [](GraphBuilder* b, int x) {
                            PadAttrs a;
                            a.pads = {0, 0, 1, 1, 0, 0, 1, 1};
                            a.mode = PadMode::kReflect;
                            return b->AddNode(OpType::kPad, "p", {x}, a);
                          }),
            "");
  EXPECT_NE(DeclineReason({1, 3, 5, 5},
                          [](GraphBuilder* b, int x) {
                            PadAttrs a;
                            a.pads = {0, 0, -1, 0, 0, 0, 0, 0};
                            return b->AddNode(OpType::kPad, "p", {x}, a);
                          }),
            "");
}

TEST(XnnpackReshape, LayoutSafeOnly) {
  CheckOp("flatten of nhwc (kept channel-last, transposed at the exit)", {2, 3, 4, 5},
          [](GraphBuilder* b, int x) { return b->Flatten("f", b->Relu("r", x)); });
  CheckOp("flatten after gap", {2, 8, 3, 3},
          [](GraphBuilder* b, int x) { return b->Flatten("f", b->GlobalAveragePool("g", x)); });
  CheckOp("reshape 2d -> [N,K,1,1] -> conv", {2, 6}, [](GraphBuilder* b, int x) {
    const int r = b->Reshape("r", x, {2, 6, 1, 1});
    return b->Conv("c", r, 3, 1);
  });
  CheckOp("reshape 3d", {2, 3, 4}, [](GraphBuilder* b, int x) {
    return b->Reshape("r", b->Relu("a", x), {6, 4});
  });
  CheckOp("flatten -> reshape back to 4d -> conv", {1, 4, 3, 3}, [](GraphBuilder* b, int x) {
    const int f = b->Flatten("f", b->Relu("a", x));
    const int r = b->Reshape("r", f, {1, 4, 3, 3});
    return b->Conv("c", r, 2, 3, 1, 1);
  });
  // [N, C*H*W] in NCHW order cannot become NHWC without a transpose.
  EXPECT_NE(DeclineReason({1, 24},
                          [](GraphBuilder* b, int x) {
                            return b->Reshape("r", x, {1, 6, 2, 2});
                          })
                .find("transpose"),
            std::string::npos);
  EXPECT_NE(DeclineReason({1, 6, 2, 2},
                          [](GraphBuilder* b, int x) {
                            return b->Reshape("r", b->Relu("a", x), {1, 3, 8});
                          }),
            "");
}

// --- Concat ------------------------------------------------------------------------

TEST(XnnpackConcat, ChannelsOfTwoAndFourBranches) {
  XnnpackRun run;
  CheckOp(
      "2 branches", {1, 4, 6, 6},
      [](GraphBuilder* b, int x) {
        const int a = b->Conv("a", x, 3, 1);
        const int c = b->Conv("c", x, 5, 3, 1, 1);
        return b->Concat("cat", {a, c});
      },
      &run);
  EXPECT_EQ(CountSteps(run.steps, "copy"), 1) << xnnpack_test::Join(run.steps);
  CheckOp(
      "4 branches, inception-like, then conv", {2, 6, 7, 7},
      [](GraphBuilder* b, int x) {
        const int b1 = b->Conv("b1", x, 4, 1, 1, 0, 1, true, ActivationKind::kRelu);
        const int b2 = b->Conv("b2", b->Conv("b2a", x, 3, 1), 5, 3, 1, 1);
        const int b3 = b->Conv("b3", b->Conv("b3a", x, 2, 1), 3, 5, 1, 2);
        const int b4 = b->Conv("b4", b->MaxPool("b4p", x, 3, 1, 1), 2, 1);
        const int cat = b->Concat("cat", {b1, b2, b3, b4});
        return b->Conv("after", cat, 4, 1);
      },
      &run);
  // Seven convs in shared runtimes, the pool in a runtime, the concat a copy.
  EXPECT_EQ(CountSteps(run.steps, "shared"), 7) << xnnpack_test::Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "runtime"), 1) << xnnpack_test::Join(run.steps);
  CheckOp("segment input straight into concat", {1, 3, 5, 5}, [](GraphBuilder* b, int x) {
    return b->Concat("cat", {x, b->Relu("r", x)});
  });
  CheckOp("dense chain (concat of concat)", {1, 4, 5, 5}, [](GraphBuilder* b, int x) {
    int cur = x;
    for (int i = 0; i < 3; ++i) {
      const int y =
          b->Conv("c" + std::to_string(i), b->Relu("r" + std::to_string(i), cur), 2, 3, 1, 1);
      cur = b->Concat("cat" + std::to_string(i), {cur, y});
    }
    return cur;
  });
}

TEST(XnnpackConcat, OtherAxesAndRanks) {
  CheckOp("axis 2 (height)", {1, 3, 4, 5}, [](GraphBuilder* b, int x) {
    return b->Concat("cat", {x, b->Relu("r", x)}, 2);
  });
  CheckOp("axis 3 (width)", {2, 3, 4, 5}, [](GraphBuilder* b, int x) {
    return b->Concat("cat", {b->Relu("r", x), x}, -1);
  });
  CheckOp("axis 0", {1, 3, 4, 5}, [](GraphBuilder* b, int x) {
    return b->Concat("cat", {x, b->Relu("r", x)}, 0);
  });
  CheckOp("rank 2 axis 1", {2, 5}, [](GraphBuilder* b, int x) {
    return b->Concat("cat", {x, b->FullyConnected("f", x, 3)}, 1);
  });
}

TEST(XnnpackDeclines, OpsThisSnapshotLacks) {
  EXPECT_NE(DeclineReason({1, 8, 5, 5}, [](GraphBuilder* b,
                                           int x) { return b->LRN("l", x, 5, 1e-4f, 0.75f, 1.f); })
                .find("LRN"),
            std::string::npos);
  EXPECT_NE(DeclineReason({1, 3, 4, 5},
                          [](GraphBuilder* b, int x) {
                            TransposeAttrs a;
                            a.perm = {0, 2, 3, 1};
                            return b->AddNode(OpType::kTranspose, "t", {x}, a);
                          }),
            "");
  EXPECT_NE(DeclineReason({5, 1, 8}, [](GraphBuilder* b, int x) { return b->LSTM("l", x, 4); }),
            "");
}

}  // namespace
}  // namespace seam

#endif  // SEAM_WITH_XNNPACK
