// Helpers for the streaming tests: start real `seam serve` / `seam edge`
// processes (the binary named by $SEAM_CLI) with their stdout and stderr in
// files, wait for the server's "ready" line, pick free loopback ports, parse
// the --json event lines, and always reap what was started (SIGTERM, then
// SIGKILL after 5 s). Nothing is mocked: the processes talk real ZeroMQ over
// 127.0.0.1.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/cli/cli_test_util.h"

namespace seam::stream_test {

using cli_test::CliPath;
using cli_test::Json;
using cli_test::JsonParser;
using cli_test::TempDir;

using Clock = std::chrono::steady_clock;

inline double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A loopback TCP port nobody listens on right now: bind port 0, read it back,
// close. (Another process could take it before the server binds; that shows
// up as a bind error in the server's stderr, not as a silent pass.)
inline int FreeTcpPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    ADD_FAILURE() << "socket: " << std::strerror(errno);
    return 0;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  } else {
    ADD_FAILURE() << "bind/getsockname: " << std::strerror(errno);
  }
  close(fd);
  return port;
}

inline std::string FreeTcpEndpoint() { return "tcp://127.0.0.1:" + std::to_string(FreeTcpPort()); }

// One child process running `seam args...` in `cwd`, stdin from /dev/null,
// stdout and stderr into files. The destructor stops it if it still runs.
class Process {
 public:
  // An executable other than `seam` (a test helper such as the TCP relay):
  // run from `path`, named `name` in messages.
  struct Program {
    std::string path;
    std::string name;
  };

  Process(std::vector<std::string> args, const std::string& cwd, std::string out_path,
          std::string err_path)
      : Process(Program{CliPath(), "seam"}, std::move(args), cwd, std::move(out_path),
                std::move(err_path)) {}

  Process(const Program& program, std::vector<std::string> args, const std::string& cwd,
          std::string out_path, std::string err_path)
      : out_path_(std::move(out_path)), err_path_(std::move(err_path)) {
    if (program.path.empty()) {
      ADD_FAILURE() << (program.name == "seam"
                            ? "SEAM_CLI is not set; run stream_test through ctest or from the "
                              "build tree"
                            : "no path for the " + program.name + " executable");
      return;
    }
    args.insert(args.begin(), program.path);
    description_ = program.name;
    for (size_t i = 1; i < args.size(); ++i) description_ += " " + args[i];
    // Everything the child needs is prepared before fork(): after it, only
    // async-signal-safe calls.
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int out_fd = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int err_fd = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out_fd < 0 || err_fd < 0 || null_fd < 0) {
      ADD_FAILURE() << "cannot open the output files of " << description_;
      return;
    }
    const pid_t parent = getpid();
    start_ = Clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
      // Die with the test binary, so a crashed test leaves no server behind.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(125);
      dup2(null_fd, 0);
      dup2(out_fd, 1);
      dup2(err_fd, 2);
      if (chdir(cwd.c_str()) != 0) _exit(126);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out_fd);
    close(err_fd);
    close(null_fd);
    if (pid < 0) {
      ADD_FAILURE() << "fork: " << std::strerror(errno);
      return;
    }
    pid_ = pid;
  }

  ~Process() { Stop(); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& description() const { return description_; }
  bool running() {
    Poll();
    return pid_ > 0 && !exited_;
  }
  bool exited() {
    Poll();
    return exited_;
  }
  // Exit code, or -1 when the process was killed by a signal (or still runs).
  int exit_code() const { return exit_code_; }
  int term_signal() const { return term_signal_; }
  // Peak resident set of the exited process (wait4), in KiB.
  long max_rss_kb() const { return max_rss_kb_; }
  // Seconds from start to the moment the exit was noticed.
  double wall_s() const { return wall_s_; }

  std::string Out() const { return ReadText(out_path_); }
  std::string Err() const { return ReadText(err_path_); }

  // Waits up to `timeout_s` for the process to exit; false if it still runs.
  bool Wait(double timeout_s) {
    const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
    while (running()) {
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  void Signal(int sig) {
    if (running()) kill(pid_, sig);
  }

  // SIGKILL and reap.
  void Kill() {
    Signal(SIGKILL);
    Wait(30);
  }

  // SIGTERM; SIGKILL if it has not exited after `grace_s` seconds. Returns
  // true when it exited on its own after the SIGTERM.
  bool Stop(double grace_s = 5.0) {
    if (!running()) return exited_ && term_signal_ == 0;
    kill(pid_, SIGTERM);
    if (Wait(grace_s)) return term_signal_ == 0;
    kill(pid_, SIGKILL);
    Wait(30);
    return false;
  }

  // "exit 0" / "killed by signal 9", with the output files, for failure messages.
  std::string Describe() const {
    std::string s = description_ + "\n";
    s += term_signal_ != 0 ? "killed by signal " + std::to_string(term_signal_)
                           : "exit " + std::to_string(exit_code_);
    s += "\n--- stdout (" + out_path_ + ") ---\n" + Tail(Out()) + "--- stderr (" + err_path_ +
         ") ---\n" + Tail(Err());
    return s;
  }

 private:
  static std::string Tail(const std::string& text) {
    constexpr size_t kMax = 6000;
    return text.size() <= kMax ? text : "[...]\n" + text.substr(text.size() - kMax);
  }

  void Poll() {
    if (pid_ <= 0 || exited_) return;
    int status = 0;
    rusage usage{};
    const pid_t r = wait4(pid_, &status, WNOHANG, &usage);
    if (r != pid_) return;
    exited_ = true;
    wall_s_ = SecondsSince(start_);
    max_rss_kb_ = usage.ru_maxrss;
    if (WIFEXITED(status)) exit_code_ = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) term_signal_ = WTERMSIG(status);
  }

  std::string out_path_, err_path_, description_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
  int term_signal_ = 0;
  long max_rss_kb_ = 0;
  double wall_s_ = 0;
  Clock::time_point start_;
};

// Every non-empty stdout line of a --json run, parsed. A line that is not a
// JSON object fails the test (--json promises one object per line).
inline std::vector<Json> ParseEvents(const std::string& out) {
  std::vector<Json> events;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    Json value;
    JsonParser parser(line);
    if (!parser.Parse(&value) || value.type != Json::kObject || !value.Has("event")) {
      ADD_FAILURE() << "not a JSON event line: " << line << " (" << parser.error() << ")";
      continue;
    }
    events.push_back(std::move(value));
  }
  return events;
}

