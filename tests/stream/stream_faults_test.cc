// Faults between real `seam serve` and `seam edge` processes over ZeroMQ on
// loopback: the server SIGKILLed mid-stream and restarted on the same
// endpoint (no frame lost, frames finished locally meanwhile, remote again
// after the restart), an edge with another model's weights (refused with
// "model hash mismatch", exit 1), and no server at all (exit 1 naming the
// endpoint, within --wait).
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "tests/stream/stream_test_util.h"

namespace seam::stream_test {
namespace {

// Streams 100 frames server-only at 20/s; ~1.3 s in, SIGKILLs the server,
// restarts it on the same endpoint 1 s later, and checks the whole story.
void KillAndRestartServer(const std::vector<std::string>& monitor_args) {
  constexpr int kFrames = 100;
  Workspace ws;
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("lenet5", "m.seam"));
  const std::string endpoint = FreeTcpEndpoint();
  auto first = std::make_unique<Server>(&ws, "m.seam", endpoint);
  ASSERT_TRUE(first->Start());

  std::vector<std::string> args = {
      "edge",     "m.seam",      "--connect",   endpoint,
      "--policy", "server-only", "--synthetic", std::to_string(kFrames),
      "--rate",   "20",          "--verify",    "--timeout-ms",
      "500",      "--json",      "--wait",      "20s"};
  args.insert(args.end(), monitor_args.begin(), monitor_args.end());
  auto edge = ws.Start("edge", args);
  // Once frame 25 is done (~1.3 s into the stream), kill the server.
  ASSERT_TRUE(WaitForFrame(edge.get(), 25, 30)) << edge->Describe();
  first->Kill();
  ASSERT_EQ(first->process()->term_signal(), SIGKILL);
  const std::string first_out = first->process()->Out();
  EXPECT_EQ(first_out.find("\"stopped\""), std::string::npos)
      << "a SIGKILLed server printed its counters";
  std::this_thread::sleep_for(std::chrono::seconds(1));

  Server second(&ws, "m.seam", endpoint);
  ASSERT_TRUE(second.Start());
  ASSERT_TRUE(edge->Wait(90)) << "edge did not finish\n" << edge->Describe();
  ASSERT_EQ(edge->exit_code(), 0) << edge->Describe();

  const std::vector<Json> events = ParseEvents(edge->Out());
  const std::string digest = DescribeFrames(events);
  const Json summary = SummaryOf(events);
  ExpectAllFramesVerified(summary, kFrames);
  EXPECT_GE(summary["fallbacks"].Int(), 1);

  const std::vector<Json> frames = EventsOf(events, "frame");
  ASSERT_EQ(frames.size(), static_cast<size_t>(kFrames)) << digest;
  int fallbacks = 0, local = 0;
  for (const Json& f : frames) {
    EXPECT_EQ(f["verified"].Int(), 1) << "frame " << f["frame"].Int();
    if (f["frame"].Int() <= 25) {
      EXPECT_EQ(f["fallback"].Int(), 0) << "frame " << f["frame"].Int() << " before the kill";
      EXPECT_EQ(f["cut"].string, "server only");
    }
    if (f["fallback"].Int() == 1) {
      ++fallbacks;
      EXPECT_FALSE(f["fallback_reason"].string.empty());
    }
    if (f["cut"].string == "edge only") ++local;
  }
  EXPECT_EQ(fallbacks, summary["fallbacks"].Int());
  EXPECT_GE(local, 1) << "no frame ran edge-only while the server was down";

  // After the restart the edge noticed and went back to the server.
  bool reachable_again = false;
  for (const Json& n : EventsOf(events, "notice")) {
    if (n["message"].string.find("reachable again") != std::string::npos) reachable_again = true;
  }
  EXPECT_TRUE(reachable_again);
  const std::vector<Json> recuts = EventsOf(events, "recut");
  ASSERT_GE(recuts.size(), 3u) << digest;  // start -> server only, -> edge only, -> server only
  EXPECT_EQ(recuts.back()["to"].string, "server only");
  const Json& late = frames.back();
  EXPECT_EQ(late["fallback"].Int(), 0);
  EXPECT_EQ(late["cut"].string, "server only");
  EXPECT_GT(late["sent_bytes"].Int(), 0);

