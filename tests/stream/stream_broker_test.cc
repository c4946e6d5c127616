// Several servers behind one endpoint: a real `seam broker` process, two
// `seam serve --connect` processes joining its back end, and `seam edge`
// processes that connect to the broker's front end exactly as to a server,
// all over real ZeroMQ on loopback. Covers: several edges with distinct
// inputs, every frame verified and none lost, misrouted or finished locally,
// both servers serving; one server SIGKILLed mid-stream (the stream goes on
// through the other, no frame lost); and the broker itself SIGKILLed and
// restarted (edges fall back locally meanwhile, servers re-join, edges go
// remote again).
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "tests/stream/stream_test_util.h"

namespace seam::stream_test {
namespace {

// A `seam broker --front F --back B --json` process.
class Broker {
 public:
  Broker(Workspace* ws, std::string front, std::string back)
      : ws_(ws), front_(std::move(front)), back_(std::move(back)) {}
  ~Broker() {
    if (process_ != nullptr) process_->Stop();
  }
  const std::string& front() const { return front_; }
  const std::string& back() const { return back_; }
  Process* process() { return process_.get(); }

  // Starts it and waits for its "ready" line.
  bool Start(double timeout_s = 30) {
    process_ = ws_->Start("broker", {"broker", "--front", front_, "--back", back_, "--json"});
    const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
    while (Clock::now() < deadline) {
      if (process_->Out().find("{\"event\":\"ready\"") != std::string::npos) return true;
      if (process_->exited()) {
        ADD_FAILURE() << "seam broker exited before it was ready\n" << process_->Describe();
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "seam broker not ready after " << timeout_s << " s\n" << process_->Describe();
    return false;
  }

  // SIGTERM: expects exit 0 and a "stopped" line.
  void Stop() {
    ASSERT_NE(process_, nullptr);
    EXPECT_TRUE(process_->Stop(5.0)) << "seam broker did not stop on SIGTERM\n"
                                     << process_->Describe();
    EXPECT_EQ(process_->exit_code(), 0) << process_->Describe();
    EXPECT_EQ(EventsOf(ParseEvents(process_->Out()), "stopped").size(), 1u) << process_->Describe();
  }

 private:
  Workspace* ws_;
  std::string front_, back_;
  std::unique_ptr<Process> process_;
};

// `frames` distinct lenet5 inputs in DIR/, seeded by `seed`.
void WriteInputs(const Workspace& ws, const std::string& dir, int frames, uint32_t seed) {
  std::filesystem::create_directories(ws.path(dir));
  for (int k = 0; k < frames; ++k) {
    const std::vector<float> values =
        cli_test::TestValues(32 * 32, seed * 1000 + static_cast<uint32_t>(k));
    char name[32];
    std::snprintf(name, sizeof(name), "/input_%03d.npy", k);
    cli_test::WriteBytes(ws.path(dir + name),
                         cli_test::MakeNpy("<f4", false, "(1, 1, 32, 32)", values.data(),
                                           values.size() * sizeof(float)));
  }
}

const std::vector<std::string> kServerArgs = {"--workers", "1", "--backend", "ref"};

TEST(StreamBrokerTest, EdgesThroughOneBrokerUseBothServers) {
  constexpr int kEdges = 4, kFrames = 30;
  Workspace ws;
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("lenet5", "m.seam"));
  Broker broker(&ws, FreeTcpEndpoint(), FreeTcpEndpoint());
  ASSERT_TRUE(broker.Start());
  Server a(&ws, "m.seam", broker.back(), kServerArgs, /*connect=*/true);
  Server b(&ws, "m.seam", broker.back(), kServerArgs, /*connect=*/true);
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());
  EXPECT_EQ(a.ready()["mode"].string, "connect");

