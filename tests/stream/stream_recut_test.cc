// Live re-cut: `seam edge --policy dads-light` streams lenet5 through the
// shaped transport over real ZeroMQ while the emulated link follows a trace
// that collapses 2 s in (50 Mbit/s, 1 ms -> 0.05 Mbit/s, 100 ms). The stream
// must start on a cut that sends data, re-cut to edge-only on what the
// monitors measured (not because a request failed), and every frame must
// still arrive, verified bit for bit.
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "tests/stream/stream_test_util.h"

namespace seam::stream_test {
namespace {

constexpr int kFrames = 80;

std::vector<std::string> RecutEdgeArgs(const std::string& endpoint) {
  return {"edge",
          "m.seam",
          "--connect",
          endpoint,
          "--policy",
          "dads-light",
          "--edge-slowdown",
          "500",
          "--link",
          "trace:link.csv",
          "--synthetic",
          std::to_string(kFrames),
          "--rate",
          "20",
          "--verify",
          "--json",
          "--wait",
          "20s"};
}

void WriteCollapsingTrace(const Workspace& ws) {
  std::ofstream trace(ws.path("link.csv"));
  trace << "time_s,bandwidth_mbps,rtt_ms\n0,50,1\n2,0.05,100\n";
  ASSERT_TRUE(trace.good());
}

TEST(StreamRecutTest, LinkCollapseMovesCutToEdgeOnly) {
  Workspace ws;
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("lenet5", "m.seam"));
  ASSERT_NO_FATAL_FAILURE(WriteCollapsingTrace(ws));
  Server server(&ws, "m.seam", FreeTcpEndpoint());
  ASSERT_TRUE(server.Start());

  std::vector<std::string> args = RecutEdgeArgs(server.endpoint());
  // The monitors named explicitly (the same as the edge's defaults): bandwidth
  // from the frames' own transfers, probes only when no frame crossed recently.
  for (const char* m : {"bandwidth:mode=both,large=32KiB", "rtt:samples=1"}) {
    args.push_back("--monitor");
    args.push_back(m);
  }
  const auto edge = ws.Run("edge", args, 120);
  ASSERT_EQ(edge->exit_code(), 0) << edge->Describe();
  const std::vector<Json> events = ParseEvents(edge->Out());
  const std::string digest = DescribeFrames(events);

  const Json summary = SummaryOf(events);
  ExpectAllFramesVerified(summary, kFrames);
  // 80 frames at 20/s: 4 s of stream, plus the frames that crawl over the
  // collapsed link before the re-cut (~7 s in all when the machine is idle).
  EXPECT_LT(summary["wall_s"].number, 30.0);

  const std::vector<Json> recuts = EventsOf(events, "recut");
  ASSERT_GE(recuts.size(), 2u) << digest;
  std::set<std::string> targets;
  for (const Json& r : recuts) targets.insert(r["to"].string);
  EXPECT_GE(targets.size(), 2u);
  // The initial plan sends data (the link is fast and the edge slow)...
  EXPECT_NE(recuts.front()["to"].string, "edge only");
  // ...and the stream ends on edge-only, chosen from measurements.
  const Json& last = recuts.back();
  EXPECT_EQ(last["to"].string, "edge only");
  EXPECT_EQ(last["reason"].string.rfind("server unavailable", 0), std::string::npos)
      << "the re-cut came from a failed request, not from the monitors: " << last["reason"].string;
  EXPECT_GE(last["rtt_ms"].number, 50.0) << "the rtt monitor did not see the collapse";
  // The drop comes 2 s after the edge's first request (its hello), around
  // frame 40; allow for a slow start-up, but some frames must have gone
  // through the server on the initial cut first.
  const int64_t switched_at = last["from_frame"].Int();
  EXPECT_GE(switched_at, 10) << "re-cut to edge only before the link changed";
  EXPECT_LT(switched_at, kFrames);

  const std::vector<Json> frames = EventsOf(events, "frame");
  ASSERT_EQ(frames.size(), static_cast<size_t>(kFrames)) << digest;
  int remote = 0;
  for (const Json& f : frames) {
    EXPECT_EQ(f["verified"].Int(), 1) << "frame " << f["frame"].Int();
    const int64_t k = f["frame"].Int();
    if (k < switched_at && f["fallback"].Int() == 0 && f["sent_bytes"].Int() > 0) ++remote;
    if (k >= switched_at) {
      EXPECT_EQ(f["cut"].string, "edge only") << "frame " << k;
      EXPECT_EQ(f["sent_bytes"].Int(), 0) << "frame " << k;
    }
  }
  // Before the switch the frames went through the server (one re-cut on a
  // spurious rtt spike is tolerated, not a stream that never sent anything).
  EXPECT_GE(remote, switched_at - 5) << "frames before the collapse should go through the server";

  const Json stopped = server.Stop();
  EXPECT_GE(stopped["frames"].Int(), remote);
  if (HasFailure()) std::cout << "edge events:\n" << digest;
}

// With no --monitor at all: the defaults must measure passively from the
// frames and probe only when idle (a bug once: an active 33 KiB probe pair on
// every re-plan stalled each frame ~5 s on this link).
TEST(StreamRecutTest, DefaultMonitorsDoNotStallFramesOnSlowLink) {
  Workspace ws;
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("lenet5", "m.seam"));
  ASSERT_NO_FATAL_FAILURE(WriteCollapsingTrace(ws));
  Server server(&ws, "m.seam", FreeTcpEndpoint());
  ASSERT_TRUE(server.Start());
  const auto edge = ws.Run("edge", RecutEdgeArgs(server.endpoint()), 120);
  ASSERT_EQ(edge->exit_code(), 0) << edge->Describe();
  const std::vector<Json> events = ParseEvents(edge->Out());
  const Json summary = SummaryOf(events);
  EXPECT_EQ(summary["lost"].Int(), 0);
  EXPECT_LT(summary["wall_s"].number, 20.0) << DescribeFrames(events);
  const std::vector<Json> recuts = EventsOf(events, "recut");
  ASSERT_FALSE(recuts.empty());
  EXPECT_EQ(recuts.back()["to"].string, "edge only");
}

}  // namespace
}  // namespace seam::stream_test
