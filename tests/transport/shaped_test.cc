// shaped transport: bandwidth and RTT emulation measured on real requests
// (inner inproc, so the inner link adds next to nothing), trace replay, and
// rejection of malformed traces and configs.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "tests/transport/transport_test_util.h"

namespace seam_transport_test {
namespace {

// A server answering every request with a one-byte ack, so the downlink
// carries (almost) nothing and a timing measures the uplink.
std::unique_ptr<TestServer> AckServer(const std::string& plugin, const std::string& ep,
                                      const Config& config = {}) {
  auto server = std::make_unique<TestServer>(
      plugin, config, ep, 1, [](seam::TransportWorker& w, seam::ReceivedMessage& m) {
        const uint8_t ack = 1;
        EXPECT_TRUE(w.Reply(m.token(), {{&ack, 1}}).ok());
      });
  EXPECT_TRUE(server->ok());
  return server;
}

Config Shaped(Config extra) {
  extra.emplace_back("inner", "inproc");
  return extra;
}

// The request bytes, made once. Tests whose timing depends on when the
// first request starts call this before taking their start time.
const std::vector<uint8_t>& Payload() {
  static const std::vector<uint8_t> payload = Pattern(4u << 20, 1);
  return payload;
}

// Milliseconds one request of `bytes` takes.
double TimeRequest(seam::TransportClient& client, size_t bytes, uint32_t timeout_ms = 10000) {
  const std::vector<uint8_t>& payload = Payload();
  seam::ReceivedMessage reply;
  const auto t0 = Clock::now();
  seam::Status s = client.Request({{payload.data(), bytes}}, timeout_ms, &reply);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return MsSince(t0);
}

// The fastest of `n` requests: the emulation never makes a request faster
// than the link allows, but a loaded machine can make one slower.
double BestOf(int n, seam::TransportClient& client, size_t bytes) {
  double best = 1e9;
  for (int i = 0; i < n; ++i) best = std::min(best, TimeRequest(client, bytes));
  return best;
}

TEST(ShapedTest, ThroughputOfAMegabyteRequestMatchesTheProfile) {
  const std::string ep = UniqueInprocEndpoint();
  auto server = AckServer("inproc", ep);
  auto client = Connect("shaped", ep, Shaped({{"profile", "50mbit"}}));
  ASSERT_NE(client, nullptr);
  // The best of three: the emulation is exact, but a loaded machine can be
  // late waking a thread up, which only ever makes a request slower.
  const double best_ms = BestOf(3, *client, 1000000);
  const double mbps = 1000000 * 8 / (best_ms / 1000) / 1e6;
  EXPECT_NEAR(mbps, 50.0, 5.0) << "best of 3 took " << best_ms << " ms";
}

TEST(ShapedTest, AddsTheRoundTripTime) {
  const std::string ep = UniqueInprocEndpoint();
  auto server = AckServer("inproc", ep);
  auto client = Connect("shaped", ep, Shaped({{"bandwidth_mbps", "10000"}, {"rtt_ms", "100"}}));
  ASSERT_NE(client, nullptr);
  // Every request pays the RTT (lower bound); the best of two is close to it.
  double ms = BestOf(2, *client, 100);
  EXPECT_GE(ms, 99.0);
  EXPECT_LT(ms, 150.0);
  // A profile's own RTT (4g: 50 ms; 100 bytes take < 1 ms at 5.85 Mbit/s),
  // and an override of it.
  auto g4 = Connect("shaped", ep, Shaped({{"profile", "4g"}}));
  ASSERT_NE(g4, nullptr);
  ms = BestOf(2, *g4, 100);
  EXPECT_GE(ms, 49.0);
  EXPECT_LT(ms, 100.0);
  auto g4_fast = Connect("shaped", ep, Shaped({{"profile", "4g"}, {"rtt_ms", "0"}}));
  ASSERT_NE(g4_fast, nullptr);
  EXPECT_LT(BestOf(3, *g4_fast, 100), 30.0);
}

TEST(ShapedTest, ShapesTheReplyToo) {
  const std::string ep = UniqueInprocEndpoint();
  TestServer echo("inproc", {}, ep, 1);  // the reply is as large as the request
  ASSERT_TRUE(echo.ok());
  auto client = Connect("shaped", ep, Shaped({{"bandwidth_mbps", "50"}}));
  ASSERT_NE(client, nullptr);
  const double ms = BestOf(2, *client, 500000);
  // 500 kB up and 500 kB down at 50 Mbit/s: 80 ms each way.
  EXPECT_GE(ms, 158.0);
  EXPECT_LT(ms, 220.0);
}

TEST(ShapedTest, ATraceSwitchingBandwidthMidRunTakesEffect) {
  TempDir dir;
  const std::string trace =
      dir.Write("t.csv", "time_s,bandwidth_mbps,rtt_ms\n0,50,0  # fast first\n0.4,5,0\n");
  const std::string ep = UniqueInprocEndpoint();
  auto server = AckServer("inproc", ep);
  auto client = Connect("shaped", ep, Shaped({{"trace", trace}}));
  ASSERT_NE(client, nullptr);
  Payload();
  const auto start = Clock::now();                 // the trace's time 0 is the first request
  const double fast = BestOf(3, *client, 100000);  // 16 ms at 50 Mbit/s
  ASSERT_LT(MsSince(start), 400.0) << "too slow to stay in the first row";
  std::this_thread::sleep_until(start + std::chrono::milliseconds(450));
  const double slow = TimeRequest(*client, 100000);  // 160 ms at 5 Mbit/s
  EXPECT_GE(fast, 15.0);
  EXPECT_LT(fast, 80.0);
  EXPECT_GE(slow, 155.0);
  EXPECT_LT(slow, 260.0);
}

TEST(ShapedTest, ALoopingTraceRepeats) {
  TempDir dir;
  const std::string trace = dir.Write("t.csv", "0,50,0\n0.2,5,0\n");
  const std::string ep = UniqueInprocEndpoint();
  auto server = AckServer("inproc", ep);
  auto client =
      Connect("shaped", ep, Shaped({{"trace", trace}, {"loop", "1"}, {"period_s", "0.6"}}));
  ASSERT_NE(client, nullptr);
  Payload();
  const auto start = Clock::now();                 // the trace's time 0
  const double first = BestOf(2, *client, 50000);  // 8 ms at 50 Mbit/s
  ASSERT_LT(MsSince(start), 200.0) << "too slow to stay in the first row";
  std::this_thread::sleep_until(start + std::chrono::milliseconds(250));
  const double slow = TimeRequest(*client, 50000);  // 80 ms at 5 Mbit/s
  std::this_thread::sleep_until(start + std::chrono::milliseconds(650));
  const double again = BestOf(2, *client, 50000);  // the second pass: fast again
  EXPECT_LT(first, 60.0);
  EXPECT_GE(slow, 75.0);
  EXPECT_LT(again, 60.0);
}

TEST(ShapedTest, ALinkTooSlowForTheTimeoutTimesOut) {
  const std::string ep = UniqueInprocEndpoint();
  auto server = AckServer("inproc", ep);
  auto client = Connect("shaped", ep, Shaped({{"profile", "cat1"}}));  // 0.13 Mbit/s
  ASSERT_NE(client, nullptr);
  static const std::vector<uint8_t> payload = Pattern(100000, 2);  // ~6 s on cat1
  seam::ReceivedMessage reply;
  const auto t0 = Clock::now();
  seam::Status s = client->Request({{payload.data(), payload.size()}}, 200, &reply);
  EXPECT_EQ(s.code(), seam::StatusCode::kTimeout) << s.ToString();
  EXPECT_GE(MsSince(t0), 190.0);
  EXPECT_LT(MsSince(t0), 1000.0);    // not the ~6 s the transfer would take
  EXPECT_EQ(server->requests(), 0);  // it never reached the server
}

TEST(ShapedTest, MalformedTraceFilesAreRejectedWithTheirLineNumber) {
  TempDir dir;
  struct Case {
    const char* text;
    const char* expect;  // in the message
  };
  const Case cases[] = {
      {"0,10,5\n1,abc,5\n", "line 2: bandwidth_mbps 'abc'"},
      {"# comment\ntime_s,bandwidth_mbps,rtt_ms\n0,10,5\n1,10\n", "line 4: expected 3 fields"},
      {"0,10,5\n0,20,5\n", "line 2: time_s 0 is not after"},
      {"0,10,5\n1,0,5\n", "line 2: bandwidth_mbps must be > 0"},
      {"0,10,-1\n", "line 1: rtt_ms must be >= 0"},
      {"time,bw,rtt\nsoon,1,2\n", "line 2: time_s 'soon' is not a number"},
      {"-1,10,5\n", "line 1: time_s must be >= 0"},
      {"0,10,5,7\n", "line 1: expected 3 fields"},
      {"# only a comment\n\n", "no data rows"},
  };
  int i = 0;
  for (const Case& c : cases) {
    const std::string path = dir.Write("bad" + std::to_string(i++) + ".csv", c.text);
    std::shared_ptr<seam::Transport> t;
    seam::Status s = seam::Transport::Load("shaped", Shaped({{"trace", path}}), &t);
    EXPECT_EQ(s.code(), seam::StatusCode::kInvalidArgument) << c.text;
    EXPECT_NE(s.message().find(c.expect), std::string::npos) << s.ToString();
  }
  std::shared_ptr<seam::Transport> t;
  EXPECT_EQ(
      seam::Transport::Load("shaped", Shaped({{"trace", dir.path() + "/none.csv"}}), &t).code(),
      seam::StatusCode::kIo);
}

TEST(ShapedTest, RejectsContradictoryOrIncompleteConfigs) {
  TempDir dir;
  const std::string trace = dir.Write("t.csv", "0,10,5\n1,20,5\n");
  const std::vector<Config> bad = {
      Shaped({}),                                                      // nothing to shape with
      Shaped({{"profile", "5g"}}),                                     // unknown profile
      Shaped({{"trace", trace}, {"profile", "4g"}}),                   // two sources
      Shaped({{"trace", trace}, {"bandwidth_mbps", "3"}}),             // two sources
      Shaped({{"profile", "4g"}, {"loop", "1"}}),                      // loop without trace
      Shaped({{"trace", trace}, {"period_s", "5"}}),                   // period without loop
      Shaped({{"trace", trace}, {"loop", "1"}, {"period_s", "0.5"}}),  // period <= last row
      Shaped({{"bandwidth_mbps", "0"}}),                               // no bandwidth
      Shaped({{"profile", "4g"}, {"burst_bytes", "0"}}),               // empty bucket
      Shaped({{"profile", "4g"}, {"profle", "x"}}),                    // typo
      Shaped({{"profile", "4g"}, {"inner.capacity", "0"}}),            // the inner refuses
      {{"profile", "4g"}, {"inner", "no-such-transport"}},
  };
  for (const Config& config : bad) {
    std::shared_ptr<seam::Transport> t;
    seam::Status s = seam::Transport::Load("shaped", config, &t);
    EXPECT_FALSE(s.ok()) << config.front().first << "=" << config.front().second;
    EXPECT_EQ(t, nullptr);
  }
  // The inner's refusal is passed on with its reason.
  std::shared_ptr<seam::Transport> t;
  seam::Status s = seam::Transport::Load("shaped", {{"profile", "4g"}, {"inner", "nope"}}, &t);
  EXPECT_NE(s.message().find("no transport plugin named 'nope'"), std::string::npos)
      << s.ToString();
  // Every named profile loads.
  for (const char* p : {"cat1", "3g", "4g", "wifi", "10mbit", "25mbit", "37.5mbit", "50mbit"}) {
    EXPECT_NE(LoadTransport("shaped", Shaped({{"profile", p}})), nullptr) << p;
  }
}

TEST(ShapedTest, ServerSideCallsPassThroughAndInnerOptionsApply) {
  const std::string ep = UniqueInprocEndpoint();
  // A shaped server (inner inproc with capacity from inner.capacity) and a
  // shaped client: requests are shaped once, by the client.
  TestServer server("shaped", Shaped({{"profile", "50mbit"}, {"inner.capacity", "4"}}), ep, 2);
  ASSERT_TRUE(server.ok());
  auto client = Connect("shaped", ep, Shaped({{"bandwidth_mbps", "1000"}}));
  ASSERT_NE(client, nullptr);
  const std::vector<uint8_t> body = Pattern(10000, 3);
  seam::ReceivedMessage reply;
  ASSERT_TRUE(client->Request({{body.data(), body.size()}}, 5000, &reply).ok());
  ASSERT_EQ(reply.num_frames(), 1u);
  EXPECT_EQ(std::memcmp(reply.frame_data(0), body.data(), body.size()), 0);
  EXPECT_EQ(server.misaligned(), 0);
}

TEST(ShapedTest, DestroyingTheWrapperDestroysItsInnerTransport) {
  const std::string ep = UniqueInprocEndpoint();
  {
    auto shaped = LoadTransport("shaped", Shaped({{"profile", "wifi"}}));
    ASSERT_NE(shaped, nullptr);
    ASSERT_TRUE(seam::TransportServer(shaped).Bind(ep).ok());
  }
  // The inner inproc instance released the name.
  auto again = LoadTransport("inproc");
  EXPECT_TRUE(seam::TransportServer(again).Bind(ep).ok());
}

#ifdef SEAM_TEST_HAVE_ZEROMQ
TEST(ShapedTest, OverZeromqTcp) {
  const std::string ep = TcpEndpoint();
  auto server = AckServer("zeromq", ep);
  auto client = Connect("shaped", ep, {{"profile", "50mbit"}, {"inner.heartbeat_ms", "500"}});
  ASSERT_NE(client, nullptr);
  const double best_ms = BestOf(3, *client, 1000000);
  EXPECT_NEAR(1000000 * 8 / (best_ms / 1000) / 1e6, 50.0, 5.0) << "best of 3: " << best_ms << " ms";
}
#endif

}  // namespace
}  // namespace seam_transport_test
