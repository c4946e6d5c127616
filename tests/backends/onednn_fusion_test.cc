// oneDNN backend on small multi-op graphs: fusion (exact eltwise and sum
// post-ops, no BatchNorm folding), layouts kept between ops, segment outputs
// that block fusion, and the backend driven by the Session executor (partial
// support, node granularity, cuts, a backend shared by concurrent sessions).
#if SEAM_WITH_ONEDNN

#include <thread>

#include "backends/onednn/onednn_common.h"
#include "seam/cut.h"
#include "tests/backends/onednn_test_util.h"

namespace seam {
namespace {

using onednn_test::CheckGraph;
using onednn_test::CountSteps;
using onednn_test::CountStepsContaining;
using onednn_test::ExpectClose;
using onednn_test::Join;
using onednn_test::OneDnnRun;
using onednn_test::RandomInputs;
using onednn_test::RunOneDnnSegment;
using onednn_test::RunReference;

bool AnyContains(const std::vector<std::string>& lines, const std::string& text) {
  for (const std::string& l : lines) {
    if (l.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(OneDnnFusion, ConvReluPoolChainKeepsLayoutAndFusesRelu) {
  GraphBuilder b(3);
  int x = b.Input("x", {1, 3, 32, 32});
  x = b.Relu("relu1", b.Conv("conv1", x, 16, 3, 1, 1));
  x = b.MaxPool("pool1", x, 2, 2);
  x = b.Relu("relu2", b.Conv("conv2", x, 32, 3, 1, 1));
  x = b.AveragePool("pool2", x, 2, 2);
  x = b.Relu("relu3", b.Conv("conv3", x, 32, 3, 1, 1));
  x = b.GlobalAveragePool("gap", x);
  x = b.FullyConnected("fc", b.Flatten("flatten", x), 10);
  b.Output(b.Softmax("prob", x));
  ASSERT_TRUE(b.Finish().ok()) << b.status().ToString();
  OneDnnRun run;
  CheckGraph(b.graph(), "conv-relu-pool chain", &run);
  EXPECT_EQ(CountSteps(run.steps, "convolution"), 3) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "eltwise"), 0) << Join(run.steps);
  EXPECT_TRUE(AnyContains(run.steps, "convolution conv1+relu1 ")) << Join(run.steps);
  // Layout changes only where the segment starts: the input is reordered
  // once (for conv1) and nothing in between the convs needs a reorder. On
  // AVX-512 the convs run Winograd in nChw16c (all 3x3, WinogradGraph), and
  // flatten then needs the pooled [1, 32, 1, 1] plain: one more.
  EXPECT_LE(CountSteps(run.steps, "reorder"), 2) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "reorder relu") + CountSteps(run.steps, "reorder pool"), 0)
      << Join(run.steps);
}

TEST(OneDnnFusion, BatchNormIsNotFoldedIntoTheConv) {
  // Folding would round differently from the conv then the BatchNorm, which
  // is what a cut between them runs: the BN stays a primitive of its own,
  // fused with the Relu after it. Relu6 (a Clip) after a BN stays an eltwise.
  GraphBuilder b(4);
  int x = b.Input("x", {2, 8, 14, 14});
  x = b.Conv("conv", x, 16, 3, 1, 1, 1, /*bias=*/false);
  x = b.Relu("relu", b.BatchNorm("bn", x));
  x = b.Conv("conv2", x, 16, 3, 1, 1, 1, /*bias=*/false);
  b.Output(b.Relu6("relu6", b.BatchNorm("bn2", x)));
  ASSERT_TRUE(b.Finish().ok());
  OneDnnRun run;
  CheckGraph(b.graph(), "conv-bn-relu", &run);
  EXPECT_EQ(CountSteps(run.steps, "convolution conv "), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "batch_normalization bn+relu "), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "batch_normalization bn2 "), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "eltwise relu6 "), 1) << Join(run.steps);
  // A BN after an inner product, and an activation that is not exact as a
  // post-op (Sigmoid) after a conv: both stay separate primitives.
  GraphBuilder b2(5);
  int y = b2.Input("x", {3, 30});
  y = b2.BatchNorm("bn", b2.FullyConnected("fc", y, 12));
  b2.Output(b2.LeakyRelu("lrelu", y, 0.1f));
  ASSERT_TRUE(b2.Finish().ok());
  CheckGraph(b2.graph(), "fc-bn-leaky", &run);
  EXPECT_EQ(CountSteps(run.steps, "inner_product fc "), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "batch_normalization bn "), 1) << Join(run.steps);
  GraphBuilder b3(6);
  int z = b3.Input("x", {1, 4, 8, 8});
  z = b3.Relu("relu", b3.Conv("conv", z, 8, 3, 1, 1));
  z = b3.AddNode(OpType::kSigmoid, "sigmoid", {b3.Conv("conv2", z, 8, 3, 1, 1)});
  b3.Output(b3.LeakyRelu("lrelu", b3.Conv("conv3", z, 8, 3, 1, 1), 0.1f));
  ASSERT_TRUE(b3.Finish().ok());
  CheckGraph(b3.graph(), "conv-sigmoid", &run);
  EXPECT_EQ(CountSteps(run.steps, "convolution conv+relu "), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "convolution conv2 "), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "eltwise sigmoid "), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "convolution conv3+lrelu "), 1) << Join(run.steps);
}

