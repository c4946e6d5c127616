// dsccs: minimum total latency within a server time budget, against brute
// force over every predecessor-closed cut.
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

class DsccsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    module_ = std::make_unique<PolicyModule>("dsccs");
    ASSERT_TRUE(module_->ok()) << module_->error();
    dsl_module_ = std::make_unique<PolicyModule>("dads-light");
    ASSERT_TRUE(dsl_module_->ok()) << dsl_module_->error();
  }
  std::unique_ptr<PolicyModule> module_, dsl_module_;
};

// The constrained optimum by enumeration; `with_transfer` is the paper's
// eq. (6) (transfer + server <= budget).
double BruteForce(const TestGraph& g, const seam_policy_conditions& c, double budget,
                  bool with_transfer) {
  double best = std::numeric_limits<double>::infinity();
  ForEachClosedCut(g, [&](const std::vector<uint8_t>& on_edge) {
    const RefCost r = RefCosts(g, c, on_edge);
    const double used = with_transfer ? r.server + r.transfer : r.server;
    if (used <= budget) best = std::min(best, r.total);
  });
  return best;
}

void CheckAgainstBruteForce(PolicyModule* module, bool with_transfer, uint64_t seed, int iterations,
                            const RandomDagOptions& options) {
  auto policy = module->Create({{"constraint", with_transfer ? "server+transfer" : "server"}});
  ASSERT_NE(policy, nullptr);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u01(0, 1);
  int binding = 0;
  for (int iteration = 0; iteration < iterations; ++iteration) {
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    TestGraph g = RandomDag(rng, options);
    seam_policy_conditions c = RandomConditions(rng);
    // Budgets from "almost nothing" to "everything": a fraction of the
    // all-server time.
    const RefCost all_server = RefCosts(g, c, std::vector<uint8_t>(g.num_nodes(), 0));
    const double scale = with_transfer ? all_server.server + std::min(all_server.transfer, 100.0)
                                       : all_server.server;
    c.server_budget_ms = std::max(1e-6, scale * u01(rng) * 1.2);
    Decision d;
    ASSERT_EQ(policy->Plan(g.c(), c, &d), SEAM_STATUS_OK) << d.error;
    EXPECT_CLOSED(g, d.on_edge);
    const RefCost got = RefCosts(g, c, d.on_edge);
    const double used = with_transfer ? got.server + got.transfer : got.server;
    ASSERT_LE(used, c.server_budget_ms * (1 + 1e-9)) << d.d.reason;
    const double best = BruteForce(g, c, c.server_budget_ms, with_transfer);
    ASSERT_TRUE(NearlyEqual(got.total, best))
        << "dsccs " << got.total << " vs optimum " << best << " (" << d.d.reason << ")";
    EXPECT_TRUE(NearlyEqual(d.d.predicted_total_ms, got.total));
    // Count instances where the budget changes the answer.
    const double unconstrained = BruteForce(g, c, std::numeric_limits<double>::infinity(), false);
    binding += best > unconstrained * (1 + 1e-9);
  }
  EXPECT_GT(binding, iterations / 10) << "too few budgets bind; the test would prove little";
}

TEST_F(DsccsTest, ServerBudgetMatchesBruteForce) {
  CheckAgainstBruteForce(module_.get(), false, 0xcc5, 400, {});
}

TEST_F(DsccsTest, ServerPlusTransferBudgetMatchesBruteForce) {
  CheckAgainstBruteForce(module_.get(), true, 0xcc6, 300, {});
}

// Larger graphs (up to 18 nodes, 2^18 subsets) exercise the Lagrangian bounds
// deeper in the search.
TEST_F(DsccsTest, MatchesBruteForceOnLargerGraphs) {
  RandomDagOptions options;
  options.min_nodes = 14;
  options.max_nodes = 18;
  CheckAgainstBruteForce(module_.get(), false, 0xcc7, 25, options);
}

TEST_F(DsccsTest, InfeasibleBudgetFallsBackToEdgeOnly) {
  auto policy = module_->Create({});
  ASSERT_NE(policy, nullptr);
  TestGraph g;
  g.AddNode("a", 10, 1);
  g.AddNode("b", 10, 2);
  g.AddTensor(-1, 100, {0});
  g.AddTensor(0, 100, {1});
  g.AddTensor(1, 4, {}, true);
  g.topo = {0, 1};
  seam_policy_conditions c = MakeConditions(1e9, 1);
  c.server_budget_ms = 0.5;  // no node fits
  Decision d;
  ASSERT_EQ(policy->Plan(g.c(), c, &d), SEAM_STATUS_OK) << d.error;
  EXPECT_EQ(d.on_edge, (std::vector<uint8_t>{1, 1}));
  EXPECT_EQ(d.d.predicted_server_ms, 0.0);
  EXPECT_EQ(d.d.predicted_transfer_ms, 0.0);
  EXPECT_NE(std::string(d.d.reason).find("edge-only"), std::string::npos) << d.d.reason;
  // A budget for b only.
  c.server_budget_ms = 2;
  ASSERT_EQ(policy->Plan(g.c(), c, &d), SEAM_STATUS_OK) << d.error;
  EXPECT_EQ(d.on_edge, (std::vector<uint8_t>{1, 0}));
  // Enough for both.
  c.server_budget_ms = 3;
  ASSERT_EQ(policy->Plan(g.c(), c, &d), SEAM_STATUS_OK) << d.error;
  EXPECT_EQ(d.on_edge, (std::vector<uint8_t>{0, 0}));
}

TEST_F(DsccsTest, WithoutABudgetItIsDsl) {
  auto policy = module_->Create({});
  auto dsl = dsl_module_->Create({});
  ASSERT_TRUE(policy && dsl);
  std::mt19937_64 rng(0xcc8);
  for (int iteration = 0; iteration < 50; ++iteration) {
    TestGraph g = RandomDag(rng);
    const seam_policy_conditions c = RandomConditions(rng);
    Decision a, b;
    ASSERT_EQ(policy->Plan(g.c(), c, &a), SEAM_STATUS_OK) << a.error;
    ASSERT_EQ(dsl->Plan(g.c(), c, &b), SEAM_STATUS_OK) << b.error;
    EXPECT_TRUE(NearlyEqual(a.d.predicted_total_ms, b.d.predicted_total_ms));
    EXPECT_NE(std::string(a.d.reason).find("no server budget"), std::string::npos);
  }
}

TEST_F(DsccsTest, BudgetFromConfigAndBadConstraint) {
  auto policy = module_->Create({{"server_budget_ms", "0.5"}});
  ASSERT_NE(policy, nullptr);
  TestGraph g;
  g.AddNode("a", 10, 1);
  g.AddTensor(-1, 100, {0});
  g.AddTensor(0, 4, {}, true);
  g.topo = {0};
  Decision d;
  ASSERT_EQ(policy->Plan(g.c(), MakeConditions(1e9), &d), SEAM_STATUS_OK) << d.error;
  EXPECT_EQ(d.on_edge, (std::vector<uint8_t>{1}));
  seam_status st;
  std::string message;
  EXPECT_EQ(module_->Create({{"constraint", "cloud"}}, &st, &message), nullptr);
  EXPECT_EQ(st, SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(message.find("constraint"), std::string::npos);
}

}  // namespace
}  // namespace seam_policy_test
