// C API: status names, the per-thread error message, version and the log
// callback.
#include <cstdio>
#include <cstring>

#include "capi/c_api_internal.h"
#include "core/logging.h"

namespace seam::capi {
namespace {

// A fixed buffer, so reporting an error (even out of memory) never allocates.
constexpr size_t kErrorCapacity = 1024;
thread_local char g_error[kErrorCapacity];

static_assert(SEAM_OK == static_cast<int>(StatusCode::kOk), "seam_status mirrors StatusCode");
static_assert(SEAM_INVALID_ARGUMENT == static_cast<int>(StatusCode::kInvalidArgument), "");
static_assert(SEAM_INVALID_MODEL == static_cast<int>(StatusCode::kInvalidModel), "");
static_assert(SEAM_UNSUPPORTED == static_cast<int>(StatusCode::kUnsupported), "");
static_assert(SEAM_OUT_OF_MEMORY == static_cast<int>(StatusCode::kOutOfMemory), "");
static_assert(SEAM_VERSION_MISMATCH == static_cast<int>(StatusCode::kVersionMismatch), "");
static_assert(SEAM_INTERNAL == static_cast<int>(StatusCode::kInternal), "");
static_assert(SEAM_IO == static_cast<int>(StatusCode::kIo), "");
static_assert(SEAM_TIMEOUT == static_cast<int>(StatusCode::kTimeout), "");
static_assert(SEAM_UNAUTHENTICATED == static_cast<int>(StatusCode::kUnauthenticated), "");
static_assert(SEAM_NOT_FOUND == static_cast<int>(StatusCode::kNotFound), "");
static_assert(SEAM_STOPPED == static_cast<int>(StatusCode::kStopped), "");
static_assert(SEAM_CANCELLED == static_cast<int>(StatusCode::kCancelled), "");
static_assert(static_cast<int>(SEAM_LOG_INFO) == kLogInfo &&
                  static_cast<int>(SEAM_LOG_WARNING) == kLogWarning &&
                  static_cast<int>(SEAM_LOG_ERROR) == kLogError &&
                  static_cast<int>(SEAM_LOG_FATAL) == kLogFatal,
              "seam_log_severity mirrors seam::LogSeverity");

struct CLogCallback {
  seam_log_fn fn = nullptr;
  void* user = nullptr;
};
CLogCallback g_log_callback;  // written only while seam's log sink is off

void ForwardLog(void* user, int severity, const char* file, int line, const char* message) {
  const auto* cb = static_cast<const CLogCallback*>(user);
  cb->fn(cb->user, static_cast<seam_log_severity>(severity), file, line, message);
}

}  // namespace

void ClearError() { g_error[0] = '\0'; }

seam_status SetError(const char* function, StatusCode code, const char* message) {
  std::snprintf(g_error, kErrorCapacity, "%s: %s", function, message);
  return static_cast<seam_status>(code);
}

seam_status Report(const char* function, const Status& status) {
  if (status.ok()) return SEAM_OK;
  return SetError(function, status.code(), status.message().c_str());
}

void FillTensorInfo(const Graph& graph, int tensor, seam_tensor_info* out) {
  const TensorInfo& info = graph.tensors[tensor];
  *out = seam_tensor_info{};
  out->name = info.name.c_str();
  out->rank = info.shape.rank;
  for (int d = 0; d < info.shape.rank; ++d) out->dims[d] = info.shape.dims[d];
  out->elements = static_cast<size_t>(info.shape.NumElements());
}

}  // namespace seam::capi

extern "C" {

const char* seam_status_name(seam_status status) {
  switch (seam::capi::EnumValue(status)) {
    case SEAM_OK:
    case SEAM_INVALID_ARGUMENT:
    case SEAM_INVALID_MODEL:
    case SEAM_UNSUPPORTED:
    case SEAM_OUT_OF_MEMORY:
    case SEAM_VERSION_MISMATCH:
    case SEAM_INTERNAL:
    case SEAM_IO:
    case SEAM_TIMEOUT:
    case SEAM_UNAUTHENTICATED:
    case SEAM_NOT_FOUND:
    case SEAM_STOPPED:
    case SEAM_CANCELLED:
      return seam::StatusCodeName(static_cast<seam::StatusCode>(status));
  }
  return "unknown";
}

const char* seam_last_error(void) { return seam::capi::g_error; }

const char* seam_version(void) { return SEAM_VERSION_STRING; }

void seam_set_log_callback(seam_log_fn fn, void* user) {
  // Detach first so no message reaches the callback while it is replaced.
  seam::SetLogCallback(nullptr, nullptr);
  if (fn == nullptr) return;
  seam::capi::g_log_callback.fn = fn;
  seam::capi::g_log_callback.user = user;
  seam::SetLogCallback(&seam::capi::ForwardLog, &seam::capi::g_log_callback);
}

}  // extern "C"