TEST(OneDnnFusion, BatchNormAfterAConvWithActivation) {
  // conv(relu) -> BN -> Relu: a batch normalization primitive with the Relu.
  GraphBuilder b(17);
  int x = b.Input("x", {1, 6, 8, 8});
  x = b.Conv("conv", x, 8, 3, 1, 1, 1, true, ActivationKind::kRelu);
  b.Output(b.Relu("relu", b.BatchNorm("bn", x)));
  ASSERT_TRUE(b.Finish().ok());
  OneDnnRun run;
  CheckGraph(b.graph(), "conv(relu)-bn-relu", &run);
  EXPECT_EQ(CountSteps(run.steps, "convolution conv "), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "batch_normalization bn+relu "), 1) << Join(run.steps);
}

// Sum post-ops are fused only where they round like the separate add
// (FusionIsExact). On AVX-512 cores they do for every sum below; oneDNN's
// AVX2 kernels often start accumulating from the residual instead, so there
// a sum may stay a binary add, and these tests then check only the outputs
// (CheckGraph) and the split runs (split_invariant_test.cc).
bool SumsFuseHere() { return onednn::HasAvx512Core(); }

TEST(OneDnnFusion, InnerProductSumAndAddWithEltwise) {
  // fc(x) + y as a sum post-op; and an Add of two non-conv tensors as a
  // binary primitive with the Relu as its post-op.
  GraphBuilder b(18);
  const int x = b.Input("x", {2, 24});
  const int h = b.Relu("h", b.FullyConnected("fc0", x, 16));
  const int y = b.Add("sum", b.FullyConnected("fc1", h, 16), h);
  const int z = b.Relu("z", b.Add("add", b.Relu("r", y), b.Softmax("sm", y)));
  b.Output(z);
  ASSERT_TRUE(b.Finish().ok());
  OneDnnRun run;
  CheckGraph(b.graph(), "fc sum", &run);
  EXPECT_EQ(CountSteps(run.steps, "binary add+z "), 1) << Join(run.steps);
  if (!SumsFuseHere()) return;
  EXPECT_EQ(CountSteps(run.steps, "inner_product fc1+sum "), 1) << Join(run.steps);
}

// A ResNet basic block after a stem: the residual (the stem's output) lives
// inside the segment, so the sum can reuse its buffer. With batch_norm false
// it is the block as converted from ONNX, BatchNorms folded into conv biases.
void BasicBlock(GraphBuilder* b, bool downsample, bool batch_norm = true) {
  auto bn = [&](const std::string& name, int t) { return batch_norm ? b->BatchNorm(name, t) : t; };
  const bool bias = !batch_norm;
  int x = b->Input("x", {1, 8, 16, 16});
  x = b->Relu("stem_relu", bn("stem_bn", b->Conv("stem", x, 16, 3, 1, 1, 1, bias)));
  int y = b->Relu("relu", bn("bn1", b->Conv("conv1", x, 16, 3, downsample ? 2 : 1, 1, 1, bias)));
  y = bn("bn2", b->Conv("conv2", y, 16, 3, 1, 1, 1, bias));
  int shortcut = x;
  if (downsample) shortcut = bn("ds_bn", b->Conv("ds", x, 16, 1, 2, 0, 1, bias));
  y = b->Add("add", y, shortcut);
  b->Output(b->Relu("relu_1", y));
}

