// Stressors: forked CPU duty-cycle and memory workers (see stress.h).
#include "tools/sweep/stress.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace seam::sweep {
namespace {

constexpr uint64_t kPage = 4096;

int64_t NowNs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

void SleepUntilNs(int64_t ns) {
  timespec t;
  t.tv_sec = static_cast<time_t>(ns / 1000000000);
  t.tv_nsec = static_cast<long>(ns % 1000000000);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, nullptr) == EINTR) {
  }
}

// Runs in the forked child, before the worker loop: die with the parent,
// take the default signal actions back (the parent's handlers only set flags
// in the parent), pin to the edge's CPUs, and let go of every inherited file
// descriptor (a worker holding the owner's stdout pipe or results file open
// would keep readers waiting for an EOF). `*keep_fd` (or -1) survives, moved
// to fd 3. Only async-signal-safe calls.
void BecomeWorker(pid_t parent, const cpu_set_t* cpus, int* keep_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(0);  // the parent died before prctl took effect
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  if (cpus != nullptr) sched_setaffinity(0, sizeof(*cpus), cpus);
  const int null_fd = open("/dev/null", O_RDWR);
  if (null_fd >= 0) {
    dup2(null_fd, 0);
    dup2(null_fd, 1);
    dup2(null_fd, 2);
  }
  unsigned int first = 3;
  if (keep_fd != nullptr && *keep_fd >= 0) {
    if (*keep_fd != 3) {
      dup2(*keep_fd, 3);
      *keep_fd = 3;
    }
    first = 4;
  }
  if (syscall(SYS_close_range, first, ~0U, 0) != 0) {
    rlimit limit{};
    const rlim_t top = getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : 1024;
    for (rlim_t fd = first; fd < top && fd < 65536; ++fd) close(static_cast<int>(fd));
  }
}

[[noreturn]] void CpuWorker(double duty, double period_ms) {
  const int64_t period_ns = static_cast<int64_t>(period_ms * 1e6);
  const int64_t busy_ns = static_cast<int64_t>(duty * static_cast<double>(period_ns));
  volatile uint64_t sink = 0;
  int64_t start = NowNs();
  for (;;) {
    if (busy_ns >= period_ns) {  // 100%: never sleep
      for (int i = 0; i < 100000; ++i) sink = sink + static_cast<uint64_t>(i);
      continue;
    }
    while (NowNs() < start + busy_ns) {
      for (int i = 0; i < 1000; ++i) sink = sink + static_cast<uint64_t>(i);
    }
    start += period_ns;
    const int64_t now = NowNs();
    // Descheduled past a whole period (the CPU is shared): restart the cycle
    // from now instead of spinning to catch up, which would exceed the duty.
    if (now > start) start = now;
    SleepUntilNs(start);
  }
}

[[noreturn]] void MemoryWorker(uint64_t bytes, double touch_period_ms, int ready_fd) {
  // Be the first thing the OOM killer picks: the stressor, never the machine.
  const int adj = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (adj >= 0) {
    const char kMax[] = "1000";
    (void)!write(adj, kMax, sizeof(kMax) - 1);
    close(adj);
  }
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) _exit(3);
  volatile uint8_t* mem = static_cast<volatile uint8_t*>(p);
  uint8_t round = 1;
  for (uint64_t off = 0; off < bytes; off += kPage) mem[off] = round;
  const char ok = 'r';
  (void)!write(ready_fd, &ok, 1);
  close(ready_fd);
  const int64_t period_ns = static_cast<int64_t>(touch_period_ms * 1e6);
  int64_t next = NowNs();
  for (;;) {
    ++round;
    for (uint64_t off = 0; off < bytes; off += kPage) mem[off] = round;
    next += period_ns;
    const int64_t now = NowNs();
    if (now > next) next = now;
    SleepUntilNs(next);
  }
}

}  // namespace

uint64_t MemAvailableBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t value = 0;
  std::string unit;
  while (in >> key >> value) {
    std::getline(in, unit);
    if (key == "MemAvailable:") return value * 1024;
  }
  return 0;
}

