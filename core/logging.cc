// Where SEAM_LOG messages go: a glog sink forwarding to the callback (full
// build), or the callback / stderr directly (SEAM_EDGE_MINIMAL, no glog).
#include "core/logging.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace seam {
namespace {

struct CallbackSlot {
  std::mutex mu;
  LogCallback callback = nullptr;
  void* user = nullptr;
};

CallbackSlot& Slot() {
  static CallbackSlot slot;  // never destroyed before a late log message
  return slot;
}

// Calls the callback, if any, under the slot's lock (so SetLogCallback never
// races a running callback). Returns false when no callback is set.
bool Deliver(int severity, const char* file, int line, const char* message) {
  CallbackSlot& slot = Slot();
  std::lock_guard<std::mutex> lock(slot.mu);
  if (slot.callback == nullptr) return false;
  slot.callback(slot.user, severity, file, line, message);
  return true;
}

}  // namespace
}  // namespace seam

#if defined(SEAM_EDGE_MINIMAL) && SEAM_EDGE_MINIMAL

namespace seam {

void SetLogCallback(LogCallback callback, void* user) {
  CallbackSlot& slot = Slot();
  std::lock_guard<std::mutex> lock(slot.mu);
  slot.callback = callback;
  slot.user = user;
}

namespace internal {

LogMessage::~LogMessage() {
  const std::string text = stream_.str();
  if (!Deliver(severity_, file_, line_, text.c_str()) && severity_ >= kLogWarning) {
    static const char* const kNames[] = {"I", "W", "E", "F"};
    std::fprintf(stderr, "%s seam %s:%d] %s\n", kNames[severity_ & 3], file_, line_, text.c_str());
  }
  if (severity_ >= kLogFatal) std::abort();
}

}  // namespace internal
}  // namespace seam

#else

namespace seam {
namespace {

// Forwards every glog message to the callback.
class CallbackSink : public google::LogSink {
 public:
  void send(google::LogSeverity severity, const char* full_filename, const char* /*base_filename*/,
            int line, const google::LogMessageTime& /*time*/, const char* message,
            size_t message_len) override {
    const std::string text(message, message_len);
    Deliver(static_cast<int>(severity), full_filename, line, text.c_str());
  }
};

}  // namespace

void SetLogCallback(LogCallback callback, void* user) {
  static CallbackSink sink;
  CallbackSlot& slot = Slot();
  bool add = false, remove = false;
  {
    std::lock_guard<std::mutex> lock(slot.mu);
    add = slot.callback == nullptr && callback != nullptr;
    remove = slot.callback != nullptr && callback == nullptr;
    slot.callback = callback;
    slot.user = user;
  }
  // Outside the lock: glog holds its own while it calls sinks.
  if (add) google::AddLogSink(&sink);
  if (remove) google::RemoveLogSink(&sink);
}

}  // namespace seam

#endif
