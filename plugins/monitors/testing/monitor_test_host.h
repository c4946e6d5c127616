// Test support for the monitor plugins (tests/plugins/monitor_*_test.cc):
// loads a real monitor .so with dlopen exactly as a foreign host would, and
// provides a host API implemented in the test (collected log lines, a
// controllable clock, a pluggable probe_link) plus a throttled loopback TCP
// echo link for the bandwidth and rtt monitors.
//
// Deliberately independent of seam's own loader (plugins/plugin_library.h):
// these tests check the plugins against the C ABI alone.
#pragma once

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "seam/monitor_plugin.h"

namespace seam_monitor_test {

using Config = std::vector<std::pair<std::string, std::string>>;

// Where the build put seam_monitor_<name>.so: the first directory of
// $SEAM_PLUGIN_PATH (a ':'-separated list) that has it. Empty if none.
inline std::string MonitorPluginPath(const std::string& name) {
  std::string file = "seam_monitor_" + name + ".so";
  for (char& c : file) {
    if (c == '-') c = '_';
  }
  const char* env = std::getenv("SEAM_PLUGIN_PATH");
  if (env == nullptr) return "";
  std::string dirs = env;
  size_t start = 0;
  for (;;) {
    const size_t colon = dirs.find(':', start);
    const std::string dir = dirs.substr(start, colon - start);
    if (!dir.empty() && std::filesystem::exists(dir + "/" + file)) return dir + "/" + file;
    if (colon == std::string::npos) return "";
    start = colon + 1;
  }
}

// The host side of seam_host_api, implemented in the test.
class TestHost {
 public:
  using ProbeFn = std::function<seam_status(uint64_t bytes, double* seconds)>;

  TestHost() {
    api_.struct_size = sizeof(api_);
    api_.abi_major = SEAM_PLUGIN_ABI_MAJOR;
    api_.abi_minor = SEAM_PLUGIN_ABI_MINOR;
    api_.host_ctx = this;
    api_.log = &TestHost::LogThunk;
    api_.now_seconds = &TestHost::NowThunk;
    api_.probe_link = nullptr;  // set by SetProbe
  }
  TestHost(const TestHost&) = delete;
  TestHost& operator=(const TestHost&) = delete;

  const seam_host_api* api() const { return &api_; }
  // For tests of older/odd hosts (struct_size, abi version).
  seam_host_api* mutable_api() { return &api_; }

  void SetProbe(ProbeFn probe) {
    probe_ = std::move(probe);
    api_.probe_link = probe_ ? &TestHost::ProbeThunk : nullptr;
  }
  int probe_calls() const { return probe_calls_.load(); }

  // Until UseFakeClock() the clock is std::chrono::steady_clock.
  void UseFakeClock(double start_s) {
    fake_now_.store(start_s);
    fake_.store(true);
  }
  void SetTime(double s) { fake_now_.store(s); }
  void Advance(double s) { fake_now_.store(fake_now_.load() + s); }

