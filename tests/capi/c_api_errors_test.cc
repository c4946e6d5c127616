// The C API's error paths: each gives the right seam_status and a message
// (seam_last_error) that names the function and what is wrong; nothing
// crashes on NULL and nothing half-made is handed back.
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "seam/seam.h"
#include "tests/capi/capi_test_util.h"

namespace seam::capi_test {
namespace {

// Expects `status` to be `code` with a last error containing each of `parts`.
#define EXPECT_SEAM_ERROR(expr, code, ...)                                                      \
  do {                                                                                          \
    const seam_status status_ = (expr);                                                         \
    EXPECT_EQ(status_, code) << seam_status_name(status_) << ": " << seam_last_error();         \
    const std::string error_ = seam_last_error();                                               \
    for (const std::string& part : std::initializer_list<std::string>{__VA_ARGS__}) {           \
      EXPECT_NE(error_.find(part), std::string::npos) << "'" << part << "' not in: " << error_; \
    }                                                                                           \
  } while (0)

TEST(CApiErrors, StatusNamesAndLastError) {
  EXPECT_STREQ(seam_status_name(SEAM_OK), "ok");
  EXPECT_STREQ(seam_status_name(SEAM_INVALID_MODEL), "invalid_model");
  EXPECT_STREQ(seam_status_name(SEAM_OUT_OF_MEMORY), "out_of_memory");
  EXPECT_STREQ(seam_status_name(static_cast<seam_status>(42)), "unknown");
  seam_model* m = nullptr;
  EXPECT_SEAM_ERROR(seam_model_load_copy(nullptr, 10, &m), SEAM_INVALID_ARGUMENT,
                    "seam_model_load_copy", "NULL");
  // A success clears it.
  const std::vector<uint8_t> bytes = LeNetBytes();
  ASSERT_EQ(seam_model_load_copy(bytes.data(), bytes.size(), &m), SEAM_OK);
  EXPECT_STREQ(seam_last_error(), "");
  seam_model_destroy(m);
}

TEST(CApiErrors, NullArguments) {
  const std::vector<uint8_t> bytes = LeNetBytes();
  seam_model* m = reinterpret_cast<seam_model*>(0x1);  // must be reset to NULL on failure
  EXPECT_SEAM_ERROR(seam_model_load_copy(bytes.data(), bytes.size(), nullptr),
                    SEAM_INVALID_ARGUMENT, "out is NULL");
  EXPECT_SEAM_ERROR(seam_model_load_in_place(nullptr, bytes.size(), &m), SEAM_INVALID_ARGUMENT,
                    "seam_model_load_in_place", "model data is NULL");
  EXPECT_EQ(m, nullptr);
  EXPECT_SEAM_ERROR(seam_model_load_copy(bytes.data(), 0, &m), SEAM_INVALID_ARGUMENT, "size is 0");
  seam_tensor_info info;
  EXPECT_SEAM_ERROR(seam_model_input_info(nullptr, 0, &info), SEAM_INVALID_ARGUMENT,
                    "model is NULL");
  EXPECT_EQ(seam_model_num_inputs(nullptr), 0u);
  EXPECT_EQ(seam_model_num_outputs(nullptr), 0u);
  seam_cut* cut = nullptr;
  EXPECT_SEAM_ERROR(seam_cut_after_node(nullptr, "pool1", &cut), SEAM_INVALID_ARGUMENT,
                    "model is NULL");
  EXPECT_EQ(seam_cut_num_boundary(nullptr), 0u);
  EXPECT_EQ(seam_cut_id(nullptr), 0u);
  seam_session* s = nullptr;
  EXPECT_SEAM_ERROR(seam_session_create(nullptr, nullptr, &s), SEAM_INVALID_ARGUMENT,
                    "seam_session_create", "model is NULL");
  EXPECT_EQ(s, nullptr);
  EXPECT_SEAM_ERROR(seam_session_run(nullptr, nullptr, 0, nullptr, 0), SEAM_INVALID_ARGUMENT,
                    "seam_session_run", "session is NULL");
  EXPECT_SEAM_ERROR(seam_session_run_until(nullptr, nullptr, nullptr, 0), SEAM_INVALID_ARGUMENT,
                    "session is NULL");
  EXPECT_SEAM_ERROR(seam_session_resume_from(nullptr, nullptr, nullptr, 0, nullptr, 0),
                    SEAM_INVALID_ARGUMENT, "session is NULL");
  EXPECT_SEAM_ERROR(seam_session_set_arena(nullptr, nullptr, 0), SEAM_INVALID_ARGUMENT,
                    "session is NULL");
  EXPECT_EQ(seam_session_arena_bytes(nullptr), 0u);
  // Destroying NULL handles is allowed.
  seam_session_destroy(nullptr);
  seam_cut_destroy(nullptr);
  seam_model_destroy(nullptr);
  seam_session_options_init(nullptr);

  ModelPtr model = LoadModel(bytes);
  ASSERT_NE(model, nullptr);
  SessionPtr session = MakeSession(model.get(), "ref", 1);
  ASSERT_NE(session, nullptr);
  CutPtr pool1 = CutAfter(model.get(), "pool1");
  ASSERT_NE(pool1, nullptr);
  EXPECT_SEAM_ERROR(seam_session_run(session.get(), nullptr, 1, nullptr, 1), SEAM_INVALID_ARGUMENT,
                    "input array is NULL");
  EXPECT_SEAM_ERROR(seam_session_run_until(session.get(), nullptr, nullptr, 1),
                    SEAM_INVALID_ARGUMENT, "cut is NULL");
  std::vector<float> x(1024), y(10);
  const seam_input null_data = {nullptr, 1024};
  const seam_output out = {y.data(), 10};
  EXPECT_SEAM_ERROR(seam_session_run(session.get(), &null_data, 1, &out, 1), SEAM_INVALID_ARGUMENT,
                    "input 0 ('input') data is NULL");
  EXPECT_SEAM_ERROR(seam_session_boundary(session.get(), 0, nullptr, nullptr),
                    SEAM_INVALID_ARGUMENT, "data is NULL");
  const char* names[] = {"conv1", nullptr};
  EXPECT_SEAM_ERROR(seam_cut_from_nodes(model.get(), names, 2, &cut), SEAM_INVALID_ARGUMENT,
                    "node name 1 is NULL");
  EXPECT_EQ(cut, nullptr);
}

TEST(CApiErrors, MalformedModelBytes) {
  const std::vector<uint8_t> good = LeNetBytes();
  seam_model* m = nullptr;
  // Not a model at all.
  std::vector<uint8_t> junk(4096);
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<uint8_t>(i * 31 + 7);
  EXPECT_SEAM_ERROR(seam_model_load_copy(junk.data(), junk.size(), &m), SEAM_INVALID_MODEL,
                    "seam_model_load_copy");
  EXPECT_EQ(m, nullptr);
  // Truncated.
  EXPECT_SEAM_ERROR(seam_model_load_copy(good.data(), good.size() / 2, &m), SEAM_INVALID_MODEL,
                    "seam_model_load_copy");
  EXPECT_EQ(m, nullptr);
  // One weight byte flipped: structurally fine, caught by the content hash.
  std::vector<uint8_t> corrupt = good;
  corrupt[corrupt.size() / 2] ^= 0x40;  // inside the weights
  EXPECT_SEAM_ERROR(seam_model_load_copy(corrupt.data(), corrupt.size(), &m), SEAM_INVALID_MODEL,
                    "content hash mismatch");
  EXPECT_EQ(m, nullptr);
  // In place, misaligned.
  std::vector<uint8_t> shifted(good.size() + SEAM_MODEL_ALIGNMENT + SEAM_MODEL_TAIL_PADDING);
  uint8_t* base = shifted.data();
  while (reinterpret_cast<uintptr_t>(base) % SEAM_MODEL_ALIGNMENT != 1) ++base;
  std::memcpy(base, good.data(), good.size());
  EXPECT_SEAM_ERROR(seam_model_load_in_place(base, good.size(), &m), SEAM_INVALID_ARGUMENT,
                    "64-byte aligned", "1 bytes past");
  EXPECT_EQ(m, nullptr);
}

TEST(CApiErrors, WrongTensorCountsAndSizes) {
  ModelPtr model = LoadModel(LeNetBytes());
  ASSERT_NE(model, nullptr);
  SessionPtr session = MakeSession(model.get(), "ref", 1);
  ASSERT_NE(session, nullptr);
  std::vector<float> x(1024), y(10);
  const seam_input in = {x.data(), 1024}, short_in = {x.data(), 1000};
  const seam_output out = {y.data(), 10}, long_out = {y.data(), 11};
  EXPECT_SEAM_ERROR(seam_session_run(session.get(), &short_in, 1, &out, 1), SEAM_INVALID_ARGUMENT,
                    "input 0 ('input') needs 1024 floats (shape [1,1,32,32]), got 1000");
  const seam_input two[] = {in, in};
  EXPECT_SEAM_ERROR(seam_session_run(session.get(), two, 2, &out, 1), SEAM_INVALID_ARGUMENT,
                    "expected 1 input tensor(s), got 2");
  EXPECT_SEAM_ERROR(seam_session_run(session.get(), &in, 1, &long_out, 1), SEAM_INVALID_ARGUMENT,
                    "needs 10 floats", "got 11");
  EXPECT_SEAM_ERROR(seam_session_run(session.get(), &in, 1, &out, 0), SEAM_INVALID_ARGUMENT,
                    "expected 1 output tensor(s), got 0");
  CutPtr cut = CutAfter(model.get(), "pool1");
  ASSERT_NE(cut, nullptr);
  EXPECT_SEAM_ERROR(seam_session_resume_from(session.get(), cut.get(), &in, 1, &out, 1),
                    SEAM_INVALID_ARGUMENT, "boundary 0", "needs 1176 floats", "got 1024");
  seam_tensor_info info;
  EXPECT_SEAM_ERROR(seam_model_input_info(model.get(), 1, &info), SEAM_INVALID_ARGUMENT,
                    "input index 1 out of range (the model has 1)");
  EXPECT_SEAM_ERROR(seam_cut_boundary_info(cut.get(), 3, &info), SEAM_INVALID_ARGUMENT,
                    "boundary index 3 out of range");
}

TEST(CApiErrors, UnknownBackendAndBadOptions) {
  ModelPtr model = LoadModel(LeNetBytes());
  ASSERT_NE(model, nullptr);
  seam_session_options options;
  seam_session_options_init(&options);
  options.backend = "tpu";
  seam_session* s = nullptr;
  EXPECT_SEAM_ERROR(seam_session_create(model.get(), &options, &s), SEAM_NOT_FOUND,
                    "unknown backend 'tpu'", "ref");
  EXPECT_EQ(s, nullptr);
  seam_session_options_init(&options);
  options.num_threads = -3;
  EXPECT_SEAM_ERROR(seam_session_create(model.get(), &options, &s), SEAM_INVALID_ARGUMENT,
                    "num_threads");
  seam_session_options_init(&options);
  options.struct_size = 4;
  EXPECT_SEAM_ERROR(seam_session_create(model.get(), &options, &s), SEAM_INVALID_ARGUMENT,
                    "struct_size", "seam_session_options_init");
#if !SEAM_WITH_ONEDNN
  seam_session_options_init(&options);
  options.backend = "onednn";
  EXPECT_SEAM_ERROR(seam_session_create(model.get(), &options, &s), SEAM_UNSUPPORTED,
                    "not built into this seam");
#endif
}

TEST(CApiErrors, BadCuts) {
  ModelPtr model = LoadModel(LeNetBytes());
  ModelPtr other = LoadModel(SmallDagBytes());
  ASSERT_NE(model, nullptr);
  ASSERT_NE(other, nullptr);
  seam_cut* cut = nullptr;
  EXPECT_SEAM_ERROR(seam_cut_after_node(model.get(), "conv9", &cut), SEAM_NOT_FOUND,
                    "no node named 'conv9'");
  EXPECT_EQ(cut, nullptr);
  const char* not_closed[] = {"conv2"};  // needs conv1, relu1 and pool1 too
  EXPECT_SEAM_ERROR(seam_cut_from_nodes(model.get(), not_closed, 1, &cut), SEAM_INVALID_ARGUMENT,
                    "invalid cut", "conv2");
  EXPECT_EQ(cut, nullptr);

  SessionPtr session = MakeSession(model.get(), "ref", 1);
  ASSERT_NE(session, nullptr);
  CutPtr foreign = CutAfter(other.get(), "relu1");
  ASSERT_NE(foreign, nullptr);
  std::vector<float> x(1024);
  const seam_input in = {x.data(), x.size()};
  EXPECT_SEAM_ERROR(seam_session_run_until(session.get(), foreign.get(), &in, 1),
                    SEAM_INVALID_ARGUMENT, "different model");
  EXPECT_SEAM_ERROR(seam_session_prepare_cut(session.get(), foreign.get()), SEAM_INVALID_ARGUMENT,
                    "different model");
}

TEST(CApiErrors, BoundaryAndWireMisuse) {
  ModelPtr model = LoadModel(LeNetBytes());
  ASSERT_NE(model, nullptr);
  SessionPtr session = MakeSession(model.get(), "ref", 1);
  ASSERT_NE(session, nullptr);
  CutPtr cut = CutAfter(model.get(), "pool1");
  ASSERT_NE(cut, nullptr);
  const float* data = nullptr;
  size_t size = 0;
  EXPECT_SEAM_ERROR(seam_session_boundary(session.get(), 0, &data, nullptr), SEAM_INVALID_ARGUMENT,
                    "no boundary");
  EXPECT_SEAM_ERROR(
      seam_session_encode_boundary(session.get(), SEAM_WIRE_F32, 0, nullptr, 0, &size),
      SEAM_INVALID_ARGUMENT, "no boundary to encode");

  std::vector<float> x = Ramp(1024), y(10);
  const seam_input in = {x.data(), x.size()};
  const seam_output out = {y.data(), y.size()};
  ASSERT_EQ(seam_session_run_until(session.get(), cut.get(), &in, 1), SEAM_OK);
  EXPECT_SEAM_ERROR(seam_session_boundary(session.get(), 1, &data, nullptr), SEAM_INVALID_ARGUMENT,
                    "boundary index 1 out of range (the cut has 1)");
  EXPECT_SEAM_ERROR(seam_session_encode_boundary(session.get(), static_cast<seam_wire_encoding>(9),
                                                 0, nullptr, 0, &size),
                    SEAM_INVALID_ARGUMENT, "unknown wire encoding 9");
  ASSERT_EQ(seam_session_encode_boundary(session.get(), SEAM_WIRE_F32, 0, nullptr, 0, &size),
            SEAM_OK);
  std::vector<uint8_t> message(size);
  size_t reported = 0;
  EXPECT_SEAM_ERROR(seam_session_encode_boundary(session.get(), SEAM_WIRE_F32, 0, message.data(),
                                                 size - 1, &reported),
                    SEAM_OUT_OF_MEMORY, "needs " + std::to_string(size) + " bytes",
                    "has " + std::to_string(size - 1));
  EXPECT_EQ(reported, size);
  ASSERT_EQ(seam_session_encode_boundary(session.get(), SEAM_WIRE_F32, 0, message.data(), size,
                                         &reported),
            SEAM_OK);
  // A payload byte flipped in transit.
  std::vector<uint8_t> corrupt = message;
  corrupt[corrupt.size() - 1000] ^= 0x01;  // inside the 4704-byte payload
  EXPECT_SEAM_ERROR(
      seam_session_resume_from_wire(session.get(), corrupt.data(), corrupt.size(), &out, 1),
      SEAM_INVALID_ARGUMENT, "seam_session_resume_from_wire", "checksum");
  // Truncated, and not a wire message at all.
  EXPECT_NE(seam_session_resume_from_wire(session.get(), message.data(), 20, &out, 1), SEAM_OK);
  EXPECT_NE(std::string(seam_last_error()).find("not a seam wire message"), std::string::npos)
      << seam_last_error();
  // A message for another model.
  ModelPtr other = LoadModel(SmallDagBytes());
  ASSERT_NE(other, nullptr);
  SessionPtr other_session = MakeSession(other.get(), "ref", 1);
  ASSERT_NE(other_session, nullptr);
  EXPECT_NE(
      seam_session_resume_from_wire(other_session.get(), message.data(), message.size(), &out, 1),
      SEAM_OK);
  // The intact message still works.
  EXPECT_EQ(seam_session_resume_from_wire(session.get(), message.data(), message.size(), &out, 1),
            SEAM_OK)
      << seam_last_error();
}

TEST(CApiErrors, CallerArenaMisuse) {
  ModelPtr model = LoadModel(LeNetBytes());
  ASSERT_NE(model, nullptr);
  std::vector<float> x = Ramp(1024), y(10);
  const seam_input in = {x.data(), x.size()};
  const seam_output out = {y.data(), y.size()};

  SessionPtr owned = MakeSession(model.get(), "ref", 1);
  ASSERT_NE(owned, nullptr);
  alignas(64) static uint8_t block[1 << 20];
  EXPECT_SEAM_ERROR(seam_session_set_arena(owned.get(), block, sizeof block), SEAM_INVALID_ARGUMENT,
                    "caller_arena");

  SessionPtr session = MakeSession(model.get(), "ref", 1, /*caller_arena=*/true);
  ASSERT_NE(session, nullptr);
  EXPECT_SEAM_ERROR(seam_session_run(session.get(), &in, 1, &out, 1), SEAM_INVALID_ARGUMENT,
                    "no arena bound");
  const size_t need = seam_session_arena_bytes(session.get());
  ASSERT_GT(need, 0u);
  ASSERT_LE(need + 64, sizeof block);
  EXPECT_SEAM_ERROR(seam_session_set_arena(session.get(), nullptr, need), SEAM_INVALID_ARGUMENT,
                    "null");
  EXPECT_SEAM_ERROR(seam_session_set_arena(session.get(), block + 16, need), SEAM_INVALID_ARGUMENT,
                    "64-byte aligned", "16 bytes past");
  EXPECT_SEAM_ERROR(seam_session_set_arena(session.get(), block, need - 1), SEAM_OUT_OF_MEMORY,
                    "has " + std::to_string(need - 1) + " bytes", "need " + std::to_string(need));
  // Refused blocks changed nothing: still no arena.
  EXPECT_SEAM_ERROR(seam_session_run(session.get(), &in, 1, &out, 1), SEAM_INVALID_ARGUMENT,
                    "no arena bound");
  ASSERT_EQ(seam_session_set_arena(session.get(), block, need), SEAM_OK) << seam_last_error();
  EXPECT_EQ(seam_session_run(session.get(), &in, 1, &out, 1), SEAM_OK) << seam_last_error();
}

}  // namespace
}  // namespace seam::capi_test
