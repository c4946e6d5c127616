// oneDNN backend on whole zoo models: every node supported, the whole graph
// compiled as one segment, and both the logits (softmax input, far more
// sensitive than the probabilities) and the output matching the reference
// kernels within max|diff| <= 1e-3 * max|ref| + 1e-4. Also checks the
// backend-driven Session gives the same output.
#if SEAM_WITH_ONEDNN

#include <cstdio>

#include "models/zoo.h"
#include "tests/backends/onednn_test_util.h"

namespace seam {
namespace {

using onednn_test::CountSteps;
using onednn_test::ExpectClose;
using onednn_test::Join;
using onednn_test::OneDnnRun;
using onednn_test::RandomInputs;
using onednn_test::RunOneDnnSegment;
using onednn_test::RunReference;

class OneDnnZoo : public ::testing::TestWithParam<const char*> {};

TEST_P(OneDnnZoo, MatchesReference) {
  const std::string name = GetParam();
  GraphBuilder b;
  ASSERT_TRUE(BuildZooModel(name, 1, &b).ok());
  ASSERT_TRUE(b.Finish().ok());
  const Graph& g = b.graph();
  std::shared_ptr<Backend> backend;
  ASSERT_TRUE(CreateOneDnnBackend(g, {}, &backend).ok());
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    std::string reason;
    EXPECT_TRUE(backend->Supports(static_cast<int>(n), &reason)) << reason;
  }

  // The logits: the input of the Softmax that produces the output.
  std::vector<int> outputs(g.outputs.begin(), g.outputs.end());
  for (const Node& node : g.nodes) {
    if (node.op == OpType::kSoftmax && node.outputs[0] == g.outputs[0]) {
      outputs.push_back(node.inputs[0]);
    }
  }
  const auto inputs = RandomInputs(g);
  std::vector<std::vector<float>> want;
  Status s = RunReference(g, inputs, outputs, &want);
  ASSERT_TRUE(s.ok()) << s.ToString();
  OneDnnRun run;
  s = RunOneDnnSegment(g, inputs, outputs, &run);
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (size_t i = 0; i < outputs.size(); ++i) {
    const double diff =
        ExpectClose(run.outputs[i], want[i], name + " " + g.tensors[outputs[i]].name);
    char text[32];
    std::snprintf(text, sizeof(text), "%.3g", diff);
    RecordProperty(g.tensors[outputs[i]].name + "_max_abs_diff", text);
  }
  // Fusion on real models: every Relu right after a conv, inner product or
  // BatchNorm becomes a post-op (or fuse_norm_relu); BatchNorms are never
  // folded into weights (a cut between conv and BN would round differently),
  // so only the Clips (relu6) after BatchNorms remain eltwise primitives.
  // Layout conversions happen only at the segment boundary.
  int batch_norms = 0, clips_after_bn = 0;
  for (const Node& node : g.nodes) {
    batch_norms += node.op == OpType::kBatchNorm;
    if (node.op == OpType::kClip) {
      for (const Node& p : g.nodes) {
        if (p.op == OpType::kBatchNorm && p.outputs[0] == node.inputs[0]) ++clips_after_bn;
      }
    }
  }
  EXPECT_EQ(CountSteps(run.steps, "eltwise"), clips_after_bn) << Join(run.steps);
  EXPECT_EQ(CountSteps(run.steps, "batch_normalization"), batch_norms) << Join(run.steps);
  EXPECT_LE(CountSteps(run.steps, "reorder"), 2) << Join(run.steps);

  // Through the executor with the backend: same output.
  SessionOptions options;
  options.backend = backend;
  std::unique_ptr<Session> session;
  ASSERT_TRUE(Session::Create(g, options, &session).ok());
  const Shape& out_shape = g.tensors[g.outputs[0]].shape;
  std::vector<float> out(out_shape.NumElements());
  ASSERT_TRUE(
      session->Run({{inputs[0].data(), g.tensors[g.inputs[0]].shape}}, {{out.data(), out_shape}})
          .ok());
  ExpectClose(out, want[0], name + " via Session");
}

INSTANTIATE_TEST_SUITE_P(Models, OneDnnZoo,
                         ::testing::Values("resnet18", "mobilenet_v2", "googlenet", "densenet121",
                                           "alexnet", "mobilenet_v1", "lenet5"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param);
                         });

}  // namespace
}  // namespace seam

#endif  // SEAM_WITH_ONEDNN
