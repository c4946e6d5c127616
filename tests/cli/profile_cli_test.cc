// `seam profile`: JSON, CSV and SVG outputs with every node, partition point,
// predictor entry and thread count.
#include <string>

#include "gtest/gtest.h"
#include "tests/cli/cli_test_util.h"

namespace seam::cli_test {
namespace {

TEST(ProfileCli, WritesJsonCsvAndPlotForEveryNodeAndThreadCount) {
  TempDir dir;
  BuildWithCli(dir, "nin", "nin.seam");
  CliResult r = RunCli({"profile", "nin.seam", "--threads", "1,2", "--runs", "2", "-o", "p.json",
                        "--csv", "p.csv", "--plot", "p.svg"},
                       dir.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find("thread scaling"), std::string::npos);
  const std::vector<uint8_t> raw = ReadBytes(dir / "p.json");
  const Json j = ParseJsonOrFail(std::string(raw.begin(), raw.end()));
  ASSERT_EQ(j["profiles"].array.size(), 2u);
  CliResult inspect = RunCli({"inspect", "nin.seam", "--json"}, dir.path());
  const Json model = ParseJsonOrFail(inspect.out);
  const size_t nodes = static_cast<size_t>(model["num_nodes"].Int());
  for (const Json& p : j["profiles"].array) {
    ASSERT_EQ(p["nodes"].array.size(), nodes);
    for (const Json& n : p["nodes"].array) EXPECT_GT(n["median_ms"].number, 0.0);
    // Server-only plus one row per partition point (NiN is a chain).
    EXPECT_EQ(p["points"].array.size(), nodes + 1);
  }
  EXPECT_EQ(j["profiles"][0]["threads"].Int(), 1);
  EXPECT_EQ(j["profiles"][1]["threads"].Int(), 2);
  EXPECT_TRUE(j["predictor"]["ops"].Has("Conv2D"));
  EXPECT_EQ(j["predictor"]["ops"]["Conv2D"]["coefficients"].array.size(), 3u);
  EXPECT_EQ(j["thread_scaling"].array.size(), 2u);
  const std::vector<uint8_t> csv = ReadBytes(dir / "p.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), static_cast<long>(1 + 2 * nodes));
  const std::vector<uint8_t> svg = ReadBytes(dir / "p.svg");
  const std::string svg_text(svg.begin(), svg.end());
  EXPECT_EQ(svg_text.rfind("<svg", 0), 0u);
  EXPECT_NE(svg_text.find("output size (MB)"), std::string::npos);
}

TEST(ProfileCli, RejectsBadThreadListsAndMissingOutput) {
  TempDir dir;
  BuildWithCli(dir, "lenet5", "l.seam");
  EXPECT_EQ(RunCli({"profile", "l.seam", "--threads", "1,x", "-o", "p.json"}, dir.path()).exit_code,
            2);
  EXPECT_EQ(RunCli({"profile", "l.seam"}, dir.path()).exit_code, 2);
  EXPECT_FALSE(FileExists(dir / "p.json"));
}

}  // namespace
}  // namespace seam::cli_test
