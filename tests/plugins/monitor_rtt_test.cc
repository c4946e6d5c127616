// The rtt monitor (seam_monitor_rtt.so): median round trip of small probes,
// over a real loopback TCP echo with an added delay and over scripted probes.
#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "plugins/monitors/testing/monitor_test_host.h"

namespace seam_monitor_test {
namespace {

class RttMonitorTest : public ::testing::Test {
 protected:
  void Load() {
    module_ = std::make_unique<MonitorModule>("rtt", host_);
    ASSERT_TRUE(module_->ok()) << module_->error();
    monitor_ = std::make_unique<MonitorInstance>(*module_, host_);
  }
  // Probes answer with the scripted round trips in turn (cycling).
  void Script(std::vector<double> seconds, seam_status failing_status = SEAM_STATUS_OK) {
    script_ = std::move(seconds);
    failing_status_ = failing_status;
    host_.SetProbe([this](uint64_t bytes, double* s) {
      sizes_.push_back(bytes);
      const double v = script_[next_++ % script_.size()];
      if (v < 0 && failing_status_ != SEAM_STATUS_OK) return failing_status_;
      *s = v;
      return SEAM_STATUS_OK;
    });
  }

  TestHost host_;
  std::unique_ptr<MonitorModule> module_;
  std::unique_ptr<MonitorInstance> monitor_;
  std::vector<double> script_;
  seam_status failing_status_ = SEAM_STATUS_OK;
  size_t next_ = 0;
  std::vector<uint64_t> sizes_;
};

TEST_F(RttMonitorTest, MeasuresALoopbackEchoWithAddedDelay) {
  // A fast link (1 Gbit/s, 64 bytes take 0.5 us) with 20 ms added round trip.
  ThrottledEchoServer server(1e9, 0.020);
  ASSERT_TRUE(server.ok()) << server.error();
  LoopbackLink link(server.port());
  ASSERT_TRUE(link.ok());
  host_.SetProbe([&](uint64_t bytes, double* s) {
    sizes_.push_back(bytes);
    return link.RoundTrip(bytes, s);
  });
  Load();
  ASSERT_EQ(monitor_->Create({}), SEAM_STATUS_OK) << monitor_->error();
  seam_readings r;
  ASSERT_EQ(monitor_->Sample(&r), SEAM_STATUS_OK) << monitor_->error();
  EXPECT_EQ(r.valid, static_cast<uint32_t>(SEAM_READING_RTT));
  EXPECT_GE(r.rtt_ms, 20.0);
  EXPECT_LT(r.rtt_ms, 30.0);                               // sleep overshoot and scheduling only
  EXPECT_EQ(sizes_, (std::vector<uint64_t>{64, 64, 64}));  // defaults: 64 bytes x 3

  server.set_extra_rtt_s(0.050);
  ASSERT_EQ(monitor_->Sample(&r), SEAM_STATUS_OK) << monitor_->error();
  EXPECT_GE(r.rtt_ms, 50.0);
  EXPECT_LT(r.rtt_ms, 60.0);
}

TEST_F(RttMonitorTest, PublishesTheMedianSoASpikeDoesNotCount) {
  Script({0.010, 0.500, 0.012});
  Load();
  ASSERT_EQ(monitor_->Create({}), SEAM_STATUS_OK) << monitor_->error();
  seam_readings r;
  ASSERT_EQ(monitor_->Sample(&r), SEAM_STATUS_OK) << monitor_->error();
  EXPECT_DOUBLE_EQ(r.rtt_ms, 12.0);

  // An even count averages the middle two.
  Script({0.010, 0.020, 0.030, 0.900});
  ASSERT_EQ(monitor_->Create({{"samples", "4"}, {"bytes", "128"}}), SEAM_STATUS_OK)
      << monitor_->error();
  sizes_.clear();
  ASSERT_EQ(monitor_->Sample(&r), SEAM_STATUS_OK) << monitor_->error();
  EXPECT_DOUBLE_EQ(r.rtt_ms, 25.0);
  EXPECT_EQ(sizes_, (std::vector<uint64_t>{128, 128, 128, 128}));
}

TEST_F(RttMonitorTest, DropsFailedOrUnusableProbes) {
  // -1 marks a failing probe; 0 and NaN are unusable round trips.
  Script({-1.0, 0.030, 0.0, std::numeric_limits<double>::quiet_NaN(), 0.040}, SEAM_STATUS_IO);
  Load();
  ASSERT_EQ(monitor_->Create({{"samples", "5"}}), SEAM_STATUS_OK) << monitor_->error();
  seam_readings r;
  ASSERT_EQ(monitor_->Sample(&r), SEAM_STATUS_OK) << monitor_->error();
  EXPECT_DOUBLE_EQ(r.rtt_ms, 35.0);
  EXPECT_TRUE(host_.LogContains("using the 2 probe(s) that succeeded")) << host_.JoinedLogs();

  Script({-1.0}, SEAM_STATUS_TIMEOUT);
  r = seam_readings{};
  EXPECT_EQ(monitor_->Sample(&r), SEAM_STATUS_TIMEOUT);
  EXPECT_NE(monitor_->error().find("probe_link of 64 bytes failed (status 8)"), std::string::npos)
      << monitor_->error();
  EXPECT_EQ(r.valid, 0u);
}

TEST_F(RttMonitorTest, NeedsAProbeAndValidConfig) {
  Load();
  EXPECT_EQ(monitor_->Create({}), SEAM_STATUS_UNSUPPORTED);
  EXPECT_NE(monitor_->error().find("probe_link"), std::string::npos) << monitor_->error();

  Script({0.01});
  for (const auto& bad : std::vector<std::pair<Config, std::string>>{
           {{{"bytes", "0"}}, "bytes='0'"},
           {{{"bytes", "1MiB"}}, "bytes='1MiB'"},
           {{{"bytes", "x"}}, "bytes='x'"},
           {{{"samples", "0"}}, "samples='0'"},
           {{{"samples", "101"}}, "samples='101'"},
           {{{"samples", "three"}}, "samples='three'"},
           {{{"sample", "3"}}, "unknown config key 'sample'"},
       }) {
    EXPECT_EQ(monitor_->Create(bad.first), SEAM_STATUS_INVALID_ARGUMENT) << bad.second;
    EXPECT_NE(monitor_->error().find(bad.second), std::string::npos)
        << "got: " << monitor_->error() << "\nwant: " << bad.second;
  }
}

}  // namespace
}  // namespace seam_monitor_test
