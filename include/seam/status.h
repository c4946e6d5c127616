// Status: how every seam library function reports success or failure.
//
// The runtime is embedded in firmware, so errors are values, never exceptions
// and never aborts on bad input. A Status carries a code and a human-readable
// message naming what is wrong. kStopped and kCancelled are not errors: they
// report that a hook ended a run early on purpose.
#pragma once

#include <string>
#include <utility>

namespace seam {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,  // the caller passed something wrong
  kInvalidModel = 2,     // the model bytes are malformed or inconsistent
  kUnsupported = 3,      // valid, but not implemented here
  kOutOfMemory = 4,
  kVersionMismatch = 5,
  kInternal = 6,  // a bug in seam
  kIo = 7,        // file or device error
  kTimeout = 8,
  kUnauthenticated = 9,
  kNotFound = 10,
  kStopped = 100,    // a hook stopped the run on purpose (not an error)
  kCancelled = 101,  // the run was cancelled (not an error)
};

// Returns a stable lower-case name for a code ("invalid_model", ...).
const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_model: node 'conv1' (#3): stride must be > 0"
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

Status InvalidArgument(std::string message);
Status InvalidModel(std::string message);
Status Unsupported(std::string message);
Status Internal(std::string message);
Status IoError(std::string message);
Status NotFound(std::string message);

}  // namespace seam

// Propagates a non-OK status to the caller.
#define SEAM_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::seam::Status seam_status_ = (expr);        \
    if (!seam_status_.ok()) return seam_status_; \
  } while (0)
