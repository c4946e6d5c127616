// ABI conformance of every bundled policy .so, loaded with dlopen the way a
// foreign host would: one exported symbol, a correct descriptor, version
// negotiation, config validation, input validation with messages, outputs
// untouched on failure, and a complete, closed, correctly costed decision.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/plugins/policy_test_util.h"

namespace seam_policy_test {
namespace {

class PolicyAbiTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    module_ = std::make_unique<PolicyModule>(GetParam());
    ASSERT_TRUE(module_->ok()) << module_->error();
  }
  // A config the policy accepts (measured needs a table).
  Config GoodConfig() {
    if (std::string(GetParam()) == "measured") {
      return {{"table", dir_.Write("t.csv",
                                   "point,bandwidth_mbps,cpu_stress,mem_stress,latency_ms\n"
                                   "all,10,0,0,5\ninput,10,0,0,7\n")}};
    }
    return {};
  }
  std::unique_ptr<PolicyInstance> Instance() {
    seam_status st;
    std::string message;
    auto instance = module_->Create(GoodConfig(), &st, &message);
    EXPECT_EQ(st, SEAM_STATUS_OK) << message;
    return instance;
  }

  TempDir dir_;
  std::unique_ptr<PolicyModule> module_;
};

TEST_P(PolicyAbiTest, ExportsExactlyTheQuerySymbol) {
  std::vector<std::string> symbols;
  std::string error;
  ASSERT_TRUE(DefinedDynamicSymbols(module_->path(), &symbols, &error)) << error;
  EXPECT_EQ(symbols, std::vector<std::string>{"seam_plugin_query"});
}

TEST_P(PolicyAbiTest, DescribesItselfAsAPolicy) {
  const seam_plugin_info* info = module_->info();
  EXPECT_GE(info->struct_size, sizeof(seam_plugin_info));
  EXPECT_EQ(info->abi_major, static_cast<uint32_t>(SEAM_PLUGIN_ABI_MAJOR));
  EXPECT_EQ(info->abi_minor, static_cast<uint32_t>(SEAM_PLUGIN_ABI_MINOR));
  EXPECT_EQ(info->kind, static_cast<uint32_t>(SEAM_PLUGIN_KIND_POLICY));
  EXPECT_STREQ(info->name, GetParam());
  ASSERT_NE(info->version, nullptr);
  EXPECT_GT(std::strlen(info->version), 0u);
  ASSERT_NE(info->description, nullptr);
  EXPECT_GT(std::strlen(info->description), 0u);
  const seam_policy_vtable* vt = module_->vtable();
  EXPECT_GE(vt->struct_size, sizeof(seam_policy_vtable));
  EXPECT_NE(vt->create, nullptr);
  EXPECT_NE(vt->destroy, nullptr);
  EXPECT_NE(vt->plan, nullptr);
}

TEST_P(PolicyAbiTest, RefusesAnotherAbiMajor) {
  const seam_plugin_info* untouched = reinterpret_cast<const seam_plugin_info*>(0x1);
  const seam_plugin_info* info = untouched;
  TestHost host;
  EXPECT_EQ(module_->query()(SEAM_PLUGIN_ABI_MAJOR + 1, 0, host.api(), &info),
            SEAM_STATUS_VERSION_MISMATCH);
  EXPECT_EQ(info, untouched);
  EXPECT_EQ(module_->query()(SEAM_PLUGIN_ABI_MAJOR - 1, 0, host.api(), &info),
            SEAM_STATUS_VERSION_MISMATCH);
  EXPECT_EQ(info, untouched);
  ASSERT_FALSE(host.logs().empty());
  EXPECT_NE(host.logs()[0].find("refusing"), std::string::npos) << host.logs()[0];
  // No host API at all: still refused, without crashing.
  EXPECT_EQ(module_->query()(SEAM_PLUGIN_ABI_MAJOR + 1, 0, nullptr, &info),
            SEAM_STATUS_VERSION_MISMATCH);
  // A newer minor host only adds fields at the end: accepted.
  EXPECT_EQ(module_->query()(SEAM_PLUGIN_ABI_MAJOR, SEAM_PLUGIN_ABI_MINOR + 3, host.api(), &info),
            SEAM_STATUS_OK);
  EXPECT_EQ(info, module_->info());
  EXPECT_EQ(module_->query()(SEAM_PLUGIN_ABI_MAJOR, SEAM_PLUGIN_ABI_MINOR, host.api(), nullptr),
            SEAM_STATUS_INVALID_ARGUMENT);
}

