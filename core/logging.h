// The one place seam's library code reaches its logger.
//
// Everything logs through SEAM_LOG / SEAM_VLOG so that firmware builds can
// swap glog for a callback by changing this file alone. The full build logs
// through glog (the host program, not the library, initialises it); a
// SEAM_EDGE_MINIMAL build has no glog and hands each message to the callback
// set with SetLogCallback, or writes warnings and errors to stderr when none is
// set. SEAM_VLOG is compiled out there.
#pragma once

namespace seam {

// Same numbering as glog's INFO..FATAL and the C API's seam_log_severity.
enum LogSeverity : int { kLogInfo = 0, kLogWarning = 1, kLogError = 2, kLogFatal = 3 };

// `message` has no trailing newline and is valid only during the call.
using LogCallback = void (*)(void* user, int severity, const char* file, int line,
                             const char* message);

// Routes seam's log messages to `callback` (nullptr restores the default).
// In the full build this registers a glog sink, so the callback also sees
// whatever else the process logs through glog. Thread-safe.
void SetLogCallback(LogCallback callback, void* user);

}  // namespace seam

#if defined(SEAM_EDGE_MINIMAL) && SEAM_EDGE_MINIMAL

#include <sstream>

namespace seam::internal {

// Collects one message and hands it to the sink when the statement ends.
class LogMessage {
 public:
  LogMessage(int severity, const char* file, int line)
      : severity_(severity), file_(file), line_(line) {}
  ~LogMessage();
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;
  std::ostream& stream() { return stream_; }

 private:
  int severity_;
  const char* file_;
  int line_;
  std::ostringstream stream_;
};

// Swallows a disabled SEAM_VLOG statement's operands.
struct NullStream {
  template <typename T>
  NullStream& operator<<(const T&) {
    return *this;
  }
};

constexpr int kLogSeverity_INFO = kLogInfo;
constexpr int kLogSeverity_WARNING = kLogWarning;
constexpr int kLogSeverity_ERROR = kLogError;
constexpr int kLogSeverity_FATAL = kLogFatal;

}  // namespace seam::internal

#define SEAM_LOG(severity)                                                                    \
  ::seam::internal::LogMessage(::seam::internal::kLogSeverity_##severity, __FILE__, __LINE__) \
      .stream()
#define SEAM_VLOG(level) \
  while (false) ::seam::internal::NullStream()

#else

#include <glog/logging.h>

#define SEAM_LOG(severity) LOG(severity)
#define SEAM_VLOG(level) VLOG(level)

#endif