  // Every edge streams its own inputs, so a reply delivered to the wrong
  // edge would fail its --verify (or its frame id check) and show up as a
  // mismatch or a local fallback.
  std::vector<std::unique_ptr<Process>> edges;
  for (int e = 0; e < kEdges; ++e) {
    const std::string dir = "in" + std::to_string(e);
    WriteInputs(ws, dir, kFrames, static_cast<uint32_t>(e + 1));
    edges.push_back(ws.Start(
        "edge" + std::to_string(e),
        {"edge", "m.seam", "--connect", broker.front(), "--policy", "server-only", "--input", dir,
         "--verify", "--json", "--backend", "ref", "--timeout-ms", "5000", "--wait", "30s"}));
  }
  int64_t frames = 0;
  for (int e = 0; e < kEdges; ++e) {
    Process& edge = *edges[static_cast<size_t>(e)];
    ASSERT_TRUE(edge.Wait(120)) << edge.Describe();
    ASSERT_EQ(edge.exit_code(), 0) << edge.Describe();
    const std::vector<Json> events = ParseEvents(edge.Out());
    const Json summary = SummaryOf(events);
    EXPECT_EQ(summary["frames"].Int(), kFrames) << "edge " << e;
    EXPECT_EQ(summary["lost"].Int(), 0) << "edge " << e;
    EXPECT_EQ(summary["verified"].Int(), kFrames) << "edge " << e;
    EXPECT_EQ(summary["mismatches"].Int(), 0) << "edge " << e;
    EXPECT_EQ(summary["fallbacks"].Int(), 0) << "edge " << e << "\n" << DescribeFrames(events);
    for (const Json& f : EventsOf(events, "frame")) {
      EXPECT_EQ(f["cut"].string, "server only");
      EXPECT_GT(f["sent_bytes"].Int(), 0);
    }
    frames += summary["frames"].Int();
  }
  const Json stopped_a = a.Stop();
  const Json stopped_b = b.Stop();
  broker.Stop();
  std::cout << "[ broker   ] " << frames << " frames from " << kEdges << " edges: server A served "
            << stopped_a["frames"].Int() << ", server B " << stopped_b["frames"].Int() << "\n";
  EXPECT_GT(stopped_a["frames"].Int(), 0) << "server A served no frame";
  EXPECT_GT(stopped_b["frames"].Int(), 0) << "server B served no frame";
  EXPECT_EQ(stopped_a["frames"].Int() + stopped_b["frames"].Int(), frames);
  EXPECT_EQ(stopped_a["refused"].Int() + stopped_b["refused"].Int(), 0);
  EXPECT_EQ(stopped_a["hellos"].Int() + stopped_b["hellos"].Int(), kEdges);
}

TEST(StreamBrokerTest, ServerKilledBehindTheBrokerStreamGoesOnThroughTheOther) {
  constexpr int kFrames = 100, kKillAfter = 30;
  Workspace ws;
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("lenet5", "m.seam"));
  Broker broker(&ws, FreeTcpEndpoint(), FreeTcpEndpoint());
  ASSERT_TRUE(broker.Start());
  Server a(&ws, "m.seam", broker.back(), kServerArgs, /*connect=*/true);
  Server b(&ws, "m.seam", broker.back(), kServerArgs, /*connect=*/true);
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());

  auto edge = ws.Start("edge", {"edge",        "m.seam",
                                "--connect",   broker.front(),
                                "--policy",    "server-only",
                                "--synthetic", std::to_string(kFrames),
                                "--rate",      "20",
                                "--verify",    "--timeout-ms",
                                "500",         "--json",
                                "--backend",   "ref",
                                "--monitor",   "bandwidth:mode=passive",
                                "--wait",      "30s"});
  ASSERT_TRUE(WaitForFrame(edge.get(), kKillAfter, 30)) << edge->Describe();
  a.Kill();
  ASSERT_EQ(a.process()->term_signal(), SIGKILL);
  ASSERT_TRUE(edge->Wait(90)) << edge->Describe();
  ASSERT_EQ(edge->exit_code(), 0) << edge->Describe();

  const std::vector<Json> events = ParseEvents(edge->Out());
  const std::string digest = DescribeFrames(events);
  const Json summary = SummaryOf(events);
  ExpectAllFramesVerified(summary, kFrames);
  const std::vector<Json> frames = EventsOf(events, "frame");
  ASSERT_EQ(frames.size(), static_cast<size_t>(kFrames)) << digest;
  int remote = 0, remote_after_kill = 0;
  for (const Json& f : frames) {
    EXPECT_EQ(f["verified"].Int(), 1) << "frame " << f["frame"].Int();
    if (f["fallback"].Int() == 0 && f["sent_bytes"].Int() > 0) {
      ++remote;
      if (f["frame"].Int() > kKillAfter) ++remote_after_kill;
    }
  }
  // After the kill the broker hands everything to B: most frames after it
  // are still served remotely, and the stream ends on the server.
  EXPECT_GE(remote_after_kill, (kFrames - kKillAfter) / 2) << digest;
  EXPECT_EQ(frames.back()["fallback"].Int(), 0) << digest;
  EXPECT_GT(frames.back()["sent_bytes"].Int(), 0) << digest;

  const Json stopped_b = b.Stop();
  broker.Stop();
  std::cout << "[ broker   ] " << remote << " of " << kFrames << " frames served remotely ("
            << remote_after_kill << " after the kill), " << summary["fallbacks"].Int()
            << " finished locally; surviving server served " << stopped_b["frames"].Int() << "\n";
  // B served every remote frame after the kill; A served some before it
  // (B alone did not serve all the remote frames).
  EXPECT_GE(stopped_b["frames"].Int(), remote_after_kill);
  EXPECT_LT(stopped_b["frames"].Int(), remote) << "server A never served a frame before its kill";
  if (::testing::Test::HasFailure()) std::cout << "edge events:\n" << digest;
}

