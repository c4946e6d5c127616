// `seam plan` with the bundled policy plugins on real profiles.
#include <string>

#include "gtest/gtest.h"
#include "tests/cli/cli_test_util.h"

namespace seam::cli_test {
namespace {

class PlanCliTest : public ::testing::Test {
 protected:
  // One model and profile for the whole suite: building and profiling AlexNet
  // is the slow part (when the suite runs in one process).
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    BuildWithCli(*dir_, "nin", "a.seam");
    ASSERT_EQ(
        RunCli({"profile", "a.seam", "--runs", "2", "--warmup", "1", "-o", "p.json"}, dir_->path())
            .exit_code,
        0);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  Json Plan(const std::string& policy, const std::string& bandwidth) {
    CliResult r =
        RunCli({"plan", "a.seam", "--policy", policy, "--edge-profile", "p.json",
                "--server-profile", "p.json", "--bandwidth", bandwidth, "--rtt", "20ms", "--json"},
               dir_->path());
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    return ParseJsonOrFail(r.out);
  }
  static TempDir* dir_;
};

TempDir* PlanCliTest::dir_ = nullptr;

TEST_F(PlanCliTest, SlowLinksKeepEverythingOnTheEdge) {
  const Json j = Plan("dads-light", "1kbit");
  EXPECT_EQ(j["edge_nodes"].Int(), j["num_nodes"].Int());
  EXPECT_EQ(j["boundary_bytes"].Int(), 0);
  EXPECT_DOUBLE_EQ(j["predicted_transfer_ms"].number, 0.0);
}

TEST_F(PlanCliTest, PoliciesAgreeOnAChainAndReportConsistentTimes) {
  for (const char* bw : {"0.13Mbit", "5.85Mbit", "18.88Mbit"}) {
    const Json light = Plan("dads-light", bw);
    const Json ns = Plan("neurosurgeon", bw);
    EXPECT_NEAR(light["predicted_total_ms"].number, ns["predicted_total_ms"].number,
                1e-6 * ns["predicted_total_ms"].number + 1e-9)
        << bw;
    EXPECT_NEAR(light["predicted_total_ms"].number,
                light["predicted_edge_ms"].number + light["predicted_transfer_ms"].number +
                    light["predicted_server_ms"].number,
                1e-6);
  }
  const Json server = Plan("server-only", "5.85Mbit");
  EXPECT_EQ(server["edge_nodes"].Int(), 0);
  EXPECT_EQ(server["boundary_bytes"].Int(), 3 * 224 * 224 * 4);
}

TEST_F(PlanCliTest, UnknownPolicyListsTheAvailableOnes) {
  CliResult r = RunCli({"plan", "a.seam", "--policy", "magic", "--edge-profile", "p.json",
                        "--server-profile", "p.json", "--bandwidth", "1Mbit"},
                       dir_->path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no policy plugin named 'magic'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("dads-light"), std::string::npos) << r.err;
  CliResult bad_bw = RunCli({"plan", "a.seam", "--policy", "dads-light", "--edge-profile", "p.json",
                             "--server-profile", "p.json", "--bandwidth", "fast"},
                            dir_->path());
  EXPECT_EQ(bad_bw.exit_code, 2);
}

}  // namespace
}  // namespace seam::cli_test
