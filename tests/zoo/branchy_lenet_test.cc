// The trained branchy LeNet against what its training script recorded in
// models/data/branchy_lenet_digits.json: the exits and their accuracies, the
// weights byte for byte, and PyTorch's per-exit outputs on a few test digits.
//
// The early exits are not graph outputs (see models/branchy_lenet.cc), so
// their values are read with Session::TensorData from an after-node hook, as
// each exit's softmax finishes: after Run their arena space may already hold
// a later activation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "models/zoo.h"
#include "seam/graph.h"
#include "seam/graph_builder.h"
#include "seam/model.h"
#include "seam/session.h"
#include "tests/cli/cli_test_util.h"  // the test suites' strict JSON parser

namespace seam {
namespace {

using cli_test::Json;

// --- fixtures -----------------------------------------------------------------------

// models/data/ of this source tree, found from this file's path so the test
// reads the very files the build embedded, from any working directory.
std::string DataPath(const std::string& file) {
  const std::string self = __FILE__;
  const size_t at = self.rfind("tests/zoo/");
  // A relative __FILE__ (unusual build setups): try the working directory.
  if (at == std::string::npos) return "models/data/" + file;
  return self.substr(0, at) + "models/data/" + file;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Parsed once; a parse failure fails the first test that reads it.
const Json& Metadata() {
  static const Json* const json =
      new Json(cli_test::ParseJsonOrFail(ReadFile(DataPath("branchy_lenet_digits.json"))));
  return *json;
}

std::vector<float> Floats(const Json& array) {
  std::vector<float> values;
  for (const Json& v : array.array) values.push_back(static_cast<float>(v.number));
  return values;
}

int ArgMax(const std::vector<float>& v) {
  return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

class BranchyLeNetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Metadata().type, Json::kObject);
    const Status built = BuildZooModel("branchy_lenet", 1, &builder_);
    ASSERT_TRUE(built.ok()) << built.ToString();
  }
  const Graph& graph() const { return builder_.graph(); }

  GraphBuilder builder_;
};

// --- structure ----------------------------------------------------------------------

TEST_F(BranchyLeNetTest, BuildsValidatesAndMatchesTheTrainedArchitecture) {
  const Status finished = builder_.Finish();
  ASSERT_TRUE(finished.ok()) << finished.ToString();
  const Json& meta = Metadata();

  const ZooModelInfo* info = nullptr;
  for (const ZooModelInfo& m : ZooModels()) {
    if (m.name == "branchy_lenet") info = &m;
  }
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->topology, "dag");
  EXPECT_EQ(info->input_shape, "[1,1,8,8]");
  EXPECT_EQ(GraphParams(graph()), info->expected_params);
  EXPECT_EQ(GraphParams(graph()), meta["parameters"].Int());
  EXPECT_EQ(graph().description, info->description);

  ASSERT_EQ(graph().inputs.size(), 1u);
  EXPECT_EQ(graph().tensors[graph().inputs[0]].shape.ToString(), "[1,1,8,8]");
  ASSERT_EQ(graph().outputs.size(), 1u);
  for (const char* node : {"conv1", "relu1", "exit1.fc", "exit1.softmax", "conv2", "pool2",
                           "exit2.fc", "exit2.softmax", "fc1", "fc2", "fc3", "output"}) {
    EXPECT_GE(graph().FindNode(node), 0) << "no node " << node;
  }
}

TEST_F(BranchyLeNetTest, HasThreeExitsWithTheMeasuredIncreasingAccuracies) {
  const Json& exits = Metadata()["exits"];
  ASSERT_EQ(exits.array.size(), 3u);
  ASSERT_EQ(graph().exits.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    const ExitHead& exit = graph().exits[i];
    EXPECT_EQ(exit.name, exits[i]["name"].string);
    // The JSON's double narrowed to float, exactly what the embedded
    // literal compiles to.
    EXPECT_EQ(exit.accuracy, static_cast<float>(exits[i]["test_accuracy"].number));
    EXPECT_EQ(exits[i]["test_accuracy"].number,
              exits[i]["test_correct"].number / Metadata()["test_samples"].number);
    EXPECT_EQ(graph().tensors[exit.output].shape.ToString(), "[1,10]");
    if (i > 0) {
      EXPECT_GT(exit.accuracy, graph().exits[i - 1].accuracy);
    }
  }
  // The deepest exit is the main model's output.
  EXPECT_EQ(graph().exits[2].output, graph().outputs[0]);
  EXPECT_NE(graph().description.find("3 exits"), std::string::npos) << graph().description;
}

TEST_F(BranchyLeNetTest, EmbeddedWeightsAreTheTrainedFileBitForBit) {
  const std::string bin = ReadFile(DataPath("branchy_lenet_digits.bin"));
  const Json& tensors = Metadata()["tensors"];
  ASSERT_EQ(bin.size(), 4 * static_cast<size_t>(Metadata()["parameters"].Int()));
  ASSERT_GT(tensors.array.size(), 0u);
  int64_t constants = 0;
  for (const TensorInfo& t : graph().tensors) constants += t.is_constant() ? 1 : 0;
  EXPECT_EQ(constants, static_cast<int64_t>(tensors.array.size()));
  for (const Json& entry : tensors.array) {
    const std::string& name = entry["name"].string;
    SCOPED_TRACE(name);
    const int index = graph().FindTensor(name);
    ASSERT_GE(index, 0);
    const TensorInfo& t = graph().tensors[index];
    ASSERT_TRUE(t.is_constant());
    std::string shape = "[";
    for (const Json& d : entry["shape"].array) {
      shape += (shape.size() > 1 ? "," : "") + std::to_string(d.Int());
    }
    EXPECT_EQ(t.shape.ToString(), shape + "]");
    const size_t offset = static_cast<size_t>(entry["offset"].Int());
    const size_t count = static_cast<size_t>(entry["count"].Int());
    ASSERT_EQ(static_cast<size_t>(t.shape.NumElements()), count);
    ASSERT_LE(4 * (offset + count), bin.size());
    for (size_t i = 0; i < count; ++i) {
      // The file is little-endian whatever the host is.
      const auto* p = reinterpret_cast<const unsigned char*>(bin.data()) + 4 * (offset + i);
      const uint32_t bits = static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
                            static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
      uint32_t embedded;
      std::memcpy(&embedded, t.f32() + i, sizeof(embedded));
      ASSERT_EQ(embedded, bits) << "element " << i;
    }
  }
}

