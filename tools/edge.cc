// `seam edge FILE --connect ENDPOINT --policy NAME [--monitor NAME...]
// [--link PROFILE|trace:FILE] [--input DIR | --synthetic N] [--rate Q]
// [--output DIR] [--json]`: the edge process of a split (DADS Algorithm 3).
// Profiles this device, asks the server for its own profile, and streams
// frames while monitors and the policy move the cut; prints every frame, and
// every re-cut with its reason. SIGHUP reloads the policy and monitor plugins
// mid-stream; plugins and plans that fail are refused and the stream goes on.
#include <glog/logging.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "plugins/monitor_host.h"
#include "plugins/plugin_library.h"
#include "plugins/policy_host.h"
#include "seam/exit_graph.h"
#include "tools/arg_parser.h"
#include "tools/cli_common.h"
#include "tools/json_writer.h"
#include "tools/profile_io.h"
#include "tools/session_setup.h"
#include "tools/stream/edge_stream.h"
#include "tools/stream/layer_latency.h"
#include "tools/units.h"

namespace seam::cli {
namespace {

constexpr char kCommand[] = "seam edge";
// A probe holds the link while it runs: bounded, so frames queued behind a
// probe to a dead server still reach their own timeout and fall back.
constexpr uint32_t kProbeTimeoutMs = 2000;

// Set by SIGHUP; the planner thread picks it up (Reloader). The handler does
// nothing else: loading a plugin is far from async-signal-safe.
std::atomic<bool> g_reload{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the SIGHUP flag must be lock-free");

void OnHangup(int) { g_reload.store(true); }

// Prints frames, re-cuts and notices as text or one JSON object per line.
class Printer final : public stream::EdgeObserver {
 public:
  Printer(bool json, bool quiet) : json_(json), quiet_(quiet) {}

  void OnFrame(const stream::FrameRecord& r) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (json_ && !quiet_) {
      std::string out;
      JsonWriter w(&out, /*pretty=*/false);
      w.BeginObject();
      w.Field("event", "frame");
      w.Field("frame", static_cast<int64_t>(r.frame));
      w.Field("cut", r.cut);
      w.Field("cut_id", r.cut_id);
      w.Field("edge_nodes", static_cast<int64_t>(r.edge_nodes));
      w.Field("exit", static_cast<int64_t>(r.exit_index));
      if (r.exit_index >= 0) w.Field("exit_name", r.exit_name);
      w.Field("latency_ms", r.latency_ms);
      w.Field("edge_ms", r.edge_ms);
      w.Field("link_ms", r.link_ms);
      w.Field("server_ms", r.server_ms);
      w.Field("local_ms", r.local_ms);
      w.Field("sent_bytes", static_cast<int64_t>(r.sent_bytes));
      w.Field("fallback", static_cast<int64_t>(r.fallback ? 1 : 0));
      if (r.fallback) w.Field("fallback_reason", r.fallback_reason);
      w.Field("verified", static_cast<int64_t>(r.verified));
      w.EndObject();
      std::printf("%s\n", out.c_str());
    } else if (!quiet_) {
      // The cut label names the exit a frame takes (", exit NAME").
      std::printf("frame %5lld  %-40s %9.2f ms", static_cast<long long>(r.frame), r.cut.c_str(),
                  r.latency_ms);
      if (r.fallback) {
        std::printf("  finished locally (%s)", r.fallback_reason.c_str());
      } else if (r.sent_bytes > 0) {
        std::printf("  [edge %.1f + link %.1f + server %.1f]", r.edge_ms, r.link_ms, r.server_ms);
      }
      if (r.verified == 0) std::printf("  OUTPUT DIFFERS FROM THE FULL RUN");
      std::printf("\n");
    }
    std::fflush(stdout);
  }

  void OnRecut(int64_t next_frame, const stream::RecutEvent& e) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (json_) {
      std::string out;
      JsonWriter w(&out, /*pretty=*/false);
      w.BeginObject();
      w.Field("event", "recut");
      w.Field("from_frame", static_cast<int64_t>(next_frame));
      w.Field("from", e.from);
      w.Field("to", e.to);
      w.Field("reason", e.reason);
      w.Field("bandwidth_bps", e.conditions.bandwidth_bps);
      w.Field("rtt_ms", e.conditions.rtt_ms);
      w.Field("predicted_ms", e.predicted_ms);
      w.EndObject();
      std::printf("%s\n", out.c_str());
    } else {
      std::printf("re-cut from frame %lld: %s -> %s (%s; predicted %.1f ms)\n",
                  static_cast<long long>(next_frame), e.from.c_str(), e.to.c_str(),
                  e.reason.c_str(), e.predicted_ms);
    }
    std::fflush(stdout);
  }

