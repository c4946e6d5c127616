// `seam convert` end to end: the written file loads and computes the
// reference outputs, `seam inspect` shows the ONNX layer names, and the
// command line behaves like the other subcommands.
#include <string>
#include <vector>

#include "tests/cli/cli_test_util.h"
#include "tests/convert/convert_test_util.h"

namespace seam::convert_test {
namespace {

using cli_test::CliResult;
using cli_test::Describe;
using cli_test::RunCli;
using cli_test::TempDir;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ConvertCli, WritesAModelThatRunsAndInspectShowsLayerNames) {
  TempDir dir;
  CliResult r = RunCli({"convert", DataPath("keras_like_cnn.onnx"), "-o", "cnn.seam"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(Contains(r.out, "folded 1 BatchNorm")) << r.out;
  EXPECT_TRUE(Contains(r.out, "wrote cnn.seam")) << r.out;

  std::unique_ptr<Model> model;
  ASSERT_TRUE(Model::LoadFromFile(dir / "cnn.seam", &model).ok());
  EXPECT_EQ(model->graph().producer, "seam convert");

  // `seam run` on the written file reproduces the reference output.
  r = RunCli({"run", "cnn.seam", "-i", DataPath("keras_like_cnn.in0.npy"), "-o", "y.npy"},
             dir.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  std::vector<int64_t> shape;
  std::vector<float> expected, actual;
  ASSERT_TRUE(ReadNpy(DataPath("keras_like_cnn.out0.npy"), &shape, &expected));
  ASSERT_TRUE(ReadNpy(dir / "y.npy", &shape, &actual));
  const OutputError e = Compare(expected, actual);
  EXPECT_TRUE(e.Within()) << e.max_abs;

  r = RunCli({"inspect", "cnn.seam"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  for (const char* layer :
       {"transpose", "conv2d", "global_average_pooling2d", "dense", "softmax"}) {
    EXPECT_TRUE(Contains(r.out, layer)) << layer << "\n" << r.out;
  }
}

TEST(ConvertCli, KeepNamesChangesTensorNamesOnly) {
  TempDir dir;
  CliResult r = RunCli({"convert", DataPath("keras_like_cnn.onnx"), "-o", "a.seam"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  r = RunCli({"convert", DataPath("keras_like_cnn.onnx"), "-o", "b.seam", "--keep-names"},
             dir.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  std::unique_ptr<Model> a, b;
  ASSERT_TRUE(Model::LoadFromFile(dir / "a.seam", &a).ok());
  ASSERT_TRUE(Model::LoadFromFile(dir / "b.seam", &b).ok());
  ASSERT_EQ(a->graph().nodes.size(), b->graph().nodes.size());
  for (size_t n = 0; n < a->graph().nodes.size(); ++n) {
    EXPECT_EQ(a->graph().nodes[n].name, b->graph().nodes[n].name);
  }
  EXPECT_GE(a->graph().FindTensor("conv2d.weight"), 0);
  EXPECT_GE(b->graph().FindTensor("w"), 0);
  EXPECT_LT(a->graph().FindTensor("w"), 0);
}

TEST(ConvertCli, UsageErrors) {
  TempDir dir;
  CliResult r = RunCli({"convert", DataPath("lstm.onnx")}, dir.path());
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "--output")) << r.err;
  r = RunCli({"convert", "-o", "x.seam"}, dir.path());
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  r = RunCli({"convert", DataPath("lstm.onnx"), "-o", "x.seam", "--bogus"}, dir.path());
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  r = RunCli({"convert", "--help"}, dir.path());
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(Contains(r.out, "--input-shape")) << r.out;
  EXPECT_TRUE(Contains(r.out, "--keep-names")) << r.out;
  r = RunCli({"--help"}, dir.path());
  EXPECT_TRUE(Contains(r.out, "convert")) << r.out;
  r = RunCli({"convert", "missing.onnx", "-o", "x.seam"}, dir.path());
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "missing.onnx")) << r.err;
  EXPECT_TRUE(dir.List().empty());
}

}  // namespace
}  // namespace seam::convert_test
