// ChildProcess: a `seam` subprocess of `seam sweep` (a server or an edge):
// the same binary (/proc/self/exe), stdout and stderr into files, pinned to
// given CPUs, and tied to the sweep's life (PR_SET_PDEATHSIG), so a killed
// sweep leaves nothing running.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "seam/status.h"

namespace seam::sweep {

// The running executable's path (/proc/self/exe resolved).
std::string SelfExecutable();

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts `program args...` with stdin from /dev/null and stdout/stderr
  // truncated into the two files. An empty `stdout_path` gives a pipe
  // instead, read through stdout_fd() (the caller can timestamp each line as
  // it arrives). `cpus` empty = no pinning.
  Status Start(const std::string& program, const std::vector<std::string>& args,
               const std::string& stdout_path, const std::string& stderr_path,
               const std::vector<int>& cpus);

  pid_t pid() const { return pid_; }
  // The read end of the stdout pipe (non-blocking), or -1.
  int stdout_fd() const { return stdout_fd_; }
  bool started() const { return pid_ > 0; }
  // True while it runs (reaps it when it has exited).
  bool Running();
  // Exit code once exited; -1 while running or when killed by a signal.
  int exit_code() const { return exit_code_; }
  int term_signal() const { return term_signal_; }
  // Waits up to `timeout_s`; true when it exited.
  bool Wait(double timeout_s);
  // SIGTERM, then SIGKILL after `grace_s`; always reaps.
  void Stop(double grace_s);
  // SIGKILL and reap.
  void Kill();

  // "exit 1" / "killed by signal 9" / "running".
  std::string Describe() const;

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
  int term_signal_ = 0;
};

// The last `max_bytes` of a text file (error messages of a failed child).
std::string TailOfFile(const std::string& path, size_t max_bytes = 2000);

}  // namespace seam::sweep
