// Exit sub-graphs (seam/exit_graph.h) on the branchy_lenet zoo model: only
// an exit's ancestors, the model's tensors and stable node ids, the exit
// tensor as the only output; a Session over it computes exactly what the
// whole model computes at that exit head, whole or split at a cut; cut ids
// agree with the full graph's; bad exits are refused.
#include "seam/exit_graph.h"

#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "models/zoo.h"
#include "seam/session.h"

namespace seam {
namespace {

std::vector<std::string> NodeNames(const Graph& g) {
  std::vector<std::string> names;
  for (const Node& n : g.nodes) names.push_back(n.name);
  return names;
}

std::vector<float> Input(const Graph& g) {
  std::vector<float> x(static_cast<size_t>(g.tensors[g.inputs[0]].shape.NumElements()));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 37) % 17) / 16.0f;
  return x;
}

// The exit tensor as a full-model run leaves it, read by an after-node hook.
std::vector<float> FullRunExit(const Graph& g, int exit_index, const std::vector<float>& input) {
  const int tensor = g.exits[static_cast<size_t>(exit_index)].output;
  const int producer = TensorProducers(g)[static_cast<size_t>(tensor)];
  std::unique_ptr<Session> session;
  EXPECT_TRUE(Session::Create(g, SessionOptions{}, &session).ok());
  std::vector<float> out;
  session->SetAfterNodeHook([&](int node) {
    if (node == producer) {
      const ConstTensorView v = session->TensorData(tensor);
      out.assign(v.data, v.data + v.shape.NumElements());
    }
    return HookAction::kContinue;
  });
  std::vector<std::vector<float>> outputs(g.outputs.size());
  std::vector<TensorView> views;
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    outputs[i].resize(static_cast<size_t>(g.tensors[g.outputs[i]].shape.NumElements()));
    views.push_back({outputs[i].data(), g.tensors[g.outputs[i]].shape});
  }
  EXPECT_TRUE(session->Run({{input.data(), g.tensors[g.inputs[0]].shape}}, views).ok());
  return out;
}

class ExitGraphTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(BuildZooModel("branchy_lenet", 1, &builder_).ok());
    ASSERT_TRUE(builder_.Finish().ok());
    ASSERT_EQ(graph().exits.size(), 3u);
  }
  const Graph& graph() const { return builder_.graph(); }
  GraphBuilder builder_;
};

TEST_F(ExitGraphTest, HoldsOnlyTheExitsAncestors) {
  const Graph& g = graph();
  ExitGraph e;
  ASSERT_TRUE(MakeExitGraph(g, 0, &e).ok());
  EXPECT_EQ(e.exit_index, 0);
  EXPECT_EQ(NodeNames(e.graph), (std::vector<std::string>{"conv1", "relu1", "exit1.flatten",
                                                          "exit1.fc", "exit1.softmax"}));
  ASSERT_EQ(e.nodes.size(), e.graph.nodes.size());
  for (size_t i = 0; i < e.nodes.size(); ++i) {
    EXPECT_EQ(e.graph.nodes[i].id, g.nodes[static_cast<size_t>(e.nodes[i])].id);
    EXPECT_EQ(e.graph.nodes[i].name, g.nodes[static_cast<size_t>(e.nodes[i])].name);
  }
  EXPECT_EQ(e.graph.outputs, std::vector<int32_t>{g.exits[0].output});
  EXPECT_EQ(e.graph.inputs, g.inputs);
  EXPECT_EQ(e.graph.tensors.size(), g.tensors.size());  // same tensor indices
  // The deepest exit is the graph output: its sub-graph has every node but
  // the other exit heads.
  ExitGraph last;
  ASSERT_TRUE(MakeExitGraph(g, 2, &last).ok());
  EXPECT_EQ(last.graph.nodes.size(), g.nodes.size() - 6);
  EXPECT_EQ(last.graph.outputs, g.outputs);
}

