// XNNPACK backend on small multi-op graphs: weighted nodes in shared
// runtimes (BatchNorm never folded, Relu/Clip fused), segment boundaries
// (partial segments, node granularity, cuts, mixed with reference kernels),
// rebinding, shared backends and the errors Compile and Bind report.
#if SEAM_WITH_XNNPACK

#include <thread>

#include "seam/cut.h"
#include "tests/backends/xnnpack_test_util.h"

namespace seam {
namespace {

using xnnpack_test::CheckGraph;
using xnnpack_test::CountSteps;
using xnnpack_test::ExpectClose;
using xnnpack_test::Join;
using xnnpack_test::RandomInputs;
using xnnpack_test::RunSession;
using xnnpack_test::RunXnnpackSegment;
using xnnpack_test::XnnpackRun;

std::shared_ptr<Backend> MakeBackend(const Graph& g, int threads = 2) {
  BackendOptions options;
  options.num_threads = threads;
  std::shared_ptr<Backend> backend;
  const Status s = CreateXnnpackBackend(g, options, &backend);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return backend;
}

// Compares the Session running `g` with the XNNPACK backend (options as
// given) against the reference Session on the graph outputs.
void CheckSession(const Graph& g, const std::string& what, bool node_granularity = false,
                  int threads = 2) {
  SCOPED_TRACE(what);
  const auto inputs = RandomInputs(g);
  const std::vector<int> outputs(g.outputs.begin(), g.outputs.end());
  std::vector<std::vector<float>> want, got;
  ASSERT_TRUE(RunSession(g, inputs, outputs, &want).ok());
  SessionOptions options;
  options.num_threads = threads;
  options.backend = MakeBackend(g, threads);
  options.node_granularity = node_granularity;
  std::unique_ptr<Session> session;
  Status s = Session::Create(g, options, &session);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::vector<ConstTensorView> in;
  for (size_t i = 0; i < inputs.size(); ++i)
    in.push_back({inputs[i].data(), g.tensors[g.inputs[i]].shape});
  got.assign(outputs.size(), {});
  std::vector<TensorView> out;
  for (size_t i = 0; i < outputs.size(); ++i) {
    got[i].resize(g.tensors[outputs[i]].shape.NumElements());
    out.push_back({got[i].data(), g.tensors[outputs[i]].shape});
  }
  for (int run = 0; run < 2; ++run) {  // the second run reuses every bound buffer
    s = session->Run(in, out);
    ASSERT_TRUE(s.ok()) << s.ToString();
    for (size_t i = 0; i < outputs.size(); ++i) ExpectClose(got[i], want[i], what);
  }
}

// conv -> bn -> relu -> conv(bias, relu6) -> bn -> add(skip) -> gap -> flatten -> fc -> softmax
void BuildSmallNet(GraphBuilder* b, bool lrn = false) {
  const int x = b->Input("x", {1, 3, 16, 16});
  int y = b->Conv("conv1", x, 8, 3, 2, 1, 1, false);
  y = b->BatchNorm("bn1", y);
  y = b->Relu("relu1", y);
  if (lrn) y = b->LRN("lrn", y, 3, 1e-4f, 0.75f, 1.0f);
  int z = b->Conv("conv2", y, 8, 3, 1, 1, 1, true, ActivationKind::kClip);
  z = b->BatchNorm("bn2", z);
  z = b->Add("add", z, y);
  z = b->GlobalAveragePool("gap", z);
  z = b->Flatten("flatten", z);
  z = b->FullyConnected("fc", z, 10);
  b->Output(b->Softmax("prob", z));
}

TEST(XnnpackWeights, BatchNormIsNeverFoldedIntoTheConv) {
  // Folding would round differently from the conv then the BatchNorm, which
  // is what a cut between them runs: the BN stays a multiply-add of its own,
  // one pass over memory with the Relu after it.
  GraphBuilder b(5);
  const int x = b.Input("x", {1, 4, 9, 9});
  int y = b.Conv("conv", x, 6, 3, 1, 1, 1, false);
  y = b.BatchNorm("bn", y);
  b.Output(b.Relu("relu", y));
  ASSERT_TRUE(b.Finish().ok());
  XnnpackRun run;
  CheckGraph(b.graph(), "conv-bn-relu", &run);
  EXPECT_EQ(CountSteps(run.steps, "shared conv ("), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "scale_shift bn+relu"), 1) << Join(run.steps);

