// Scale: one `seam serve --workers 2` and 64 concurrent `seam edge`
// processes, each streaming 100 lenet5 frames server-only as fast as it can
// with --verify, over real ZeroMQ on loopback. Every edge must finish with
// 100 frames, none lost, none different from the local full run. Prints and
// records the aggregate frames/s and the server's peak RSS (VmHWM).
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "tests/stream/stream_test_util.h"

namespace seam::stream_test {
namespace {

constexpr int kEdges = 64;
constexpr int kFramesPerEdge = 100;

TEST(StreamScaleTest, SixtyFourEdgesOneServer) {
  Workspace ws;
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("lenet5", "m.seam"));
  Server server(&ws, "m.seam", FreeTcpEndpoint(), {"--workers", "2"});
  ASSERT_TRUE(server.Start());

  const auto start = Clock::now();
  std::vector<std::unique_ptr<Process>> edges;
  for (int i = 0; i < kEdges; ++i) {
    edges.push_back(ws.Start(
        "edge" + std::to_string(i),
        {"edge", "m.seam", "--connect", server.endpoint(), "--policy", "server-only", "--synthetic",
         std::to_string(kFramesPerEdge), "--verify", "--json", "--quiet", "--wait", "60s"}));
  }
  // Sample the server's peak RSS while the edges run, and once more at the end.
  long server_hwm_kb = -1;
  const auto deadline = start + std::chrono::seconds(240);
  size_t running = edges.size();
  while (running > 0 && Clock::now() < deadline) {
    server_hwm_kb = std::max(server_hwm_kb, server.PeakRssKb());
    running = 0;
    for (auto& e : edges) running += e->running() ? 1 : 0;
    if (running > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double wall_s = SecondsSince(start);
  ASSERT_EQ(running, 0u) << running << " edge(s) still running after 240 s";
  server_hwm_kb = std::max(server_hwm_kb, server.PeakRssKb());

  int64_t frames = 0, fallbacks = 0;
  double slowest_stream_s = 0;
  long edge_rss_kb = 0;
  for (int i = 0; i < kEdges; ++i) {
    Process& e = *edges[static_cast<size_t>(i)];
    ASSERT_EQ(e.exit_code(), 0) << "edge " << i << "\n" << e.Describe();
    const Json summary = SummaryOf(ParseEvents(e.Out()));
    EXPECT_EQ(summary["frames"].Int(), kFramesPerEdge) << "edge " << i;
    EXPECT_EQ(summary["expected_frames"].Int(), kFramesPerEdge) << "edge " << i;
    EXPECT_EQ(summary["lost"].Int(), 0) << "edge " << i;
    EXPECT_EQ(summary["verified"].Int(), kFramesPerEdge) << "edge " << i;
    EXPECT_EQ(summary["mismatches"].Int(), 0) << "edge " << i;
    frames += summary["frames"].Int();
    fallbacks += summary["fallbacks"].Int();
    slowest_stream_s = std::max(slowest_stream_s, summary["wall_s"].number);
    edge_rss_kb = std::max(edge_rss_kb, e.max_rss_kb());
  }
  const Json stopped = server.Stop();
  // Frames finished locally after a timeout may or may not have reached the
  // server; all others did.
  EXPECT_GE(stopped["frames"].Int(), frames - fallbacks);
  EXPECT_LE(stopped["frames"].Int(), frames);
  EXPECT_EQ(stopped["refused"].Int(), 0);
  EXPECT_EQ(stopped["hellos"].Int(), kEdges);
  EXPECT_GT(server_hwm_kb, 0);

  const double fps = static_cast<double>(frames) / wall_s;
  std::cout << "[ scale    ] " << kEdges << " edges x " << kFramesPerEdge << " frames: " << frames
            << " frames in " << wall_s << " s (spawn to last exit) = " << fps
            << " frames/s; slowest edge stream " << slowest_stream_s << " s; " << fallbacks
            << " fallback(s); server served " << stopped["frames"].Int() << " frames, VmHWM "
            << server_hwm_kb << " KiB; largest edge maxrss " << edge_rss_kb << " KiB\n";
  RecordProperty("edges", kEdges);
  RecordProperty("frames", static_cast<int>(frames));
  RecordProperty("wall_ms", static_cast<int>(wall_s * 1000));
  RecordProperty("frames_per_s", static_cast<int>(fps));
  RecordProperty("fallbacks", static_cast<int>(fallbacks));
  RecordProperty("server_vmhwm_kib", static_cast<int>(server_hwm_kb));
  RecordProperty("edge_max_rss_kib", static_cast<int>(edge_rss_kb));
}

}  // namespace
}  // namespace seam::stream_test
