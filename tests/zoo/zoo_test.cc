// Model zoo tests: every model builds, validates and has the published
// parameter count and layer structure; weights are deterministic per seed;
// the small models run end to end and give finite, non-degenerate outputs.
#include "models/zoo.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "seam/graph.h"
#include "seam/graph_builder.h"
#include "seam/session.h"

namespace seam {
namespace {

const ZooModelInfo* FindInfo(const std::string& name) {
  for (const ZooModelInfo& info : ZooModels()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::vector<std::string> ModelNames() {
  std::vector<std::string> names;
  for (const ZooModelInfo& info : ZooModels()) names.push_back(info.name);
  return names;
}

// How many nodes of each op a model has.
std::map<OpType, int> CountOps(const Graph& graph) {
  std::map<OpType, int> counts;
  for (const Node& node : graph.nodes) ++counts[node.op];
  return counts;
}

TEST(ZooRegistryTest, ListsEveryModelOnceWithCompleteInfo) {
  const std::vector<ZooModelInfo>& models = ZooModels();
  ASSERT_EQ(models.size(), 15u);
  std::set<std::string> names;
  for (const ZooModelInfo& info : models) {
    EXPECT_TRUE(names.insert(info.name).second) << "duplicate zoo name " << info.name;
    EXPECT_FALSE(info.description.empty()) << info.name;
    EXPECT_EQ(info.description.find('\n'), std::string::npos) << info.name;
    EXPECT_TRUE(info.topology == "chain" || info.topology == "dag") << info.name;
    EXPECT_GT(info.expected_params, 0) << info.name;
    EXPECT_EQ(info.input_shape.front(), '[') << info.name;
  }
  for (const char* name : {"lenet5", "alexnet", "vgg16", "vgg19", "nin", "tiny_yolov2", "resnet18",
                           "resnet50", "mobilenet_v1", "mobilenet_v2", "densenet121", "googlenet",
                           "mlp", "lstm", "branchy_lenet"}) {
    EXPECT_EQ(names.count(name), 1u) << name;
  }
}

TEST(ZooRegistryTest, UnknownNameIsNotFoundAndListsValidNames) {
  GraphBuilder builder;
  const Status status = BuildZooModel("resnet1000", 1, &builder);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_NE(status.message().find("resnet1000"), std::string::npos) << status.message();
  for (const ZooModelInfo& info : ZooModels()) {
    EXPECT_NE(status.message().find(info.name), std::string::npos) << status.message();
  }
  EXPECT_TRUE(builder.graph().nodes.empty());
}

TEST(ZooRegistryTest, RefusesABuilderThatAlreadyHoldsAGraph) {
  GraphBuilder builder;
  builder.Input("x", Shape{1, 4});
  EXPECT_EQ(BuildZooModel("mlp", 1, &builder).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildZooModel("mlp", 1, nullptr).code(), StatusCode::kInvalidArgument);
}

// --- every model ----------------------------------------------------------------

class ZooModelTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooModelTest, BuildsValidatesAndMatchesPublishedParameters) {
  const ZooModelInfo* info = FindInfo(GetParam());
  ASSERT_NE(info, nullptr);
  GraphBuilder builder;
  const Status built = BuildZooModel(info->name, 1, &builder);
  ASSERT_TRUE(built.ok()) << built.ToString();
  const Status finished = builder.Finish();
  ASSERT_TRUE(finished.ok()) << finished.ToString();
  const Graph& graph = builder.graph();

  EXPECT_EQ(GraphParams(graph), info->expected_params);
  EXPECT_EQ(IsChain(graph), info->topology == "chain");
  EXPECT_FALSE(graph.producer.empty());
  EXPECT_FALSE(graph.description.empty());

  ASSERT_EQ(graph.inputs.size(), 1u);
  EXPECT_EQ(graph.tensors[graph.inputs[0]].name, "input");
  EXPECT_EQ(graph.tensors[graph.inputs[0]].shape.ToString(), info->input_shape);
  ASSERT_EQ(graph.outputs.size(), 1u);
  EXPECT_EQ(graph.tensors[graph.outputs[0]].name, "output");

  // Partition points are addressed by node name, so names must be unique.
  std::set<std::string> node_names;
  for (const Node& node : graph.nodes) {
    EXPECT_TRUE(node_names.insert(node.name).second) << "duplicate node name " << node.name;
  }
  EXPECT_GT(GraphFlops(graph), 0);
}

INSTANTIATE_TEST_SUITE_P(AllModels, ZooModelTest, ::testing::ValuesIn(ModelNames()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

// --- layer structure ------------------------------------------------------------

struct Structure {
  const char* name;
  int conv, fully_connected, batch_norm, lrn, lstm, add, concat;
  const char* output_shape;
};

// Layer counts of the published architectures: ResNet-50 has 49 convs in its
// blocks + the stem + 3 downsample convs (the fourth shortcut is layer1's);
// DenseNet-121 has 2 x 58 dense-layer convs + stem + 3 transitions; GoogLeNet
// has 3 stem convs + 6 per inception module.
constexpr Structure kStructures[] = {
    {"lenet5", 2, 3, 0, 0, 0, 0, 0, "[1,10]"},
    {"alexnet", 5, 3, 0, 2, 0, 0, 0, "[1,1000]"},
    {"vgg16", 13, 3, 0, 0, 0, 0, 0, "[1,1000]"},
    {"vgg19", 16, 3, 0, 0, 0, 0, 0, "[1,1000]"},
    {"nin", 12, 0, 0, 0, 0, 0, 0, "[1,1000]"},
    {"tiny_yolov2", 9, 0, 8, 0, 0, 0, 0, "[1,125,13,13]"},
    {"resnet18", 20, 1, 20, 0, 0, 8, 0, "[1,1000]"},
    {"resnet50", 53, 1, 53, 0, 0, 16, 0, "[1,1000]"},
    {"mobilenet_v1", 28, 0, 27, 0, 0, 0, 0, "[1,1000]"},
    {"mobilenet_v2", 52, 1, 52, 0, 0, 10, 0, "[1,1000]"},
    {"densenet121", 120, 1, 121, 0, 0, 0, 58, "[1,1000]"},
    {"googlenet", 57, 1, 0, 2, 0, 0, 9, "[1,1000]"},
    {"mlp", 0, 5, 0, 0, 0, 0, 0, "[1,10]"},
    {"lstm", 0, 1, 0, 0, 2, 0, 0, "[20,10000]"},
    {"branchy_lenet", 2, 5, 0, 0, 0, 0, 0, "[1,10]"},
};

TEST(ZooStructureTest, LayerCountsMatchThePublishedArchitectures) {
  ASSERT_EQ(std::size(kStructures), ZooModels().size());
  for (const Structure& s : kStructures) {
    SCOPED_TRACE(s.name);
    // VGG's 550 MB of weights are already exercised by the parameter test.
    if (std::strncmp(s.name, "vgg", 3) == 0) continue;
    GraphBuilder builder;
    ASSERT_TRUE(BuildZooModel(s.name, 3, &builder).ok());
    std::map<OpType, int> ops = CountOps(builder.graph());
    EXPECT_EQ(ops[OpType::kConv2D], s.conv);
    EXPECT_EQ(ops[OpType::kFullyConnected], s.fully_connected);
    EXPECT_EQ(ops[OpType::kBatchNorm], s.batch_norm);
    EXPECT_EQ(ops[OpType::kLRN], s.lrn);
    EXPECT_EQ(ops[OpType::kLSTM], s.lstm);
    EXPECT_EQ(ops[OpType::kAdd], s.add);
    EXPECT_EQ(ops[OpType::kConcat], s.concat);
    const Graph& graph = builder.graph();
    EXPECT_EQ(graph.tensors[graph.outputs[0]].shape.ToString(), s.output_shape);
  }
}

TEST(ZooStructureTest, NodesAreNamedLikeTheSourceFramework) {
  const std::map<std::string, std::vector<std::string>> expected = {
      {"resnet18", {"conv1", "layer1.0.conv1", "layer2.0.downsample.0", "layer4.1.relu_1", "fc"}},
      {"resnet50", {"layer3.5.conv3", "layer4.0.downsample.1", "layer4.2.relu_2"}},
      {"mobilenet_v2",
       {"features.0.0", "features.1.conv.0.0", "features.17.conv.3", "classifier.1"}},
      {"mobilenet_v1", {"conv1", "conv_dw_13", "conv_pw_13_relu", "conv_preds"}},
      {"densenet121",
       {"features.conv0", "features.denseblock4.denselayer16.conv2", "features.transition3.pool",
        "classifier"}},
      {"googlenet", {"conv1/7x7_s2", "pool1/norm1", "inception_5b/output", "loss3/classifier"}},
      {"alexnet", {"conv1", "norm2", "fc8"}},
      {"nin", {"cccp8-1024", "pool4"}},
  };
  for (const auto& [model, nodes] : expected) {
    GraphBuilder builder;
    ASSERT_TRUE(BuildZooModel(model, 1, &builder).ok()) << model;
    for (const std::string& node : nodes) {
      EXPECT_GE(builder.graph().FindNode(node), 0) << model << " has no node " << node;
    }
  }
}

// --- determinism ------------------------------------------------------------------

std::vector<uint8_t> SerializeZooModel(const std::string& name, uint64_t seed) {
  GraphBuilder builder;
  EXPECT_TRUE(BuildZooModel(name, seed, &builder).ok()) << name;
  std::vector<uint8_t> bytes;
  const Status status = builder.Serialize(&bytes);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return bytes;
}

TEST(ZooDeterminismTest, SameSeedGivesIdenticalBytes) {
  for (const char* name : {"lenet5", "resnet18", "lstm"}) {
    const std::vector<uint8_t> a = SerializeZooModel(name, 42);
    const std::vector<uint8_t> b = SerializeZooModel(name, 42);
    ASSERT_FALSE(a.empty()) << name;
    EXPECT_TRUE(a == b) << name << ": two builds with seed 42 differ";
  }
  // The seed argument decides the weights, whatever seed the builder was
  // constructed with.
  GraphBuilder builder(999);
  ASSERT_TRUE(BuildZooModel("lenet5", 42, &builder).ok());
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(builder.Serialize(&bytes).ok());
  EXPECT_TRUE(bytes == SerializeZooModel("lenet5", 42));
}

TEST(ZooDeterminismTest, DifferentSeedGivesDifferentWeights) {
  GraphBuilder a_builder, b_builder;
  ASSERT_TRUE(BuildZooModel("resnet18", 1, &a_builder).ok());
  ASSERT_TRUE(BuildZooModel("resnet18", 2, &b_builder).ok());
  const Graph& a = a_builder.graph();
  const Graph& b = b_builder.graph();
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  int constants = 0, differing = 0;
  for (size_t t = 0; t < a.tensors.size(); ++t) {
    ASSERT_EQ(a.tensors[t].name, b.tensors[t].name);
    ASSERT_EQ(a.tensors[t].is_constant(), b.tensors[t].is_constant());
    if (!a.tensors[t].is_constant()) continue;
    ++constants;
    ASSERT_EQ(a.tensors[t].data_bytes, b.tensors[t].data_bytes);
    if (std::memcmp(a.tensors[t].data, b.tensors[t].data, a.tensors[t].data_bytes) != 0) {
      ++differing;
    }
  }
  EXPECT_GT(constants, 0);
  EXPECT_EQ(differing, constants) << "every weight tensor should change with the seed";
  EXPECT_FALSE(SerializeZooModel("lenet5", 1) == SerializeZooModel("lenet5", 2));
}

// --- end to end -------------------------------------------------------------------

class ZooRunTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooRunTest, RunsAndGivesFiniteNonDegenerateOutput) {
  GraphBuilder builder;
  const Status built = BuildZooModel(GetParam(), 5, &builder);
  ASSERT_TRUE(built.ok()) << built.ToString();
  const Graph& graph = builder.graph();
  std::unique_ptr<Session> session;
  const Status created = Session::Create(graph, SessionOptions{}, &session);
  ASSERT_TRUE(created.ok()) << created.ToString();

  const Shape in_shape = graph.tensors[graph.inputs[0]].shape;
  std::vector<float> input(static_cast<size_t>(in_shape.NumElements()));
  // A fixed, input-like pattern in [-1, 1] (no RNG needed for the data).
  for (size_t i = 0; i < input.size(); ++i) input[i] = std::sin(0.37f * static_cast<float>(i));
  const Shape out_shape = graph.tensors[graph.outputs[0]].shape;
  std::vector<float> output(static_cast<size_t>(out_shape.NumElements()), NAN);

  const Status ran = session->Run({ConstTensorView{input.data(), in_shape}},
                                  {TensorView{output.data(), out_shape}});
  ASSERT_TRUE(ran.ok()) << ran.ToString();

  bool all_equal = true;
  for (float v : output) {
    ASSERT_TRUE(std::isfinite(v));
    if (v != output[0]) all_equal = false;
  }
  EXPECT_FALSE(all_equal) << "every output value is " << output[0];
  // Every model here ends in a softmax over the last axis. A near one-hot
  // row means the logits blew up, i.e. the random weights are badly scaled.
  const int64_t classes = out_shape.dims[out_shape.rank - 1];
  for (size_t row = 0; row < output.size() / classes; ++row) {
    double sum = 0;
    float largest = 0.0f;
    for (int64_t c = 0; c < classes; ++c) {
      sum += output[row * classes + c];
      largest = std::max(largest, output[row * classes + c]);
    }
    EXPECT_NEAR(sum, 1.0, 1e-3) << "row " << row;
    EXPECT_LT(largest, 0.99f) << "row " << row << ": saturated softmax";
  }
}

INSTANTIATE_TEST_SUITE_P(SmallModels, ZooRunTest,
                         ::testing::Values("lenet5", "mlp", "nin", "lstm", "resnet18"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

}  // namespace
}  // namespace seam
