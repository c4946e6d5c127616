// Scale: one `seam serve --workers 2` and 64 concurrent `seam edge`
// processes, each streaming 100 lenet5 frames server-only as fast as it can
// with --verify, over real ZeroMQ on loopback. Every edge must finish with
// 100 frames, none lost, none different from the local full run. Prints and
// records the aggregate frames/s and the server's peak RSS (VmHWM), and
// checks that the server's memory stays bounded: a 4-edge warm-up against
// the same server first, then the 64 edges may raise its peak only by a
// bounded amount per added edge (ZeroMQ's per-connection buffers), not by
// anything kept per frame.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "tests/stream/stream_test_util.h"

namespace seam::stream_test {
namespace {

constexpr int kWarmupEdges = 4;
constexpr int kEdges = 64;
constexpr int kFramesPerEdge = 100;

// What one wave of edges did.
struct Wave {
  int64_t frames = 0;
  int64_t fallbacks = 0;
  double wall_s = 0;  // spawn to last exit
  double slowest_stream_s = 0;
  long edge_rss_kb = 0;
  long server_hwm_kb = -1;  // the server's VmHWM when the wave ended
};

// Starts `edges` edges at once against `server`, samples the server's VmHWM
// until they all exit, and checks every edge's stream.
Wave RunWave(Workspace* ws, Server* server, int edges, const std::string& tag) {
  Wave wave;
  const auto start = Clock::now();
  std::vector<std::unique_ptr<Process>> running_edges;
  for (int i = 0; i < edges; ++i) {
    running_edges.push_back(ws->Start(
        tag + std::to_string(i), {"edge", "m.seam", "--connect", server->endpoint(), "--policy",
                                  "server-only", "--synthetic", std::to_string(kFramesPerEdge),
                                  "--verify", "--json", "--quiet", "--wait", "60s"}));
  }
  // Sample the server's peak RSS while the edges run, and once more at the end.
  const auto deadline = start + std::chrono::seconds(240);
  size_t running = running_edges.size();
  while (running > 0 && Clock::now() < deadline) {
    wave.server_hwm_kb = std::max(wave.server_hwm_kb, server->PeakRssKb());
    running = 0;
    for (auto& e : running_edges) running += e->running() ? 1 : 0;
    if (running > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  wave.wall_s = SecondsSince(start);
  EXPECT_EQ(running, 0u) << running << " edge(s) still running after 240 s";
  if (running > 0) return wave;
  wave.server_hwm_kb = std::max(wave.server_hwm_kb, server->PeakRssKb());

  for (int i = 0; i < edges; ++i) {
    Process& e = *running_edges[static_cast<size_t>(i)];
    EXPECT_EQ(e.exit_code(), 0) << tag << " " << i << "\n" << e.Describe();
    const Json summary = SummaryOf(ParseEvents(e.Out()));
    EXPECT_EQ(summary["frames"].Int(), kFramesPerEdge) << tag << " " << i;
    EXPECT_EQ(summary["expected_frames"].Int(), kFramesPerEdge) << tag << " " << i;
    EXPECT_EQ(summary["lost"].Int(), 0) << tag << " " << i;
    EXPECT_EQ(summary["verified"].Int(), kFramesPerEdge) << tag << " " << i;
    EXPECT_EQ(summary["mismatches"].Int(), 0) << tag << " " << i;
    wave.frames += summary["frames"].Int();
    wave.fallbacks += summary["fallbacks"].Int();
    wave.slowest_stream_s = std::max(wave.slowest_stream_s, summary["wall_s"].number);
    wave.edge_rss_kb = std::max(wave.edge_rss_kb, e.max_rss_kb());
  }
  return wave;
}

TEST(StreamScaleTest, SixtyFourEdgesOneServer) {
  Workspace ws;
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("lenet5", "m.seam"));
  Server server(&ws, "m.seam", FreeTcpEndpoint(), {"--workers", "2"});
  ASSERT_TRUE(server.Start());

  // The warm-up sets the server's working set with a few clients: model,
  // sessions and compiled plans of both workers, ZeroMQ's context and
  // threads, and the allocator's arenas.
  const Wave warmup = RunWave(&ws, &server, kWarmupEdges, "warmup");
  ASSERT_FALSE(::testing::Test::HasFailure());
  const Wave wave = RunWave(&ws, &server, kEdges, "edge");
  ASSERT_FALSE(::testing::Test::HasFailure());

  const Json stopped = server.Stop();
  // Frames finished locally after a timeout may or may not have reached the
  // server; all others did.
  const int64_t frames = warmup.frames + wave.frames;
  const int64_t fallbacks = warmup.fallbacks + wave.fallbacks;
  EXPECT_GE(stopped["frames"].Int(), frames - fallbacks);
  EXPECT_LE(stopped["frames"].Int(), frames);
  EXPECT_EQ(stopped["refused"].Int(), 0);
  EXPECT_EQ(stopped["hellos"].Int(), kWarmupEdges + kEdges);
  EXPECT_GT(warmup.server_hwm_kb, 0);

  // Memory bounded. What the server holds per connected edge is ZeroMQ's:
  // a pipe and the TCP session's buffers; requests beyond what the two
  // workers hold wait in bounded queues (rcvhwm) or in the kernel, not in
  // server memory. Measured here: VmHWM ~21 MiB after the 4-edge warm-up
  // (model, both workers' sessions, ZeroMQ, allocator arenas) and ~26 MiB
  // after 64 edges, i.e. ~80 KiB per added edge (~95 KiB with 300 frames
  // per edge, from more requests in the queues at once). The limit, 256 KiB
  // per added edge, is ~3x that; keeping each request (lenet5's input is
  // 4 KiB; 100 frames per edge, 400 KiB) would exceed it. The absolute
  // 64 MiB catches the warm-up itself ballooning.
#if defined(__SANITIZE_ADDRESS__)
  // Under AddressSanitizer the server's RSS is mostly ASan's own: shadow
  // memory and the quarantine that holds freed blocks back (256 MiB by
  // default), so the bound says nothing there. Frames and routing are
  // checked above either way.
  std::cout << "[ scale    ] memory bound not checked under AddressSanitizer\n";
#else
  constexpr long kPerEdgeKb = 256;
  EXPECT_LE(wave.server_hwm_kb - warmup.server_hwm_kb, (kEdges - kWarmupEdges) * kPerEdgeKb)
      << "the server's peak RSS grew from " << warmup.server_hwm_kb << " KiB with " << kWarmupEdges
      << " edges to " << wave.server_hwm_kb << " KiB with " << kEdges;
  EXPECT_LE(wave.server_hwm_kb, 64 * 1024) << "server VmHWM in KiB";
#endif

  const double fps = static_cast<double>(wave.frames) / wave.wall_s;
  std::cout << "[ scale    ] " << kEdges << " edges x " << kFramesPerEdge
            << " frames: " << wave.frames << " frames in " << wave.wall_s
            << " s (spawn to last exit) = " << fps << " frames/s; slowest edge stream "
            << wave.slowest_stream_s << " s; " << wave.fallbacks << " fallback(s); server served "
            << stopped["frames"].Int() << " frames in all, VmHWM " << warmup.server_hwm_kb
            << " KiB after " << kWarmupEdges << " edges, " << wave.server_hwm_kb << " KiB after "
            << kEdges << "; largest edge maxrss " << wave.edge_rss_kb << " KiB\n";
  RecordProperty("edges", kEdges);
  RecordProperty("frames", static_cast<int>(wave.frames));
  RecordProperty("wall_ms", static_cast<int>(wave.wall_s * 1000));
  RecordProperty("frames_per_s", static_cast<int>(fps));
  RecordProperty("fallbacks", static_cast<int>(wave.fallbacks));
  RecordProperty("server_vmhwm_warmup_kib", static_cast<int>(warmup.server_hwm_kb));
  RecordProperty("server_vmhwm_kib", static_cast<int>(wave.server_hwm_kb));
  RecordProperty("edge_max_rss_kib", static_cast<int>(wave.edge_rss_kb));
}

}  // namespace
}  // namespace seam::stream_test
