// `seam profile FILE [--backend X] [--threads 1,2] [--runs N] -o PROFILE.json
// [--csv FILE] [--plot PLOT.svg] [--json]`: per-node median latency, output
// bytes and FLOPs, cumulative edge time and bytes crossing at every
// partition point, an Edgent-style latency predictor fitted per op type, and
// the thread-scaling table (as in the characterization paper).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "seam/latency_model.h"
#include "seam/profiler.h"
#include "seam/session.h"
#include "tools/arg_parser.h"
#include "tools/cli_common.h"
#include "tools/profile_io.h"
#include "tools/session_setup.h"
#include "tools/svg_chart.h"

namespace seam::cli {
namespace {

constexpr char kCommand[] = "seam profile";

Status ParseThreadList(const std::string& text, std::vector<int>* out) {
  out->clear();
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    char* end = nullptr;
    const long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 1 || v > 256) {
      return InvalidArgument("--threads wants a comma list of counts 1..256, got '" + text + "'");
    }
    out->push_back(static_cast<int>(v));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
  return Status::Ok();
}

}  // namespace

int ProfileMain(const std::vector<std::string>& args) {
  std::string model_path, output, csv, plot, backend = "auto", threads_text = "1";
  int64_t runs = 10, warmup = 2;
  bool json = false, verbose = false;
  ArgParser parser(kCommand,
                   "Profile a model layer by layer on a backend: median and p90 latency, output "
                   "bytes and FLOPs of every node, the edge time and bytes crossing at every "
                   "partition point, a per-op-type latency predictor (Edgent's regression) with "
                   "its leave-one-out error, and the thread-scaling table.");
  parser.AddPositional("FILE", "the .seam model file", &model_path);
  parser.AddString("output", 'o', "PROFILE.json", "where to write the profile (JSON)", &output);
  parser.AddString("backend", 'b', "NAME", BackendFlagHelp(), &backend);
  parser.AddString("threads", 't', "LIST", "thread counts to profile, e.g. 1,2", &threads_text);
  parser.AddInt("runs", 'r', "N", "timed runs per thread count (medians are reported)", &runs, 1,
                100000);
  parser.AddInt("warmup", 0, "N", "untimed runs first", &warmup, 0, 100000);
  parser.AddString("csv", 0, "FILE", "also write one CSV row per node and thread count", &csv);
  parser.AddString("plot", 0, "PLOT.svg", "also draw per-layer latency and output size (SVG)",
                   &plot);
  parser.AddBool("json", 0, "print the profile JSON to stdout instead of the text summary", &json);
  parser.AddBool("verbose", 'v', "log at INFO level", &verbose);
  parser.SetEpilog(
      "Examples:\n"
      "  seam profile resnet18.seam --threads 1,2 -o r18.profile.json --plot r18.svg\n"
      "  seam plan resnet18.seam --policy dads-light --edge-profile r18.profile.json ...");
  int code = kExitOk;
  if (!parser.ParseOrReport(args, &code)) return code;
  if (verbose) SetVerbose(true);
  if (output.empty() && !json) {
    std::fprintf(stderr, "%s: give -o PROFILE.json (or --json to print it)\n", kCommand);
    return kExitUsage;
  }
  std::vector<int> thread_counts;
  Status status = ParseThreadList(threads_text, &thread_counts);
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n", kCommand, status.message().c_str());
    return kExitUsage;
  }

  std::unique_ptr<Model> model;
  status = LoadModel(model_path, &model);
  if (!status.ok()) return ReportError(kCommand, status);
  const Graph& g = model->graph();

  ProfileDocument doc;
  doc.model = model_path;
  doc.content_hash = ContentHashHex(model->content_hash());
  doc.runs = static_cast<int>(runs);
  for (int threads : thread_counts) {
    if (!json) {
      std::fprintf(stderr, "profiling %s on %d thread(s): %lld runs...\n", model_path.c_str(),
                   threads, static_cast<long long>(runs + warmup));
    }
    SessionOptions options;
    status = MakeSessionOptions(g, backend, threads, /*node_granularity=*/true, &options);
    if (!status.ok()) return ReportError(kCommand, status);
    std::unique_ptr<Session> session;
    status = Session::Create(*model, options, &session);
    if (!status.ok()) return ReportError(kCommand, status);
    ProfileOptions popts;
    popts.runs = static_cast<int>(runs);
    popts.warmup = static_cast<int>(warmup);
    Profile profile;
    status = ProfileSession(session.get(), popts, &profile);
    if (!status.ok()) return ReportError(kCommand, status);
    profile.threads = threads;
    doc.backend = profile.backend;
    doc.profiles.push_back(std::move(profile));
  }
  doc.predictor = LatencyModel::Fit({&g}, {&doc.profiles.front()});

  const std::string text = ProfileToJson(doc);
  if (!output.empty()) {
    status = WriteFileAtomically(output, text.data(), text.size());
    if (!status.ok()) return ReportError(kCommand, status);
  }
  if (!csv.empty()) {
    const std::string rows = ProfileToCsv(doc);
    status = WriteFileAtomically(csv, rows.data(), rows.size());
    if (!status.ok()) return ReportError(kCommand, status);
  }
  if (!plot.empty()) {
    BarLineChart chart;
    const Profile& p = doc.profiles.front();
    chart.title = model_path + ": per-layer latency (" + doc.backend + ", " +
                  std::to_string(p.threads) + " thread" + (p.threads == 1 ? "" : "s") +
                  ") and output size";
    chart.x_label = "layer (schedule order)";
    chart.bar_label = "latency (ms)";
    chart.line_label = "output size (MB)";
    for (const NodeProfile& n : p.nodes) {
      chart.categories.push_back(n.name);
      chart.bars.push_back(n.median_ms);
      chart.line.push_back(static_cast<double>(n.output_bytes) / 1e6);
    }
    const std::string svg = RenderBarLineSvg(chart);
    status = WriteFileAtomically(plot, svg.data(), svg.size());
    if (!status.ok()) return ReportError(kCommand, status);
  }
  if (json) {
    std::fputs(text.c_str(), stdout);
    return kExitOk;
  }

  std::printf("model: %s, backend %s, %lld runs per thread count\n", model_path.c_str(),
              doc.backend.c_str(), static_cast<long long>(runs));
  TextTable scaling({"threads", "median ms", "speedup"},
                    {TextTable::kRight, TextTable::kRight, TextTable::kRight});
  for (const Profile& p : doc.profiles) {
    char speedup[32];
    std::snprintf(
        speedup, sizeof(speedup), "%.2fx",
        p.total_median_ms > 0 ? doc.profiles.front().total_median_ms / p.total_median_ms : 0.0);
    scaling.AddRow({std::to_string(p.threads), FormatMs(p.total_median_ms), speedup});
  }
  std::printf("\nthread scaling:\n%s", scaling.Render().c_str());
  const Profile& first = doc.profiles.front();
  std::printf("\npartition points (%d thread%s): cumulative edge time and bytes crossing\n",
              first.threads, first.threads == 1 ? "" : "s");
  TextTable points({"after", "edge ms", "bytes"},
                   {TextTable::kLeft, TextTable::kRight, TextTable::kRight});
  for (const PointProfile& pt : first.points) {
    points.AddRow(
        {pt.name, FormatMs(pt.edge_ms), HumanBytes(static_cast<double>(pt.boundary_bytes))});
  }
  std::fputs(points.Render().c_str(), stdout);
  std::printf("\nlatency predictor (per op type, leave-one-out error):\n");
  TextTable pred({"op", "samples", "MAE ms", "MAPE %"},
                 {TextTable::kLeft, TextTable::kRight, TextTable::kRight, TextTable::kRight});
  for (const auto& [op, m] : doc.predictor.models()) {
    char mae[32], mape[32];
    std::snprintf(mae, sizeof(mae), "%.4f", m.mean_abs_error_ms);
    std::snprintf(mape, sizeof(mape), m.samples >= 3 ? "%.1f" : "-", m.mean_abs_percent_error);
    pred.AddRow({OpTypeName(op), std::to_string(m.samples), m.samples >= 3 ? mae : "-", mape});
  }
  std::fputs(pred.Render().c_str(), stdout);
  if (!output.empty()) std::printf("\nwrote %s\n", output.c_str());
  return kExitOk;
}

}  // namespace seam::cli
