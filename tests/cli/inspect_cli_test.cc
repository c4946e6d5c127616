// `seam inspect`, text and --json, run as a subprocess.
#include <filesystem>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "seam/graph.h"
#include "seam/model.h"
#include "seam/ops.h"
#include "tests/cli/cli_test_util.h"

namespace seam::cli_test {
namespace {

class InspectCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BuildWithCli(dir_, "lenet5", "lenet5.seam");
    ASSERT_TRUE(Model::LoadFromFile(dir_ / "lenet5.seam", &model_).ok());
  }
  TempDir dir_;
  std::unique_ptr<Model> model_;
};

TEST_F(InspectCliTest, TextSummaryAndNodeTable) {
  const CliResult r = RunCli({"inspect", "lenet5.seam"}, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const Graph& g = model_->graph();
  for (const std::string& expected :
       {std::string("producer:"), g.producer, std::string("schema version:"),
        ContentHashHex(model_->content_hash()), std::string("chain"), std::string("61,706"),
        std::string("planned arena"), std::string("naive"), std::string("[1,1,32,32]"),
        std::string("Conv2D"), std::string("FullyConnected")}) {
    EXPECT_NE(r.out.find(expected), std::string::npos) << "missing '" << expected << "'\n" << r.out;
  }
  for (const Node& node : g.nodes) {
    EXPECT_NE(r.out.find(node.name), std::string::npos) << node.name;
  }
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(InspectCliTest, JsonIsParseableWithTheDocumentedKeys) {
  const CliResult r = RunCli({"inspect", "lenet5.seam", "--json"}, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const Json j = ParseJsonOrFail(r.out);
  ASSERT_EQ(j.type, Json::kObject);
  const Graph& g = model_->graph();
  for (const char* key :
       {"file", "file_bytes", "producer", "description", "schema_version", "content_hash", "inputs",
        "outputs", "num_nodes", "params", "flops", "topology", "memory", "metadata", "nodes"}) {
    EXPECT_TRUE(j.Has(key)) << key;
  }
  EXPECT_EQ(j["file_bytes"].Int(),
            static_cast<int64_t>(std::filesystem::file_size(dir_ / "lenet5.seam")));
  EXPECT_EQ(j["producer"].string, g.producer);
  EXPECT_EQ(j["schema_version"].Int(), static_cast<int64_t>(kSchemaVersion));
  EXPECT_EQ(j["content_hash"].string, ContentHashHex(model_->content_hash()));
  EXPECT_EQ(j["params"].Int(), GraphParams(g));
  EXPECT_EQ(j["flops"].Int(), GraphFlops(g));
  EXPECT_EQ(j["topology"].string, "chain");
  EXPECT_EQ(j["num_nodes"].Int(), static_cast<int64_t>(g.nodes.size()));

  ASSERT_EQ(j["inputs"].array.size(), 1u);
  const Json& input = j["inputs"][0];
  EXPECT_EQ(input["name"].string, g.tensors[g.inputs[0]].name);
  ASSERT_EQ(input["shape"].array.size(), 4u);
  EXPECT_EQ(input["shape"][2].Int(), 32);
  ASSERT_EQ(j["outputs"].array.size(), 1u);
  EXPECT_EQ(j["outputs"][0]["shape"][1].Int(), 10);

  const Json& memory = j["memory"];
  ASSERT_EQ(memory.type, Json::kObject) << r.out;
  EXPECT_GT(memory["arena_bytes"].Int(), 0);
  EXPECT_LE(memory["arena_bytes"].Int(), memory["naive_bytes"].Int());

  const Json& nodes = j["nodes"];
  ASSERT_EQ(nodes.array.size(), g.nodes.size());
  int64_t flops = 0, params = 0;
  for (size_t i = 0; i < nodes.array.size(); ++i) {
    const Json& n = nodes[i];
    for (const char* key :
         {"index", "id", "name", "op", "inputs", "outputs", "params", "flops", "output_bytes"}) {
      EXPECT_TRUE(n.Has(key)) << "node " << i << " lacks " << key;
    }
    EXPECT_EQ(n["index"].Int(), static_cast<int64_t>(i));
    EXPECT_EQ(n["id"].Int(), static_cast<int64_t>(g.nodes[i].id));
    EXPECT_EQ(n["name"].string, g.nodes[i].name);
    EXPECT_EQ(n["op"].string, OpTypeName(g.nodes[i].op));
    flops += n["flops"].Int();
    params += n["params"].Int();
  }
  EXPECT_EQ(flops, j["flops"].Int());
  EXPECT_EQ(params, j["params"].Int());
  EXPECT_EQ(nodes[0]["op"].string, "Conv2D");
  EXPECT_EQ(nodes[0]["output_bytes"].Int(), 6 * 28 * 28 * 4);
}

TEST(InspectCliDagTest, ResidualModelIsADag) {
  TempDir dir;
  BuildWithCli(dir, "mobilenet_v2", "m.seam");
  const CliResult r = RunCli({"inspect", "--json", "m.seam"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const Json j = ParseJsonOrFail(r.out);
  EXPECT_EQ(j["topology"].string, "dag");
  EXPECT_GT(j["num_nodes"].Int(), 50);
}

}  // namespace
}  // namespace seam::cli_test