  std::vector<std::string> logs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return logs_;
  }
  bool LogContains(const std::string& needle) const {
    for (const auto& line : logs()) {
      if (line.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  std::string JoinedLogs() const {
    std::string all;
    for (const auto& line : logs()) all += line + "\n";
    return all;
  }

 private:
  static void LogThunk(void* ctx, int32_t severity, const char* message) {
    auto* self = static_cast<TestHost*>(ctx);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->logs_.push_back(std::to_string(severity) + " " + (message ? message : "(null)"));
  }
  static double NowThunk(void* ctx) {
    auto* self = static_cast<TestHost*>(ctx);
    if (self->fake_.load()) return self->fake_now_.load();
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  static seam_status ProbeThunk(void* ctx, uint64_t bytes, double* seconds) {
    auto* self = static_cast<TestHost*>(ctx);
    ++self->probe_calls_;
    return self->probe_(bytes, seconds);
  }

  seam_host_api api_{};
  mutable std::mutex mutex_;
  std::vector<std::string> logs_;
  std::atomic<bool> fake_{false};
  std::atomic<double> fake_now_{0.0};
  std::atomic<int> probe_calls_{0};
  ProbeFn probe_;
};

// A monitor .so opened with dlopen, its seam_plugin_query and descriptor.
class MonitorModule {
 public:
  MonitorModule(const std::string& name, const TestHost& host) {
    path_ = MonitorPluginPath(name);
    if (path_.empty()) {
      error_ = "seam_monitor_" + name + ".so not found in SEAM_PLUGIN_PATH=" +
               (std::getenv("SEAM_PLUGIN_PATH") ? std::getenv("SEAM_PLUGIN_PATH") : "(unset)");
      return;
    }
    handle_ = dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
      error_ = std::string("dlopen failed: ") + dlerror();
      return;
    }
    query_ = reinterpret_cast<seam_plugin_query_fn>(dlsym(handle_, SEAM_PLUGIN_ENTRY_SYMBOL));
    if (query_ == nullptr) {
      error_ = "no seam_plugin_query in " + path_;
      return;
    }
    const seam_status st = query_(SEAM_PLUGIN_ABI_MAJOR, SEAM_PLUGIN_ABI_MINOR, host.api(), &info_);
    if (st != SEAM_STATUS_OK || info_ == nullptr) {
      error_ = "seam_plugin_query returned " + std::to_string(st);
      info_ = nullptr;
      return;
    }
    vtable_ = static_cast<const seam_monitor_vtable*>(info_->vtable);
  }
  ~MonitorModule() {
    if (handle_ != nullptr) dlclose(handle_);
  }
  MonitorModule(const MonitorModule&) = delete;
  MonitorModule& operator=(const MonitorModule&) = delete;

  bool ok() const { return vtable_ != nullptr; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }
  seam_plugin_query_fn query() const { return query_; }
  const seam_plugin_info* info() const { return info_; }
  const seam_monitor_vtable* vtable() const { return vtable_; }

 private:
  std::string path_;
  std::string error_;
  void* handle_ = nullptr;
  seam_plugin_query_fn query_ = nullptr;
  const seam_plugin_info* info_ = nullptr;
  const seam_monitor_vtable* vtable_ = nullptr;
};

// One monitor instance driven through the vtable.
class MonitorInstance {
 public:
  MonitorInstance(const MonitorModule& module, const TestHost& host)
      : vtable_(module.vtable()), host_(host.api()) {}
  ~MonitorInstance() { Reset(); }
  MonitorInstance(const MonitorInstance&) = delete;
  MonitorInstance& operator=(const MonitorInstance&) = delete;

  seam_status Create(const Config& config) {
    Reset();
    std::vector<seam_kv> kvs;
    for (const auto& kv : config) kvs.push_back({kv.first.c_str(), kv.second.c_str()});
    char error[512];
    std::memset(error, 'x', sizeof(error));  // catch a missing terminator
    error[0] = '\0';
    const seam_status st = vtable_->create(host_, kvs.data(), static_cast<uint32_t>(kvs.size()),
                                           &instance_, error, sizeof(error));
    error_ = Terminated(error, sizeof(error));
    if (st != SEAM_STATUS_OK) instance_ = nullptr;
    return st;
  }

  // Samples into a fresh readings struct of the current ABI.
  seam_status Sample(seam_readings* out) {
    *out = seam_readings{};
    out->struct_size = sizeof(*out);
    char error[512];
    std::memset(error, 'x', sizeof(error));
    error[0] = '\0';
    const seam_status st = vtable_->sample(instance_, out, error, sizeof(error));
    error_ = Terminated(error, sizeof(error));
    return st;
  }

  void Observe(uint64_t bytes, double seconds) {
    seam_transfer_sample s{};
    s.struct_size = sizeof(s);
    s.bytes = bytes;
    s.seconds = seconds;
    vtable_->observe_transfer(instance_, &s);
  }

  void* raw() const { return instance_; }
  const std::string& error() const { return error_; }

 private:
  // The ABI promises NUL termination; report its absence as text the test
  // can assert on instead of reading past the buffer.
  static std::string Terminated(const char* buf, size_t size) {
    const void* nul = std::memchr(buf, '\0', size);
    if (nul == nullptr) return "<error buffer not NUL-terminated>";
    return std::string(buf);
  }
  void Reset() {
    if (instance_ != nullptr) vtable_->destroy(instance_);
    instance_ = nullptr;
  }

  const seam_monitor_vtable* vtable_;
  const seam_host_api* host_;
  void* instance_ = nullptr;
  std::string error_;
};

// A loopback TCP echo server emulating a link of `rate_bps` with an added
// fixed round-trip delay: each request (8-byte little-endian length +
// payload) is read fully, the server sleeps bytes*8/rate + extra_rtt (the
// serialisation time a real link of that rate would add, plus propagation),
// then echoes the payload back.
class ThrottledEchoServer {
 public:
  ThrottledEchoServer(double rate_bps, double extra_rtt_s)
      : rate_bps_(rate_bps), extra_rtt_s_(extra_rtt_s) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;  // any free port
    socklen_t len = sizeof(addr);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) ||
        ::listen(listen_fd_, 4) ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len)) {
      error_ = std::string("echo server setup failed: ") + std::strerror(errno);
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ThrottledEchoServer() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }
  ThrottledEchoServer(const ThrottledEchoServer&) = delete;
  ThrottledEchoServer& operator=(const ThrottledEchoServer&) = delete;

  bool ok() const { return port_ != 0; }
  const std::string& error() const { return error_; }
  uint16_t port() const { return port_; }
  void set_rate_bps(double r) { rate_bps_.store(r); }
  void set_extra_rtt_s(double s) { extra_rtt_s_.store(s); }

