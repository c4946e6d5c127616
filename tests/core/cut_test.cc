// Cuts: validation, boundaries (skip connections included), partition
// points, and run-until + resume-from equal to a full run.
#include "seam/cut.h"

#include <algorithm>
#include <cstring>

#include "gtest/gtest.h"
#include "models/zoo.h"
#include "seam/session.h"
#include "tests/core/test_graphs.h"

namespace seam {
namespace {

std::vector<std::string> Names(const Graph& g, const std::vector<int>& tensors) {
  std::vector<std::string> names;
  for (int t : tensors) names.push_back(g.tensors[t].name);
  return names;
}

TEST(Cut, BoundaryIncludesSkipConnections) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  const Graph& g = b->graph();
  Cut cut;
  // conv2 on the edge, add on the server: relu1 crosses for the residual too.
  ASSERT_TRUE(CutFromNodeNames(g, {"conv1", "bn1", "relu1", "conv2"}, &cut).ok());
  EXPECT_EQ(Names(g, CutBoundary(g, cut)), (std::vector<std::string>{"relu1", "conv2"}));
  // Server only: the graph input crosses. Edge only: the output crosses.
  EXPECT_EQ(Names(g, CutBoundary(g, Cut{})), (std::vector<std::string>{"input"}));
  Cut all;
  for (size_t n = 0; n < g.nodes.size(); ++n) all.edge_nodes.push_back(static_cast<int>(n));
  EXPECT_EQ(Names(g, CutBoundary(g, all)), (std::vector<std::string>{"softmax"}));
}

TEST(Cut, RejectsCutsNotClosedUnderPredecessors) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  Cut cut;
  Status s = CutFromNodeNames(b->graph(), {"conv1", "relu1"}, &cut);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("edge node 'relu1' reads 'bn1', produced by server node 'bn1'"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(CutFromNodeNames(b->graph(), {"nope"}, &cut).code(), StatusCode::kNotFound);
}

TEST(Cut, IdDependsOnTheNodeSetOnly) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  Cut a, c;
  ASSERT_TRUE(CutAfterNode(b->graph(), "relu1", &a).ok());
  ASSERT_TRUE(CutFromNodeNames(b->graph(), {"relu1", "bn1", "conv1"}, &c).ok());
  EXPECT_EQ(CutId(b->graph(), a), CutId(b->graph(), c));
  Cut d;
  ASSERT_TRUE(CutAfterNode(b->graph(), "bn1", &d).ok());
  EXPECT_NE(CutId(b->graph(), a), CutId(b->graph(), d));
}

TEST(PartitionPoints, SmallDagSkipsTheResidualAndBranches) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  std::vector<std::string> names;
  for (const PartitionPoint& p : PartitionPoints(b->graph())) {
    names.push_back(b->graph().nodes[p.node].name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"conv1", "bn1", "relu1", "add", "concat", "lrn", "gap",
                                             "flatten", "fc", "softmax"}));
}

TEST(PartitionPoints, ChainModelsHaveOnePerLayer) {
  GraphBuilder b;
  ASSERT_TRUE(BuildZooModel("vgg16", 1, &b).ok());
  EXPECT_EQ(PartitionPoints(b.graph()).size(), b.graph().nodes.size());
}

TEST(PartitionPoints, ResidualAndInceptionBlocksAreNotSplit) {
  GraphBuilder resnet;
  ASSERT_TRUE(BuildZooModel("resnet50", 1, &resnet).ok());
  const auto points = PartitionPoints(resnet.graph());
  // Stem (conv, bn, relu, maxpool), 16 blocks x (add, relu), head (gap,
  // flatten, fc, softmax): no layer inside a residual block is a point.
  EXPECT_EQ(points.size(), 40u);
  EXPECT_GT(resnet.graph().nodes.size(), 170u);
  int conv_points = 0;
  for (const PartitionPoint& p : points) {
    if (resnet.graph().nodes[p.node].op == OpType::kConv2D) ++conv_points;
  }
  EXPECT_EQ(conv_points, 1);
  for (const PartitionPoint& p : points) {
    const Node& node = resnet.graph().nodes[p.node];
    EXPECT_EQ(p.boundary_bytes,
              static_cast<int64_t>(resnet.graph().tensors[node.outputs[0]].byte_size()))
        << node.name;
  }
  GraphBuilder googlenet;
  ASSERT_TRUE(BuildZooModel("googlenet", 1, &googlenet).ok());
  int concat_points = 0;
  for (const PartitionPoint& p : PartitionPoints(googlenet.graph())) {
    if (googlenet.graph().nodes[p.node].op == OpType::kConcat) ++concat_points;
  }
  EXPECT_EQ(concat_points, 9);  // one per inception module
}

