// The bandwidth monitor (seam_monitor_bandwidth.so): DADS two-probe estimate
// against a real throttled loopback TCP link, RTT insensitivity, EWMA,
// outlier rejection, passive and mixed modes, and config validation.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "plugins/monitors/testing/monitor_test_host.h"

namespace seam_monitor_test {
namespace {

constexpr double kSmall = 1024;
constexpr double kLarge = 256 * 1024;

class BandwidthMonitorTest : public ::testing::Test {
 protected:
  void Load() {
    module_ = std::make_unique<MonitorModule>("bandwidth", host_);
    ASSERT_TRUE(module_->ok()) << module_->error();
    monitor_ = std::make_unique<MonitorInstance>(*module_, host_);
  }
  // A deterministic link: round trip = fixed + bytes * 8 / rate.
  void UseModelLink(double fixed_s) {
    fixed_s_ = fixed_s;
    host_.SetProbe([this](uint64_t bytes, double* s) {
      *s = fixed_s_ + static_cast<double>(bytes) * 8.0 / rate_bps_.load();
      return SEAM_STATUS_OK;
    });
  }
  double SampleBps() {
    seam_readings r;
    const seam_status st = monitor_->Sample(&r);
    EXPECT_EQ(st, SEAM_STATUS_OK) << monitor_->error();
    EXPECT_EQ(r.valid, static_cast<uint32_t>(SEAM_READING_BANDWIDTH));
    return st == SEAM_STATUS_OK ? r.bandwidth_bps : -1.0;
  }

