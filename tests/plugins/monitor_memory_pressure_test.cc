// The memory-pressure monitor (seam_monitor_memory_pressure.so): meminfo and
// PSI sources on a fake proc tree, source selection, and the real /proc
// while the test allocates and touches a few hundred MB.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "plugins/monitors/testing/monitor_test_host.h"

namespace seam_monitor_test {
namespace {

std::string Meminfo(uint64_t total_kb, uint64_t available_kb) {
  return "MemTotal:       " + std::to_string(total_kb) +
         " kB\nMemFree:          100 kB\nMemAvailable:   " + std::to_string(available_kb) +
         " kB\nBuffers:          10 kB\nCached:          20 kB\nSwapTotal:         0 kB\n";
}

std::string Psi(const std::string& some_avg10) {
  return "some avg10=" + some_avg10 + " avg60=1.00 avg300=0.50 total=123456\n" +
         "full avg10=3.00 avg60=0.50 avg300=0.25 total=65432\n";
}

class MemoryPressureMonitorTest : public ::testing::Test {
 protected:
  void Load() {
    module_ = std::make_unique<MonitorModule>("memory-pressure", host_);
    ASSERT_TRUE(module_->ok()) << module_->error();
    monitor_ = std::make_unique<MonitorInstance>(*module_, host_);
  }
  double SamplePressure() {
    seam_readings r;
    const seam_status st = monitor_->Sample(&r);
    EXPECT_EQ(st, SEAM_STATUS_OK) << monitor_->error();
    EXPECT_EQ(r.valid, static_cast<uint32_t>(SEAM_READING_MEM_PRESSURE));
    return st == SEAM_STATUS_OK ? r.mem_pressure : -1.0;
  }