TEST(OneDnnFusion, ResidualBlockBecomesConvSumRelu) {
  for (bool downsample : {false, true}) {
    GraphBuilder b(6);
    BasicBlock(&b, downsample, /*batch_norm=*/false);
    ASSERT_TRUE(b.Finish().ok()) << b.status().ToString();
    OneDnnRun run;
    CheckGraph(b.graph(), downsample ? "residual block + downsample" : "residual block", &run);
    const std::string listing = Join(run.steps);
    EXPECT_EQ(CountSteps(run.steps, "convolution"), downsample ? 4 : 3) << listing;
    if (!SumsFuseHere()) continue;
    EXPECT_EQ(CountSteps(run.steps, "binary"), 0) << listing;
    EXPECT_EQ(CountSteps(run.steps, "eltwise"), 0) << listing;
    EXPECT_EQ(CountSteps(run.steps, "batch_normalization"), 0) << listing;
    EXPECT_TRUE(AnyContains(run.steps, "convolution conv2+add+relu_1 ")) << listing;
    // Either residual (the stem output, or the downsample computed after
    // conv2 in schedule order) is dead once the fused conv2 chain runs at the
    // Add, so the sum writes over it in place: the only reorders are the
    // segment input and output.
    EXPECT_EQ(CountSteps(run.steps, "reorder"), 2) << listing;
    EXPECT_FALSE(AnyContains(run.steps, "(sum operand)")) << listing;
  }
}

TEST(OneDnnFusion, ResidualThatIsAlsoTheConvSourceIsCopiedNotClobbered) {
  // y = relu(conv(x) + x): x feeds both the conv and the sum, so the sum
  // cannot write over x while the conv reads it.
  GraphBuilder b(7);
  int x = b.Input("x", {1, 16, 10, 10});
  x = b.Relu("r0", b.Conv("c0", x, 16, 1));
  const int y = b.Conv("c1", x, 16, 3, 1, 1);
  b.Output(b.Relu("r1", b.Add("add", y, x)));
  ASSERT_TRUE(b.Finish().ok());
  OneDnnRun run;
  CheckGraph(b.graph(), "conv + own source", &run);
  if (!SumsFuseHere()) return;
  EXPECT_TRUE(AnyContains(run.steps, "(sum operand)")) << Join(run.steps);
  EXPECT_TRUE(AnyContains(run.steps, "convolution c1+add+r1 ")) << Join(run.steps);
}

TEST(OneDnnFusion, ResidualFromSegmentInputIsCopiedIn) {
  GraphBuilder b(8);
  const int x = b.Input("x", {1, 8, 9, 9});
  b.Output(b.Add("add", b.Conv("c", x, 8, 3, 1, 1), x));
  ASSERT_TRUE(b.Finish().ok());
  OneDnnRun run;
  CheckGraph(b.graph(), "sum with a segment input", &run);
  if (!SumsFuseHere()) return;
  EXPECT_TRUE(AnyContains(run.steps, "convolution c+add ")) << Join(run.steps);
}

TEST(OneDnnFusion, SegmentOutputsBlockFusion) {
  // The conv output and the BN output are both exposed (as a cut would
  // expose them): nothing may be fused away, and all three come out right.
  GraphBuilder b(9);
  const int x = b.Input("x", {1, 4, 8, 8});
  const int c = b.Conv("conv", x, 8, 3, 1, 1);
  const int n = b.BatchNorm("bn", c);
  const int r = b.Relu("relu", n);
  b.Output(r);
  ASSERT_TRUE(b.Finish().ok());
  const Graph& g = b.graph();
  const auto inputs = RandomInputs(g);
  const std::vector<int> outputs = {r, c, n};
  std::vector<std::vector<float>> want;
  ASSERT_TRUE(RunReference(g, inputs, outputs, &want).ok());
  OneDnnRun run;
  const Status s = RunOneDnnSegment(g, inputs, outputs, &run);
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (size_t i = 0; i < outputs.size(); ++i)
    ExpectClose(run.outputs[i], want[i], g.tensors[outputs[i]].name);
  EXPECT_EQ(CountSteps(run.steps, "convolution conv "), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "batch_normalization bn "), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "eltwise relu "), 1) << Join(run.steps);
}

