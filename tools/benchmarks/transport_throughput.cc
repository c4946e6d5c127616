// seam_transport_benchmark: what the transport plugins move per second.
//
// 1. Unshaped: boundary-sized messages (a 256-byte header frame plus one
//    tensor frame of each --sizes value) from one client to a server whose
//    worker answers with a 64-byte ack, over zeromq on tcp loopback (the
//    target is >= 1 GB/s for MB-sized boundaries), and for comparison zeromq
//    ipc and inproc. Each size runs for --seconds after a short warm-up;
//    throughput counts request bytes, latency is the median round trip.
// 2. Shaped: the shaped transport over zeromq tcp at each named profile,
//    with the profile's RTT set to 0 so the figure isolates the bandwidth
//    emulation: achieved rate / profile rate (target >= 95 %). Each request
//    carries about --shaped-request-seconds worth of bytes at the profile's
//    rate. A second column repeats one request with the profile's RTT and
//    compares it with the link model (bytes / rate + RTT).
// A program for people, not a test.
#include <arpa/inet.h>
#include <glog/logging.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "plugins/transport_host.h"
#include "tools/arg_parser.h"

namespace seam::cli {
namespace {

using Clock = std::chrono::steady_clock;
using Config = std::vector<std::pair<std::string, std::string>>;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// A server with one worker answering every request with a 64-byte ack.
class AckServer {
 public:
  Status Start(const std::string& plugin, const Config& config, const std::string& endpoint) {
    SEAM_RETURN_IF_ERROR(Transport::Load(plugin, config, &transport_));
    SEAM_RETURN_IF_ERROR(TransportServer(transport_).Bind(endpoint));
    std::unique_ptr<TransportWorker> worker;
    SEAM_RETURN_IF_ERROR(TransportWorker::Open(transport_, &worker));
    thread_ = std::thread([this, w = std::shared_ptr<TransportWorker>(std::move(worker))] {
      const std::vector<uint8_t> ack(64, 0xAC);
      ReceivedMessage m;
      while (!stop_.load()) {
        Status s = w->Receive(50, &m);
        if (s.code() == StatusCode::kTimeout) continue;
        if (!s.ok()) {
          LOG(ERROR) << s.ToString();
          return;
        }
        Status r = w->Reply(m.token(), {{ack.data(), ack.size()}});
        if (!r.ok()) LOG(ERROR) << r.ToString();
      }
    });
    return Status::Ok();
  }
  ~AckServer() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::shared_ptr<Transport> transport_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

struct Run {
  double seconds = 0;
  uint64_t bytes = 0;
  int requests = 0;
  double median_ms = 0;
};

// Sends `header` + `payload` requests until `seconds` have passed (at least
// `min_requests`).
Status Drive(TransportClient& client, const std::vector<uint8_t>& header,
             const std::vector<uint8_t>& payload, double seconds, int min_requests, Run* out) {
  std::vector<double> rtts;
  ReceivedMessage reply;
  const auto start = Clock::now();
  while (static_cast<int>(rtts.size()) < min_requests || Seconds(start, Clock::now()) < seconds) {
    const auto t0 = Clock::now();
    SEAM_RETURN_IF_ERROR(client.Request(
        {{header.data(), header.size()}, {payload.data(), payload.size()}}, 120000, &reply));
    rtts.push_back(Seconds(t0, Clock::now()) * 1000);
  }
  out->seconds = Seconds(start, Clock::now());
  out->requests = static_cast<int>(rtts.size());
  out->bytes = static_cast<uint64_t>(rtts.size()) * (header.size() + payload.size());
  std::sort(rtts.begin(), rtts.end());
  out->median_ms = rtts[rtts.size() / 2];
  return Status::Ok();
}

std::vector<size_t> ParseSizes(const std::string& text) {
  std::vector<size_t> sizes;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) sizes.push_back(static_cast<size_t>(std::stoull(item)));
  }
  return sizes;
}

struct ProfileInfo {
  const char* name;
  double mbps;
  double rtt_ms;
};
// Mirrors the table in transport/shaped/shaped_transport.cc.
const ProfileInfo kProfiles[] = {{"cat1", 0.13, 100},   {"3g", 1.1, 100},  {"4g", 5.85, 50},
                                 {"wifi", 18.88, 10},   {"10mbit", 10, 1}, {"25mbit", 25, 1},
                                 {"37.5mbit", 37.5, 1}, {"50mbit", 50, 1}};

int Main(int argc, char** argv) {
  std::string sizes_text = "16384,65536,262144,1048576,4194304,8388608";
  int64_t seconds_x10 = 20;
  int64_t shaped_ms = 500;
  bool skip_shaped = false;
  ArgParser args("seam_transport_benchmark",
                 "Throughput of the transport plugins: zeromq tcp/ipc and inproc unshaped, and "
                 "the shaped transport at each named link profile.");
  args.AddString("sizes", 0, "LIST", "tensor frame sizes in bytes, comma-separated", &sizes_text);
  args.AddInt("tenths", 0, "N", "seconds per unshaped size, in tenths (default 20 = 2 s)",
              &seconds_x10, 1, 6000);
  args.AddInt("shaped-request-ms", 0, "MS",
              "bytes per shaped request, as milliseconds at the profile rate", &shaped_ms, 50,
              60000);
  args.AddBool("no-shaped", 0, "skip the shaped profiles", &skip_shaped);
  std::vector<std::string> argv_list(argv + 1, argv + argc);
  int exit_code = 0;
  if (!args.ParseOrReport(argv_list, &exit_code)) return exit_code;
  const std::vector<size_t> sizes = ParseSizes(sizes_text);
  const double seconds = static_cast<double>(seconds_x10) / 10.0;
  const std::vector<uint8_t> header(256, 0x5E);

  std::printf(
      "## Unshaped (%s s per size, request = 256-byte header + tensor frame, 64-byte ack)\n\n",
      std::to_string(seconds).substr(0, 4).c_str());
  std::printf("| link | tensor bytes | requests | median RTT ms | MB/s | GB/s |\n");
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  char ipc_dir[] = "/tmp/seam_bench.XXXXXX";
  if (::mkdtemp(ipc_dir) == nullptr) return 1;
  struct Link {
    const char* label;
    const char* plugin;
    std::string endpoint;
  };
  const std::vector<Link> links = {
      {"zeromq tcp", "zeromq", "tcp://127.0.0.1:" + std::to_string(FreePort())},
      {"zeromq ipc", "zeromq", std::string("ipc://") + ipc_dir + "/bench"},
      {"inproc", "inproc", "inproc://seam.bench"}};
  for (const Link& link : links) {
    AckServer server;
    Status s = server.Start(link.plugin, {}, link.endpoint);
    if (!s.ok()) {
      std::fprintf(stderr, "%s: %s\n", link.label, s.ToString().c_str());
      return 1;
    }
    std::shared_ptr<Transport> t;
    s = Transport::Load(link.plugin, {}, &t);
    TransportClient client(t);
    if (s.ok()) s = client.Connect(link.endpoint);
    for (size_t size : sizes) {
      if (!s.ok()) break;
      const std::vector<uint8_t> payload(size, 0x42);
      Run warm, run;
      s = Drive(client, header, payload, 0, 3, &warm);
      if (s.ok()) s = Drive(client, header, payload, seconds, 5, &run);
      if (!s.ok()) break;
      const double mbs = run.bytes / run.seconds / 1e6;
      std::printf("| %s | %zu | %d | %.3f | %.0f | %.2f |\n", link.label, size, run.requests,
                  run.median_ms, mbs, mbs / 1000);
      std::fflush(stdout);
    }
    if (!s.ok()) {
      std::fprintf(stderr, "%s: %s\n", link.label, s.ToString().c_str());
      return 1;
    }
  }
  ::rmdir(ipc_dir);

  if (skip_shaped) return 0;
  std::printf("\n## Shaped over zeromq tcp (each request ~%lld ms of data at the profile rate)\n\n",
              static_cast<long long>(shaped_ms));
  std::printf(
      "| profile | Mbit/s | request bytes | requests | achieved Mbit/s (RTT 0) | of profile | "
      "with RTT: measured ms | model ms |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(FreePort());
  AckServer server;
  Status s = server.Start("zeromq", {}, endpoint);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  for (const ProfileInfo& p : kProfiles) {
    const double bytes_per_s = p.mbps * 1e6 / 8;
    const size_t total =
        std::max<size_t>(4096, static_cast<size_t>(bytes_per_s * shaped_ms / 1000));
    const std::vector<uint8_t> payload(total - header.size(), 0x42);
    // Bandwidth alone (rtt_ms=0).
    std::shared_ptr<Transport> t;
    s = Transport::Load("shaped", {{"profile", p.name}, {"rtt_ms", "0"}, {"inner", "zeromq"}}, &t);
    TransportClient client(t);
    if (s.ok()) s = client.Connect(endpoint);
    Run run;
    if (s.ok()) s = Drive(client, header, payload, 0, 4, &run);
    // The full profile: one request, against the model.
    std::shared_ptr<Transport> t_rtt;
    if (s.ok()) s = Transport::Load("shaped", {{"profile", p.name}, {"inner", "zeromq"}}, &t_rtt);
    TransportClient client_rtt(t_rtt);
    if (s.ok()) s = client_rtt.Connect(endpoint);
    Run one;
    if (s.ok()) s = Drive(client_rtt, header, payload, 0, 1, &one);
    if (!s.ok()) {
      std::fprintf(stderr, "%s: %s\n", p.name, s.ToString().c_str());
      return 1;
    }
    const double achieved = run.bytes * 8 / run.seconds / 1e6;
    // The model: 1500 bytes leave at once (a full bucket), the rest at the
    // rate; the 64-byte ack fits the downlink bucket.
    const double model_ms = (total - 1500) / bytes_per_s * 1000 + p.rtt_ms;
    std::printf("| %s | %.2f | %zu | %d | %.3f | %.1f %% | %.1f | %.1f |\n", p.name, p.mbps, total,
                run.requests, achieved, 100 * achieved / p.mbps, one.median_ms, model_ms);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace seam::cli

int main(int argc, char** argv) {
  google::InitGoogleLogging(argv[0]);
  return seam::cli::Main(argc, argv);
}