  void OnPlanRefused(int64_t next_frame, const std::string& kept, const Status& why) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (json_) {
      std::string out;
      JsonWriter w(&out, /*pretty=*/false);
      w.BeginObject();
      w.Field("event", "plan_refused");
      w.Field("from_frame", static_cast<int64_t>(next_frame));
      w.Field("kept", kept);
      w.Field("reason", why.ToString());
      w.EndObject();
      std::printf("%s\n", out.c_str());
    } else {
      std::printf("plan refused at frame %lld, keeping %s: %s\n",
                  static_cast<long long>(next_frame), kept.c_str(), why.ToString().c_str());
    }
    std::fflush(stdout);
  }

  // A plugin reloaded on SIGHUP: `kind` "policy" or "monitor", `name` as
  // given on the command line, `file` the library it came from.
  void OnReload(const std::string& kind, const std::string& name, const std::string& file,
                const seam_plugin_info& info) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (json_) {
      std::string out;
      JsonWriter w(&out, /*pretty=*/false);
      w.BeginObject();
      w.Field("event", "reload");
      w.Field("kind", kind);
      w.Field("name", name);
      w.Field("file", file);
      w.Field("plugin", info.name);
      w.Field("version", info.version != nullptr ? info.version : "");
      w.EndObject();
      std::printf("%s\n", out.c_str());
    } else {
      std::printf("reloaded %s %s from %s (%s %s)\n", kind.c_str(), name.c_str(), file.c_str(),
                  info.name, info.version != nullptr ? info.version : "");
    }
    std::fflush(stdout);
  }

  // A reload that failed; `kept` names the plugin still running.
  void OnReloadRefused(const std::string& kind, const std::string& name, const std::string& file,
                       const std::string& kept, const Status& why) {
    // Also logged: a refused reload is an operator's mistake worth a warning
    // on stderr even when stdout goes to a JSON consumer.
    LOG(WARNING) << "reload of " << kind << " '" << name << "' from " << file
                 << " refused, keeping the running " << kept << ": " << why.ToString();
    std::lock_guard<std::mutex> lock(mutex_);
    if (json_) {
      std::string out;
      JsonWriter w(&out, /*pretty=*/false);
      w.BeginObject();
      w.Field("event", "reload_refused");
      w.Field("kind", kind);
      w.Field("name", name);
      w.Field("file", file);
      w.Field("kept", kept);
      w.Field("reason", why.ToString());
      w.EndObject();
      std::printf("%s\n", out.c_str());
    } else {
      std::printf("reload of %s %s from %s refused, keeping the running %s: %s\n", kind.c_str(),
                  name.c_str(), file.c_str(), kept.c_str(), why.ToString().c_str());
    }
    std::fflush(stdout);
  }

  void OnNotice(const std::string& message) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (json_) {
      std::string out;
      JsonWriter w(&out, /*pretty=*/false);
      w.BeginObject();
      w.Field("event", "notice");
      w.Field("message", message);
      w.EndObject();
      std::printf("%s\n", out.c_str());
    } else {
      std::printf("note: %s\n", message.c_str());
    }
    std::fflush(stdout);
  }

 private:
  std::mutex mutex_;
  bool json_, quiet_;
};

