// Bad input to the ONNX importer: unsupported operators (all listed at once),
// dynamic shapes, external data escaping the model directory, truncated and
// corrupted files. Through the library API and through `seam convert`, which
// must exit non-zero and write nothing.
#include <unistd.h>

#include <filesystem>
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

Status Import(const std::string& path, onnx_import::ImportOptions options = {}) {
  onnx_import::ImportResult result;
  return onnx_import::ImportOnnxFile(path, options, &result);
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ConvertErrors, EveryUnsupportedNodeIsListedWithOpAndOpset) {
  const Status s = Import(DataPath("unsupported_ops.onnx"));
  ASSERT_EQ(s.code(), StatusCode::kUnsupported) << s.ToString();
  const std::string& m = s.message();
  EXPECT_TRUE(Contains(m, "4 nodes cannot be converted")) << m;
  EXPECT_TRUE(Contains(m, "node 'erf_node': Erf (ai.onnx opset 13): operator not supported")) << m;
  EXPECT_TRUE(Contains(m, "node 'gelu_node': Gelu (com.microsoft opset 1)")) << m;
  EXPECT_TRUE(Contains(m, "node 'resize_linear': Resize (ai.onnx opset 13): Resize mode 'linear'"))
      << m;
  // ConvTranspose reads Erf's output; it is still listed.
  EXPECT_TRUE(Contains(m, "node 'deconv': ConvTranspose (ai.onnx opset 13)")) << m;
  EXPECT_FALSE(Contains(m, "fine_relu")) << m;
}

TEST(ConvertErrors, UnsupportedModelWritesNothing) {
  TempDir dir;
  const CliResult r =
      RunCli({"convert", DataPath("unsupported_ops.onnx"), "-o", "out.seam"}, dir.path());
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "erf_node")) << r.err;
  EXPECT_TRUE(Contains(r.err, "deconv")) << r.err;
  EXPECT_TRUE(dir.List().empty()) << "files left behind";
}

TEST(ConvertErrors, DynamicDimensionNeedsInputShape) {
  const Status s = Import(DataPath("dynamic_input.onnx"));
  ASSERT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "input 'x' has dynamic shape [N,3,4]")) << s.message();
  EXPECT_TRUE(Contains(s.message(), "--input-shape x=1,3,4")) << s.message();

  onnx_import::ImportOptions options;
  options.input_shapes["x"] = {2, 3, 4};
  EXPECT_TRUE(Import(DataPath("dynamic_input.onnx"), options).ok());
  // Fixed dimensions cannot be overridden, ranks must agree, names must exist.
  options.input_shapes["x"] = {2, 5, 4};
  EXPECT_EQ(Import(DataPath("dynamic_input.onnx"), options).code(), StatusCode::kInvalidArgument);
  options.input_shapes["x"] = {2, 3};
  EXPECT_EQ(Import(DataPath("dynamic_input.onnx"), options).code(), StatusCode::kInvalidArgument);
  options.input_shapes.clear();
  options.input_shapes["nope"] = {1};
  const Status unknown = Import(DataPath("dynamic_input.onnx"), options);
  EXPECT_EQ(unknown.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(unknown.message(), "'nope'")) << unknown.message();
}

TEST(ConvertErrors, DynamicDimensionThroughTheCli) {
  TempDir dir;
  CliResult r = RunCli({"convert", DataPath("dynamic_input.onnx"), "-o", "d.seam"}, dir.path());
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "--input-shape x=")) << r.err;
  EXPECT_TRUE(dir.List().empty());
  r = RunCli(
      {"convert", DataPath("dynamic_input.onnx"), "-o", "d.seam", "--input-shape", "x=2,3,4"},
      dir.path());
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(cli_test::FileExists(dir / "d.seam"));
  // Malformed flags are usage errors.
  for (const char* bad : {"x", "x=", "=1,2", "x=1,,2", "x=1,-2", "x=0,3,4", "x=a"}) {
    r = RunCli({"convert", DataPath("dynamic_input.onnx"), "-o", "e.seam", "--input-shape", bad},
               dir.path());
    EXPECT_EQ(r.exit_code, 2) << bad << "\n" << Describe(r);
  }
  EXPECT_FALSE(cli_test::FileExists(dir / "e.seam"));
}

TEST(ConvertErrors, ExternalDataMayNotEscapeTheModelDirectory) {
  Status s = Import(DataPath("external_escape/model.onnx"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "escapes the model's directory")) << s.message();
  s = Import(DataPath("external_absolute/model.onnx"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "must be a path relative")) << s.message();

  TempDir dir;
  const CliResult r =
      RunCli({"convert", DataPath("external_escape/model.onnx"), "-o", "x.seam"}, dir.path());
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(dir.List().empty());
}