std::vector<float> Input(const Shape& shape) {
  std::vector<float> v(static_cast<size_t>(shape.NumElements()));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>((i * 7919) % 1000) / 500.0f - 1.0f;
  return v;
}

// Runs every cut in `cuts` split and whole; outputs must match bit for bit.
void ExpectSplitEqualsWhole(const Graph& g, const std::vector<Cut>& cuts, int threads) {
  SessionOptions options;
  options.num_threads = threads;
  std::unique_ptr<Session> whole, edge, server;
  ASSERT_TRUE(Session::Create(g, options, &whole).ok());
  ASSERT_TRUE(Session::Create(g, options, &edge).ok());
  ASSERT_TRUE(Session::Create(g, options, &server).ok());
  const Shape in_shape = g.tensors[g.inputs[0]].shape;
  const Shape out_shape = g.tensors[g.outputs[0]].shape;
  const std::vector<float> in = Input(in_shape);
  std::vector<float> expected(static_cast<size_t>(out_shape.NumElements()));
  ASSERT_TRUE(whole->Run({{in.data(), in_shape}}, {{expected.data(), out_shape}}).ok());
  std::vector<BoundaryTensor> boundary;
  std::vector<ConstTensorView> views;
  std::vector<float> got(expected.size());
  for (const Cut& cut : cuts) {
    ASSERT_TRUE(edge->RunUntil(cut, {{in.data(), in_shape}}, &boundary).ok());
    // Copy the boundary out, as a transport would, and resume elsewhere.
    std::vector<std::vector<float>> copies;
    views.clear();
    for (const BoundaryTensor& bt : boundary) {
      copies.emplace_back(bt.view.data, bt.view.data + bt.view.shape.NumElements());
    }
    for (size_t i = 0; i < boundary.size(); ++i)
      views.push_back({copies[i].data(), boundary[i].view.shape});
    std::fill(got.begin(), got.end(), -1.0f);
    Status s = server->ResumeFrom(cut, views, {{got.data(), out_shape}});
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(0, std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)))
        << "cut with " << cut.edge_nodes.size() << " edge nodes";
  }
}

TEST(RunUntilResume, SmallDagAllCutsEqualFullRun) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  const Graph& g = b->graph();
  // Every cut closed under predecessors of this 13-node DAG: enumerate
  // prefixes of every topological order reachable by the builder order plus
  // the branch permutations.
  std::vector<Cut> cuts = {Cut{}};
  for (const char* name : {"conv1", "bn1", "relu1", "conv2", "add", "maxpool", "avgpool", "concat",
                           "lrn", "gap", "flatten", "fc", "softmax"}) {
    Cut c;
    ASSERT_TRUE(CutAfterNode(g, name, &c).ok());
    cuts.push_back(c);
  }
  Cut branch;
  ASSERT_TRUE(
      CutFromNodeNames(g, {"conv1", "bn1", "relu1", "conv2", "add", "avgpool"}, &branch).ok());
  cuts.push_back(branch);
  for (int threads : {1, 2}) ExpectSplitEqualsWhole(g, cuts, threads);
}

TEST(RunUntilResume, ResumeAcceptsViewsIntoItsOwnArena) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  const Graph& g = b->graph();
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::Create(g, {}, &s).ok());
  const Shape in_shape = g.tensors[g.inputs[0]].shape;
  const std::vector<float> in = Input(in_shape);
  std::vector<float> expected(10), got(10);
  ASSERT_TRUE(s->Run({{in.data(), in_shape}}, {{expected.data(), Shape{1, 10}}}).ok());
  Cut cut;
  ASSERT_TRUE(CutFromNodeNames(g, {"conv1", "bn1", "relu1", "conv2"}, &cut).ok());
  std::vector<BoundaryTensor> boundary;
  ASSERT_TRUE(s->RunUntil(cut, {{in.data(), in_shape}}, &boundary).ok());
  std::vector<ConstTensorView> views;
  for (const BoundaryTensor& bt : boundary) views.push_back(bt.view);
  ASSERT_TRUE(s->ResumeFrom(cut, views, {{got.data(), Shape{1, 10}}}).ok());
  EXPECT_EQ(got, expected);
}

TEST(RunUntilResume, ResumeChecksBoundaryShapes) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::Create(b->graph(), {}, &s).ok());
  Cut cut;
  ASSERT_TRUE(CutAfterNode(b->graph(), "relu1", &cut).ok());
  std::vector<float> junk(100), out(10);
  Status st = s->ResumeFrom(cut, {{junk.data(), Shape{10, 10}}}, {{out.data(), Shape{1, 10}}});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("boundary 'relu1' needs shape [1,8,16,16]"), std::string::npos)
      << st.message();
  st = s->ResumeFrom(cut, {}, {{out.data(), Shape{1, 10}}});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace seam
