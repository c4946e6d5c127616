// Issue 10: a tampered or replayed message is rejected. A man-in-the-middle
// relay on loopback TCP sits between an allowed CURVE client and a CURVE
// server of the zeromq transport (both the real plugin, dlopen'ed) and
//   * passes everything untouched (the control: every request is served, so
//     the counting and the frame parsing below are shown to work),
//   * flips one bit in the ciphertext of a request,
//   * forwards a request frame twice,
//   * or records a whole session so the test can play it back to the
//     server on a new connection.
// The tampered and replayed requests must never reach a worker, the client
// must get an error rather than a wrong answer, and the server must go on
// serving. A plaintext session played back is served again, which shows the
// playback itself works and that CURVE is what stops it.
//
// What the relay parses, as libzmq 4.3.4 puts it on the wire (ZMTP 3.x,
// RFC 23/37; CurveZMQ, RFC 26; libzmq's curve_encoding_t):
//   greeting  64 bytes: signature, version, mechanism ("CURVE"), as-server
//   frame     flags byte (0x01 more, 0x02 8-byte size, 0x04 command), size
//             (1 or 8 bytes, big-endian), body
// The handshake is four commands, HELLO, WELCOME, INITIATE and READY, each
// body starting with its length-prefixed name. After it, every message part
// (and every ZMTP command, e.g. a heartbeat PING) is one frame whose body is
//   "\x07MESSAGE" | 8-byte nonce, big-endian, +1 per frame | box
// where the box is a 16-byte MAC followed by the encrypted flags byte and
// the part's bytes: 33 bytes plus the part. On the wire these frames have
// no command flag (ZMTP flags 0x00, or 0x02 when long), unlike the
// handshake commands (0x04); the name is what tells them apart.
#include <gtest/gtest.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/stat.h>

#include <mutex>

#include "tests/transport/transport_test_util.h"

#ifdef SEAM_TEST_HAVE_ZEROMQ
#include "transport/curve_keys.h"

namespace seam_transport_test {
namespace {

constexpr size_t kGreetingBytes = 64;
constexpr uint8_t kFlagLong = 0x02;
constexpr char kMessageName[] = "MESSAGE";
// "\x07MESSAGE" and the nonce, then the MAC, then the encrypted flags byte.
constexpr size_t kMessageOverhead = 8 + 8 + 16 + 1;
// A request payload large enough that its MESSAGE frame cannot be mistaken
// for the envelope delimiter (a 33-byte body) or a heartbeat PING or PONG
// (40 or 38).
constexpr size_t kPayloadBytes = 300;
constexpr size_t kPayloadBody = kMessageOverhead + kPayloadBytes;
// Inside the encrypted payload, past the MAC and the flags byte: the bit a
// stream cipher without authentication would let through as a wrong byte.
constexpr size_t kFlipOffset = kMessageOverhead + 100;

constexpr uint32_t kServedMs = 5000;   // a request that should be answered
constexpr uint32_t kRefusedMs = 1500;  // a request that should not be

// One piece of a ZMTP byte stream: greeting bytes, passed on as they come
// (each side waits for the start of the other's greeting before sending the
// rest of its own, so holding them back could stall the handshake), or one
// whole frame.
struct ZmtpUnit {
  bool greeting = false;
  size_t header = 0;  // the flags and size bytes
  std::string raw;    // exactly as on the wire
  size_t body_size() const { return raw.size() - header; }
};

// Splits a ZMTP 3.x stream into greeting bytes and frames.
class ZmtpSplitter {
 public:
  void Feed(const char* data, size_t n) { buffer_.append(data, n); }

