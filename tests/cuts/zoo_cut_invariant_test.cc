// The split invariant on real models: for every partition point of every zoo
// model, and sampled general cuts of the DAG models, on every backend built
// here, run-until + wire encode/decode + resume equals the full run on that
// backend, bit for bit.
#include <cstring>
#include <random>

#include "backends/backend_registry.h"
#include "gtest/gtest.h"
#include "models/zoo.h"
#include "seam/session.h"
#include "seam/wire.h"

namespace seam {
namespace {

struct Case {
  std::string model;
  std::string backend;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.model << " on " << c.backend; }

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  return info.param.model + "_" + info.param.backend;
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (const ZooModelInfo& m : ZooModels()) {
    for (const std::string& b : AvailableBackends()) cases.push_back({m.name, b});
  }
  return cases;
}

class ZooCutInvariant : public ::testing::TestWithParam<Case> {};

TEST_P(ZooCutInvariant, SplitRunEqualsFullRun) {
  const Case& c = GetParam();
  GraphBuilder builder;
  ASSERT_TRUE(BuildZooModel(c.model, 3, &builder).ok());
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(builder.Serialize(&bytes).ok());
  std::unique_ptr<Model> model;
  ASSERT_TRUE(Model::LoadFromBytes(std::move(bytes), &model).ok());
  const Graph& g = model->graph();

  BackendOptions backend_options;
  backend_options.num_threads = 2;
  SessionOptions options;
  options.num_threads = 2;
  ASSERT_TRUE(CreateBackend(c.backend, g, backend_options, &options.backend).ok());
  std::unique_ptr<Session> whole, edge, server;
  ASSERT_TRUE(Session::Create(*model, options, &whole).ok());
  ASSERT_TRUE(Session::Create(*model, options, &edge).ok());
  ASSERT_TRUE(Session::Create(*model, options, &server).ok());

  const Shape in_shape = g.tensors[g.inputs[0]].shape;
  const Shape out_shape = g.tensors[g.outputs[0]].shape;
  std::vector<float> input(static_cast<size_t>(in_shape.NumElements()));
  for (size_t i = 0; i < input.size(); ++i)
    input[i] = static_cast<float>((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
  std::vector<float> expected(static_cast<size_t>(out_shape.NumElements()));
  ASSERT_TRUE(whole->Run({{input.data(), in_shape}}, {{expected.data(), out_shape}}).ok());

  std::vector<Cut> cuts = {Cut{}};
  for (const PartitionPoint& p : PartitionPoints(g)) {
    Cut cut;
    ASSERT_TRUE(CutAfterNode(g, g.nodes[p.node].name, &cut).ok());
    cuts.push_back(cut);
  }
  if (!IsChain(g)) {
    // General cuts: unions of ancestor-closed sets are ancestor-closed.
    std::mt19937 rng(11);
    for (int k = 0; k < 4; ++k) {
      std::vector<bool> on_edge(g.nodes.size(), false);
      for (int pick = 0; pick < 3; ++pick) {
        Cut part;
        const int node = static_cast<int>(rng() % g.nodes.size());
        ASSERT_TRUE(CutAfterNode(g, g.nodes[node].name, &part).ok());
        for (int n : part.edge_nodes) on_edge[n] = true;
      }
      Cut cut;
      for (size_t n = 0; n < on_edge.size(); ++n) {
        if (on_edge[n]) cut.edge_nodes.push_back(static_cast<int>(n));
      }
      cuts.push_back(cut);
    }
  }

  std::vector<BoundaryTensor> boundary;
  WireMessage message;
  std::vector<uint8_t> wire_bytes;
  DecodedMessage decoded;
  std::vector<float> got(expected.size());
  for (const Cut& cut : cuts) {
    Status s = edge->RunUntil(cut, {{input.data(), in_shape}}, &boundary);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(EncodeMessage(g, model->content_hash(), cut, boundary, {}, &message).ok());
    WireMessageToBytes(message, &wire_bytes);
    WireMessageView view;
    ASSERT_TRUE(WireMessageFromBytes(wire_bytes.data(), wire_bytes.size(), &view).ok());
    s = DecodeMessage(g, model->content_hash(), cut, WireKind::kBoundary, CutBoundary(g, cut), view,
                      &decoded);
    ASSERT_TRUE(s.ok()) << s.ToString();
    std::fill(got.begin(), got.end(), -7.0f);
    s = server->ResumeFrom(cut, decoded.views, {{got.data(), out_shape}});
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(0, std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)))
        << c.model << " on " << c.backend << ": cut with " << cut.edge_nodes.size()
        << " edge nodes differs from the full run";
  }
}

INSTANTIATE_TEST_SUITE_P(AllZooModels, ZooCutInvariant, ::testing::ValuesIn(AllCases()), CaseName);

}  // namespace
}  // namespace seam
