// seam_reference_benchmark: latency of the zoo models on the reference kernels.
//
// Builds each zoo model in memory (seeded weights), then for each thread
// count runs warm-up + N timed runs of Session::Run on a deterministic input
// and prints median and p90 latency and GFLOP/s (GraphFlops / median). A
// per-configuration time budget lowers N for slow models. This is a program
// for people, not a test: its figures go to docs/benchmarks.md.
#include <glog/logging.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "models/zoo.h"
#include "seam/graph_builder.h"
#include "seam/session.h"
#include "tools/arg_parser.h"
#include "tools/cli_common.h"
#include "tools/json_writer.h"

namespace seam::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> SplitList(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const std::string& item : items) {
    size_t start = 0;
    while (start <= item.size()) {
      const size_t comma = std::min(item.find(',', start), item.size());
      if (comma > start) out.push_back(item.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return out;
}

void FillInput(std::vector<float>* values) {
  uint32_t state = 12345;
  for (float& v : *values) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<float>(state >> 8) * (2.0f / 16777216.0f) - 1.0f;
  }
}

struct Result {
  std::string model;
  int threads = 0;
  int runs = 0;
  int64_t flops = 0;
  double median_ms = 0;
  double p90_ms = 0;
  double min_ms = 0;
  double gflops_per_s = 0;
  std::string error;
};

std::string Row(const Result& r) {
  char buf[1024];
  if (!r.error.empty()) {
    std::snprintf(buf, sizeof(buf), "| %-14s | | %7d | error: %s |", r.model.c_str(), r.threads,
                  r.error.c_str());
    return buf;
  }
  std::snprintf(buf, sizeof(buf), "| %-14s | %9.1f | %7d | %4d | %10.2f | %10.2f | %7.2f |",
                r.model.c_str(), static_cast<double>(r.flops) / 1e6, r.threads, r.runs, r.median_ms,
                r.p90_ms, r.gflops_per_s);
  return buf;
}

int Main(int argc, char** argv) {
  std::vector<std::string> model_args;
  std::vector<std::string> thread_args;
  int64_t runs = 20;
  int64_t warmup = 2;
  int64_t min_runs = 3;
  int64_t budget_s = 30;
  int64_t seed = 1;
  bool json = false;
  ArgParser parser("seam_reference_benchmark",
                   "Time the zoo models on the reference kernels: warm-up runs, then timed runs of "
                   "Session::Run per thread count; prints median and p90 latency (ms) and GFLOP/s "
                   "(GraphFlops / median). Slow models get fewer runs to stay within the time "
                   "budget (but at least --min-runs).");
  parser.AddRepeated("models", 'm', "LIST", "comma-separated zoo model names (default: all)",
                     &model_args);
  parser.AddRepeated("threads", 't', "LIST", "comma-separated thread counts (default 1,2)",
                     &thread_args);
  parser.AddInt("runs", 'n', "N", "timed runs per model and thread count", &runs, 1, 100000);
  parser.AddInt("warmup", 'w', "N", "untimed warm-up runs", &warmup, 0, 1000);
  parser.AddInt("min-runs", 0, "N", "fewest timed runs, whatever the budget", &min_runs, 1, 1000);
  parser.AddInt("budget-seconds", 0, "S", "time budget for the timed runs of one configuration",
                &budget_s, 1, 100000);
  parser.AddInt("seed", 0, "N", "seed for the zoo weights", &seed, 0, INT64_MAX);
  parser.AddBool("json", 0, "print JSON instead of a markdown table", &json);
  std::vector<std::string> args(argv + 1, argv + argc);
  int code = kExitOk;
  if (!parser.ParseOrReport(args, &code)) return code;

  std::vector<std::string> models = SplitList(model_args);
  std::string valid;
  for (const ZooModelInfo& m : ZooModels()) valid += (valid.empty() ? "" : ", ") + m.name;
  if (models.empty()) {
    for (const ZooModelInfo& m : ZooModels()) models.push_back(m.name);
  }
  for (const std::string& name : models) {
    bool known = false;
    for (const ZooModelInfo& m : ZooModels()) known = known || m.name == name;
    if (!known) {
      std::fprintf(stderr,
                   "seam_reference_benchmark: flag '--models': unknown zoo model '%s'; valid "
                   "names: %s\n",
                   name.c_str(), valid.c_str());
      return kExitUsage;
    }
  }
  std::vector<int> thread_counts;
  for (const std::string& t : SplitList(thread_args)) {
    char* end = nullptr;
    const long v = std::strtol(t.c_str(), &end, 10);
    if (end == t.c_str() || *end != '\0' || v < 1 || v > 1024) {
      std::fprintf(stderr, "seam_reference_benchmark: flag '--threads': bad thread count '%s'\n",
                   t.c_str());
      return kExitUsage;
    }
    thread_counts.push_back(static_cast<int>(v));
  }
  if (thread_counts.empty()) thread_counts = {1, 2};

  if (!json) {
    std::printf("# seam reference-kernel latency\n\n");
    std::printf(
        "cpu: %s, %u hardware threads; warm-up %lld, up to %lld timed runs (budget %llds, "
        "at least %lld)\n\n",
        CpuModelName().c_str(), std::thread::hardware_concurrency(), static_cast<long long>(warmup),
        static_cast<long long>(runs), static_cast<long long>(budget_s),
        static_cast<long long>(min_runs));
    std::printf(
        "| model          |     MFLOP | threads | runs |  median ms |     p90 ms | GFLOP/s |\n");
    std::printf(
        "|----------------|----------:|--------:|-----:|-----------:|-----------:|--------:|\n");
    std::fflush(stdout);
  }

  std::vector<Result> results;
  int failures = 0;
  for (const std::string& name : models) {
    GraphBuilder builder(static_cast<uint64_t>(seed));
    Status build_status = BuildZooModel(name, static_cast<uint64_t>(seed), &builder);
    if (build_status.ok()) build_status = builder.Finish();
    const Graph& graph = builder.graph();
    for (int threads : thread_counts) {
      Status status = build_status;
      Result r;
      r.model = name;
      r.threads = threads;
      r.flops = status.ok() ? GraphFlops(graph) : 0;
      std::unique_ptr<Session> session;
      SessionOptions options;
      options.num_threads = threads;
      if (status.ok()) status = Session::Create(graph, options, &session);
      std::vector<std::vector<float>> in_data, out_data;
      std::vector<ConstTensorView> inputs;
      std::vector<TensorView> outputs;
      if (status.ok()) {
        for (int t : graph.inputs) {
          in_data.emplace_back(static_cast<size_t>(graph.tensors[t].shape.NumElements()));
          FillInput(&in_data.back());
        }
        for (int t : graph.outputs) {
          out_data.emplace_back(static_cast<size_t>(graph.tensors[t].shape.NumElements()));
        }
        for (size_t i = 0; i < in_data.size(); ++i) {
          inputs.push_back({in_data[i].data(), graph.tensors[graph.inputs[i]].shape});
        }
        for (size_t i = 0; i < out_data.size(); ++i) {
          outputs.push_back({out_data[i].data(), graph.tensors[graph.outputs[i]].shape});
        }
      }
      // Warm-up, also used to size the number of timed runs.
      double warm_ms = 0;
      for (int64_t i = 0; status.ok() && i < std::max<int64_t>(warmup, 1); ++i) {
        const auto start = Clock::now();
        status = session->Run(inputs, outputs);
        warm_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      }
      std::vector<double> times;
      if (status.ok()) {
        int64_t n = runs;
        if (warm_ms > 0) {
          const int64_t fit =
              static_cast<int64_t>(static_cast<double>(budget_s) * 1000.0 / warm_ms);
          n = std::max(min_runs, std::min(runs, fit));
        }
        for (int64_t i = 0; status.ok() && i < n; ++i) {
          const auto start = Clock::now();
          status = session->Run(inputs, outputs);
          times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        }
      }
      if (!status.ok()) {
        r.error = status.ToString();
        ++failures;
      } else {
        r.runs = static_cast<int>(times.size());
        r.median_ms = Median(times);
        r.p90_ms = Percentile(times, 90);
        r.min_ms = *std::min_element(times.begin(), times.end());
        r.gflops_per_s = r.median_ms > 0 ? static_cast<double>(r.flops) / (r.median_ms * 1e6) : 0;
      }
      if (!json) {
        std::printf("%s\n", Row(r).c_str());
        std::fflush(stdout);
      }
      results.push_back(r);
      if (!build_status.ok()) break;  // one error row for a model that cannot be built
    }
  }

  if (json) {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    w.Field("cpu", CpuModelName());
    w.Field("hardware_threads", static_cast<int64_t>(std::thread::hardware_concurrency()));
    w.Field("warmup", warmup);
    w.Key("results");
    w.BeginArray();
    for (const Result& r : results) {
      w.BeginObject();
      w.Field("model", r.model);
      w.Field("threads", static_cast<int64_t>(r.threads));
      if (!r.error.empty()) {
        w.Field("error", r.error);
      } else {
        w.Field("runs", static_cast<int64_t>(r.runs));
        w.Field("flops", r.flops);
        w.Field("median_ms", r.median_ms);
        w.Field("p90_ms", r.p90_ms);
        w.Field("min_ms", r.min_ms);
        w.Field("gflops_per_s", r.gflops_per_s);
      }
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    std::fputs(out.c_str(), stdout);
  }
  return failures == 0 ? kExitOk : kExitError;
}

}  // namespace
}  // namespace seam::cli

int main(int argc, char** argv) {
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = google::GLOG_WARNING;
  google::InitGoogleLogging(argv[0]);
  return seam::cli::Main(argc, argv);
}
