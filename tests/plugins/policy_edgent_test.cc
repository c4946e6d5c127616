// edgent (Algorithm 1): most accurate exit whose best partition meets the
// deadline, against an independent enumeration on synthetic multi-exit DAGs.
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

// A random backbone DAG plus 1-3 exit heads (BranchyNet style): each head is
// a small node reading an intermediate backbone tensor. The exit's nodes are
// the head and its ancestors. Exits are listed by increasing accuracy. With
// `last_exit_is_output`, the most accurate exit's tensor is a graph output
// (the main output is one of the exits).
TestGraph MultiExitGraph(std::mt19937_64& rng, bool last_exit_is_output) {
  RandomDagOptions options;
  options.min_nodes = 3;
  options.max_nodes = 10;
  TestGraph g = RandomDag(rng, options);
  std::uniform_int_distribution<int> count(1, 3);
  const int exits = count(rng);
  std::vector<double> accuracy;
  std::uniform_real_distribution<double> u01(0, 1);
  for (int i = 0; i < exits; ++i) accuracy.push_back(0.3 + 0.6 * u01(rng));
  std::sort(accuracy.begin(), accuracy.end());
  const int backbone = g.num_nodes();
  for (int i = 0; i < exits; ++i) {
    // Read the output of a random backbone node.
    std::vector<int> candidates;
    for (int t = 0; t < g.num_tensors(); ++t) {
      if (g.producer[t] >= 0 && g.producer[t] < backbone) candidates.push_back(t);
    }
    std::uniform_int_distribution<size_t> pick(0, candidates.size() - 1);
    const int source = candidates[pick(rng)];
    const double e = LogUniform(rng, 0.05, 5);
    const int head = g.AddNode("exit" + std::to_string(i), e, e * LogUniform(rng, 0.05, 1));
    g.consumers[source].push_back(static_cast<uint32_t>(head));
    const bool output = last_exit_is_output && i == exits - 1;
    const int out = g.AddTensor(head, 40, {}, output);
    TestExit x;
    x.accuracy = accuracy[i];
    x.nodes = g.AncestorsOf(head);
    x.output_tensor = out;
    g.exits.push_back(x);
  }
  RandomTopoOrder(rng, &g);
  return g;
}

struct Choice {
  int exit_index = -1;
  double total = std::numeric_limits<double>::infinity();
};

// Algorithm 1 by enumeration: every prefix of every candidate's nodes.
Choice Enumerate(const TestGraph& g, const seam_policy_conditions& c) {
  std::vector<int> pos(g.num_nodes());
  for (size_t i = 0; i < g.topo.size(); ++i) pos[g.topo[i]] = static_cast<int>(i);
  struct Candidate {
    int exit_index;
    std::vector<uint32_t> nodes;
  };
  std::vector<Candidate> candidates;
  bool exit_is_output = false;
  for (const TestExit& e : g.exits) exit_is_output |= g.is_output[e.output_tensor] != 0;
  if (g.exits.empty() || !exit_is_output) candidates.push_back({-1, g.topo});
  for (int i = static_cast<int>(g.exits.size()) - 1; i >= 0; --i) {
    candidates.push_back({i, g.exits[i].nodes});
  }
  std::vector<Choice> best(candidates.size());
  for (size_t k = 0; k < candidates.size(); ++k) {
    std::vector<uint32_t> nodes = candidates[k].nodes;
    std::sort(nodes.begin(), nodes.end(), [&](uint32_t a, uint32_t b) { return pos[a] < pos[b]; });
    std::vector<uint8_t> active(g.num_nodes(), 0);
    for (uint32_t v : nodes) active[v] = 1;
    best[k].exit_index = candidates[k].exit_index;
    for (size_t p = 0; p <= nodes.size(); ++p) {
      std::vector<uint8_t> on_edge(g.num_nodes(), 0);
      for (size_t i = 0; i < p; ++i) on_edge[nodes[i]] = 1;
      best[k].total = std::min(best[k].total, RefCosts(g, c, on_edge, &active).total);
    }
  }
  for (const Choice& choice : best) {
    if (!(c.deadline_ms > 0) || choice.total <= c.deadline_ms) return choice;
  }
  Choice fastest = best[0];
  for (const Choice& choice : best) {
    if (choice.total < fastest.total) fastest = choice;
  }
  return fastest;
}

class EdgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    module_ = std::make_unique<PolicyModule>("edgent");
    ASSERT_TRUE(module_->ok()) << module_->error();
    policy_ = module_->Create({});
    ASSERT_NE(policy_, nullptr);
  }
  std::unique_ptr<PolicyModule> module_;
  std::unique_ptr<PolicyInstance> policy_;
};

