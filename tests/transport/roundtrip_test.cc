// Request/reply behaviour every transport shares, run against the real
// plugins over real links: zeromq on tcp (127.0.0.1) and ipc (a temp dir),
// and inproc. Multipart round trips up to an 8 MB frame, many concurrent
// clients with nothing lost or misrouted, timeouts and recovery, size limits.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "tests/transport/transport_test_util.h"

namespace seam_transport_test {
namespace {

struct LinkKind {
  const char* label;
  const char* plugin;
  const char* scheme;  // "tcp", "ipc" or "inproc"
};

const LinkKind kLinks[] = {
#ifdef SEAM_TEST_HAVE_ZEROMQ
    {"zeromq_tcp", "zeromq", "tcp"},
    {"zeromq_ipc", "zeromq", "ipc"},
#endif
    {"inproc", "inproc", "inproc"},
};

class RoundTripTest : public ::testing::TestWithParam<LinkKind> {
 protected:
  std::string NewEndpoint() {
    const std::string scheme = GetParam().scheme;
    if (scheme == "tcp") return TcpEndpoint();
    if (scheme == "ipc") return "ipc://" + dir_.path() + "/s" + std::to_string(n_++);
    return UniqueInprocEndpoint();
  }
  const char* plugin() const { return GetParam().plugin; }
  bool is_zeromq() const { return std::string(GetParam().plugin) == "zeromq"; }