  GraphBuilder b2(5);
  const int x2 = b2.Input("x", {1, 8, 9, 9});
  b2.Output(b2.BatchNorm("bn", b2.Conv("dw", x2, 8, 3, 1, 1, 8, true)));
  ASSERT_TRUE(b2.Finish().ok());
  CheckGraph(b2.graph(), "dw-bn", &run);
  EXPECT_EQ(CountSteps(run.steps, "shared dw ("), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "scale_shift bn"), 1) << Join(run.steps);
}

TEST(XnnpackWeights, ReluRunsInTheConvsSharedRuntimeUnlessTheConvIsObservable) {
  GraphBuilder b(5);
  const int x = b.Input("x", {1, 4, 8, 8});
  const int c = b.Conv("conv", x, 4, 3, 1, 1);
  const int r = b.Relu("relu", c);
  b.Output(r);
  ASSERT_TRUE(b.Finish().ok());
  const Graph& g = b.graph();
  XnnpackRun run;
  CheckGraph(g, "conv-relu", &run);
  EXPECT_EQ(CountSteps(run.steps, "shared conv+relu ("), 1) << Join(run.steps);
  // The conv output is a segment output (a cut may need it): the Relu runs
  // on its own, and both come out right.
  const auto inputs = RandomInputs(g);
  std::vector<std::vector<float>> want;
  ASSERT_TRUE(RunSession(g, inputs, {c, r}, &want).ok());
  const Status s = RunXnnpackSegment(g, inputs, {c, r}, &run);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectClose(run.outputs[0], want[0], "conv output");
  ExpectClose(run.outputs[1], want[1], "relu output");
  EXPECT_EQ(CountSteps(run.steps, "shared conv ("), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "runtime relu ("), 1) << Join(run.steps);
}

TEST(XnnpackWeights, OneSharedRuntimeServesSegmentsBoundToOtherBuffers) {
  // Two segments of one backend run the same conv runtime on their own
  // buffers, alternately: each run sets the runtime up for its buffers again.
  GraphBuilder b(5);
  const int x = b.Input("x", {1, 4, 8, 8});
  const int c = b.Conv("conv", x, 6, 3, 1, 1);
  b.Output(b.BatchNorm("bn", c));
  ASSERT_TRUE(b.Finish().ok());
  const Graph& g = b.graph();
  auto backend = MakeBackend(g);
  const auto inputs = RandomInputs(g);
  std::vector<std::vector<float>> want;
  ASSERT_TRUE(RunSession(g, inputs, {c, g.outputs[0]}, &want).ok());
  const SegmentSpec conv_only{&g, {0}, {x}, {c}};
  const SegmentSpec conv_bn{&g, {0, 1}, {x}, {g.outputs[0]}};
  std::unique_ptr<Segment> first, second;
  ASSERT_TRUE(backend->Compile(conv_only, &first).ok());
  ASSERT_TRUE(backend->Compile(conv_bn, &second).ok());
  xnnpack_test::AlignedBuffer in(inputs[0].size()), out1(want[0].size()), out2(want[1].size()),
      scratch1(first->ScratchBytes() / 4 + 1), scratch2(second->ScratchBytes() / 4 + 1);
  std::copy(inputs[0].begin(), inputs[0].end(), in.data());
  ASSERT_TRUE(first->Bind({in.data()}, {out1.data()}, scratch1.data()).ok());
  ASSERT_TRUE(second->Bind({in.data()}, {out2.data()}, scratch2.data()).ok());
  for (int round = 0; round < 3; ++round) {
    std::fill(out1.data(), out1.data() + out1.size(), 0.0f);
    std::fill(out2.data(), out2.data() + out2.size(), 0.0f);
    ASSERT_TRUE(first->Run().ok());
    ASSERT_TRUE(second->Run().ok());
    ExpectClose(out1.ToVector(), want[0], "conv segment, round " + std::to_string(round));
    ExpectClose(out2.ToVector(), want[1], "conv+bn segment, round " + std::to_string(round));
  }
}

