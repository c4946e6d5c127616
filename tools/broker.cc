// `seam broker --front ENDPOINT --back ENDPOINT [--curve-secret K --allow-keys
// DIR] [--json]`: one public endpoint for several `seam serve --connect`
// processes. Edges connect to the front end exactly as to a server; servers
// connect their workers to the back end. Runs until SIGTERM or SIGINT.
//
// The broker is the zeromq transport plugin's own server role with its
// worker socket also bound on --back (transport option worker_endpoint), not
// a second ZeroMQ program: the CLI keeps reaching ZeroMQ only through the
// transport ABI (as serve and edge do), and the broker inherits the
// transport's load balancing (a request goes only to an idle worker, so a
// cheap frame never queues behind an expensive one), its limits, heartbeats
// and CURVE/ZAP front end.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "plugins/transport_host.h"
#include "tools/arg_parser.h"
#include "tools/cli_common.h"
#include "tools/json_writer.h"

namespace seam::cli {
namespace {

constexpr char kCommand[] = "seam broker";

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

}  // namespace

int BrokerMain(const std::vector<std::string>& args) {
  std::string front, back, curve_secret, allow_keys;
  std::vector<std::string> transport_options;
  bool json = false, verbose = false;
  ArgParser parser(kCommand,
                   "Put several `seam serve --connect` processes behind one public endpoint: "
                   "edges connect to --front as to a server, servers connect to --back, and "
                   "each request goes to a server worker that is idle.");
  parser.AddString("front", 0, "ENDPOINT",
                   "where edges connect: tcp://HOST:PORT or ipc://PATH (bound)", &front);
  parser.AddString("back", 0, "ENDPOINT",
                   "where `seam serve --connect` workers connect (bound; plaintext, keep it on a "
                   "private network, loopback or ipc://)",
                   &back);
  parser.AddString("curve-secret", 0, "FILE",
                   "the broker's CURVE secret key file (seam keygen): encrypts the front end",
                   &curve_secret);
  parser.AddString("allow-keys", 0, "DIR",
                   "directory of edge public keys allowed in (required with CURVE)", &allow_keys);
  parser.AddRepeated("transport-opt", 0, "KEY=VALUE",
                     "option for the zeromq transport (docs/transport.md)", &transport_options);
  parser.AddBool("json", 0, "print the ready and stopped lines as JSON", &json);
  parser.AddBool("verbose", 'v', "log at INFO level (the broker's counters at exit)", &verbose);
  parser.SetEpilog(
      "Example:\n"
      "  seam broker --front tcp://0.0.0.0:5555 --back tcp://10.0.0.1:5556 &\n"
      "  seam serve m.seam --connect tcp://10.0.0.1:5556 --workers 2 &   # on each server host\n"
      "  seam edge m.seam --connect tcp://broker-host:5555 --policy dads-light --synthetic 100");
  int code = kExitOk;
  if (!parser.ParseOrReport(args, &code)) return code;
  if (verbose) SetVerbose(true);
  if (front.empty() || back.empty()) {
    std::fprintf(stderr, "%s: --front and --back are both required\n", kCommand);
    return kExitUsage;
  }
  if (front == back) {
    std::fprintf(stderr, "%s: --front and --back must be different endpoints\n", kCommand);
    return kExitUsage;
  }
  if (allow_keys.empty() != curve_secret.empty()) {
    std::fprintf(stderr, "%s: --curve-secret and --allow-keys go together\n", kCommand);
    return kExitUsage;
  }
  std::vector<std::pair<std::string, std::string>> config;
  Status status = ParsePluginConfig(transport_options, &config);
  if (!status.ok()) return ReportError(kCommand, status);
  for (const auto& kv : config) {
    if (kv.first == "worker_endpoint" || kv.first == "attach") {
      std::fprintf(stderr, "%s: --transport-opt %s is set by the broker itself (use --back)\n",
                   kCommand, kv.first.c_str());
      return kExitUsage;
    }
  }
  config.push_back({"worker_endpoint", back});
  if (!curve_secret.empty()) {
    config.push_back({"curve_secret_file", curve_secret});
    config.push_back({"allow_keys_dir", allow_keys});
  }
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  {
    std::shared_ptr<Transport> transport;
    status = Transport::Load("zeromq", config, &transport);
    if (!status.ok()) return ReportError(kCommand, status);
    TransportServer server(transport);
    status = server.Bind(front);
    if (!status.ok()) return ReportError(kCommand, status);
    if (json) {
      std::string out;
      JsonWriter w(&out, /*pretty=*/false);
      w.BeginObject();
      w.Field("event", "ready");
      w.Field("front", front);
      w.Field("back", back);
      w.Field("curve", static_cast<int64_t>(curve_secret.empty() ? 0 : 1));
      w.EndObject();
      std::printf("%s\n", out.c_str());
    } else {
      std::printf("broker: edges connect to %s, servers to %s%s\n", front.c_str(), back.c_str(),
                  curve_secret.empty() ? "" : " (front end CURVE)");
    }
    std::fflush(stdout);
    // The transport's proxy thread does the work; this thread only waits.
    while (!g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }  // the transport stops its proxy and closes both ends here
  if (json) {
    std::printf("{\"event\":\"stopped\"}\n");
  } else {
    std::printf("broker stopped\n");
  }
  return kExitOk;
}

}  // namespace seam::cli