inline std::vector<Json> EventsOf(const std::vector<Json>& events, const std::string& kind) {
  std::vector<Json> out;
  for (const Json& e : events) {
    if (e["event"].string == kind) out.push_back(e);
  }
  return out;
}

// The single "summary" event; fails the test unless there is exactly one.
inline Json SummaryOf(const std::vector<Json>& events) {
  const std::vector<Json> s = EventsOf(events, "summary");
  EXPECT_EQ(s.size(), 1u) << "expected exactly one summary event";
  return s.empty() ? Json() : s.back();
}

// The stream's promise, from an edge run with --verify: `frames` frames came
// out, none lost, and every output equals the local full run's.
inline void ExpectAllFramesVerified(const Json& summary, int64_t frames) {
  EXPECT_EQ(summary["frames"].Int(), frames);
  EXPECT_EQ(summary["expected_frames"].Int(), frames);
  EXPECT_EQ(summary["lost"].Int(), 0);
  EXPECT_EQ(summary["verified"].Int(), frames);
  EXPECT_EQ(summary["mismatches"].Int(), 0);
}

// Waits until the edge has printed the frame event for `frame`.
inline bool WaitForFrame(Process* edge, int frame, double timeout_s) {
  const std::string needle = "{\"event\":\"frame\",\"frame\":" + std::to_string(frame) + ",";
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  while (Clock::now() < deadline) {
    if (edge->Out().find(needle) != std::string::npos) return true;
    if (edge->exited()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// A per-test scratch area: a temp dir, model files built with the CLI, and
// unique names for each process's output files.
class Workspace {
 public:
  const TempDir& dir() const { return dir_; }
  std::string path(const std::string& name) const { return dir_ / name; }

  // `seam zoo build NAME --seed SEED -o FILE` in the workspace.
  void BuildModel(const std::string& name, const std::string& file, int seed = 1) {
    const cli_test::CliResult r = cli_test::RunCli(
        {"zoo", "build", name, "--seed", std::to_string(seed), "-o", file}, dir_.path(), 120);
    ASSERT_EQ(r.exit_code, 0) << cli_test::Describe(r);
  }

  std::unique_ptr<Process> Start(const std::string& tag, const std::vector<std::string>& args) {
    const std::string base = dir_ / (tag + "_" + std::to_string(counter_++));
    return std::make_unique<Process>(args, dir_.path(), base + ".out", base + ".err");
  }

  // `program args...` instead of `seam args...`.
  std::unique_ptr<Process> StartProgram(const std::string& tag, const Process::Program& program,
                                        const std::vector<std::string>& args) {
    const std::string base = dir_ / (tag + "_" + std::to_string(counter_++));
    return std::make_unique<Process>(program, args, dir_.path(), base + ".out", base + ".err");
  }

  // Runs to completion (killed and failed after `timeout_s`).
  std::unique_ptr<Process> Run(const std::string& tag, const std::vector<std::string>& args,
                               double timeout_s = 120) {
    std::unique_ptr<Process> p = Start(tag, args);
    if (!p->Wait(timeout_s)) {
      ADD_FAILURE() << "timed out after " << timeout_s << " s: " << p->description();
      p->Kill();
    }
    return p;
  }

 private:
  TempDir dir_;
  int counter_ = 0;
};

// A `seam serve MODEL --bind ENDPOINT --json [extra...]` process, or with
// `connect`, `seam serve MODEL --connect ENDPOINT ...` (behind a broker).
class Server {
 public:
  Server(Workspace* ws, std::string model, std::string endpoint,
         std::vector<std::string> extra = {}, bool connect = false)
      : ws_(ws),
        model_(std::move(model)),
        endpoint_(std::move(endpoint)),
        extra_(std::move(extra)),
        connect_(connect) {}
  ~Server() {
    if (process_ != nullptr) process_->Stop();
  }

  const std::string& endpoint() const { return endpoint_; }
  Process* process() { return process_.get(); }
  const Json& ready() const { return ready_; }

  // Starts the server and waits (up to `timeout_s`) for its "ready" line.
  // Returns false (with a test failure) if it exits or never gets ready.
  bool Start(double timeout_s = 60) {
    std::vector<std::string> args = {"serve", model_, connect_ ? "--connect" : "--bind", endpoint_,
                                     "--json"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    process_ = ws_->Start("serve", args);
    const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
    while (Clock::now() < deadline) {
      const std::string out = process_->Out();
      const size_t at = out.find("{\"event\":\"ready\"");
      if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
        const std::string line = out.substr(at, out.find('\n', at) - at);
        JsonParser parser(line);
        EXPECT_TRUE(parser.Parse(&ready_)) << parser.error() << ": " << line;
        return true;
      }
      if (process_->exited()) {
        ADD_FAILURE() << "seam serve exited before it was ready\n" << process_->Describe();
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "seam serve not ready after " << timeout_s << " s\n" << process_->Describe();
    return false;
  }

  // VmHWM (peak resident set) of the running server, in KiB; -1 if unknown.
  long PeakRssKb() const {
    if (process_ == nullptr) return -1;
    std::ifstream in("/proc/" + std::to_string(process_->pid()) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    }
    return -1;
  }

  // SIGTERM; expects a clean exit 0 with a "stopped" line, which it returns.
  Json Stop() {
    Json stopped;
    if (process_ == nullptr) return stopped;
    EXPECT_TRUE(process_->Stop(5.0)) << "seam serve did not stop on SIGTERM within 5 s\n"
                                     << process_->Describe();
    EXPECT_EQ(process_->exit_code(), 0) << process_->Describe();
    const std::vector<Json> s = EventsOf(ParseEvents(process_->Out()), "stopped");
    EXPECT_EQ(s.size(), 1u) << process_->Describe();
    if (!s.empty()) stopped = s.back();
    return stopped;
  }

  // SIGKILL, no goodbye.
  void Kill() {
    if (process_ != nullptr) process_->Kill();
  }

 private:
  Workspace* ws_;
  std::string model_, endpoint_;
  std::vector<std::string> extra_;
  bool connect_ = false;
  std::unique_ptr<Process> process_;
  Json ready_;
};

// Number of frame events and a one-line digest per frame, for messages.
inline std::string DescribeFrames(const std::vector<Json>& events) {
  std::string s;
  for (const Json& e : events) {
    if (e["event"].string == "frame") {
      char timing[64];
      std::snprintf(timing, sizeof(timing), " %.1f ms (link %.1f)", e["latency_ms"].number,
                    e["link_ms"].number);
      s += std::to_string(e["frame"].Int()) + ": " + e["cut"].string +
           " fallback=" + std::to_string(e["fallback"].Int()) +
           " verified=" + std::to_string(e["verified"].Int()) + timing + "\n";
    } else if (e["event"].string == "recut") {
      char conditions[96];
      std::snprintf(conditions, sizeof(conditions),
                    " (%.3f Mbit/s, rtt %.1f ms, predicted %.2f ms)",
                    e["bandwidth_bps"].number / 1e6, e["rtt_ms"].number, e["predicted_ms"].number);
      s += "recut from frame " + std::to_string(e["from_frame"].Int()) + ": " + e["from"].string +
           " -> " + e["to"].string + ": " + e["reason"].string + conditions + "\n";
    } else if (e["event"].string == "notice") {
      s += "notice: " + e["message"].string + "\n";
    }
  }
  return s;
}

}  // namespace seam::stream_test
