// zeromq brokers: several server instances behind one endpoint. A broker is
// a server instance with worker_endpoint= (its worker socket also bound on
// tcp); servers with attach=1 connect their workers to it. Covers spreading
// requests over two attached servers without misrouting, idle-only dispatch
// across servers, a broker restart (attached workers re-announce), the
// routing envelope carried back unchanged through a plain zmq_proxy
// (ROUTER/DEALER) in front of a server, a client without the envelope
// delimiter, and option validation. Real sockets on loopback throughout.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tests/transport/transport_test_util.h"

#ifdef SEAM_TEST_HAVE_ZEROMQ
#include <zmq.hpp>

namespace seam_transport_test {
namespace {

Frames Text(const std::string& s) {
  return {{reinterpret_cast<const uint8_t*>(s.data()), s.size()}};
}

std::string AsText(const seam::ReceivedMessage& m, size_t i = 0) {
  return std::string(reinterpret_cast<const char*>(m.frame_data(i)), m.frame_size(i));
}

// Replies "<name>:<request>" so the client sees which server answered.
TestServer::Handler Tagged(const std::string& name, int sleep_ms_if_slow = 0) {
  return [name, sleep_ms_if_slow](seam::TransportWorker& w, seam::ReceivedMessage& m) {
    if (sleep_ms_if_slow > 0 && AsText(m) == "slow") {
      std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_if_slow));
    }
    const std::string reply = name + ":" + AsText(m);
    seam::Status s = w.Reply(m.token(), Text(reply));
    EXPECT_TRUE(s.ok()) << s.ToString();
  };
}

// Requests until one is answered within `within_ms` (attached workers join
// asynchronously); the answer, or "" on failure.
std::string FirstAnswer(seam::TransportClient* client, const std::string& text, double within_ms) {
  const auto start = Clock::now();
  while (MsSince(start) < within_ms) {
    seam::ReceivedMessage reply;
    if (client->Request(Text(text), 500, &reply).ok()) return AsText(reply);
  }
  return "";
}

TEST(ZeromqBrokerTest, TwoAttachedServersShareTheLoadAndNothingIsMisrouted) {
  const std::string front = TcpEndpoint(), back = TcpEndpoint();
  TestServer broker("zeromq", {{"worker_endpoint", back}}, front, 0);
  ASSERT_TRUE(broker.ok());
  // Each request takes 5 ms, so with 8 clients both servers' workers are
  // needed and the broker has to use both.
  auto slow_echo = [](const std::string& name) {
    return [name](seam::TransportWorker& w, seam::ReceivedMessage& m) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      Tagged(name)(w, m);
    };
  };
  TestServer a("zeromq", {{"attach", "1"}}, back, 2, slow_echo("A"));
  TestServer b("zeromq", {{"attach", "1"}}, back, 2, slow_echo("B"));
  ASSERT_TRUE(a.ok() && b.ok());
  {
    auto probe = Connect("zeromq", front);
    ASSERT_NE(probe, nullptr);
    ASSERT_NE(FirstAnswer(probe.get(), "hello", 10000), "") << "no attached worker answered";
  }
  constexpr int kClients = 8, kRequests = 25;
  std::mutex mutex;
  std::map<std::string, int> by_server;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto client = Connect("zeromq", front);
      ASSERT_NE(client, nullptr);
      for (int r = 0; r < kRequests; ++r) {
        const std::string tag = "client " + std::to_string(c) + " request " + std::to_string(r);
        seam::ReceivedMessage reply;
        seam::Status s = client->Request(Text(tag), 10000, &reply);
        ASSERT_TRUE(s.ok()) << s.ToString();
        ASSERT_EQ(reply.num_frames(), 1u);
        const std::string text = AsText(reply);
        const size_t colon = text.find(':');
        ASSERT_NE(colon, std::string::npos) << text;
        EXPECT_EQ(text.substr(colon + 1), tag) << "a reply reached the wrong client";
        std::lock_guard<std::mutex> lock(mutex);
        ++by_server[text.substr(0, colon)];
        ok.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
  EXPECT_GT(by_server["A"], 0) << "server A served nothing";
  EXPECT_GT(by_server["B"], 0) << "server B served nothing";
  EXPECT_EQ(by_server["A"] + by_server["B"], kClients * kRequests);
  // The servers' own counts agree (plus the probe).
  EXPECT_EQ(a.requests() + b.requests(), kClients * kRequests + 1);
}