TEST(StreamBrokerTest, BrokerKilledAndRestartedServersRejoin) {
  // 7.5 s at 20 frames/s: room for the edge's hello backoff (0.5, 1, 2 s)
  // after the broker is back.
  constexpr int kFrames = 150, kKillAfter = 25;
  Workspace ws;
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("lenet5", "m.seam"));
  const std::string front = FreeTcpEndpoint(), back = FreeTcpEndpoint();
  auto broker = std::make_unique<Broker>(&ws, front, back);
  ASSERT_TRUE(broker->Start());
  Server a(&ws, "m.seam", back, kServerArgs, /*connect=*/true);
  Server b(&ws, "m.seam", back, kServerArgs, /*connect=*/true);
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());

  auto edge = ws.Start("edge", {"edge",        "m.seam",
                                "--connect",   front,
                                "--policy",    "server-only",
                                "--synthetic", std::to_string(kFrames),
                                "--rate",      "20",
                                "--verify",    "--timeout-ms",
                                "500",         "--json",
                                "--backend",   "ref",
                                "--monitor",   "bandwidth:mode=passive",
                                "--wait",      "30s"});
  ASSERT_TRUE(WaitForFrame(edge.get(), kKillAfter, 30)) << edge->Describe();
  broker->process()->Kill();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  broker = std::make_unique<Broker>(&ws, front, back);  // same endpoints
  ASSERT_TRUE(broker->Start());
  ASSERT_TRUE(edge->Wait(90)) << edge->Describe();
  ASSERT_EQ(edge->exit_code(), 0) << edge->Describe();

  const std::vector<Json> events = ParseEvents(edge->Out());
  const std::string digest = DescribeFrames(events);
  const Json summary = SummaryOf(events);
  ExpectAllFramesVerified(summary, kFrames);
  EXPECT_GE(summary["fallbacks"].Int(), 1) << digest;
  bool reachable_again = false;
  for (const Json& n : EventsOf(events, "notice")) {
    if (n["message"].string.find("reachable again") != std::string::npos) reachable_again = true;
  }
  EXPECT_TRUE(reachable_again) << digest;
  // Served remotely again at the end: the servers re-joined the new broker.
  const std::vector<Json> frames = EventsOf(events, "frame");
  ASSERT_EQ(frames.size(), static_cast<size_t>(kFrames)) << digest;
  EXPECT_EQ(frames.back()["fallback"].Int(), 0) << digest;
  EXPECT_EQ(frames.back()["cut"].string, "server only") << digest;
  EXPECT_GT(frames.back()["sent_bytes"].Int(), 0) << digest;
  const Json stopped_a = a.Stop();
  const Json stopped_b = b.Stop();
  broker->Stop();
  EXPECT_GT(stopped_a["frames"].Int() + stopped_b["frames"].Int(), 0);
  if (::testing::Test::HasFailure()) std::cout << "edge events:\n" << digest;
}

TEST(StreamBrokerTest, CommandLineChecks) {
  Workspace ws;
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("lenet5", "m.seam"));
  const std::string ep = FreeTcpEndpoint();
  // serve: exactly one of --bind and --connect; no CURVE with --connect.
  auto both = ws.Run("serve", {"serve", "m.seam", "--bind", ep, "--connect", ep});
  EXPECT_EQ(both->exit_code(), 2) << both->Describe();
  EXPECT_NE(both->Err().find("exactly one of --bind"), std::string::npos) << both->Describe();
  auto neither = ws.Run("serve", {"serve", "m.seam"});
  EXPECT_EQ(neither->exit_code(), 2) << neither->Describe();
  auto curve = ws.Run(
      "serve", {"serve", "m.seam", "--connect", ep, "--curve-secret", "k", "--allow-keys", "d"});
  EXPECT_EQ(curve->exit_code(), 2) << curve->Describe();
  EXPECT_NE(curve->Err().find("broker's front end"), std::string::npos) << curve->Describe();
  // broker: both endpoints, distinct, valid.
  auto no_back = ws.Run("broker", {"broker", "--front", ep});
  EXPECT_EQ(no_back->exit_code(), 2) << no_back->Describe();
  auto same = ws.Run("broker", {"broker", "--front", ep, "--back", ep});
  EXPECT_EQ(same->exit_code(), 2) << same->Describe();
  auto bad = ws.Run("broker", {"broker", "--front", ep, "--back", "udp://x"});
  EXPECT_EQ(bad->exit_code(), 1) << bad->Describe();
  EXPECT_NE(bad->Err().find("udp://x"), std::string::npos) << bad->Describe();
  auto help = ws.Run("broker", {"broker", "--help"});
  EXPECT_EQ(help->exit_code(), 0) << help->Describe();
  EXPECT_NE(help->Out().find("--back"), std::string::npos) << help->Describe();
}

}  // namespace
}  // namespace seam::stream_test
