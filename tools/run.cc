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
#include "tools/arg_parser.h"
#include "tools/cli_common.h"
#include "tools/json_writer.h"
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
};

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
  parser.AddBool("json", 0, "print JSON instead of text", &opt.json);
  parser.AddBool("verbose", 'v', "log at INFO level", &opt.verbose);
  parser.SetEpilog(
      "Examples:\n"
      "  seam run resnet18.seam --repeat 5 --layers\n"
      "  seam run lenet5.seam --input digit.npy --output logits.npy --json");
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
  session_options.num_threads = static_cast<int>(opt.threads);
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

  for (int64_t r = 0; r < opt.warmup; ++r) {
    status = session->Run(input_views, output_views);
    if (!status.ok()) return ReportError(kCommand, "warm-up run failed: " + status.ToString());
  }
  record_layers = true;
  std::vector<double> run_ms;
  for (int64_t r = 0; r < opt.repeat; ++r) {
    const Clock::time_point start = Clock::now();
    status = session->Run(input_views, output_views);
    const Clock::time_point end = Clock::now();
    if (!status.ok()) return ReportError(kCommand, "run failed: " + status.ToString());
    run_ms.push_back(MsSince(start, end));
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
  for (size_t i = 0; i < g.inputs.size(); ++i) {
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
  std::printf("threads: %d\n", threads_used);

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
