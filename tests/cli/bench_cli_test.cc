// `seam bench`: JSON figures on every backend this build has.
#include <string>

#include "backends/backend_registry.h"
#include "gtest/gtest.h"
#include "tests/cli/cli_test_util.h"

namespace seam::cli_test {
namespace {

TEST(BenchCli, ReportsMedianP90AndGflopsOnEveryBackend) {
  TempDir dir;
  BuildWithCli(dir, "lenet5", "l.seam");
  for (const std::string& backend : AvailableBackends()) {
    CliResult r =
        RunCli({"bench", "l.seam", "--backend", backend, "--runs", "5", "--json"}, dir.path());
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    const Json j = ParseJsonOrFail(r.out);
    EXPECT_EQ(j["backend"].string, backend);
    EXPECT_GT(j["median_ms"].number, 0.0);
    EXPECT_GE(j["p90_ms"].number, j["median_ms"].number);
    EXPECT_GT(j["gflops_per_s"].number, 0.0);
    if (backend != "ref") {
      EXPECT_GT(j["backend_nodes"].Int(), 0) << backend;
    }
  }
  CliResult bad = RunCli({"bench", "l.seam", "--backend", "tpu"}, dir.path());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("unknown backend 'tpu'"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace seam::cli_test
