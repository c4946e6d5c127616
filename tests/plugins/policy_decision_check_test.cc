// CheckPolicyDecision: the host's check of every answer a policy plugin
// returns (Policy::Plan runs it; tests/fuzz/policy_decision_fuzzer.cc fuzzes
// it). Arbitrary answers against a real graph: only a complete,
// predecessor-closed cut with a known exit and mode and numeric predictions
// is accepted, and a refused answer leaves the output unchanged.
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "gtest/gtest.h"
#include "models/zoo.h"
#include "plugins/policy_host.h"

namespace seam {
namespace {

class PolicyDecisionCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(BuildZooModel("branchy_lenet", 1, &builder_).ok());
    ASSERT_TRUE(builder_.Finish().ok());
    const std::vector<double> ms(graph().nodes.size(), 1.0);
    ASSERT_TRUE(PolicyGraph::Build(graph(), ms, ms, &policy_graph_).ok());
    // A valid answer: everything up to the middle node on the edge.
    Cut cut;
    ASSERT_TRUE(CutAfterNode(graph(), graph().nodes[graph().nodes.size() / 2].name, &cut).ok());
    on_edge_.assign(graph().nodes.size(), 0);
    for (int n : cut.edge_nodes) on_edge_[n] = 1;
    decision_.struct_size = sizeof(decision_);
    decision_.on_edge = on_edge_.data();
    decision_.exit_index = -1;
    decision_.predicted_edge_ms = 1.0;
    decision_.predicted_transfer_ms = std::numeric_limits<double>::infinity();  // dead link
    std::strcpy(decision_.reason, "test");
  }
  const Graph& graph() const { return builder_.graph(); }
  Status Check(PlanDecision* out) {
    return CheckPolicyDecision(policy_graph_, "test", on_edge_.data(), decision_, out);
  }

  GraphBuilder builder_;
  PolicyGraph policy_graph_;
  std::vector<uint8_t> on_edge_;
  seam_policy_decision decision_{};
};

TEST_F(PolicyDecisionCheckTest, AValidAnswerIsAccepted) {
  PlanDecision out;
  const Status s = Check(&out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out.reason, "test");
  EXPECT_EQ(out.policy, "test");
  EXPECT_EQ(out.boundary_bytes, CutBoundaryBytes(graph(), out.cut));
}

TEST_F(PolicyDecisionCheckTest, PredictionsMustBeNumbersAtLeastZero) {
  for (double bad : {std::nan(""), -1.0, -std::numeric_limits<double>::infinity()}) {
    decision_.predicted_server_ms = bad;
    PlanDecision out;
    out.reason = "untouched";
    const Status s = Check(&out);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("predicted server time"), std::string::npos) << s.ToString();
    EXPECT_EQ(out.reason, "untouched");
  }
}

TEST_F(PolicyDecisionCheckTest, UnassignedOrNonBinaryFlagsAreRefused) {
  on_edge_[0] = 2;  // the host's "not written" marker
  PlanDecision out;
  Status s = Check(&out);
  EXPECT_NE(s.message().find("was not assigned"), std::string::npos) << s.ToString();
  on_edge_[0] = 255;
  s = Check(&out);
  EXPECT_NE(s.message().find("was not assigned"), std::string::npos) << s.ToString();
}

TEST_F(PolicyDecisionCheckTest, ACutMissingAnAncestorIsRefused) {
  on_edge_.assign(on_edge_.size(), 0);
  on_edge_.back() = 1;  // the last node without its producers
  PlanDecision out;
  const Status s = Check(&out);
  EXPECT_NE(s.message().find("a cut must include every ancestor"), std::string::npos)
      << s.ToString();
}

TEST_F(PolicyDecisionCheckTest, UnknownExitOrModeIsRefused) {
  PlanDecision out;
  decision_.exit_index = static_cast<int32_t>(graph().exits.size());
  EXPECT_NE(Check(&out).message().find("returned exit"), std::string::npos);
  decision_.exit_index = -2;
  EXPECT_NE(Check(&out).message().find("returned exit"), std::string::npos);
  decision_.exit_index = -1;
  decision_.mode = SEAM_POLICY_MODE_INFEASIBLE + 1;
  EXPECT_NE(Check(&out).message().find("unknown mode"), std::string::npos);
}

TEST_F(PolicyDecisionCheckTest, AnUnterminatedReasonIsReadUpToItsLastByte) {
  std::memset(decision_.reason, 'r', sizeof(decision_.reason));
  PlanDecision out;
  ASSERT_TRUE(Check(&out).ok());
  EXPECT_EQ(out.reason, std::string(sizeof(decision_.reason) - 1, 'r'));
}

}  // namespace
}  // namespace seam
