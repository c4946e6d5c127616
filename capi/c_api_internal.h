// What the C API's opaque handles hold, and the wrapper every seam_* entry
// point runs its body in (status conversion, the per-thread error message, no
// exception escaping into C).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "seam/backend.h"
#include "seam/cut.h"
#include "seam/model.h"
#include "seam/seam.h"
#include "seam/session.h"
#include "seam/status.h"
#include "seam/wire.h"

struct seam_model {
  std::unique_ptr<seam::Model> model;
};

struct seam_cut {
  const seam::Model* model = nullptr;
  seam::Cut cut;
  std::vector<int> boundary;  // CutBoundary(graph, cut)
  uint64_t id = 0;
};

struct seam_session {
  const seam::Model* model = nullptr;
  std::unique_ptr<seam::Session> session;
  // Reused by every call so that running does not allocate once warm.
  std::vector<seam::ConstTensorView> inputs;
  std::vector<seam::TensorView> outputs;
  std::vector<seam::BoundaryTensor> boundary;
  const seam_cut* boundary_cut = nullptr;  // the last run_until's cut; null once stale
  // Wire encoding and decoding state, reused across frames.
  seam::WireMessage wire;
  std::vector<uint8_t> wire_bytes;
  seam::WireMessageView wire_view;
  seam::WireHeaderInfo wire_header;
  seam::DecodedMessage decoded;
  seam::Cut wire_cut;
};

namespace seam::capi {

// Records the outcome of a call for seam_last_error (no allocation).
void ClearError();
seam_status SetError(const char* function, seam::StatusCode code, const char* message);
seam_status Report(const char* function, const seam::Status& status);

// Fills `out` from a graph tensor.
void FillTensorInfo(const seam::Graph& graph, int tensor, seam_tensor_info* out);

// The integer a C caller passed for an enum parameter. C lets any int
// through, but in C++ reading a value outside the enum's range as the enum
// is undefined behaviour (UBSan: "load of value 9, which is not a valid
// value for type 'seam_wire_encoding'"), so read its bytes instead.
template <typename Enum>
int32_t EnumValue(const Enum& value) {
  static_assert(sizeof(Enum) == sizeof(int32_t), "the C API's enums are int-sized");
  int32_t raw;
  std::memcpy(&raw, &value, sizeof raw);
  return raw;
}

// Runs `body` (returning seam::Status) as the C entry point `function`.
template <typename Body>
seam_status Call(const char* function, Body&& body) {
  ClearError();
  try {
    const seam::Status status = body();
    if (status.ok()) return SEAM_OK;
    return Report(function, status);
  } catch (const std::bad_alloc&) {
    return SetError(function, seam::StatusCode::kOutOfMemory, "out of memory");
  } catch (const std::exception& e) {
    return SetError(function, seam::StatusCode::kInternal, e.what());
  } catch (...) {
    return SetError(function, seam::StatusCode::kInternal, "unknown exception");
  }
}

}  // namespace seam::capi
