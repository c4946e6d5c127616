// seam_split_benchmark: what splitting a model costs and what lossy
// boundaries do to its answers.
//
// 1. Overhead: the median of a full Session::Run against the median of a
//    split run at three partition points (25 %, 50 %, 75 % of the points):
//    RunUntil + wire encode (f32) + serialise + parse + decode + ResumeFrom,
//    in one process on one backend. The target is <= 2 %.
// 2. Boundary encodings: for several inputs, cut at the middle partition
//    point and resume from an f16 and an int8 boundary; report top-1
//    agreement with the exact (f32) run and the largest output difference.
// A program for people, not a test: its figures go to docs/benchmarks.md.
#include <glog/logging.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "models/zoo.h"
#include "seam/session.h"
#include "seam/wire.h"
#include "tools/arg_parser.h"
#include "tools/cli_common.h"
#include "tools/session_setup.h"

namespace seam::cli {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

void Fill(uint64_t seed, std::vector<float>* v) {
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (float& x : *v) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    x = static_cast<float>(state >> 40) * (2.0f / 16777216.0f) - 1.0f;
  }
}

struct Split {
  Session* edge;
  Session* server;
  const Model* model;
  std::vector<BoundaryTensor> boundary;
  WireMessage message;
  std::vector<uint8_t> bytes;
  DecodedMessage decoded;
};

// Stop + resume only: the server reads the edge's boundary views directly.
Status StopResume(Split* s, const Cut& cut, const std::vector<ConstTensorView>& in,
                  const std::vector<TensorView>& out, std::vector<ConstTensorView>* views) {
  SEAM_RETURN_IF_ERROR(s->edge->RunUntil(cut, in, &s->boundary));
  views->clear();
  for (const BoundaryTensor& b : s->boundary) views->push_back(b.view);
  return s->server->ResumeFrom(cut, *views, out);
}

Status SplitRun(Split* s, const Cut& cut, WireEncoding encoding,
                const std::vector<ConstTensorView>& in, const std::vector<TensorView>& out) {
  const Graph& g = s->model->graph();
  SEAM_RETURN_IF_ERROR(s->edge->RunUntil(cut, in, &s->boundary));
  WireEncodeOptions options;
  options.encoding = encoding;
  SEAM_RETURN_IF_ERROR(
      EncodeMessage(g, s->model->content_hash(), cut, s->boundary, options, &s->message));
  WireMessageToBytes(s->message, &s->bytes);
  WireMessageView view;
  SEAM_RETURN_IF_ERROR(WireMessageFromBytes(s->bytes.data(), s->bytes.size(), &view));
  SEAM_RETURN_IF_ERROR(DecodeMessage(g, s->model->content_hash(), cut, WireKind::kBoundary,
                                     CutBoundary(g, cut), view, &s->decoded));
  return s->server->ResumeFrom(cut, s->decoded.views, out);
}

