// `seam plan FILE --policy NAME --edge-profile P --server-profile P
// --bandwidth 5.85Mbit [--rtt 30ms] [--rate Q] [--deadline 100ms]
// [--budget 50ms] [--json]`: asks a partition-policy plugin where to cut,
// and prints the cut, the predicted times and the bytes that cross.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "plugins/plugin_library.h"
#include "plugins/policy_host.h"
#include "tools/arg_parser.h"
#include "tools/cli_common.h"
#include "tools/json_writer.h"
#include "tools/profile_io.h"
#include "tools/units.h"

namespace seam::cli {
namespace {

constexpr char kCommand[] = "seam plan";

const char* ModeName(uint32_t mode) {
  switch (mode) {
    case SEAM_POLICY_MODE_LIGHT:
      return "light";
    case SEAM_POLICY_MODE_HEAVY:
      return "heavy";
    case SEAM_POLICY_MODE_INFEASIBLE:
      return "infeasible";
  }
  return "unknown";
}

}  // namespace

int PlanMain(const std::vector<std::string>& args) {
  std::string model_path, policy_name, edge_profile, server_profile, bandwidth_text;
  std::string rtt_text = "0", deadline_text = "0", budget_text = "0", rate_text = "0";
  std::vector<std::string> policy_options;
  int64_t edge_threads = 1, server_threads = 2;
  bool predicted = false, json = false, verbose = false;
  ArgParser parser(kCommand,
                   "Ask a partition policy where to split a model between the edge and the server, "
                   "from per-layer profiles of both devices and the link's bandwidth and RTT.");
  parser.AddPositional("FILE", "the .seam model file", &model_path);
  parser.AddString("policy", 'p', "NAME",
                   "policy plugin name or .so path (e.g. dads-light, neurosurgeon, dads-heavy, "
                   "dsccs, edgent, measured, edge-only, server-only)",
                   &policy_name);
  parser.AddRepeated("policy-opt", 0, "KEY=VALUE", "option passed to the policy plugin",
                     &policy_options);
  parser.AddString("edge-profile", 0, "P", "profile of the edge device (seam profile -o)",
                   &edge_profile);
  parser.AddString("server-profile", 0, "P", "profile of the server", &server_profile);
  parser.AddInt("edge-threads", 0, "N", "which thread count of the edge profile to use",
                &edge_threads, 1, 256);
  parser.AddInt("server-threads", 0, "N", "which thread count of the server profile to use",
                &server_threads, 1, 256);
  parser.AddBool("predicted", 0, "use the profiles' latency predictors instead of measured times",
                 &predicted);
  parser.AddString("bandwidth", 0, "BW", "edge-to-server bandwidth, e.g. 5.85Mbit",
                   &bandwidth_text);
  parser.AddString("rtt", 0, "T", "round-trip time, e.g. 30ms", &rtt_text);
  parser.AddString("rate", 0, "Q", "frames per second the stream needs (DADS light/heavy switch)",
                   &rate_text);
  parser.AddString("deadline", 0, "T", "latency requirement per frame (Edgent)", &deadline_text);
  parser.AddString("budget", 0, "T", "server time allowed per frame (DSCCS)", &budget_text);
  parser.AddBool("json", 0, "print JSON", &json);
  parser.AddBool("verbose", 'v', "log at INFO level", &verbose);
  parser.SetEpilog(
      "Example:\n"
      "  seam plan r18.seam --policy dads-light --edge-profile edge.json --server-profile "
      "server.json \\\n"
      "      --bandwidth 5.85Mbit --rtt 30ms");
  int code = kExitOk;
  if (!parser.ParseOrReport(args, &code)) return code;
  if (verbose) SetVerbose(true);
  if (policy_name.empty() || edge_profile.empty() || server_profile.empty() ||
      bandwidth_text.empty()) {
    std::fprintf(stderr,
                 "%s: --policy, --edge-profile, --server-profile and --bandwidth are required\n",
                 kCommand);
    return kExitUsage;
  }
  PlanConditions conditions;
  double rate = 0;
  Status status = ParseBandwidth(bandwidth_text, &conditions.bandwidth_bps);
  if (status.ok()) status = ParseDurationMs(rtt_text, &conditions.rtt_ms);
  if (status.ok()) status = ParseDurationMs(deadline_text, &conditions.deadline_ms);
  if (status.ok()) status = ParseDurationMs(budget_text, &conditions.server_budget_ms);
  if (status.ok()) {
    char* end = nullptr;
    rate = std::strtod(rate_text.c_str(), &end);
    if (*end != '\0' || rate < 0)
      status = InvalidArgument("--rate wants frames per second, got '" + rate_text + "'");
  }
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n", kCommand, status.message().c_str());
    return kExitUsage;
  }
  conditions.frame_rate = rate;

