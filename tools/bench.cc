// `seam bench FILE.seam [--backend X] [--threads N] [--runs N] [--warmup N]
// [--json]`: whole-model latency on a backend: median, p90, min and
// GFLOP/s (the model's FLOPs over the median). For comparisons with other
// runtimes see tools/ort_bench/.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "seam/session.h"
#include "tools/arg_parser.h"
#include "tools/cli_common.h"
#include "tools/json_writer.h"
#include "tools/session_setup.h"

namespace seam::cli {

int BenchMain(const std::vector<std::string>& args) {
  constexpr char kCommand[] = "seam bench";
  std::string model_path, backend = "auto";
  int64_t threads = 1, runs = 20, warmup = 3;
  bool json = false, verbose = false;
  ArgParser parser(kCommand,
                   "Benchmark a model on a backend: median and p90 latency over timed runs after "
                   "warm-up, and the achieved GFLOP/s.");
  parser.AddPositional("FILE", "the .seam model file", &model_path);
  parser.AddString("backend", 'b', "NAME", BackendFlagHelp(), &backend);
  parser.AddInt("threads", 't', "N", "threads (backend pool and reference kernels)", &threads, 1,
                256);
  parser.AddInt("runs", 'r', "N", "timed runs", &runs, 1, 1000000);
  parser.AddInt("warmup", 'w', "N", "untimed runs first", &warmup, 0, 1000000);
  parser.AddBool("json", 0, "print JSON", &json);
  parser.AddBool("verbose", 'v', "log at INFO level", &verbose);
  int code = kExitOk;
  if (!parser.ParseOrReport(args, &code)) return code;
  if (verbose) SetVerbose(true);

  std::unique_ptr<Model> model;
  Status status = LoadModel(model_path, &model);
  if (!status.ok()) return ReportError(kCommand, status);
  const Graph& g = model->graph();
  SessionOptions options;
  status = MakeSessionOptions(g, backend, static_cast<int>(threads), false, &options);
  std::unique_ptr<Session> session;
  if (status.ok()) status = Session::Create(*model, options, &session);
  if (!status.ok()) return ReportError(kCommand, status);
  int claimed = 0;
  for (bool b : session->backend_nodes()) claimed += b ? 1 : 0;

  std::vector<std::vector<float>> in_data, out_data;
  std::vector<ConstTensorView> in;
  std::vector<TensorView> out;
  for (int32_t t : g.inputs) {
    in_data.emplace_back(static_cast<size_t>(g.tensors[t].shape.NumElements()));
    for (size_t i = 0; i < in_data.back().size(); ++i)
      in_data.back()[i] = static_cast<float>(i % 255) / 127.5f - 1.0f;
  }
  for (size_t i = 0; i < g.inputs.size(); ++i)
    in.push_back({in_data[i].data(), g.tensors[g.inputs[i]].shape});
  for (int32_t t : g.outputs)
    out_data.emplace_back(static_cast<size_t>(g.tensors[t].shape.NumElements()));
  for (size_t i = 0; i < g.outputs.size(); ++i)
    out.push_back({out_data[i].data(), g.tensors[g.outputs[i]].shape});

  std::vector<double> ms;
  for (int64_t r = 0; r < warmup + runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    status = session->Run(in, out);
    const auto end = std::chrono::steady_clock::now();
    if (!status.ok()) return ReportError(kCommand, status);
    if (r >= warmup) ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  const double median = Median(ms), p90 = Percentile(ms, 90);
  const double min = *std::min_element(ms.begin(), ms.end());
  const double gflops = median > 0 ? static_cast<double>(GraphFlops(g)) / (median * 1e6) : 0;
  if (json) {
    std::string text;
    JsonWriter w(&text);
    w.BeginObject();
    w.Field("model", model_path);
    w.Field("backend", std::string(session->backend_name()));
    w.Field("backend_nodes", static_cast<int64_t>(claimed));
    w.Field("num_nodes", static_cast<int64_t>(g.nodes.size()));
    w.Field("threads", threads);
    w.Field("runs", runs);
    w.Field("warmup", warmup);
    w.Field("median_ms", median);
    w.Field("p90_ms", p90);
    w.Field("min_ms", min);
    w.Field("flops", GraphFlops(g));
    w.Field("gflops_per_s", gflops);
    w.EndObject();
    std::fputs(text.c_str(), stdout);
    return kExitOk;
  }
  std::printf("%s: backend %s (%d of %zu nodes), %lld thread(s), %lld runs after %lld warm-up\n",
              model_path.c_str(), session->backend_name(), claimed, g.nodes.size(),
              static_cast<long long>(threads), static_cast<long long>(runs),
              static_cast<long long>(warmup));
  std::printf("median %s ms, p90 %s ms, min %s ms, %.1f GFLOP/s\n", FormatMs(median).c_str(),
              FormatMs(p90).c_str(), FormatMs(min).c_str(), gflops);
  return kExitOk;
}

}  // namespace seam::cli