uint64_t MemStressBytes(double percent, uint64_t cap_bytes) {
  if (!(percent > 0)) return 0;
  const uint64_t available = MemAvailableBytes();
  const uint64_t budget = available > 0 && available < cap_bytes ? available : cap_bytes;
  const double bytes = static_cast<double>(budget) * std::min(percent, 100.0) / 100.0;
  return static_cast<uint64_t>(bytes) / kPage * kPage;
}

Status Stressors::Start(const StressOptions& options, std::unique_ptr<Stressors>* out) {
  if (!(options.cpu_percent >= 0 && options.cpu_percent <= 100))
    return InvalidArgument("CPU stress must be 0..100 %, got " +
                           std::to_string(options.cpu_percent));
  if (!(options.mem_percent >= 0 && options.mem_percent <= 100))
    return InvalidArgument("memory stress must be 0..100 %, got " +
                           std::to_string(options.mem_percent));
  if (!(options.period_ms > 0) || !(options.touch_period_ms > 0))
    return InvalidArgument("stress periods must be > 0");
  std::unique_ptr<Stressors> s(new Stressors());
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : options.cpus) CPU_SET(c, &set);
  const cpu_set_t* pin = options.cpus.empty() ? nullptr : &set;
  const pid_t parent = getpid();

  if (options.cpu_percent > 0) {
    // One worker per CPU the edge may run on.
    long workers = static_cast<long>(options.cpus.size());
    if (workers == 0) workers = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
    for (long i = 0; i < workers; ++i) {
      cpu_set_t one;
      CPU_ZERO(&one);
      if (!options.cpus.empty()) CPU_SET(options.cpus[static_cast<size_t>(i)], &one);
      const pid_t pid = fork();
      if (pid == 0) {
        BecomeWorker(parent, options.cpus.empty() ? nullptr : &one, nullptr);
        CpuWorker(options.cpu_percent / 100.0, options.period_ms);
      }
      if (pid < 0) return IoError(std::string("fork (CPU stress): ") + std::strerror(errno));
      s->pids_.push_back(pid);
    }
  }

  if (options.mem_percent > 0) {
    const uint64_t bytes = MemStressBytes(options.mem_percent, options.mem_cap_bytes);
    if (bytes >= kPage) {
      int fds[2];
      if (pipe2(fds, O_CLOEXEC) != 0)
        return IoError(std::string("pipe (memory stress): ") + std::strerror(errno));
      const pid_t pid = fork();
      if (pid == 0) {
        int ready = fds[1];
        BecomeWorker(parent, pin, &ready);
        MemoryWorker(bytes, options.touch_period_ms, ready);
      }
      close(fds[1]);
      if (pid < 0) {
        close(fds[0]);
        return IoError(std::string("fork (memory stress): ") + std::strerror(errno));
      }
      s->pids_.push_back(pid);
      s->mem_bytes_ = bytes;
      // Wait until every page is resident: a measurement must not start
      // while the stressor is still faulting its memory in.
      const int64_t deadline = NowNs() + static_cast<int64_t>(options.ready_timeout_s * 1e9);
      char c = 0;
      ssize_t n = -1;
      for (;;) {
        fd_set rd;
        FD_ZERO(&rd);
        FD_SET(fds[0], &rd);
        const int64_t left = deadline - NowNs();
        if (left <= 0) break;
        timeval tv{static_cast<time_t>(left / 1000000000),
                   static_cast<suseconds_t>((left % 1000000000) / 1000)};
        const int r = select(fds[0] + 1, &rd, nullptr, nullptr, &tv);
        if (r < 0 && errno == EINTR) continue;
        if (r > 0) n = read(fds[0], &c, 1);
        break;
      }
      close(fds[0]);
      if (n != 1) {
        return IoError("the memory stressor did not get " + std::to_string(bytes >> 20) +
                       " MiB resident (mmap failed, killed, or slower than " +
                       std::to_string(static_cast<int>(options.ready_timeout_s)) + " s)");
      }
    }
  }
  *out = std::move(s);
  return Status::Ok();
}

Stressors::~Stressors() { Stop(); }

void Stressors::Stop() {
  for (pid_t pid : pids_) kill(pid, SIGKILL);
  for (pid_t pid : pids_) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  pids_.clear();
}

bool Stressors::AllAlive() {
  for (pid_t pid : pids_) {
    if (waitpid(pid, nullptr, WNOHANG) != 0) return false;
  }
  return true;
}

}  // namespace seam::sweep