  const Json stopped = second.Stop();
  EXPECT_GE(stopped["frames"].Int(), 1) << "the restarted server served nothing";
  EXPECT_GE(stopped["hellos"].Int(), 1);
  if (::testing::Test::HasFailure()) std::cout << "edge events:\n" << digest;
}

TEST(StreamFaultsTest, ServerKilledAndRestartedMidStream) {
  // Passive bandwidth only: no monitor probes share the link with the frames.
  KillAndRestartServer({"--monitor", "bandwidth:mode=passive"});
}

// The same with the edge's default monitors: their probes share the link,
// and a frame must never wait for a probe past its own timeout (a bug once:
// frames queued behind a 30 s probe to the dead server and never fell back).
TEST(StreamFaultsTest, ServerKilledAndRestartedDefaultMonitors) { KillAndRestartServer({}); }

// The server is SIGKILLed and stays down: every frame finishes locally soon
// after --timeout-ms, even while monitor probes to the dead server run.
TEST(StreamFaultsTest, ServerKilledForGoodFramesStillFinishPromptly) {
  constexpr int kFrames = 100;
  Workspace ws;
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("lenet5", "m.seam"));
  Server server(&ws, "m.seam", FreeTcpEndpoint());
  ASSERT_TRUE(server.Start());
  auto edge =
      ws.Start("edge", {"edge", "m.seam", "--connect", server.endpoint(), "--policy", "server-only",
                        "--synthetic", std::to_string(kFrames), "--rate", "20", "--verify",
                        "--timeout-ms", "500", "--json", "--wait", "20s"});
  ASSERT_TRUE(WaitForFrame(edge.get(), 25, 30)) << edge->Describe();
  server.Kill();
  if (!edge->Wait(30)) {
    ADD_FAILURE() << "a 5 s stream is still running 30 s after the server died (it takes ~64 s)";
    edge->Kill();
    return;
  }
  ASSERT_EQ(edge->exit_code(), 0) << edge->Describe();
  const std::vector<Json> events = ParseEvents(edge->Out());
  const Json summary = SummaryOf(events);
  EXPECT_EQ(summary["lost"].Int(), 0);
  EXPECT_EQ(summary["mismatches"].Int(), 0);
  EXPECT_LT(summary["wall_s"].number, 15.0) << DescribeFrames(events);
  EXPECT_LT(summary["p90_ms"].number, 3000.0) << DescribeFrames(events);
}

TEST(StreamFaultsTest, WrongModelHashIsRejected) {
  Workspace ws;
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("lenet5", "served.seam", 1));
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("lenet5", "other.seam", 2));  // same graph, other weights
  Server server(&ws, "served.seam", FreeTcpEndpoint());
  ASSERT_TRUE(server.Start());
  const std::string served_hash = server.ready()["model_hash"].string;
  ASSERT_EQ(served_hash.size(), 32u) << served_hash;

  const auto edge =
      ws.Run("edge", {"edge", "other.seam", "--connect", server.endpoint(), "--policy",
                      "server-only", "--synthetic", "5", "--json", "--wait", "20s"});
  EXPECT_EQ(edge->exit_code(), 1) << edge->Describe();
  const std::string err = edge->Err();
  EXPECT_NE(err.find("model hash mismatch"), std::string::npos) << edge->Describe();
  EXPECT_NE(err.find(served_hash), std::string::npos)
      << "the message should name the served model\n"
      << err;
  EXPECT_EQ(edge->Out().find("\"event\":\"frame\""), std::string::npos)
      << "frames ran against the wrong model";

  // The right model still works against the same server afterwards.
  const auto good =
      ws.Run("edge", {"edge", "served.seam", "--connect", server.endpoint(), "--policy",
                      "server-only", "--synthetic", "3", "--verify", "--json", "--wait", "20s"});
  ASSERT_EQ(good->exit_code(), 0) << good->Describe();
  EXPECT_EQ(SummaryOf(ParseEvents(good->Out()))["mismatches"].Int(), 0);

  // The server answered the hellos and served only the good edge's frames.
  const Json stopped = server.Stop();
  EXPECT_EQ(stopped["frames"].Int(), 3);
  EXPECT_GE(stopped["hellos"].Int(), 2);
}

TEST(StreamFaultsTest, UnreachableServerFailsNamingTheEndpoint) {
  Workspace ws;
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("lenet5", "m.seam"));
  const std::string endpoint = FreeTcpEndpoint();  // nobody listens there
  const auto edge = ws.Run("edge",
                           {"edge", "m.seam", "--connect", endpoint, "--policy", "server-only",
                            "--synthetic", "5", "--json", "--wait", "1s"},
                           60);
  EXPECT_EQ(edge->exit_code(), 1) << edge->Describe();
  const std::string err = edge->Err();
  EXPECT_NE(err.find(endpoint), std::string::npos) << edge->Describe();
  EXPECT_NE(err.find("no answer from the server"), std::string::npos) << edge->Describe();
  EXPECT_EQ(edge->Out().find("\"event\":\"frame\""), std::string::npos) << edge->Describe();
  // --wait 1s: gives up promptly (each hello attempt currently waits 2 s).
  EXPECT_LT(edge->wall_s(), 10.0) << edge->Describe();
}

}  // namespace
}  // namespace seam::stream_test
