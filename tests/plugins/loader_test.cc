// The plugin loader refuses broken plugins with a clear error and leaves the
// running policy in place; a file replaced under a loaded plugin's path is
// loaded anew; a policy swapped while a stream runs takes effect at the next
// frame and no frame is lost.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "gtest/gtest.h"
#include "models/zoo.h"
#include "plugins/monitor_host.h"
#include "plugins/policy_host.h"
#include "seam/session.h"

namespace seam {
namespace {

std::string FixturePath(const std::string& name) {
  return std::string(getenv("SEAM_PLUGIN_PATH")) + "/seam_policy_fixture_" + name + ".so";
}

class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(BuildZooModel("resnet18", 1, &builder_).ok());
    std::vector<double> ms(builder_.graph().nodes.size(), 1.0);
    ASSERT_TRUE(PolicyGraph::Build(builder_.graph(), ms, ms, &policy_graph_).ok());
    conditions_.bandwidth_bps = 5.85e6;
  }
  GraphBuilder builder_;
  PolicyGraph policy_graph_;
  PlanConditions conditions_;
};

TEST_F(LoaderTest, RefusesBrokenPluginsNamingTheProblem) {
  std::shared_ptr<Policy> policy;
  Status s = Policy::Load(FixturePath("wrong_abi"), {}, &policy);
  EXPECT_EQ(s.code(), StatusCode::kVersionMismatch) << s.ToString();
  EXPECT_NE(s.message().find("was built for ABI 2.0"), std::string::npos) << s.message();
  s = Policy::Load(FixturePath("no_entry"), {}, &policy);
  EXPECT_NE(s.message().find("does not export seam_plugin_query"), std::string::npos)
      << s.message();
  s = Policy::Load(FixturePath("failing_init"), {}, &policy);
  EXPECT_NE(s.message().find("failed to start: this fixture always fails to start"),
            std::string::npos)
      << s.message();
  s = Policy::Load("/nonexistent/seam_policy_x.so", {}, &policy);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  s = Policy::Load("no-such-policy", {}, &policy);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("no policy plugin named 'no-such-policy'"), std::string::npos);
  // A monitor is not a policy.
  s = Policy::Load(std::string(getenv("SEAM_PLUGIN_PATH")) + "/seam_monitor_cpu_load.so", {},
                   &policy);
  EXPECT_NE(s.message().find("is a monitor plugin, expected a policy plugin"), std::string::npos)
      << s.message();
  EXPECT_EQ(policy, nullptr);
}

TEST_F(LoaderTest, RefusesInvalidPlansAndKeepsTheOutputUnchanged) {
  std::shared_ptr<Policy> policy;
  ASSERT_TRUE(Policy::Load(FixturePath("invalid_cut"), {}, &policy).ok());
  PlanDecision decision;
  decision.reason = "untouched";
  Status s = policy->Plan(policy_graph_, conditions_, &decision);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("returned an invalid plan"), std::string::npos) << s.message();
  EXPECT_EQ(decision.reason, "untouched");
  ASSERT_TRUE(Policy::Load(FixturePath("plan_error"), {}, &policy).ok());
  s = policy->Plan(policy_graph_, conditions_, &decision);
  EXPECT_NE(s.message().find("planning failed on purpose"), std::string::npos) << s.message();
  EXPECT_EQ(decision.reason, "untouched");
}

TEST_F(LoaderTest, FailedSwapKeepsTheRunningPolicy) {
  std::shared_ptr<Policy> good;
  ASSERT_TRUE(Policy::Load(FixturePath("half_edge"), {}, &good).ok());
  PolicySlot slot(good);
  EXPECT_FALSE(slot.LoadAndReplace(FixturePath("failing_init"), {}).ok());
  EXPECT_FALSE(slot.LoadAndReplace(FixturePath("wrong_abi"), {}).ok());
  EXPECT_EQ(slot.Current(), good);
}

