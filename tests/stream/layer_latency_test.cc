// MeasureLayerLatency (tools/stream/layer_latency.cc), what the edge and the
// server feed the partition policy: per-node times in their measured
// proportions, scaled so they add up to the whole fused run.
#include "tools/stream/layer_latency.h"

#include <cmath>
#include <memory>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"
#include "models/zoo.h"
#include "seam/graph_builder.h"
#include "seam/model.h"
#include "tools/session_setup.h"

namespace seam::stream {
namespace {

std::unique_ptr<Model> ZooModel(const std::string& name) {
  GraphBuilder builder;
  EXPECT_TRUE(BuildZooModel(name, 1, &builder).ok());
  EXPECT_TRUE(builder.Finish().ok());
  std::vector<uint8_t> bytes;
  EXPECT_TRUE(SerializeModel(builder.graph(), &bytes).ok());
  std::unique_ptr<Model> model;
  EXPECT_TRUE(Model::LoadFromBytes(std::move(bytes), &model).ok());
  return model;
}

// For each backend this build has: the node times add up to the whole run
// and keep the per-node profile's proportions (one scale for all nodes).
TEST(LayerLatencyTest, NodeTimesAddUpToTheWholeFusedRun) {
  const std::unique_ptr<Model> model = ZooModel("lenet5");
  ASSERT_NE(model, nullptr);
  for (const char* backend : {"ref", "auto"}) {
    SCOPED_TRACE(backend);
    SessionOptions options;
    ASSERT_TRUE(cli::MakeSessionOptions(model->graph(), backend, 1, false, &options).ok());
    std::vector<double> node_ms;
    Profile profile;
    double whole_ms = 0;
    ASSERT_TRUE(MeasureLayerLatency(*model, options, 3, &node_ms, &profile, &whole_ms).ok());
    ASSERT_EQ(node_ms.size(), model->graph().nodes.size());
    ASSERT_GT(whole_ms, 0);
    double unscaled = 0;
    for (const NodeProfile& n : profile.nodes) unscaled += n.median_ms;
    const double sum = std::accumulate(node_ms.begin(), node_ms.end(), 0.0);
    const double scale = unscaled > 0 ? sum / unscaled : 0;
    if (whole_ms / unscaled >= 0.25 && whole_ms / unscaled <= 4) {
      EXPECT_NEAR(sum, whole_ms, 1e-9 * whole_ms);
    } else {  // a timing glitch beyond the clamp: the scale stops at 4x
      EXPECT_TRUE(std::fabs(scale - 0.25) < 1e-9 || std::fabs(scale - 4) < 1e-9) << scale;
    }
    for (const NodeProfile& n : profile.nodes) {
      EXPECT_NEAR(node_ms[static_cast<size_t>(n.node)], n.median_ms * scale, 1e-9)
          << model->graph().nodes[static_cast<size_t>(n.node)].name;
    }
  }
}

}  // namespace
}  // namespace seam::stream