TEST_F(ExitGraphTest, RunsLikeTheFullModelAtTheExitWholeAndSplit) {
  const Graph& g = graph();
  const std::vector<float> input = Input(g);
  for (int exit_index = 0; exit_index < 3; ++exit_index) {
    ExitGraph e;
    ASSERT_TRUE(MakeExitGraph(g, exit_index, &e).ok());
    const std::vector<float> want = FullRunExit(g, exit_index, input);
    ASSERT_FALSE(want.empty());
    std::unique_ptr<Session> session;
    ASSERT_TRUE(Session::Create(e.graph, SessionOptions{}, &session).ok());
    const Shape& out_shape = e.graph.tensors[e.graph.outputs[0]].shape;
    std::vector<float> got(want.size());
    ASSERT_TRUE(
        session->Run({{input.data(), g.tensors[g.inputs[0]].shape}}, {{got.data(), out_shape}})
            .ok());
    EXPECT_EQ(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)), 0)
        << "exit " << exit_index << " whole";
    // Every cut after a prefix of the sub-graph's nodes gives the same bits.
    for (size_t k = 0; k <= e.graph.nodes.size(); ++k) {
      Cut cut;
      for (size_t n = 0; n < k; ++n) cut.edge_nodes.push_back(static_cast<int>(n));
      if (!ValidateCut(e.graph, cut).ok()) continue;
      std::vector<BoundaryTensor> boundary;
      ASSERT_TRUE(
          session->RunUntil(cut, {{input.data(), g.tensors[g.inputs[0]].shape}}, &boundary).ok());
      std::vector<std::vector<float>> copies;
      std::vector<ConstTensorView> views;
      for (const BoundaryTensor& b : boundary) {
        copies.emplace_back(b.view.data, b.view.data + b.view.shape.NumElements());
      }
      for (size_t i = 0; i < boundary.size(); ++i) {
        views.push_back({copies[i].data(), boundary[i].view.shape});
      }
      if (k == e.graph.nodes.size()) continue;  // edge only: nothing to resume
      std::vector<float> split(want.size(), -1.0f);
      std::unique_ptr<Session> server;
      ASSERT_TRUE(Session::Create(e.graph, SessionOptions{}, &server).ok());
      ASSERT_TRUE(server->ResumeFrom(cut, views, {{split.data(), out_shape}}).ok());
      EXPECT_EQ(std::memcmp(split.data(), want.data(), want.size() * sizeof(float)), 0)
          << "exit " << exit_index << " split after " << k << " node(s)";
    }
  }
}

TEST_F(ExitGraphTest, RestrictedCutsKeepTheirIds) {
  const Graph& g = graph();
  ExitGraph e;
  ASSERT_TRUE(MakeExitGraph(g, 1, &e).ok());
  // A model cut reaching into exit1's head and exit2's trunk: restricted to
  // exit2 it keeps conv1, relu1, conv2 and drops exit1.flatten.
  Cut model_cut;
  ASSERT_TRUE(CutFromNodeNames(g, {"conv1", "relu1", "exit1.flatten", "conv2"}, &model_cut).ok());
  const Cut sub = RestrictCutToExit(e, model_cut);
  std::vector<std::string> names;
  for (int n : sub.edge_nodes) names.push_back(e.graph.nodes[static_cast<size_t>(n)].name);
  EXPECT_EQ(names, (std::vector<std::string>{"conv1", "relu1", "conv2"}));
  EXPECT_TRUE(ValidateCut(e.graph, sub).ok());
  // The same node set has the same id in the model and in the exit graph.
  Cut same;
  ASSERT_TRUE(CutFromNodeNames(g, {"conv1", "relu1", "conv2"}, &same).ok());
  EXPECT_EQ(CutId(e.graph, sub), CutId(g, same));
}

TEST_F(ExitGraphTest, RefusesBadExits) {
  ExitGraph e;
  Status s = MakeExitGraph(graph(), 3, &e);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("exit 3 is not an exit of this model (3 exit(s))"), std::string::npos)
      << s.message();
  EXPECT_EQ(MakeExitGraph(graph(), -1, &e).code(), StatusCode::kInvalidArgument);
  // An exit head on the graph input: no node computes it.
  Graph g = graph();
  g.exits.push_back(ExitHead{"raw", g.inputs[0], 0.1f});
  s = MakeExitGraph(g, 3, &e);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("which no node computes"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace seam