TEST(OneDnnFusion, ConcatOfInceptionBranches) {
  GraphBuilder b(10);
  int x = b.Input("x", {1, 16, 12, 12});
  x = b.Relu("stem_relu", b.Conv("stem", x, 24, 3, 1, 1));
  const int b1 = b.Relu("b1r", b.Conv("b1", x, 8, 1));
  const int b2 = b.Relu("b2r", b.Conv("b2", b.Relu("b2ar", b.Conv("b2a", x, 12, 1)), 16, 3, 1, 1));
  const int b3 = b.Relu("b3r", b.Conv("b3", b.Relu("b3ar", b.Conv("b3a", x, 4, 1)), 8, 5, 1, 2));
  const int b4 = b.Relu("b4r", b.Conv("b4", b.MaxPool("b4p", x, 3, 1, 1), 8, 1));
  const int cat = b.Concat("cat", {b1, b2, b3, b4}, 1);
  b.Output(b.Relu("out_relu", b.Conv("out", cat, 16, 1)));
  ASSERT_TRUE(b.Finish().ok());
  OneDnnRun run;
  CheckGraph(b.graph(), "inception", &run);
  // 8-channel branches do not fill a 16-channel block: a concat primitive
  // on AVX-512 (in place on AVX2's 8-channel blocks).
  EXPECT_LE(CountSteps(run.steps, "concat"), 1) << Join(run.steps);
  // The input and output conversions, plus at most one where a branch conv
  // prefers another layout than its producer (ISA-dependent: none on
  // AVX-512, one on AVX2).
  EXPECT_LE(CountSteps(run.steps, "reorder"), 3) << Join(run.steps);
}

TEST(OneDnnFusion, DenseConcatsRunInPlace) {
  // torchvision's DenseNet form: every layer concatenates all earlier maps.
  // The maps are written straight into one shared buffer (channel counts are
  // multiples of every oneDNN channel block), so no concat primitive runs.
  GraphBuilder b(13);
  const int x = b.Input("x", {1, 8, 10, 10});
  std::vector<int> maps = {b.Relu("stem_relu", b.Conv("stem", x, 32, 3, 1, 1))};
  for (int i = 0; i < 4; ++i) {
    const std::string p = "layer" + std::to_string(i) + ".";
    const int cat = b.Concat(p + "concat", maps, 1);
    maps.push_back(b.Relu(p + "relu", b.Conv(p + "conv", cat, 16, 3, 1, 1)));
  }
  b.Output(b.Conv("out", b.Concat("block", maps, 1), 16, 1));
  ASSERT_TRUE(b.Finish().ok()) << b.status().ToString();
  OneDnnRun run;
  CheckGraph(b.graph(), "dense block", &run);
  EXPECT_EQ(CountSteps(run.steps, "concat"), 0) << Join(run.steps);
  EXPECT_EQ(CountStepsContaining(run.steps, "(into its concat slice)"), 0) << Join(run.steps);
}

TEST(OneDnnFusion, ConcatSourcesProducedElsewhereAreCopiedIntoTheirSlices) {
  // "alias" is a reshape of a conv output, so it is not produced in its
  // slice and is copied in; two concats wanting "shared" at clashing places
  // leave the second one a concat primitive.
  GraphBuilder b(14);
  const int x = b.Input("x", {1, 16, 6, 6});
  const int shared = b.Relu("shared", b.Conv("shared_conv", x, 16, 3, 1, 1));
  const int alias = b.Reshape("alias", b.Conv("alias_conv", x, 16, 1), {1, 16, 6, 6});
  const int q = b.Conv("q", shared, 16, 1);
  const int r = b.Conv("r", shared, 16, 3, 1, 1);
  const int first = b.Concat("first", {shared, alias, q}, 1);
  const int second = b.Concat("second", {shared, q, r}, 1);
  b.Output(b.Add("sum", first, second));
  ASSERT_TRUE(b.Finish().ok()) << b.status().ToString();
  OneDnnRun run;
  CheckGraph(b.graph(), "clashing concats", &run);
  EXPECT_EQ(CountSteps(run.steps, "concat second"), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "concat first"), 0) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "reorder alias (into its concat slice)"), 1) << Join(run.steps);
}