  TestHost host_;
  TempDir proc_;
  std::unique_ptr<MonitorModule> module_;
  std::unique_ptr<MonitorInstance> monitor_;
};

TEST_F(MemoryPressureMonitorTest, MeminfoGivesTheUnavailableShare) {
  proc_.Write("meminfo", Meminfo(1000, 250));
  Load();
  ASSERT_EQ(monitor_->Create({{"proc_root", proc_.path()}}), SEAM_STATUS_OK) << monitor_->error();
  EXPECT_TRUE(host_.LogContains("MemAvailable/MemTotal")) << host_.JoinedLogs();
  EXPECT_NEAR(SamplePressure(), 0.75, 1e-12);
  // Every sample re-reads the file.
  proc_.Write("meminfo", Meminfo(1000, 900));
  EXPECT_NEAR(SamplePressure(), 0.10, 1e-12);
  proc_.Write("meminfo", Meminfo(1000, 1000));
  EXPECT_NEAR(SamplePressure(), 0.0, 1e-12);
}

TEST_F(MemoryPressureMonitorTest, OldKernelsWithoutMemAvailableUseFreeBuffersCached) {
  proc_.Write("meminfo", "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 150 kB\n");
  Load();
  ASSERT_EQ(monitor_->Create({{"proc_root", proc_.path()}, {"source", "meminfo"}}), SEAM_STATUS_OK)
      << monitor_->error();
  EXPECT_TRUE(host_.LogContains("no MemAvailable")) << host_.JoinedLogs();
  EXPECT_NEAR(SamplePressure(), 0.70, 1e-12);
}

TEST_F(MemoryPressureMonitorTest, PsiSomeAvg10IsUsedWhenPresent) {
  proc_.Write("meminfo", Meminfo(1000, 250));
  proc_.Write("pressure/memory", Psi("12.50"));
  Load();
  // auto (the default) prefers PSI when the file exists.
  ASSERT_EQ(monitor_->Create({{"proc_root", proc_.path()}}), SEAM_STATUS_OK) << monitor_->error();
  EXPECT_NEAR(SamplePressure(), 0.125, 1e-12);
  proc_.Write("pressure/memory", Psi("0.00"));
  EXPECT_NEAR(SamplePressure(), 0.0, 1e-12);
  proc_.Write("pressure/memory", Psi("100.00"));
  EXPECT_NEAR(SamplePressure(), 1.0, 1e-12);

  ASSERT_EQ(monitor_->Create({{"proc_root", proc_.path()}, {"source", "psi"}}), SEAM_STATUS_OK)
      << monitor_->error();
  EXPECT_NEAR(SamplePressure(), 1.0, 1e-12);
  // source=meminfo ignores PSI even when it exists.
  ASSERT_EQ(monitor_->Create({{"proc_root", proc_.path()}, {"source", "meminfo"}}), SEAM_STATUS_OK)
      << monitor_->error();
  EXPECT_NEAR(SamplePressure(), 0.75, 1e-12);
}

TEST_F(MemoryPressureMonitorTest, AutoFallsBackToMeminfoWithoutUsablePsi) {
  proc_.Write("meminfo", Meminfo(2000, 1500));
  Load();
  ASSERT_EQ(monitor_->Create({{"proc_root", proc_.path()}}), SEAM_STATUS_OK) << monitor_->error();
  EXPECT_NEAR(SamplePressure(), 0.25, 1e-12);

  // A pressure file that does not parse (e.g. PSI disabled) is not fatal
  // for auto, but is for source=psi.
  proc_.Write("pressure/memory", "bogus\n");
  ASSERT_EQ(monitor_->Create({{"proc_root", proc_.path()}, {"source", "auto"}}), SEAM_STATUS_OK)
      << monitor_->error();
  EXPECT_TRUE(host_.LogContains("falling back to meminfo")) << host_.JoinedLogs();
  EXPECT_NEAR(SamplePressure(), 0.25, 1e-12);
  EXPECT_EQ(monitor_->Create({{"proc_root", proc_.path()}, {"source", "psi"}}), SEAM_STATUS_IO);
  EXPECT_NE(monitor_->error().find("some avg10"), std::string::npos) << monitor_->error();
}

TEST_F(MemoryPressureMonitorTest, RejectsMissingSourcesAndBadConfig) {
  Load();
  proc_.Write("meminfo", Meminfo(1000, 500));
  EXPECT_EQ(monitor_->Create({{"proc_root", proc_.path()}, {"source", "psi"}}),
            SEAM_STATUS_UNSUPPORTED);
  EXPECT_NE(monitor_->error().find(proc_.path() + "/pressure/memory does not exist"),
            std::string::npos)
      << monitor_->error();
  EXPECT_EQ(monitor_->Create({{"proc_root", proc_.path() + "/nope"}}), SEAM_STATUS_IO);
  EXPECT_NE(monitor_->error().find("/nope/meminfo"), std::string::npos) << monitor_->error();
  EXPECT_EQ(monitor_->Create({{"source", "swap"}}), SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(monitor_->error().find("expected one of: auto, meminfo, psi"), std::string::npos)
      << monitor_->error();
  EXPECT_EQ(monitor_->Create({{"proc_root", ""}}), SEAM_STATUS_INVALID_ARGUMENT);

  proc_.Write("meminfo", "MemFree: 10 kB\n");
  EXPECT_EQ(monitor_->Create({{"proc_root", proc_.path()}}), SEAM_STATUS_IO);
  EXPECT_NE(monitor_->error().find("no positive MemTotal"), std::string::npos) << monitor_->error();
  proc_.Write("meminfo", "MemTotal: 0 kB\nMemAvailable: 0 kB\n");
  EXPECT_EQ(monitor_->Create({{"proc_root", proc_.path()}}), SEAM_STATUS_IO);
  proc_.Write("meminfo", "MemTotal: lots\n");
  EXPECT_EQ(monitor_->Create({{"proc_root", proc_.path()}}), SEAM_STATUS_IO);
  proc_.Write("meminfo", "MemTotal: 100 kB\n");  // no MemAvailable nor fallback fields
  EXPECT_EQ(monitor_->Create({{"proc_root", proc_.path()}}), SEAM_STATUS_IO);

  // Breaking after start-up: a sample error, outputs untouched.
  proc_.Write("meminfo", Meminfo(1000, 500));
  ASSERT_EQ(monitor_->Create({{"proc_root", proc_.path()}}), SEAM_STATUS_OK) << monitor_->error();
  std::remove((proc_.path() + "/meminfo").c_str());
  seam_readings r;
  EXPECT_EQ(monitor_->Sample(&r), SEAM_STATUS_IO);
  EXPECT_EQ(r.valid, 0u);
}

// MemTotal of the real /proc/meminfo in kB, or -1.
double MemTotalKb() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kb = -1;
  while (in >> key >> kb) {
    if (key == "MemTotal:") return kb;
    in.ignore(1 << 10, '\n');
  }
  return -1;
}

TEST_F(MemoryPressureMonitorTest, RealMeminfoRisesWhenTheTestTouchesMemory) {
  Load();
  ASSERT_EQ(monitor_->Create({{"source", "meminfo"}}), SEAM_STATUS_OK) << monitor_->error();
  const double total_kb = MemTotalKb();
  ASSERT_GT(total_kb, 0);
  // 384 MB, but at most a quarter of the machine so the test cannot itself
  // cause trouble on a small device.
  const size_t bytes = static_cast<size_t>(std::min(384.0 * (1 << 20), total_kb * 1024 / 4));
  const double expected_rise = static_cast<double>(bytes) / (total_kb * 1024);

  // Other processes allocate and free concurrently (and this VM's free-page
  // reporting returns freed pages to the free lists with a lag), so a single
  // attempt can be swamped; a few attempts make it very unlikely that noise
  // hides our allocation every time, while a monitor that does not follow
  // MemAvailable never passes.
  double best_rise = -1;
  for (int attempt = 0; attempt < 5 && best_rise < 0.5 * expected_rise; ++attempt) {
    const double before = SamplePressure();
    void* block =
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(block, MAP_FAILED) << std::strerror(errno);
    // Huge pages when available: 2 MB faults instead of 4 KB ones make
    // touching hundreds of MB take tens of ms rather than seconds in a VM.
    ::madvise(block, bytes, MADV_HUGEPAGE);
    // Touch every byte: untouched pages are not resident and would not
    // reduce MemAvailable.
    std::memset(block, 0x5a, bytes);
    const double during = SamplePressure();
    ::munmap(block, bytes);
    best_rise = std::max(best_rise, during - before);
    RecordProperty("attempt" + std::to_string(attempt),
                   "before " + std::to_string(before) + " during " + std::to_string(during));
  }
  EXPECT_GE(best_rise, 0.5 * expected_rise)
      << "touching " << bytes / (1 << 20) << " MB of " << total_kb / 1024
      << " MB should raise 1 - MemAvailable/MemTotal by ~" << expected_rise;
}

}  // namespace
}  // namespace seam_monitor_test
