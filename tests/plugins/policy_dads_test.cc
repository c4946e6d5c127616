// neurosurgeon, dads-light (DSL), dads-heavy (DSH) and the DADS Algorithm 3
// mode switch against brute force over every predecessor-closed cut of
// random small DAGs.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/plugins/policy_test_util.h"

namespace seam_policy_test {
namespace {

class DadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"neurosurgeon", "dads-light", "dads-heavy"}) {
      modules_.push_back(std::make_unique<PolicyModule>(name));
      ASSERT_TRUE(modules_.back()->ok()) << modules_.back()->error();
    }
    neurosurgeon_ = modules_[0]->Create({});
    light_ = modules_[1]->Create({});
    heavy_ = modules_[2]->Create({});
    ASSERT_TRUE(neurosurgeon_ && light_ && heavy_);
  }

  Decision Plan(PolicyInstance* policy, TestGraph& g, const seam_policy_conditions& c) {
    Decision d;
    EXPECT_EQ(policy->Plan(g.c(), c, &d), SEAM_STATUS_OK) << d.error;
    EXPECT_CLOSED(g, d.on_edge);
    return d;
  }

  std::vector<std::unique_ptr<PolicyModule>> modules_;
  std::unique_ptr<PolicyInstance> neurosurgeon_, light_, heavy_;
};

struct Optimum {
  double total = std::numeric_limits<double>::infinity();
  double max_stage = std::numeric_limits<double>::infinity();
};

Optimum BruteForce(const TestGraph& g, const seam_policy_conditions& c) {
  Optimum best;
  ForEachClosedCut(g, [&](const std::vector<uint8_t>& on_edge) {
    const RefCost r = RefCosts(g, c, on_edge);
    best.total = std::min(best.total, r.total);
    best.max_stage = std::min(best.max_stage, r.max_stage);
  });
  return best;
}

// Best prefix of the graph's topological order (what Neurosurgeon searches).
double BestPrefixTotal(const TestGraph& g, const seam_policy_conditions& c) {
  double best = std::numeric_limits<double>::infinity();
  for (size_t k = 0; k <= g.topo.size(); ++k) {
    std::vector<uint8_t> on_edge(g.num_nodes(), 0);
    for (size_t i = 0; i < k; ++i) on_edge[g.topo[i]] = 1;
    best = std::min(best, RefCosts(g, c, on_edge).total);
  }
  return best;
}

// The core property: DSL's min cut is the optimal total latency over every
// predecessor-closed cut, rtt and multi-consumer tensors included.
TEST_F(DadsTest, DslIsOptimalOnRandomDags) {
  std::mt19937_64 rng(0xdad5);
  int nontrivial = 0, beats_prefix = 0;
  for (int iteration = 0; iteration < 400; ++iteration) {
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    TestGraph g = RandomDag(rng);
    const seam_policy_conditions c = RandomConditions(rng);
    const Decision d = Plan(light_.get(), g, c);
    const RefCost got = RefCosts(g, c, d.on_edge);
    const Optimum best = BruteForce(g, c);
    ASSERT_TRUE(NearlyEqual(got.total, best.total))
        << "dsl " << got.total << " vs optimum " << best.total << " (" << d.d.reason << ")";
    EXPECT_TRUE(NearlyEqual(d.d.predicted_total_ms, got.total));
    EXPECT_EQ(d.d.mode, static_cast<uint32_t>(SEAM_POLICY_MODE_LIGHT));
    const int on_edge = static_cast<int>(std::count(d.on_edge.begin(), d.on_edge.end(), 1));
    nontrivial += on_edge > 0 && on_edge < g.num_nodes();
    beats_prefix += got.total < BestPrefixTotal(g, c) * (1 - 1e-9);
  }
  // The generator must exercise real cuts, and DAG cuts a chain scan misses.
  EXPECT_GT(nontrivial, 40);
  EXPECT_GT(beats_prefix, 5);
}

TEST_F(DadsTest, NeurosurgeonIsTheBestPrefixAndDslNeverLoses) {
  std::mt19937_64 rng(0x4e55);
  for (int iteration = 0; iteration < 300; ++iteration) {
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    TestGraph g = RandomDag(rng);
    const seam_policy_conditions c = RandomConditions(rng);
    const Decision ns = Plan(neurosurgeon_.get(), g, c);
    const RefCost got = RefCosts(g, c, ns.on_edge);
    ASSERT_TRUE(NearlyEqual(got.total, BestPrefixTotal(g, c))) << got.total;
    // Its edge set is a prefix of topo_order.
    size_t k = 0;
    while (k < g.topo.size() && ns.on_edge[g.topo[k]]) ++k;
    for (size_t i = k; i < g.topo.size(); ++i) EXPECT_EQ(ns.on_edge[g.topo[i]], 0);
    const Decision dsl = Plan(light_.get(), g, c);
    EXPECT_LE(RefCosts(g, c, dsl.on_edge).total, got.total * (1 + 1e-9));
  }
}