  // The next complete unit; false when more bytes are needed.
  bool Next(ZmtpUnit* unit) {
    *unit = ZmtpUnit();
    if (buffer_.empty()) return false;
    if (greeting_left_ > 0) {
      const size_t n = std::min(greeting_left_, buffer_.size());
      unit->greeting = true;
      unit->raw = buffer_.substr(0, n);
      buffer_.erase(0, n);
      greeting_left_ -= n;
      return true;
    }
    const uint8_t flags = static_cast<uint8_t>(buffer_[0]);
    const size_t size_bytes = (flags & kFlagLong) ? 8 : 1;
    if (buffer_.size() < 1 + size_bytes) return false;
    uint64_t size = 0;
    for (size_t i = 0; i < size_bytes; ++i) size = size << 8 | static_cast<uint8_t>(buffer_[1 + i]);
    if (buffer_.size() - 1 - size_bytes < size) return false;
    unit->header = 1 + size_bytes;
    unit->raw = buffer_.substr(0, unit->header + size);
    buffer_.erase(0, unit->raw.size());
    return true;
  }

 private:
  std::string buffer_;
  size_t greeting_left_ = kGreetingBytes;
};

// The command name a frame body starts with (a length byte, then upper-case
// letters), or "" for a frame that is not a command (plaintext data).
std::string CommandName(const ZmtpUnit& unit) {
  if (unit.body_size() < 2) return "";
  const std::string body = unit.raw.substr(unit.header);
  const size_t length = static_cast<uint8_t>(body[0]);
  if (length == 0 || 1 + length > body.size()) return "";
  for (size_t i = 1; i <= length; ++i) {
    if (body[i] < 'A' || body[i] > 'Z') return "";
  }
  return body.substr(1, length);
}

bool IsPayloadMessage(const ZmtpUnit& unit) {
  return !unit.greeting && CommandName(unit) == kMessageName && unit.body_size() == kPayloadBody;
}

void SetNoDelay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

// Writes all of `data`; false when the peer is gone.
bool SendAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

int ConnectLoopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  SetNoDelay(fd);
  return fd;
}

// A TCP relay on 127.0.0.1 in front of a server port, in one thread. Each
// accepted connection gets its own connection to the server. The relay
// parses both directions and applies its mode once: to the first request
// payload frame that any client sends.
class MitmRelay {
 public:
  enum class Mode { kPass, kFlipBit, kDuplicate };

  // What one relayed connection carried.
  struct Log {
    std::string client_bytes;                // client -> server, as the client sent them
    std::vector<std::string> client_frames;  // command names ("" for data), in order
    std::vector<std::string> server_frames;
    int payload_frames = 0;  // request payload MESSAGE frames from the client
    bool closed = false;
    bool closed_by_server = false;  // the server ended it first
  };

