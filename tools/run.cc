// `seam run FILE.seam [--input IN] [--output OUT] [--threads N] [--repeat N]
// [--layers] [--json]`: runs a model with the reference executor and reports
// its latency. Inputs and outputs are .npy or .f32 files (by extension); with
// no --input a deterministic synthetic input is used. --layers times every
// node through the Session's before/after hooks. Outputs are written only
// after every run succeeded, each atomically.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "seam/graph.h"
#include "seam/model.h"
#include "seam/session.h"
#include "seam/wire.h"
#include "tools/arg_parser.h"
#include "tools/cli_common.h"
#include "tools/json_writer.h"
#include "tools/session_setup.h"
#include "tools/tensor_io.h"

namespace seam::cli {
namespace {

constexpr char kCommand[] = "seam run";
using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

// Deterministic synthetic input: uniform in [-1, 1) from splitmix64 seeded by
// the input's position, so every run and machine sees the same values.
void FillSynthetic(size_t input_index, std::vector<float>* values) {
  uint64_t state = 0x5EA15EA15EA15EA1ull + input_index;
  for (float& v : *values) {
    state += 0x9E3779B97F4A7C15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    v = static_cast<float>(z >> 40) * (2.0f / 16777216.0f) - 1.0f;
  }
}

struct OutputStats {
  float min = 0, max = 0;
  double mean = 0;
  int64_t argmax = -1;
};

OutputStats Stats(const std::vector<float>& v) {
  OutputStats s;
  if (v.empty()) return s;
  s.min = s.max = v[0];
  s.argmax = 0;
  double sum = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] < s.min) s.min = v[i];
    if (v[i] > s.max) {
      s.max = v[i];
      s.argmax = static_cast<int64_t>(i);
    }
    sum += v[i];
  }
  s.mean = sum / static_cast<double>(v.size());
  return s;
}

void WriteShape(JsonWriter* w, const Shape& shape) {
  w->BeginArray(/*single_line=*/true);
  for (int i = 0; i < shape.rank; ++i) w->Int(shape.dims[i]);
  w->EndArray();
}

struct Options {
  std::string model_path;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  int64_t threads = 1;
  int64_t repeat = 1;
  int64_t warmup = 0;
  bool layers = false;
  bool json = false;
  bool verbose = false;
  std::string backend = "auto";
  std::string stop_at;
  std::string boundary_out;
  std::string resume_from;
  std::string boundary_in;
  std::string encoding = "f32";
};

// Reads a whole file; .seamt files are small enough to hold in memory.
Status ReadWholeFile(const std::string& path, std::vector<uint8_t>* out) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return IoError("cannot open '" + path + "'");
  out->clear();
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out->insert(out->end(), buf, buf + n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return IoError("cannot read '" + path + "'");
  return Status::Ok();
}