TEST(OneDnnFusion, ThreeByThreeConvsRunWinogradOnAvx512) {
  // 3x3 stride-1 convs carry most of this graph's FLOPs, so on AVX-512 they
  // run oneDNN's Winograd kernels (WinogradGraph), within the reference's
  // tolerance; the 1x1 stays direct. Elsewhere oneDNN 2.6 has no f32
  // Winograd and every conv is direct.
  GraphBuilder b(15);
  int x = b.Input("x", {1, 16, 20, 20});
  x = b.Relu("relu1", b.Conv("conv1", x, 32, 3, 1, 1));
  x = b.Conv("conv2", x, 32, 3, 1, 1);
  b.Output(b.Conv("proj", x, 16, 1));
  ASSERT_TRUE(b.Finish().ok()) << b.status().ToString();
  OneDnnRun run;
  CheckGraph(b.graph(), "3x3 convs", &run);
  const bool avx512 = onednn::HasAvx512Core();
  EXPECT_EQ(CountStepsContaining(run.steps, "wino"), avx512 ? 2 : 0) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "convolution proj [jit_fp32_wino"), 0) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "convolution proj "), 1) << Join(run.steps);
}

TEST(OneDnnFusion, ThreadCountsAgree) {
  GraphBuilder b(12);
  BasicBlock(&b, true);
  ASSERT_TRUE(b.Finish().ok());
  const auto inputs = RandomInputs(b.graph());
  const std::vector<int> outputs(b.graph().outputs.begin(), b.graph().outputs.end());
  OneDnnRun one, two;
  ASSERT_TRUE(RunOneDnnSegment(b.graph(), inputs, outputs, &one, 1).ok());
  ASSERT_TRUE(RunOneDnnSegment(b.graph(), inputs, outputs, &two, 2, {}, /*runs=*/3).ok());
  ExpectClose(two.outputs[0], one.outputs[0], "2 threads vs 1");
}

// --- through the Session executor ----------------------------------------------------------

// conv -> Transpose (no oneDNN lowering) -> conv, with a skip over it: two
// segments and a reference node between them.
std::unique_ptr<GraphBuilder> PartlySupportedGraph() {
  auto b = std::make_unique<GraphBuilder>(13);
  int x = b->Input("x", {1, 6, 10, 10});
  x = b->Relu("r0", b->Conv("c0", x, 8, 3, 1, 1));
  TransposeAttrs t;
  t.perm = {0, 1, 3, 2};
  const int tr = b->AddNode(OpType::kTranspose, "transpose", {x}, t);
  int y = b->BatchNorm("bn1", b->Conv("c1", tr, 8, 3, 1, 1, 1, false));
  y = b->Relu("r1", b->Add("add", y, x));
  y = b->GlobalAveragePool("gap", y);
  b->Output(b->Softmax("prob", b->FullyConnected("fc", b->Flatten("flat", y), 5)));
  return b;
}

TEST(OneDnnSession, PartialSupportAndNodeGranularity) {
  auto b = PartlySupportedGraph();
  ASSERT_TRUE(b->Finish().ok()) << b->status().ToString();
  const Graph& g = b->graph();
  const auto inputs = RandomInputs(g);
  std::vector<std::vector<float>> want;
  ASSERT_TRUE(RunReference(g, inputs, {g.outputs[0]}, &want).ok());
  std::shared_ptr<Backend> backend;
  ASSERT_TRUE(CreateOneDnnBackend(g, {}, &backend).ok());
  for (bool granular : {false, true}) {
    SessionOptions options;
    options.backend = backend;
    options.node_granularity = granular;
    std::unique_ptr<Session> session;
    const Status s = Session::Create(g, options, &session);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_STREQ(session->backend_name(), "onednn");
    int on_backend = 0;
    for (bool v : session->backend_nodes()) on_backend += v;
    EXPECT_EQ(on_backend, static_cast<int>(g.nodes.size()) - 1);  // all but the Transpose
    std::vector<float> out(5);
    for (int run = 0; run < 2; ++run) {
      ASSERT_TRUE(
          session
              ->Run({{inputs[0].data(), g.tensors[g.inputs[0]].shape}}, {{out.data(), Shape{1, 5}}})
              .ok());
      ExpectClose(out, want[0], granular ? "node granularity" : "segments");
    }
  }
}