  MitmRelay(int server_port, Mode mode) : server_port_(server_port), mode_(mode) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "relay: cannot listen: " << std::strerror(errno);
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Run(); });
  }

  ~MitmRelay() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    ::close(listen_fd_);
  }

  MitmRelay(const MitmRelay&) = delete;
  MitmRelay& operator=(const MitmRelay&) = delete;

  std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  // How often the mode was applied (0 or 1).
  int applied() const { return applied_.load(); }

  std::vector<Log> Logs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return logs_;
  }

  // Waits until `done(logs)` holds; false after `timeout_ms`.
  bool WaitFor(const std::function<bool(const std::vector<Log>&)>& done, int timeout_ms) const {
    const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!done(Logs())) {
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

 private:
  struct Link {
    int client_fd = -1;
    int server_fd = -1;
    size_t log = 0;  // index into logs_
    ZmtpSplitter up, down;
  };

  void Run() {
    std::vector<Link> links;
    while (!stop_.load()) {
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (const Link& l : links) {
        fds.push_back({l.client_fd, POLLIN, 0});
        fds.push_back({l.server_fd, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      const size_t polled = links.size();
      for (size_t i = 0; i < polled; ++i) {
        Link& l = links[i];
        if (l.client_fd >= 0 && fds[1 + 2 * i].revents != 0) Upstream(&l);
        if (l.server_fd >= 0 && fds[2 + 2 * i].revents != 0) Downstream(&l);
      }
      links.erase(
          std::remove_if(links.begin(), links.end(), [](const Link& l) { return l.client_fd < 0; }),
          links.end());
      if (fds[0].revents & POLLIN) Accept(&links);
    }
    for (Link& l : links) Close(&l, false);
  }

  void Accept(std::vector<Link>* links) {
    const int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) return;
    const int server = ConnectLoopback(server_port_);
    if (server < 0) {
      ::close(client);
      return;
    }
    SetNoDelay(client);
    Link l;
    l.client_fd = client;
    l.server_fd = server;
    std::lock_guard<std::mutex> lock(mutex_);
    l.log = logs_.size();
    logs_.emplace_back();
    links->push_back(std::move(l));
  }

  // Client -> server: parse, apply the mode, forward.
  void Upstream(Link* l) {
    char buf[65536];
    const ssize_t n = ::recv(l->client_fd, buf, sizeof(buf), 0);
    if (n <= 0) return Close(l, false);
    std::string out;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      Log& log = logs_[l->log];
      log.client_bytes.append(buf, static_cast<size_t>(n));
      l->up.Feed(buf, static_cast<size_t>(n));
      ZmtpUnit u;
      while (l->up.Next(&u)) {
        if (u.greeting) {
          out += u.raw;
          continue;
        }
        log.client_frames.push_back(CommandName(u));
        const bool target = IsPayloadMessage(u);
        if (target) ++log.payload_frames;
        const bool apply = target && mode_ != Mode::kPass && applied_.load() == 0;
        if (apply) applied_.fetch_add(1);
        if (apply && mode_ == Mode::kFlipBit) u.raw[u.header + kFlipOffset] ^= 0x01;
        out += u.raw;
        if (apply && mode_ == Mode::kDuplicate) out += u.raw;
      }
    }
    if (!SendAll(l->server_fd, out)) Close(l, true);
  }

  // Server -> client: forward unchanged, note the frames.
  void Downstream(Link* l) {
    char buf[65536];
    const ssize_t n = ::recv(l->server_fd, buf, sizeof(buf), 0);
    if (n <= 0) return Close(l, true);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      l->down.Feed(buf, static_cast<size_t>(n));
      ZmtpUnit u;
      while (l->down.Next(&u)) {
        if (!u.greeting) logs_[l->log].server_frames.push_back(CommandName(u));
      }
    }
    if (!SendAll(l->client_fd, std::string(buf, static_cast<size_t>(n)))) Close(l, false);
  }

  // Ends both halves, so each peer sees what the other side did.
  void Close(Link* l, bool by_server) {
    if (l->client_fd < 0) return;
    ::close(l->client_fd);
    ::close(l->server_fd);
    l->client_fd = l->server_fd = -1;
    std::lock_guard<std::mutex> lock(mutex_);
    logs_[l->log].closed = true;
    logs_[l->log].closed_by_server = by_server;
  }

  const int server_port_;
  const Mode mode_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> applied_{0};
  mutable std::mutex mutex_;
  std::vector<Log> logs_;
};

// What the server answered to a byte stream played back to it.
struct Playback {
  std::vector<std::string> server_frames;  // command names ("" for data)
  bool closed_by_server = false;
};