// --stop-at: run the edge side, encode the boundary, write it atomically.
int StopAt(const Options& opt, const Model& model, Session* session,
           const std::vector<ConstTensorView>& inputs) {
  const Graph& g = model.graph();
  Cut cut;
  Status status = ParseCutSpec(g, opt.stop_at, &cut);
  if (!status.ok()) return ReportError(kCommand, "--stop-at: " + status.message());
  WireEncodeOptions encode;
  status = ParseWireEncoding(opt.encoding, &encode.encoding);
  if (!status.ok()) return ReportError(kCommand, status);
  status = session->PrepareCut(cut);
  if (!status.ok()) return ReportError(kCommand, status);
  std::vector<BoundaryTensor> boundary;
  std::vector<double> run_ms;
  for (int64_t r = 0; r < opt.warmup + opt.repeat; ++r) {
    const Clock::time_point start = Clock::now();
    status = session->RunUntil(cut, inputs, &boundary);
    if (!status.ok()) return ReportError(kCommand, "edge run failed: " + status.ToString());
    if (r >= opt.warmup) run_ms.push_back(MsSince(start, Clock::now()));
  }
  WireMessage message;
  status = EncodeMessage(g, model.content_hash(), cut, boundary, encode, &message);
  if (!status.ok()) return ReportError(kCommand, status);
  std::vector<uint8_t> bytes;
  WireMessageToBytes(message, &bytes);
  status = WriteFileAtomically(opt.boundary_out, bytes.data(), bytes.size());
  if (!status.ok()) return ReportError(kCommand, status);
  if (opt.json) {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    w.Field("model", opt.model_path);
    w.Field("backend", std::string(session->backend_name()));
    w.Field("stop_at", opt.stop_at);
    w.Field("cut_id", static_cast<uint64_t>(CutId(g, cut)));
    w.Field("edge_nodes", static_cast<int64_t>(cut.edge_nodes.size()));
    w.Field("encoding", std::string(WireEncodingName(encode.encoding)));
    w.Field("boundary_file", opt.boundary_out);
    w.Field("wire_bytes", static_cast<uint64_t>(bytes.size()));
    w.Field("edge_median_ms", Median(run_ms));
    w.Key("boundary");
    w.BeginArray();
    for (const BoundaryTensor& bt : boundary) {
      w.BeginObject();
      w.Field("name", g.tensors[bt.tensor].name);
      w.Key("shape");
      WriteShape(&w, bt.view.shape);
      w.Field("bytes", static_cast<uint64_t>(g.tensors[bt.tensor].byte_size()));
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    std::fputs(out.c_str(), stdout);
    return kExitOk;
  }
  std::printf("edge side: %zu of %zu nodes, backend %s, median %s ms over %lld run(s)\n",
              cut.edge_nodes.size(), g.nodes.size(), session->backend_name(),
              FormatMs(Median(run_ms)).c_str(), static_cast<long long>(opt.repeat));
  for (const BoundaryTensor& bt : boundary) {
    std::printf("boundary '%s' %s (%s)\n", g.tensors[bt.tensor].name.c_str(),
                bt.view.shape.ToString().c_str(),
                HumanBytes(static_cast<double>(g.tensors[bt.tensor].byte_size())).c_str());
  }
  std::printf("wrote %s: %s, encoding %s\n", opt.boundary_out.c_str(),
              HumanBytes(static_cast<double>(bytes.size())).c_str(),
              WireEncodingName(encode.encoding));
  return kExitOk;
}

// --resume-from: read and verify the boundary, run the server side.
int ResumeFrom(const Options& opt, const Model& model, Session* session,
               const std::vector<TensorView>& outputs, std::vector<double>* run_ms) {
  const Graph& g = model.graph();
  Cut cut;
  Status status = ParseCutSpec(g, opt.resume_from, &cut);
  if (!status.ok()) return ReportError(kCommand, "--resume-from: " + status.message());
  status = session->PrepareCut(cut);
  if (!status.ok()) return ReportError(kCommand, status);
  std::vector<uint8_t> bytes;
  status = ReadWholeFile(opt.boundary_in, &bytes);
  if (!status.ok()) return ReportError(kCommand, status);
  WireMessageView view;
  status = WireMessageFromBytes(bytes.data(), bytes.size(), &view);
  DecodedMessage decoded;
  if (status.ok()) {
    status = DecodeMessage(g, model.content_hash(), cut, WireKind::kBoundary, CutBoundary(g, cut),
                           view, &decoded);
  }
  if (!status.ok()) return ReportError(kCommand, "'" + opt.boundary_in + "': " + status.message());
  for (int64_t r = 0; r < opt.warmup + opt.repeat; ++r) {
    const Clock::time_point start = Clock::now();
    status = session->ResumeFrom(cut, decoded.views, outputs);
    if (!status.ok()) return ReportError(kCommand, "server run failed: " + status.ToString());
    if (r >= opt.warmup) run_ms->push_back(MsSince(start, Clock::now()));
  }
  return kExitOk;
}

}  // namespace