int64_t Argmax(const std::vector<float>& v) {
  return std::max_element(v.begin(), v.end()) - v.begin();
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string models_text = "alexnet,vgg16,resnet18,resnet50,googlenet,mobilenet_v2,densenet121";
  std::string backend = "auto";
  int64_t threads = 2, runs = 15, inputs = 8;
  ArgParser parser("seam_split_benchmark",
                   "Split overhead (full run vs run-until + wire + resume) and the accuracy of "
                   "f16/int8 boundaries on zoo models.");
  parser.AddString("models", 'm', "LIST", "comma list of zoo models", &models_text);
  parser.AddString("backend", 'b', "NAME", BackendFlagHelp(), &backend);
  parser.AddInt("threads", 't', "N", "threads", &threads, 1, 256);
  parser.AddInt("runs", 'r', "N", "timed runs per measurement (medians)", &runs, 1, 100000);
  parser.AddInt("inputs", 0, "N", "inputs for the encoding accuracy check", &inputs, 1, 10000);
  int code = 0;
  if (!parser.ParseOrReport(args, &code)) return code;

  std::vector<std::string> models;
  for (size_t start = 0; start <= models_text.size();) {
    const size_t comma = std::min(models_text.find(',', start), models_text.size());
    if (comma > start) models.push_back(models_text.substr(start, comma - start));
    start = comma + 1;
  }
  std::printf("machine: %s; backend %s; %lld thread(s); medians of %lld runs\n\n",
              CpuModelName().c_str(), backend.c_str(), static_cast<long long>(threads),
              static_cast<long long>(runs));
  TextTable overhead({"model", "full ms", "cut at", "boundary", "stop+resume ms", "overhead",
                      "+wire ms", "overhead"},
                     {TextTable::kLeft, TextTable::kRight, TextTable::kLeft, TextTable::kRight,
                      TextTable::kRight, TextTable::kRight, TextTable::kRight, TextTable::kRight});
  TextTable accuracy(
      {"model", "cut at", "f32 wire", "f16 wire", "f16 top-1", "f16 max err", "int8 wire",
       "int8 top-1", "int8 max err"},
      {TextTable::kLeft, TextTable::kLeft, TextTable::kRight, TextTable::kRight, TextTable::kRight,
       TextTable::kRight, TextTable::kRight, TextTable::kRight, TextTable::kRight});
  for (const std::string& name : models) {
    GraphBuilder builder;
    std::vector<uint8_t> bytes;
    Status st = BuildZooModel(name, 1, &builder);
    if (st.ok()) st = builder.Serialize(&bytes);
    std::unique_ptr<Model> model;
    if (st.ok()) st = Model::LoadFromBytes(std::move(bytes), &model);
    if (!st.ok()) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(), st.ToString().c_str());
      return 1;
    }
    const Graph& g = model->graph();
    SessionOptions options;
    st = MakeSessionOptions(g, backend, static_cast<int>(threads), false, &options);
    std::unique_ptr<Session> whole, edge, server;
    if (st.ok()) st = Session::Create(*model, options, &whole);
    if (st.ok()) st = Session::Create(*model, options, &edge);
    if (st.ok()) st = Session::Create(*model, options, &server);
    if (!st.ok()) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(), st.ToString().c_str());
      return 1;
    }
    const Shape in_shape = g.tensors[g.inputs[0]].shape;
    const Shape out_shape = g.tensors[g.outputs[0]].shape;
    std::vector<float> input(static_cast<size_t>(in_shape.NumElements()));
    std::vector<float> output(static_cast<size_t>(out_shape.NumElements()));
    Fill(1, &input);
    const std::vector<ConstTensorView> in = {{input.data(), in_shape}};
    const std::vector<TensorView> out = {{output.data(), out_shape}};
    const std::vector<PartitionPoint> points = PartitionPoints(g);
    Split split{edge.get(), server.get(), model.get(), {}, {}, {}, {}};
    std::vector<Cut> cuts;
    std::vector<std::string> cut_names;
    for (double q : {0.25, 0.5, 0.75}) {
      const PartitionPoint& p =
          points[static_cast<size_t>(q * static_cast<double>(points.size() - 1))];
      Cut cut;
      if (!CutAfterNode(g, g.nodes[p.node].name, &cut).ok()) return 1;
      cuts.push_back(cut);
      cut_names.push_back(g.nodes[p.node].name);
      if (!edge->PrepareCut(cut).ok() || !server->PrepareCut(cut).ok()) return 1;
    }
    // Interleave full and split runs so machine noise hits both alike.
    std::vector<double> full_ms;
    std::vector<std::vector<double>> split_ms(cuts.size()), wire_ms(cuts.size());
    std::vector<ConstTensorView> views;
    for (int64_t r = 0; r < runs + 2; ++r) {
      auto t0 = Clock::now();
      if (!whole->Run(in, out).ok()) return 1;
      auto t1 = Clock::now();
      if (r >= 2) full_ms.push_back(Ms(t0, t1));
      for (size_t c = 0; c < cuts.size(); ++c) {
        t0 = Clock::now();
        st = StopResume(&split, cuts[c], in, out, &views);
        t1 = Clock::now();
        if (st.ok()) st = SplitRun(&split, cuts[c], WireEncoding::kF32, in, out);
        const auto t2 = Clock::now();
        if (!st.ok()) {
          std::fprintf(stderr, "%s: %s\n", name.c_str(), st.ToString().c_str());
          return 1;
        }
        if (r >= 2) {
          split_ms[c].push_back(Ms(t0, t1));
          wire_ms[c].push_back(Ms(t1, t2));
        }
      }
    }
    const double full = Median(full_ms);
    for (size_t c = 0; c < cuts.size(); ++c) {
      char pct[32], wpct[32];
      std::snprintf(pct, sizeof(pct), "%+.1f%%", 100.0 * (Median(split_ms[c]) - full) / full);
      std::snprintf(wpct, sizeof(wpct), "%+.1f%%", 100.0 * (Median(wire_ms[c]) - full) / full);
      overhead.AddRow({name, FormatMs(full), cut_names[c],
                       HumanBytes(static_cast<double>(CutBoundaryBytes(g, cuts[c]))),
                       FormatMs(Median(split_ms[c])), pct, FormatMs(Median(wire_ms[c])), wpct});
    }
    // Encoding accuracy at the middle point.
    const Cut& mid = cuts[1];
    std::vector<float> exact(output.size()), lossy(output.size());
    int agree16 = 0, agree8 = 0;
    double err16 = 0, err8 = 0;
    size_t bytes16 = 0, bytes8 = 0, bytes32 = 0;
    for (int64_t k = 0; k < inputs; ++k) {
      Fill(100 + static_cast<uint64_t>(k), &input);
      if (!SplitRun(&split, mid, WireEncoding::kF32, in, {{exact.data(), out_shape}}).ok())
        return 1;
      bytes32 = split.bytes.size();
      for (WireEncoding e : {WireEncoding::kF16, WireEncoding::kI8}) {
        if (!SplitRun(&split, mid, e, in, {{lossy.data(), out_shape}}).ok()) return 1;
        double err = 0;
        for (size_t i = 0; i < exact.size(); ++i)
          err = std::max(err, static_cast<double>(std::fabs(exact[i] - lossy[i])));
        const bool same = Argmax(exact) == Argmax(lossy);
        if (e == WireEncoding::kF16) {
          agree16 += same;
          err16 = std::max(err16, err);
          bytes16 = split.bytes.size();
        } else {
          agree8 += same;
          err8 = std::max(err8, err);
          bytes8 = split.bytes.size();
        }
      }
    }
    char a16[32], a8[32], e16[32], e8[32];
    std::snprintf(a16, sizeof(a16), "%d/%lld", agree16, static_cast<long long>(inputs));
    std::snprintf(a8, sizeof(a8), "%d/%lld", agree8, static_cast<long long>(inputs));
    std::snprintf(e16, sizeof(e16), "%.2e", err16);
    std::snprintf(e8, sizeof(e8), "%.2e", err8);
    accuracy.AddRow({name, cut_names[1], HumanBytes(static_cast<double>(bytes32)),
                     HumanBytes(static_cast<double>(bytes16)), a16, e16,
                     HumanBytes(static_cast<double>(bytes8)), a8, e8});
  }
  std::printf(
      "split overhead vs one full run: stop+resume alone, and with an f32 wire round trip\n"
      "(encode, serialise, parse, verify checksums, decode) between them:\n%s\n",
      overhead.Render().c_str());
  std::printf(
      "lossy boundaries at the middle partition point (outputs are softmax probabilities):\n%s",
      accuracy.Render().c_str());
  return 0;
}

}  // namespace
}  // namespace seam::cli

int main(int argc, char** argv) {
  google::InitGoogleLogging(argv[0]);
  return seam::cli::Main(argc, argv);
}