// Plays a recorded client -> server byte stream back to the server on a new
// connection, paced as a client would: the greeting, then (once the
// server's greeting is in) the first command, then (once the server has
// answered it) the rest. Pacing matters: sent in one burst, even a
// plaintext recording was dropped by libzmq 4.3.4 right after the greetings
// (seen here, not looked into; a real client never sends frames before it
// has the server's greeting), which would end the playback for a reason
// that has nothing to do with CURVE. Reads what comes back until the server
// closes the connection, `done()` holds or `timeout_ms` passes.
Playback PlayBack(int port, const std::string& bytes, int timeout_ms,
                  const std::function<bool()>& done) {
  Playback result;
  std::string greeting;
  std::vector<std::string> frames;
  ZmtpSplitter up;
  up.Feed(bytes.data(), bytes.size());
  for (ZmtpUnit u; up.Next(&u);) {
    if (u.greeting) {
      greeting += u.raw;
    } else {
      frames.push_back(u.raw);
    }
  }
  if (greeting.size() != kGreetingBytes || frames.empty()) {
    ADD_FAILURE() << "not a recorded ZMTP session: " << bytes.size() << " bytes";
    return result;
  }
  const int fd = ConnectLoopback(port);
  if (fd < 0) {
    ADD_FAILURE() << "cannot connect to the server for the playback";
    return result;
  }
  ZmtpSplitter down;
  size_t greeting_in = 0;
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  // Reads until `enough()`; false when the server closed or time ran out.
  auto read_until = [&](const std::function<bool()>& enough) {
    while (!enough()) {
      if (Clock::now() >= deadline) return false;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      char buf[65536];
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) {
        result.closed_by_server = true;
        return false;
      }
      down.Feed(buf, static_cast<size_t>(n));
      for (ZmtpUnit u; down.Next(&u);) {
        if (u.greeting) {
          greeting_in += u.raw.size();
        } else {
          result.server_frames.push_back(CommandName(u));
        }
      }
    }
    return true;
  };
  std::string rest;
  for (size_t i = 1; i < frames.size(); ++i) rest += frames[i];
  if (SendAll(fd, greeting) && read_until([&] { return greeting_in == kGreetingBytes; }) &&
      SendAll(fd, frames[0]) && read_until([&] { return !result.server_frames.empty(); }) &&
      SendAll(fd, rest)) {
    read_until(done);
  }
  ::close(fd);
  return result;
}

int Count(const std::vector<std::string>& names, const std::string& name) {
  return static_cast<int>(std::count(names.begin(), names.end(), name));
}

std::string Join(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : " ") + (n.empty() ? "data" : n);
  return s;
}

// Sends one request of kPayloadBytes; `echoed` tells whether the reply was
// exactly the request (the test server echoes).
seam::Status Ask(seam::TransportClient& client, uint32_t seed, uint32_t timeout_ms, bool* echoed) {
  const std::vector<uint8_t> payload = Pattern(kPayloadBytes, seed);
  seam::ReceivedMessage reply;
  seam::Status s = client.Request({{payload.data(), payload.size()}}, timeout_ms, &reply);
  *echoed = s.ok() && reply.num_frames() == 1 && reply.frame_size(0) == payload.size() &&
            std::memcmp(reply.frame_data(0), payload.data(), payload.size()) == 0;
  return s;
}

int PortOf(const std::string& tcp_endpoint) {
  return std::stoi(tcp_endpoint.substr(tcp_endpoint.rfind(':') + 1));
}

class CurveTamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(seam::GenerateCurveKeyFiles(dir_.path(), "server", false, nullptr, &error))
        << error;
    ASSERT_TRUE(seam::GenerateCurveKeyFiles(dir_.path(), "edge", false, nullptr, &error)) << error;
    ASSERT_EQ(::mkdir((dir_.path() + "/allowed").c_str(), 0755), 0);
    std::filesystem::copy_file(dir_.path() + "/edge.key", dir_.path() + "/allowed/edge.key");
    server_ep_ = TcpEndpoint();
    server_ = std::make_unique<TestServer>(
        "zeromq",
        Config{{"curve_secret_file", dir_.path() + "/server.key_secret"},
               {"allow_keys_dir", dir_.path() + "/allowed"}},
        server_ep_, 1);
    ASSERT_TRUE(server_->ok());
  }

  // The allowed edge, connected to `endpoint` (the relay).
  std::unique_ptr<seam::TransportClient> Edge(const std::string& endpoint) {
    return Connect("zeromq", endpoint,
                   {{"curve_secret_file", dir_.path() + "/edge.key_secret"},
                    {"curve_server_key_file", dir_.path() + "/server.key"}});
  }

  // Requests the server has handed to its worker, after giving any request
  // still on its way time to arrive.
  int SettledRequests() {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return server_->requests();
  }

  TempDir dir_;
  std::string server_ep_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(CurveTamperTest, AnUntouchedRelayPassesEveryRequest) {
  MitmRelay relay(PortOf(server_ep_), MitmRelay::Mode::kPass);
  auto client = Edge(relay.endpoint());
  ASSERT_NE(client, nullptr);
  for (uint32_t i = 0; i < 3; ++i) {
    bool echoed = false;
    seam::Status s = Ask(*client, i, kServedMs, &echoed);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(echoed);
  }
  EXPECT_EQ(SettledRequests(), 3);

  // The relay saw a CURVE handshake and each request as exactly one
  // payload MESSAGE frame (so the other tests act on the right frame), and
  // the server kept the connection open.
  const std::vector<MitmRelay::Log> logs = relay.Logs();
  ASSERT_EQ(logs.size(), 1u);
  const MitmRelay::Log& log = logs[0];
  EXPECT_EQ(Count(log.client_frames, "HELLO"), 1) << Join(log.client_frames);
  EXPECT_EQ(Count(log.client_frames, "INITIATE"), 1) << Join(log.client_frames);
  EXPECT_EQ(Count(log.server_frames, "WELCOME"), 1) << Join(log.server_frames);
  EXPECT_EQ(Count(log.server_frames, "READY"), 1) << Join(log.server_frames);
  EXPECT_EQ(log.payload_frames, 3);
  // Each request is two parts (the envelope delimiter, the payload), each
  // reply too; heartbeats may add more.
  EXPECT_GE(Count(log.client_frames, kMessageName), 6) << Join(log.client_frames);
  EXPECT_GE(Count(log.server_frames, kMessageName), 6) << Join(log.server_frames);
  EXPECT_EQ(Count(log.client_frames, ""), 0) << "plaintext frame after a CURVE handshake";
  EXPECT_FALSE(log.closed);
  EXPECT_EQ(relay.applied(), 0);
}

TEST_F(CurveTamperTest, ABitFlippedInARequestIsRejected) {
  MitmRelay relay(PortOf(server_ep_), MitmRelay::Mode::kFlipBit);
  auto client = Edge(relay.endpoint());
  ASSERT_NE(client, nullptr);

  bool echoed = false;
  seam::Status s = Ask(*client, 1, kRefusedMs, &echoed);
  EXPECT_EQ(relay.applied(), 1);
  // No answer at all, rather than a wrong one; no worker saw the request.
  EXPECT_EQ(s.code(), seam::StatusCode::kTimeout) << s.ToString();
  EXPECT_EQ(SettledRequests(), 0);
  // libzmq's MAC check failed and the server dropped that connection.
  ASSERT_TRUE(
      relay.WaitFor([](const auto& logs) { return !logs.empty() && logs[0].closed; }, 1000));
  const std::vector<MitmRelay::Log> logs = relay.Logs();
  EXPECT_TRUE(logs[0].closed_by_server);
  EXPECT_EQ(logs[0].payload_frames, 1);

  // The server is unharmed: the client's next request (on the fresh
  // connection it opened after the timeout) is answered.
  s = Ask(*client, 2, kServedMs, &echoed);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(echoed);
  EXPECT_EQ(SettledRequests(), 1);
}

