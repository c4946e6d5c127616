// `seam run --stop-at/--resume-from` and `seam inspect --partition-points`:
// a split run through a .seamt file equals the full run, and boundaries for
// another model, another cut or with corrupted bytes are refused.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/cli/cli_test_util.h"

namespace seam::cli_test {
namespace {

class CutCliTest : public ::testing::Test {
 protected:
  void SetUp() override { BuildWithCli(dir_, "resnet18", "r18.seam"); }
  TempDir dir_;
};

TEST_F(CutCliTest, SplitRunThroughABoundaryFileEqualsTheFullRun) {
  CliResult full = RunCli({"run", "r18.seam", "--output", "full.npy"}, dir_.path());
  ASSERT_EQ(full.exit_code, 0) << Describe(full);
  // A partition point, and a general cut that sends a skip connection too.
  for (const std::string& cut :
       {std::string("layer2.1.relu_1"), std::string("conv1,bn1,relu,maxpool,layer1.0.conv1")}) {
    CliResult stop =
        RunCli({"run", "r18.seam", "--stop-at", cut, "--boundary-out", "b.seamt"}, dir_.path());
    ASSERT_EQ(stop.exit_code, 0) << Describe(stop);
    EXPECT_NE(stop.out.find("boundary '"), std::string::npos) << stop.out;
    CliResult resume = RunCli({"run", "r18.seam", "--resume-from", cut, "--boundary-in", "b.seamt",
                               "--output", "split.npy"},
                              dir_.path());
    ASSERT_EQ(resume.exit_code, 0) << Describe(resume);
    EXPECT_EQ(ReadBytes(dir_ / "full.npy"), ReadBytes(dir_ / "split.npy")) << cut;
  }
}

TEST_F(CutCliTest, LossyBoundaryIsSmallerAndClose) {
  ASSERT_EQ(RunCli({"run", "r18.seam", "--output", "full.npy"}, dir_.path()).exit_code, 0);
  CliResult stop = RunCli({"run", "r18.seam", "--stop-at", "layer3.1.relu_1", "--boundary-out",
                           "b16.seamt", "--boundary-encoding", "f16", "--json"},
                          dir_.path());
  ASSERT_EQ(stop.exit_code, 0) << Describe(stop);
  const Json j = ParseJsonOrFail(stop.out);
  EXPECT_EQ(j["encoding"].string, "f16");
  EXPECT_LT(ReadBytes(dir_ / "b16.seamt").size(), 256u * 14 * 14 * 4);
  CliResult resume = RunCli({"run", "r18.seam", "--resume-from", "layer3.1.relu_1", "--boundary-in",
                             "b16.seamt", "--output", "split.npy"},
                            dir_.path());
  ASSERT_EQ(resume.exit_code, 0) << Describe(resume);
}

TEST_F(CutCliTest, RefusesBoundariesForAnotherModelCutOrCorrupted) {
  ASSERT_EQ(RunCli({"run", "r18.seam", "--stop-at", "layer1.1.relu_1", "--boundary-out", "b.seamt"},
                   dir_.path())
                .exit_code,
            0);
  // Same architecture, other weights: another content hash.
  ASSERT_EQ(RunCli({"zoo", "build", "resnet18", "--seed", "9", "-o", "other.seam"}, dir_.path())
                .exit_code,
            0);
  CliResult other = RunCli({"run", "other.seam", "--resume-from", "layer1.1.relu_1",
                            "--boundary-in", "b.seamt", "--output", "y.npy"},
                           dir_.path());
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("is for model"), std::string::npos) << other.err;
  CliResult wrong_cut = RunCli({"run", "r18.seam", "--resume-from", "layer2.1.relu_1",
                                "--boundary-in", "b.seamt", "--output", "y.npy"},
                               dir_.path());
  EXPECT_EQ(wrong_cut.exit_code, 1);
  EXPECT_NE(wrong_cut.err.find("another cut"), std::string::npos) << wrong_cut.err;
  std::vector<uint8_t> bytes = ReadBytes(dir_ / "b.seamt");
  bytes[bytes.size() - 100] ^= 0x40;  // inside the payload
  WriteBytes(dir_ / "bad.seamt", bytes);
  CliResult corrupt = RunCli({"run", "r18.seam", "--resume-from", "layer1.1.relu_1",
                              "--boundary-in", "bad.seamt", "--output", "y.npy"},
                             dir_.path());
  EXPECT_EQ(corrupt.exit_code, 1);
  EXPECT_NE(corrupt.err.find("checksum"), std::string::npos) << corrupt.err;
  EXPECT_FALSE(FileExists(dir_ / "y.npy"));
  CliResult not_closed = RunCli(
      {"run", "r18.seam", "--stop-at", "conv1,relu", "--boundary-out", "c.seamt"}, dir_.path());
  EXPECT_EQ(not_closed.exit_code, 1);
  EXPECT_NE(not_closed.err.find("must include every ancestor"), std::string::npos)
      << not_closed.err;
  EXPECT_FALSE(FileExists(dir_ / "c.seamt"));
}

TEST_F(CutCliTest, InspectListsPartitionPointsWithBytes) {
  CliResult r = RunCli({"inspect", "r18.seam", "--partition-points", "--json"}, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const Json j = ParseJsonOrFail(r.out);
  const auto& points = j["partition_points"].array;
  ASSERT_EQ(points.size(), 24u);
  EXPECT_EQ(points[3]["name"].string, "maxpool");
  EXPECT_EQ(points[3]["boundary_bytes"].number, 64.0 * 56 * 56 * 4);
  EXPECT_EQ(j["topology"].string, "dag");
}

}  // namespace
}  // namespace seam::cli_test
