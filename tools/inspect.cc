// `seam inspect FILE.seam [--json]`: loads and validates a model, then prints
// its summary (producer, description, schema version, content hash, file
// size, inputs/outputs, nodes, params, FLOPs, chain or DAG, planned activation
// arena vs the naive sum) and a per-node table.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "seam/cut.h"
#include "seam/graph.h"
#include "seam/model.h"
#include "seam/ops.h"
#include "seam/session.h"
#include "tools/arg_parser.h"
#include "tools/cli_common.h"
#include "tools/json_writer.h"
#include "tools/session_setup.h"

namespace seam::cli {
namespace {

constexpr char kCommand[] = "seam inspect";

// Shapes of a node's activation (non-constant) inputs, or its outputs.
std::vector<int> ActivationInputs(const Graph& g, const Node& node) {
  std::vector<int> out;
  for (int t : node.inputs) {
    if (t >= 0 && !g.tensors[t].is_constant()) out.push_back(t);
  }
  return out;
}

std::vector<int> PresentOutputs(const Node& node) {
  std::vector<int> out;
  for (int t : node.outputs) {
    if (t >= 0) out.push_back(t);
  }
  return out;
}

std::string JoinShapes(const Graph& g, const std::vector<int>& tensors) {
  std::string s;
  for (int t : tensors) s += (s.empty() ? "" : ", ") + g.tensors[t].shape.ToString();
  return s.empty() ? "-" : s;
}

size_t OutputBytes(const Graph& g, const Node& node) {
  size_t bytes = 0;
  for (int t : PresentOutputs(node)) bytes += g.tensors[t].byte_size();
  return bytes;
}

void WriteShape(JsonWriter* w, const Shape& shape) {
  w->BeginArray(/*single_line=*/true);
  for (int i = 0; i < shape.rank; ++i) w->Int(shape.dims[i]);
  w->EndArray();
}

void WriteTensorList(JsonWriter* w, const Graph& g, const std::vector<int32_t>& tensors) {
  w->BeginArray();
  for (int t : tensors) {
    if (t < 0) continue;
    w->BeginObject();
    w->Field("name", g.tensors[t].name);
    w->Key("shape");
    WriteShape(w, g.tensors[t].shape);
    w->Field("dtype", DataTypeName(g.tensors[t].dtype));
    w->EndObject();
  }
  w->EndArray();
}

std::string TensorListText(const Graph& g, const std::vector<int32_t>& tensors) {
  std::string s;
  for (int t : tensors) {
    if (t < 0) continue;
    if (!s.empty()) s += ", ";
    s += g.tensors[t].name + " " + g.tensors[t].shape.ToString() + " " +
         DataTypeName(g.tensors[t].dtype);
  }
  return s;
}

struct PlanInfo {
  bool ok = false;
  std::string error;
  MemoryPlanSummary plan;
};

PlanInfo PlanMemory(const Model& model) {
  PlanInfo info;
  std::unique_ptr<Session> session;
  SessionOptions options;
  options.num_threads = 1;
  const Status status = Session::Create(model, options, &session);
  if (!status.ok()) {
    info.error = status.ToString();
    return info;
  }
  info.ok = true;
  info.plan = session->memory_plan();
  return info;
}

void PrintJson(const std::string& path, const Model& model, const PlanInfo& plan) {
  const Graph& g = model.graph();
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Field("file", path);
  w.Field("file_bytes", static_cast<uint64_t>(model.file_bytes()));
  w.Field("producer", g.producer);
  w.Field("description", g.description);
  w.Field("schema_version", static_cast<int64_t>(kSchemaVersion));
  w.Field("content_hash", ContentHashHex(model.content_hash()));
  w.Key("inputs");
  WriteTensorList(&w, g, g.inputs);
  w.Key("outputs");
  WriteTensorList(&w, g, g.outputs);
  w.Field("num_nodes", static_cast<int64_t>(g.nodes.size()));
  w.Field("num_tensors", static_cast<int64_t>(g.tensors.size()));
  w.Field("params", GraphParams(g));
  w.Field("flops", GraphFlops(g));
  w.Field("topology", IsChain(g) ? "chain" : "dag");
  w.Key("memory");
  if (plan.ok) {
    w.BeginObject();
    w.Field("arena_bytes", static_cast<uint64_t>(plan.plan.arena_bytes));
    w.Field("naive_bytes", static_cast<uint64_t>(plan.plan.naive_bytes));
    w.Field("scratch_bytes", static_cast<uint64_t>(plan.plan.scratch_bytes));
    w.EndObject();
  } else {
    w.Null();
    w.Field("memory_error", plan.error);
  }
  w.Key("metadata");
  w.BeginObject();
  for (const auto& [key, value] : g.metadata) w.Field(key, value);
  w.EndObject();
  w.Key("exits");
  w.BeginArray();
  for (const ExitHead& e : g.exits) {
    w.BeginObject();
    w.Field("name", e.name);
    w.Field("tensor", e.output >= 0 ? g.tensors[e.output].name : std::string());
    w.Field("accuracy", static_cast<double>(e.accuracy));
    w.EndObject();
  }
  w.EndArray();
  w.Key("nodes");
  w.BeginArray();
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& node = g.nodes[i];
    w.BeginObject();
    w.Field("index", static_cast<int64_t>(i));
    w.Field("id", static_cast<int64_t>(node.id));
    w.Field("name", node.name);
    w.Field("op", OpTypeName(node.op));
    w.Key("inputs");
    WriteTensorList(&w, g, node.inputs);
    w.Key("outputs");
    WriteTensorList(&w, g, node.outputs);
    w.Field("params", NodeParams(g, node));
    w.Field("flops", NodeFlops(g, node));
    w.Field("output_bytes", static_cast<uint64_t>(OutputBytes(g, node)));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  std::fputs(out.c_str(), stdout);
}

void PrintText(const std::string& path, const Model& model, const PlanInfo& plan,
               bool summary_only) {
  const Graph& g = model.graph();
  const int64_t params = GraphParams(g);
  const int64_t flops = GraphFlops(g);
  TextTable summary({"", ""});
  auto row = [&](const std::string& key, const std::string& value) {
    summary.AddRow({key + ":", value});
  };
  std::printf("model: %s\n", path.c_str());
  row("producer", g.producer.empty() ? "-" : g.producer);
  row("description", g.description.empty() ? "-" : g.description);
  row("schema version", std::to_string(kSchemaVersion));
  row("content hash", ContentHashHex(model.content_hash()));
  row("file size", HumanBytes(static_cast<double>(model.file_bytes())) + " (" +
                       WithCommas(static_cast<int64_t>(model.file_bytes())) + " bytes)");
  row("inputs", TensorListText(g, g.inputs));
  row("outputs", TensorListText(g, g.outputs));
  row("nodes", std::to_string(g.nodes.size()) + " (" + (IsChain(g) ? "chain" : "DAG") + ")");
  row("params", WithCommas(params) + " (" + HumanCount(static_cast<double>(params)) + ")");
  row("FLOPs", WithCommas(flops) + " (" + HumanCount(static_cast<double>(flops)) + ")");
  if (plan.ok) {
    const double naive = static_cast<double>(plan.plan.naive_bytes);
    const double arena = static_cast<double>(plan.plan.arena_bytes);
    char pct[32];
    std::snprintf(pct, sizeof(pct), "%.0f%%", naive > 0 ? 100.0 * arena / naive : 0.0);
    row("activations", HumanBytes(arena) + " planned arena vs " + HumanBytes(naive) +
                           " naive sum (" + pct + "), scratch " +
                           HumanBytes(static_cast<double>(plan.plan.scratch_bytes)));
  } else {
    row("activations", "no memory plan: " + plan.error);
  }
  for (const auto& [key, value] : g.metadata) row("meta " + key, value);
  for (const ExitHead& e : g.exits) {
    char acc[32];
    std::snprintf(acc, sizeof(acc), "%.3f", e.accuracy);
    row("exit " + e.name,
        (e.output >= 0 ? g.tensors[e.output].name : std::string("?")) + ", accuracy " + acc);
  }
  std::fputs(summary.Render(/*with_header=*/false).c_str(), stdout);
  if (summary_only) return;

  std::printf("\n");
  TextTable nodes({"#", "id", "name", "op", "inputs -> output", "params", "FLOPs", "out bytes"},
                  {TextTable::kRight, TextTable::kRight, TextTable::kLeft, TextTable::kLeft,
                   TextTable::kLeft, TextTable::kRight, TextTable::kRight, TextTable::kRight});
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& node = g.nodes[i];
    const int64_t node_params = NodeParams(g, node);
    const int64_t node_flops = NodeFlops(g, node);
    nodes.AddRow(
        {std::to_string(i), std::to_string(node.id), node.name, OpTypeName(node.op),
         JoinShapes(g, ActivationInputs(g, node)) + " -> " + JoinShapes(g, PresentOutputs(node)),
         node_params == 0 ? "-" : WithCommas(node_params),
         node_flops == 0 ? "-" : HumanCount(static_cast<double>(node_flops)),
         HumanBytes(static_cast<double>(OutputBytes(g, node)))});
  }
  std::fputs(nodes.Render().c_str(), stdout);
}

// Which backend runs each node, and why the reference kernels run the rest.
struct Placement {
  std::string backend = "ref";
  std::vector<bool> on_backend;
  std::vector<std::string> reasons;
};

Status PlaceNodes(const Graph& g, const std::string& backend_name, Placement* out) {
  SessionOptions options;
  SEAM_RETURN_IF_ERROR(MakeSessionOptions(g, backend_name, 1, false, &options));
  out->on_backend.assign(g.nodes.size(), false);
  out->reasons.assign(g.nodes.size(), "");
  if (!options.backend) return Status::Ok();
  out->backend = options.backend->name();
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    std::string reason;
    out->on_backend[n] = options.backend->Supports(static_cast<int>(n), &reason);
    out->reasons[n] = reason;
  }
  return Status::Ok();
}

