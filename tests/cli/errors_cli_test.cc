// Error handling of the `seam` CLI: bad command lines exit 2, failed work
// exits 1, every message names the problem, and a failing command leaves no
// output (or temporary) file behind.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/cli/cli_test_util.h"

namespace seam::cli_test {
namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(CliErrorsTest, UnknownSubcommand) {
  TempDir dir;
  const CliResult r = RunCli({"frobnicate"}, dir.path());
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "unknown subcommand 'frobnicate'")) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(CliErrorsTest, MissingSubcommand) {
  TempDir dir;
  const CliResult r = RunCli({}, dir.path());
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "missing subcommand")) << r.err;
}

TEST(CliErrorsTest, UnknownFlagIsNamed) {
  TempDir dir;
  BuildWithCli(dir, "lenet5", "m.seam");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"inspect", "m.seam", "--bogus"},
        std::vector<std::string>{"run", "m.seam", "--bogus=3"},
        std::vector<std::string>{"zoo", "list", "--bogus"},
        std::vector<std::string>{"zoo", "build", "lenet5", "-o", "x.seam", "--bogus"},
        std::vector<std::string>{"--bogus", "inspect", "m.seam"}}) {
    const CliResult r = RunCli(args, dir.path());
    EXPECT_EQ(r.exit_code, 2) << args[0] << "\n" << Describe(r);
    EXPECT_TRUE(Contains(r.err, "unknown flag '--bogus'")) << r.err;
  }
  EXPECT_FALSE(FileExists(dir / "x.seam"));
}

TEST(CliErrorsTest, MissingOrBadFlagValueIsNamed) {
  TempDir dir;
  BuildWithCli(dir, "lenet5", "m.seam");
  CliResult r = RunCli({"run", "m.seam", "--threads"}, dir.path());
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "'--threads' needs a value")) << r.err;

  r = RunCli({"run", "m.seam", "--output", "--json"}, dir.path());
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "'--output' needs a value")) << r.err;

  r = RunCli({"run", "m.seam", "--repeat", "many"}, dir.path());
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "'--repeat' expects an integer")) << r.err;

  r = RunCli({"run", "m.seam", "--repeat", "0"}, dir.path());
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "'--repeat' must be in")) << r.err;

  r = RunCli({"inspect"}, dir.path());
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "missing argument FILE")) << r.err;

  r = RunCli({"inspect", "m.seam", "extra"}, dir.path());
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "'extra'")) << r.err;
}

TEST(CliErrorsTest, MissingModelFile) {
  TempDir dir;
  for (const char* cmd : {"inspect", "run"}) {
    const CliResult r = RunCli({cmd, "nope.seam"}, dir.path());
    EXPECT_EQ(r.exit_code, 1) << Describe(r);
    EXPECT_TRUE(Contains(r.err, "nope.seam")) << r.err;
    EXPECT_TRUE(Contains(r.err, "No such file")) << r.err;
  }
}

TEST(CliErrorsTest, TruncatedModelIsRejectedAndRunWritesNothing) {
  TempDir dir;
  BuildWithCli(dir, "lenet5", "m.seam");
  std::vector<uint8_t> bytes = ReadBytes(dir / "m.seam");
  bytes.resize(bytes.size() / 2);
  WriteBytes(dir / "cut.seam", bytes);

  CliResult r = RunCli({"inspect", "cut.seam"}, dir.path());
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "cut.seam")) << r.err;
  EXPECT_TRUE(Contains(r.err, "invalid_model")) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;

  r = RunCli({"run", "cut.seam", "-o", "out.npy"}, dir.path());
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "cut.seam")) << r.err;
  EXPECT_EQ(dir.List(), (std::vector<std::string>{"cut.seam", "m.seam"}));
}

TEST(CliErrorsTest, CorruptedWeightsFailTheContentHash) {
  TempDir dir;
  BuildWithCli(dir, "lenet5", "m.seam");
  std::vector<uint8_t> bytes = ReadBytes(dir / "m.seam");
  bytes[bytes.size() / 2] ^= 0x55;  // inside the weights
  WriteBytes(dir / "bad.seam", bytes);
  const CliResult r = RunCli({"inspect", "bad.seam"}, dir.path());
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "bad.seam")) << r.err;
  EXPECT_TRUE(Contains(r.err, "hash")) << r.err;
}

TEST(CliErrorsTest, NotAModelFile) {
  TempDir dir;
  const std::string text = "this is not a model, just some text that is long enough\n";
  WriteBytes(dir / "text.seam", text.data(), text.size());
  const CliResult r = RunCli({"inspect", "text.seam"}, dir.path());
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "text.seam")) << r.err;
  EXPECT_TRUE(Contains(r.err, "invalid_model")) << r.err;
}

class RunInputErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override { BuildWithCli(dir_, "lenet5", "m.seam"); }

  // Runs with `input` and an output file; expects failure naming `expected`
  // and no output file.
  void ExpectRejected(const std::string& input, const std::string& expected) {
    const CliResult r = RunCli({"run", "m.seam", "-i", input, "-o", "out.npy"}, dir_.path());
    EXPECT_EQ(r.exit_code, 1) << Describe(r);
    EXPECT_TRUE(Contains(r.err, input)) << r.err;
    EXPECT_TRUE(Contains(r.err, expected)) << "expected '" << expected << "' in: " << r.err;
    EXPECT_FALSE(FileExists(dir_ / "out.npy"));
    for (const std::string& name : dir_.List()) {
      EXPECT_EQ(name.find(".tmp"), std::string::npos) << "temporary file left: " << name;
    }
  }

  TempDir dir_;
  std::vector<float> values_ = TestValues(1024);
};

TEST_F(RunInputErrorsTest, NpyShapeMismatch) {
  WriteBytes(dir_ / "x.npy", MakeNpy("<f4", false, "(1, 32, 32)", values_.data(), 4096));
  ExpectRejected("x.npy", "has shape [1,32,32] but input 'input' expects [1,1,32,32]");
}

TEST_F(RunInputErrorsTest, NpyWrongDtype) {
  std::vector<double> wide(values_.begin(), values_.end());
  WriteBytes(dir_ / "x.npy", MakeNpy("<f8", false, "(1, 1, 32, 32)", wide.data(), 8192));
  ExpectRejected("x.npy", "dtype '<f8'");
}

TEST_F(RunInputErrorsTest, NpyBigEndian) {
  WriteBytes(dir_ / "x.npy", MakeNpy(">f4", false, "(1, 1, 32, 32)", values_.data(), 4096));
  ExpectRejected("x.npy", "dtype '>f4'");
}

TEST_F(RunInputErrorsTest, NpyFortranOrder) {
  WriteBytes(dir_ / "x.npy", MakeNpy("<f4", true, "(1, 1, 32, 32)", values_.data(), 4096));
  ExpectRejected("x.npy", "Fortran");
}

TEST_F(RunInputErrorsTest, NpyTruncatedData) {
  WriteBytes(dir_ / "x.npy", MakeNpy("<f4", false, "(1, 1, 32, 32)", values_.data(), 4000));
  ExpectRejected("x.npy", "truncated");
}

TEST_F(RunInputErrorsTest, NpyTruncatedHeader) {
  std::vector<uint8_t> bytes = MakeNpy("<f4", false, "(1, 1, 32, 32)", values_.data(), 4096);
  bytes.resize(30);
  WriteBytes(dir_ / "x.npy", bytes);
  ExpectRejected("x.npy", "truncated");
}

TEST_F(RunInputErrorsTest, NpyBadMagic) {
  const std::string text = "definitely not numpy";
  WriteBytes(dir_ / "x.npy", text.data(), text.size());
  ExpectRejected("x.npy", "not a .npy file");
}

TEST_F(RunInputErrorsTest, F32WrongSize) {
  WriteBytes(dir_ / "x.f32", values_.data(), 1000);
  ExpectRejected("x.f32", "has 1000 bytes");
}

TEST_F(RunInputErrorsTest, MissingInputFile) { ExpectRejected("absent.npy", "No such file"); }

TEST_F(RunInputErrorsTest, UnknownTensorExtensionIsAUsageError) {
  const CliResult r = RunCli({"run", "m.seam", "-o", "out.txt"}, dir_.path());
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "out.txt")) << r.err;
  EXPECT_TRUE(Contains(r.err, ".npy")) << r.err;
  EXPECT_FALSE(FileExists(dir_ / "out.txt"));
}

TEST_F(RunInputErrorsTest, TooManyInputsOrOutputs) {
  WriteBytes(dir_ / "x.f32", values_.data(), 4096);
  CliResult r = RunCli({"run", "m.seam", "-i", "x.f32", "-i", "x.f32"}, dir_.path());
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "1 input(s) but 2 --input")) << r.err;
  r = RunCli({"run", "m.seam", "-o", "a.npy", "-o", "b.npy"}, dir_.path());
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "1 output(s) but 2 --output")) << r.err;
  EXPECT_FALSE(FileExists(dir_ / "a.npy"));
}

TEST_F(RunInputErrorsTest, OutputIntoMissingDirectoryLeavesNothing) {
  const CliResult r = RunCli({"run", "m.seam", "-o", "missing/out.npy"}, dir_.path());
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(Contains(r.err, "missing/out.npy")) << r.err;
  EXPECT_EQ(dir_.List(), std::vector<std::string>{"m.seam"});
}

}  // namespace
}  // namespace seam::cli_test
