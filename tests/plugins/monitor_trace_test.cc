// The trace monitor (seam_monitor_trace.so): step-wise replay on the host's
// clock (controlled by the test), looping, and rejection of malformed files
// with the line number.
#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "plugins/monitors/testing/monitor_test_host.h"

namespace seam_monitor_test {
namespace {

class TraceMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_.UseFakeClock(50.0);
    module_ = std::make_unique<MonitorModule>("trace", host_);
    ASSERT_TRUE(module_->ok()) << module_->error();
    monitor_ = std::make_unique<MonitorInstance>(*module_, host_);
  }

  // Samples at absolute host time `t`; expects a reading of (mbps, rtt).
  void ExpectAt(double t, double mbps, double rtt_ms) {
    host_.SetTime(t);
    seam_readings r;
    ASSERT_EQ(monitor_->Sample(&r), SEAM_STATUS_OK) << "t=" << t << ": " << monitor_->error();
    EXPECT_EQ(r.valid, static_cast<uint32_t>(SEAM_READING_BANDWIDTH | SEAM_READING_RTT));
    EXPECT_DOUBLE_EQ(r.bandwidth_bps, mbps * 1e6) << "t=" << t;
    EXPECT_DOUBLE_EQ(r.rtt_ms, rtt_ms) << "t=" << t;
  }
  void ExpectNoneAt(double t) {
    host_.SetTime(t);
    seam_readings r;
    EXPECT_EQ(monitor_->Sample(&r), SEAM_STATUS_UNAVAILABLE) << "t=" << t;
    EXPECT_EQ(r.valid, 0u);
  }

  TestHost host_;
  TempDir dir_;
  std::unique_ptr<MonitorModule> module_;
  std::unique_ptr<MonitorInstance> monitor_;
};

const char kTrace[] =
    "# recorded on the lab wifi\n"
    "time_s,bandwidth_mbps,rtt_ms\n"
    "\n"
    "0, 10, 5     # start\n"
    "2,20,10\r\n"
    "  # a comment line in the middle\n"
    "5,5.5,50\n";

TEST_F(TraceMonitorTest, StepsThroughRowsRelativeToTheFirstSample) {
  const std::string file = dir_.Write("trace.csv", kTrace);
  ASSERT_EQ(monitor_->Create({{"file", file}}), SEAM_STATUS_OK) << monitor_->error();
  EXPECT_TRUE(host_.LogContains("loaded 3 rows")) << host_.JoinedLogs();
  // Created at t=50, but the clock starts at the first sample (t=100).
  ExpectAt(100.0, 10, 5);
  ExpectAt(101.999, 10, 5);
  ExpectAt(102.0, 20, 10);  // a row applies from its own time on
  ExpectAt(104.5, 20, 10);
  ExpectAt(105.0, 5.5, 50);
  ExpectAt(1000.0, 5.5, 50);  // without loop the last row holds
}

TEST_F(TraceMonitorTest, NoReadingBeforeTheFirstRow) {
  const std::string file = dir_.Write("late.csv", "1.5,8,20\n3,16,10\n");
  ASSERT_EQ(monitor_->Create({{"file", file}}), SEAM_STATUS_OK) << monitor_->error();
  ExpectNoneAt(10.0);
  EXPECT_NE(monitor_->error().find("trace starts at t=1.5 s"), std::string::npos)
      << monitor_->error();
  ExpectNoneAt(11.0);
  ExpectAt(11.5, 8, 20);
  ExpectAt(13.0, 16, 10);
}

TEST_F(TraceMonitorTest, LoopsWithTheLastGapAsTheLastRowsDuration) {
  const std::string file = dir_.Write("trace.csv", kTrace);
  // Rows at 0, 2, 5: the last row lasts 3 s like the one before it, so the
  // period is 8 s.
  ASSERT_EQ(monitor_->Create({{"file", file}, {"loop", "1"}}), SEAM_STATUS_OK) << monitor_->error();
  EXPECT_TRUE(host_.LogContains("looping every 8 s")) << host_.JoinedLogs();
  ExpectAt(0.0, 10, 5);
  ExpectAt(5.0, 5.5, 50);
  ExpectAt(7.99, 5.5, 50);
  ExpectAt(8.0, 10, 5);  // second pass
  ExpectAt(10.0, 20, 10);
  ExpectAt(13.5, 5.5, 50);
  ExpectAt(16.0 * 10 + 2.5, 20, 10);  // pass 21
}

TEST_F(TraceMonitorTest, LoopHonoursAnExplicitPeriodAndALateFirstRow) {
  const std::string file = dir_.Write("late.csv", "1,8,20\n3,16,10\n");
  ASSERT_EQ(monitor_->Create({{"file", file}, {"loop", "true"}, {"period_s", "10"}}),
            SEAM_STATUS_OK)
      << monitor_->error();
  ExpectNoneAt(0.0);  // first pass, before the first row
  ExpectAt(1.0, 8, 20);
  ExpectAt(3.0, 16, 10);
  ExpectAt(9.9, 16, 10);
  // Second pass before t=1: the previous pass's last row carries on.
  ExpectAt(10.5, 16, 10);
  ExpectAt(11.0, 8, 20);
}