void PrintPlacement(const Graph& g, const Placement& p, bool json) {
  int claimed = 0;
  for (bool b : p.on_backend) claimed += b ? 1 : 0;
  if (json) {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    w.Field("backend", p.backend);
    w.Field("claimed_nodes", static_cast<int64_t>(claimed));
    w.Field("num_nodes", static_cast<int64_t>(g.nodes.size()));
    w.Key("nodes");
    w.BeginArray();
    for (size_t n = 0; n < g.nodes.size(); ++n) {
      w.BeginObject();
      w.Field("name", g.nodes[n].name);
      w.Field("op", OpTypeName(g.nodes[n].op));
      w.Field("runs_on", p.on_backend[n] ? p.backend : std::string("ref"));
      if (!p.on_backend[n] && !p.reasons[n].empty()) w.Field("reason", p.reasons[n]);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    std::fputs(out.c_str(), stdout);
    return;
  }
  std::printf("backend %s runs %d of %zu nodes; the reference kernels run the rest\n",
              p.backend.c_str(), claimed, g.nodes.size());
  TextTable table({"#", "name", "op", "runs on", "why not the backend"});
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    table.AddRow({std::to_string(n), g.nodes[n].name, OpTypeName(g.nodes[n].op),
                  p.on_backend[n] ? p.backend : "ref", p.on_backend[n] ? "" : p.reasons[n]});
  }
  std::fputs(table.Render().c_str(), stdout);
}

