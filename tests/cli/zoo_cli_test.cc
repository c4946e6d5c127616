// `seam zoo list` and `seam zoo build`, run as a subprocess.
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "models/zoo.h"
#include "seam/graph.h"
#include "seam/model.h"
#include "tests/cli/cli_test_util.h"

namespace seam::cli_test {
namespace {

TEST(ZooCliTest, ListNamesEveryModel) {
  TempDir dir;
  const CliResult r = RunCli({"zoo", "list"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  for (const ZooModelInfo& m : ZooModels()) {
    EXPECT_NE(r.out.find(m.name), std::string::npos) << m.name << "\n" << r.out;
  }
  EXPECT_NE(r.out.find(std::to_string(ZooModels().size()) + " models"), std::string::npos);
}

TEST(ZooCliTest, ListJsonHasEveryModelWithItsFields) {
  TempDir dir;
  const CliResult r = RunCli({"zoo", "list", "--json"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const Json json = ParseJsonOrFail(r.out);
  ASSERT_EQ(json.type, Json::kObject);
  const Json& models = json["models"];
  ASSERT_EQ(models.type, Json::kArray);
  ASSERT_EQ(models.array.size(), ZooModels().size());
  for (size_t i = 0; i < models.array.size(); ++i) {
    const ZooModelInfo& info = ZooModels()[i];
    const Json& m = models[i];
    EXPECT_EQ(m["name"].string, info.name);
    EXPECT_EQ(m["topology"].string, info.topology);
    EXPECT_EQ(m["params"].Int(), info.expected_params);
    EXPECT_EQ(m["input_shape"].string, info.input_shape);
    EXPECT_EQ(m["description"].string, info.description);
  }
}

TEST(ZooCliTest, BuildWritesALoadableModel) {
  TempDir dir;
  const CliResult r = RunCli({"zoo", "build", "lenet5", "-o", "lenet5.seam"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find("lenet5.seam"), std::string::npos) << r.out;
  std::unique_ptr<Model> model;
  const Status status = Model::LoadFromFile(dir / "lenet5.seam", &model);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(GraphParams(model->graph()), 61706);
  // Only the model: no temporary files left beside it.
  EXPECT_EQ(dir.List(), std::vector<std::string>{"lenet5.seam"});
}

TEST(ZooCliTest, BuildIsDeterministicPerSeed) {
  TempDir dir;
  BuildWithCli(dir, "lenet5", "a.seam");
  BuildWithCli(dir, "lenet5", "b.seam");
  const CliResult r =
      RunCli({"zoo", "build", "lenet5", "--output=c.seam", "--seed", "2"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(ReadBytes(dir / "a.seam"), ReadBytes(dir / "b.seam"));
  EXPECT_NE(ReadBytes(dir / "a.seam"), ReadBytes(dir / "c.seam"));
}

TEST(ZooCliTest, BuildUnknownNameListsValidNamesAndWritesNothing) {
  TempDir dir;
  const CliResult r = RunCli({"zoo", "build", "resnet9000", "-o", "x.seam"}, dir.path());
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.err.find("unknown zoo model 'resnet9000'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("lenet5"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("resnet18"), std::string::npos) << r.err;
  EXPECT_TRUE(dir.List().empty());
}

TEST(ZooCliTest, BuildWithoutOutputIsAUsageError) {
  TempDir dir;
  const CliResult r = RunCli({"zoo", "build", "lenet5"}, dir.path());
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_NE(r.err.find("--output"), std::string::npos) << r.err;
  EXPECT_TRUE(dir.List().empty());
}

TEST(ZooCliTest, BuildIntoMissingDirectoryFailsAndLeavesNothing) {
  TempDir dir;
  const CliResult r = RunCli({"zoo", "build", "lenet5", "-o", "no/such/dir/x.seam"}, dir.path());
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_NE(r.err.find("no/such/dir/x.seam"), std::string::npos) << r.err;
  EXPECT_TRUE(dir.List().empty());
}

TEST(ZooCliTest, UnknownZooSubcommand) {
  TempDir dir;
  const CliResult r = RunCli({"zoo", "destroy"}, dir.path());
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_NE(r.err.find("unknown subcommand 'destroy'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace seam::cli_test
