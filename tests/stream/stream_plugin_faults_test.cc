// Faulty policy plugins against a running stream, with real `seam serve` and
// `seam edge` processes on loopback and every output verified against the
// local full run:
//  * a policy whose plans turn invalid (not closed under predecessors) or fail
//    mid-stream: each is refused, the cut stays, no frame is lost;
//  * SIGHUP reloads of the policy file replaced (by rename(), as an operator
//    would update it) with a wrong-ABI library, one without the entry point
//    and one whose create() fails: each reload is refused naming the file and
//    the reason, the stream goes on with the running policy; then a good
//    policy with another decision is reloaded and the cut follows it;
//  * `seam edge` started with such a plugin fails at once with one line.
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "tests/stream/stream_test_util.h"

namespace seam::stream_test {
namespace {

// The build's plugin directory (not $SEAM_PLUGIN_PATH: the reload test puts
// its own directory in front of that).
std::string BuiltPlugin(const std::string& file) {
  return std::string(SEAM_TEST_PLUGIN_DIR) + "/" + file;
}
std::string Fixture(const std::string& kind) {
  return BuiltPlugin("seam_policy_fixture_" + kind + ".so");
}

// The complete lines of a running process's stdout, parsed (the last line
// may still be half-written).
std::vector<Json> EventsSoFar(const Process& p) {
  const std::string out = p.Out();
  const size_t end = out.rfind('\n');
  return end == std::string::npos ? std::vector<Json>() : ParseEvents(out.substr(0, end + 1));
}

size_t CountPolicyEvents(const std::vector<Json>& events, const std::string& kind) {
  size_t n = 0;
  for (const Json& e : EventsOf(events, kind)) {
    if (e["kind"].string == "policy") ++n;
  }
  return n;
}

// Waits until `done(events)` holds for the running edge's events; false (and
// a failure naming `what`) on timeout or if the edge exits first.
template <typename Done>
bool WaitForEvents(Process* edge, const std::string& what, double timeout_s, Done done) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  while (Clock::now() < deadline) {
    if (done(EventsSoFar(*edge))) return true;
    if (edge->exited()) {
      ADD_FAILURE() << "the edge exited while waiting for " << what << "\n" << edge->Describe();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "no " << what << " after " << timeout_s << " s\n" << edge->Describe();
  return false;
}

size_t FrameCount(const std::vector<Json>& events) { return EventsOf(events, "frame").size(); }

class StreamPluginFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ws_.BuildModel("lenet5", "m.seam"));
    server_ = std::make_unique<Server>(&ws_, "m.seam", FreeTcpEndpoint());
    ASSERT_TRUE(server_->Start());
  }

  std::vector<std::string> EdgeArgs(const std::string& policy, int frames, int rate) {
    return {"edge",        "m.seam",
            "--connect",   server_->endpoint(),
            "--policy",    policy,
            "--synthetic", std::to_string(frames),
            "--rate",      std::to_string(rate),
            "--verify",    "--json",
            "--wait",      "20s"};
  }

  Workspace ws_;
  std::unique_ptr<Server> server_;
};

// A policy that answers well first, then alternates an invalid cut and an
// error with good plans (tests/plugins/fixtures/broken_policies.cc, kind 6).
TEST_F(StreamPluginFaultsTest, InvalidPlansMidStreamAreRefusedAndTheCutStays) {
  constexpr int kFrames = 60;
  std::vector<std::string> args = EdgeArgs(Fixture("flip"), kFrames, 20);
  args.insert(args.end(), {"--replan-ms", "50"});  // many plans in 3 s
  const auto edge = ws_.Run("edge", args, 120);
  ASSERT_EQ(edge->exit_code(), 0) << edge->Describe();
  const std::vector<Json> events = ParseEvents(edge->Out());
  const std::string digest = DescribeFrames(events);

  const Json summary = SummaryOf(events);
  ExpectAllFramesVerified(summary, kFrames);
  EXPECT_EQ(summary["fallbacks"].Int(), 0) << digest;

  // One cut all along: the initial plan's. No refused plan ever re-cut.
  const std::vector<Json> recuts = EventsOf(events, "recut");
  ASSERT_EQ(recuts.size(), 1u) << digest;
  const std::string cut = recuts[0]["to"].string;
  EXPECT_NE(cut, "edge only");
  EXPECT_NE(cut, "server only");

  // Both kinds of refusal were seen and reported with their reason, each
  // keeping that cut.
  const std::vector<Json> refused = EventsOf(events, "plan_refused");
  EXPECT_GE(summary["plans_refused"].Int(), static_cast<int64_t>(refused.size()));
  int invalid = 0, failed = 0;
  for (const Json& r : refused) {
    EXPECT_EQ(r["kept"].string, cut);
    const std::string& reason = r["reason"].string;
    if (reason.find("returned an invalid plan") != std::string::npos &&
        reason.find("fixture") != std::string::npos) {
      ++invalid;
    }
    if (reason.find("planning failed on purpose") != std::string::npos) ++failed;
  }
  EXPECT_GE(invalid, 2) << digest;
  EXPECT_GE(failed, 2) << digest;
  EXPECT_EQ(invalid + failed, static_cast<int>(refused.size()));

  const std::vector<Json> frames = EventsOf(events, "frame");
  ASSERT_EQ(frames.size(), static_cast<size_t>(kFrames)) << digest;
  for (const Json& f : frames) {
    EXPECT_EQ(f["cut"].string, cut) << "frame " << f["frame"].Int();
    EXPECT_EQ(f["verified"].Int(), 1) << "frame " << f["frame"].Int();
    EXPECT_GT(f["sent_bytes"].Int(), 0) << "frame " << f["frame"].Int();
  }
  const Json stopped = server_->Stop();
  EXPECT_EQ(stopped["frames"].Int(), kFrames);
}

