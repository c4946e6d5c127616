// Profile JSON/CSV writing and reading, and per-node latency lookup.
#include "tools/profile_io.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "tools/json_reader.h"
#include "tools/json_writer.h"

namespace seam::cli {

std::string ProfileToJson(const ProfileDocument& doc) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Field("model", doc.model);
  w.Field("content_hash", doc.content_hash);
  w.Field("backend", doc.backend);
  w.Field("runs", static_cast<int64_t>(doc.runs));
  w.Key("profiles");
  w.BeginArray();
  for (const Profile& p : doc.profiles) {
    w.BeginObject();
    w.Field("threads", static_cast<int64_t>(p.threads));
    w.Field("total_median_ms", p.total_median_ms);
    w.Key("nodes");
    w.BeginArray();
    for (const NodeProfile& n : p.nodes) {
      w.BeginObject();
      w.Field("index", static_cast<int64_t>(n.node));
      w.Field("name", n.name);
      w.Field("op", n.op);
      w.Field("median_ms", n.median_ms);
      w.Field("p90_ms", n.p90_ms);
      w.Field("flops", n.flops);
      w.Field("output_bytes", n.output_bytes);
      w.EndObject();
    }
    w.EndArray();
    w.Key("points");
    w.BeginArray();
    for (const PointProfile& pt : p.points) {
      w.BeginObject();
      w.Field("name", pt.name);
      w.Field("node", static_cast<int64_t>(pt.node));
      w.Field("edge_ms", pt.edge_ms);
      w.Field("boundary_bytes", pt.boundary_bytes);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("predictor");
  w.BeginObject();
  w.Field("threads", static_cast<int64_t>(doc.profiles.empty() ? 0 : doc.profiles.front().threads));
  w.Key("ops");
  w.BeginObject();
  for (const auto& [op, m] : doc.predictor.models()) {
    w.Key(OpTypeName(op));
    w.BeginObject();
    w.Key("features");
    w.BeginArray(true);
    for (const std::string& f : LatencyFeatureNames(op)) w.String(f);
    w.EndArray();
    w.Key("coefficients");
    w.BeginArray(true);
    for (double c : m.coefficients) w.Double(c);
    w.EndArray();
    w.Field("samples", static_cast<int64_t>(m.samples));
    w.Field("loocv_mae_ms", m.mean_abs_error_ms);
    w.Field("loocv_mape_percent", m.mean_abs_percent_error);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  w.Key("thread_scaling");
  w.BeginArray();
  for (const Profile& p : doc.profiles) {
    w.BeginObject();
    w.Field("threads", static_cast<int64_t>(p.threads));
    w.Field("total_median_ms", p.total_median_ms);
    const double base = doc.profiles.front().total_median_ms;
    w.Field("speedup", p.total_median_ms > 0 ? base / p.total_median_ms : 0.0);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out += "\n";
  return out;
}

std::string ProfileToCsv(const ProfileDocument& doc) {
  std::string out = "threads,index,name,op,median_ms,p90_ms,flops,output_bytes\n";
  char line[512];
  for (const Profile& p : doc.profiles) {
    for (const NodeProfile& n : p.nodes) {
      std::snprintf(line, sizeof(line), "%d,%d,%s,%s,%.6f,%.6f,%lld,%lld\n", p.threads, n.node,
                    n.name.c_str(), n.op.c_str(), n.median_ms, n.p90_ms,
                    static_cast<long long>(n.flops), static_cast<long long>(n.output_bytes));
      out += line;
    }
  }
  return out;
}

namespace {

OpType OpFromName(const std::string& name) {
  for (int32_t code = 1; code <= kMaxOpCode; ++code) {
    if (name == OpTypeName(static_cast<OpType>(code))) return static_cast<OpType>(code);
  }
  return OpType::kInvalid;
}

}  // namespace

Status ReadProfileFile(const std::string& path, ProfileDocument* out) {
  JsonValue root;
  SEAM_RETURN_IF_ERROR(ReadJsonFile(path, &root));
  const auto bad = [&](const std::string& what) {
    return InvalidArgument("'" + path + "' is not a seam profile: " + what);
  };
  if (root.type != JsonValue::kObject || root.Get("profiles").type != JsonValue::kArray) {
    return bad("no \"profiles\" array");
  }
  ProfileDocument doc;
  doc.model = root.Get("model").string;
  doc.content_hash = root.Get("content_hash").string;
  doc.backend = root.Get("backend").string;
  doc.runs = static_cast<int>(root.Get("runs").number);
  for (const JsonValue& p : root.Get("profiles").array) {
    Profile profile;
    profile.threads = static_cast<int>(p.Get("threads").number);
    profile.total_median_ms = p.Get("total_median_ms").number;
    profile.backend = doc.backend;
    if (p.Get("nodes").type != JsonValue::kArray) return bad("a profile has no \"nodes\"");
    for (const JsonValue& n : p.Get("nodes").array) {
      NodeProfile node;
      node.node = static_cast<int>(n.Get("index").number);
      node.name = n.Get("name").string;
      node.op = n.Get("op").string;
      node.median_ms = n.Get("median_ms").number;
      node.p90_ms = n.Get("p90_ms").number;
      node.flops = static_cast<int64_t>(n.Get("flops").number);
      node.output_bytes = static_cast<int64_t>(n.Get("output_bytes").number);
      if (node.name.empty() || !(node.median_ms >= 0) || !std::isfinite(node.median_ms)) {
        return bad("node entry without a name or with a bad median_ms");
      }
      profile.nodes.push_back(std::move(node));
    }
    doc.profiles.push_back(std::move(profile));
  }
  if (doc.profiles.empty()) return bad("\"profiles\" is empty");
  for (const auto& [op_name, m] : root.Get("predictor").Get("ops").object) {
    const OpType op = OpFromName(op_name);
    if (op == OpType::kInvalid) return bad("unknown op '" + op_name + "' in the predictor");
    OpLatencyModel model;
    for (const JsonValue& c : m.Get("coefficients").array) model.coefficients.push_back(c.number);
    if (model.coefficients.size() != LatencyFeatureNames(op).size() + 1) {
      return bad("predictor for " + op_name + " has the wrong number of coefficients");
    }
    model.samples = static_cast<int>(m.Get("samples").number);
    model.mean_abs_error_ms = m.Get("loocv_mae_ms").number;
    model.mean_abs_percent_error = m.Get("loocv_mape_percent").number;
    doc.predictor.mutable_models()[op] = std::move(model);
  }
  *out = std::move(doc);
  return Status::Ok();
}

Status NodeLatencies(const ProfileDocument& doc, const Graph& graph, int threads, bool predict_all,
                     std::vector<double>* ms, int* predicted) {
  const Profile* best = &doc.profiles.front();
  for (const Profile& p : doc.profiles) {
    if (std::abs(p.threads - threads) < std::abs(best->threads - threads)) best = &p;
  }
  std::map<std::string, double> by_name;
  for (const NodeProfile& n : best->nodes) by_name[n.name] = n.median_ms;
  ms->assign(graph.nodes.size(), 0.0);
  *predicted = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    auto it = by_name.find(node.name);
    if (!predict_all && it != by_name.end()) {
      (*ms)[i] = it->second;
      continue;
    }
    if (!doc.predictor.Has(node.op)) {
      return NotFound("profile has no measurement of node '" + node.name +
                      "' and no predictor for op " + OpTypeName(node.op));
    }
    (*ms)[i] = doc.predictor.Predict(graph, node);
    ++*predicted;
  }
  return Status::Ok();
}

}  // namespace seam::cli
