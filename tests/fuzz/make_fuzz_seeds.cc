// Writes the seed corpora of the fuzz targets (tools/fuzz.sh runs it before
// fuzzing; nothing here is checked in):
//
//   OUT/model_loader/     .seam files: small test graphs with weights, one
//                         tiny graph per op family, and every zoo model as a
//                         skeleton (its weights turned into graph inputs, so
//                         the topology of VGG or DenseNet fits in a few
//                         kilobytes; whole zoo files would make every input
//                         hundreds of kilobytes long)
//   OUT/wire/             boundary and output messages of the fuzz models for
//                         every prefix cut, each encoding, contiguous and framed
//   OUT/stream_protocol/  hello, probe, server descriptions, error replies
//   OUT/policy_decision/  the answers a correct policy gives for every cut
//
// The ONNX target's seeds are the committed test models (tests/convert/data).
//
//   make_fuzz_seeds OUT_DIR
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "models/zoo.h"
#include "plugins/policy_host.h"
#include "seam/cut.h"
#include "seam/graph_builder.h"
#include "seam/model.h"
#include "seam/wire.h"
#include "tests/core/test_graphs.h"
#include "tests/fuzz/fuzz_models.h"
#include "tests/fuzz/wire_fuzz_input.h"
#include "tools/stream/stream_protocol.h"

namespace seam::fuzz {
namespace {

namespace fs = std::filesystem;

int g_written = 0;
constexpr size_t kMaxModelSeedBytes = 24 << 10;

void Write(const fs::path& dir, const std::string& name, const std::vector<uint8_t>& bytes) {
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) Fail("cannot write " + (dir / name).string());
  ++g_written;
}

void Check(const Status& s, const std::string& what) {
  if (!s.ok()) Fail(what + ": " + s.ToString());
}

// --- model_loader -------------------------------------------------------------

// The graph with every constant of more than 16 elements turned into a graph
// input: same topology and shapes, almost no bytes. Tiny constants stay, so
// weight data is still in the file.
std::vector<uint8_t> Skeleton(const Graph& full) {
  Graph g = full;
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    TensorInfo& info = g.tensors[t];
    if (info.is_constant() && info.shape.NumElements() > 16) {
      info.data = nullptr;
      info.data_bytes = 0;
      g.inputs.push_back(static_cast<int32_t>(t));
    }
  }
  std::vector<uint8_t> bytes;
  Check(SerializeModel(g, &bytes), "skeleton");
  std::unique_ptr<Model> check;
  Check(Model::LoadFromBytes(bytes, &check), "skeleton reload");
  return bytes;
}

std::vector<uint8_t> Serialized(GraphBuilder* b, const std::string& what) {
  std::vector<uint8_t> bytes;
  Check(b->Serialize(&bytes), what);
  return bytes;
}

