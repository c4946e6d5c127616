// zeromq-specific behaviour: load balancing to idle workers (a slow request
// does not hold up others), back-pressure with small HWMs, lazy-pirate
// recovery against stale requests, endpoint and option validation.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/transport/transport_test_util.h"

#ifdef SEAM_TEST_HAVE_ZEROMQ

namespace seam_transport_test {
namespace {

Frames Text(const std::string& s) {
  return {{reinterpret_cast<const uint8_t*>(s.data()), s.size()}};
}

std::string AsText(const seam::ReceivedMessage& m, size_t i = 0) {
  return std::string(reinterpret_cast<const char*>(m.frame_data(i)), m.frame_size(i));
}

TEST(ZeromqTest, ASlowRequestDoesNotDelayOthersWhileAWorkerIsIdle) {
  const std::string ep = TcpEndpoint();
  // "slow" keeps its worker busy for 1.5 s. With requests dealt round-robin
  // some of the fast ones would queue behind it; handed to idle workers,
  // none does.
  TestServer server("zeromq", {}, ep, 2, [](seam::TransportWorker& w, seam::ReceivedMessage& m) {
    if (AsText(m) == "slow") std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    TestServer::Echo(w, m);
  });
  ASSERT_TRUE(server.ok());
  std::thread slow([&] {
    auto client = Connect("zeromq", ep);
    ASSERT_NE(client, nullptr);
    seam::ReceivedMessage reply;
    ASSERT_TRUE(client->Request(Text("slow"), 5000, &reply).ok());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // "slow" is being served
  auto client = Connect("zeromq", ep);
  ASSERT_NE(client, nullptr);
  double worst_ms = 0;
  for (int i = 0; i < 20; ++i) {
    const auto t0 = Clock::now();
    seam::ReceivedMessage reply;
    seam::Status s = client->Request(Text("fast " + std::to_string(i)), 5000, &reply);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(AsText(reply), "fast " + std::to_string(i));
    worst_ms = std::max(worst_ms, MsSince(t0));
  }
  EXPECT_LT(worst_ms, 1000.0) << "a fast request waited behind the slow one";
  slow.join();
}

TEST(ZeromqTest, TinyQueuesUnderLoadLoseNothing) {
  const std::string ep = TcpEndpoint();
  // One slow worker and queues of one message: while the worker is busy the
  // server stops reading, so requests wait outside it (in their clients'
  // queues and TCP) instead of piling up inside. Each client still gets
  // exactly its own answers once the worker catches up.
  const Config small = {{"sndhwm", "1"}, {"rcvhwm", "1"}};
  TestServer server("zeromq", small, ep, 1,
                    [&](seam::TransportWorker& w, seam::ReceivedMessage& m) {
                      std::this_thread::sleep_for(std::chrono::milliseconds(20));
                      TestServer::Echo(w, m);
                    });
  ASSERT_TRUE(server.ok());
  constexpr int kClients = 8, kRequests = 3;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto client = Connect("zeromq", ep, small);
      ASSERT_NE(client, nullptr);
      for (int r = 0; r < kRequests; ++r) {
        const std::string tag = std::to_string(c) + "/" + std::to_string(r);
        seam::ReceivedMessage reply;
        seam::Status s = client->Request(Text(tag), 10000, &reply);
        ASSERT_TRUE(s.ok()) << s.ToString();
        if (AsText(reply) == tag) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
  EXPECT_EQ(server.requests(), kClients * kRequests);
}

TEST(ZeromqTest, StaleRequestsOfTimedOutClientsAreNotMisrouted) {
  const std::string ep = TcpEndpoint();
  // No worker at first: every request times out and its client reconnects
  // under a new identity. When a worker arrives it may still be handed the
  // stale requests; their replies must go nowhere, and each client's next
  // request must get its own answer.
  TestServer server("zeromq", {{"sndhwm", "1"}, {"rcvhwm", "1"}}, ep, 0);
  ASSERT_TRUE(server.ok());
  std::vector<std::unique_ptr<seam::TransportClient>> clients;
  for (int c = 0; c < 4; ++c) clients.push_back(Connect("zeromq", ep));
  for (int c = 0; c < 4; ++c) {
    seam::ReceivedMessage reply;
    seam::Status s = clients[c]->Request(Text("stale " + std::to_string(c)), 100, &reply);
    EXPECT_EQ(s.code(), seam::StatusCode::kTimeout) << s.ToString();
  }
  server.AddWorker();
  for (int c = 0; c < 4; ++c) {
    seam::ReceivedMessage reply;
    const std::string tag = "fresh " + std::to_string(c);
    seam::Status s = clients[c]->Request(Text(tag), 5000, &reply);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(AsText(reply), tag);
  }
}

TEST(ZeromqTest, RejectsOtherEndpointSchemesAndABoundAddress) {
  auto t = LoadTransport("zeromq");
  ASSERT_NE(t, nullptr);
  seam::TransportServer server(t);
  EXPECT_EQ(server.Bind("inproc://x").code(), seam::StatusCode::kInvalidArgument);
  EXPECT_EQ(server.Bind("udp://127.0.0.1:5").code(), seam::StatusCode::kInvalidArgument);
  const std::string ep = TcpEndpoint();
  ASSERT_TRUE(server.Bind(ep).ok());
  EXPECT_EQ(server.Bind(ep).code(), seam::StatusCode::kInvalidArgument);  // already bound
  auto other = LoadTransport("zeromq");
  ASSERT_NE(other, nullptr);
  seam::Status s = seam::TransportServer(other).Bind(ep);
  EXPECT_EQ(s.code(), seam::StatusCode::kIo) << s.ToString();
  EXPECT_NE(s.message().find("Address already in use"), std::string::npos) << s.ToString();
  // A bound server is not a client.
  EXPECT_EQ(seam::TransportClient(t).Connect(ep).code(), seam::StatusCode::kInvalidArgument);
}

TEST(ZeromqTest, ValidatesOptions) {
  for (const Config& bad : std::vector<Config>{{{"sndhwm", "0"}},
                                               {{"rcvhwm", "-1"}},
                                               {{"max_message_bytes", "3GiB"}},
                                               {{"heartbeat_ms", "abc"}},
                                               {{"curve_server_key_file", "/nonexistent"}},
                                               {{"curve_secret_file", "/nonexistent"}}}) {
    std::shared_ptr<seam::Transport> t;
    seam::Status s = seam::Transport::Load("zeromq", bad, &t);
    EXPECT_EQ(s.code(), seam::StatusCode::kInvalidArgument) << bad[0].first << ": " << s.ToString();
  }
  // Every documented option at a sane value.
  auto t = LoadTransport("zeromq", {{"max_message_bytes", "64MiB"},
                                    {"max_frames", "100"},
                                    {"sndhwm", "4"},
                                    {"rcvhwm", "4"},
                                    {"heartbeat_ms", "250"},
                                    {"linger_ms", "0"},
                                    {"io_threads", "2"},
                                    {"reply_timeout_ms", "1000"}});
  EXPECT_NE(t, nullptr);
}

TEST(ZeromqTest, HeartbeatsKeepAnIdleConnectionUsable) {
  const std::string ep = TcpEndpoint();
  const Config hb = {{"heartbeat_ms", "100"}};
  TestServer server("zeromq", hb, ep, 1);
  ASSERT_TRUE(server.ok());
  auto client = Connect("zeromq", ep, hb);
  ASSERT_NE(client, nullptr);
  seam::ReceivedMessage reply;
  ASSERT_TRUE(client->Request(Text("a"), 5000, &reply).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // several heartbeat periods
  ASSERT_TRUE(client->Request(Text("b"), 5000, &reply).ok());
  EXPECT_EQ(AsText(reply), "b");
}

TEST(ZeromqTest, ClientReconnectsWhenTheServerRestarts) {
  const std::string ep = TcpEndpoint();
  auto client = Connect("zeromq", ep);  // before any server exists
  ASSERT_NE(client, nullptr);
  seam::ReceivedMessage reply;
  {
    TestServer server("zeromq", {}, ep, 1);
    ASSERT_TRUE(server.ok());
    ASSERT_TRUE(client->Request(Text("one"), 5000, &reply).ok());
  }
  EXPECT_EQ(client->Request(Text("nobody"), 100, &reply).code(), seam::StatusCode::kTimeout);
  TestServer again("zeromq", {}, ep, 1);
  ASSERT_TRUE(again.ok());
  seam::Status s = client->Request(Text("two"), 5000, &reply);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(AsText(reply), "two");
}

}  // namespace
}  // namespace seam_transport_test

#endif  // SEAM_TEST_HAVE_ZEROMQ
