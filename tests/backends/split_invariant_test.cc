// The split invariant on small graphs built to exercise each fusion the
// backends make (conv + sum + relu residual blocks without BatchNorm, inner
// product + sum, exact eltwise post-ops, BatchNorm + Relu, pooling and LRN on
// blocked layouts, concat): for a cut after every node, run-until + resume on
// that backend equals its whole run bit for bit. The zoo test covers the
// same invariant on real models, whose BatchNorms keep most of these fusions
// from happening.
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "backends/backend_registry.h"
#include "gtest/gtest.h"
#include "seam/cut.h"
#include "seam/graph_builder.h"
#include "seam/session.h"

namespace seam {
namespace {

struct SmallGraph {
  const char* name;
  std::function<void(GraphBuilder*)> build;
};

// A ResNet basic block as converted from ONNX (BatchNorm folded into biases):
// conv2 + add + relu is one primitive on oneDNN in the whole run.
void ResidualBlocks(GraphBuilder* b) {
  int x = b->Input("x", {1, 8, 12, 12});
  x = b->Relu("stem_relu", b->Conv("stem", x, 16, 3, 1, 1));
  for (int i = 0; i < 2; ++i) {
    const std::string p = "block" + std::to_string(i) + ".";
    const bool down = i == 1;
    int y = b->Relu(p + "relu", b->Conv(p + "conv1", x, 16, 3, down ? 2 : 1, 1));
    y = b->Conv(p + "conv2", y, 16, 3, 1, 1);
    const int shortcut = down ? b->Conv(p + "ds", x, 16, 1, 2, 0) : x;
    x = b->Relu(p + "relu_1", b->Add(p + "add", y, shortcut));
  }
  x = b->Flatten("flatten", b->GlobalAveragePool("gap", x));
  b->Output(b->Softmax("prob", b->FullyConnected("fc", x, 10)));
}

// Inner product + sum, leaky relu and clip post-ops, an Add + Relu.
void DenseSums(GraphBuilder* b) {
  const int x = b->Input("x", {2, 24});
  const int h = b->Relu("h", b->FullyConnected("fc0", x, 16));
  const int y = b->Add("sum", b->FullyConnected("fc1", h, 16), h);
  const int z = b->LeakyRelu("lrelu", b->FullyConnected("fc2", y, 16), 0.1f);
  const int w = b->Relu6("relu6", b->FullyConnected("fc3", z, 16));
  b->Output(b->Relu("out", b->Add("add", w, y)));
}

// BatchNorm with and without a following Relu, a conv with its own
// activation, pooling and LRN, a concat of branches.
void BatchNormsAndBranches(GraphBuilder* b) {
  int x = b->Input("x", {1, 3, 20, 20});
  x = b->Relu("relu0", b->BatchNorm("bn0", b->Conv("conv0", x, 16, 3, 1, 1, 1, false)));
  x = b->LRN("lrn", b->MaxPool("pool0", x, 2, 2), 5, 1e-4f, 0.75f, 1.0f);
  const int a = b->Relu6("a_relu6", b->BatchNorm("a_bn", b->Conv("a", x, 8, 1, 1, 0, 1, false)));
  const int c = b->Conv("c", x, 8, 3, 1, 1, 1, true, ActivationKind::kRelu);
  const int d =
      b->LeakyRelu("d_lrelu", b->Conv("d", b->AveragePool("d_pool", x, 3, 1, 1), 8, 1), 0.2f);
  x = b->Concat("cat", {a, c, d});
  x = b->BatchNorm("bn1", x);
  x = b->Conv("dw", x, 24, 3, 1, 1, 24);
  x = b->Flatten("flatten", b->GlobalAveragePool("gap", x));
  b->Output(b->Softmax("prob", b->FullyConnected("fc", x, 5)));
}

// A grouped conv with its own Relu feeding a residual Add (the core tests'
// small DAG): the sum post-op must not change which conv kernel runs.
void GroupedResidual(GraphBuilder* b) {
  const int x = b->Input("x", {1, 3, 16, 16});
  const int r1 = b->Relu("relu1", b->BatchNorm("bn1", b->Conv("conv1", x, 8, 3, 1, 1, 1, true)));
  const int c2 = b->Conv("conv2", r1, 8, 3, 1, 1, 2, false, ActivationKind::kRelu);
  const int add = b->Add("add", c2, r1);
  const int cat = b->Concat("concat",
                            {b->MaxPool("maxpool", add, 2, 2, 0, false),
                             b->AveragePool("avgpool", add, 3, 2, 1, false, true)},
                            1);
  const int gap = b->GlobalAveragePool("gap", b->LRN("lrn", cat, 5, 1e-4f, 0.75f, 1.0f));
  b->Output(b->Softmax("prob", b->FullyConnected("fc", b->Flatten("flatten", gap, 1), 10)));
}

// DenseNet as torchvision exports it (every layer concatenates all earlier
// maps), then two layers in the zoo's running form (concat of the previous
// concat and the new map): oneDNN lowers these concats in place. A residual
// Add then reads a map that lives inside the concats' shared buffer, which
// must not be reused for the sum, and two concats want one map at clashing
// places, so only the first of them is in place.
void DenseBlocks(GraphBuilder* b) {
  const int x = b->Input("x", {1, 3, 10, 10});
  std::vector<int> maps = {b->Relu("stem_relu", b->Conv("stem", x, 32, 3, 1, 1))};
  for (int i = 0; i < 3; ++i) {
    const std::string p = "layer" + std::to_string(i) + ".";
    const int cat = b->Concat(p + "concat", maps, 1);
    maps.push_back(b->Conv(p + "conv", b->Relu(p + "relu", b->BatchNorm(p + "bn", cat)), 16, 3, 1,
                           1, 1, false));
  }
  int run = b->Concat("block.concat", maps, 1);
  for (int i = 0; i < 2; ++i) {
    const std::string p = "run" + std::to_string(i) + ".";
    run = b->Concat(p + "concat", {run, b->Conv(p + "conv", b->Relu(p + "relu", run), 16, 1)}, 1);
  }
  const int res = b->Add("res.add", b->Conv("res.conv", run, 16, 1), maps[1]);
  const int tail = b->Relu("tail.relu", b->Add("tail.add", b->Conv("tail.conv", run, 16, 1), res));
  const int q = b->Conv("clash.q", tail, 16, 1);
  const int r = b->Conv("clash.r", tail, 16, 3, 1, 1);
  const int clash_a = b->Concat("clash.a", {tail, q}, 1);
  const int clash_b = b->Concat("clash.b", {tail, r}, 1);
  const int joined = b->Add("clash.add", clash_a, clash_b);
  b->Output(b->Softmax(
      "prob",
      b->FullyConnected("fc", b->Flatten("flatten", b->GlobalAveragePool("gap", joined)), 10)));
}

// 3x3 stride-1 convs large enough for Winograd on XNNPACK (and on oneDNN with
// AVX-512): the clamps it applies inside the conv (an absorbed Relu or Relu6)
// run as separate nodes when the cut falls between them.
void WinogradConvs(GraphBuilder* b) {
  const int x = b->Input("x", {2, 16, 18, 18});
  const int a = b->Relu("relu1", b->Conv("conv1", x, 32, 3, 1, 1));
  const int c = b->Relu6("relu6", b->Conv("conv2", a, 32, 3, 1, 1, 1, true, ActivationKind::kRelu));
  const int d = b->Add("add", b->Conv("conv3", c, 32, 3, 1, 1), a);
  const int e = b->Conv("conv4", d, 24, 3, 1, 0);
  b->Output(b->Softmax(
      "prob", b->FullyConnected("fc", b->Flatten("flatten", b->GlobalAveragePool("gap", e)), 10)));
}

// Convolutions whose weights XNNPACK runs in output-channel blocks, one
// with an absorbed Relu, one with its own Relu and an absorbed Relu6.
void BlockedConvs(GraphBuilder* b) {
  const int x = b->Input("x", {1, 64, 9, 9});
  const int a = b->Relu("relu", b->Conv("conv1", x, 128, 3, 1, 1));
  const int c =
      b->Relu6("relu6", b->Conv("conv2", a, 600, 1, 1, 0, 1, true, ActivationKind::kRelu));
  b->Output(b->Softmax(
      "prob", b->FullyConnected("fc", b->Flatten("flatten", b->GlobalAveragePool("gap", c)), 10)));
}

struct Case {
  int graph;
  std::string backend;
};

const SmallGraph kGraphs[] = {
    {"residual_blocks", ResidualBlocks},
    {"dense_sums", DenseSums},
    {"batch_norms_and_branches", BatchNormsAndBranches},
    {"grouped_residual", GroupedResidual},
    {"dense_blocks", DenseBlocks},
    {"winograd_convs", WinogradConvs},
    {"blocked_convs", BlockedConvs},
};

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (int i = 0; i < static_cast<int>(sizeof(kGraphs) / sizeof(kGraphs[0])); ++i) {
    for (const std::string& b : AvailableBackends()) cases.push_back({i, b});
  }
  return cases;
}

class SplitInvariant : public ::testing::TestWithParam<Case> {};

TEST_P(SplitInvariant, EveryCutEqualsTheWholeRun) {
  const Case& c = GetParam();
  GraphBuilder b(21);
  kGraphs[c.graph].build(&b);
  ASSERT_TRUE(b.Finish().ok()) << b.status().ToString();
  const Graph& g = b.graph();
  BackendOptions backend_options;
  backend_options.num_threads = 2;
  SessionOptions options;
  options.num_threads = 2;
  ASSERT_TRUE(CreateBackend(c.backend, g, backend_options, &options.backend).ok());
  std::unique_ptr<Session> whole, edge, server;
  ASSERT_TRUE(Session::Create(g, options, &whole).ok());
  ASSERT_TRUE(Session::Create(g, options, &edge).ok());
  ASSERT_TRUE(Session::Create(g, options, &server).ok());

  const Shape in_shape = g.tensors[g.inputs[0]].shape;
  const Shape out_shape = g.tensors[g.outputs[0]].shape;
  std::vector<float> input(static_cast<size_t>(in_shape.NumElements()));
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<float>(i % 17) / 8.0f - 1.0f;
  std::vector<float> expected(static_cast<size_t>(out_shape.NumElements()));
  ASSERT_TRUE(whole->Run({{input.data(), in_shape}}, {{expected.data(), out_shape}}).ok());

  std::vector<float> got(expected.size());
  for (const Node& node : g.nodes) {
    SCOPED_TRACE("cut after " + node.name);
    Cut cut;
    ASSERT_TRUE(CutAfterNode(g, node.name, &cut).ok());
    std::vector<BoundaryTensor> boundary;
    Status s = edge->RunUntil(cut, {{input.data(), in_shape}}, &boundary);
    ASSERT_TRUE(s.ok()) << s.ToString();
    std::vector<ConstTensorView> views;
    for (const BoundaryTensor& t : boundary) views.push_back(t.view);
    std::fill(got.begin(), got.end(), -7.0f);
    s = server->ResumeFrom(cut, views, {{got.data(), out_shape}});
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(0, std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)))
        << kGraphs[c.graph].name << " on " << c.backend << ": the split run differs";
  }
}

INSTANTIATE_TEST_SUITE_P(SmallGraphs, SplitInvariant, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(kGraphs[info.param.graph].name) + "_" +
                                  info.param.backend;
                         });

}  // namespace
}  // namespace seam