TEST_P(PolicyAbiTest, RejectsUnknownAndBadConfig) {
  seam_status st;
  std::string message;
  Config config = GoodConfig();
  config.push_back({"no_such_key", "1"});
  EXPECT_EQ(module_->Create(config, &st, &message), nullptr);
  EXPECT_EQ(st, SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(message.find("no_such_key"), std::string::npos) << message;

  config = GoodConfig();
  config.push_back({"deadline_ms", "soon"});
  EXPECT_EQ(module_->Create(config, &st, &message), nullptr);
  EXPECT_EQ(st, SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(message.find("deadline_ms"), std::string::npos) << message;

  // Null out_instance and null config array with a count.
  char error[64];
  EXPECT_EQ(
      module_->vtable()->create(module_->host().api(), nullptr, 0, nullptr, error, sizeof(error)),
      SEAM_STATUS_INVALID_ARGUMENT);
  void* instance = nullptr;
  EXPECT_EQ(
      module_->vtable()->create(module_->host().api(), nullptr, 2, &instance, error, sizeof(error)),
      SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(instance, nullptr);
}

// A small valid DAG with a multi-consumer tensor and a skip connection.
TestGraph SmallGraph() {
  TestGraph g;
  for (int i = 0; i < 4; ++i) g.AddNode("n" + std::to_string(i), 10, 1);
  g.AddTensor(-1, 1000, {0});
  g.AddTensor(0, 500, {1, 2});
  g.AddTensor(1, 200, {3});
  g.AddTensor(2, 200, {3});
  g.AddTensor(3, 10, {}, true);
  g.topo = {0, 2, 1, 3};
  return g;
}

struct Corruption {
  const char* name;
  std::function<void(TestGraph&, seam_policy_graph&, seam_policy_conditions&)> apply;
  const char* expect;  // a piece of the message
};

TEST_P(PolicyAbiTest, RejectsMalformedInputWithAMessageAndLeavesTheDecisionAlone) {
  auto instance = Instance();
  ASSERT_NE(instance, nullptr);
  static uint32_t bad_consumers[] = {0, 9, 2, 3, 3};
  static uint32_t bad_offsets[] = {0, 1, 3, 2, 5, 5};
  static uint32_t bad_offsets0[] = {1, 1, 3, 4, 5, 5};
  static uint32_t dup_topo[] = {0, 1, 1, 3};
  static uint32_t far_topo[] = {0, 1, 2, 17};
  static uint32_t wrong_topo[] = {0, 3, 1, 2};
  static double negative[] = {10, -1, 10, 10};
  static double nan[] = {10, 10, std::nan(""), 10};
  static int32_t bad_producer[] = {-1, 0, 8, 2, 3};
  static uint32_t self_loop[] = {0, 1, 2, 1, 3};  // tensor 2 (of n1) read by n1
  const std::vector<Corruption> corruptions = {
      {"consumer index out of range",
       [](TestGraph&, seam_policy_graph& g, seam_policy_conditions&) {
         g.consumers = bad_consumers;
       },
       "consumer index 9 out of range"},
      {"non-monotone offsets",
       [](TestGraph&, seam_policy_graph& g, seam_policy_conditions&) {
         g.consumer_offsets = bad_offsets;
       },
       "not monotone"},
      {"offsets not starting at 0",
       [](TestGraph&, seam_policy_graph& g, seam_policy_conditions&) {
         g.consumer_offsets = bad_offsets0;
       },
       "consumer_offsets[0]"},
      {"producer out of range",
       [](TestGraph&, seam_policy_graph& g, seam_policy_conditions&) {
         g.tensor_producer = bad_producer;
       },
       "producer index 8"},
      {"self loop",
       [](TestGraph&, seam_policy_graph& g, seam_policy_conditions&) { g.consumers = self_loop; },
       "cycle"},
      {"topo lists a node twice",
       [](TestGraph&, seam_policy_graph& g, seam_policy_conditions&) { g.topo_order = dup_topo; },
       "twice"},
      {"topo out of range",
       [](TestGraph&, seam_policy_graph& g, seam_policy_conditions&) { g.topo_order = far_topo; },
       "out of range"},
      {"topo not topological",
       [](TestGraph&, seam_policy_graph& g, seam_policy_conditions&) { g.topo_order = wrong_topo; },
       "not topological"},
      {"negative latency",
       [](TestGraph&, seam_policy_graph& g, seam_policy_conditions&) { g.edge_ms = negative; },
       "finite and >= 0"},
      {"NaN latency",
       [](TestGraph&, seam_policy_graph& g, seam_policy_conditions&) { g.server_ms = nan; },
       "finite and >= 0"},
      {"null edge_ms",
       [](TestGraph&, seam_policy_graph& g, seam_policy_conditions&) { g.edge_ms = nullptr; },
       "edge_ms is null"},
      {"null consumers",
       [](TestGraph&, seam_policy_graph& g, seam_policy_conditions&) { g.consumers = nullptr; },
       "consumers is null"},
      {"no nodes",
       [](TestGraph&, seam_policy_graph& g, seam_policy_conditions&) { g.num_nodes = 0; },
       "no nodes"},
      {"graph struct too small",
       [](TestGraph&, seam_policy_graph& g, seam_policy_conditions&) {
         g.struct_size = offsetof(seam_policy_graph, tensor_bytes);
       },
       "struct_size"},
      {"negative bandwidth",
       [](TestGraph&, seam_policy_graph&, seam_policy_conditions& c) { c.bandwidth_bps = -5; },
       "bandwidth_bps"},
      {"NaN rtt",
       [](TestGraph&, seam_policy_graph&, seam_policy_conditions& c) { c.rtt_ms = std::nan(""); },
       "rtt_ms"},
      {"cpu load above 1",
       [](TestGraph&, seam_policy_graph&, seam_policy_conditions& c) { c.edge_cpu_load = 2; },
       "edge_cpu_load"},
      {"conditions struct too small",
       [](TestGraph&, seam_policy_graph&, seam_policy_conditions& c) { c.struct_size = 8; },
       "struct_size"},
  };
  for (const Corruption& corruption : corruptions) {
    SCOPED_TRACE(corruption.name);
    TestGraph g = SmallGraph();
    seam_policy_graph cg = g.c();
    seam_policy_conditions cond = MakeConditions(1e7, 2);
    corruption.apply(g, cg, cond);
    Decision d;
    EXPECT_EQ(instance->Plan(cg, cond, &d), SEAM_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(d.error.find(corruption.expect), std::string::npos) << d.error;
    // Outputs untouched.
    for (uint8_t flag : d.on_edge) EXPECT_EQ(flag, 2);
    EXPECT_EQ(d.d.exit_index, -7);
    EXPECT_EQ(d.d.predicted_total_ms, 0.0);
    EXPECT_EQ(d.d.reason[0], '\0');
  }
}

TEST_P(PolicyAbiTest, RejectsMalformedExits) {
  auto instance = Instance();
  ASSERT_NE(instance, nullptr);
  {
    TestGraph g = SmallGraph();
    g.exits.push_back({0.5, {0, 1, 42}, 2});
    Decision d;
    EXPECT_EQ(instance->Plan(g.c(), MakeConditions(1e7), &d), SEAM_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(d.error.find("exit 0: node index 42 out of range"), std::string::npos) << d.error;
  }
  {
    TestGraph g = SmallGraph();
    g.exits.push_back({0.5, {1}, 2});  // n1 needs n0
    Decision d;
    EXPECT_EQ(instance->Plan(g.c(), MakeConditions(1e7), &d), SEAM_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(d.error.find("needs node 'n1' but not its producer node 'n0'"), std::string::npos)
        << d.error;
  }
  {
    TestGraph g = SmallGraph();
    g.exits.push_back({1.5, {0, 1}, 2});
    Decision d;
    EXPECT_EQ(instance->Plan(g.c(), MakeConditions(1e7), &d), SEAM_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(d.error.find("accuracy"), std::string::npos) << d.error;
  }
}

TEST_P(PolicyAbiTest, NullArgumentsAndTinyErrorBuffers) {
  auto instance = Instance();
  ASSERT_NE(instance, nullptr);
  TestGraph g = SmallGraph();
  const seam_policy_graph& cg = g.c();
  const seam_policy_conditions cond = MakeConditions(1e7);
  std::vector<uint8_t> on_edge(4, 2);
  seam_policy_decision d{};
  d.struct_size = sizeof(d);
  d.on_edge = on_edge.data();
  const seam_policy_vtable* vt = module_->vtable();
  char error[8];
  EXPECT_EQ(vt->plan(instance->raw(), nullptr, &cond, &d, error, sizeof(error)),
            SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(std::strlen(error), sizeof(error) - 1);  // truncated, NUL-terminated
  EXPECT_EQ(vt->plan(instance->raw(), &cg, nullptr, &d, error, sizeof(error)),
            SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(vt->plan(instance->raw(), &cg, &cond, nullptr, error, sizeof(error)),
            SEAM_STATUS_INVALID_ARGUMENT);
  d.on_edge = nullptr;
  EXPECT_EQ(vt->plan(instance->raw(), &cg, &cond, &d, nullptr, 0), SEAM_STATUS_INVALID_ARGUMENT);
  d.on_edge = on_edge.data();
  char one[1] = {'x'};
  EXPECT_EQ(vt->plan(instance->raw(), nullptr, &cond, &d, one, sizeof(one)),
            SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(one[0], '\0');
  for (uint8_t flag : on_edge) EXPECT_EQ(flag, 2);
}

// An older host: its decision struct ends after `mode`, its conditions after
// rtt_ms. The plugin must not write past the decision's struct_size.
TEST_P(PolicyAbiTest, HonoursSmallerStructsFromAnOlderHost) {
  auto instance = Instance();
  ASSERT_NE(instance, nullptr);
  TestGraph g = SmallGraph();
  seam_policy_conditions cond = MakeConditions(1e7, 1);
  cond.struct_size = offsetof(seam_policy_conditions, frame_rate);
  std::vector<uint8_t> on_edge(4, 2);
  seam_policy_decision d;
  std::memset(&d, 0x5a, sizeof(d));
  d.struct_size = offsetof(seam_policy_decision, predicted_edge_ms);
  d.on_edge = on_edge.data();
  char error[256] = {};
  ASSERT_EQ(module_->vtable()->plan(instance->raw(), &g.c(), &cond, &d, error, sizeof(error)),
            SEAM_STATUS_OK)
      << error;
  for (uint8_t flag : on_edge) EXPECT_LE(flag, 1);
  EXPECT_EQ(d.exit_index, -1);
  EXPECT_LE(d.mode, static_cast<uint32_t>(SEAM_POLICY_MODE_INFEASIBLE));
  const unsigned char* tail = reinterpret_cast<const unsigned char*>(&d.predicted_edge_ms);
  const size_t tail_size = sizeof(d) - offsetof(seam_policy_decision, predicted_edge_ms);
  for (size_t i = 0; i < tail_size; ++i) ASSERT_EQ(tail[i], 0x5a) << "byte " << i << " written";
}

TEST_P(PolicyAbiTest, EveryDecisionIsCompleteClosedAndCostedByTheSharedModel) {
  auto instance = Instance();
  ASSERT_NE(instance, nullptr);
  const std::string name = GetParam();
  std::mt19937_64 rng(0x5eed0001);
  for (int iteration = 0; iteration < 60; ++iteration) {
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    TestGraph g = RandomDag(rng);
    seam_policy_conditions cond = RandomConditions(rng);
    if (iteration % 3 == 0) cond.frame_rate = LogUniform(rng, 1, 200);
    if (iteration % 4 == 0) cond.server_budget_ms = LogUniform(rng, 0.1, 20);
    if (iteration % 5 == 0) cond.deadline_ms = LogUniform(rng, 1, 100);
    Decision d;
    ASSERT_EQ(instance->Plan(g.c(), cond, &d), SEAM_STATUS_OK) << d.error;
    for (uint8_t flag : d.on_edge) ASSERT_LE(flag, 1);
    EXPECT_CLOSED(g, d.on_edge);
    EXPECT_EQ(d.d.exit_index, -1);  // no exits in these graphs
    EXPECT_LE(d.d.mode, static_cast<uint32_t>(SEAM_POLICY_MODE_INFEASIBLE));
    const size_t reason_length = strnlen(d.d.reason, sizeof(d.d.reason));
    EXPECT_GT(reason_length, 0u);
    EXPECT_LT(reason_length, sizeof(d.d.reason));
    EXPECT_EQ(std::string(d.d.reason).find('\n'), std::string::npos);
    const RefCost ref = RefCosts(g, cond, d.on_edge);
    EXPECT_TRUE(NearlyEqual(d.d.predicted_edge_ms, ref.edge)) << d.d.predicted_edge_ms;
    EXPECT_TRUE(NearlyEqual(d.d.predicted_transfer_ms, ref.transfer));
    EXPECT_TRUE(NearlyEqual(d.d.predicted_server_ms, ref.server));
    EXPECT_TRUE(NearlyEqual(d.d.predicted_max_stage_ms, ref.max_stage));
    if (name != "measured") {  // measured reports the table's latency as total
      EXPECT_TRUE(NearlyEqual(d.d.predicted_total_ms, ref.total))
          << d.d.predicted_total_ms << " vs " << ref.total;
    }
    if (name != "dads-light" && name != "dads-heavy" && cond.frame_rate > 0) {
      const bool fits = ref.max_stage <= 1000.0 / cond.frame_rate;
      EXPECT_EQ(d.d.mode,
                static_cast<uint32_t>(fits ? SEAM_POLICY_MODE_LIGHT : SEAM_POLICY_MODE_INFEASIBLE));
    }
  }
}

TEST_P(PolicyAbiTest, NoLinkMeansNothingIsSent) {
  auto instance = Instance();
  ASSERT_NE(instance, nullptr);
  const std::string name = GetParam();
  std::mt19937_64 rng(0x5eed0002);
  for (int iteration = 0; iteration < 20; ++iteration) {
    TestGraph g = RandomDag(rng);
    seam_policy_conditions cond = MakeConditions(0, 3);
    Decision d;
    ASSERT_EQ(instance->Plan(g.c(), cond, &d), SEAM_STATUS_OK) << d.error;
    EXPECT_CLOSED(g, d.on_edge);
    const RefCost ref = RefCosts(g, cond, d.on_edge);
    if (name == "server-only") {
      EXPECT_TRUE(std::isinf(d.d.predicted_transfer_ms) || ref.transfer == cond.rtt_ms);
    } else if (name != "measured") {
      // Every other policy finds a plan with finite cost (all-edge at worst).
      EXPECT_TRUE(std::isfinite(d.d.predicted_total_ms)) << d.d.reason;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, PolicyAbiTest, ::testing::ValuesIn(kAllPolicies),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace seam_policy_test