TEST_F(DadsTest, DslEqualsNeurosurgeonOnChains) {
  std::mt19937_64 rng(0xc4a1);
  RandomDagOptions chain;
  chain.chain = true;
  chain.max_nodes = 40;
  for (int iteration = 0; iteration < 300; ++iteration) {
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    TestGraph g = RandomDag(rng, chain);
    const seam_policy_conditions c = RandomConditions(rng);
    const Decision ns = Plan(neurosurgeon_.get(), g, c);
    const Decision dsl = Plan(light_.get(), g, c);
    ASSERT_TRUE(NearlyEqual(RefCosts(g, c, dsl.on_edge).total, RefCosts(g, c, ns.on_edge).total))
        << dsl.d.reason << " / " << ns.d.reason;
  }
}

// A tensor read by several server nodes crosses once (the auxiliary vertex).
TEST_F(DadsTest, MultiConsumerTensorIsSentOnce) {
  TestGraph g;
  g.AddNode("stem", 1, 1);
  for (int i = 0; i < 4; ++i) g.AddNode("branch" + std::to_string(i), 30, 1);
  g.AddNode("join", 1, 1);
  g.AddTensor(-1, 8'000'000, {0});        // 64 ms at 1 Gb/s
  g.AddTensor(0, 125'000, {1, 2, 3, 4});  // 1 ms at 1 Gb/s, read by 4 branches
  for (int i = 0; i < 4; ++i) g.AddTensor(1 + i, 1000, {5});
  g.AddTensor(5, 10, {}, true);
  g.topo = {0, 1, 2, 3, 4, 5};
  const seam_policy_conditions c = MakeConditions(1e9);
  const Decision d = Plan(light_.get(), g, c);
  // Best: stem on the edge, everything else on the server, stem's output
  // sent once: 1 + 1 ms + 5 ms.
  EXPECT_EQ(d.on_edge, (std::vector<uint8_t>{1, 0, 0, 0, 0, 0}));
  EXPECT_NEAR(d.d.predicted_transfer_ms, 1.0, 1e-9);
  EXPECT_NEAR(d.d.predicted_total_ms, 7.0, 1e-9);
}

// With an rtt larger than what offloading saves, all-edge wins even though
// the rtt-free min cut offloads.
TEST_F(DadsTest, RttIsChargedOnlyWhenTheServerIsUsed) {
  TestGraph g;
  g.AddNode("a", 5, 1);
  g.AddNode("b", 5, 1);
  g.AddTensor(-1, 1000, {0});
  g.AddTensor(0, 1000, {1});
  g.AddTensor(1, 4, {}, true);
  g.topo = {0, 1};
  seam_policy_conditions c = MakeConditions(1e9, 0);
  Decision d = Plan(light_.get(), g, c);
  EXPECT_EQ(d.on_edge, (std::vector<uint8_t>{0, 0}));
  c.rtt_ms = 20;
  d = Plan(light_.get(), g, c);
  EXPECT_EQ(d.on_edge, (std::vector<uint8_t>{1, 1}));
  EXPECT_EQ(d.d.predicted_transfer_ms, 0.0);
  EXPECT_EQ(d.d.predicted_total_ms, 10.0);
}

TEST_F(DadsTest, DshNeverWorseThanDslAndWithinThreeOfTheOptimumMaxStage) {
  std::mt19937_64 rng(0x4ea7);
  double worst_ratio = 1, sum_ratio = 0;
  int better_than_dsl = 0;
  const int kIterations = 300;
  for (int iteration = 0; iteration < kIterations; ++iteration) {
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    TestGraph g = RandomDag(rng);
    const seam_policy_conditions c = RandomConditions(rng);
    const Decision dsh = Plan(heavy_.get(), g, c);
    const Decision dsl = Plan(light_.get(), g, c);
    const RefCost heavy = RefCosts(g, c, dsh.on_edge);
    const RefCost light = RefCosts(g, c, dsl.on_edge);
    const Optimum best = BruteForce(g, c);
    EXPECT_EQ(dsh.d.mode, static_cast<uint32_t>(SEAM_POLICY_MODE_HEAVY));
    EXPECT_TRUE(NearlyEqual(dsh.d.predicted_max_stage_ms, heavy.max_stage));
    ASSERT_LE(heavy.max_stage, light.max_stage * (1 + 1e-9)) << dsh.d.reason;
    ASSERT_LE(heavy.max_stage, 3 * best.max_stage * (1 + 1e-9)) << dsh.d.reason;
    const double ratio = best.max_stage > 0 ? heavy.max_stage / best.max_stage : 1;
    worst_ratio = std::max(worst_ratio, ratio);
    sum_ratio += ratio;
    better_than_dsl += heavy.max_stage < light.max_stage * (1 - 1e-9);
  }
  std::printf(
      "dsh / optimal max stage over %d DAGs: mean %.4f, worst %.4f; better than dsl in %d\n",
      kIterations, sum_ratio / kIterations, worst_ratio, better_than_dsl);
  EXPECT_GT(better_than_dsl, 10);  // the search does something beyond DSL
}

// Algorithm 3: LIGHT when DSL's max stage fits the period, HEAVY when only
// DSH's does, INFEASIBLE (DSH's plan, "too high") when neither.
TEST_F(DadsTest, Algorithm3SwitchesModes) {
  std::mt19937_64 rng(0xa163);
  int checked = 0;
  for (int iteration = 0; iteration < 2000 && checked < 20; ++iteration) {
    TestGraph g = RandomDag(rng);
    seam_policy_conditions c = RandomConditions(rng);
    const Decision dsl = Plan(light_.get(), g, c);
    const Decision dsh = Plan(heavy_.get(), g, c);
    const double light_stage = dsl.d.predicted_max_stage_ms;
    const double heavy_stage = dsh.d.predicted_max_stage_ms;
    if (!(heavy_stage < light_stage * 0.9) || heavy_stage <= 0) continue;
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    ++checked;
    for (PolicyInstance* policy : {light_.get(), heavy_.get()}) {
      // Rate slow enough for DSL: light, DSL's plan.
      c.frame_rate = 1000.0 / (light_stage * 1.01);
      Decision d = Plan(policy, g, c);
      EXPECT_EQ(d.d.mode, static_cast<uint32_t>(SEAM_POLICY_MODE_LIGHT)) << d.d.reason;
      EXPECT_EQ(d.on_edge, dsl.on_edge);
      // Between the two: heavy.
      c.frame_rate = 1000.0 / ((light_stage + heavy_stage) / 2);
      d = Plan(policy, g, c);
      EXPECT_EQ(d.d.mode, static_cast<uint32_t>(SEAM_POLICY_MODE_HEAVY)) << d.d.reason;
      EXPECT_LE(d.d.predicted_max_stage_ms, 1000.0 / c.frame_rate);
      EXPECT_TRUE(NearlyEqual(d.d.predicted_max_stage_ms, heavy_stage));
      // Faster than anything can go: infeasible, DSH's plan as best effort.
      c.frame_rate = 1000.0 / (heavy_stage * 0.5);
      d = Plan(policy, g, c);
      EXPECT_EQ(d.d.mode, static_cast<uint32_t>(SEAM_POLICY_MODE_INFEASIBLE));
      EXPECT_TRUE(NearlyEqual(d.d.predicted_max_stage_ms, heavy_stage));
      EXPECT_NE(std::string(d.d.reason).find("too high"), std::string::npos) << d.d.reason;
      c.frame_rate = 0;
    }
  }
  EXPECT_EQ(checked, 20);
}

TEST_F(DadsTest, DadsLightWithoutRateIsPlainDsl) {
  std::mt19937_64 rng(0x11);
  for (int iteration = 0; iteration < 50; ++iteration) {
    TestGraph g = RandomDag(rng);
    const seam_policy_conditions c = RandomConditions(rng);
    const Decision d = Plan(light_.get(), g, c);
    EXPECT_EQ(d.d.mode, static_cast<uint32_t>(SEAM_POLICY_MODE_LIGHT));
    EXPECT_NE(std::string(d.d.reason).find("dsl"), std::string::npos) << d.d.reason;
  }
}

// The frame rate can come from the plugin config when the host sets none.
TEST_F(DadsTest, FrameRateFromConfig) {
  auto light = modules_[1]->Create({{"frame_rate", "1000000"}});
  ASSERT_NE(light, nullptr);
  TestGraph g;
  g.AddNode("a", 5, 1);
  g.AddTensor(-1, 1000, {0});
  g.AddTensor(0, 4, {}, true);
  g.topo = {0};
  Decision d;
  ASSERT_EQ(light->Plan(g.c(), MakeConditions(1e9), &d), SEAM_STATUS_OK);
  EXPECT_EQ(d.d.mode, static_cast<uint32_t>(SEAM_POLICY_MODE_INFEASIBLE));
}

TEST_F(DadsTest, DshOptionsAreValidated) {
  seam_status st;
  std::string message;
  EXPECT_EQ(modules_[2]->Create({{"refine", "1"}}, &st, &message), nullptr);
  EXPECT_EQ(st, SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(message.find("refine"), std::string::npos);
  EXPECT_NE(modules_[2]->Create({{"refine", "8"}, {"max_rounds", "3"}, {"epsilon_ms", "0.01"}}),
            nullptr);
}

}  // namespace
}  // namespace seam_policy_test
