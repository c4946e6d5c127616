// inproc-specific behaviour: the bounded queue (back-pressure), the
// registry of names, and what clients see when a server or worker goes away.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/transport/transport_test_util.h"

namespace seam_transport_test {
namespace {

Frames Text(const std::string& s) {
  return {{reinterpret_cast<const uint8_t*>(s.data()), s.size()}};
}

TEST(InprocTest, AFullQueueBlocksTheRequesterUpToItsTimeout) {
  const std::string ep = UniqueInprocEndpoint();
  auto server_t = LoadTransport("inproc", {{"capacity", "1"}});
  ASSERT_NE(server_t, nullptr);
  ASSERT_TRUE(seam::TransportServer(server_t).Bind(ep).ok());
  std::unique_ptr<seam::TransportWorker> worker;
  ASSERT_TRUE(seam::TransportWorker::Open(server_t, &worker).ok());

  // A fills the queue (nobody is receiving yet) and waits for its reply.
  seam::Status a_status;
  std::string a_reply;
  std::thread a([&] {
    auto client = Connect("inproc", ep);
    seam::ReceivedMessage reply;
    a_status = client->Request(Text("A"), 5000, &reply);
    if (a_status.ok()) {
      a_reply.assign(reinterpret_cast<const char*>(reply.frame_data(0)), reply.frame_size(0));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // B finds the queue full: it blocks, then times out saying why.
  auto b = Connect("inproc", ep);
  ASSERT_NE(b, nullptr);
  seam::ReceivedMessage reply;
  const auto t0 = Clock::now();
  seam::Status s = b->Request(Text("B"), 200, &reply);
  EXPECT_EQ(s.code(), seam::StatusCode::kTimeout) << s.ToString();
  EXPECT_NE(s.message().find("queue stayed full"), std::string::npos) << s.ToString();
  EXPECT_GE(MsSince(t0), 190.0);

  // The worker drains A; then B gets in.
  seam::ReceivedMessage request;
  ASSERT_TRUE(worker->Receive(1000, &request).ok());
  EXPECT_EQ(
      std::string(reinterpret_cast<const char*>(request.frame_data(0)), request.frame_size(0)),
      "A");
  ASSERT_TRUE(worker->Reply(request.token(), Text("for A")).ok());
  a.join();
  ASSERT_TRUE(a_status.ok()) << a_status.ToString();
  EXPECT_EQ(a_reply, "for A");

  std::thread serve([&] {
    seam::ReceivedMessage r;
    ASSERT_TRUE(worker->Receive(2000, &r).ok());
    ASSERT_TRUE(worker->Reply(r.token(), Text("for B")).ok());
  });
  s = b->Request(Text("B"), 2000, &reply);
  serve.join();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(reply.frame_data(0)), reply.frame_size(0)),
            "for B");
}

TEST(InprocTest, ABlockedRequesterGetsInAsSoonAsThereIsRoom) {
  const std::string ep = UniqueInprocEndpoint();
  // Capacity 2, one slow worker, 6 clients with generous timeouts: the
  // extra requesters wait (back-pressure) and all are served.
  TestServer server("inproc", {{"capacity", "2"}}, ep, 1,
                    [](seam::TransportWorker& w, seam::ReceivedMessage& m) {
                      std::this_thread::sleep_for(std::chrono::milliseconds(20));
                      TestServer::Echo(w, m);
                    });
  ASSERT_TRUE(server.ok());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < 6; ++c) {
    threads.emplace_back([&, c] {
      auto client = Connect("inproc", ep);
      seam::ReceivedMessage reply;
      const std::string tag = "c" + std::to_string(c);
      if (client->Request(Text(tag), 5000, &reply).ok() &&
          std::string(reinterpret_cast<const char*>(reply.frame_data(0)), reply.frame_size(0)) ==
              tag) {
        ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 6);
}

TEST(InprocTest, NamesAreUniqueAndFreedWhenTheServerGoes) {
  const std::string ep = UniqueInprocEndpoint();
  auto first = LoadTransport("inproc");
  ASSERT_TRUE(seam::TransportServer(first).Bind(ep).ok());
  auto second = LoadTransport("inproc");
  seam::Status s = seam::TransportServer(second).Bind(ep);
  EXPECT_EQ(s.code(), seam::StatusCode::kIo) << s.ToString();
  first.reset();
  EXPECT_TRUE(seam::TransportServer(second).Bind(ep).ok());
  EXPECT_EQ(seam::TransportServer(LoadTransport("inproc")).Bind("tcp://x").code(),
            seam::StatusCode::kInvalidArgument);
  EXPECT_EQ(seam::TransportServer(LoadTransport("inproc")).Bind("inproc://").code(),
            seam::StatusCode::kInvalidArgument);
}

TEST(InprocTest, NoServerAndAClosedServerAreReportedPromptly) {
  const std::string ep = UniqueInprocEndpoint();
  auto client = Connect("inproc", ep);
  ASSERT_NE(client, nullptr);
  seam::ReceivedMessage reply;
  seam::Status s = client->Request(Text("x"), 5000, &reply);
  EXPECT_EQ(s.code(), seam::StatusCode::kIo) << s.ToString();  // SEAM_STATUS_UNAVAILABLE
  EXPECT_NE(s.message().find("no server"), std::string::npos) << s.ToString();

  // A request queued when the server shuts down fails at once.
  auto server_t = LoadTransport("inproc");
  ASSERT_TRUE(seam::TransportServer(server_t).Bind(ep).ok());
  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    server_t.reset();
  });
  const auto t0 = Clock::now();
  s = client->Request(Text("x"), 5000, &reply);
  closer.join();
  EXPECT_EQ(s.code(), seam::StatusCode::kIo) << s.ToString();
  EXPECT_LT(MsSince(t0), 2000.0);
}

TEST(InprocTest, AWorkerClosingWithoutReplyingReleasesItsClient) {
  const std::string ep = UniqueInprocEndpoint();
  auto server_t = LoadTransport("inproc");
  ASSERT_TRUE(seam::TransportServer(server_t).Bind(ep).ok());
  std::unique_ptr<seam::TransportWorker> worker;
  ASSERT_TRUE(seam::TransportWorker::Open(server_t, &worker).ok());
  std::thread w([&] {
    seam::ReceivedMessage r;
    ASSERT_TRUE(worker->Receive(2000, &r).ok());
    r.Release();
    worker.reset();  // closes without replying
  });
  auto client = Connect("inproc", ep);
  seam::ReceivedMessage reply;
  const auto t0 = Clock::now();
  seam::Status s = client->Request(Text("x"), 5000, &reply);
  w.join();
  EXPECT_EQ(s.code(), seam::StatusCode::kIo) << s.ToString();
  EXPECT_LT(MsSince(t0), 2000.0);
}

}  // namespace
}  // namespace seam_transport_test