TEST(OneDnnSession, CutsRunUntilAndResumeFrom) {
  GraphBuilder b(14);
  BasicBlock(&b, true);
  ASSERT_TRUE(b.Finish().ok());
  const Graph& g = b.graph();
  const auto inputs = RandomInputs(g);
  std::vector<std::vector<float>> want;
  ASSERT_TRUE(RunReference(g, inputs, {g.outputs[0]}, &want).ok());
  std::shared_ptr<Backend> backend;
  ASSERT_TRUE(CreateOneDnnBackend(g, {}, &backend).ok());
  SessionOptions options;
  options.backend = backend;
  std::unique_ptr<Session> edge, server;
  ASSERT_TRUE(Session::Create(g, options, &edge).ok());
  ASSERT_TRUE(Session::Create(g, options, &server).ok());
  const Shape& out_shape = g.tensors[g.outputs[0]].shape;
  // Cut inside the residual block (after bn1 only: the skip crosses too) and
  // after the stem.
  for (const char* after : {"stem_relu", "bn1", "conv2"}) {
    SCOPED_TRACE(after);
    Cut cut;
    ASSERT_TRUE(CutAfterNode(g, after, &cut).ok());
    std::vector<BoundaryTensor> boundary;
    Status s = edge->RunUntil(cut, {{inputs[0].data(), g.tensors[g.inputs[0]].shape}}, &boundary);
    ASSERT_TRUE(s.ok()) << s.ToString();
    std::vector<ConstTensorView> views;
    for (const BoundaryTensor& t : boundary) views.push_back(t.view);
    std::vector<float> out(out_shape.NumElements());
    s = server->ResumeFrom(cut, views, {{out.data(), out_shape}});
    ASSERT_TRUE(s.ok()) << s.ToString();
    ExpectClose(out, want[0], std::string("cut after ") + after);
  }
}

TEST(OneDnnSession, BackendSharedByConcurrentSessions) {
  GraphBuilder b(15);
  BasicBlock(&b, true);
  ASSERT_TRUE(b.Finish().ok());
  const Graph& g = b.graph();
  const auto inputs = RandomInputs(g);
  std::vector<std::vector<float>> want;
  ASSERT_TRUE(RunReference(g, inputs, {g.outputs[0]}, &want).ok());
  BackendOptions bo;
  bo.num_threads = 1;
  std::shared_ptr<Backend> backend;
  ASSERT_TRUE(CreateOneDnnBackend(g, bo, &backend).ok());
  const Shape& out_shape = g.tensors[g.outputs[0]].shape;
  std::vector<std::vector<float>> results(4, std::vector<float>(out_shape.NumElements()));
  std::vector<Status> statuses(results.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      SessionOptions options;
      options.backend = backend;
      std::unique_ptr<Session> session;
      statuses[i] = Session::Create(g, options, &session);  // compiles concurrently
      for (int r = 0; statuses[i].ok() && r < 3; ++r) {
        statuses[i] = session->Run({{inputs[0].data(), g.tensors[g.inputs[0]].shape}},
                                   {{results[i].data(), out_shape}});
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].ToString();
    ExpectClose(results[i], want[0], "session " + std::to_string(i));
  }
}

TEST(OneDnnSession, BindChecksItsArguments) {
  GraphBuilder b(16);
  const int x = b.Input("x", {1, 2, 4, 4});
  b.Output(b.Conv("c", x, 3, 3, 1, 1));
  ASSERT_TRUE(b.Finish().ok());
  std::shared_ptr<Backend> backend;
  ASSERT_TRUE(CreateOneDnnBackend(b.graph(), {}, &backend).ok());
  SegmentSpec spec{&b.graph(), {0}, {x}, {b.graph().outputs[0]}};
  std::unique_ptr<Segment> segment;
  ASSERT_TRUE(backend->Compile(spec, &segment).ok());
  EXPECT_FALSE(segment->Run().ok());  // not bound yet
  EXPECT_FALSE(segment->Bind({}, {}, nullptr).ok());
  SegmentSpec other = spec;
  other.nodes = {};
  EXPECT_FALSE(backend->Compile(other, &segment).ok());
  BackendOptions bad;
  bad.num_threads = -1;
  EXPECT_FALSE(CreateOneDnnBackend(b.graph(), bad, &backend).ok());
}

}  // namespace
}  // namespace seam

#endif  // SEAM_WITH_ONEDNN