// "bandwidth:mode=both,large=32KiB" -> name and config.
Status ParseMonitorSpec(const std::string& spec, std::string* name,
                        std::vector<std::pair<std::string, std::string>>* config) {
  const size_t colon = spec.find(':');
  *name = spec.substr(0, colon);
  if (name->empty()) return InvalidArgument("--monitor needs a name, as NAME[:KEY=VALUE,...]");
  std::vector<std::string> entries;
  if (colon != std::string::npos) {
    std::string rest = spec.substr(colon + 1);
    size_t start = 0;
    while (start <= rest.size()) {
      const size_t comma = rest.find(',', start);
      entries.push_back(
          rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return ParsePluginConfig(entries, config);
}

// One --monitor argument, parsed.
struct MonitorSpec {
  std::string name;
  std::vector<std::pair<std::string, std::string>> config;
};

// Reloads the policy and monitor plugins by the names given on the command
// line when SIGHUP has set g_reload. Runs on the planner thread (the stream's
// `reload` hook), so frames keep flowing while a library loads; the planner
// swaps the policy under its lock and the next frame to start takes the new
// cut. Each plugin is loaded and created in full before it replaces the
// running one: a file that fails (no such plugin, wrong ABI, no entry point,
// create() fails) is refused and the running plugin stays.
class Reloader {
 public:
  Reloader(std::string policy_name, std::vector<std::pair<std::string, std::string>> policy_config,
           std::vector<MonitorSpec> monitors, stream::EdgePlanner* planner, MonitorSet* monitor_set,
           Printer* printer)
      : policy_name_(std::move(policy_name)),
        policy_config_(std::move(policy_config)),
        monitors_(std::move(monitors)),
        planner_(planner),
        monitor_set_(monitor_set),
        printer_(printer) {}

  // True when a reload was asked for (whether or not anything loaded).
  bool operator()() {
    if (!g_reload.exchange(false)) return false;
    ReloadPolicy();
    for (size_t i = 0; i < monitors_.size(); ++i) ReloadMonitor(i);
    return true;
  }

 private:
  void ReloadPolicy() {
    std::string file;
    std::shared_ptr<Policy> policy;
    // Resolved once, then loaded by that path: the event names the file
    // that was actually tried.
    Status s = PluginLibrary::Resolve(policy_name_, SEAM_PLUGIN_KIND_POLICY, &file);
    if (s.ok()) s = Policy::Load(file, policy_config_, &policy);
    if (!s.ok()) {
      printer_->OnReloadRefused("policy", policy_name_, file.empty() ? "(no such file)" : file,
                                "policy '" + planner_->policy()->name() + "'", s);
      return;
    }
    printer_->OnReload("policy", policy_name_, file, policy->library().info());
    planner_->SetPolicy(policy, "policy " + policy_name_ + " reloaded (" + policy->name() + ")");
  }

  void ReloadMonitor(size_t i) {
    const MonitorSpec& spec = monitors_[i];
    std::string file;
    std::shared_ptr<Monitor> monitor;
    Status s = PluginLibrary::Resolve(spec.name, SEAM_PLUGIN_KIND_MONITOR, &file);
    if (s.ok()) s = Monitor::Load(file, spec.config, &monitor);
    if (!s.ok()) {
      printer_->OnReloadRefused("monitor", spec.name, file.empty() ? "(no such file)" : file,
                                "monitor", s);
      return;
    }
    printer_->OnReload("monitor", spec.name, file, monitor->library().info());
    monitor_set_->ReplaceAt(i, std::move(monitor));
  }

  std::string policy_name_;
  std::vector<std::pair<std::string, std::string>> policy_config_;
  std::vector<MonitorSpec> monitors_;
  stream::EdgePlanner* planner_;
  MonitorSet* monitor_set_;
  Printer* printer_;
};

// Waits for the server's hello, retrying until `wait_ms` has passed.
Status WaitForServer(stream::EdgeLink* link, const Model& model, double wait_ms,
                     stream::ServerInfo* info) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double, std::milli>(wait_ms);
  Status s;
  do {
    const double left_ms =
        std::chrono::duration<double, std::milli>(deadline - std::chrono::steady_clock::now())
            .count();
    s = link->Hello(model.graph().nodes.size(),
                    static_cast<uint32_t>(std::clamp(left_ms, 100.0, 2000.0)), info);
    if (s.ok()) break;
    if (s.code() != StatusCode::kTimeout && s.code() != StatusCode::kIo) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (std::chrono::steady_clock::now() < deadline);
  if (!s.ok())
    return Status(s.code(),
                  "no answer from the server at " + link->description() + ": " + s.message());
  if (info->model_hash != model.content_hash()) {
    return InvalidArgument("model hash mismatch: this edge runs model " +
                           ContentHashHex(model.content_hash()) + ", the server serves " +
                           ContentHashHex(info->model_hash) +
                           " (both ends need the same .seam file)");
  }
  return Status::Ok();
}

}  // namespace

int EdgeMain(const std::vector<std::string>& args) {
  std::string model_path, endpoint, policy_name, link_spec, input_dir, output_dir, backend = "auto";
  std::string rate_text = "0", deadline_text = "0", budget_text = "0", edge_profile, curve_secret,
              server_key;
  std::string wait_text = "30s";
  std::vector<std::string> monitor_specs, policy_options, transport_options;
  int64_t synthetic = 0, threads = 1, replan_ms = 250, timeout_ms = 1000, max_timeout_ms = 60000;
  std::string slowdown_text = "1";
  bool json = false, verbose = false, verify = false, quiet = false;
  ArgParser parser(
      kCommand,
      "Stream frames through a model split with a server: the edge runs the first layers, "
      "sends the boundary tensors, and the cut follows the measured link.");
  parser.AddPositional("FILE", "the .seam model file (the same file the server serves)",
                       &model_path);
  parser.AddString("connect", 'c', "ENDPOINT", "the server: tcp://HOST:PORT or ipc://PATH",
                   &endpoint);
  parser.AddString(
      "policy", 'p', "NAME",
      "partition policy plugin (dads-light, dads-heavy, neurosurgeon, dsccs, edgent, measured, "
      "edge-only, server-only) or a .so path",
      &policy_name);
  parser.AddRepeated("policy-opt", 0, "KEY=VALUE", "option passed to the policy plugin",
                     &policy_options);
  parser.AddRepeated(
      "monitor", 'm', "NAME[:K=V,...]",
      "monitor plugin, repeatable (default: bandwidth:mode=both,large=32KiB and rtt:samples=1)",
      &monitor_specs);
  parser.AddString(
      "link", 'l', "PROFILE|trace:FILE",
      "emulate the link: cat1, 3g, 4g, wifi, 10mbit, 25mbit, 37.5mbit, 50mbit, or a trace file",
      &link_spec);
  parser.AddString("input", 'i', "DIR", "frames: the .npy/.f32 files of DIR in name order",
                   &input_dir);
  parser.AddInt("synthetic", 'n', "N", "frames: N synthetic frames", &synthetic, 1, 1000000000);
  parser.AddString("rate", 'r', "Q", "frames per second to release (0 = as fast as possible)",
                   &rate_text);
  parser.AddString("output", 'o', "DIR", "write each frame's outputs as DIR/frame_NNNNNN.npy",
                   &output_dir);
  parser.AddString("backend", 'b', "NAME", BackendFlagHelp(), &backend);
  parser.AddInt("threads", 't', "N", "threads for the edge's sessions", &threads, 0, 256);
  parser.AddString("edge-profile", 0, "P",
                   "use this profile (seam profile -o) instead of measuring at start",
                   &edge_profile);
  parser.AddString(
      "edge-slowdown", 0, "F",
      "emulate an edge device F times slower than this machine (sleeps after edge compute)",
      &slowdown_text);
  parser.AddString("deadline", 0, "T", "latency requirement per frame (Edgent)", &deadline_text);
  parser.AddString("budget", 0, "T", "server time allowed per frame (DSCCS)", &budget_text);
  parser.AddInt("replan-ms", 0, "MS", "how often monitors are sampled and the policy asked",
                &replan_ms, 10, 600000);
  parser.AddInt("timeout-ms", 0, "MS",
                "least time a frame waits for the server before finishing locally", &timeout_ms, 10,
                600000);
  parser.AddInt(
      "max-timeout-ms", 0, "MS",
      "most time a frame waits for the server (the wait grows with the predicted transfer)",
      &max_timeout_ms, 10, 3600000);
  parser.AddString("wait", 0, "T", "how long to wait for the server at start", &wait_text);
  parser.AddString("curve-secret", 0, "FILE", "this edge's CURVE secret key file (seam keygen)",
                   &curve_secret);
  parser.AddString("server-key", 0, "FILE", "the server's CURVE public key file", &server_key);
  parser.AddRepeated("transport-opt", 0, "KEY=VALUE",
                     "option for the zeromq transport (docs/transport.md)", &transport_options);
  parser.AddBool("verify", 0, "check every output against a local full run (bit for bit)", &verify);
  parser.AddBool("quiet", 'q', "print re-cuts and the summary, not every frame", &quiet);
  parser.AddBool("json", 0, "print one JSON object per line (frames, re-cuts, summary)", &json);
  parser.AddBool("verbose", 'v', "log at INFO level", &verbose);
  parser.SetEpilog(
      "Reload: SIGHUP makes the edge load its policy and monitor plugins again, by the\n"
      "names given here, from the plugin search path ($SEAM_PLUGIN_PATH first), while\n"
      "frames keep flowing; the next frame takes the new policy's cut. A plugin that\n"
      "fails to load (not found, wrong ABI, no entry point, create() fails) is refused\n"
      "with a warning naming the file, and the running one stays. A plan the policy\n"
      "fails to make, or that is not a valid cut, is refused and the stream keeps its\n"
      "cut. --json reports them as reload, reload_refused and plan_refused events.\n\n"
      "Example:\n"
      "  seam serve r18.seam --bind tcp://127.0.0.1:5555 &\n"
      "  seam edge r18.seam --connect tcp://127.0.0.1:5555 --policy dads-light --link 4g "
      "--synthetic 100");
  int code = kExitOk;
  if (!parser.ParseOrReport(args, &code)) return code;
  if (verbose) SetVerbose(true);
  {
    // From here on a SIGHUP only asks for a reload (never the default
    // termination), even while the edge is still profiling or connecting:
    // the stream acts on it once it runs. SA_RESTART: threads blocked in a
    // system call when it lands carry on.
    struct sigaction action {};
    action.sa_handler = OnHangup;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGHUP, &action, nullptr);
  }
  if (endpoint.empty() || policy_name.empty()) {
    std::fprintf(stderr, "%s: --connect and --policy are required\n", kCommand);
    return kExitUsage;
  }
  if ((synthetic > 0) == !input_dir.empty()) {
    std::fprintf(stderr, "%s: give exactly one of --input DIR and --synthetic N\n", kCommand);
    return kExitUsage;
  }
  if (curve_secret.empty() != server_key.empty()) {
    std::fprintf(stderr, "%s: --curve-secret and --server-key go together\n", kCommand);
    return kExitUsage;
  }
  stream::PlannerOptions planner_options;
  stream::EdgeStreamOptions stream_options;
  double wait_ms = 0;
  Status status = ParseDurationMs(deadline_text, &planner_options.base.deadline_ms);
  if (status.ok()) status = ParseDurationMs(budget_text, &planner_options.base.server_budget_ms);
  if (status.ok()) status = ParseDurationMs(wait_text, &wait_ms);
  if (status.ok()) {
    char* end = nullptr;
    stream_options.rate = std::strtod(rate_text.c_str(), &end);
    if (*end != '\0' || !(stream_options.rate >= 0)) {
      status = InvalidArgument("--rate wants frames per second, got '" + rate_text + "'");
    }
    stream_options.edge_slowdown = std::strtod(slowdown_text.c_str(), &end);
    if (status.ok() && (*end != '\0' || !(stream_options.edge_slowdown >= 1) ||
                        stream_options.edge_slowdown > 1e4)) {
      status = InvalidArgument("--edge-slowdown wants a factor >= 1, got '" + slowdown_text + "'");
    }
  }
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n", kCommand, status.message().c_str());
    return kExitUsage;
  }
  planner_options.base.frame_rate = stream_options.rate;
  stream_options.output_dir = output_dir;
  stream_options.verify = verify;
  stream_options.replan_interval_ms = static_cast<double>(replan_ms);
  stream_options.min_timeout_ms = static_cast<uint32_t>(timeout_ms);
  stream_options.max_timeout_ms = static_cast<uint32_t>(std::max(timeout_ms, max_timeout_ms));

  std::unique_ptr<Model> model;
  status = LoadModel(model_path, &model);
  if (!status.ok()) return ReportError(kCommand, status);
  const Graph& g = model->graph();
  SessionOptions session_options;
  status = MakeSessionOptions(g, backend, static_cast<int>(threads), false, &session_options);
  if (!status.ok()) return ReportError(kCommand, status);
  // Early exits a policy may choose (Edgent): one sub-graph each.
  std::vector<ExitGraph> exits(g.exits.size());
  for (size_t e = 0; e < g.exits.size() && status.ok(); ++e) {
    status = MakeExitGraph(g, static_cast<int>(e), &exits[e]);
  }
  if (!status.ok()) return ReportError(kCommand, status);

  // The policy before the slow part of start-up (profiling, waiting for the
  // server): a plugin that cannot load fails the command at once.
  std::vector<std::pair<std::string, std::string>> policy_config;
  status = ParsePluginConfig(policy_options, &policy_config);
  std::shared_ptr<Policy> policy;
  if (status.ok()) status = Policy::Load(policy_name, policy_config, &policy);
  if (!status.ok()) return ReportError(kCommand, status);
  if (monitor_specs.empty()) monitor_specs = {"bandwidth:mode=both,large=32KiB", "rtt:samples=1"};

  std::unique_ptr<stream::FrameSource> source;
  const Shape in_shape = g.tensors[g.inputs[0]].shape;
  if (synthetic > 0) {
    source = stream::MakeSyntheticSource(synthetic, in_shape);
  } else {
    status = stream::MakeDirectorySource(input_dir, in_shape, g.tensors[g.inputs[0]].name, &source);
    if (!status.ok()) return ReportError(kCommand, status);
  }

  // Profile before the first request: an emulated link's trace starts with it.
  std::vector<double> edge_ms;
  if (edge_profile.empty()) {
    status = stream::MeasureLayerLatency(*model, session_options, /*runs=*/5, &edge_ms);
  } else {
    ProfileDocument doc;
    int predicted = 0;
    status = ReadProfileFile(edge_profile, &doc);
    if (status.ok())
      status = NodeLatencies(doc, g, static_cast<int>(threads), false, &edge_ms, &predicted);
  }
  if (!status.ok()) return ReportError(kCommand, status);
  for (double& ms : edge_ms) ms *= stream_options.edge_slowdown;

  // Link first: monitors need its probe when they are created.
  stream::LinkOptions link_options;
  link_options.endpoint = endpoint;
  link_options.emulate = link_spec;
  status = ParsePluginConfig(transport_options, &link_options.transport_config);
  if (!status.ok()) return ReportError(kCommand, status);
  if (!curve_secret.empty()) {
    link_options.transport_config.push_back({"curve_secret_file", curve_secret});
    link_options.transport_config.push_back({"curve_server_key_file", server_key});
  }
  std::unique_ptr<stream::EdgeLink> link;
  status = stream::EdgeLink::Open(link_options, &link);
  if (!status.ok()) return ReportError(kCommand, status);
  stream::EdgeLink* link_ptr = link.get();
  DefaultPluginHost()->SetProbe([link_ptr](uint64_t bytes, double* seconds) {
    return link_ptr->Probe(bytes, kProbeTimeoutMs, seconds);
  });

  stream::ServerInfo server;
  status = WaitForServer(link.get(), *model, wait_ms, &server);
  if (!status.ok()) return ReportError(kCommand, status);

  MonitorSet monitors;
  std::vector<MonitorSpec> monitor_list;  // what a reload loads again
  for (const std::string& text : monitor_specs) {
    MonitorSpec spec;
    status = ParseMonitorSpec(text, &spec.name, &spec.config);
    std::shared_ptr<Monitor> monitor;
    if (status.ok()) status = Monitor::Load(spec.name, spec.config, &monitor);
    if (!status.ok()) return ReportError(kCommand, status);
    monitors.Add(monitor);
    monitor_list.push_back(std::move(spec));
  }

  std::unique_ptr<stream::EdgePlanner> planner;
  status = stream::EdgePlanner::Create(g, &exits, policy, &monitors, edge_ms, server.node_ms,
                                       planner_options, &planner);
  if (!status.ok()) return ReportError(kCommand, status);
  Printer printer(json, quiet);
  {
    stream::RecutEvent first;
    Status problem, refused;
    if (!planner->Replan(&first, &problem, &refused)) {
      // No cut to fall back on yet: a refused first plan ends the command.
      return ReportError(kCommand, !refused.ok()   ? refused
                                   : !problem.ok() ? problem
                                                   : Internal("no initial plan"));
    }
    if (!problem.ok()) printer.OnNotice("monitors: " + problem.ToString());
    if (!json) {
      std::printf("edge: %s, policy %s, server %s (backend %s, %u worker(s))\n", model_path.c_str(),
                  policy->name().c_str(), link->description().c_str(), server.backend.c_str(),
                  server.workers);
    }
    printer.OnRecut(0, first);
  }

  auto sessions = [&](const Graph& graph, std::unique_ptr<Session>* out) {
    if (&graph == &g) return Session::Create(*model, session_options, out);
    SessionOptions exit_options;  // an exit's sub-graph: a backend of its own
    SEAM_RETURN_IF_ERROR(
        MakeSessionOptions(graph, backend, static_cast<int>(threads), false, &exit_options));
    return Session::Create(graph, exit_options, out);
  };
  Reloader reloader(policy_name, policy_config, monitor_list, planner.get(), &monitors, &printer);
  stream_options.reload = [&reloader] { return reloader(); };
  stream::EdgeStream stream(*model, sessions, link.get(), planner.get(), &monitors, source.get(),
                            stream_options, &printer);
  stream::EdgeSummary summary;
  status = stream.Run(&summary);
  DefaultPluginHost()->SetProbe(nullptr);
  if (json) {
    std::string out;
    JsonWriter w(&out, /*pretty=*/false);
    w.BeginObject();
    w.Field("event", "summary");
    w.Field("frames", summary.frames);
    w.Field("expected_frames", static_cast<int64_t>(source->size()));
    w.Field("lost", static_cast<int64_t>(source->size() - summary.frames));
    w.Field("fallbacks", summary.fallbacks);
    w.Field("exit_frames", summary.exit_frames);
    w.Field("recuts", summary.recuts);
    w.Field("plans_refused", summary.plans_refused);
    w.Field("verified", summary.verified);
    w.Field("mismatches", summary.mismatches);
    w.Field("median_ms", summary.median_ms);
    w.Field("p90_ms", summary.p90_ms);
    w.Field("wall_s", summary.wall_s);
    w.Field("frames_per_s",
            summary.wall_s > 0 ? static_cast<double>(summary.frames) / summary.wall_s : 0.0);
    if (!status.ok()) w.Field("error", status.ToString());
    w.EndObject();
    std::printf("%s\n", out.c_str());
  } else {
    std::printf(
        "%lld of %lld frame(s) done, %lld lost; median %.2f ms, p90 %.2f ms; %lld re-cut(s), %lld "
        "finished "
        "locally after a failure; %.1f frames/s\n",
        static_cast<long long>(summary.frames), static_cast<long long>(source->size()),
        static_cast<long long>(source->size() - summary.frames), summary.median_ms, summary.p90_ms,
        static_cast<long long>(summary.recuts), static_cast<long long>(summary.fallbacks),
        summary.wall_s > 0 ? static_cast<double>(summary.frames) / summary.wall_s : 0.0);
    if (summary.plans_refused > 0) {
      std::printf("%lld plan(s) refused; the stream kept its cut\n",
                  static_cast<long long>(summary.plans_refused));
    }
    if (summary.exit_frames > 0) {
      std::printf("%lld frame(s) took an early exit\n",
                  static_cast<long long>(summary.exit_frames));
    }
    if (verify) {
      std::printf(
          "verified %lld output(s) against a local run of the same model or exit: %lld "
          "differ\n",
          static_cast<long long>(summary.verified), static_cast<long long>(summary.mismatches));
    }
  }
  std::fflush(stdout);
  if (!status.ok()) return ReportError(kCommand, status);
  return summary.mismatches == 0 ? kExitOk : kExitError;
}

}  // namespace seam::cli