TEST(XnnpackGraph, DeadBranchIsNotRun) {
  // An early exit nobody asked for (as in BranchyNet models): its nodes are
  // in the segment but their outputs are neither read nor segment outputs.
  GraphBuilder b(3);
  const int x = b.Input("x", {1, 2, 6, 6});
  const int c = b.Relu("relu", b.Conv("conv", x, 4, 3, 1, 1));
  const int exit = b.FullyConnected("exit.fc", b.Flatten("exit.flatten", c), 5);
  b.Softmax("exit.softmax", exit);
  b.Output(b.GlobalAveragePool("gap", c));
  ASSERT_TRUE(b.Finish().ok());
  XnnpackRun run;
  CheckGraph(b.graph(), "dead branch", &run);
  ASSERT_FALSE(run.steps.empty());
  EXPECT_EQ(run.steps[0], "unused (not run): exit.flatten+exit.fc+exit.softmax") << Join(run.steps);
  CheckSession(b.graph(), "dead branch in a session");
}

TEST(XnnpackGraph, SmallNetAsOneSegment) {
  GraphBuilder b(3);
  BuildSmallNet(&b);
  ASSERT_TRUE(b.Finish().ok());
  XnnpackRun run;
  CheckGraph(b.graph(), "small net", &run);
  // conv1, conv2 and fc in shared runtimes, the BatchNorms (bn1 with relu1)
  // as scale-shift steps, the rest in two runtimes; only the graph input is
  // transposed (the output is [1,10]).
  EXPECT_EQ(CountSteps(run.steps, "shared"), 3) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "scale_shift bn1+relu1"), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "scale_shift bn2"), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "runtime"), 2) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "to_nhwc"), 1) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "to_nchw"), 0) << Join(run.steps);
}

TEST(XnnpackGraph, SingleThreadAndAllCores) {
  GraphBuilder b(3);
  BuildSmallNet(&b);
  ASSERT_TRUE(b.Finish().ok());
  CheckGraph(b.graph(), "1 thread", nullptr, 1);
  CheckGraph(b.graph(), "all cores", nullptr, 0);
}

TEST(XnnpackGraph, InternalTensorsAsSegmentOutputs) {
  // Every intermediate tensor requested at once: each becomes an external
  // output (written NCHW), while later nodes still read it.
  GraphBuilder b(3);
  BuildSmallNet(&b);
  ASSERT_TRUE(b.Finish().ok());
  const Graph& g = b.graph();
  std::vector<int> outputs;
  for (const Node& n : g.nodes) outputs.push_back(n.outputs[0]);
  const auto inputs = RandomInputs(g);
  std::vector<std::vector<float>> want;
  ASSERT_TRUE(RunSession(g, inputs, outputs, &want).ok());
  XnnpackRun run;
  const Status s = RunXnnpackSegment(g, inputs, outputs, &run);
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (size_t i = 0; i < outputs.size(); ++i) {
    ExpectClose(run.outputs[i], want[i], g.tensors[outputs[i]].name);
  }
}