TEST_F(BranchyLeNetTest, WeightsAreTrainedSoTheSeedChangesNothing) {
  GraphBuilder other;
  ASSERT_TRUE(BuildZooModel("branchy_lenet", 12345, &other).ok());
  // Only the zoo.seed metadata differs; the weights are the same bytes.
  ASSERT_EQ(builder_.graph().tensors.size(), other.graph().tensors.size());
  for (size_t t = 0; t < other.graph().tensors.size(); ++t) {
    const TensorInfo& x = builder_.graph().tensors[t];
    const TensorInfo& y = other.graph().tensors[t];
    ASSERT_EQ(x.data_bytes, y.data_bytes) << x.name;
    if (x.is_constant()) {
      EXPECT_EQ(std::memcmp(x.data, y.data, x.data_bytes), 0) << x.name;
    }
  }
}

// --- numerics -----------------------------------------------------------------------

// Runs every test vector of the JSON through `graph` and checks each exit
// against PyTorch's softmax outputs and predicted class.
void ExpectPyTorchOutputs(const Graph& graph) {
  std::unique_ptr<Session> session;
  const Status created = Session::Create(graph, SessionOptions{}, &session);
  ASSERT_TRUE(created.ok()) << created.ToString();

  // Exit i's values, copied as soon as the node producing it has run.
  const size_t num_exits = graph.exits.size();
  ASSERT_EQ(num_exits, 3u);
  std::vector<int> producer(num_exits, -1);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    for (size_t e = 0; e < num_exits; ++e) {
      for (int32_t out : graph.nodes[n].outputs) {
        if (out == graph.exits[e].output) producer[e] = static_cast<int>(n);
      }
    }
  }
  std::vector<std::vector<float>> captured(num_exits);
  Session* s = session.get();
  session->SetAfterNodeHook([&](int node_index) {
    for (size_t e = 0; e < num_exits; ++e) {
      if (node_index != producer[e]) continue;
      const ConstTensorView view = s->TensorData(graph.exits[e].output);
      if (view.data != nullptr) {
        captured[e].assign(view.data, view.data + view.shape.NumElements());
      }
    }
    return HookAction::kContinue;
  });

  const Json& vectors = Metadata()["test_vectors"];
  ASSERT_GE(vectors.array.size(), 3u);
  int exits_disagree = 0;
  for (const Json& vec : vectors.array) {
    SCOPED_TRACE("test_index " + std::to_string(vec["test_index"].Int()));
    const std::vector<float> input = Floats(vec["input"]);
    ASSERT_EQ(input.size(), 64u);
    std::vector<float> output(10, NAN);
    for (auto& c : captured) c.clear();
    const Status ran = session->Run({ConstTensorView{input.data(), Shape{1, 1, 8, 8}}},
                                    {TensorView{output.data(), Shape{1, 10}}});
    ASSERT_TRUE(ran.ok()) << ran.ToString();

    std::vector<int> predicted;
    for (size_t e = 0; e < num_exits; ++e) {
      const Json& expected = vec["exits"][graph.exits[e].name];
      SCOPED_TRACE(graph.exits[e].name);
      const std::vector<float> want = Floats(expected["probabilities"]);
      ASSERT_EQ(want.size(), 10u);
      ASSERT_EQ(captured[e].size(), 10u) << "exit tensor not readable after its node ran";
      for (size_t c = 0; c < 10; ++c) EXPECT_NEAR(captured[e][c], want[c], 1e-5) << "class " << c;
      EXPECT_EQ(ArgMax(captured[e]), expected["predicted"].Int());
      predicted.push_back(ArgMax(captured[e]));
    }
    // The graph output is the deepest exit.
    EXPECT_EQ(output, captured[num_exits - 1]);
    if (predicted[0] != predicted[1] || predicted[1] != predicted[2]) ++exits_disagree;
  }
  // The script picks some digits the exits classify differently, so a
  // mixed-up exit order or weight slice cannot pass by coincidence.
  EXPECT_GT(exits_disagree, 0);
}

TEST_F(BranchyLeNetTest, EveryExitMatchesPyTorchOnTheTestDigits) {
  ASSERT_TRUE(builder_.Finish().ok());
  ExpectPyTorchOutputs(graph());
}

TEST_F(BranchyLeNetTest, SerializedModelKeepsExitsAndOutputs) {
  // What `seam zoo build branchy_lenet` writes and `seam run` loads.
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(builder_.Serialize(&bytes).ok());
  std::unique_ptr<Model> model;
  const Status loaded = Model::LoadFromBytes(std::move(bytes), &model);
  ASSERT_TRUE(loaded.ok()) << loaded.ToString();
  ASSERT_EQ(model->graph().exits.size(), graph().exits.size());
  for (size_t i = 0; i < graph().exits.size(); ++i) {
    EXPECT_EQ(model->graph().exits[i].name, graph().exits[i].name);
    EXPECT_EQ(model->graph().exits[i].accuracy, graph().exits[i].accuracy);
  }
  ExpectPyTorchOutputs(model->graph());
}

}  // namespace
}  // namespace seam