  std::unique_ptr<Model> model;
  status = LoadModel(model_path, &model);
  if (!status.ok()) return ReportError(kCommand, status);
  const Graph& g = model->graph();
  ProfileDocument edge_doc, server_doc;
  status = ReadProfileFile(edge_profile, &edge_doc);
  if (status.ok()) status = ReadProfileFile(server_profile, &server_doc);
  if (!status.ok()) return ReportError(kCommand, status);
  std::vector<double> edge_ms, server_ms;
  int edge_predicted = 0, server_predicted = 0;
  status = NodeLatencies(edge_doc, g, static_cast<int>(edge_threads), predicted, &edge_ms,
                         &edge_predicted);
  if (status.ok()) {
    status = NodeLatencies(server_doc, g, static_cast<int>(server_threads), predicted, &server_ms,
                           &server_predicted);
  }
  if (!status.ok()) return ReportError(kCommand, status);

  std::vector<std::pair<std::string, std::string>> config;
  status = ParsePluginConfig(policy_options, &config);
  if (!status.ok()) return ReportError(kCommand, status);
  std::shared_ptr<Policy> policy;
  status = Policy::Load(policy_name, config, &policy);
  if (!status.ok()) return ReportError(kCommand, status);
  PolicyGraph policy_graph;
  status = PolicyGraph::Build(g, edge_ms, server_ms, &policy_graph);
  if (!status.ok()) return ReportError(kCommand, status);
  PlanDecision decision;
  const auto start = std::chrono::steady_clock::now();
  status = policy->Plan(policy_graph, conditions, &decision);
  const double plan_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!status.ok()) return ReportError(kCommand, status);

  const std::vector<int> boundary = CutBoundary(g, decision.cut);
  const bool edge_only = decision.cut.edge_nodes.size() == g.nodes.size();
  if (json) {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    w.Field("model", model_path);
    w.Field("policy", decision.policy);
    w.Field("mode", ModeName(decision.mode));
    w.Field("reason", decision.reason);
    w.Field("bandwidth_bps", conditions.bandwidth_bps);
    w.Field("rtt_ms", conditions.rtt_ms);
    w.Field("edge_nodes", static_cast<int64_t>(decision.cut.edge_nodes.size()));
    w.Field("num_nodes", static_cast<int64_t>(g.nodes.size()));
    w.Field("cut_id", static_cast<uint64_t>(CutId(g, decision.cut)));
    w.Key("edge_node_names");
    w.BeginArray();
    for (int n : decision.cut.edge_nodes) w.String(g.nodes[n].name);
    w.EndArray();
    w.Key("boundary");
    w.BeginArray();
    for (int t : edge_only ? std::vector<int>{} : boundary) {
      w.BeginObject();
      w.Field("name", g.tensors[t].name);
      w.Field("bytes", static_cast<uint64_t>(g.tensors[t].byte_size()));
      w.EndObject();
    }
    w.EndArray();
    w.Field("boundary_bytes", edge_only ? int64_t{0} : decision.boundary_bytes);
    w.Field("exit_index", static_cast<int64_t>(decision.exit_index));
    w.Field("predicted_edge_ms", decision.edge_ms);
    w.Field("predicted_transfer_ms", decision.transfer_ms);
    w.Field("predicted_server_ms", decision.server_ms);
    w.Field("predicted_total_ms", decision.total_ms);
    w.Field("predicted_max_stage_ms", decision.max_stage_ms);
    w.Field("predicted_nodes", static_cast<int64_t>(edge_predicted + server_predicted));
    w.Field("planning_ms", plan_ms);
    w.EndObject();
    std::fputs(out.c_str(), stdout);
    return kExitOk;
  }
  std::printf("policy %s (%s mode): %s\n", decision.policy.c_str(), ModeName(decision.mode),
              decision.reason.c_str());
  std::printf("link: %s, rtt %s ms\n", FormatBandwidth(conditions.bandwidth_bps).c_str(),
              FormatMs(conditions.rtt_ms).c_str());
  if (decision.cut.edge_nodes.empty()) {
    std::printf("cut: server only (the input is sent)\n");
  } else if (edge_only) {
    std::printf("cut: edge only (nothing is sent)\n");
  } else {
    std::printf("cut: %zu of %zu nodes on the edge, last in schedule: %s\n",
                decision.cut.edge_nodes.size(), g.nodes.size(),
                g.nodes[decision.cut.edge_nodes.back()].name.c_str());
  }
  if (!edge_only) {
    for (int t : boundary) {
      std::printf("  sends '%s' %s (%s)\n", g.tensors[t].name.c_str(),
                  g.tensors[t].shape.ToString().c_str(),
                  HumanBytes(static_cast<double>(g.tensors[t].byte_size())).c_str());
    }
  }
  if (decision.exit_index >= 0) std::printf("early exit: %d\n", decision.exit_index);
  std::printf("predicted: edge %s ms + transfer %s ms + server %s ms = %s ms (max stage %s ms)\n",
              FormatMs(decision.edge_ms).c_str(), FormatMs(decision.transfer_ms).c_str(),
              FormatMs(decision.server_ms).c_str(), FormatMs(decision.total_ms).c_str(),
              FormatMs(decision.max_stage_ms).c_str());
  if (edge_predicted + server_predicted > 0) {
    std::printf("(%d node latencies came from the predictors)\n",
                edge_predicted + server_predicted);
  }
  std::printf("planning took %.3f ms\n", plan_ms);
  return kExitOk;
}

}  // namespace seam::cli