int RunMain(const std::vector<std::string>& args) {
  Options opt;
  ArgParser parser(kCommand,
                   "Run a .seam model with the reference kernels and report its latency. Input and "
                   "output files are .npy (float32, C order) or .f32 (raw little-endian float32 "
                   "in the model's shape), chosen by extension. Without --input a deterministic "
                   "synthetic input (uniform in [-1, 1)) is used.");
  parser.AddPositional("FILE", "the .seam model file", &opt.model_path);
  parser.AddRepeated("input", 'i', "FILE",
                     "input tensor, one per model input in order (.npy or .f32)", &opt.inputs);
  parser.AddRepeated("output", 'o', "FILE",
                     "where to write an output tensor, one per model output in order",
                     &opt.outputs);
  parser.AddInt("threads", 't', "N", "threads for the executor (0 = one per hardware thread)",
                &opt.threads, 0, 1024);
  parser.AddInt("repeat", 'r', "N", "timed runs; the median is reported", &opt.repeat, 1, 1000000);
  parser.AddInt("warmup", 0, "N", "untimed runs before the timed ones", &opt.warmup, 0, 1000000);
  parser.AddBool("layers", 0, "time every layer (node) and print a table", &opt.layers);
  parser.AddString("backend", 'b', "NAME", BackendFlagHelp(), &opt.backend);
  parser.AddString("stop-at", 0, "LAYER",
                   "run only the edge side of a cut: LAYER and its ancestors, or a comma list of "
                   "edge-side node names; writes the boundary to --boundary-out",
                   &opt.stop_at);
  parser.AddString("boundary-out", 0, "FILE", "where --stop-at writes the boundary (.seamt)",
                   &opt.boundary_out);
  parser.AddString("boundary-encoding", 0, "ENC",
                   "boundary encoding for --stop-at: f32 (exact), f16 or int8", &opt.encoding);
  parser.AddString("resume-from", 0, "LAYER",
                   "run only the server side of the cut named like --stop-at, from --boundary-in",
                   &opt.resume_from);
  parser.AddString("boundary-in", 0, "FILE", "the boundary file --resume-from reads (.seamt)",
                   &opt.boundary_in);
  parser.AddBool("json", 0, "print JSON instead of text", &opt.json);
  parser.AddBool("verbose", 'v', "log at INFO level", &opt.verbose);
  parser.SetEpilog(
      "Examples:\n"
      "  seam run resnet18.seam --repeat 5 --layers\n"
      "  seam run lenet5.seam --input digit.npy --output logits.npy --json\n"
      "  seam run resnet18.seam --input x.npy --stop-at layer2.1.relu_1 --boundary-out b.seamt\n"
      "  seam run resnet18.seam --resume-from layer2.1.relu_1 --boundary-in b.seamt --output "
      "y.npy");
  int code = kExitOk;
  if (!parser.ParseOrReport(args, &code)) return code;
  if (opt.verbose) SetVerbose(true);

  // Check file types before doing any work.
  for (const auto* list : {&opt.inputs, &opt.outputs}) {
    for (const std::string& path : *list) {
      TensorFileFormat format;
      const Status status = TensorFormatFromPath(path, &format);
      if (!status.ok()) {
        std::fprintf(stderr, "%s: %s\n", kCommand, status.message().c_str());
        return kExitUsage;
      }
    }
  }

  const bool stopping = !opt.stop_at.empty();
  const bool resuming = !opt.resume_from.empty();
  if (stopping && resuming) {
    std::fprintf(stderr, "%s: --stop-at and --resume-from exclude each other\n", kCommand);
    return kExitUsage;
  }
  if (stopping != !opt.boundary_out.empty() || resuming != !opt.boundary_in.empty()) {
    std::fprintf(stderr, "%s: --stop-at needs --boundary-out, --resume-from needs --boundary-in\n",
                 kCommand);
    return kExitUsage;
  }
  if ((stopping && !opt.outputs.empty()) || (resuming && !opt.inputs.empty())) {
    std::fprintf(stderr,
                 "%s: --stop-at writes a boundary, not outputs; --resume-from reads a "
                 "boundary, not inputs\n",
                 kCommand);
    return kExitUsage;
  }
  if ((stopping || resuming) && opt.layers) {
    std::fprintf(stderr, "%s: --layers works on whole runs only\n", kCommand);
    return kExitUsage;
  }

  std::unique_ptr<Model> model;
  Status status = LoadModel(opt.model_path, &model);
  if (!status.ok()) return ReportError(kCommand, status);
  const Graph& g = model->graph();

  if (!opt.inputs.empty() && opt.inputs.size() != g.inputs.size()) {
    return ReportError(kCommand, "the model has " + std::to_string(g.inputs.size()) +
                                     " input(s) but " + std::to_string(opt.inputs.size()) +
                                     " --input file(s) were given");
  }
  if (opt.outputs.size() > g.outputs.size()) {
    return ReportError(kCommand, "the model has " + std::to_string(g.outputs.size()) +
                                     " output(s) but " + std::to_string(opt.outputs.size()) +
                                     " --output file(s) were given");
  }

  // Inputs.
  const bool synthetic = opt.inputs.empty();
  std::vector<std::vector<float>> input_data(g.inputs.size());
  std::vector<ConstTensorView> input_views;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const TensorInfo& t = g.tensors[g.inputs[i]];
    if (synthetic) {
      input_data[i].resize(static_cast<size_t>(t.shape.NumElements()));
      FillSynthetic(i, &input_data[i]);
    } else {
      status = ReadTensorFile(opt.inputs[i], t.shape, t.name, &input_data[i]);
      if (!status.ok()) return ReportError(kCommand, status);
    }
    input_views.push_back(ConstTensorView{input_data[i].data(), t.shape});
  }

  // Session and output buffers.
  SessionOptions session_options;
  status = MakeSessionOptions(g, opt.backend, static_cast<int>(opt.threads), opt.layers,
                              &session_options);
  if (!status.ok()) return ReportError(kCommand, status);
  std::unique_ptr<Session> session;
  status = Session::Create(*model, session_options, &session);
  if (!status.ok()) return ReportError(kCommand, "cannot create a session: " + status.ToString());
  std::vector<std::vector<float>> output_data(g.outputs.size());
  std::vector<TensorView> output_views;
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const TensorInfo& t = g.tensors[g.outputs[i]];
    output_data[i].assign(static_cast<size_t>(t.shape.NumElements()), 0.0f);
    output_views.push_back(TensorView{output_data[i].data(), t.shape});
  }

  if (stopping) return StopAt(opt, *model, session.get(), input_views);

  // Per-layer timing through the hooks (only when asked: they cost a clock read per node).
  std::vector<std::vector<double>> layer_ms(g.nodes.size());
  Clock::time_point node_start;
  bool record_layers = false;
  if (opt.layers) {
    session->SetBeforeNodeHook([&](int) {
      node_start = Clock::now();
      return HookAction::kContinue;
    });
    session->SetAfterNodeHook([&](int node) {
      const Clock::time_point end = Clock::now();
      if (record_layers) layer_ms[node].push_back(MsSince(node_start, end));
      return HookAction::kContinue;
    });
  }

  std::vector<double> run_ms;
  if (resuming) {
    const int code = ResumeFrom(opt, *model, session.get(), output_views, &run_ms);
    if (code != kExitOk) return code;
  } else {
    for (int64_t r = 0; r < opt.warmup; ++r) {
      status = session->Run(input_views, output_views);
      if (!status.ok()) return ReportError(kCommand, "warm-up run failed: " + status.ToString());
    }
    record_layers = true;
    for (int64_t r = 0; r < opt.repeat; ++r) {
      const Clock::time_point start = Clock::now();
      status = session->Run(input_views, output_views);
      const Clock::time_point end = Clock::now();
      if (!status.ok()) return ReportError(kCommand, "run failed: " + status.ToString());
      run_ms.push_back(MsSince(start, end));
    }
  }
  const double median_ms = Median(run_ms);
  const double min_ms = *std::min_element(run_ms.begin(), run_ms.end());
  const double max_ms = *std::max_element(run_ms.begin(), run_ms.end());
  const int64_t flops = GraphFlops(g);
  const double gflops_per_s = median_ms > 0 ? static_cast<double>(flops) / (median_ms * 1e6) : 0.0;

  // Write outputs; if one fails, remove the ones this command already wrote.
  for (size_t i = 0; i < opt.outputs.size(); ++i) {
    const TensorInfo& t = g.tensors[g.outputs[i]];
    status = WriteTensorFile(opt.outputs[i], t.shape, output_data[i].data());
    if (!status.ok()) {
      for (size_t k = 0; k < i; ++k) unlink(opt.outputs[k].c_str());
      return ReportError(kCommand, status);
    }
  }

  const int threads_used = session->num_threads();
  if (opt.json) {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    w.Field("model", opt.model_path);
    w.Field("threads", static_cast<int64_t>(threads_used));
    w.Field("backend", std::string(session->backend_name()));
    if (resuming) w.Field("resume_from", opt.resume_from);
    w.Field("warmup", opt.warmup);
    w.Field("repeat", opt.repeat);
    w.Field("synthetic_input", synthetic);
    w.Key("inputs");
    w.BeginArray();
    for (size_t i = 0; i < g.inputs.size(); ++i) {
      const TensorInfo& t = g.tensors[g.inputs[i]];
      w.BeginObject();
      w.Field("name", t.name);
      w.Key("shape");
      WriteShape(&w, t.shape);
      w.Key("file");
      synthetic ? w.Null() : w.String(opt.inputs[i]);
      w.EndObject();
    }
    w.EndArray();
    w.Key("latency_ms");
    w.BeginArray(/*single_line=*/true);
    for (double ms : run_ms) w.Double(ms);
    w.EndArray();
    w.Field("median_ms", median_ms);
    w.Field("min_ms", min_ms);
    w.Field("max_ms", max_ms);
    w.Field("flops", flops);
    w.Field("gflops_per_s", gflops_per_s);
    w.Key("outputs");
    w.BeginArray();
    for (size_t i = 0; i < g.outputs.size(); ++i) {
      const TensorInfo& t = g.tensors[g.outputs[i]];
      const OutputStats s = Stats(output_data[i]);
      w.BeginObject();
      w.Field("name", t.name);
      w.Key("shape");
      WriteShape(&w, t.shape);
      w.Key("file");
      i < opt.outputs.size() ? w.String(opt.outputs[i]) : w.Null();
      w.Field("min", static_cast<double>(s.min));
      w.Field("max", static_cast<double>(s.max));
      w.Field("mean", s.mean);
      w.Field("argmax", s.argmax);
      w.EndObject();
    }
    w.EndArray();
    if (opt.layers) {
      w.Key("layers");
      w.BeginArray();
      for (int node : session->schedule()) {
        w.BeginObject();
        w.Field("index", static_cast<int64_t>(node));
        w.Field("name", g.nodes[node].name);
        w.Field("op", OpTypeName(g.nodes[node].op));
        w.Field("median_ms", Median(layer_ms[node]));
        w.EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
    std::fputs(out.c_str(), stdout);
    return kExitOk;
  }

  std::printf("model: %s (%s params, %s FLOPs)\n", opt.model_path.c_str(),
              WithCommas(GraphParams(g)).c_str(), HumanCount(static_cast<double>(flops)).c_str());
  for (size_t i = 0; i < g.inputs.size() && !resuming; ++i) {
    const TensorInfo& t = g.tensors[g.inputs[i]];
    if (synthetic) {
      std::printf(
          "input '%s' %s: synthetic (no --input given; deterministic, uniform in [-1, 1))\n",
          t.name.c_str(), t.shape.ToString().c_str());
    } else {
      std::printf("input '%s' %s: %s\n", t.name.c_str(), t.shape.ToString().c_str(),
                  opt.inputs[i].c_str());
    }
  }
  std::printf("threads: %d, backend: %s\n", threads_used, session->backend_name());
  if (resuming)
    std::printf("resumed from '%s' (%s)\n", opt.resume_from.c_str(), opt.boundary_in.c_str());

  if (opt.layers) {
    std::printf("\nper-layer time (median of %lld run%s, schedule order):\n",
                static_cast<long long>(opt.repeat), opt.repeat == 1 ? "" : "s");
    double layer_total = 0;
    for (int node : session->schedule()) layer_total += Median(layer_ms[node]);
    TextTable table({"#", "layer", "op", "ms", "%"},
                    {TextTable::kRight, TextTable::kLeft, TextTable::kLeft, TextTable::kRight,
                     TextTable::kRight});
    for (int node : session->schedule()) {
      const double ms = Median(layer_ms[node]);
      char pct[16];
      std::snprintf(pct, sizeof(pct), "%.1f", layer_total > 0 ? 100.0 * ms / layer_total : 0.0);
      table.AddRow({std::to_string(node), g.nodes[node].name, OpTypeName(g.nodes[node].op),
                    FormatMs(ms), pct});
    }
    std::fputs(table.Render().c_str(), stdout);
    std::printf("sum of layers: %s ms\n\n", FormatMs(layer_total).c_str());
  }

  if (opt.repeat == 1) {
    std::printf("latency: %s ms (%.2f GFLOP/s)\n", FormatMs(run_ms[0]).c_str(), gflops_per_s);
  } else {
    std::printf("latency: median %s ms over %lld runs (min %s, max %s), %.2f GFLOP/s\n",
                FormatMs(median_ms).c_str(), static_cast<long long>(opt.repeat),
                FormatMs(min_ms).c_str(), FormatMs(max_ms).c_str(), gflops_per_s);
  }
  if (opt.layers) {
    std::printf("(--layers adds a clock read per node; run without it for the plain latency)\n");
  }
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const TensorInfo& t = g.tensors[g.outputs[i]];
    const OutputStats s = Stats(output_data[i]);
    std::printf("output '%s' %s: min %.6g, max %.6g, mean %.6g, argmax %lld", t.name.c_str(),
                t.shape.ToString().c_str(), s.min, s.max, s.mean, static_cast<long long>(s.argmax));
    if (i < opt.outputs.size()) std::printf(" -> %s", opt.outputs[i].c_str());
    std::printf("\n");
  }
  return kExitOk;
}

}  // namespace seam::cli
