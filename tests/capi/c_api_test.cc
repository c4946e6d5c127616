// The C API on its good paths: describing a model, whole and split runs
// (equal to the C++ API's), boundary access, the wire format, the caller
// arena and the log callback.
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "backends/backend_registry.h"
#include "gtest/gtest.h"
#include "models/zoo.h"
#include "seam/graph_builder.h"
#include "seam/model.h"
#include "seam/seam.h"
#include "seam/session.h"
#include "tests/capi/capi_test_util.h"

namespace seam::capi_test {
namespace {

TEST(CApi, DescribesTheModelsTensors) {
  ModelPtr model = LoadModel(LeNetBytes());
  ASSERT_NE(model, nullptr) << seam_last_error();
  EXPECT_STREQ(seam_last_error(), "");
  ASSERT_EQ(seam_model_num_inputs(model.get()), 1u);
  ASSERT_EQ(seam_model_num_outputs(model.get()), 1u);
  seam_tensor_info info;
  ASSERT_EQ(seam_model_input_info(model.get(), 0, &info), SEAM_OK);
  EXPECT_STREQ(info.name, "input");
  ASSERT_EQ(info.rank, 4);
  EXPECT_EQ(info.dims[0], 1);
  EXPECT_EQ(info.dims[1], 1);
  EXPECT_EQ(info.dims[2], 32);
  EXPECT_EQ(info.dims[3], 32);
  EXPECT_EQ(info.elements, 1024u);
  ASSERT_EQ(seam_model_output_info(model.get(), 0, &info), SEAM_OK);
  EXPECT_EQ(info.rank, 2);
  EXPECT_EQ(info.elements, 10u);

  CutPtr cut = CutAfter(model.get(), "pool1");
  ASSERT_NE(cut, nullptr) << seam_last_error();
  ASSERT_EQ(seam_cut_num_boundary(cut.get()), 1u);
  ASSERT_EQ(seam_cut_boundary_info(cut.get(), 0, &info), SEAM_OK);
  EXPECT_EQ(info.elements, 6u * 14 * 14);
  EXPECT_NE(seam_cut_id(cut.get()), 0u);
  EXPECT_STREQ(seam_version(), "0.1.0");
}

TEST(CApi, LoadsInPlaceFromAlignedPaddedMemory) {
  const std::vector<uint8_t> bytes = LeNetBytes();
  const size_t padded = (bytes.size() + SEAM_MODEL_TAIL_PADDING + 63) / 64 * 64;
  std::unique_ptr<uint8_t, decltype(&std::free)> buffer(
      static_cast<uint8_t*>(std::aligned_alloc(SEAM_MODEL_ALIGNMENT, padded)), &std::free);
  ASSERT_NE(buffer, nullptr);
  std::memset(buffer.get(), 0, padded);
  std::memcpy(buffer.get(), bytes.data(), bytes.size());
  seam_model* raw = nullptr;
  ASSERT_EQ(seam_model_load_in_place(buffer.get(), bytes.size(), &raw), SEAM_OK)
      << seam_last_error();
  ModelPtr in_place(raw);
  ModelPtr copied = LoadModel(bytes);
  ASSERT_NE(copied, nullptr);
  // Same weights, same results.
  SessionPtr a = MakeSession(in_place.get(), "ref", 1), b = MakeSession(copied.get(), "ref", 1);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const std::vector<float> x = Ramp(1024);
  std::vector<float> ya(10), yb(10);
  const seam_input in = {x.data(), x.size()};
  const seam_output oa = {ya.data(), ya.size()}, ob = {yb.data(), yb.size()};
  ASSERT_EQ(seam_session_run(a.get(), &in, 1, &oa, 1), SEAM_OK) << seam_last_error();
  ASSERT_EQ(seam_session_run(b.get(), &in, 1, &ob, 1), SEAM_OK) << seam_last_error();
  EXPECT_EQ(ya, yb);
}

// The C API wraps the C++ Session: same backend, same threads, same bits.
TEST(CApi, RunEqualsTheCppApi) {
  const std::vector<uint8_t> bytes = LeNetBytes();
  ModelPtr model = LoadModel(bytes);
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Model> cpp_model;
  ASSERT_TRUE(Model::LoadFromBytes(bytes, &cpp_model).ok());
  const std::vector<float> x = Ramp(1024);
  for (const std::string& backend : Backends()) {
    for (int threads : {1, 2}) {
      SCOPED_TRACE(backend + ", " + std::to_string(threads) + " thread(s)");
      SessionPtr session = MakeSession(model.get(), backend, threads);
      ASSERT_NE(session, nullptr) << seam_last_error();
      EXPECT_STREQ(seam_session_backend(session.get()), backend.c_str());
      std::vector<float> y(10);
      const seam_input in = {x.data(), x.size()};
      const seam_output out = {y.data(), y.size()};
      ASSERT_EQ(seam_session_run(session.get(), &in, 1, &out, 1), SEAM_OK) << seam_last_error();

      SessionOptions options;
      options.num_threads = threads;
      BackendOptions backend_options;
      backend_options.num_threads = threads;
      ASSERT_TRUE(
          CreateBackend(backend, cpp_model->graph(), backend_options, &options.backend).ok());
      std::unique_ptr<Session> cpp;
      ASSERT_TRUE(Session::Create(*cpp_model, options, &cpp).ok());
      std::vector<float> expected(10);
      ASSERT_TRUE(
          cpp->Run({{x.data(), Shape{1, 1, 32, 32}}}, {{expected.data(), Shape{1, 10}}}).ok());
      EXPECT_EQ(y, expected);
    }
  }
}

// run_until + resume_from through the boundary pointers gives the full run's
// outputs, on a chain (one boundary tensor) and a DAG cut (two).
TEST(CApi, SplitRunEqualsFullRun) {
  struct Case {
    std::vector<uint8_t> bytes;
    std::vector<const char*> edge_nodes;  // empty: cut after "pool1"
    size_t boundary;
  };
  const std::vector<Case> cases = {{LeNetBytes(), {}, 1},
                                   {SmallDagBytes(), SmallDagTwoTensorCut(), 2}};
  for (const Case& c : cases) {
    ModelPtr model = LoadModel(c.bytes);
    ASSERT_NE(model, nullptr);
    CutPtr cut = c.edge_nodes.empty() ? CutAfter(model.get(), "pool1")
                                      : CutFromNodes(model.get(), c.edge_nodes);
    ASSERT_NE(cut, nullptr) << seam_last_error();
    ASSERT_EQ(seam_cut_num_boundary(cut.get()), c.boundary);
    const std::vector<float> x = Ramp(InputElements(model.get()));
    const size_t n_out = OutputElements(model.get());
    for (const std::string& backend : Backends()) {
      SCOPED_TRACE(backend);
      SessionPtr session = MakeSession(model.get(), backend, 1);
      ASSERT_NE(session, nullptr) << seam_last_error();
      const seam_input in = {x.data(), x.size()};
      std::vector<float> full(n_out), split(n_out);
      const seam_output full_out = {full.data(), n_out}, split_out = {split.data(), n_out};
      ASSERT_EQ(seam_session_run(session.get(), &in, 1, &full_out, 1), SEAM_OK)
          << seam_last_error();

      ASSERT_EQ(seam_session_run_until(session.get(), cut.get(), &in, 1), SEAM_OK)
          << seam_last_error();
      std::vector<seam_input> boundary;
      for (size_t i = 0; i < c.boundary; ++i) {
        const float* data = nullptr;
        seam_tensor_info info, cut_info;
        ASSERT_EQ(seam_session_boundary(session.get(), i, &data, &info), SEAM_OK)
            << seam_last_error();
        ASSERT_EQ(seam_cut_boundary_info(cut.get(), i, &cut_info), SEAM_OK);
        EXPECT_STREQ(info.name, cut_info.name);
        EXPECT_EQ(info.elements, cut_info.elements);
        ASSERT_NE(data, nullptr);
        boundary.push_back({data, info.elements});
      }
      // The views point into the session's arena; resume_from copies them in first.
      ASSERT_EQ(seam_session_resume_from(session.get(), cut.get(), boundary.data(), boundary.size(),
                                         &split_out, 1),
                SEAM_OK)
          << seam_last_error();
      EXPECT_EQ(split, full);
    }
  }
}

// The edge encodes its boundary; a second session (the server) resumes from
// the bytes alone.
TEST(CApi, WireMessageCarriesTheBoundaryToAnotherSession) {
  ModelPtr model = LoadModel(SmallDagBytes());
  ASSERT_NE(model, nullptr);
  CutPtr cut = CutFromNodes(model.get(), SmallDagTwoTensorCut());
  ASSERT_NE(cut, nullptr);
  const std::vector<float> x = Ramp(InputElements(model.get()));
  const seam_input in = {x.data(), x.size()};
  for (const std::string& backend : Backends()) {
    SCOPED_TRACE(backend);
    SessionPtr edge = MakeSession(model.get(), backend, 1);
    SessionPtr server = MakeSession(model.get(), backend, 1);
    ASSERT_NE(edge, nullptr);
    ASSERT_NE(server, nullptr);
    std::vector<float> full(10), resumed(10);
    const seam_output full_out = {full.data(), 10}, resumed_out = {resumed.data(), 10};
    ASSERT_EQ(seam_session_run(server.get(), &in, 1, &full_out, 1), SEAM_OK);

    ASSERT_EQ(seam_session_run_until(edge.get(), cut.get(), &in, 1), SEAM_OK) << seam_last_error();
    size_t size = 0;
    ASSERT_EQ(seam_session_encode_boundary(edge.get(), SEAM_WIRE_F32, 7, nullptr, 0, &size),
              SEAM_OK)
        << seam_last_error();
    ASSERT_GT(size, (8u * 16 * 16 + 8 * 8 * 8) * sizeof(float));  // both tensors and a header
    std::vector<uint8_t> message(size);
    size_t written = 0;
    ASSERT_EQ(seam_session_encode_boundary(edge.get(), SEAM_WIRE_F32, 7, message.data(),
                                           message.size(), &written),
              SEAM_OK)
        << seam_last_error();
    EXPECT_EQ(written, size);
    ASSERT_EQ(seam_session_resume_from_wire(server.get(), message.data(), message.size(),
                                            &resumed_out, 1),
              SEAM_OK)
        << seam_last_error();
    EXPECT_EQ(resumed, full);

    // fp16 on the wire: about half the bytes, outputs close.
    ASSERT_EQ(seam_session_run_until(edge.get(), cut.get(), &in, 1), SEAM_OK);
    size_t f16_size = 0;
    ASSERT_EQ(seam_session_encode_boundary(edge.get(), SEAM_WIRE_F16, 8, nullptr, 0, &f16_size),
              SEAM_OK);
    EXPECT_LT(f16_size, size * 6 / 10);
    message.assign(f16_size, 0);
    ASSERT_EQ(seam_session_encode_boundary(edge.get(), SEAM_WIRE_F16, 8, message.data(),
                                           message.size(), &written),
              SEAM_OK);
    ASSERT_EQ(seam_session_resume_from_wire(server.get(), message.data(), message.size(),
                                            &resumed_out, 1),
              SEAM_OK)
        << seam_last_error();
    for (size_t i = 0; i < full.size(); ++i) EXPECT_NEAR(resumed[i], full[i], 1e-3f) << i;
  }
}

struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};
using Block = std::unique_ptr<uint8_t, AlignedFree>;
Block AlignedBlock(size_t bytes) {
  return Block(
      static_cast<uint8_t*>(std::aligned_alloc(SEAM_ARENA_ALIGNMENT, (bytes + 63) / 64 * 64)));
}

// With caller_arena the activations live in the caller's block: the arena
// size is known before any memory is given, and the boundary views point
// into that block.
TEST(CApi, CallerArenaHoldsTheActivations) {
  ModelPtr model = LoadModel(SmallDagBytes());
  ASSERT_NE(model, nullptr);
  CutPtr cut = CutFromNodes(model.get(), SmallDagTwoTensorCut());
  ASSERT_NE(cut, nullptr);
  const std::vector<float> x = Ramp(InputElements(model.get()));
  const seam_input in = {x.data(), x.size()};
  for (const std::string& backend : Backends()) {
    SCOPED_TRACE(backend);
    SessionPtr owned = MakeSession(model.get(), backend, 1);
    SessionPtr session = MakeSession(model.get(), backend, 1, /*caller_arena=*/true);
    ASSERT_NE(owned, nullptr);
    ASSERT_NE(session, nullptr) << seam_last_error();
    std::vector<float> expected(10), y(10);
    const seam_output expected_out = {expected.data(), 10}, out = {y.data(), 10};
    ASSERT_EQ(seam_session_run(owned.get(), &in, 1, &expected_out, 1), SEAM_OK);

    ASSERT_EQ(seam_session_prepare_cut(session.get(), cut.get()), SEAM_OK) << seam_last_error();
    const size_t need = seam_session_arena_bytes(session.get());
    ASSERT_GT(need, 0u);
    EXPECT_GE(need, seam_session_arena_bytes(owned.get()));  // the full plan's, and the cut's
    Block arena = AlignedBlock(need);
    ASSERT_NE(arena, nullptr);
    ASSERT_EQ(seam_session_set_arena(session.get(), arena.get(), need), SEAM_OK)
        << seam_last_error();
    ASSERT_EQ(seam_session_run(session.get(), &in, 1, &out, 1), SEAM_OK) << seam_last_error();
    EXPECT_EQ(y, expected);

    ASSERT_EQ(seam_session_run_until(session.get(), cut.get(), &in, 1), SEAM_OK);
    for (size_t i = 0; i < seam_cut_num_boundary(cut.get()); ++i) {
      const float* data = nullptr;
      ASSERT_EQ(seam_session_boundary(session.get(), i, &data, nullptr), SEAM_OK);
      const auto* p = reinterpret_cast<const uint8_t*>(data);
      EXPECT_GE(p, arena.get());
      EXPECT_LT(p, arena.get() + need);
    }

    // Rebinding to a larger block moves the activations there.
    Block bigger = AlignedBlock(2 * need);
    ASSERT_EQ(seam_session_set_arena(session.get(), bigger.get(), 2 * need), SEAM_OK);
    std::memset(arena.get(), 0xff, need);  // the old block is no longer read
    ASSERT_EQ(seam_session_run(session.get(), &in, 1, &out, 1), SEAM_OK) << seam_last_error();
    EXPECT_EQ(y, expected);
  }
}

// A cut whose plans need more arena than the whole model's (here: a
// branchy_lenet cut on the reference kernels, found with the C++ API) fails
// to prepare on a bound arena that is too small, reports the new need, and
// prepares once a block that large is bound. Plans made before keep running.
TEST(CApi, CallerArenaTooSmallForANewCut) {
  GraphBuilder builder(1);
  ASSERT_TRUE(BuildZooModel("branchy_lenet", 1, &builder).ok());
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(builder.Serialize(&bytes).ok());
  ModelPtr model = LoadModel(bytes);
  ASSERT_NE(model, nullptr);
  std::string growing_node;
  size_t full_need = 0, cut_need = 0;
  for (const Node& node : builder.graph().nodes) {
    SessionPtr probe = MakeSession(model.get(), "ref", 1, /*caller_arena=*/true);
    CutPtr cut = CutAfter(model.get(), node.name.c_str());
    ASSERT_NE(probe, nullptr);
    ASSERT_NE(cut, nullptr);
    full_need = seam_session_arena_bytes(probe.get());
    ASSERT_EQ(seam_session_prepare_cut(probe.get(), cut.get()), SEAM_OK) << seam_last_error();
    if (seam_session_arena_bytes(probe.get()) > full_need) {
      growing_node = node.name;
      cut_need = seam_session_arena_bytes(probe.get());
      break;
    }
  }
  ASSERT_FALSE(growing_node.empty())
      << "no cut of branchy_lenet needs more arena than the whole model; pick another model";

  SessionPtr session = MakeSession(model.get(), "ref", 1, /*caller_arena=*/true);
  ASSERT_NE(session, nullptr);
  CutPtr cut = CutAfter(model.get(), growing_node.c_str());
  ASSERT_NE(cut, nullptr);
  Block small = AlignedBlock(full_need), large = AlignedBlock(cut_need);
  ASSERT_EQ(seam_session_set_arena(session.get(), small.get(), full_need), SEAM_OK);
  EXPECT_EQ(seam_session_prepare_cut(session.get(), cut.get()), SEAM_OUT_OF_MEMORY);
  const std::string error = seam_last_error();
  EXPECT_NE(error.find("the cut's plans need " + std::to_string(cut_need) +
                       " arena bytes, the "
                       "caller's arena has " +
                       std::to_string(full_need)),
            std::string::npos)
      << error;
  EXPECT_EQ(seam_session_arena_bytes(session.get()), cut_need);

  const std::vector<float> x = Ramp(InputElements(model.get()));
  std::vector<float> y(OutputElements(model.get()));
  const seam_input in = {x.data(), x.size()};
  const seam_output out = {y.data(), y.size()};
  EXPECT_EQ(seam_session_run(session.get(), &in, 1, &out, 1), SEAM_OK) << seam_last_error();
  // The cut's plans were dropped, so running it tries (and fails) again.
  EXPECT_EQ(seam_session_run_until(session.get(), cut.get(), &in, 1), SEAM_OUT_OF_MEMORY);
  ASSERT_EQ(seam_session_set_arena(session.get(), large.get(), cut_need), SEAM_OK)
      << seam_last_error();
  EXPECT_EQ(seam_session_prepare_cut(session.get(), cut.get()), SEAM_OK) << seam_last_error();
  EXPECT_EQ(seam_session_run_until(session.get(), cut.get(), &in, 1), SEAM_OK) << seam_last_error();
  EXPECT_EQ(seam_session_run(session.get(), &in, 1, &out, 1), SEAM_OK) << seam_last_error();
}

struct LogRecord {
  int calls = 0;
  std::string last;
  seam_log_severity severity = SEAM_LOG_FATAL;
};

void RecordLog(void* user, seam_log_severity severity, const char* /*file*/, int /*line*/,
               const char* message) {
  auto* record = static_cast<LogRecord*>(user);
  ++record->calls;
  record->last = message;
  record->severity = severity;
}

TEST(CApi, LogCallbackReceivesSeamsMessages) {
  ModelPtr model = LoadModel(LeNetBytes());
  ASSERT_NE(model, nullptr);
  LogRecord record;
  seam_set_log_callback(&RecordLog, &record);
  SessionPtr session = MakeSession(model.get(), "ref", 1);
  ASSERT_NE(session, nullptr);
  ASSERT_EQ(record.calls, 1);
  EXPECT_EQ(record.severity, SEAM_LOG_INFO);
  EXPECT_NE(record.last.find("seam_session_create: backend ref, 1 thread(s)"), std::string::npos)
      << record.last;

  seam_set_log_callback(nullptr, nullptr);
  SessionPtr again = MakeSession(model.get(), "ref", 1);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(record.calls, 1);  // detached
}

}  // namespace
}  // namespace seam::capi_test