void PrintPartitionPoints(const Graph& g, bool json) {
  const std::vector<PartitionPoint> points = PartitionPoints(g);
  const int64_t input_bytes = CutBoundaryBytes(g, Cut{});
  if (json) {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    w.Field("num_nodes", static_cast<int64_t>(g.nodes.size()));
    w.Field("topology", IsChain(g) ? "chain" : "dag");
    w.Field("input_bytes", input_bytes);
    w.Key("partition_points");
    w.BeginArray();
    for (const PartitionPoint& p : points) {
      w.BeginObject();
      w.Field("node", static_cast<int64_t>(p.node));
      w.Field("name", g.nodes[p.node].name);
      w.Field("op", OpTypeName(g.nodes[p.node].op));
      w.Field("edge_nodes", static_cast<int64_t>(p.edge_nodes));
      w.Field("boundary_bytes", p.boundary_bytes);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    std::fputs(out.c_str(), stdout);
    return;
  }
  std::printf("%zu partition points in %zu layers (%s); cutting after a point sends its output\n",
              points.size(), g.nodes.size(), IsChain(g) ? "chain" : "DAG: blocks are not split");
  TextTable table({"#", "after layer", "op", "edge nodes", "bytes crossing"},
                  {TextTable::kRight, TextTable::kLeft, TextTable::kLeft, TextTable::kRight,
                   TextTable::kRight});
  table.AddRow(
      {"-", "input (server only)", "-", "0", HumanBytes(static_cast<double>(input_bytes))});
  for (size_t i = 0; i < points.size(); ++i) {
    const PartitionPoint& p = points[i];
    table.AddRow({std::to_string(i), g.nodes[p.node].name, OpTypeName(g.nodes[p.node].op),
                  std::to_string(p.edge_nodes), HumanBytes(static_cast<double>(p.boundary_bytes))});
  }
  std::fputs(table.Render().c_str(), stdout);
}

}  // namespace

int InspectMain(const std::vector<std::string>& args) {
  std::string path;
  bool json = false;
  bool summary_only = false;
  bool verbose = false;
  ArgParser parser(kCommand,
                   "Load and validate a .seam model, then print its summary (producer, schema "
                   "version, content hash, inputs and outputs, parameter and FLOP counts, chain or "
                   "DAG, planned activation memory) and one row per node.");
  parser.AddPositional("FILE", "the .seam model file", &path);
  parser.AddBool("json", 0, "print JSON instead of text", &json);
  parser.AddBool("summary", 's', "print the summary only, without the per-node table (text only)",
                 &summary_only);
  parser.AddBool("verbose", 'v', "log at INFO level", &verbose);
  bool partition_points = false;
  std::string backend;
  parser.AddBool("partition-points", 'p',
                 "list the partition points (layers every path passes through) and the bytes "
                 "that cross at each",
                 &partition_points);
  parser.AddString("backend", 'b', "NAME",
                   "show which nodes this backend runs: " + BackendFlagHelp(), &backend);
  int code = kExitOk;
  if (!parser.ParseOrReport(args, &code)) return code;
  if (verbose) SetVerbose(true);

  std::unique_ptr<Model> model;
  const Status status = LoadModel(path, &model);
  if (!status.ok()) return ReportError(kCommand, status);
  if (partition_points) {
    PrintPartitionPoints(model->graph(), json);
    return kExitOk;
  }
  if (!backend.empty()) {
    Placement placement;
    const Status placed = PlaceNodes(model->graph(), backend, &placement);
    if (!placed.ok()) return ReportError(kCommand, placed);
    PrintPlacement(model->graph(), placement, json);
    return kExitOk;
  }
  const PlanInfo plan = PlanMemory(*model);
  if (json) {
    PrintJson(path, *model, plan);
  } else {
    PrintText(path, *model, plan, summary_only);
  }
  return kExitOk;
}

}  // namespace seam::cli
