// The sweep's stress generator (tools/sweep/stress.h), on real forked
// processes: a CPU worker never takes more than its duty cycle, the memory
// worker holds its pages resident, and every worker is gone after Stop(),
// after the owner's destructor, and after the owner is SIGKILLed.
#include "tools/sweep/stress.h"

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace seam::sweep {
namespace {

// utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15).
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  std::vector<std::string> fields;
  while (rest >> field) fields.push_back(field);
  // fields[0] is the state (field 3); utime is field 14, stime field 15.
  if (fields.size() < 13) return -1;
  return (std::stod(fields[11]) + std::stod(fields[12])) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

// True when the process no longer exists or is a zombie.
bool Gone(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return true;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'Z';
}

long RssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::vector<int> FirstCpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return {};
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) return {c};
  }
  return {};
}

TEST(StressTest, CpuWorkerStaysWithinItsDutyCycle) {
  StressOptions o;
  o.cpu_percent = 30;
  o.cpus = FirstCpu();
  ASSERT_EQ(o.cpus.size(), 1u);
  std::unique_ptr<Stressors> s;
  ASSERT_TRUE(Stressors::Start(o, &s).ok());
  ASSERT_EQ(s->pids().size(), 1u);  // one worker per edge CPU
  const pid_t pid = s->pids()[0];
  // Skip the start-up, then measure over 2 s of wall time.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const double before = CpuSeconds(pid);
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double used = CpuSeconds(pid) - before;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double share = used / wall;
  // Never more than the duty cycle (plus clock-tick granularity); the CPU may
  // be shared, so less is allowed, but it must be doing something.
  EXPECT_LE(share, 0.30 + 0.06) << "used " << used << " s of CPU in " << wall << " s";
  EXPECT_GE(share, 0.05) << "used " << used << " s of CPU in " << wall << " s";
  EXPECT_TRUE(s->AllAlive());
  s->Stop();
  EXPECT_TRUE(Gone(pid));
  EXPECT_TRUE(s->pids().empty());
}

TEST(StressTest, ZeroStressStartsNothing) {
  std::unique_ptr<Stressors> s;
  ASSERT_TRUE(Stressors::Start(StressOptions{}, &s).ok());
  EXPECT_TRUE(s->pids().empty());
  EXPECT_EQ(s->mem_bytes(), 0u);
}

TEST(StressTest, MemoryWorkerHoldsItsShareResidentAndIsCapped) {
  StressOptions o;
  o.mem_percent = 50;
  o.mem_cap_bytes = 64ull << 20;  // 50 % of at most 64 MiB
  o.cpus = FirstCpu();
  std::unique_ptr<Stressors> s;
  ASSERT_TRUE(Stressors::Start(o, &s).ok());
  ASSERT_EQ(s->pids().size(), 1u);
  EXPECT_LE(s->mem_bytes(), 32ull << 20);
  EXPECT_GE(s->mem_bytes(), 31ull << 20);
  const pid_t pid = s->pids()[0];
  // Start() returns once every page was touched.
  EXPECT_GE(RssKb(pid), 31 * 1024);
  EXPECT_LE(RssKb(pid), 48 * 1024);
  s.reset();  // the destructor stops it too
  EXPECT_TRUE(Gone(pid));
}

TEST(StressTest, MemoryShareNeverExceedsTheCap) {
  EXPECT_EQ(MemStressBytes(0, 1ull << 30), 0u);
  EXPECT_LE(MemStressBytes(90, 1ull << 30), (1ull << 30) * 9 / 10);
  EXPECT_LE(MemStressBytes(100, 1ull << 20), 1ull << 20);
  EXPECT_GT(MemAvailableBytes(), 0u);
}

TEST(StressTest, RejectsOutOfRangeLevels) {
  std::unique_ptr<Stressors> s;
  StressOptions o;
  o.cpu_percent = 150;
  const Status st = Stressors::Start(o, &s);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("150"), std::string::npos) << st.message();
  o.cpu_percent = 0;
  o.mem_percent = -1;
  EXPECT_EQ(Stressors::Start(o, &s).code(), StatusCode::kInvalidArgument);
}

TEST(StressTest, WorkersDieWhenTheirOwnerIsKilled) {
  // An owner process starts CPU and memory stressors, reports their pids,
  // then waits; SIGKILL gives it no chance to clean up.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t owner = fork();
  if (owner == 0) {
    close(fds[0]);
    StressOptions o;
    o.cpu_percent = 20;
    o.mem_percent = 10;
    o.mem_cap_bytes = 32ull << 20;
    std::unique_ptr<Stressors> s;
    if (!Stressors::Start(o, &s).ok()) _exit(1);
    const size_t n = s->pids().size();
    (void)!write(fds[1], &n, sizeof(n));
    for (pid_t p : s->pids()) (void)!write(fds[1], &p, sizeof(p));
    close(fds[1]);
    for (;;) pause();
  }
  ASSERT_GT(owner, 0);
  close(fds[1]);
  // Read exactly the count the owner announced: if the workers held the
  // pipe's write end (they must not), waiting for EOF would hang.
  std::vector<pid_t> workers;
  size_t n = 0;
  ASSERT_EQ(read(fds[0], &n, sizeof(n)), static_cast<ssize_t>(sizeof(n)));
  for (size_t i = 0; i < n; ++i) {
    pid_t p;
    ASSERT_EQ(read(fds[0], &p, sizeof(p)), static_cast<ssize_t>(sizeof(p)));
    workers.push_back(p);
  }
  // The owner closed its end after writing; the workers closed theirs at
  // start, so the pipe reaches EOF while they all still run.
  char extra;
  EXPECT_EQ(read(fds[0], &extra, 1), 0) << "a stressor kept the owner's pipe open";
  close(fds[0]);
  ASSERT_GE(workers.size(), 2u);  // at least one CPU worker and the memory worker
  for (pid_t w : workers) EXPECT_FALSE(Gone(w));
  kill(owner, SIGKILL);
  waitpid(owner, nullptr, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (pid_t w : workers) {
    while (!Gone(w) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_TRUE(Gone(w)) << "stressor " << w << " outlived its owner";
  }
}

}  // namespace
}  // namespace seam::sweep
