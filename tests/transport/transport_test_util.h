// Helpers of the transport tests: temp dirs, free TCP ports, loading the real
// plugins, and an echo server with worker threads.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "plugins/transport_host.h"

namespace seam_transport_test {

using Config = std::vector<std::pair<std::string, std::string>>;
using Frames = std::vector<std::pair<const uint8_t*, size_t>>;
using Clock = std::chrono::steady_clock;

inline double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// A scratch directory removed at scope exit. Kept short: ipc:// paths must
// fit in sockaddr_un (108 bytes).
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/seam_tt.XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& content) const {
    const std::string p = path_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
    return p;
  }

 private:
  std::string path_;
};

// A TCP port that was free a moment ago (bind to port 0, read it back).
inline int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

inline std::string TcpEndpoint() { return "tcp://127.0.0.1:" + std::to_string(FreePort()); }

inline std::string UniqueInprocEndpoint() {
  static std::atomic<int> n{0};
  return "inproc://test." + std::to_string(::getpid()) + "." + std::to_string(n++);
}

inline std::shared_ptr<seam::Transport> LoadTransport(const std::string& name,
                                                      const Config& config = {}) {
  std::shared_ptr<seam::Transport> t;
  seam::Status s = seam::Transport::Load(name, config, &t);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return t;
}

// Deterministic bytes: frame `index` of message `seed`.
inline std::vector<uint8_t> Pattern(size_t size, uint32_t seed) {
  std::vector<uint8_t> v(size);
  uint32_t x = seed * 2654435761u + 12345u;
  for (size_t i = 0; i < size; ++i) {
    x = x * 1664525u + 1013904223u;
    v[i] = static_cast<uint8_t>(x >> 24);
  }
  return v;
}

inline Frames View(const std::vector<std::vector<uint8_t>>& frames) {
  Frames out;
  for (const auto& f : frames) out.emplace_back(f.data(), f.size());
  return out;
}

inline bool Aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

// A server with worker threads running `handler` for every request. The
// default handler echoes the request frames back.
class TestServer {
 public:
  using Handler = std::function<void(seam::TransportWorker&, seam::ReceivedMessage&)>;

  static void Echo(seam::TransportWorker& w, seam::ReceivedMessage& m) {
    Frames frames;
    for (size_t i = 0; i < m.num_frames(); ++i)
      frames.emplace_back(m.frame_data(i), m.frame_size(i));
    seam::Status s = w.Reply(m.token(), frames);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

  TestServer(const std::string& plugin, const Config& config, const std::string& endpoint,
             int workers, Handler handler = &TestServer::Echo)
      : handler_(std::move(handler)) {
    transport_ = LoadTransport(plugin, config);
    if (!transport_) return;
    seam::TransportServer server(transport_);
    seam::Status s = server.Bind(endpoint);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return;
    for (int i = 0; i < workers; ++i) AddWorker();
    ok_ = true;
  }
  ~TestServer() { Stop(); }

  // Starts one more worker thread.
  void AddWorker() {
    std::unique_ptr<seam::TransportWorker> w;
    seam::Status s = seam::TransportWorker::Open(transport_, &w);
    ASSERT_TRUE(s.ok()) << s.ToString();
    threads_.emplace_back([this, w = std::shared_ptr<seam::TransportWorker>(std::move(w))] {
      seam::ReceivedMessage m;
      while (!stop_.load()) {
        seam::Status r = w->Receive(20, &m);
        if (r.code() == seam::StatusCode::kTimeout) continue;
        if (!r.ok()) {
          if (!stop_.load()) ADD_FAILURE() << r.ToString();
          return;
        }
        // Frames handed to the host are 16-byte aligned (ABI promise).
        for (size_t i = 0; i < m.num_frames(); ++i) {
          if (!Aligned16(m.frame_data(i))) misaligned_.fetch_add(1);
        }
        requests_.fetch_add(1);
        handler_(*w, m);
      }
    });
  }

  void Stop() {
    stop_.store(true);
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  bool ok() const { return ok_; }
  int requests() const { return requests_.load(); }
  int misaligned() const { return misaligned_.load(); }
  const std::shared_ptr<seam::Transport>& transport() const { return transport_; }

 private:
  Handler handler_;
  std::shared_ptr<seam::Transport> transport_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> misaligned_{0};
  bool ok_ = false;
};

// A connected client.
inline std::unique_ptr<seam::TransportClient> Connect(const std::string& plugin,
                                                      const std::string& endpoint,
                                                      const Config& config = {}) {
  std::shared_ptr<seam::Transport> t = LoadTransport(plugin, config);
  if (!t) return nullptr;
  auto client = std::make_unique<seam::TransportClient>(t);
  seam::Status s = client->Connect(endpoint);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return s.ok() ? std::move(client) : nullptr;
}

// The dynamic symbols a shared object defines (`nm -D --defined-only`).
inline std::vector<std::string> DefinedDynamicSymbols(const std::string& path) {
  std::vector<std::string> symbols;
  const std::string cmd = "nm -D --defined-only '" + path + "' 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return symbols;
  char line[512];
  while (std::fgets(line, sizeof(line), pipe) != nullptr) {
    std::string l = line;
    while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
    const size_t space = l.find_last_of(' ');
    if (!l.empty()) symbols.push_back(l.substr(space + 1));
  }
  ::pclose(pipe);
  return symbols;
}

}  // namespace seam_transport_test
