// measured: the measurement-based method (McNamee et al.) with a CSV table
// written by the test.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/plugins/policy_test_util.h"

namespace seam_policy_test {
namespace {

// input -> conv1 -> pool1 -> conv2 -> fc (a chain) with a skip pool1 -> fc.
TestGraph Model() {
  TestGraph g;
  for (const char* name : {"conv1", "pool1", "conv2", "fc"}) g.AddNode(name, 10, 1);
  g.AddTensor(-1, 600'000, {0});
  g.AddTensor(0, 800'000, {1});
  g.AddTensor(1, 200'000, {2, 3});
  g.AddTensor(2, 100'000, {3});
  g.AddTensor(3, 4'000, {}, true);
  g.topo = {0, 1, 2, 3};
  return g;
}

const char kTable[] =
    "# measured on the bench, 10 runs each\n"
    "point,bandwidth_mbps,cpu_stress,mem_stress,latency_ms\n"
    "input,50,0,0,20\n"
    "pool1,50,0,0,25\n"
    "all,50,0,0,60\n"
    "input,10,0,0,90\n"
    "pool1,10,0,0,45\n"
    "all,10,0,0,60\n"
    // Under CPU stress the edge is slow: offload everything.
    "input,10,90,0,95\n"
    "pool1,10,90,0,120\n"
    "all,10,90,0,200\n"
    "\n";

class MeasuredTest : public ::testing::Test {
 protected:
  void SetUp() override {
    module_ = std::make_unique<PolicyModule>("measured");
    ASSERT_TRUE(module_->ok()) << module_->error();
  }
  std::unique_ptr<PolicyInstance> Create(const std::string& table_text, const Config& extra = {}) {
    Config config = {{"table", dir_.Write("table.csv", table_text)}};
    config.insert(config.end(), extra.begin(), extra.end());
    seam_status st;
    std::string message;
    auto policy = module_->Create(config, &st, &message);
    EXPECT_EQ(st, SEAM_STATUS_OK) << message;
    return policy;
  }
  std::string CreateError(const std::string& table_text, seam_status expected) {
    seam_status st;
    std::string message;
    EXPECT_EQ(module_->Create({{"table", dir_.Write("bad.csv", table_text)}}, &st, &message),
              nullptr);
    EXPECT_EQ(st, expected) << message;
    return message;
  }
  Decision Plan(PolicyInstance* policy, double mbps, double cpu = -1, double mem = -1) {
    TestGraph g = Model();
    seam_policy_conditions c = MakeConditions(mbps * 1e6, 1);
    c.edge_cpu_load = cpu;
    c.edge_mem_pressure = mem;
    Decision d;
    EXPECT_EQ(policy->Plan(g.c(), c, &d), SEAM_STATUS_OK) << d.error;
    EXPECT_CLOSED(g, d.on_edge);
    return d;
  }

  TempDir dir_;
  std::unique_ptr<PolicyModule> module_;
};

TEST_F(MeasuredTest, PicksTheFastestPointAtTheNearestConditions) {
  auto policy = Create(kTable);
  ASSERT_NE(policy, nullptr);
  // 45 Mb/s, no stress: nearest is 50 Mb/s / 0% -> input (20 ms).
  Decision d = Plan(policy.get(), 45, 0, 0);
  EXPECT_EQ(d.on_edge, (std::vector<uint8_t>{0, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(d.d.predicted_total_ms, 20);
  EXPECT_NE(std::string(d.d.reason).find("'input'"), std::string::npos) << d.d.reason;
  // 12 Mb/s, no stress: 10 Mb/s rows -> pool1 (45 ms): conv1 and pool1 on the edge.
  d = Plan(policy.get(), 12, 0, 0);
  EXPECT_EQ(d.on_edge, (std::vector<uint8_t>{1, 1, 0, 0}));
  EXPECT_DOUBLE_EQ(d.d.predicted_total_ms, 45);
  // 12 Mb/s with the CPU at 85%: the stressed rows -> input (95 ms).
  d = Plan(policy.get(), 12, 0.85, 0);
  EXPECT_EQ(d.on_edge, (std::vector<uint8_t>{0, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(d.d.predicted_total_ms, 95);
  // 12 Mb/s, CPU load unknown: both 10 Mb/s groups are nearest; means are
  // input 92.5, pool1 82.5, all 130 -> pool1.
  d = Plan(policy.get(), 12);
  EXPECT_EQ(d.on_edge, (std::vector<uint8_t>{1, 1, 0, 0}));
  EXPECT_DOUBLE_EQ(d.d.predicted_total_ms, 82.5);
  // The breakdown fields come from the cost model.
  EXPECT_DOUBLE_EQ(d.d.predicted_edge_ms, 20);
  EXPECT_DOUBLE_EQ(d.d.predicted_server_ms, 2);
}

TEST_F(MeasuredTest, BandwidthDistanceIsLogarithmic) {
  // 20 Mb/s is log-equidistant from 10 and 40: ties go to the first rows in
  // the file; 19 is nearer 10, 21 nearer 40.
  auto policy = Create(
      "point,bandwidth_mbps,cpu_stress,mem_stress,latency_ms\n"
      "all,10,0,0,30\ninput,10,0,0,50\nall,40,0,0,30\ninput,40,0,0,10\n");
  ASSERT_NE(policy, nullptr);
  EXPECT_EQ(Plan(policy.get(), 19).on_edge, (std::vector<uint8_t>{1, 1, 1, 1}));
  EXPECT_EQ(Plan(policy.get(), 21).on_edge, (std::vector<uint8_t>{0, 0, 0, 0}));
}

TEST_F(MeasuredTest, ColumnsInAnyOrderAndExtraColumns) {
  auto policy = Create(
      "latency_ms , point, runs, mem_stress, cpu_stress, bandwidth_mbps\r\n"
      "12, conv2, 10, 0, 0, 25\r\n"
      "40, all, 10, 0, 0, 25\r\n");
  ASSERT_NE(policy, nullptr);
  const Decision d = Plan(policy.get(), 25);
  EXPECT_EQ(d.on_edge, (std::vector<uint8_t>{1, 1, 1, 0}));
}

TEST_F(MeasuredTest, NoLinkIsEdgeOnly) {
  auto policy = Create(kTable);
  ASSERT_NE(policy, nullptr);
  const Decision d = Plan(policy.get(), 0);
  EXPECT_EQ(d.on_edge, (std::vector<uint8_t>{1, 1, 1, 1}));
}

TEST_F(MeasuredTest, RejectsMalformedTablesWithLineNumbers) {
  const std::string header = "point,bandwidth_mbps,cpu_stress,mem_stress,latency_ms\n";
  EXPECT_NE(CreateError("point,bandwidth_mbps,cpu_stress,latency_ms\nall,1,0,0\n",
                        SEAM_STATUS_INVALID_ARGUMENT)
                .find("bad.csv:1: header lacks column 'mem_stress'"),
            std::string::npos);
  EXPECT_NE(CreateError(header + "all,10,0,0,5\nall,10,0,5\n", SEAM_STATUS_INVALID_ARGUMENT)
                .find(":3: expected 5 fields, found 4"),
            std::string::npos);
  EXPECT_NE(CreateError(header + "\n# c\nall,ten,0,0,5\n", SEAM_STATUS_INVALID_ARGUMENT)
                .find(":4: bandwidth_mbps 'ten' is not a number"),
            std::string::npos);
  EXPECT_NE(CreateError(header + "all,10,150,0,5\n", SEAM_STATUS_INVALID_ARGUMENT)
                .find(":2: cpu_stress must be 0..100"),
            std::string::npos);
  EXPECT_NE(CreateError(header + "all,0,0,0,5\n", SEAM_STATUS_INVALID_ARGUMENT)
                .find(":2: bandwidth_mbps must be > 0"),
            std::string::npos);
  EXPECT_NE(CreateError(header + "all,10,0,0,-5\n", SEAM_STATUS_INVALID_ARGUMENT)
                .find(":2: latency_ms must be >= 0"),
            std::string::npos);
  EXPECT_NE(
      CreateError(header + ",10,0,0,5\n", SEAM_STATUS_INVALID_ARGUMENT).find(":2: empty point"),
      std::string::npos);
  EXPECT_NE(CreateError(header, SEAM_STATUS_INVALID_ARGUMENT).find("no rows"), std::string::npos);
  EXPECT_NE(CreateError("", SEAM_STATUS_INVALID_ARGUMENT).find("empty table"), std::string::npos);
  EXPECT_NE(CreateError("point,point,bandwidth_mbps,cpu_stress,mem_stress,latency_ms\n",
                        SEAM_STATUS_INVALID_ARGUMENT)
                .find("appears twice"),
            std::string::npos);
}

TEST_F(MeasuredTest, UnknownPointIsRejectedAtPlanTimeWithItsLine) {
  auto policy = Create(
      "point,bandwidth_mbps,cpu_stress,mem_stress,latency_ms\nall,10,0,0,5\nconv9,10,0,0,1\n");
  ASSERT_NE(policy, nullptr);
  TestGraph g = Model();
  Decision d;
  EXPECT_EQ(policy->Plan(g.c(), MakeConditions(1e7), &d), SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(d.error.find(":3: point 'conv9' is not a node"), std::string::npos) << d.error;
}

TEST_F(MeasuredTest, MissingTableIsAnErrorAtCreate) {
  seam_status st;
  std::string message;
  EXPECT_EQ(module_->Create({}, &st, &message), nullptr);
  EXPECT_EQ(st, SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(message.find("table=PATH"), std::string::npos) << message;
  EXPECT_EQ(module_->Create({{"table", dir_.path() + "/nope.csv"}}, &st, &message), nullptr);
  EXPECT_EQ(st, SEAM_STATUS_IO);
  EXPECT_NE(message.find("nope.csv"), std::string::npos) << message;
}

TEST_F(MeasuredTest, WeightsChangeWhatIsNearest) {
  // Row A matches the CPU load, row B the bandwidth. Default weights: the
  // bandwidth difference (log2 4 = 2) outweighs the CPU one (0.9).
  const std::string table =
      "point,bandwidth_mbps,cpu_stress,mem_stress,latency_ms\n"
      "input,40,90,0,10\n"
      "all,10,0,0,10\n";
  auto policy = Create(table);
  ASSERT_NE(policy, nullptr);
  EXPECT_EQ(Plan(policy.get(), 10, 0.9).on_edge, (std::vector<uint8_t>{1, 1, 1, 1}));
  auto cpu_heavy = Create(table, {{"cpu_weight", "10"}});
  ASSERT_NE(cpu_heavy, nullptr);
  EXPECT_EQ(Plan(cpu_heavy.get(), 10, 0.9).on_edge, (std::vector<uint8_t>{0, 0, 0, 0}));
}

}  // namespace
}  // namespace seam_policy_test
