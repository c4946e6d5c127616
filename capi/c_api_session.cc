// C API: sessions (backend, threads, caller arena), whole and split runs,
// boundary access and the wire format. Running reuses the handle's vectors,
// so a warm session does not allocate per inference.
#include <cstring>
#include <string>

#include "backends/backend_registry.h"
#include "capi/c_api_internal.h"
#include "core/logging.h"

using seam::ConstTensorView;
using seam::InvalidArgument;
using seam::Status;
using seam::TensorView;
using seam::capi::Call;
using seam::capi::EnumValue;

namespace {

// Builds session->inputs from the caller's buffers for graph `tensors`.
Status ViewInputs(seam_session* session, const std::vector<int>& tensors, const seam_input* in,
                  size_t count, const char* what) {
  const seam::Graph& g = session->model->graph();
  if (count != tensors.size()) {
    return InvalidArgument("expected " + std::to_string(tensors.size()) + " " + what +
                           " tensor(s), got " + std::to_string(count));
  }
  if (count > 0 && in == nullptr) return InvalidArgument(std::string(what) + " array is NULL");
  session->inputs.resize(count);
  for (size_t i = 0; i < count; ++i) {
    const seam::TensorInfo& info = g.tensors[tensors[i]];
    const size_t expected = static_cast<size_t>(info.shape.NumElements());
    if (in[i].data == nullptr) {
      return InvalidArgument(std::string(what) + " " + std::to_string(i) + " ('" + info.name +
                             "') data is NULL");
    }
    if (in[i].elements != expected) {
      return InvalidArgument(std::string(what) + " " + std::to_string(i) + " ('" + info.name +
                             "') needs " + std::to_string(expected) + " floats (shape " +
                             info.shape.ToString() + "), got " + std::to_string(in[i].elements));
    }
    session->inputs[i] = ConstTensorView{in[i].data, info.shape};
  }
  return Status::Ok();
}

Status ViewOutputs(seam_session* session, const seam_output* out, size_t count) {
  const seam::Graph& g = session->model->graph();
  if (count != g.outputs.size()) {
    return InvalidArgument("expected " + std::to_string(g.outputs.size()) +
                           " output tensor(s), got " + std::to_string(count));
  }
  if (count > 0 && out == nullptr) return InvalidArgument("output array is NULL");
  session->outputs.resize(count);
  for (size_t i = 0; i < count; ++i) {
    const seam::TensorInfo& info = g.tensors[g.outputs[i]];
    const size_t expected = static_cast<size_t>(info.shape.NumElements());
    if (out[i].data == nullptr) {
      return InvalidArgument("output " + std::to_string(i) + " ('" + info.name + "') data is NULL");
    }
    if (out[i].elements != expected) {
      return InvalidArgument("output " + std::to_string(i) + " ('" + info.name + "') needs " +
                             std::to_string(expected) + " floats (shape " + info.shape.ToString() +
                             "), got " + std::to_string(out[i].elements));
    }
    session->outputs[i] = TensorView{out[i].data, info.shape};
  }
  return Status::Ok();
}

Status CheckSessionAndCut(const seam_session* session, const seam_cut* cut) {
  if (session == nullptr) return InvalidArgument("session is NULL");
  if (cut == nullptr) return InvalidArgument("cut is NULL");
  if (cut->model != session->model) {
    return InvalidArgument("the cut was made for a different model than the session's");
  }
  return Status::Ok();
}

}  // namespace