// Tiny graphs covering the ops and attribute kinds the test DAG and the
// LeNets do not.
void OpGraphs(const fs::path& dir) {
  {
    GraphBuilder b(3);
    int x = b.Input("x", Shape{2, 3, 4});
    int y = b.Input("y", Shape{2, 4, 5});
    int mm = b.AddNode(OpType::kMatMul, "matmul", {x, y});
    int sg = b.AddNode(OpType::kSigmoid, "sigmoid", {mm});
    int th = b.AddNode(OpType::kTanh, "tanh", {sg});
    int hs = b.AddNode(OpType::kHardSwish, "hardswish", {th});
    int id = b.AddNode(OpType::kIdentity, "identity", {hs});
    int mul = b.AddNode(OpType::kMul, "mul", {id, mm});
    int tr = b.AddNode(OpType::kTranspose, "transpose", {mul}, TransposeAttrs{{2, 0, 1}});
    int cl = b.AddNode(OpType::kClip, "clip", {tr}, ClipAttrs{-0.5f, 0.5f});
    int lr = b.LeakyRelu("leaky", cl, 0.1f);
    int rs = b.Reshape("reshape", lr, {0, -1});
    int sm = b.Softmax("softmax", rs, 0);
    b.Output(sm);
    Write(dir, "ops_matmul_elementwise.seam", Serialized(&b, "matmul graph"));
  }
  {
    GraphBuilder b(4);
    int x = b.Input("x", Shape{1, 2, 5, 6});
    PadAttrs constant{{0, 0, 1, -1, 0, 1, 2, 1}, PadMode::kConstant, 0.5f};
    PadAttrs reflect{{0, 0, 2, 1, 0, 0, 1, 2}, PadMode::kReflect, 0.0f};
    PadAttrs edge{{0, 1, 0, 3, 0, 0, 2, 0}, PadMode::kEdge, 0.0f};
    int p1 = b.AddNode(OpType::kPad, "pad_constant", {x}, constant);
    int p2 = b.AddNode(OpType::kPad, "pad_reflect", {x}, reflect);
    int p3 = b.AddNode(OpType::kPad, "pad_edge", {x}, edge);
    ResizeAttrs up;
    up.scales = {1.0f, 1.0f, 2.0f, 1.5f};
    up.coordinate_mode = ResizeCoordinateMode::kAsymmetric;
    int r1 = b.AddNode(OpType::kResize, "resize", {p1}, up);
    int mp = b.MaxPool("maxpool_ceil", r1, 3, 2, 1, true);
    int ap = b.AveragePool("avgpool_ceil", p2, 2, 2, 1, true, true);
    int gp = b.GlobalAveragePool("gap", p3);
    b.Output(mp);
    b.Output(ap);
    b.Output(gp);
    Write(dir, "ops_pad_resize_pool.seam", Serialized(&b, "pad graph"));
  }
  {
    GraphBuilder b(5);
    int x = b.Input("x", Shape{3, 2, 4});
    int y = b.LSTM("lstm_bi", x, 5, LSTMDirection::kBidirectional);
    int f = b.Flatten("flatten", y, 2);
    b.Output(f);
    Write(dir, "ops_lstm.seam", Serialized(&b, "lstm graph"));
  }
  {
    GraphBuilder b(6);
    int x = b.Input("x", Shape{1, 4, 9, 9});
    Conv2DAttrs c;
    c.kernel_h = 3;
    c.kernel_w = 2;
    c.stride_h = 2;
    c.stride_w = 1;
    c.pad_top = 1;
    c.pad_left = 0;
    c.pad_bottom = 2;
    c.pad_right = 1;
    c.dilation_h = 2;
    c.dilation_w = 1;
    c.group = 2;
    c.activation.kind = ActivationKind::kClip;
    c.activation.alpha = -1.0f;
    c.activation.beta = 1.0f;
    int conv = b.Conv("conv_grouped", x, 6, c, true);
    int dw = b.Conv("conv_depthwise", conv, 6, 3, 1, 1, 6, false, ActivationKind::kRelu);
    int lrn = b.LRN("lrn", dw, 3, 1e-3f, 0.5f, 2.0f);
    int bn = b.BatchNorm("bn", lrn);
    int r6 = b.Relu6("relu6", bn);
    int gap = b.GlobalAveragePool("gap", r6);
    int fl = b.Flatten("flatten", gap);
    int fc = b.FullyConnected("fc", fl, 3, true, ActivationKind::kSigmoid);
    b.Output(fc);
    b.Exit("early", gap, 0.25f);
    Write(dir, "ops_conv_variants.seam", Serialized(&b, "conv graph"));
  }
}

void ModelSeeds(const fs::path& dir) {
  for (uint64_t seed : {1, 7}) {
    auto b = testing::MakeSmallDag(seed);
    Write(dir, "small_dag_" + std::to_string(seed) + ".seam", Serialized(b.get(), "small dag"));
  }
  OpGraphs(dir);
  for (const ZooModelInfo& info : ZooModels()) {
    GraphBuilder b(1);
    Check(BuildZooModel(info.name, 1, &b), info.name);
    Check(b.Finish(), info.name);
    // Big DAG skeletons (DenseNet, ResNet-50, ...) would make libFuzzer
    // mutate 50-150 KB inputs and run 3x slower; the small ones already
    // hold every op and attribute kind the zoo uses.
    const std::vector<uint8_t> skeleton = Skeleton(b.graph());
    if (skeleton.size() <= kMaxModelSeedBytes)
      Write(dir, "zoo_" + info.name + "_skeleton.seam", skeleton);
  }
}

// --- wire ---------------------------------------------------------------------

std::vector<Cut> PrefixCuts(const Graph& g) {
  std::vector<Cut> cuts = {Cut{}};
  for (const Node& node : g.nodes) {
    Cut cut;
    Check(CutAfterNode(g, node.name, &cut), "cut");
    if (cut.edge_nodes.size() < g.nodes.size()) cuts.push_back(cut);
  }
  return cuts;
}