  TempDir dir_;
  int n_ = 0;
};

TEST_P(RoundTripTest, MultipartMessagesOfOneToFiveFramesIncludingEightMegabytes) {
  const std::string ep = NewEndpoint();
  TestServer server(plugin(), {}, ep, 1);
  ASSERT_TRUE(server.ok());
  auto client = Connect(plugin(), ep);
  ASSERT_NE(client, nullptr);
  // Sizes chosen to hit libzmq's small-message path (<= 33 bytes), odd
  // sizes that land misaligned, an empty frame and one large frame.
  const std::vector<size_t> sizes = {8u << 20, 0, 33, 1001, 100003};
  for (size_t n = 1; n <= 5; ++n) {
    std::vector<std::vector<uint8_t>> frames;
    for (size_t i = 0; i < n; ++i) {
      frames.push_back(
          Pattern(sizes[(i + n - 1) % sizes.size()], static_cast<uint32_t>(n * 10 + i)));
    }
    seam::ReceivedMessage reply;
    seam::Status s = client->Request(View(frames), 10000, &reply);
    ASSERT_TRUE(s.ok()) << n << " frames: " << s.ToString();
    ASSERT_EQ(reply.num_frames(), n);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(reply.frame_size(i), frames[i].size()) << "frame " << i << " of " << n;
      EXPECT_TRUE(Aligned16(reply.frame_data(i))) << "frame " << i << " of " << n;
      // Not memcmp: an empty frame's data() may be null, and memcmp(null, ..., 0) is undefined.
      EXPECT_TRUE(std::equal(frames[i].begin(), frames[i].end(), reply.frame_data(i)))
          << "frame " << i << " of " << n;
    }
    EXPECT_EQ(reply.peer(), "");  // plaintext: no authenticated peer
  }
  EXPECT_EQ(server.misaligned(), 0);
  EXPECT_EQ(server.requests(), 5);
}

TEST_P(RoundTripTest, SixteenConcurrentClientsNothingLostOrMisrouted) {
  const std::string ep = NewEndpoint();
  // Workers answer [tag][payload]: the tag is the request's first frame, so
  // a reply that reached the wrong client (or the wrong request) shows.
  TestServer server(plugin(), {}, ep, 2);
  ASSERT_TRUE(server.ok());
  constexpr int kClients = 16, kRequests = 50;
  std::atomic<int> ok{0}, wrong{0}, failed{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto client = Connect(plugin(), ep);
      if (!client) {
        failed += kRequests;
        return;
      }
      for (int r = 0; r < kRequests; ++r) {
        const std::string tag = "client " + std::to_string(c) + " request " + std::to_string(r);
        const std::vector<uint8_t> body = Pattern(64 + (c * 131 + r * 17) % 4096, c * 1000 + r);
        Frames frames = {{reinterpret_cast<const uint8_t*>(tag.data()), tag.size()},
                         {body.data(), body.size()}};
        seam::ReceivedMessage reply;
        seam::Status s = client->Request(frames, 10000, &reply);
        if (!s.ok()) {
          ADD_FAILURE() << tag << ": " << s.ToString();
          ++failed;
          continue;
        }
        const bool same = reply.num_frames() == 2 && reply.frame_size(0) == tag.size() &&
                          std::memcmp(reply.frame_data(0), tag.data(), tag.size()) == 0 &&
                          reply.frame_size(1) == body.size() &&
                          std::memcmp(reply.frame_data(1), body.data(), body.size()) == 0;
        (same ? ok : wrong)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(server.requests(), kClients * kRequests);
}

TEST_P(RoundTripTest, TimeoutThenTheNextRequestGetsItsOwnReply) {
  const std::string ep = NewEndpoint();
  // The worker holds the first request past the client's timeout, then
  // answers it late (that answer must vanish), then echoes normally.
  std::atomic<int> seen{0};
  TestServer server(plugin(), {}, ep, 1, [&](seam::TransportWorker& w, seam::ReceivedMessage& m) {
    if (seen++ == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      const std::string late = "late reply";
      (void)w.Reply(m.token(), {{reinterpret_cast<const uint8_t*>(late.data()), late.size()}});
      return;
    }
    TestServer::Echo(w, m);
  });
  ASSERT_TRUE(server.ok());
  auto client = Connect(plugin(), ep);
  ASSERT_NE(client, nullptr);
  const std::string first = "first";
  seam::ReceivedMessage reply;
  const auto t0 = Clock::now();
  seam::Status s = client->Request({{reinterpret_cast<const uint8_t*>(first.data()), first.size()}},
                                   150, &reply);
  EXPECT_EQ(s.code(), seam::StatusCode::kTimeout) << s.ToString();
  EXPECT_GE(MsSince(t0), 140.0);
  EXPECT_LT(MsSince(t0), 1000.0);
  // The late reply arrives while this request is in flight; the client must
  // return this request's own answer.
  for (int i = 0; i < 3; ++i) {
    const std::string text = "next " + std::to_string(i);
    s = client->Request({{reinterpret_cast<const uint8_t*>(text.data()), text.size()}}, 5000,
                        &reply);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(reply.num_frames(), 1u);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(reply.frame_data(0)), reply.frame_size(0)),
              text);
  }
}

TEST_P(RoundTripTest, ServerThatNeverRepliesTimesOutAndAnswersOnceItDoes) {
  const std::string ep = NewEndpoint();
  std::atomic<bool> answer{false};
  TestServer server(plugin(), {}, ep, 1, [&](seam::TransportWorker& w, seam::ReceivedMessage& m) {
    if (answer.load()) TestServer::Echo(w, m);  // otherwise drop it
  });
  ASSERT_TRUE(server.ok());
  auto client = Connect(plugin(), ep);
  ASSERT_NE(client, nullptr);
  const std::string text = "ping";
  const Frames frames = {{reinterpret_cast<const uint8_t*>(text.data()), text.size()}};
  seam::ReceivedMessage reply;
  for (int i = 0; i < 2; ++i) {
    seam::Status s = client->Request(frames, 100, &reply);
    EXPECT_EQ(s.code(), seam::StatusCode::kTimeout) << s.ToString();
  }
  answer.store(true);
  seam::Status s = client->Request(frames, 5000, &reply);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(reply.frame_size(0), text.size());
}

TEST_P(RoundTripTest, MaxMessageSizeIsEnforced) {
  const std::string ep = NewEndpoint();
  TestServer server(plugin(), {{"max_message_bytes", "1MiB"}}, ep, 1);
  ASSERT_TRUE(server.ok());
  const std::vector<uint8_t> big = Pattern(2u << 20, 7), small = Pattern(1000, 8);
  {
    // A client with the same limit refuses to send, without a round trip.
    auto client = Connect(plugin(), ep, {{"max_message_bytes", "1MiB"}});
    ASSERT_NE(client, nullptr);
    seam::ReceivedMessage reply;
    seam::Status s = client->Request({{big.data(), big.size()}}, 2000, &reply);
    EXPECT_EQ(s.code(), seam::StatusCode::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find("max_message_bytes"), std::string::npos) << s.ToString();
  }
  // A client with a larger limit sends; the server refuses it: zeromq drops
  // the connection (the client times out), inproc reports the limit.
  auto client = Connect(plugin(), ep);
  ASSERT_NE(client, nullptr);
  // Declared after the client: a message must not outlive its transport.
  seam::ReceivedMessage reply;
  seam::Status s = client->Request({{big.data(), big.size()}}, 500, &reply);
  EXPECT_FALSE(s.ok());
  if (is_zeromq()) {
    EXPECT_EQ(s.code(), seam::StatusCode::kTimeout) << s.ToString();
  }
  // Also when the total, not a single frame, is too large.
  s = client->Request(
      {{small.data(), small.size()}, {big.data(), 600u << 10}, {big.data(), 600u << 10}}, 500,
      &reply);
  EXPECT_FALSE(s.ok());
  // The server is still serving.
  s = client->Request({{small.data(), small.size()}}, 5000, &reply);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(reply.frame_size(0), small.size());
  EXPECT_EQ(server.requests(), 1);
}

TEST_P(RoundTripTest, ReplyNeedsAKnownToken) {
  const std::string ep = NewEndpoint();
  std::atomic<int> bad_token_status{-1}, second_reply_status{-1};
  TestServer server(plugin(), {}, ep, 1, [&](seam::TransportWorker& w, seam::ReceivedMessage& m) {
    const uint8_t byte = 1;
    bad_token_status = static_cast<int>(w.Reply(m.token() + 1000, {{&byte, 1}}).code());
    TestServer::Echo(w, m);
    second_reply_status = static_cast<int>(w.Reply(m.token(), {{&byte, 1}}).code());
  });
  ASSERT_TRUE(server.ok());
  auto client = Connect(plugin(), ep);
  ASSERT_NE(client, nullptr);
  const uint8_t byte = 42;
  seam::ReceivedMessage reply;
  ASSERT_TRUE(client->Request({{&byte, 1}}, 5000, &reply).ok());
  EXPECT_EQ(reply.frame_data(0)[0], 42);
  // The worker tries its second reply after the first went out: the client
  // may be faster than that.
  const auto t0 = Clock::now();
  while (second_reply_status.load() == -1 && MsSince(t0) < 5000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(bad_token_status.load(), static_cast<int>(seam::StatusCode::kInvalidArgument));
  EXPECT_EQ(second_reply_status.load(), static_cast<int>(seam::StatusCode::kInvalidArgument));
}

TEST_P(RoundTripTest, ARequestNeedsFramesAndAConnection) {
  auto t = LoadTransport(plugin());
  ASSERT_NE(t, nullptr);
  seam::TransportClient unconnected(t);
  auto client = Connect(plugin(), NewEndpoint());
  ASSERT_NE(client, nullptr);
  const uint8_t byte = 1;
  seam::ReceivedMessage reply;
  EXPECT_EQ(unconnected.Request({{&byte, 1}}, 10, &reply).code(),
            seam::StatusCode::kInvalidArgument);
  EXPECT_EQ(client->Request({}, 10, &reply).code(), seam::StatusCode::kInvalidArgument);
  EXPECT_EQ(client->Request({{nullptr, 5}}, 10, &reply).code(), seam::StatusCode::kInvalidArgument);
}

TEST_P(RoundTripTest, RejectsUnknownConfigKeys) {
  std::shared_ptr<seam::Transport> t;
  seam::Status s = seam::Transport::Load(plugin(), {{"max_mesage_bytes", "1"}}, &t);
  EXPECT_EQ(s.code(), seam::StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("max_mesage_bytes"), std::string::npos) << s.ToString();
}

INSTANTIATE_TEST_SUITE_P(Links, RoundTripTest, ::testing::ValuesIn(kLinks),
                         [](const ::testing::TestParamInfo<LinkKind>& info) {
                           return std::string(info.param.label);
                         });

}  // namespace
}  // namespace seam_transport_test