TEST_F(LoaderTest, ReloadByTheSamePathLoadsAFileReplacedSince) {
  // dlopen() by itself would hand back the library already loaded from this
  // path; the loader must see the file renamed over it (what `seam edge`
  // does on SIGHUP), and still share a file that did not change.
  const std::string dir = ::testing::TempDir() + "/reload_" + std::to_string(getpid());
  ASSERT_TRUE(std::filesystem::create_directories(dir));
  const std::string path = dir + "/seam_policy_swapped.so";
  auto install = [&](const std::string& from) {
    std::filesystem::copy_file(from, dir + "/.incoming.so",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::rename(dir + "/.incoming.so", path);
  };
  install(FixturePath("half_edge"));
  std::shared_ptr<Policy> first, again, replaced, broken;
  ASSERT_TRUE(Policy::Load(path, {}, &first).ok());
  ASSERT_TRUE(Policy::Load(path, {}, &again).ok());
  EXPECT_EQ(&first->library().info(), &again->library().info()) << "an unchanged file is shared";
  install(std::string(getenv("SEAM_PLUGIN_PATH")) + "/seam_policy_server_only.so");
  ASSERT_TRUE(Policy::Load(path, {}, &replaced).ok());
  EXPECT_EQ(replaced->name(), "server-only");
  EXPECT_EQ(first->name(), "fixture");  // the old library stays usable
  install(FixturePath("wrong_abi"));
  const Status s = Policy::Load(path, {}, &broken);
  EXPECT_NE(s.message().find("'" + path + "' was built for ABI 2.0"), std::string::npos)
      << s.message();
  std::filesystem::remove_all(dir);
}

TEST_F(LoaderTest, HotSwapMidStreamTakesEffectAtTheNextFrameAndLosesNothing) {
  // A stream of frames split by whatever the current policy says, swapped
  // from another thread while it runs. Every frame must complete with the
  // full-model output, and frames after the swap use the new policy.
  GraphBuilder lenet;
  ASSERT_TRUE(BuildZooModel("lenet5", 1, &lenet).ok());
  const Graph& g = lenet.graph();
  std::vector<double> ms(g.nodes.size(), 1.0);
  PolicyGraph pg;
  ASSERT_TRUE(PolicyGraph::Build(g, ms, ms, &pg).ok());
  std::shared_ptr<Policy> first, second;
  ASSERT_TRUE(Policy::Load("server-only", {}, &first).ok());
  ASSERT_TRUE(Policy::Load(FixturePath("half_edge"), {}, &second).ok());
  PolicySlot slot(first);
  std::unique_ptr<Session> whole, edge, server;
  ASSERT_TRUE(Session::Create(g, {}, &whole).ok());
  ASSERT_TRUE(Session::Create(g, {}, &edge).ok());
  ASSERT_TRUE(Session::Create(g, {}, &server).ok());
  const Shape in_shape = g.tensors[g.inputs[0]].shape;
  std::vector<float> input(static_cast<size_t>(in_shape.NumElements()), 0.25f), expected(10),
      got(10);
  ASSERT_TRUE(whole->Run({{input.data(), in_shape}}, {{expected.data(), Shape{1, 10}}}).ok());

  constexpr int kFrames = 400;
  std::atomic<int> frames_done{0};
  std::vector<std::string> used(kFrames);
  std::thread swapper([&] {
    while (frames_done.load() < kFrames / 2) std::this_thread::yield();
    slot.Replace(second);
  });
  std::vector<BoundaryTensor> boundary;
  std::vector<ConstTensorView> views;
  int completed = 0;
  for (int frame = 0; frame < kFrames; ++frame) {
    std::shared_ptr<Policy> policy = slot.Current();  // one snapshot per frame
    PlanDecision decision;
    ASSERT_TRUE(policy->Plan(pg, conditions_, &decision).ok());
    used[frame] = decision.reason.empty() ? policy->name() : decision.reason;
    ASSERT_TRUE(edge->RunUntil(decision.cut, {{input.data(), in_shape}}, &boundary).ok());
    views.clear();
    for (const BoundaryTensor& b : boundary) views.push_back(b.view);
    std::fill(got.begin(), got.end(), 0.0f);
    ASSERT_TRUE(server->ResumeFrom(decision.cut, views, {{got.data(), Shape{1, 10}}}).ok());
    ASSERT_EQ(0, std::memcmp(got.data(), expected.data(), sizeof(float) * 10)) << "frame " << frame;
    ++completed;
    frames_done.store(frame + 1);
  }
  swapper.join();
  EXPECT_EQ(completed, kFrames);
  EXPECT_NE(used.front(), "fixture 5");
  EXPECT_EQ(used.back(), "fixture 5");
  // Once the new policy appears, every later frame uses it.
  const auto first_new = std::find(used.begin(), used.end(), "fixture 5");
  ASSERT_NE(first_new, used.end());
  EXPECT_TRUE(
      std::all_of(first_new, used.end(), [](const std::string& s) { return s == "fixture 5"; }));
}

}  // namespace
}  // namespace seam

namespace seam {
namespace {

TEST(MonitorHotSwap, ReplacedMonitorFeedsTheNextPlanAndFailedLoadsKeepTheOldOne) {
  const std::string dir = ::testing::TempDir();
  const std::string slow = dir + "/slow_trace.csv", fast = dir + "/fast_trace.csv";
  FILE* f = std::fopen(slow.c_str(), "w");
  std::fputs("time_s,bandwidth_mbps,rtt_ms\n0,1.1,80\n", f);
  std::fclose(f);
  f = std::fopen(fast.c_str(), "w");
  std::fputs("time_s,bandwidth_mbps,rtt_ms\n0,18.88,10\n", f);
  std::fclose(f);
  std::shared_ptr<Monitor> slow_monitor, fast_monitor, broken;
  ASSERT_TRUE(Monitor::Load("trace", {{"file", slow}}, &slow_monitor).ok());
  ASSERT_TRUE(Monitor::Load("trace", {{"file", fast}}, &fast_monitor).ok());
  MonitorSet monitors;
  monitors.Add(slow_monitor);
  PlanConditions c;
  ASSERT_TRUE(monitors.SampleInto(&c).ok());
  EXPECT_DOUBLE_EQ(c.bandwidth_bps, 1.1e6);
  EXPECT_DOUBLE_EQ(c.rtt_ms, 80);
  EXPECT_FALSE(Monitor::Load("trace", {{"file", dir + "/missing.csv"}}, &broken).ok());
  monitors.Replace(fast_monitor);
  ASSERT_TRUE(monitors.SampleInto(&c).ok());
  EXPECT_DOUBLE_EQ(c.bandwidth_bps, 18.88e6);
  EXPECT_DOUBLE_EQ(c.rtt_ms, 10);
  EXPECT_EQ(monitors.Names(), std::vector<std::string>{"trace"});
}

}  // namespace
}  // namespace seam