TEST(ZeromqBrokerTest, ARequestGoesToAnIdleServerNotBehindABusyOne) {
  const std::string front = TcpEndpoint(), back = TcpEndpoint();
  TestServer broker("zeromq", {{"worker_endpoint", back}}, front, 0);
  ASSERT_TRUE(broker.ok());
  // One worker per server: while A holds "slow" for 1.5 s, every other
  // request must go to B at once.
  TestServer a("zeromq", {{"attach", "1"}}, back, 1, Tagged("A", 1500));
  TestServer b("zeromq", {{"attach", "1"}}, back, 1, Tagged("B", 1500));
  ASSERT_TRUE(a.ok() && b.ok());
  auto client = Connect("zeromq", front);
  ASSERT_NE(client, nullptr);
  // Wait until both workers have announced themselves: two requests in a
  // row answered by different servers.
  std::set<std::string> seen;
  const auto start = Clock::now();
  while (seen.size() < 2 && MsSince(start) < 10000) {
    const std::string answer = FirstAnswer(client.get(), "warm-up", 2000);
    if (!answer.empty()) seen.insert(answer.substr(0, 1));
  }
  ASSERT_EQ(seen.size(), 2u) << "both servers never answered";

  std::string slow_server;
  std::thread slow([&] {
    auto c = Connect("zeromq", front);
    ASSERT_NE(c, nullptr);
    seam::ReceivedMessage reply;
    ASSERT_TRUE(c->Request(Text("slow"), 5000, &reply).ok());
    slow_server = AsText(reply).substr(0, 1);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // "slow" is being served
  double worst_ms = 0;
  std::set<std::string> fast_servers;
  for (int i = 0; i < 20; ++i) {
    const auto t0 = Clock::now();
    seam::ReceivedMessage reply;
    seam::Status s = client->Request(Text("fast " + std::to_string(i)), 5000, &reply);
    ASSERT_TRUE(s.ok()) << s.ToString();
    fast_servers.insert(AsText(reply).substr(0, 1));
    worst_ms = std::max(worst_ms, MsSince(t0));
  }
  slow.join();
  EXPECT_LT(worst_ms, 1000.0) << "a fast request waited behind the slow one";
  ASSERT_EQ(fast_servers.size(), 1u);
  EXPECT_NE(*fast_servers.begin(), slow_server) << "fast requests went to the busy server";
}

TEST(ZeromqBrokerTest, AttachedWorkersComeBackAfterTheBrokerRestarts) {
  const std::string front = TcpEndpoint(), back = TcpEndpoint();
  auto broker = std::make_unique<TestServer>("zeromq", Config{{"worker_endpoint", back}}, front, 0);
  ASSERT_TRUE(broker->ok());
  TestServer server("zeromq", {{"attach", "1"}, {"heartbeat_ms", "200"}}, back, 1, Tagged("S"));
  ASSERT_TRUE(server.ok());
  auto client = Connect("zeromq", front);
  ASSERT_NE(client, nullptr);
  ASSERT_EQ(FirstAnswer(client.get(), "before", 10000), "S:before");

  broker.reset();  // the broker goes away, with the worker's READY
  {
    seam::ReceivedMessage reply;
    EXPECT_EQ(client->Request(Text("while down"), 300, &reply).code(), seam::StatusCode::kTimeout);
  }
  broker = std::make_unique<TestServer>("zeromq", Config{{"worker_endpoint", back}}, front, 0);
  ASSERT_TRUE(broker->ok());
  // The worker announces itself again within about a second.
  const auto t0 = Clock::now();
  EXPECT_EQ(FirstAnswer(client.get(), "after", 10000), "S:after");
  EXPECT_LT(MsSince(t0), 5000.0);
}

// A plain ZeroMQ proxy (zmq_proxy, ROUTER front / DEALER back) between the
// client and a seam server: the server sees a two-frame identity stack and
// must return it unchanged for the reply to find its way back.
TEST(ZeromqBrokerTest, EnvelopeStackSurvivesAPlainZmqProxyInFront) {
  const std::string proxy_front = TcpEndpoint(), server_ep = TcpEndpoint();
  TestServer server("zeromq", {}, server_ep, 2, Tagged("S"));
  ASSERT_TRUE(server.ok());
  zmq::context_t ctx(1);
  zmq::socket_t front(ctx, zmq::socket_type::router), back(ctx, zmq::socket_type::dealer);
  front.set(zmq::sockopt::linger, 0);
  back.set(zmq::sockopt::linger, 0);
  front.bind(proxy_front);
  back.connect(server_ep);
  std::thread proxy([&] {
    try {
      zmq::proxy(front, back);
    } catch (const zmq::error_t& e) {
      EXPECT_EQ(e.num(), ETERM) << e.what();
    }
  });
  constexpr int kClients = 4, kRequests = 10;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto client = Connect("zeromq", proxy_front);
      ASSERT_NE(client, nullptr);
      for (int r = 0; r < kRequests; ++r) {
        const std::string tag = std::to_string(c) + "/" + std::to_string(r);
        seam::ReceivedMessage reply;
        seam::Status s = client->Request(Text(tag), 5000, &reply);
        ASSERT_TRUE(s.ok()) << s.ToString();
        EXPECT_EQ(AsText(reply), "S:" + tag);
        ok.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
  ctx.shutdown();  // zmq_proxy returns with ETERM
  proxy.join();
  front.close();
  back.close();
  ctx.close();
}

// A client that sends no envelope delimiter (not a seam client of this
// version) is dropped at the server's door; seam clients keep being served.
TEST(ZeromqBrokerTest, RequestWithoutDelimiterIsDropped) {
  const std::string ep = TcpEndpoint();
  TestServer server("zeromq", {}, ep, 1, Tagged("S"));
  ASSERT_TRUE(server.ok());
  zmq::context_t ctx(1);
  zmq::socket_t raw(ctx, zmq::socket_type::dealer);
  raw.set(zmq::sockopt::linger, 0);
  raw.connect(ep);
  zmq::message_t bare("no delimiter", 12);
  ASSERT_TRUE(raw.send(bare, zmq::send_flags::none));
  zmq_pollitem_t item{raw.handle(), 0, ZMQ_POLLIN, 0};
  EXPECT_EQ(zmq::poll(&item, 1, std::chrono::milliseconds(500)), 0) << "it was answered";
  auto client = Connect("zeromq", ep);
  ASSERT_NE(client, nullptr);
  seam::ReceivedMessage reply;
  ASSERT_TRUE(client->Request(Text("fine"), 5000, &reply).ok());
  EXPECT_EQ(AsText(reply), "S:fine");
  EXPECT_EQ(server.requests(), 1);
  raw.close();
  ctx.close();
}

TEST(ZeromqBrokerTest, BrokerOptionsAreChecked) {
  std::shared_ptr<seam::Transport> t;
  seam::Status s =
      seam::Transport::Load("zeromq", {{"attach", "1"}, {"worker_endpoint", TcpEndpoint()}}, &t);
  EXPECT_EQ(s.code(), seam::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("exclude each other"), std::string::npos) << s.ToString();
  s = seam::Transport::Load("zeromq", {{"worker_endpoint", "inproc://x"}}, &t);
  EXPECT_EQ(s.code(), seam::StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("inproc://x"), std::string::npos) << s.ToString();
  s = seam::Transport::Load("zeromq", {{"attach", "maybe"}}, &t);
  EXPECT_EQ(s.code(), seam::StatusCode::kInvalidArgument) << s.ToString();
  // Workers of an attached server cannot connect before bind() names the broker.
  t = LoadTransport("zeromq", {{"attach", "1"}});
  ASSERT_NE(t, nullptr);
  std::unique_ptr<seam::TransportWorker> w;
  EXPECT_FALSE(seam::TransportWorker::Open(t, &w).ok());
}

}  // namespace
}  // namespace seam_transport_test

#endif  // SEAM_TEST_HAVE_ZEROMQ
