// Shared by the C API tests: the models they run (as .seam bytes), the
// backends this build has, a deterministic input, and RAII owners for the C
// handles so a failed assertion does not leak them.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/zoo.h"
#include "seam/graph_builder.h"
#include "seam/seam.h"
#include "tests/core/test_graphs.h"

namespace seam::capi_test {

// The zoo's lenet5 (a chain), seed 1.
inline std::vector<uint8_t> LeNetBytes() {
  GraphBuilder b(1);
  std::vector<uint8_t> bytes;
  if (BuildZooModel("lenet5", 1, &b).ok()) (void)b.Serialize(&bytes);
  return bytes;
}

// The core tests' small DAG: conv, batch norm, a residual add, two pooling
// branches joined by a concat, LRN, global pooling, fc, softmax.
inline std::vector<uint8_t> SmallDagBytes() {
  auto b = testing::MakeSmallDag();
  std::vector<uint8_t> bytes;
  (void)b->Serialize(&bytes);
  return bytes;
}

// A cut of the small DAG with two boundary tensors: the residual add's output
// (the server's average pool reads it) and the max pool's.
inline std::vector<const char*> SmallDagTwoTensorCut() {
  return {"conv1", "bn1", "relu1", "conv2", "add", "maxpool"};
}

// Backends compiled into this build.
inline std::vector<std::string> Backends() {
  std::vector<std::string> names = {"ref"};
#if SEAM_WITH_XNNPACK
  names.push_back("xnnpack");
#endif
#if SEAM_WITH_ONEDNN
  names.push_back("onednn");
#endif
  return names;
}

inline std::vector<float> Ramp(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = std::sin(0.37f * static_cast<float>(i));
  return v;
}

struct ModelDeleter {
  void operator()(seam_model* m) const { seam_model_destroy(m); }
};
struct CutDeleter {
  void operator()(seam_cut* c) const { seam_cut_destroy(c); }
};
struct SessionDeleter {
  void operator()(seam_session* s) const { seam_session_destroy(s); }
};
using ModelPtr = std::unique_ptr<seam_model, ModelDeleter>;
using CutPtr = std::unique_ptr<seam_cut, CutDeleter>;
using SessionPtr = std::unique_ptr<seam_session, SessionDeleter>;

// Loads bytes (copied); null on failure, with seam_last_error() set.
inline ModelPtr LoadModel(const std::vector<uint8_t>& bytes) {
  seam_model* m = nullptr;
  if (seam_model_load_copy(bytes.data(), bytes.size(), &m) != SEAM_OK) return nullptr;
  return ModelPtr(m);
}

inline SessionPtr MakeSession(const seam_model* model, const std::string& backend, int threads,
                              bool caller_arena = false) {
  seam_session_options options;
  seam_session_options_init(&options);
  options.backend = backend.c_str();
  options.num_threads = threads;
  options.caller_arena = caller_arena ? 1 : 0;
  seam_session* s = nullptr;
  if (seam_session_create(model, &options, &s) != SEAM_OK) return nullptr;
  return SessionPtr(s);
}

inline CutPtr CutAfter(const seam_model* model, const char* node) {
  seam_cut* c = nullptr;
  if (seam_cut_after_node(model, node, &c) != SEAM_OK) return nullptr;
  return CutPtr(c);
}

inline CutPtr CutFromNodes(const seam_model* model, const std::vector<const char*>& nodes) {
  seam_cut* c = nullptr;
  if (seam_cut_from_nodes(model, nodes.data(), nodes.size(), &c) != SEAM_OK) return nullptr;
  return CutPtr(c);
}

inline size_t InputElements(const seam_model* model, size_t i = 0) {
  seam_tensor_info info;
  return seam_model_input_info(model, i, &info) == SEAM_OK ? info.elements : 0;
}
inline size_t OutputElements(const seam_model* model, size_t i = 0) {
  seam_tensor_info info;
  return seam_model_output_info(model, i, &info) == SEAM_OK ? info.elements : 0;
}

}  // namespace seam::capi_test
