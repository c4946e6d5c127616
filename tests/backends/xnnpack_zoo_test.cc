// XNNPACK backend on zoo models: which nodes it claims, and the model's
// output through a Session on the XNNPACK backend (declined ops on the
// reference kernels) against the reference Session.
#if SEAM_WITH_XNNPACK

#include <ostream>
#include <string>

#include "models/zoo.h"
#include "tests/backends/xnnpack_test_util.h"

namespace seam {
namespace {

using xnnpack_test::CountSteps;
using xnnpack_test::ExpectClose;
using xnnpack_test::Join;
using xnnpack_test::RandomInputs;
using xnnpack_test::RunSession;
using xnnpack_test::RunXnnpackSegment;
using xnnpack_test::XnnpackRun;

struct ZooCase {
  const char* model;
  int declined;  // nodes the backend must leave to the reference kernels
};

// Names the case in gtest messages (instead of dumping the struct's bytes).
void PrintTo(const ZooCase& c, std::ostream* os) { *os << c.model; }

class XnnpackZoo : public ::testing::TestWithParam<ZooCase> {};

TEST_P(XnnpackZoo, MatchesReference) {
  const ZooCase& c = GetParam();
  GraphBuilder b;
  ASSERT_TRUE(BuildZooModel(c.model, 1, &b).ok());
  ASSERT_TRUE(b.Finish().ok());
  const Graph& g = b.graph();
  BackendOptions options;
  options.num_threads = 2;
  std::shared_ptr<Backend> backend;
  ASSERT_TRUE(CreateXnnpackBackend(g, options, &backend).ok());
  int declined = 0;
  std::string reasons;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    std::string reason;
    if (!backend->Supports(static_cast<int>(n), &reason)) {
      ++declined;
      reasons += "  " + g.nodes[n].name + ": " + reason + "\n";
    }
  }
  EXPECT_EQ(declined, c.declined) << reasons;

  const auto inputs = RandomInputs(g);
  const std::vector<int> outputs(g.outputs.begin(), g.outputs.end());
  std::vector<std::vector<float>> want, got;
  Status s = RunSession(g, inputs, outputs, &want);
  ASSERT_TRUE(s.ok()) << s.ToString();
  s = RunSession(g, inputs, outputs, &got, /*xnnpack=*/true);
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (size_t i = 0; i < outputs.size(); ++i) ExpectClose(got[i], want[i], c.model);
}

INSTANTIATE_TEST_SUITE_P(Models, XnnpackZoo,
                         ::testing::Values(ZooCase{"resnet18", 0}, ZooCase{"mobilenet_v2", 0},
                                           ZooCase{"googlenet", 2}, ZooCase{"densenet121", 0},
                                           ZooCase{"mobilenet_v1", 0}, ZooCase{"lenet5", 0},
                                           ZooCase{"mlp", 0}),
                         [](const ::testing::TestParamInfo<ZooCase>& info) {
                           return std::string(info.param.model);
                         });

TEST(XnnpackZooSegment, WholeDenseNetAsOneHandBuiltSegment) {
  // The whole graph as one segment compiled and bound by hand: 58 concats
  // become copy stages between runtimes, every conv and the classifier run in
  // shared runtimes, and no BatchNorm is folded.
  GraphBuilder b;
  ASSERT_TRUE(BuildZooModel("densenet121", 1, &b).ok());
  ASSERT_TRUE(b.Finish().ok());
  const Graph& g = b.graph();
  const auto inputs = RandomInputs(g);
  const std::vector<int> outputs(g.outputs.begin(), g.outputs.end());
  std::vector<std::vector<float>> want;
  ASSERT_TRUE(RunSession(g, inputs, outputs, &want).ok());
  XnnpackRun run;
  const Status s = RunXnnpackSegment(g, inputs, outputs, &run, 2, {}, 2);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectClose(run.outputs[0], want[0], "densenet121");
  EXPECT_EQ(CountSteps(run.steps, "copy"), 58) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "to_nchw"), 0) << Join(run.steps);
  int weighted = 0;
  for (const Node& node : g.nodes) {
    weighted += node.op == OpType::kConv2D || node.op == OpType::kFullyConnected;
  }
  EXPECT_EQ(CountSteps(run.steps, "shared"), weighted) << Join(run.steps);
  EXPECT_NE(Join(run.steps).find("features.denseblock1.denselayer1.norm2"), std::string::npos)
      << Join(run.steps);
}

}  // namespace
}  // namespace seam

#endif  // SEAM_WITH_XNNPACK
