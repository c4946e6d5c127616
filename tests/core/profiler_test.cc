// The per-layer profiler and the Edgent-style latency regression.
#include "seam/profiler.h"

#include <cmath>

#include "gtest/gtest.h"
#include "models/zoo.h"
#include "seam/latency_model.h"
#include "tests/core/test_graphs.h"

namespace seam {
namespace {

TEST(Profiler, TimesEveryNodeAndAccumulatesPerPartitionPoint) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  SessionOptions options;
  options.node_granularity = true;
  std::unique_ptr<Session> session;
  ASSERT_TRUE(Session::Create(b->graph(), options, &session).ok());
  Profile profile;
  ProfileOptions popts;
  popts.runs = 5;
  ASSERT_TRUE(ProfileSession(session.get(), popts, &profile).ok());
  ASSERT_EQ(profile.nodes.size(), b->graph().nodes.size());
  double sum = 0;
  for (const NodeProfile& n : profile.nodes) {
    EXPECT_GT(n.median_ms, 0.0) << n.name;
    EXPECT_GE(n.p90_ms, n.median_ms) << n.name;
    EXPECT_GT(n.output_bytes, 0) << n.name;
    sum += n.median_ms;
  }
  EXPECT_GT(profile.total_median_ms, 0.0);
  ASSERT_EQ(profile.points.size(), PartitionPoints(b->graph()).size() + 1);
  EXPECT_EQ(profile.points.front().edge_ms, 0.0);
  EXPECT_EQ(profile.points.front().boundary_bytes, 1 * 3 * 16 * 16 * 4);
  for (size_t i = 1; i < profile.points.size(); ++i) {
    EXPECT_GE(profile.points[i].edge_ms, profile.points[i - 1].edge_ms);
  }
  EXPECT_NEAR(profile.points.back().edge_ms, sum, 1e-9);
}

TEST(LatencyModel, RecoversAnExactLinearLaw) {
  GraphBuilder b;
  ASSERT_TRUE(BuildZooModel("vgg16", 1, &b).ok());
  const Graph& g = b.graph();
  Profile profile;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    NodeProfile p;
    p.node = static_cast<int>(n);
    const std::vector<double> x = LatencyFeatures(g, g.nodes[n]);
    p.median_ms = 0.5 + 1e-6 * x[0] + (x.size() > 1 ? 3e-4 * x[1] : 0.0);
    profile.nodes.push_back(p);
  }
  const LatencyModel model = LatencyModel::Fit({&g}, {&profile});
  ASSERT_TRUE(model.Has(OpType::kConv2D));
  const OpLatencyModel& conv = model.models().at(OpType::kConv2D);
  EXPECT_EQ(conv.samples, 13);
  EXPECT_NEAR(conv.coefficients[0], 1e-6, 1e-9);
  EXPECT_NEAR(conv.coefficients[1], 3e-4, 1e-7);
  EXPECT_NEAR(conv.coefficients[2], 0.5, 1e-4);
  EXPECT_LT(conv.mean_abs_percent_error, 0.1);
  for (const NodeProfile& p : profile.nodes) {
    EXPECT_NEAR(model.Predict(g, g.nodes[p.node]), p.median_ms, 1e-3 * p.median_ms + 1e-6);
  }
  EXPECT_FALSE(model.Has(OpType::kLSTM));
}

}  // namespace
}  // namespace seam