 private:
  // Waits until fd is readable; false when stopping. The 50 ms poll keeps
  // shutdown prompt without needing to interrupt a blocking call.
  bool WaitReadable(int fd) {
    while (!stop_.load()) {
      pollfd p{fd, POLLIN, 0};
      const int r = ::poll(&p, 1, 50);
      if (r > 0) return true;
      if (r < 0 && errno != EINTR) return false;
    }
    return false;
  }
  bool ReadFully(int fd, void* buf, size_t n) {
    auto* p = static_cast<char*>(buf);
    while (n > 0) {
      if (!WaitReadable(fd)) return false;
      const ssize_t r = ::recv(fd, p, n, 0);
      if (r <= 0) {
        if (r < 0 && errno == EINTR) continue;
        return false;
      }
      p += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }
  static bool WriteFully(int fd, const void* buf, size_t n) {
    auto* p = static_cast<const char*>(buf);
    while (n > 0) {
      const ssize_t r = ::send(fd, p, n, MSG_NOSIGNAL);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      p += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }
  void Serve() {
    std::vector<char> payload;
    while (WaitReadable(listen_fd_)) {
      const int conn = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      const int one = 1;
      ::setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      for (;;) {
        uint64_t bytes = 0;
        if (!ReadFully(conn, &bytes, sizeof(bytes))) break;
        payload.resize(bytes);
        if (!ReadFully(conn, payload.data(), payload.size())) break;
        const double delay =
            static_cast<double>(bytes) * 8.0 / rate_bps_.load() + extra_rtt_s_.load();
        std::this_thread::sleep_for(std::chrono::duration<double>(delay));
        if (!WriteFully(conn, payload.data(), payload.size())) break;
      }
      ::close(conn);
    }
  }

  std::atomic<double> rate_bps_;
  std::atomic<double> extra_rtt_s_;
  std::atomic<bool> stop_{false};
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::string error_;
  std::thread thread_;
};

// The client end: a persistent connection whose RoundTrip() is what the
// test host's probe_link does (send the payload, wait for the full echo).
class LoopbackLink {
 public:
  explicit LoopbackLink(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = -1;
      return;
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~LoopbackLink() {
    if (fd_ >= 0) ::close(fd_);
  }
  LoopbackLink(const LoopbackLink&) = delete;
  LoopbackLink& operator=(const LoopbackLink&) = delete;

  bool ok() const { return fd_ >= 0; }

  seam_status RoundTrip(uint64_t bytes, double* seconds) {
    if (fd_ < 0) return SEAM_STATUS_UNAVAILABLE;
    out_.assign(bytes, '\x5a');
    in_.resize(bytes);
    const auto start = std::chrono::steady_clock::now();
    if (!Send(&bytes, sizeof(bytes)) || !Send(out_.data(), out_.size())) return SEAM_STATUS_IO;
    size_t got = 0;
    while (got < bytes) {
      const ssize_t r = ::recv(fd_, in_.data() + got, bytes - got, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return SEAM_STATUS_IO;
      got += static_cast<size_t>(r);
    }
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return in_ == out_ ? SEAM_STATUS_OK : SEAM_STATUS_IO;
  }

 private:
  bool Send(const void* buf, size_t n) {
    auto* p = static_cast<const char*>(buf);
    while (n > 0) {
      const ssize_t r = ::send(fd_, p, n, MSG_NOSIGNAL);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      p += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }

  int fd_ = -1;
  std::vector<char> out_;
  std::vector<char> in_;
};

// The dynamic symbols a shared object defines, from `nm -D --defined-only`.
// Returns false (with *error) when nm cannot be run.
inline bool DefinedDynamicSymbols(const std::string& path, std::vector<std::string>* symbols,
                                  std::string* error) {
  const std::string cmd = "nm -D --defined-only '" + path + "' 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    *error = "popen failed: " + std::string(std::strerror(errno));
    return false;
  }
  std::string output;
  char buf[512];
  while (std::fgets(buf, sizeof(buf), pipe) != nullptr) output += buf;
  const int rc = ::pclose(pipe);
  if (rc != 0) {
    *error = "`" + cmd + "` failed (" + std::to_string(rc) + "): " + output;
    return false;
  }
  // Lines are "<address> <type> <name>"; the name is the last field.
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    const std::string line = output.substr(start, end - start);
    const size_t last_space = line.find_last_of(' ');
    if (!line.empty()) symbols->push_back(line.substr(last_space + 1));
    start = end + 1;
  }
  return true;
}

// A scratch directory removed at scope exit (fake /proc trees, trace files).
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/seam_monitor_test.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) != nullptr) path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes (replaces) `relative` under the directory, creating parents.
  std::string Write(const std::string& relative, const std::string& content) const {
    const std::filesystem::path p = std::filesystem::path(path_) / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
    return p.string();
  }

 private:
  std::string path_;
};

}  // namespace seam_monitor_test
