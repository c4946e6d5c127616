// `seam serve FILE --bind ENDPOINT [--workers N] [--backend X] [--threads N]
// [--curve-secret K --allow-keys DIR] [--json]`: the server process of a
// split. Loads the model once, serves every edge that connects, and shuts
// down cleanly on SIGTERM or SIGINT. With `--connect ENDPOINT` instead of
// --bind, its workers join a `seam broker`'s back end (tools/broker.cc), so
// several servers share the broker's one public endpoint.
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "plugins/plugin_library.h"
#include "tools/arg_parser.h"
#include "tools/cli_common.h"
#include "tools/json_writer.h"
#include "tools/session_setup.h"
#include "tools/stream/stream_server.h"

namespace seam::cli {
namespace {

constexpr char kCommand[] = "seam serve";

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

}  // namespace

int ServeMain(const std::vector<std::string>& args) {
  std::string model_path, endpoint, connect, backend = "auto", curve_secret, allow_keys;
  std::vector<std::string> transport_options;
  int64_t workers = 2, threads = 1, profile_runs = 5, max_cut_plans = 32;
  bool json = false, verbose = false;
  ArgParser parser(kCommand,
                   "Serve the server half of split inference: edges send the boundary tensors of "
                   "their cut, the server runs the rest and replies with the outputs.");
  parser.AddPositional("FILE", "the .seam model file", &model_path);
  parser.AddString("bind", 0, "ENDPOINT", "where to listen: tcp://HOST:PORT or ipc://PATH",
                   &endpoint);
  parser.AddString("connect", 0, "ENDPOINT",
                   "instead of --bind: join a `seam broker`'s back end (its --back endpoint)",
                   &connect);
  parser.AddInt("workers", 'w', "N", "worker threads, each with its own session", &workers, 1, 256);
  parser.AddString("backend", 'b', "NAME", BackendFlagHelp(), &backend);
  parser.AddInt("threads", 't', "N", "threads per worker's session", &threads, 0, 256);
  parser.AddInt("max-cut-plans", 0, "N",
                "cuts whose plans each worker keeps (least recently used dropped); bounds the "
                "memory edges can make the server spend by naming many cuts",
                &max_cut_plans, 1, 4096);
  parser.AddInt("profile-runs", 0, "N", "runs per layer of the start-up latency profile",
                &profile_runs, 1, 1000);
  parser.AddString("curve-secret", 0, "FILE",
                   "this server's CURVE secret key file (seam keygen): encrypts", &curve_secret);
  parser.AddString("allow-keys", 0, "DIR",
                   "directory of edge public keys allowed in (required with CURVE)", &allow_keys);
  parser.AddRepeated("transport-opt", 0, "KEY=VALUE",
                     "option for the zeromq transport (docs/transport.md)", &transport_options);
  parser.AddBool("json", 0, "print the ready line and the final counters as JSON", &json);
  parser.AddBool("verbose", 'v', "log at INFO level", &verbose);
  parser.SetEpilog(
      "Example:\n"
      "  seam serve r18.seam --bind tcp://127.0.0.1:5555 --workers 2\n"
      "  seam serve r18.seam --bind tcp://0.0.0.0:5555 --curve-secret server.key_secret "
      "--allow-keys edges/\n"
      "  seam serve r18.seam --connect tcp://broker:5556 --workers 2   # behind `seam broker`");
  int code = kExitOk;
  if (!parser.ParseOrReport(args, &code)) return code;
  if (verbose) SetVerbose(true);
  if (endpoint.empty() == connect.empty()) {
    std::fprintf(stderr,
                 "%s: give exactly one of --bind ENDPOINT (listen for edges) and --connect "
                 "ENDPOINT (join a seam broker)\n",
                 kCommand);
    return kExitUsage;
  }
  if (allow_keys.empty() != curve_secret.empty()) {
    std::fprintf(stderr, "%s: --curve-secret and --allow-keys go together\n", kCommand);
    return kExitUsage;
  }
  if (!connect.empty() && !curve_secret.empty()) {
    std::fprintf(stderr,
                 "%s: with --connect, CURVE belongs on the broker's front end (seam broker "
                 "--curve-secret --allow-keys)\n",
                 kCommand);
    return kExitUsage;
  }
  const bool attach = !connect.empty();
  if (attach) endpoint = connect;
  stream::ServeOptions options;
  options.endpoint = endpoint;
  options.workers = static_cast<int>(workers);
  options.profile_runs = static_cast<int>(profile_runs);
  Status status = ParsePluginConfig(transport_options, &options.transport_config);
  if (!status.ok()) return ReportError(kCommand, status);
  // The zeromq transport's workers then connect to the broker instead of
  // binding (docs/transport.md, attach).
  if (attach) options.transport_config.push_back({"attach", "1"});
  if (!curve_secret.empty()) {
    options.transport_config.push_back({"curve_secret_file", curve_secret});
    options.transport_config.push_back({"allow_keys_dir", allow_keys});
  }
  std::unique_ptr<Model> model;
  status = LoadModel(model_path, &model);
  if (!status.ok()) return ReportError(kCommand, status);
  auto factory = [&](const Graph& graph, SessionOptions* out) {
    SEAM_RETURN_IF_ERROR(MakeSessionOptions(graph, backend, static_cast<int>(threads), false, out));
    out->max_cut_plans = static_cast<size_t>(max_cut_plans);
    return Status::Ok();
  };
  options.on_ready = [&](const stream::ServerInfo& info) {
    if (json) {
      std::string out;
      JsonWriter w(&out, /*pretty=*/false);
      w.BeginObject();
      w.Field("event", "ready");
      w.Field("endpoint", endpoint);
      w.Field("mode", attach ? "connect" : "bind");
      w.Field("model", model_path);
      w.Field("model_hash", ContentHashHex(info.model_hash));
      w.Field("backend", info.backend);
      w.Field("workers", static_cast<int64_t>(info.workers));
      w.EndObject();
      std::printf("%s\n", out.c_str());
    } else {
      double total = 0;
      for (double ms : info.node_ms) total += ms;
      std::printf(
          "serving %s (model %s) %s %s: %u worker(s), backend %s, %.2f ms per frame measured\n",
          model_path.c_str(), ContentHashHex(info.model_hash).substr(0, 12).c_str(),
          attach ? "through the broker at" : "on", endpoint.c_str(), info.workers,
          info.backend.c_str(), total);
    }
    std::fflush(stdout);
  };
  std::unique_ptr<stream::StreamServer> server;
  status = stream::StreamServer::Create(*model, options, factory, &server);
  if (!status.ok()) return ReportError(kCommand, status);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  status = server->Serve(g_stop);
  if (!status.ok()) return ReportError(kCommand, status);
  const stream::ServeCounters& c = server->counters();
  if (json) {
    std::string out;
    JsonWriter w(&out, /*pretty=*/false);
    w.BeginObject();
    w.Field("event", "stopped");
    w.Field("frames", static_cast<uint64_t>(c.frames.load()));
    w.Field("exit_frames", static_cast<uint64_t>(c.exit_frames.load()));
    w.Field("refused", static_cast<uint64_t>(c.refused.load()));
    w.Field("hellos", static_cast<uint64_t>(c.hellos.load()));
    w.Field("probes", static_cast<uint64_t>(c.probes.load()));
    w.Field("compute_ms", static_cast<double>(c.compute_micros.load()) / 1000.0);
    w.EndObject();
    std::printf("%s\n", out.c_str());
  } else {
    std::printf(
        "stopped: %llu frame(s) served (%llu at an early exit), %llu refused, %llu hello(s), "
        "%llu probe(s)\n",
        static_cast<unsigned long long>(c.frames.load()),
        static_cast<unsigned long long>(c.exit_frames.load()),
        static_cast<unsigned long long>(c.refused.load()),
        static_cast<unsigned long long>(c.hellos.load()),
        static_cast<unsigned long long>(c.probes.load()));
  }
  return kExitOk;
}

}  // namespace seam::cli
