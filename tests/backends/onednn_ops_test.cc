// oneDNN backend, one op at a time: every supported variant of every op
// against the reference kernels, and the variants it must decline.
#if SEAM_WITH_ONEDNN

#include <functional>
#include <string>

#include "backends/backend_registry.h"
#include "tests/backends/onednn_test_util.h"

namespace seam {
namespace {

using onednn_test::CheckGraph;
using onednn_test::CountSteps;
using onednn_test::OneDnnRun;

// Builds input -> body -> output and checks it against the reference.
void CheckOp(const std::string& what, const Shape& input,
             const std::function<int(GraphBuilder*, int)>& body, OneDnnRun* run = nullptr) {
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
  EXPECT_TRUE(CreateOneDnnBackend(b.graph(), {}, &backend).ok());
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

TEST(OneDnnConv, PlainStridedPaddedAndWithoutBias) {
  CheckOp("3x3 s1 p1", {1, 8, 12, 12},
          [](GraphBuilder* b, int x) { return b->Conv("c", x, 16, 3, 1, 1); });
  CheckOp("3x3 s2 p1", {2, 5, 13, 11},
          [](GraphBuilder* b, int x) { return b->Conv("c", x, 7, 3, 2, 1); });
  CheckOp("7x7 s2 p3 C=3", {1, 3, 32, 32},
          [](GraphBuilder* b, int x) { return b->Conv("c", x, 16, 7, 2, 3, 1, false); });
  CheckOp("1x1", {1, 32, 7, 7}, [](GraphBuilder* b, int x) { return b->Conv("c", x, 64, 1); });
  CheckOp("5x5 no bias", {1, 4, 9, 9},
          [](GraphBuilder* b, int x) { return b->Conv("c", x, 6, 5, 1, 2, 1, false); });
}

TEST(OneDnnConv, AsymmetricKernelsAndPads) {
  CheckOp("3x1 asymmetric pads", {1, 6, 10, 9}, [](GraphBuilder* b, int x) {
    Conv2DAttrs a = ConvAttrs(1, 1, 0);
    a.kernel_h = 3;
    a.kernel_w = 1;
    a.pad_top = 2;
    a.pad_bottom = 0;
    a.pad_left = 1;
    a.pad_right = 0;
    a.stride_w = 2;
    return b->Conv("c", x, 8, a);
  });
  CheckOp("2x2 TF-SAME style pads", {1, 4, 8, 8}, [](GraphBuilder* b, int x) {
    Conv2DAttrs a = ConvAttrs(2, 2, 0);
    a.pad_bottom = 1;
    a.pad_right = 1;
    return b->Conv("c", x, 4, a);
  });
}

TEST(OneDnnConv, GroupedDepthwiseAndDilated) {
  CheckOp("grouped g=4", {1, 16, 10, 10},
          [](GraphBuilder* b, int x) { return b->Conv("c", x, 32, 3, 1, 1, 4); });
  CheckOp("depthwise", {1, 24, 14, 14},
          [](GraphBuilder* b, int x) { return b->Conv("c", x, 24, 3, 2, 1, 24); });
  CheckOp("depthwise multiplier 2", {1, 8, 9, 9},
          [](GraphBuilder* b, int x) { return b->Conv("c", x, 16, 3, 1, 1, 8); });
  CheckOp("dilated 2", {1, 6, 16, 16}, [](GraphBuilder* b, int x) {
    return b->Conv("c", x, 8, 3, 1, 2, 1, true, ActivationKind::kNone, 2);
  });
  CheckOp("grouped dilated asymmetric", {1, 8, 15, 12}, [](GraphBuilder* b, int x) {
    Conv2DAttrs a = ConvAttrs(3, 1, 1, 2, 3);
    a.dilation_w = 1;
    a.pad_top = 3;
    a.pad_bottom = 2;
    return b->Conv("c", x, 6, a);
  });
}

TEST(OneDnnConv, EveryFusedActivation) {
  const struct {
    ActivationKind kind;
    float alpha, beta;
  } cases[] = {{ActivationKind::kRelu, 0, 0},         {ActivationKind::kClip, -0.2f, 0.3f},
               {ActivationKind::kLeakyRelu, 0.1f, 0}, {ActivationKind::kSigmoid, 0, 0},
               {ActivationKind::kTanh, 0, 0},         {ActivationKind::kHardSwish, 0, 0}};
  for (const auto& c : cases) {
    OneDnnRun run;
    CheckOp(
        "activation " + std::to_string(static_cast<int>(c.kind)), {1, 6, 9, 9},
        [&](GraphBuilder* b, int x) {
          Conv2DAttrs a = ConvAttrs(3, 1, 1);
          a.activation = {c.kind, c.alpha, c.beta};
          return b->Conv("c", x, 12, a);
        },
        &run);
    // The activation is a post-op: one convolution and no eltwise primitive.
    EXPECT_EQ(CountSteps(run.steps, "convolution"), 1);
    EXPECT_EQ(CountSteps(run.steps, "eltwise"), 0);
  }
}

TEST(OneDnnConv, DeclinesDynamicWeights) {
  GraphBuilder b;
  const int x = b.Input("x", {1, 2, 5, 5});
  const int w = b.Input("w", {3, 2, 3, 3});
  b.Output(b.AddNode(OpType::kConv2D, "c", {x, w}, ConvAttrs(3, 1, 1)));
  ASSERT_TRUE(b.Finish().ok()) << b.status().ToString();
  std::shared_ptr<Backend> backend;
  ASSERT_TRUE(CreateOneDnnBackend(b.graph(), {}, &backend).ok());
  std::string reason;
  EXPECT_FALSE(backend->Supports(0, &reason));
  EXPECT_NE(reason.find("constant"), std::string::npos) << reason;
}

TEST(OneDnnFullyConnected, BiasNoBiasAndActivation) {
  CheckOp("fc", {3, 40}, [](GraphBuilder* b, int x) { return b->FullyConnected("fc", x, 17); });
  CheckOp("fc no bias", {1, 64},
          [](GraphBuilder* b, int x) { return b->FullyConnected("fc", x, 10, false); });
  OneDnnRun run;
  CheckOp(
      "fc relu6", {2, 33},
      [](GraphBuilder* b, int x) {
        FullyConnectedAttrs a;
        a.activation = {ActivationKind::kClip, 0.0f, 0.1f};
        const int w = b->RandomUniform("w", {9, 33}, 0.5f);
        const int bias = b->RandomUniform("b", {9}, 0.5f);
        return b->AddNode(OpType::kFullyConnected, "fc", {x, w, bias}, a);
      },
      &run);
  EXPECT_EQ(CountSteps(run.steps, "inner_product"), 1);
  EXPECT_EQ(CountSteps(run.steps, "eltwise"), 0);
}

PoolAttrs Pool(int kernel, int stride, int pad, bool ceil, bool include_pad) {
  PoolAttrs a;
  a.kernel_h = a.kernel_w = kernel;
  a.stride_h = a.stride_w = stride;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = pad;
  a.ceil_mode = ceil;
  a.count_include_pad = include_pad;
  return a;
}

TEST(OneDnnPool, MaxPoolPadsAndCeilMode) {
  for (bool ceil : {false, true}) {
    for (int pad : {0, 1}) {
      const std::string what =
          "maxpool 3/2 pad " + std::to_string(pad) + (ceil ? " ceil" : " floor");
      CheckOp(what, {1, 5, 12, 10}, [&](GraphBuilder* b, int x) {
        return b->AddNode(OpType::kMaxPool, "p", {x}, Pool(3, 2, pad, ceil, false));
      });
    }
  }
  CheckOp("maxpool 2/2 asymmetric", {2, 3, 7, 9}, [](GraphBuilder* b, int x) {
    PoolAttrs a = Pool(2, 2, 0, true, false);
    a.pad_top = 1;
    return b->AddNode(OpType::kMaxPool, "p", {x}, a);
  });
}

TEST(OneDnnPool, AveragePoolDivisorBothWays) {
  for (bool include : {false, true}) {
    for (int pad : {0, 1}) {
      const std::string what =
          "avgpool 3/2 pad " + std::to_string(pad) + (include ? " include" : " exclude");
      CheckOp(what, {1, 4, 11, 11}, [&](GraphBuilder* b, int x) {
        return b->AddNode(OpType::kAveragePool, "p", {x}, Pool(3, 2, pad, false, include));
      });
    }
  }
  // ceil_mode with padding excluded: the extra padding never counts.
  CheckOp("avgpool ceil exclude", {1, 4, 12, 12}, [](GraphBuilder* b, int x) {
    return b->AddNode(OpType::kAveragePool, "p", {x}, Pool(3, 2, 1, true, false));
  });
  // ceil_mode with count_include_pad where no window hangs past the border.
  CheckOp("avgpool ceil include, exact", {1, 4, 11, 11}, [](GraphBuilder* b, int x) {
    return b->AddNode(OpType::kAveragePool, "p", {x}, Pool(3, 2, 1, true, true));
  });
}

TEST(OneDnnPool, DeclinesCeilWindowPastBorderWithIncludePad) {
  // 12 + 2 pads, kernel 3, stride 2: ceil mode adds a 7th window hanging one
  // past the padded border, which seam divides by 2 rows and oneDNN by 3.
  const std::string reason = DeclineReason({1, 4, 12, 12}, [](GraphBuilder* b, int x) {
    return b->AddNode(OpType::kAveragePool, "p", {x}, Pool(3, 2, 1, true, true));
  });
  EXPECT_NE(reason.find("count_include_pad"), std::string::npos) << reason;
}

TEST(OneDnnPool, GlobalAveragePool) {
  CheckOp("gap 7x7", {2, 64, 7, 7},
          [](GraphBuilder* b, int x) { return b->GlobalAveragePool("g", x); });
  CheckOp("gap 5x3", {1, 10, 5, 3},
          [](GraphBuilder* b, int x) { return b->GlobalAveragePool("g", x); });
}

TEST(OneDnnLRN, OddSizesAndDeclinesEven) {
  CheckOp("lrn 5", {1, 16, 9, 9},
          [](GraphBuilder* b, int x) { return b->LRN("l", x, 5, 1e-4f, 0.75f, 2.0f); });
  CheckOp("lrn 3 strong", {2, 7, 6, 5},
          [](GraphBuilder* b, int x) { return b->LRN("l", x, 3, 0.5f, 0.6f, 1.0f); });
  CheckOp("lrn wider than the channels", {1, 3, 4, 4},
          [](GraphBuilder* b, int x) { return b->LRN("l", x, 7, 0.3f, 0.75f, 1.0f); });
  const std::string reason = DeclineReason(
      {1, 8, 4, 4}, [](GraphBuilder* b, int x) { return b->LRN("l", x, 4, 1e-4f, 0.75f, 1.0f); });
  EXPECT_NE(reason.find("even size"), std::string::npos) << reason;
}

TEST(OneDnnBatchNorm, FourAndTwoDimensional) {
  CheckOp("bn 4d", {2, 12, 7, 5}, [](GraphBuilder* b, int x) { return b->BatchNorm("bn", x); });
  CheckOp("bn 2d", {3, 20}, [](GraphBuilder* b, int x) { return b->BatchNorm("bn", x, 1e-3f); });
  OneDnnRun run;
  CheckOp(
      "bn + relu", {1, 16, 6, 6},
      [](GraphBuilder* b, int x) { return b->Relu("r", b->BatchNorm("bn", x)); }, &run);
  EXPECT_EQ(CountSteps(run.steps, "batch_normalization"), 1);
  EXPECT_EQ(CountSteps(run.steps, "eltwise"), 0);
}

TEST(OneDnnEltwise, EveryActivationOp) {
  const Shape s{2, 6, 5, 7};
  CheckOp("relu", s, [](GraphBuilder* b, int x) { return b->Relu("r", x); });
  CheckOp("relu6", s, [](GraphBuilder* b, int x) { return b->Relu6("r", x); });
  CheckOp("leaky", s, [](GraphBuilder* b, int x) { return b->LeakyRelu("r", x, 0.2f); });
  CheckOp("clip", s, [](GraphBuilder* b, int x) {
    ClipAttrs a;
    a.min = -0.25f;
    a.max = 0.5f;
    return b->AddNode(OpType::kClip, "r", {x}, a);
  });
  for (OpType op : {OpType::kSigmoid, OpType::kTanh, OpType::kHardSwish}) {
    CheckOp(OpTypeName(op), s, [&](GraphBuilder* b, int x) {
      // Scale the input up so the tails of the curves are exercised too.
      const int k = b->Constant("k", {1}, {4.0f});
      return b->AddNode(op, "r", {b->AddNode(OpType::kMul, "m", {x, k})});
    });
  }
  CheckOp("relu 2d", {3, 11}, [](GraphBuilder* b, int x) { return b->Relu("r", x); });
}

TEST(OneDnnBinary, SameShapeAndBroadcasts) {
  CheckOp("add same shape", {2, 4, 5, 5},
          [](GraphBuilder* b, int x) { return b->Add("a", x, b->Relu("r", x)); });
  CheckOp("mul per-channel constant [C,1,1]", {1, 6, 4, 4}, [](GraphBuilder* b, int x) {
    const int c = b->RandomUniform("c", {6, 1, 1}, 1.0f);
    return b->AddNode(OpType::kMul, "m", {x, c});
  });
  CheckOp("add constant first operand broadcasting", {1, 6, 4, 4}, [](GraphBuilder* b, int x) {
    const int c = b->RandomUniform("c", {1, 6, 1, 1}, 1.0f);
    return b->AddNode(OpType::kAdd, "a", {c, x});
  });
  CheckOp("mul activation [N,C,1,1] (squeeze-excite)", {1, 8, 6, 6}, [](GraphBuilder* b, int x) {
    const int g = b->GlobalAveragePool("g", x);
    const int s = b->AddNode(OpType::kSigmoid, "s", {g});
    return b->AddNode(OpType::kMul, "m", {x, s});
  });
  CheckOp("add scalar", {2, 9}, [](GraphBuilder* b, int x) {
    const int c = b->Constant("c", {1}, {0.5f});
    return b->AddNode(OpType::kAdd, "a", {x, c});
  });
  CheckOp("add row vector", {3, 5, 7}, [](GraphBuilder* b, int x) {
    const int c = b->RandomUniform("c", {7}, 1.0f);
    return b->AddNode(OpType::kAdd, "a", {x, c});
  });
  const std::string reason = DeclineReason({1, 4, 1, 5}, [](GraphBuilder* b, int x) {
    const int c = b->RandomUniform("c", {1, 1, 3, 1}, 1.0f);
    return b->AddNode(OpType::kAdd, "a", {x, c});
  });
  EXPECT_NE(reason.find("both operands broadcast"), std::string::npos) << reason;
}

TEST(OneDnnConcat, AxesAndLayouts) {
  CheckOp("concat channels", {1, 4, 6, 6}, [](GraphBuilder* b, int x) {
    const int a = b->Conv("a", x, 8, 1);
    const int c = b->Conv("c", x, 5, 3, 1, 1);
    return b->Concat("cat", {a, x, c}, 1);
  });
  CheckOp("concat last axis", {2, 3, 4}, [](GraphBuilder* b, int x) {
    return b->Concat("cat", {x, b->Relu("r", x)}, -1);
  });
  CheckOp("concat batch", {1, 3, 5, 5}, [](GraphBuilder* b, int x) {
    return b->Concat("cat", {x, x}, 0);
  });
}

TEST(OneDnnSoftmax, Axes) {
  CheckOp("softmax last", {4, 1000}, [](GraphBuilder* b, int x) { return b->Softmax("s", x); });
  CheckOp("softmax channels 4d", {1, 10, 3, 3},
          [](GraphBuilder* b, int x) { return b->Softmax("s", x, 1); });
  CheckOp("softmax after conv", {1, 3, 6, 6},
          [](GraphBuilder* b, int x) { return b->Softmax("s", b->Conv("c", x, 16, 3), 1); });
}

TEST(OneDnnLayout, IdentityFlattenReshape) {
  CheckOp("flatten of gap", {2, 32, 5, 5}, [](GraphBuilder* b, int x) {
    const int g = b->GlobalAveragePool("g", b->Conv("c", x, 48, 3, 1, 1));
    return b->FullyConnected("fc", b->Flatten("f", g), 10);
  });
  CheckOp("flatten of a blocked conv output", {1, 3, 6, 6}, [](GraphBuilder* b, int x) {
    return b->FullyConnected("fc", b->Flatten("f", b->Conv("c", x, 20, 3, 1, 1)), 7);
  });
  CheckOp("reshape", {2, 6, 4}, [](GraphBuilder* b, int x) {
    return b->Relu("r", b->Reshape("rs", b->Relu("r0", x), {4, -1}));
  });
  CheckOp("identity", {1, 5, 3, 3}, [](GraphBuilder* b, int x) {
    return b->AddNode(OpType::kIdentity, "i", {b->Conv("c", x, 4, 1)});
  });
  CheckOp("identity of the input", {2, 7},
          [](GraphBuilder* b, int x) { return b->AddNode(OpType::kIdentity, "i", {x}); });
}

TEST(OneDnnLayout, UnusualRanks) {
  // Supported means compilable: ops that take any rank must work at the
  // extremes too, or a session would fail to compile.
  CheckOp("add rank 1", {9},
          [](GraphBuilder* b, int x) { return b->Add("a", x, b->Relu("r", x)); });
  CheckOp("mul rank 6 broadcast", {2, 1, 3, 2, 2, 3}, [](GraphBuilder* b, int x) {
    const int c = b->RandomUniform("c", {3, 1, 1, 3}, 1.0f);
    return b->AddNode(OpType::kMul, "m", {x, c});
  });
  CheckOp("softmax rank 1", {17}, [](GraphBuilder* b, int x) { return b->Softmax("s", x, 0); });
  CheckOp("softmax rank 3 middle", {2, 5, 3},
          [](GraphBuilder* b, int x) { return b->Softmax("s", x, 1); });
  CheckOp("bn rank 3", {2, 4, 6}, [](GraphBuilder* b, int x) { return b->BatchNorm("bn", x); });
  CheckOp("bn rank 5", {1, 3, 2, 3, 4},
          [](GraphBuilder* b, int x) { return b->BatchNorm("bn", x); });
  CheckOp("concat rank 1", {4}, [](GraphBuilder* b, int x) {
    return b->Concat("c", {x, x, x}, 0);
  });
  CheckOp("tanh rank 6", {1, 2, 1, 3, 2, 2},
          [](GraphBuilder* b, int x) { return b->AddNode(OpType::kTanh, "t", {x}); });
  CheckOp("reshape to rank 6", {2, 12}, [](GraphBuilder* b, int x) {
    return b->Reshape("rs", b->Relu("r", x), {1, 2, 2, 3, 2, 1});
  });
}

TEST(OneDnnBackendSupport, ReasonsForOpsWithoutLowering) {
  GraphBuilder b;
  const int x = b.Input("x", {2, 3, 4});
  TransposeAttrs t;
  t.perm = {0, 2, 1};
  b.Output(b.AddNode(OpType::kTranspose, "t", {x}, t));
  ASSERT_TRUE(b.Finish().ok());
  std::shared_ptr<Backend> backend;
  ASSERT_TRUE(CreateOneDnnBackend(b.graph(), {}, &backend).ok());
  EXPECT_STREQ(backend->name(), "onednn");
  std::string reason;
  EXPECT_FALSE(backend->Supports(0, &reason));
  EXPECT_NE(reason.find("Transpose"), std::string::npos) << reason;
  EXPECT_FALSE(backend->Supports(5, &reason));  // out of range: false, not a crash
  // The registry hands out this backend by name.
  std::shared_ptr<Backend> by_name;
  ASSERT_TRUE(CreateBackend("onednn", b.graph(), {}, &by_name).ok());
  ASSERT_NE(by_name, nullptr);
  EXPECT_STREQ(by_name->name(), "onednn");
}

}  // namespace
}  // namespace seam

#endif  // SEAM_WITH_ONEDNN
