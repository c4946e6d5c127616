// SessionOptions::max_cut_plans: a session keeps the plans of at most that
// many cuts (least recently used dropped first), a dropped cut is planned
// again when it comes back, and every split run stays exact. This is what
// keeps `seam serve` bounded when edges name many different cuts.
#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "seam/cut.h"
#include "seam/session.h"
#include "tests/core/test_graphs.h"

namespace seam {
namespace {

// Runs `cut` split (RunUntil, copy the boundary, ResumeFrom) and returns the output.
std::vector<float> RunSplit(Session* session, const Cut& cut,
                            const std::vector<ConstTensorView>& inputs) {
  std::vector<BoundaryTensor> boundary;
  EXPECT_TRUE(session->RunUntil(cut, inputs, &boundary).ok());
  std::vector<std::vector<float>> copies;
  std::vector<ConstTensorView> views;
  for (const BoundaryTensor& b : boundary) {
    copies.emplace_back(b.view.data, b.view.data + b.view.shape.NumElements());
  }
  for (size_t i = 0; i < boundary.size(); ++i) {
    views.push_back({copies[i].data(), boundary[i].view.shape});
  }
  std::vector<float> out(10);
  EXPECT_TRUE(session->ResumeFrom(cut, views, {{out.data(), Shape{1, 10}}}).ok());
  return out;
}

TEST(CutPlanCache, KeepsAtMostTheBoundAndStaysExact) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  const Graph& g = b->graph();
  std::vector<float> in(3 * 16 * 16), expected(10);
  for (size_t i = 0; i < in.size(); ++i) in[i] = std::sin(0.07f * static_cast<float>(i));
  const std::vector<ConstTensorView> inputs = {{in.data(), Shape{1, 3, 16, 16}}};

  std::vector<Cut> cuts;
  for (const PartitionPoint& p : PartitionPoints(g)) {
    Cut cut;
    ASSERT_TRUE(CutAfterNode(g, g.nodes[p.node].name, &cut).ok());
    cuts.push_back(cut);
  }
  ASSERT_GE(cuts.size(), 3u) << "the test needs three different cuts";

  SessionOptions unbounded_options;
  std::unique_ptr<Session> unbounded;
  ASSERT_TRUE(Session::Create(g, unbounded_options, &unbounded).ok());
  ASSERT_TRUE(unbounded->Run(inputs, {{expected.data(), Shape{1, 10}}}).ok());

  SessionOptions options;
  options.max_cut_plans = 2;
  std::unique_ptr<Session> session;
  ASSERT_TRUE(Session::Create(g, options, &session).ok());
  // Cycle through every cut three times: each comes back after being dropped.
  for (int round = 0; round < 3; ++round) {
    for (const Cut& cut : cuts) {
      EXPECT_EQ(RunSplit(session.get(), cut, inputs), expected);
      EXPECT_LE(session->CachedCutPlans(), 2u);
      EXPECT_EQ(RunSplit(unbounded.get(), cut, inputs), expected);
    }
  }
  EXPECT_EQ(session->CachedCutPlans(), 2u);
  // Without a bound every cut stays.
  EXPECT_EQ(unbounded->CachedCutPlans(), cuts.size());
}

TEST(CutPlanCache, TheMostRecentlyUsedCutSurvives) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  const Graph& g = b->graph();
  std::vector<Cut> cuts;
  for (const PartitionPoint& p : PartitionPoints(g)) {
    Cut cut;
    ASSERT_TRUE(CutAfterNode(g, g.nodes[p.node].name, &cut).ok());
    cuts.push_back(cut);
  }
  ASSERT_GE(cuts.size(), 3u);
  SessionOptions options;
  options.max_cut_plans = 2;
  std::unique_ptr<Session> session;
  ASSERT_TRUE(Session::Create(g, options, &session).ok());
  // Plan A, B, touch A, plan C: B (least recent) goes, A stays.
  ASSERT_TRUE(session->PrepareCut(cuts[0]).ok());
  ASSERT_TRUE(session->PrepareCut(cuts[1]).ok());
  ASSERT_TRUE(session->PrepareCut(cuts[0]).ok());
  ASSERT_TRUE(session->PrepareCut(cuts[2]).ok());
  EXPECT_EQ(session->CachedCutPlans(), 2u);
  EXPECT_TRUE(session->HasCutPlans(cuts[0]));
  EXPECT_FALSE(session->HasCutPlans(cuts[1]));
  EXPECT_TRUE(session->HasCutPlans(cuts[2]));
}

}  // namespace
}  // namespace seam
