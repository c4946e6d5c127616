// Split inference gives the single-process answer: a real `seam serve` and
// `seam edge` over ZeroMQ on loopback stream .npy inputs written here, with a
// cut that really splits lenet5 (DSCCS with a small server budget) and with
// server-only; every frame_NNNNNN.npy the edge writes must equal, byte for
// byte, what `seam run` writes for the same input, and the edge's own
// --verify must report no mismatch and no lost frame.
#include <string>
#include <vector>

#include "tests/stream/stream_test_util.h"

namespace seam::stream_test {
namespace {

constexpr int kFrames = 6;
constexpr int64_t kLenetNodes = 13;

struct SplitCase {
  const char* name;
  std::vector<std::string> policy_args;
  bool expect_split;  // the cut must leave nodes on both sides
};

// Names the case in test listings (ctest shows GetParam()).
void PrintTo(const SplitCase& c, std::ostream* os) { *os << c.name; }

class StreamOutputsTest : public ::testing::TestWithParam<SplitCase> {};

TEST_P(StreamOutputsTest, FramesEqualSingleProcessRun) {
  const SplitCase& c = GetParam();
  Workspace ws;
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("lenet5", "m.seam"));

  // Inputs: distinct deterministic tensors, written with the tests' own
  // .npy encoder (not the CLI's).
  std::filesystem::create_directories(ws.path("in"));
  for (int k = 0; k < kFrames; ++k) {
    const std::vector<float> values = cli_test::TestValues(32 * 32, 100 + static_cast<uint32_t>(k));
    char name[32];
    std::snprintf(name, sizeof(name), "in/input_%03d.npy", k);
    cli_test::WriteBytes(ws.path(name),
                         cli_test::MakeNpy("<f4", false, "(1, 1, 32, 32)", values.data(),
                                           values.size() * sizeof(float)));
  }

  Server server(&ws, "m.seam", FreeTcpEndpoint(), {"--workers", "1", "--backend", "ref"});
  ASSERT_TRUE(server.Start());

  std::vector<std::string> args = {"edge",     "m.seam", "--connect", server.endpoint(),
                                   "--input",  "in",     "--output",  "out",
                                   "--verify", "--json", "--wait",    "20s"};
  args.insert(args.end(), c.policy_args.begin(), c.policy_args.end());
  const auto edge = ws.Run("edge", args);
  ASSERT_EQ(edge->exit_code(), 0) << edge->Describe();

  const std::vector<Json> events = ParseEvents(edge->Out());
  const Json summary = SummaryOf(events);
  ExpectAllFramesVerified(summary, kFrames);
  EXPECT_EQ(summary["fallbacks"].Int(), 0) << edge->Describe();

  // Every frame went through the server on the planned cut.
  const std::vector<Json> frames = EventsOf(events, "frame");
  ASSERT_EQ(frames.size(), static_cast<size_t>(kFrames)) << edge->Describe();
  for (const Json& f : frames) {
    EXPECT_EQ(f["fallback"].Int(), 0) << DescribeFrames(events);
    EXPECT_EQ(f["verified"].Int(), 1) << DescribeFrames(events);
    EXPECT_GT(f["sent_bytes"].Int(), 0) << DescribeFrames(events);
    const int64_t edge_nodes = f["edge_nodes"].Int();
    if (c.expect_split) {
      EXPECT_GT(edge_nodes, 0) << "not a split: " << f["cut"].string;
      EXPECT_LT(edge_nodes, kLenetNodes) << "not a split: " << f["cut"].string;
      EXPECT_EQ(f["cut"].string.rfind("after ", 0), 0u) << f["cut"].string;
    } else {
      EXPECT_EQ(edge_nodes, 0);
      EXPECT_EQ(f["cut"].string, "server only");
    }
  }

  // Compare with `seam run` on the same inputs, byte for byte.
  std::vector<std::vector<uint8_t>> outputs;
  for (int k = 0; k < kFrames; ++k) {
    char input[32], produced[40], expected[32];
    std::snprintf(input, sizeof(input), "in/input_%03d.npy", k);
    std::snprintf(produced, sizeof(produced), "out/frame_%06d.npy", k);
    std::snprintf(expected, sizeof(expected), "ref_%03d.npy", k);
    const cli_test::CliResult run = cli_test::RunCli(
        {"run", "m.seam", "--input", input, "--output", expected, "--backend", "ref"},
        ws.dir().path(), 120);
    ASSERT_EQ(run.exit_code, 0) << cli_test::Describe(run);
    const std::vector<uint8_t> want = cli_test::ReadBytes(ws.path(expected));
    const std::vector<uint8_t> got = cli_test::ReadBytes(ws.path(produced));
    ASSERT_GT(want.size(), 40u) << expected;
    EXPECT_EQ(got, want) << "frame " << k << ": " << produced << " differs from seam run's "
                         << expected;
    outputs.push_back(got);
  }
  // Distinct inputs give distinct outputs, so the comparison above is not
  // comparing one constant file with itself.
  for (int k = 1; k < kFrames; ++k)
    EXPECT_NE(outputs[static_cast<size_t>(k)], outputs[0]) << "frame " << k;

  // The server really ran the server side of every frame.
  const Json stopped = server.Stop();
  EXPECT_EQ(stopped["frames"].Int(), kFrames);
  EXPECT_EQ(stopped["refused"].Int(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Cuts, StreamOutputsTest,
    ::testing::Values(
        // DSCCS keeps server time within 0.04 ms: the conv layers (~0.07 ms
        // on the server) must stay on the edge, the FC tail (~0.01 ms) goes to
        // the server; a 500x slower edge makes running the tail locally the
        // worse choice. --replan-ms keeps the initial cut for the whole run.
        SplitCase{"dsccs_split",
                  {"--policy", "dsccs", "--budget", "0.04ms", "--edge-slowdown", "500",
                   "--replan-ms", "600000", "--backend", "ref"},
                  true},
        SplitCase{"server_only", {"--policy", "server-only", "--backend", "ref"}, false}),
    [](const ::testing::TestParamInfo<SplitCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace seam::stream_test