TEST_F(TraceMonitorTest, SingleRowTraceIsConstantEvenWhenLooping) {
  const std::string file = dir_.Write("one.csv", "0,42,7\n");
  ASSERT_EQ(monitor_->Create({{"file", file}, {"loop", "1"}}), SEAM_STATUS_OK) << monitor_->error();
  ExpectAt(0.0, 42, 7);
  ExpectAt(1e6, 42, 7);
}

TEST_F(TraceMonitorTest, FillsOnlyTheFieldsAnOlderReadingsStructHas) {
  const std::string file = dir_.Write("trace.csv", kTrace);
  ASSERT_EQ(monitor_->Create({{"file", file}}), SEAM_STATUS_OK) << monitor_->error();
  // A host that knew bandwidth_bps but not rtt_ms.
  struct {
    seam_readings r;
  } buf{};
  buf.r.struct_size = offsetof(seam_readings, rtt_ms);
  buf.r.rtt_ms = -7;
  char error[64] = {};
  ASSERT_EQ(module_->vtable()->sample(monitor_->raw(), &buf.r, error, sizeof(error)),
            SEAM_STATUS_OK)
      << error;
  EXPECT_EQ(buf.r.valid, static_cast<uint32_t>(SEAM_READING_BANDWIDTH));
  EXPECT_DOUBLE_EQ(buf.r.bandwidth_bps, 10e6);
  EXPECT_EQ(buf.r.rtt_ms, -7) << "beyond struct_size: must not be written";
}

TEST_F(TraceMonitorTest, RejectsMalformedFilesWithTheLineNumber) {
  struct Bad {
    const char* content;
    const char* expect;
  };
  const std::vector<Bad> cases = {
      {"0,10,5\n1,20\n", "line 2: expected 3 fields"},
      {"0,10,5\n1,20,5,9\n", "line 2: expected 3 fields"},
      {"# c\ntime,bw,rtt\n0,10,5\nx,1,1\n", "line 4: time_s 'x' is not a number"},
      {"0,10,5\n\n\n2,fast,5\n", "line 4: bandwidth_mbps 'fast' is not a number"},
      {"0,10,5\n1,10,\n", "line 2: rtt_ms '' is not a number"},
      {"0,10,5\n2,10,5\n2,10,5\n", "line 3: time_s 2 is not after the previous row's 2"},
      {"0,10,5\n3,10,5\n1,10,5\n", "line 3: time_s 1 is not after"},
      {"-1,10,5\n", "line 1: time_s must be >= 0"},
      {"0,0,5\n", "line 1: bandwidth_mbps must be > 0"},
      {"0,-3,5\n", "line 1: bandwidth_mbps must be > 0"},
      {"0,10,-1\n", "line 1: rtt_ms must be >= 0"},
      {"0,inf,5\n", "line 1: bandwidth_mbps 'inf' is not a number"},
      {"", "has no data rows"},
      {"# only a comment\ntime_s,bandwidth_mbps,rtt_ms\n", "has no data rows"},
  };
  int i = 0;
  for (const auto& c : cases) {
    const std::string file = dir_.Write("bad" + std::to_string(i++) + ".csv", c.content);
    EXPECT_EQ(monitor_->Create({{"file", file}}), SEAM_STATUS_INVALID_ARGUMENT) << c.content;
    EXPECT_NE(monitor_->error().find(c.expect), std::string::npos)
        << "got: " << monitor_->error() << "\nwant: " << c.expect;
    EXPECT_NE(monitor_->error().find(file), std::string::npos) << monitor_->error();
  }
}

TEST_F(TraceMonitorTest, RejectsBadConfig) {
  const std::string file = dir_.Write("ok.csv", "0,10,5\n4,20,5\n");
  EXPECT_EQ(monitor_->Create({}), SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(monitor_->error().find("file=PATH is required"), std::string::npos)
      << monitor_->error();
  EXPECT_EQ(monitor_->Create({{"file", dir_.path() + "/missing.csv"}}), SEAM_STATUS_IO);
  EXPECT_NE(monitor_->error().find("cannot open trace file"), std::string::npos)
      << monitor_->error();
  EXPECT_EQ(monitor_->Create({{"file", dir_.path()}}), SEAM_STATUS_IO);  // a directory
  EXPECT_EQ(monitor_->Create({{"file", file}, {"loop", "maybe"}}), SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(monitor_->error().find("loop='maybe' is invalid: expected 0 or 1"), std::string::npos)
      << monitor_->error();
  EXPECT_EQ(monitor_->Create({{"file", file}, {"period_s", "10"}}), SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(monitor_->error().find("period_s only applies with loop=1"), std::string::npos)
      << monitor_->error();
  EXPECT_EQ(monitor_->Create({{"file", file}, {"loop", "1"}, {"period_s", "4"}}),
            SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(monitor_->error().find("must exceed the last row's time 4"), std::string::npos)
      << monitor_->error();
  EXPECT_EQ(monitor_->Create({{"file", file}, {"loop", "1"}, {"period_s", "0"}}),
            SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(monitor_->Create({{"file", file}, {"speed", "2"}}), SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(monitor_->error().find("unknown config key 'speed'"), std::string::npos)
      << monitor_->error();
}

}  // namespace
}  // namespace seam_monitor_test