TEST(ConvertErrors, ExternalDataSymlinkOutOfTheDirectoryIsRefused) {
  // weights.bin inside the model's directory, but a link to a file outside.
  TempDir outside, model_dir;
  namespace fs = std::filesystem;
  fs::copy_file(DataPath("external/weights.bin"), outside / "weights.bin");
  fs::copy_file(DataPath("external/model.onnx"), model_dir / "model.onnx");
  fs::create_symlink(outside / "weights.bin", model_dir / "weights.bin");
  const Status s = Import(model_dir / "model.onnx");
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "escapes")) << s.message();
  // A real copy in the directory is fine.
  fs::remove(model_dir / "weights.bin");
  fs::copy_file(DataPath("external/weights.bin"), model_dir / "weights.bin");
  EXPECT_TRUE(Import(model_dir / "model.onnx").ok());
}

TEST(ConvertErrors, ExternalDataNeedsAFileAndItsBytes) {
  TempDir dir;
  namespace fs = std::filesystem;
  fs::copy_file(DataPath("external/model.onnx"), dir / "model.onnx");
  Status s = Import(dir / "model.onnx");  // weights.bin missing
  EXPECT_EQ(s.code(), StatusCode::kIo) << s.ToString();
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(ReadFile(DataPath("external/weights.bin"), &bytes));
  cli_test::WriteBytes(dir / "weights.bin", bytes.data(), bytes.size() / 2);
  s = Import(dir / "model.onnx");  // too short
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.ToString();
  // From memory there is no directory to read external data from.
  std::vector<uint8_t> model;
  ASSERT_TRUE(ReadFile(DataPath("external/model.onnx"), &model));
  onnx_import::ImportResult result;
  s = onnx_import::ImportOnnxBytes(model.data(), model.size(), "", "bytes", {}, &result);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
}

TEST(ConvertErrors, EveryTruncationIsRejected) {
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(ReadFile(DataPath("keras_like_cnn.onnx"), &bytes));
  for (size_t n = 0; n < bytes.size(); ++n) {
    onnx_import::ImportResult result;
    const Status s =
        onnx_import::ImportOnnxBytes(bytes.data(), n, "", "truncated.onnx", {}, &result);
    ASSERT_FALSE(s.ok()) << "a model truncated to " << n << " bytes converted";
    ASSERT_EQ(s.code(), StatusCode::kInvalidModel) << n << ": " << s.ToString();
  }
}

TEST(ConvertErrors, TruncatedAndGarbageFilesThroughTheCli) {
  TempDir dir;
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(ReadFile(DataPath("lstm.onnx"), &bytes));
  cli_test::WriteBytes(dir / "truncated.onnx", bytes.data(), bytes.size() * 2 / 3);
  std::vector<uint8_t> garbage = {0xff, 0xfe, 0x00, 0x13, 0x37, 0x42, 0x99, 0x01};
  cli_test::WriteBytes(dir / "garbage.onnx", garbage);
  // An existing output must survive a failed conversion untouched.
  const std::string keep = "previous contents";
  cli_test::WriteBytes(dir / "out.seam", keep.data(), keep.size());
  for (const char* in : {"truncated.onnx", "garbage.onnx"}) {
    const CliResult r = RunCli({"convert", in, "-o", "out.seam"}, dir.path());
    EXPECT_EQ(r.exit_code, 1) << Describe(r);
    EXPECT_TRUE(Contains(r.err, "not a valid ONNX model")) << r.err;
  }
  const std::vector<uint8_t> after = cli_test::ReadBytes(dir / "out.seam");
  EXPECT_EQ(std::string(after.begin(), after.end()), keep);
  EXPECT_EQ(dir.List(), (std::vector<std::string>{"garbage.onnx", "out.seam", "truncated.onnx"}));
}

TEST(ConvertErrors, MissingFilesAndDirectories) {
  EXPECT_EQ(Import(DataPath("no_such_model.onnx")).code(), StatusCode::kIo);
  EXPECT_EQ(Import(DataDir()).code(), StatusCode::kInvalidArgument);
  onnx_import::ImportResult result;
  EXPECT_EQ(onnx_import::ImportOnnxBytes("", 0, "", "empty", {}, &result).code(),
            StatusCode::kInvalidModel);
}

}  // namespace
}  // namespace seam::convert_test