// The policy is loaded by name from a directory first on $SEAM_PLUGIN_PATH,
// whose file the test replaces (write a new file, rename() it over the old
// one: the running edge's mapping of the old file stays valid) before each
// SIGHUP.
TEST_F(StreamPluginFaultsTest, SighupReloadRefusesBrokenPluginsAndTakesAGoodOne) {
  constexpr int kFrames = 200;
  const std::string dir = ws_.path("plugins");
  ASSERT_TRUE(std::filesystem::create_directory(dir));
  const std::string installed = dir + "/seam_policy_reloadable.so";
  auto install = [&](const std::string& from) {
    const std::string incoming = dir + "/.incoming.so";
    std::filesystem::copy_file(from, incoming, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::rename(incoming, installed);
  };
  ASSERT_NO_THROW(install(Fixture("half_edge")));

  // Only the edge sees the directory: the environment is copied at fork().
  const char* before = std::getenv("SEAM_PLUGIN_PATH");
  const std::string saved = before != nullptr ? before : "";
  setenv("SEAM_PLUGIN_PATH", (dir + (saved.empty() ? "" : ":" + saved)).c_str(), 1);
  std::unique_ptr<Process> edge = ws_.Start("edge", EdgeArgs("reloadable", kFrames, 25));
  if (before != nullptr) {
    setenv("SEAM_PLUGIN_PATH", saved.c_str(), 1);
  } else {
    unsetenv("SEAM_PLUGIN_PATH");
  }
  ASSERT_TRUE(WaitForEvents(edge.get(), "first frame", 60,
                            [](const std::vector<Json>& e) { return FrameCount(e) >= 3; }));

  // Replaces the plugin, sends SIGHUP, waits for the policy's reload event
  // of `kind` and for three more frames after it: the stream goes on.
  auto reload = [&](const std::string& from, const std::string& kind) -> Json {
    const std::vector<Json> now = EventsSoFar(*edge);
    const size_t seen = CountPolicyEvents(now, kind);
    install(from);
    edge->Signal(SIGHUP);
    Json event;
    size_t frames_then = 0;
    WaitForEvents(edge.get(), kind + " event", 15, [&](const std::vector<Json>& e) {
      if (CountPolicyEvents(e, kind) <= seen) return false;
      for (const Json& r : EventsOf(e, kind)) {
        if (r["kind"].string == "policy") event = r;
      }
      if (frames_then == 0) frames_then = FrameCount(e);
      return FrameCount(e) >= frames_then + 3;
    });
    return event;
  };

  const Json wrong_abi = reload(Fixture("wrong_abi"), "reload_refused");
  EXPECT_EQ(wrong_abi["file"].string, installed);
  EXPECT_NE(wrong_abi["reason"].string.find("was built for ABI 2.0"), std::string::npos)
      << wrong_abi["reason"].string;
  EXPECT_NE(wrong_abi["reason"].string.find(installed), std::string::npos);
  EXPECT_EQ(wrong_abi["kept"].string, "policy 'fixture'");

  const Json no_entry = reload(Fixture("no_entry"), "reload_refused");
  EXPECT_EQ(no_entry["file"].string, installed);
  EXPECT_NE(no_entry["reason"].string.find("does not export seam_plugin_query"), std::string::npos)
      << no_entry["reason"].string;

  const Json failing_init = reload(Fixture("failing_init"), "reload_refused");
  EXPECT_EQ(failing_init["file"].string, installed);
  EXPECT_NE(
      failing_init["reason"].string.find("failed to start: this fixture always fails to start"),
      std::string::npos)
      << failing_init["reason"].string;
  EXPECT_NE(failing_init["reason"].string.find(installed), std::string::npos);

  // A good plugin with another decision: reloaded, and the cut follows.
  const Json good = reload(BuiltPlugin("seam_policy_server_only.so"), "reload");
  EXPECT_EQ(good["file"].string, installed);
  EXPECT_EQ(good["plugin"].string, "server-only");

  ASSERT_TRUE(edge->Wait(60)) << "the edge did not finish\n" << edge->Describe();
  ASSERT_EQ(edge->exit_code(), 0) << edge->Describe();
  const std::vector<Json> events = ParseEvents(edge->Out());
  const std::string digest = DescribeFrames(events);
  const Json summary = SummaryOf(events);
  ExpectAllFramesVerified(summary, kFrames);
  EXPECT_EQ(summary["fallbacks"].Int(), 0) << digest;
  EXPECT_EQ(summary["plans_refused"].Int(), 0);
  EXPECT_EQ(CountPolicyEvents(events, "reload_refused"), 3u);
  EXPECT_EQ(CountPolicyEvents(events, "reload"), 1u);

  // Two cuts: the first policy's until the good reload, then server-only.
  const std::vector<Json> recuts = EventsOf(events, "recut");
  ASSERT_EQ(recuts.size(), 2u) << digest;
  const std::string first = recuts[0]["to"].string;
  EXPECT_NE(first, "server only");
  EXPECT_EQ(recuts[1]["from"].string, first);
  EXPECT_EQ(recuts[1]["to"].string, "server only");
  EXPECT_NE(recuts[1]["reason"].string.find("reloaded"), std::string::npos)
      << recuts[1]["reason"].string;
  // Frames started after the re-cut (from_frame is the next frame to start
  // when it was printed; the one computing then may still have the old cut).
  const int64_t switched = recuts[1]["from_frame"].Int();
  const std::vector<Json> frames = EventsOf(events, "frame");
  ASSERT_EQ(frames.size(), static_cast<size_t>(kFrames)) << digest;
  for (const Json& f : frames) {
    const int64_t k = f["frame"].Int();
    EXPECT_EQ(f["verified"].Int(), 1) << "frame " << k;
    if (k < switched - 1) {
      EXPECT_EQ(f["cut"].string, first) << "frame " << k;
    }
    if (k > switched) {
      EXPECT_EQ(f["cut"].string, "server only") << "frame " << k;
    }
  }
  EXPECT_LT(switched, kFrames) << "the good reload came too late to be seen";
  const Json stopped = server_->Stop();
  EXPECT_EQ(stopped["frames"].Int(), kFrames);
  if (HasFailure()) std::cout << "edge events:\n" << digest;
}

// At start-up there is no running policy to keep: the edge exits at once (it
// loads the policy before profiling or contacting the server) with one line
// naming the file and the reason. Status 1, like every other invalid file
// (docs/cli.md: 2 is for a wrong command line).
TEST(StreamPluginStartTest, BrokenPolicyAtStartFailsWithOneLine) {
  Workspace ws;
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("lenet5", "m.seam"));
  const std::pair<std::string, std::string> cases[] = {
      {"wrong_abi", "was built for ABI 2.0"},
      {"no_entry", "does not export seam_plugin_query"},
      {"failing_init", "failed to start: this fixture always fails to start"}};
  for (const auto& [kind, reason] : cases) {
    const std::string file = Fixture(kind);
    // Nobody listens on the endpoint: the policy must fail before it matters.
    const auto edge = ws.Run("edge",
                             {"edge", "m.seam", "--connect", FreeTcpEndpoint(), "--policy", file,
                              "--synthetic", "5", "--json"},
                             30);
    EXPECT_EQ(edge->exit_code(), 1) << edge->Describe();
    const std::string err = edge->Err();
    EXPECT_EQ(err.rfind("seam edge: error: ", 0), 0u) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_NE(err.find(file), std::string::npos) << err;
    EXPECT_NE(err.find(reason), std::string::npos) << err;
    EXPECT_EQ(edge->Out(), "") << kind;
    EXPECT_LT(edge->wall_s(), 10.0) << kind << ": the edge should fail before any slow start-up";
  }
}

}  // namespace
}  // namespace seam::stream_test