void WireSeeds(const fs::path& dir) {
  for (FuzzModelId id : {FuzzModelId::kSmallDag, FuzzModelId::kBranchyLeNet}) {
    const Model& model = FuzzModel(id);
    const Graph& g = model.graph();
    const uint8_t model_bit = id == FuzzModelId::kBranchyLeNet ? kWireModelBit : 0;
    std::vector<std::vector<float>> values(g.tensors.size());
    for (size_t t = 0; t < g.tensors.size(); ++t) {
      values[t].resize(static_cast<size_t>(g.tensors[t].shape.NumElements()));
      for (size_t k = 0; k < values[t].size(); ++k) {
        values[t][k] = static_cast<float>(static_cast<int>((k * 13 + t) % 29) - 11) * 0.37f;
      }
    }
    const std::vector<Cut> cuts = PrefixCuts(g);
    for (size_t c = 0; c < cuts.size(); ++c) {
      for (WireKind kind : {WireKind::kBoundary, WireKind::kOutputs}) {
        // Outputs replies for a few cuts only: their tensors do not depend on the cut.
        if (kind == WireKind::kOutputs && c % 4 != 0) continue;
        const std::vector<int> tensors =
            kind == WireKind::kBoundary ? CutBoundary(g, cuts[c]) : g.outputs;
        std::vector<BoundaryTensor> boundary;
        for (int t : tensors) boundary.push_back({t, {values[t].data(), g.tensors[t].shape}});
        for (WireEncoding enc : {WireEncoding::kF32, WireEncoding::kF16, WireEncoding::kI8}) {
          WireEncodeOptions options;
          options.encoding = enc;
          options.kind = kind;
          options.frame_id = c;
          options.compute_micros = 1234;
          WireMessage message;
          Check(EncodeMessage(g, model.content_hash(), cuts[c], boundary, options, &message),
                "encode");
          const uint8_t base = kWireFixChecksums | kWireFixCutId | model_bit;
          const std::string name = std::string(id == FuzzModelId::kSmallDag ? "dag" : "branchy") +
                                   "_cut" + std::to_string(c) +
                                   (kind == WireKind::kBoundary ? "_boundary_" : "_outputs_") +
                                   WireEncodingName(enc);
          Write(dir, name + ".bin", WireFuzzInput(base, message));
          Write(dir, name + "_framed.bin", WireFuzzInput(base | kWireFramed, message));
          if (enc == WireEncoding::kF32 && c % 3 == 0) {
            Write(dir, name + "_misaligned.bin",
                  WireFuzzInput(base | kWireFramed | kWireMisalign, message));
            // As sent, checksums and cut id intact: the target repairs nothing.
            Write(dir, name + "_exact.bin", WireFuzzInput(model_bit, message));
          }
        }
      }
    }
  }
}

// --- stream_protocol ----------------------------------------------------------

std::vector<uint8_t> WithNodeCount(uint8_t nodes, const std::vector<uint8_t>& frame) {
  std::vector<uint8_t> out = {nodes};
  out.insert(out.end(), frame.begin(), frame.end());
  return out;
}

void StreamSeeds(const fs::path& dir) {
  using namespace stream;
  Write(dir, "hello.bin", WithNodeCount(3, EncodeHelloRequest()));
  Write(dir, "probe.bin", WithNodeCount(3, EncodeProbeRequest(40)));
  Write(dir, "probe_reply.bin", WithNodeCount(3, EncodeProbeReply()));
  for (uint8_t nodes : {0, 1, 13, 40}) {
    ServerInfo info;
    info.model_hash = FuzzModel(FuzzModelId::kSmallDag).content_hash();
    info.backend = nodes % 2 ? "onednn" : "reference";
    info.threads = 2;
    info.workers = nodes;
    for (uint8_t n = 0; n < nodes; ++n) info.node_ms.push_back(0.25 * n);
    Write(dir, "server_info_" + std::to_string(nodes) + ".bin",
          WithNodeCount(nodes, EncodeServerInfo(info)));
  }
  const Status errors[] = {InvalidArgument("model hash mismatch"), Unsupported("no such op"),
                           Status(StatusCode::kTimeout, "slow"), Internal("bug"),
                           Status(StatusCode::kVersionMismatch, "")};
  for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); ++i) {
    Write(dir, "error_" + std::to_string(i) + ".bin",
          WithNodeCount(1, EncodeErrorReply(errors[i])));
  }
}

// --- policy_decision ----------------------------------------------------------

void PolicySeeds(const fs::path& dir) {
  for (int m = 0; m < kNumFuzzModels; ++m) {
    const Graph& g = FuzzModel(static_cast<FuzzModelId>(m)).graph();
    const std::vector<Cut> cuts = PrefixCuts(g);
    for (size_t c = 0; c < cuts.size(); c += (cuts.size() > 40 ? 7 : 1)) {
      std::vector<uint8_t> in(65, 0);
      in[0] = static_cast<uint8_t>(m) | (c % 5 == 0 ? 0x80 : 0);
      const int32_t exit =
          g.exits.empty() ? -1 : static_cast<int32_t>(c % (g.exits.size() + 1)) - 1;
      const uint32_t mode = static_cast<uint32_t>(c % 3);
      std::memcpy(in.data() + 1, &exit, 4);
      std::memcpy(in.data() + 5, &mode, 4);
      const double times[5] = {1.5, 2.0 * c, 0.25, 3.75 + 2.0 * c, 2.0 * c};
      std::memcpy(in.data() + 9, times, sizeof(times));
      std::memcpy(in.data() + 49, "min transfer cut", 16);
      std::vector<uint8_t> on_edge(g.nodes.size(), 0);
      for (int n : cuts[c].edge_nodes) on_edge[n] = 1;
      in.insert(in.end(), on_edge.begin(), on_edge.end());
      Write(dir, "model" + std::to_string(m) + "_cut" + std::to_string(c) + ".bin", in);
    }
  }
}

}  // namespace
}  // namespace seam::fuzz

int main(int argc, char** argv) {
  using namespace seam::fuzz;
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_seeds OUT_DIR\n");
    return 2;
  }
  const fs::path out = argv[1];
  ModelSeeds(out / "model_loader");
  WireSeeds(out / "wire");
  StreamSeeds(out / "stream_protocol");
  PolicySeeds(out / "policy_decision");
  std::printf("make_fuzz_seeds: wrote %d seed files under %s\n", g_written, out.c_str());
  return 0;
}
