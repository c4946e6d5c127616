// C API: loading models from memory, their input/output descriptions, and cuts.
#include <string>
#include <vector>

#include "capi/c_api_internal.h"

using seam::InvalidArgument;
using seam::Status;
using seam::capi::Call;

namespace {

Status CheckLoadArgs(const void* data, size_t size, seam_model** out) {
  if (out == nullptr) return InvalidArgument("out is NULL");
  *out = nullptr;
  if (data == nullptr) return InvalidArgument("model data is NULL");
  if (size == 0) return InvalidArgument("model size is 0");
  return Status::Ok();
}

Status TensorInfoAt(const seam_model* model, size_t index, bool input, seam_tensor_info* out) {
  if (model == nullptr) return InvalidArgument("model is NULL");
  if (out == nullptr) return InvalidArgument("out is NULL");
  const seam::Graph& g = model->model->graph();
  const auto& list = input ? g.inputs : g.outputs;
  if (index >= list.size()) {
    return InvalidArgument(std::string(input ? "input" : "output") + " index " +
                           std::to_string(index) + " out of range (the model has " +
                           std::to_string(list.size()) + ")");
  }
  seam::capi::FillTensorInfo(g, list[index], out);
  return Status::Ok();
}

// Takes a validated cut into a new handle.
Status MakeCutHandle(const seam_model* model, seam::Cut cut, seam_cut** out) {
  auto handle = std::make_unique<seam_cut>();
  const seam::Graph& g = model->model->graph();
  handle->model = model->model.get();
  handle->boundary = seam::CutBoundary(g, cut);
  handle->id = seam::CutId(g, cut);
  handle->cut = std::move(cut);
  *out = handle.release();
  return Status::Ok();
}

}  // namespace

extern "C" {

seam_status seam_model_load_copy(const void* data, size_t size, seam_model** out) {
  return Call("seam_model_load_copy", [&]() -> Status {
    SEAM_RETURN_IF_ERROR(CheckLoadArgs(data, size, out));
    const auto* bytes = static_cast<const uint8_t*>(data);
    auto handle = std::make_unique<seam_model>();
    SEAM_RETURN_IF_ERROR(
        seam::Model::LoadFromBytes(std::vector<uint8_t>(bytes, bytes + size), &handle->model));
    *out = handle.release();
    return Status::Ok();
  });
}

seam_status seam_model_load_in_place(const void* data, size_t size, seam_model** out) {
  return Call("seam_model_load_in_place", [&]() -> Status {
    SEAM_RETURN_IF_ERROR(CheckLoadArgs(data, size, out));
    const uintptr_t misalignment = reinterpret_cast<uintptr_t>(data) % SEAM_MODEL_ALIGNMENT;
    if (misalignment != 0) {
      return InvalidArgument("model data must be " + std::to_string(SEAM_MODEL_ALIGNMENT) +
                             "-byte aligned to be used in place; it is " +
                             std::to_string(misalignment) +
                             " bytes past an aligned address (align it, or use "
                             "seam_model_load_copy)");
    }
    auto handle = std::make_unique<seam_model>();
    SEAM_RETURN_IF_ERROR(seam::Model::LoadFromBuffer(data, size, &handle->model));
    *out = handle.release();
    return Status::Ok();
  });
}

void seam_model_destroy(seam_model* model) { delete model; }

size_t seam_model_num_inputs(const seam_model* model) {
  return model == nullptr ? 0 : model->model->graph().inputs.size();
}

size_t seam_model_num_outputs(const seam_model* model) {
  return model == nullptr ? 0 : model->model->graph().outputs.size();
}

seam_status seam_model_input_info(const seam_model* model, size_t index, seam_tensor_info* out) {
  return Call("seam_model_input_info", [&] { return TensorInfoAt(model, index, true, out); });
}

seam_status seam_model_output_info(const seam_model* model, size_t index, seam_tensor_info* out) {
  return Call("seam_model_output_info", [&] { return TensorInfoAt(model, index, false, out); });
}

seam_status seam_cut_after_node(const seam_model* model, const char* node_name, seam_cut** out) {
  return Call("seam_cut_after_node", [&]() -> Status {
    if (out == nullptr) return InvalidArgument("out is NULL");
    *out = nullptr;
    if (model == nullptr) return InvalidArgument("model is NULL");
    if (node_name == nullptr) return InvalidArgument("node name is NULL");
    seam::Cut cut;
    SEAM_RETURN_IF_ERROR(seam::CutAfterNode(model->model->graph(), node_name, &cut));
    return MakeCutHandle(model, std::move(cut), out);
  });
}

seam_status seam_cut_from_nodes(const seam_model* model, const char* const* node_names,
                                size_t count, seam_cut** out) {
  return Call("seam_cut_from_nodes", [&]() -> Status {
    if (out == nullptr) return InvalidArgument("out is NULL");
    *out = nullptr;
    if (model == nullptr) return InvalidArgument("model is NULL");
    if (node_names == nullptr && count > 0) return InvalidArgument("node names are NULL");
    std::vector<std::string> names;
    for (size_t i = 0; i < count; ++i) {
      if (node_names[i] == nullptr) {
        return InvalidArgument("node name " + std::to_string(i) + " is NULL");
      }
      names.emplace_back(node_names[i]);
    }
    seam::Cut cut;
    SEAM_RETURN_IF_ERROR(seam::CutFromNodeNames(model->model->graph(), names, &cut));
    return MakeCutHandle(model, std::move(cut), out);
  });
}

void seam_cut_destroy(seam_cut* cut) { delete cut; }

size_t seam_cut_num_boundary(const seam_cut* cut) {
  return cut == nullptr ? 0 : cut->boundary.size();
}

seam_status seam_cut_boundary_info(const seam_cut* cut, size_t index, seam_tensor_info* out) {
  return Call("seam_cut_boundary_info", [&]() -> Status {
    if (cut == nullptr) return InvalidArgument("cut is NULL");
    if (out == nullptr) return InvalidArgument("out is NULL");
    if (index >= cut->boundary.size()) {
      return InvalidArgument("boundary index " + std::to_string(index) +
                             " out of range (the cut has " + std::to_string(cut->boundary.size()) +
                             ")");
    }
    seam::capi::FillTensorInfo(cut->model->graph(), cut->boundary[index], out);
    return Status::Ok();
  });
}

uint64_t seam_cut_id(const seam_cut* cut) { return cut == nullptr ? 0 : cut->id; }

}  // extern "C"