TEST_F(CurveTamperTest, ARequestFrameSentTwiceIsHandledAtMostOnce) {
  MitmRelay relay(PortOf(server_ep_), MitmRelay::Mode::kDuplicate);
  auto client = Edge(relay.endpoint());
  ASSERT_NE(client, nullptr);

  bool echoed = false;
  seam::Status s = Ask(*client, 1, kRefusedMs, &echoed);
  EXPECT_EQ(relay.applied(), 1);
  const int handled = SettledRequests();
  EXPECT_LE(handled, 1);
  // The copy's nonce is not above the last one: the server dropped the
  // connection instead of decrypting it.
  ASSERT_TRUE(
      relay.WaitFor([](const auto& logs) { return !logs.empty() && logs[0].closed; }, 1000));
  const std::vector<MitmRelay::Log> logs = relay.Logs();
  EXPECT_TRUE(logs[0].closed_by_server);
  EXPECT_EQ(logs[0].payload_frames, 1);  // counted before the copy was added
  // Whatever the client got, it is not a wrong answer.
  EXPECT_TRUE(!s.ok() || echoed) << s.ToString();

  s = Ask(*client, 2, kServedMs, &echoed);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(echoed);
  EXPECT_EQ(SettledRequests(), handled + 1);
}

TEST_F(CurveTamperTest, ARecordedSessionPlayedBackIsNotServed) {
  MitmRelay relay(PortOf(server_ep_), MitmRelay::Mode::kPass);
  {
    auto client = Edge(relay.endpoint());
    ASSERT_NE(client, nullptr);
    bool echoed = false;
    seam::Status s = Ask(*client, 1, kServedMs, &echoed);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(echoed);
  }  // the client closes its connection
  ASSERT_TRUE(
      relay.WaitFor([](const auto& logs) { return logs.size() == 1 && logs[0].closed; }, 2000));
  const MitmRelay::Log session = relay.Logs()[0];
  EXPECT_FALSE(session.closed_by_server);
  EXPECT_EQ(session.payload_frames, 1);
  EXPECT_EQ(Count(session.client_frames, "INITIATE"), 1) << Join(session.client_frames);
  ASSERT_EQ(SettledRequests(), 1);

  // The same bytes on a new connection: the server answers the replayed
  // HELLO with a new WELCOME (fresh ephemeral key and cookie key), so the
  // recorded INITIATE carries a cookie it cannot open. Nothing is served.
  const Playback replay =
      PlayBack(PortOf(server_ep_), session.client_bytes, 3000, [] { return false; });
  EXPECT_TRUE(replay.closed_by_server) << Join(replay.server_frames);
  EXPECT_EQ(Count(replay.server_frames, "WELCOME"), 1) << Join(replay.server_frames);
  EXPECT_EQ(Count(replay.server_frames, "READY"), 0) << Join(replay.server_frames);
  EXPECT_EQ(Count(replay.server_frames, kMessageName), 0) << Join(replay.server_frames);
  EXPECT_EQ(SettledRequests(), 1);
}

// The contrast that makes the playback above meaningful: without CURVE the
// same recording is served a second time.
TEST(PlaintextReplayTest, ARecordedPlaintextSessionPlayedBackIsServedAgain) {
  const std::string ep = TcpEndpoint();
  TestServer server("zeromq", {}, ep, 1);
  ASSERT_TRUE(server.ok());
  MitmRelay relay(PortOf(ep), MitmRelay::Mode::kPass);
  {
    auto client = Connect("zeromq", relay.endpoint());
    ASSERT_NE(client, nullptr);
    bool echoed = false;
    seam::Status s = Ask(*client, 1, kServedMs, &echoed);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(echoed);
  }
  ASSERT_TRUE(
      relay.WaitFor([](const auto& logs) { return logs.size() == 1 && logs[0].closed; }, 2000));
  // The server has let go of the client's routing id, which the recording
  // reuses (a ROUTER refuses a second connection with a live id).
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(server.requests(), 1);
  const Playback replay = PlayBack(PortOf(ep), relay.Logs()[0].client_bytes, 3000,
                                   [&] { return server.requests() >= 2; });
  EXPECT_EQ(server.requests(), 2) << Join(replay.server_frames);
}

}  // namespace
}  // namespace seam_transport_test

#endif  // SEAM_TEST_HAVE_ZEROMQ