void ExpectMatches(PolicyInstance* policy, TestGraph& g, const seam_policy_conditions& c) {
  Decision d;
  ASSERT_EQ(policy->Plan(g.c(), c, &d), SEAM_STATUS_OK) << d.error;
  EXPECT_CLOSED(g, d.on_edge);
  const Choice expected = Enumerate(g, c);
  ASSERT_EQ(d.d.exit_index, expected.exit_index) << d.d.reason;
  // The reported plan, costed over the chosen sub-model only.
  std::vector<uint8_t> active(g.num_nodes(), 1);
  if (d.d.exit_index >= 0) {
    active.assign(g.num_nodes(), 0);
    for (uint32_t v : g.exits[d.d.exit_index].nodes) active[v] = 1;
    for (int v = 0; v < g.num_nodes(); ++v) {
      if (!active[v]) {
        EXPECT_EQ(d.on_edge[v], 0) << "node outside the exit marked edge";
      }
    }
  }
  const RefCost got = RefCosts(g, c, d.on_edge, &active);
  ASSERT_TRUE(NearlyEqual(got.total, expected.total)) << got.total << " vs " << expected.total;
  EXPECT_TRUE(NearlyEqual(d.d.predicted_total_ms, got.total));
  EXPECT_TRUE(NearlyEqual(d.d.predicted_edge_ms, got.edge));
  EXPECT_TRUE(NearlyEqual(d.d.predicted_server_ms, got.server));
  if (c.deadline_ms > 0 && got.total > c.deadline_ms) {
    EXPECT_NE(std::string(d.d.reason).find("no exit meets"), std::string::npos) << d.d.reason;
  }
}

TEST_F(EdgentTest, MatchesEnumerationOnMultiExitGraphs) {
  std::mt19937_64 rng(0xed6e);
  int early = 0, missed = 0;
  for (int iteration = 0; iteration < 400; ++iteration) {
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    TestGraph g = MultiExitGraph(rng, iteration % 3 == 0);
    seam_policy_conditions c = RandomConditions(rng);
    // Deadlines around the interesting range: from the cheapest exit's
    // device time to the full model's.
    const RefCost full = RefCosts(g, c, std::vector<uint8_t>(g.num_nodes(), 1));
    c.deadline_ms = iteration % 7 == 0 ? 0.0 : full.total * LogUniform(rng, 0.02, 1.2);
    ExpectMatches(policy_.get(), g, c);
    const Choice expected = Enumerate(g, c);
    early += expected.exit_index >= 0;
    missed += c.deadline_ms > 0 && expected.total > c.deadline_ms;
  }
  EXPECT_GT(early, 40);
  EXPECT_GT(missed, 10);
}

TEST_F(EdgentTest, WithoutExitsItIsNeurosurgeonWithADeadlineCheck) {
  auto ns_module = std::make_unique<PolicyModule>("neurosurgeon");
  ASSERT_TRUE(ns_module->ok());
  auto neurosurgeon = ns_module->Create({});
  std::mt19937_64 rng(0xed6f);
  for (int iteration = 0; iteration < 100; ++iteration) {
    TestGraph g = RandomDag(rng);
    seam_policy_conditions c = RandomConditions(rng);
    c.deadline_ms = iteration % 2 ? 1e-3 : 1e9;
    Decision a, b;
    ASSERT_EQ(policy_->Plan(g.c(), c, &a), SEAM_STATUS_OK) << a.error;
    ASSERT_EQ(neurosurgeon->Plan(g.c(), c, &b), SEAM_STATUS_OK) << b.error;
    EXPECT_EQ(a.d.exit_index, -1);
    EXPECT_TRUE(NearlyEqual(a.d.predicted_total_ms, b.d.predicted_total_ms));
    const bool met = a.d.predicted_total_ms <= c.deadline_ms;
    EXPECT_EQ(std::string(a.d.reason).find("no exit meets") == std::string::npos, met)
        << a.d.reason;
  }
}

TEST_F(EdgentTest, NoDeadlineTakesTheMostAccurateBranch) {
  std::mt19937_64 rng(0xed70);
  for (int iteration = 0; iteration < 50; ++iteration) {
    TestGraph g = MultiExitGraph(rng, iteration % 2 == 0);
    const seam_policy_conditions c = RandomConditions(rng);
    Decision d;
    ASSERT_EQ(policy_->Plan(g.c(), c, &d), SEAM_STATUS_OK) << d.error;
    EXPECT_EQ(d.d.exit_index, iteration % 2 == 0 ? static_cast<int>(g.exits.size()) - 1 : -1);
  }
}

TEST_F(EdgentTest, DeadlineFromConfig) {
  auto policy = module_->Create({{"deadline_ms", "0.000001"}});
  ASSERT_NE(policy, nullptr);
  std::mt19937_64 rng(0xed71);
  TestGraph g = MultiExitGraph(rng, false);
  Decision d;
  ASSERT_EQ(policy->Plan(g.c(), MakeConditions(1e8), &d), SEAM_STATUS_OK) << d.error;
  EXPECT_NE(std::string(d.d.reason).find("no exit meets"), std::string::npos) << d.d.reason;
}

}  // namespace
}  // namespace seam_policy_test