TEST(XnnpackGraph, RunsRepeatedlyAndRebinds) {
  GraphBuilder b(3);
  BuildSmallNet(&b);
  ASSERT_TRUE(b.Finish().ok());
  const Graph& g = b.graph();
  auto backend = MakeBackend(g);
  std::vector<int> nodes;
  ASSERT_TRUE(TopologicalOrder(g, &nodes).ok());
  SegmentSpec spec{&g, nodes, {g.inputs[0]}, {g.outputs[0]}};
  std::unique_ptr<Segment> seg;
  ASSERT_TRUE(backend->Compile(spec, &seg).ok());
  const auto inputs = RandomInputs(g);
  std::vector<std::vector<float>> want;
  ASSERT_TRUE(RunSession(g, inputs, {g.outputs[0]}, &want).ok());
  // Run before Bind is an error, not a crash.
  EXPECT_FALSE(seg->Run().ok());
  for (int round = 0; round < 2; ++round) {  // fresh buffers each round, as after an arena move
    xnnpack_test::AlignedBuffer in(inputs[0].size()), out(want[0].size()),
        scratch(seg->ScratchBytes() / 4 + 1);
    std::copy(inputs[0].begin(), inputs[0].end(), in.data());
    ASSERT_TRUE(seg->Bind({in.data()}, {out.data()}, scratch.data()).ok());
    for (int r = 0; r < 3; ++r) {
      ASSERT_TRUE(seg->Run().ok());
      ExpectClose(out.ToVector(), want[0], "round " + std::to_string(round));
    }
  }
}

TEST(XnnpackGraph, MixedWithReferenceKernels) {
  // The LRN runs on the reference kernels, splitting the graph in two segments.
  GraphBuilder b(3);
  BuildSmallNet(&b, /*lrn=*/true);
  ASSERT_TRUE(b.Finish().ok());
  CheckSession(b.graph(), "small net with LRN");
}

TEST(XnnpackGraph, NodeGranularityCrossesEveryBoundary) {
  // One segment per node: every tensor enters and leaves in NCHW, including
  // the channel-last flattened tensor between Flatten and FullyConnected.
  GraphBuilder b(3);
  const int x = b.Input("x", {2, 3, 6, 6});
  int y = b.Conv("conv", x, 5, 3, 1, 1, 1, false);
  y = b.BatchNorm("bn", y);
  y = b.Concat("cat", {y, b.MaxPool("pool", x, 3, 1, 1)});
  y = b.Flatten("flatten", y);
  y = b.Relu("relu", y);
  b.Output(b.FullyConnected("fc", y, 4));
  ASSERT_TRUE(b.Finish().ok());
  CheckSession(b.graph(), "node granularity", /*node_granularity=*/true);
  CheckSession(b.graph(), "one segment");
}

TEST(XnnpackGraph, CutRunUntilThenResumeFrom) {
  GraphBuilder b(3);
  BuildSmallNet(&b);
  ASSERT_TRUE(b.Finish().ok());
  const Graph& g = b.graph();
  const auto inputs = RandomInputs(g);
  std::vector<std::vector<float>> want;
  ASSERT_TRUE(RunSession(g, inputs, {g.outputs[0]}, &want).ok());
  SessionOptions options;
  options.num_threads = 2;
  options.backend = MakeBackend(g);
  std::unique_ptr<Session> session;
  ASSERT_TRUE(Session::Create(g, options, &session).ok());
  const ConstTensorView in{inputs[0].data(), g.tensors[g.inputs[0]].shape};
  for (const char* after : {"conv1", "bn1", "relu1", "conv2", "add", "flatten", "fc"}) {
    SCOPED_TRACE(after);
    Cut cut;
    ASSERT_TRUE(CutAfterNode(g, after, &cut).ok());
    std::vector<BoundaryTensor> boundary;
    Status s = session->RunUntil(cut, {in}, &boundary);
    ASSERT_TRUE(s.ok()) << s.ToString();
    // Copy out: the views point into the session's arena.
    std::vector<std::vector<float>> copies;
    std::vector<ConstTensorView> views;
    for (const BoundaryTensor& t : boundary) {
      copies.emplace_back(t.view.data, t.view.data + t.view.shape.NumElements());
    }
    for (size_t i = 0; i < boundary.size(); ++i) {
      views.push_back({copies[i].data(), boundary[i].view.shape});
    }
    std::vector<float> got(want[0].size());
    s = session->ResumeFrom(cut, views, {{got.data(), g.tensors[g.outputs[0]].shape}});
    ASSERT_TRUE(s.ok()) << s.ToString();
    ExpectClose(got, want[0], std::string("cut after ") + after);
  }
}

