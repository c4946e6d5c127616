// The cpu-load monitor (seam_monitor_cpu_load.so): /proc/stat deltas on a
// fake proc tree (exact arithmetic) and on the real /proc while the test
// burns CPU on two threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "plugins/monitors/testing/monitor_test_host.h"

namespace seam_monitor_test {
namespace {

// A /proc/stat whose aggregate line has the given counters (user nice system
// idle iowait irq softirq steal guest guest_nice), plus per-cpu lines the
// monitor must ignore.
std::string Stat(uint64_t user, uint64_t nice, uint64_t system, uint64_t idle, uint64_t iowait,
                 uint64_t irq = 0, uint64_t softirq = 0, uint64_t steal = 0, uint64_t guest = 0,
                 uint64_t guest_nice = 0) {
  auto line = [&](const std::string& name) {
    return name + " " + std::to_string(user) + " " + std::to_string(nice) + " " +
           std::to_string(system) + " " + std::to_string(idle) + " " + std::to_string(iowait) +
           " " + std::to_string(irq) + " " + std::to_string(softirq) + " " + std::to_string(steal) +
           " " + std::to_string(guest) + " " + std::to_string(guest_nice) + "\n";
  };
  return line("cpu ") + "cpu0 1 2 3 4 5 6 7 8 9 10\n" + "intr 12345 0 0\nctxt 999\n";
}

class CpuLoadMonitorTest : public ::testing::Test {
 protected:
  void Load() {
    module_ = std::make_unique<MonitorModule>("cpu-load", host_);
    ASSERT_TRUE(module_->ok()) << module_->error();
    monitor_ = std::make_unique<MonitorInstance>(*module_, host_);
  }
  double SampleLoad() {
    seam_readings r;
    const seam_status st = monitor_->Sample(&r);
    EXPECT_EQ(st, SEAM_STATUS_OK) << monitor_->error();
    EXPECT_EQ(r.valid, static_cast<uint32_t>(SEAM_READING_CPU_LOAD));
    return st == SEAM_STATUS_OK ? r.cpu_load : -1.0;
  }

