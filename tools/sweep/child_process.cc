// ChildProcess: fork + exec of a seam subprocess, with CPU pinning and
// parent-death cleanup (see child_process.h).
#include "tools/sweep/child_process.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace seam::sweep {

std::string SelfExecutable() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return "";
  path[n] = '\0';
  return path;
}

ChildProcess::~ChildProcess() {
  if (started()) Kill();
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

Status ChildProcess::Start(const std::string& program, const std::vector<std::string>& args,
                           const std::string& stdout_path, const std::string& stderr_path,
                           const std::vector<int>& cpus) {
  if (started()) return Internal("ChildProcess::Start called twice");
  // Everything the child needs is prepared before fork(): after it, only
  // async-signal-safe calls.
  std::vector<std::string> storage = {program};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus) CPU_SET(c, &set);
  int pipe_fds[2] = {-1, -1};
  if (stdout_path.empty() && pipe2(pipe_fds, O_CLOEXEC) != 0)
    return IoError(std::string("pipe: ") + std::strerror(errno));
  const int out_fd = stdout_path.empty() ? pipe_fds[1]
                                         : open(stdout_path.c_str(),
                                                O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err_fd = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out_fd < 0 || err_fd < 0 || null_fd < 0) {
    const std::string why = std::strerror(errno);
    if (out_fd >= 0) close(out_fd);
    if (err_fd >= 0) close(err_fd);
    if (null_fd >= 0) close(null_fd);
    if (pipe_fds[0] >= 0) close(pipe_fds[0]);
    return IoError("cannot open '" + stdout_path + "' / '" + stderr_path + "': " + why);
  }
  const pid_t parent = getpid();
  const bool pin = !cpus.empty();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(125);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    if (pin) sched_setaffinity(0, sizeof(set), &set);
    dup2(null_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  const int fork_errno = errno;
  close(out_fd);
  close(err_fd);
  close(null_fd);
  if (pid < 0) {
    if (pipe_fds[0] >= 0) close(pipe_fds[0]);
    return IoError(std::string("fork: ") + std::strerror(fork_errno));
  }
  if (pipe_fds[0] >= 0) {
    fcntl(pipe_fds[0], F_SETFL, fcntl(pipe_fds[0], F_GETFL) | O_NONBLOCK);
    stdout_fd_ = pipe_fds[0];
  }
  pid_ = pid;
  exited_ = false;
  exit_code_ = -1;
  term_signal_ = 0;
  return Status::Ok();
}

bool ChildProcess::Running() {
  if (!started() || exited_) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  if (r < 0 && errno == EINTR) return true;
  exited_ = true;
  if (r == pid_) {
    if (WIFEXITED(status)) exit_code_ = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) term_signal_ = WTERMSIG(status);
  }
  return false;
}

bool ChildProcess::Wait(double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (Running()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void ChildProcess::Stop(double grace_s) {
  if (!Running()) return;
  kill(pid_, SIGTERM);
  if (Wait(grace_s)) return;
  Kill();
}

void ChildProcess::Kill() {
  if (!Running()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exited_ = true;
  if (WIFSIGNALED(status)) term_signal_ = WTERMSIG(status);
}

std::string ChildProcess::Describe() const {
  if (!started()) return "not started";
  if (!exited_) return "running";
  if (term_signal_ != 0) return "killed by signal " + std::to_string(term_signal_);
  return "exit " + std::to_string(exit_code_);
}

std::string TailOfFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace seam::sweep