TEST(XnnpackGraph, SessionsShareOneBackendAcrossThreads) {
  GraphBuilder b(3);
  BuildSmallNet(&b);
  ASSERT_TRUE(b.Finish().ok());
  const Graph& g = b.graph();
  const auto inputs = RandomInputs(g);
  std::vector<std::vector<float>> want;
  ASSERT_TRUE(RunSession(g, inputs, {g.outputs[0]}, &want).ok());
  auto backend = MakeBackend(g);
  std::vector<std::vector<float>> got(4, std::vector<float>(want[0].size()));
  std::vector<Status> status(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      SessionOptions options;
      options.backend = backend;
      std::unique_ptr<Session> session;
      status[i] = Session::Create(g, options, &session);  // concurrent Compile
      if (!status[i].ok()) return;
      for (int r = 0; r < 5 && status[i].ok(); ++r) {
        status[i] = session->Run({{inputs[0].data(), g.tensors[g.inputs[0]].shape}},
                                 {{got[i].data(), g.tensors[g.outputs[0]].shape}});
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(status[i].ok()) << status[i].ToString();
    ExpectClose(got[i], want[0], "session " + std::to_string(i));
  }
}

TEST(XnnpackGraph, ErrorsAreStatuses) {
  GraphBuilder b(3);
  BuildSmallNet(&b, /*lrn=*/true);
  ASSERT_TRUE(b.Finish().ok());
  const Graph& g = b.graph();
  auto backend = MakeBackend(g);
  EXPECT_STREQ(backend->name(), "xnnpack");
  EXPECT_EQ(backend->num_threads(), 2);
  std::string reason;
  EXPECT_FALSE(backend->Supports(-1, &reason));
  const int lrn = g.FindNode("lrn");
  ASSERT_GE(lrn, 0);
  EXPECT_FALSE(backend->Supports(lrn, &reason));
  EXPECT_NE(reason.find("LRN"), std::string::npos);
  std::unique_ptr<Segment> seg;
  // An unsupported node.
  SegmentSpec spec{&g, {lrn}, {g.nodes[lrn].inputs[0]}, {g.nodes[lrn].outputs[0]}};
  EXPECT_EQ(backend->Compile(spec, &seg).code(), StatusCode::kInvalidArgument);
  // Another graph.
  Graph other = g;
  spec = SegmentSpec{&other, {0}, {g.inputs[0]}, {g.nodes[0].outputs[0]}};
  EXPECT_EQ(backend->Compile(spec, &seg).code(), StatusCode::kInvalidArgument);
  // A node whose input is missing from the spec.
  spec = SegmentSpec{&g, {1}, {}, {g.nodes[1].outputs[0]}};
  EXPECT_EQ(backend->Compile(spec, &seg).code(), StatusCode::kInvalidArgument);
  // Bind with the wrong number of buffers.
  spec = SegmentSpec{&g, {0}, {g.inputs[0]}, {g.nodes[0].outputs[0]}};
  ASSERT_TRUE(backend->Compile(spec, &seg).ok());
  EXPECT_EQ(seg->Bind({}, {}, nullptr).code(), StatusCode::kInvalidArgument);
  BackendOptions bad;
  bad.num_threads = -1;
  std::shared_ptr<Backend> none;
  EXPECT_EQ(CreateXnnpackBackend(g, bad, &none).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace seam

#endif  // SEAM_WITH_XNNPACK