  TestHost host_;
  TempDir proc_;
  std::unique_ptr<MonitorModule> module_;
  std::unique_ptr<MonitorInstance> monitor_;
};

TEST_F(CpuLoadMonitorTest, FirstSampleIsTheBaselineThenDeltasGiveTheLoad) {
  proc_.Write("stat", Stat(1000, 0, 500, 8000, 500));
  Load();
  ASSERT_EQ(monitor_->Create({{"proc_root", proc_.path()}}), SEAM_STATUS_OK) << monitor_->error();
  seam_readings r;
  EXPECT_EQ(monitor_->Sample(&r), SEAM_STATUS_UNAVAILABLE);
  EXPECT_NE(monitor_->error().find("baseline"), std::string::npos) << monitor_->error();
  EXPECT_EQ(r.valid, 0u);

  // +30 user +10 system +60 idle: 40 % busy.
  proc_.Write("stat", Stat(1030, 0, 510, 8060, 500));
  EXPECT_NEAR(SampleLoad(), 0.40, 1e-12);
  // iowait is not load: +25 user +50 idle +25 iowait = 25 %.
  proc_.Write("stat", Stat(1055, 0, 510, 8110, 525));
  EXPECT_NEAR(SampleLoad(), 0.25, 1e-12);
  // nice, irq, softirq and steal are; guest is already inside user, so
  // +40 user (of which 40 guest) +10 nice +10 irq +10 softirq +10 steal +20 idle = 80 %.
  proc_.Write("stat", Stat(1095, 10, 510, 8130, 525, 10, 10, 10, 40, 0));
  EXPECT_NEAR(SampleLoad(), 0.80, 1e-12);
  // Fully busy and fully idle intervals hit the ends of the range.
  proc_.Write("stat", Stat(1195, 10, 510, 8130, 525, 10, 10, 10, 40, 0));
  EXPECT_NEAR(SampleLoad(), 1.0, 1e-12);
  proc_.Write("stat", Stat(1195, 10, 510, 9130, 525, 10, 10, 10, 40, 0));
  EXPECT_NEAR(SampleLoad(), 0.0, 1e-12);
}

TEST_F(CpuLoadMonitorTest, NoTickSinceLastSampleKeepsTheOldBaseline) {
  proc_.Write("stat", Stat(100, 0, 0, 100, 0));
  Load();
  ASSERT_EQ(monitor_->Create({{"proc_root", proc_.path()}}), SEAM_STATUS_OK) << monitor_->error();
  seam_readings r;
  EXPECT_EQ(monitor_->Sample(&r), SEAM_STATUS_UNAVAILABLE);  // baseline
  EXPECT_EQ(monitor_->Sample(&r), SEAM_STATUS_UNAVAILABLE);  // nothing changed
  EXPECT_NE(monitor_->error().find("clock tick"), std::string::npos) << monitor_->error();
  // The next reading spans from the original baseline.
  proc_.Write("stat", Stat(150, 0, 0, 150, 0));
  EXPECT_NEAR(SampleLoad(), 0.5, 1e-12);
}

TEST_F(CpuLoadMonitorTest, CountersGoingBackwardsResetTheBaseline) {
  proc_.Write("stat", Stat(1000, 0, 0, 1000, 0));
  Load();
  ASSERT_EQ(monitor_->Create({{"proc_root", proc_.path()}}), SEAM_STATUS_OK) << monitor_->error();
  seam_readings r;
  EXPECT_EQ(monitor_->Sample(&r), SEAM_STATUS_UNAVAILABLE);
  proc_.Write("stat", Stat(10, 0, 0, 10, 0));
  EXPECT_EQ(monitor_->Sample(&r), SEAM_STATUS_UNAVAILABLE);
  EXPECT_TRUE(host_.LogContains("went backwards")) << host_.JoinedLogs();
  proc_.Write("stat", Stat(19, 0, 0, 11, 0));
  EXPECT_NEAR(SampleLoad(), 0.9, 1e-12);
}

TEST_F(CpuLoadMonitorTest, BadTreesFailAtCreateOrSampleWithThePath) {
  Load();
  EXPECT_EQ(monitor_->Create({{"proc_root", proc_.path() + "/missing"}}), SEAM_STATUS_IO);
  EXPECT_NE(monitor_->error().find(proc_.path() + "/missing/stat"), std::string::npos)
      << monitor_->error();

  proc_.Write("stat", "intr 1 2 3\ncpu0 1 2 3 4\n");  // no aggregate line
  EXPECT_EQ(monitor_->Create({{"proc_root", proc_.path()}}), SEAM_STATUS_IO);
  EXPECT_NE(monitor_->error().find("no aggregate 'cpu' line"), std::string::npos)
      << monitor_->error();
  proc_.Write("stat", "cpu  1 2 x\n");
  EXPECT_EQ(monitor_->Create({{"proc_root", proc_.path()}}), SEAM_STATUS_IO);

  EXPECT_EQ(monitor_->Create({{"proc_root", ""}}), SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(monitor_->Create({{"root", "/proc"}}), SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(monitor_->error().find("unknown config key 'root'"), std::string::npos)
      << monitor_->error();

  // A file that breaks after start-up is a sample error, outputs untouched.
  proc_.Write("stat", Stat(1, 0, 0, 1, 0));
  ASSERT_EQ(monitor_->Create({{"proc_root", proc_.path()}}), SEAM_STATUS_OK) << monitor_->error();
  proc_.Write("stat", "garbage\n");
  seam_readings r;
  EXPECT_EQ(monitor_->Sample(&r), SEAM_STATUS_IO);
  EXPECT_NE(monitor_->error().find("cpu-load: "), std::string::npos) << monitor_->error();
  EXPECT_EQ(r.valid, 0u);
}

// Reads the number of CPUs /proc/stat accounts for (it may exceed what this
// process may use inside a container).
int ProcStatCpuCount() {
  std::ifstream in("/proc/stat");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.size() > 3 && line.compare(0, 3, "cpu") == 0 && line[3] >= '0' && line[3] <= '9') ++n;
  }
  return n > 0 ? n : 1;
}

TEST_F(CpuLoadMonitorTest, RealProcRisesWhileTwoThreadsBurnCpu) {
  Load();
  ASSERT_EQ(monitor_->Create({}), SEAM_STATUS_OK) << monitor_->error();  // proc_root=/proc
  seam_readings r;
  ASSERT_EQ(monitor_->Sample(&r), SEAM_STATUS_UNAVAILABLE);  // baseline

  // Quiet interval (this test only sleeps).
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const double quiet = SampleLoad();

  // Busy interval: two spinning threads.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> sink{0};
  std::vector<std::thread> burners;
  for (int i = 0; i < 2; ++i) {
    burners.emplace_back([&] {
      uint64_t x = 1;
      while (!stop.load(std::memory_order_relaxed)) {
        for (int k = 0; k < 10000; ++k) x = x * 6364136223846793005ull + 1442695040888963407ull;
      }
      sink += x;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const double busy = SampleLoad();
  stop = true;
  for (auto& t : burners) t.join();

  // Two spinning threads occupy min(2, cpus) of the `cpus` cores. Other
  // processes may already keep some cores busy, so the rise we can demand
  // is bounded by the idle headroom of the quiet interval; half of the
  // expected rise (minus a little noise) is still clearly "measurable".
  const int cpus = ProcStatCpuCount();
  const double ours = std::min(2, cpus) / static_cast<double>(cpus);
  const double expected_rise = std::min(ours, 1.0 - quiet);
  RecordProperty("quiet_load", std::to_string(quiet));
  RecordProperty("busy_load", std::to_string(busy));
  EXPECT_GE(busy, 0.0);
  EXPECT_LE(busy, 1.0);
  EXPECT_GE(busy - quiet, 0.5 * expected_rise - 0.02)
      << "quiet " << quiet << ", busy " << busy << ", cpus " << cpus;
  EXPECT_GE(busy, 0.5 * ours) << "two spinning threads must show up as load";
}

}  // namespace
}  // namespace seam_monitor_test