  TestHost host_;
  std::unique_ptr<MonitorModule> module_;
  std::unique_ptr<MonitorInstance> monitor_;
  std::atomic<double> rate_bps_{10e6};
  double fixed_s_ = 0.0;
};

// The headline property: over a real TCP exchange throttled to a known rate,
// the DADS estimate recovers that rate within 15 %, with or without an added
// fixed round trip, while the naive single-probe estimate is thrown off by
// the RTT (which is why two sizes are used).
TEST_F(BandwidthMonitorTest, RecoversThrottledLoopbackRateIndependentOfRtt) {
  Load();
  struct Case {
    double rate_bps;
    double extra_rtt_s;
  };
  for (const Case c : {Case{8e6, 0.0}, Case{8e6, 0.040}, Case{24e6, 0.0}, Case{24e6, 0.040}}) {
    SCOPED_TRACE("rate " + std::to_string(c.rate_bps) + " bit/s, extra rtt " +
                 std::to_string(c.extra_rtt_s) + " s");
    ThrottledEchoServer server(c.rate_bps, c.extra_rtt_s);
    ASSERT_TRUE(server.ok()) << server.error();
    LoopbackLink link(server.port());
    ASSERT_TRUE(link.ok());
    host_.SetProbe([&link](uint64_t bytes, double* s) { return link.RoundTrip(bytes, s); });
    // Defaults: mode=active (the host has a probe), small=1 KiB, large=256 KiB.
    ASSERT_EQ(monitor_->Create({}), SEAM_STATUS_OK) << monitor_->error();
    double estimate = 0;
    for (int i = 0; i < 3; ++i) estimate = SampleBps();
    EXPECT_NEAR(estimate, c.rate_bps, 0.15 * c.rate_bps);
    RecordProperty("estimate_" + std::to_string(static_cast<int>(c.rate_bps / 1e6)) + "mbps_" +
                       std::to_string(static_cast<int>(c.extra_rtt_s * 1000)) + "ms",
                   std::to_string(estimate));

    if (c.extra_rtt_s > 0 && c.rate_bps > 10e6) {
      double t_large = 0;
      ASSERT_EQ(link.RoundTrip(static_cast<uint64_t>(kLarge), &t_large), SEAM_STATUS_OK);
      const double naive = kLarge * 8.0 / t_large;
      EXPECT_LT(naive, 0.85 * c.rate_bps) << "the fixed RTT should fool a one-probe estimate";
    }
  }
  EXPECT_TRUE(host_.LogContains("mode=active")) << host_.JoinedLogs();
}

TEST_F(BandwidthMonitorTest, UsesTheConfiguredProbeSizesAndPairs) {
  std::vector<uint64_t> sizes;
  host_.SetProbe([&sizes](uint64_t bytes, double* s) {
    sizes.push_back(bytes);
    *s = 0.01 + static_cast<double>(bytes) * 8.0 / 50e6;
    return SEAM_STATUS_OK;
  });
  Load();
  ASSERT_EQ(monitor_->Create({{"small", "2KiB"}, {"large", "1MiB"}, {"pairs", "2"}}),
            SEAM_STATUS_OK)
      << monitor_->error();
  EXPECT_NEAR(SampleBps(), 50e6, 1.0);
  EXPECT_EQ(sizes, (std::vector<uint64_t>{2048, 1 << 20, 2048, 1 << 20}));
}

TEST_F(BandwidthMonitorTest, SmoothsWithAnEwmaSeededByTheFirstEstimate) {
  UseModelLink(0.02);
  Load();
  ASSERT_EQ(monitor_->Create({{"alpha", "0.5"}}), SEAM_STATUS_OK) << monitor_->error();
  rate_bps_ = 10e6;
  EXPECT_NEAR(SampleBps(), 10e6, 1.0);  // seeded, not pulled towards 0
  rate_bps_ = 20e6;
  EXPECT_NEAR(SampleBps(), 15e6, 1.0);
  EXPECT_NEAR(SampleBps(), 17.5e6, 1.0);

  // Default alpha is 0.3.
  ASSERT_EQ(monitor_->Create({}), SEAM_STATUS_OK) << monitor_->error();
  rate_bps_ = 10e6;
  EXPECT_NEAR(SampleBps(), 10e6, 1.0);
  rate_bps_ = 20e6;
  EXPECT_NEAR(SampleBps(), 13e6, 1.0);

  // alpha=1 follows the link exactly.
  ASSERT_EQ(monitor_->Create({{"alpha", "1"}}), SEAM_STATUS_OK) << monitor_->error();
  rate_bps_ = 5e6;
  EXPECT_NEAR(SampleBps(), 5e6, 1.0);
  rate_bps_ = 40e6;
  EXPECT_NEAR(SampleBps(), 40e6, 1.0);
}

TEST_F(BandwidthMonitorTest, TakesTheMedianOfSeveralPairs) {
  // Pair 2 is disturbed (its large probe came back too fast).
  const double rates[] = {10e6, 1000e6, 12e6};
  int call = 0;
  host_.SetProbe([&](uint64_t bytes, double* s) {
    *s = 0.005 + static_cast<double>(bytes) * 8.0 / rates[(call++ / 2) % 3];
    return SEAM_STATUS_OK;
  });
  Load();
  ASSERT_EQ(monitor_->Create({{"pairs", "3"}}), SEAM_STATUS_OK) << monitor_->error();
  EXPECT_NEAR(SampleBps(), 12e6, 1.0);
  EXPECT_EQ(call, 6);
}

TEST_F(BandwidthMonitorTest, RejectsNonPositiveAndAbsurdDeltas) {
  double t_small = 0.5;
  double t_large = 0.1;
  host_.SetProbe([&](uint64_t bytes, double* s) {
    *s = bytes == static_cast<uint64_t>(kSmall) ? t_small : t_large;
    return SEAM_STATUS_OK;
  });
  Load();
  ASSERT_EQ(monitor_->Create({}), SEAM_STATUS_OK) << monitor_->error();
  seam_readings r;
  // Large probe faster than the small one: no estimate can come of it.
  EXPECT_EQ(monitor_->Sample(&r), SEAM_STATUS_UNAVAILABLE);
  EXPECT_NE(monitor_->error().find("non-positive delta"), std::string::npos) << monitor_->error();
  EXPECT_EQ(r.valid, 0u);

  // A clean pair seeds the estimate.
  t_small = 0.010;
  t_large = 0.010 + (kLarge - kSmall) * 8.0 / 16e6;
  EXPECT_NEAR(SampleBps(), 16e6, 1.0);

  // Equal times, NaN, and a delta so small it implies > max_bps: all are
  // rejected and the previous estimate is kept (not dragged by the outlier).
  for (const auto& pair :
       std::vector<std::pair<double, double>>{{0.2, 0.2},
                                              {0.01, std::numeric_limits<double>::quiet_NaN()},
                                              {0.01, 0.01 + 1e-12},
                                              {-1.0, 0.3}}) {
    t_small = pair.first;
    t_large = pair.second;
    EXPECT_NEAR(SampleBps(), 16e6, 1.0) << t_small << " " << t_large;
  }
  EXPECT_TRUE(host_.LogContains("rejected probe pair")) << host_.JoinedLogs();
  EXPECT_TRUE(host_.LogContains("exceeds max_bps")) << host_.JoinedLogs();

  // max_bps is configurable: 16 Mbit/s is absurd for a 10 Mbit/s cap.
  ASSERT_EQ(monitor_->Create({{"max_bps", "10e6"}}), SEAM_STATUS_OK) << monitor_->error();
  t_small = 0.010;
  t_large = 0.010 + (kLarge - kSmall) * 8.0 / 16e6;
  EXPECT_EQ(monitor_->Sample(&r), SEAM_STATUS_UNAVAILABLE);
}

TEST_F(BandwidthMonitorTest, ProbeFailuresAreReported) {
  seam_status result = SEAM_STATUS_IO;
  host_.SetProbe([&](uint64_t, double* s) {
    *s = 0.1;
    return result;
  });
  Load();
  ASSERT_EQ(monitor_->Create({{"mode", "active"}}), SEAM_STATUS_OK) << monitor_->error();
  seam_readings r;
  EXPECT_EQ(monitor_->Sample(&r), SEAM_STATUS_IO);
  EXPECT_NE(monitor_->error().find("probe_link of 1024 bytes failed"), std::string::npos)
      << monitor_->error();
  result = SEAM_STATUS_UNAVAILABLE;  // the host has no link right now
  EXPECT_EQ(monitor_->Sample(&r), SEAM_STATUS_UNAVAILABLE);
  EXPECT_EQ(monitor_->Sample(&r), SEAM_STATUS_UNAVAILABLE);
  int warnings = 0;
  for (const auto& line : host_.logs()) {
    if (line.find("reports no link") != std::string::npos) ++warnings;
  }
  EXPECT_EQ(warnings, 1) << "said once, not on every sample:\n" << host_.JoinedLogs();
}

// A probe the host times out (as `seam edge` does after 2 s) on a CAT1-slow
// link is retried smaller, so a slow link still gets an estimate; the
// probes grow back when the link is fast again.
TEST_F(BandwidthMonitorTest, ShrinksProbesThatTimeOutOnASlowLinkAndGrowsThemBack) {
  constexpr double kTimeoutS = 2.0;
  std::vector<uint64_t> sizes;
  host_.SetProbe([&](uint64_t bytes, double* s) {
    sizes.push_back(bytes);
    *s = 0.05 + static_cast<double>(bytes) * 8.0 / rate_bps_.load();
    return *s > kTimeoutS ? SEAM_STATUS_TIMEOUT : SEAM_STATUS_OK;
  });
  Load();
  ASSERT_EQ(monitor_->Create({{"small", "1KiB"}, {"large", "32KiB"}, {"alpha", "1"}}),
            SEAM_STATUS_OK)
      << monitor_->error();
  rate_bps_ = 0.13e6;  // DADS CAT1: 32 KiB takes 2.07 s
  EXPECT_NEAR(SampleBps(), 0.13e6, 1.0);
  // small, large (timed out), then both an eighth: 128 B and 4 KiB.
  EXPECT_EQ(sizes, (std::vector<uint64_t>{1024, 32768, 128, 4096}));
  EXPECT_TRUE(host_.LogContains("probing with 4096 bytes instead")) << host_.JoinedLogs();
  // The small sizes stay while the link is slow: no timeout on the next sample.
  sizes.clear();
  EXPECT_NEAR(SampleBps(), 0.13e6, 1.0);
  EXPECT_EQ(sizes, (std::vector<uint64_t>{128, 4096}));
  // A fast link lets them grow back by halves to the configured sizes.
  rate_bps_ = 50e6;
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(SampleBps(), 50e6, 1.0);
  sizes.clear();
  EXPECT_NEAR(SampleBps(), 50e6, 1.0);
  EXPECT_EQ(sizes, (std::vector<uint64_t>{1024, 32768}));
}

TEST_F(BandwidthMonitorTest, ATimeoutAtTheSmallestProbesIsReported) {
  host_.SetProbe([](uint64_t, double* s) {
    *s = 5.0;
    return SEAM_STATUS_TIMEOUT;  // a link that is down times out at any size
  });
  Load();
  ASSERT_EQ(monitor_->Create({{"mode", "active"}}), SEAM_STATUS_OK) << monitor_->error();
  seam_readings r;
  EXPECT_EQ(monitor_->Sample(&r), SEAM_STATUS_TIMEOUT);
  EXPECT_NE(monitor_->error().find("probe_link of 2 bytes failed"), std::string::npos)
      << monitor_->error();
}

TEST_F(BandwidthMonitorTest, PassiveModeUsesObservedTransfers) {
  Load();  // no probe_link: passive is the default
  ASSERT_EQ(monitor_->Create({}), SEAM_STATUS_OK) << monitor_->error();
  EXPECT_TRUE(host_.LogContains("mode=passive")) << host_.JoinedLogs();
  seam_readings r;
  EXPECT_EQ(monitor_->Sample(&r), SEAM_STATUS_UNAVAILABLE);
  EXPECT_NE(monitor_->error().find("no boundary transfer"), std::string::npos) << monitor_->error();

  monitor_->Observe(1000000, 0.1);  // 80 Mbit/s
  EXPECT_NEAR(SampleBps(), 80e6, 1.0);
  monitor_->Observe(1000000, 0.2);  // 40 Mbit/s; EWMA 0.3 * 40 + 0.7 * 80
  EXPECT_NEAR(SampleBps(), 68e6, 1.0);

  // Unusable observations are ignored.
  monitor_->Observe(0, 0.1);
  monitor_->Observe(1000, 0.0);
  monitor_->Observe(1000, -1.0);
  monitor_->Observe(1000, std::numeric_limits<double>::quiet_NaN());
  monitor_->Observe(1000, std::numeric_limits<double>::infinity());
  monitor_->Observe(1ull << 40, 1e-9);  // 8.8e21 bit/s
  const seam_monitor_vtable* vt = module_->vtable();
  seam_transfer_sample old_struct{};
  old_struct.struct_size = 8;  // too short to hold `seconds`
  old_struct.bytes = 1;
  vt->observe_transfer(monitor_->raw(), &old_struct);
  EXPECT_NEAR(SampleBps(), 68e6, 1.0);
  EXPECT_TRUE(host_.LogContains("ignoring transfer")) << host_.JoinedLogs();
  EXPECT_EQ(host_.probe_calls(), 0);
}

TEST_F(BandwidthMonitorTest, PassiveWorksOnAHostStructWithoutProbeLink) {
  // A host built before probe_link existed passes a shorter struct.
  host_.mutable_api()->struct_size = offsetof(seam_host_api, probe_link);
  UseModelLink(0.0);  // must not be seen: the field is outside struct_size
  Load();
  ASSERT_EQ(monitor_->Create({}), SEAM_STATUS_OK) << monitor_->error();
  monitor_->Observe(500000, 0.1);
  EXPECT_NEAR(SampleBps(), 40e6, 1.0);
  EXPECT_EQ(host_.probe_calls(), 0);
  EXPECT_EQ(monitor_->Create({{"mode", "active"}}), SEAM_STATUS_UNSUPPORTED);
  EXPECT_NE(monitor_->error().find("probe_link"), std::string::npos) << monitor_->error();
}

TEST_F(BandwidthMonitorTest, BothModePrefersFreshTransfersAndProbesWhenIdle) {
  host_.UseFakeClock(100.0);
  UseModelLink(0.03);
  rate_bps_ = 10e6;
  Load();
  ASSERT_EQ(monitor_->Create({{"mode", "both"}, {"max_age_s", "2"}, {"alpha", "1"}}),
            SEAM_STATUS_OK)
      << monitor_->error();
  // Nothing observed: probe.
  EXPECT_NEAR(SampleBps(), 10e6, 1.0);
  EXPECT_EQ(host_.probe_calls(), 2);

  monitor_->Observe(1000000, 0.1);  // 80 Mbit/s at t=100
  host_.SetTime(101.5);
  EXPECT_NEAR(SampleBps(), 80e6, 1.0);
  EXPECT_EQ(host_.probe_calls(), 2) << "a fresh transfer must spare the probe";
  host_.SetTime(102.0);  // exactly max_age_s old: still fresh
  EXPECT_NEAR(SampleBps(), 80e6, 1.0);

  host_.SetTime(102.5);  // stale: probe again
  rate_bps_ = 20e6;
  EXPECT_NEAR(SampleBps(), 20e6, 1.0);
  EXPECT_EQ(host_.probe_calls(), 4);
}

TEST_F(BandwidthMonitorTest, ObserveMayRunConcurrentlyWithSample) {
  UseModelLink(0.001);
  Load();
  ASSERT_EQ(monitor_->Create({{"mode", "both"}}), SEAM_STATUS_OK) << monitor_->error();
  std::atomic<bool> stop{false};
  std::thread streamer([&] {
    while (!stop.load()) monitor_->Observe(125000, 0.01);  // 100 Mbit/s
  });
  for (int i = 0; i < 200; ++i) {
    const double bps = SampleBps();
    EXPECT_TRUE(std::abs(bps - 100e6) < 1.0 || std::abs(bps - 10e6) < 1.0) << bps;
  }
  stop = true;
  streamer.join();
}

TEST_F(BandwidthMonitorTest, RejectsBadConfigWithAClearMessage) {
  UseModelLink(0.0);
  Load();
  struct Bad {
    Config config;
    const char* expect;
  };
  const std::vector<Bad> cases = {
      {{{"mode", "fast"}}, "mode='fast' is invalid: expected one of: active, passive, both"},
      {{{"small", "0"}}, "small='0'"},
      {{{"small", "abc"}}, "small='abc' is invalid: expected a byte count"},
      {{{"small", "-5"}}, "small='-5'"},
      {{{"small", "1kb"}}, "small='1kb'"},
      {{{"large", "99999999999999999999999"}}, "large="},
      {{{"small", "4096"}, {"large", "4096"}}, "must be greater than small"},
      {{{"alpha", "0"}}, "alpha='0' is invalid: expected a number in (0, 1]"},
      {{{"alpha", "1.5"}}, "alpha='1.5'"},
      {{{"alpha", "nan"}}, "alpha='nan' is invalid: expected a finite number"},
      {{{"alpha", "0.3x"}}, "alpha='0.3x'"},
      {{{"max_age_s", "-1"}}, "max_age_s='-1'"},
      {{{"pairs", "0"}}, "pairs='0'"},
      {{{"pairs", "2.5"}}, "pairs='2.5' is invalid: expected an integer"},
      {{{"max_bps", "0"}}, "max_bps='0'"},
      {{{"alpah", "0.5"}}, "unknown config key 'alpah'"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(monitor_->Create(c.config), SEAM_STATUS_INVALID_ARGUMENT) << c.expect;
    EXPECT_NE(monitor_->error().find(c.expect), std::string::npos)
        << "got: " << monitor_->error() << "\nwant: " << c.expect;
  }
  // Accepted spellings.
  EXPECT_EQ(monitor_->Create({{"alpha", " +0.25 "}, {"small", "512"}, {"large", "64 KiB"}}),
            SEAM_STATUS_OK)
      << monitor_->error();
}

}  // namespace
}  // namespace seam_monitor_test