extern "C" {

void seam_session_options_init(seam_session_options* options) {
  if (options == nullptr) return;
  *options = seam_session_options{};
  options->struct_size = sizeof(seam_session_options);
  options->num_threads = 1;
  options->backend = nullptr;
  options->caller_arena = 0;
}

seam_status seam_session_create(const seam_model* model, const seam_session_options* options,
                                seam_session** out) {
  return Call("seam_session_create", [&]() -> Status {
    if (out == nullptr) return InvalidArgument("out is NULL");
    *out = nullptr;
    if (model == nullptr) return InvalidArgument("model is NULL");
    seam_session_options opts;
    seam_session_options_init(&opts);
    if (options != nullptr) {
      if (options->struct_size < sizeof(seam_session_options)) {
        return InvalidArgument("options.struct_size is " + std::to_string(options->struct_size) +
                               ", expected " + std::to_string(sizeof(seam_session_options)) +
                               " (call seam_session_options_init first)");
      }
      opts = *options;
    }
    if (opts.num_threads < 0 || opts.num_threads > 256) {  // before a backend sizes its pool
      return InvalidArgument("num_threads must be 0..256, got " + std::to_string(opts.num_threads));
    }
    const seam::Graph& g = model->model->graph();
    const std::string backend = opts.backend != nullptr ? opts.backend : "ref";
    seam::BackendOptions backend_options;
    backend_options.num_threads = opts.num_threads;
    seam::SessionOptions session_options;
    session_options.num_threads = opts.num_threads;
    session_options.caller_arena = opts.caller_arena != 0;
    SEAM_RETURN_IF_ERROR(
        seam::CreateBackend(backend, g, backend_options, &session_options.backend));

    auto handle = std::make_unique<seam_session>();
    handle->model = model->model.get();
    SEAM_RETURN_IF_ERROR(seam::Session::Create(*model->model, session_options, &handle->session));
    handle->inputs.reserve(g.inputs.size());
    handle->outputs.reserve(g.outputs.size());
    SEAM_LOG(INFO) << "seam_session_create: backend " << handle->session->backend_name() << ", "
                   << handle->session->num_threads() << " thread(s), "
                   << handle->session->ArenaBytesRequired() << " arena bytes"
                   << (session_options.caller_arena ? " (caller arena)" : "");
    *out = handle.release();
    return Status::Ok();
  });
}

void seam_session_destroy(seam_session* session) { delete session; }

const char* seam_session_backend(const seam_session* session) {
  return session == nullptr ? "" : session->session->backend_name();
}

seam_status seam_session_prepare_cut(seam_session* session, const seam_cut* cut) {
  return Call("seam_session_prepare_cut", [&]() -> Status {
    SEAM_RETURN_IF_ERROR(CheckSessionAndCut(session, cut));
    SEAM_RETURN_IF_ERROR(session->session->PrepareCut(cut->cut));
    // Room for this cut's tensors, so running it later does not allocate.
    if (session->inputs.capacity() < cut->boundary.size()) {
      session->inputs.reserve(cut->boundary.size());
    }
    if (session->boundary.capacity() < cut->boundary.size()) {
      session->boundary.reserve(cut->boundary.size());
    }
    return Status::Ok();
  });
}

size_t seam_session_arena_bytes(const seam_session* session) {
  return session == nullptr ? 0 : session->session->ArenaBytesRequired();
}

seam_status seam_session_set_arena(seam_session* session, void* memory, size_t bytes) {
  return Call("seam_session_set_arena", [&]() -> Status {
    if (session == nullptr) return InvalidArgument("session is NULL");
    session->boundary_cut = nullptr;  // old boundary views point into the old arena
    return session->session->BindArena(memory, bytes);
  });
}

seam_status seam_session_run(seam_session* session, const seam_input* inputs, size_t num_inputs,
                             const seam_output* outputs, size_t num_outputs) {
  return Call("seam_session_run", [&]() -> Status {
    if (session == nullptr) return InvalidArgument("session is NULL");
    session->boundary_cut = nullptr;  // the run reuses the arena
    const seam::Graph& g = session->model->graph();
    SEAM_RETURN_IF_ERROR(ViewInputs(session, g.inputs, inputs, num_inputs, "input"));
    SEAM_RETURN_IF_ERROR(ViewOutputs(session, outputs, num_outputs));
    return session->session->Run(session->inputs, session->outputs);
  });
}

seam_status seam_session_run_until(seam_session* session, const seam_cut* cut,
                                   const seam_input* inputs, size_t num_inputs) {
  return Call("seam_session_run_until", [&]() -> Status {
    SEAM_RETURN_IF_ERROR(CheckSessionAndCut(session, cut));
    session->boundary_cut = nullptr;
    const seam::Graph& g = session->model->graph();
    SEAM_RETURN_IF_ERROR(ViewInputs(session, g.inputs, inputs, num_inputs, "input"));
    SEAM_RETURN_IF_ERROR(session->session->RunUntil(cut->cut, session->inputs, &session->boundary));
    session->boundary_cut = cut;
    return Status::Ok();
  });
}

seam_status seam_session_boundary(const seam_session* session, size_t index, const float** data,
                                  seam_tensor_info* info) {
  return Call("seam_session_boundary", [&]() -> Status {
    if (session == nullptr) return InvalidArgument("session is NULL");
    if (data == nullptr) return InvalidArgument("data is NULL");
    *data = nullptr;
    if (session->boundary_cut == nullptr) {
      return InvalidArgument(
          "no boundary: the session's last run was not a successful seam_session_run_until");
    }
    if (index >= session->boundary.size()) {
      return InvalidArgument("boundary index " + std::to_string(index) +
                             " out of range (the cut has " +
                             std::to_string(session->boundary.size()) + ")");
    }
    const seam::BoundaryTensor& b = session->boundary[index];
    *data = b.view.data;
    if (info != nullptr) seam::capi::FillTensorInfo(session->model->graph(), b.tensor, info);
    return Status::Ok();
  });
}

seam_status seam_session_resume_from(seam_session* session, const seam_cut* cut,
                                     const seam_input* boundary, size_t num_boundary,
                                     const seam_output* outputs, size_t num_outputs) {
  return Call("seam_session_resume_from", [&]() -> Status {
    SEAM_RETURN_IF_ERROR(CheckSessionAndCut(session, cut));
    session->boundary_cut = nullptr;
    SEAM_RETURN_IF_ERROR(ViewInputs(session, cut->boundary, boundary, num_boundary, "boundary"));
    SEAM_RETURN_IF_ERROR(ViewOutputs(session, outputs, num_outputs));
    return session->session->ResumeFrom(cut->cut, session->inputs, session->outputs);
  });
}

seam_status seam_session_encode_boundary(seam_session* session, seam_wire_encoding encoding,
                                         uint64_t frame_id, uint8_t* out, size_t capacity,
                                         size_t* size) {
  return Call("seam_session_encode_boundary", [&]() -> Status {
    if (session == nullptr) return InvalidArgument("session is NULL");
    if (size == nullptr) return InvalidArgument("size is NULL");
    *size = 0;
    if (session->boundary_cut == nullptr) {
      return InvalidArgument(
          "no boundary to encode: the session's last run was not a successful "
          "seam_session_run_until");
    }
    const int32_t value = EnumValue(encoding);
    if (value != SEAM_WIRE_F32 && value != SEAM_WIRE_F16 && value != SEAM_WIRE_INT8) {
      return InvalidArgument("unknown wire encoding " + std::to_string(value));
    }
    seam::WireEncodeOptions options;
    options.encoding = static_cast<seam::WireEncoding>(value);
    options.kind = seam::WireKind::kBoundary;
    options.frame_id = frame_id;
    const seam::Model& model = *session->model;
    SEAM_RETURN_IF_ERROR(seam::EncodeMessage(model.graph(), model.content_hash(),
                                             session->boundary_cut->cut, session->boundary, options,
                                             &session->wire));
    seam::WireMessageToBytes(session->wire, &session->wire_bytes);
    *size = session->wire_bytes.size();
    if (out == nullptr && capacity == 0) return Status::Ok();  // a size query
    if (out == nullptr) return InvalidArgument("out is NULL");
    if (capacity < session->wire_bytes.size()) {
      return seam::Status(seam::StatusCode::kOutOfMemory,
                          "the message needs " + std::to_string(session->wire_bytes.size()) +
                              " bytes, the buffer has " + std::to_string(capacity));
    }
    std::memcpy(out, session->wire_bytes.data(), session->wire_bytes.size());
    return Status::Ok();
  });
}

seam_status seam_session_resume_from_wire(seam_session* session, const uint8_t* message,
                                          size_t size, const seam_output* outputs,
                                          size_t num_outputs) {
  return Call("seam_session_resume_from_wire", [&]() -> Status {
    if (session == nullptr) return InvalidArgument("session is NULL");
    if (message == nullptr) return InvalidArgument("message is NULL");
    session->boundary_cut = nullptr;
    SEAM_RETURN_IF_ERROR(ViewOutputs(session, outputs, num_outputs));
    const seam::Model& model = *session->model;
    const seam::Graph& g = model.graph();
    SEAM_RETURN_IF_ERROR(seam::WireMessageFromBytes(message, size, &session->wire_view));
    SEAM_RETURN_IF_ERROR(seam::ReadWireHeader(session->wire_view, &session->wire_header));
    if (session->wire_header.kind != seam::WireKind::kBoundary) {
      return InvalidArgument("the wire message carries outputs, not a cut boundary");
    }
    SEAM_RETURN_IF_ERROR(seam::CutFromWireHeader(g, session->wire_header, &session->wire_cut));
    SEAM_RETURN_IF_ERROR(seam::DecodeMessage(
        g, model.content_hash(), session->wire_cut, seam::WireKind::kBoundary,
        seam::CutBoundary(g, session->wire_cut), session->wire_view, &session->decoded));
    return session->session->ResumeFrom(session->wire_cut, session->decoded.views,
                                        session->outputs);
  });
}

}  // extern "C"
