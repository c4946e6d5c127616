// After warm-up, inference makes no heap allocation: whole runs, and
// run-until-cut + resume-from-cut, through the C++ API and the C API, on the
// reference kernels and XNNPACK, with 1 and 2 threads. (oneDNN is not held to
// this: its primitive execute allocates inside libdnnl, some 60-90 times per
// run of these models; docs/embedding.md.)
//
// Counted by replacing the malloc family for this test binary: glibc resolves
// every malloc, calloc, realloc and aligned allocation in the process to
// these, including operator new (libstdc++ calls malloc) and the ones made
// inside XNNPACK, pthreadpool and oneDNN. They forward to glibc's own
// __libc_* entry points. Counting covers all threads (the pools' workers too).
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <string>
#include <vector>

#include "backends/backend_registry.h"
#include "gtest/gtest.h"
#include "seam/model.h"
#include "seam/seam.h"
#include "seam/session.h"
#include "tests/capi/capi_test_util.h"

#if defined(__has_feature)  // clang's way of saying a sanitizer is on
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define SEAM_SANITIZER_OWNS_MALLOC 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || \
    defined(SEAM_SANITIZER_OWNS_MALLOC)
#define SEAM_COUNTING_ALLOCATOR 0  // the sanitizer replaces malloc itself
#elif defined(__GLIBC__)
#define SEAM_COUNTING_ALLOCATOR 1
#else
#define SEAM_COUNTING_ALLOCATOR 0
#endif

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
inline void CountAllocation() {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
}
}  // namespace

#if SEAM_COUNTING_ALLOCATOR
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* p, size_t size);
void* __libc_memalign(size_t alignment, size_t size);
void __libc_free(void* p);

void* malloc(size_t size) {
  CountAllocation();
  return __libc_malloc(size);
}
void* calloc(size_t count, size_t size) {
  CountAllocation();
  return __libc_calloc(count, size);
}
void* realloc(void* p, size_t size) {
  CountAllocation();
  return __libc_realloc(p, size);
}
void* memalign(size_t alignment, size_t size) {
  CountAllocation();
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(size_t alignment, size_t size) {
  CountAllocation();
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, size_t alignment, size_t size) {
  CountAllocation();
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  void* p = __libc_memalign(alignment, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
void free(void* p) { __libc_free(p); }
}  // extern "C"
#endif

namespace seam::capi_test {
namespace {

constexpr int kWarmUp = 3;
constexpr int kIterations = 50;

// Keeps the compiler from eliding an allocation whose result is unused.
inline void Escape(void* p) { asm volatile("" : : "g"(p) : "memory"); }

// Counts allocations made while `body` runs.
template <typename Body>
long CountAllocations(Body&& body) {
  g_allocations = 0;
  g_counting = true;
  body();
  g_counting = false;
  return g_allocations.load();
}

struct Case {
  std::string model;  // "lenet5" or "small_dag"
  std::vector<uint8_t> bytes;
  std::vector<const char*> edge_nodes;  // empty: cut after pool1
};

// The backends held to zero allocations.
std::vector<std::string> ZeroAllocationBackends() {
  std::vector<std::string> names;
  for (const std::string& b : Backends()) {
    if (b != "onednn") names.push_back(b);
  }
  return names;
}

std::vector<Case> Cases() {
  return {{"lenet5", LeNetBytes(), {}}, {"small_dag", SmallDagBytes(), SmallDagTwoTensorCut()}};
}

// The allocator really is counting: otherwise every test here would pass.
TEST(ZeroAllocation, TheCounterSeesAllocations) {
#if !SEAM_COUNTING_ALLOCATOR
  GTEST_SKIP() << "the counting allocator needs glibc and no sanitizer";
#endif
  int rc = -1;
  const long n = CountAllocations([&] {
    auto* v = new std::vector<int>(100);
    Escape(v);
    void* p = std::malloc(10);
    Escape(p);
    void* q = nullptr;
    rc = posix_memalign(&q, 64, 100);
    Escape(q);
    std::free(q);
    std::free(p);
    delete v;
  });
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(n, 4);  // the vector object, its buffer, malloc, posix_memalign
}

TEST(ZeroAllocation, CppApiFullAndSplitRuns) {
#if !SEAM_COUNTING_ALLOCATOR
  GTEST_SKIP() << "the counting allocator needs glibc and no sanitizer";
#endif
  for (const Case& c : Cases()) {
    std::unique_ptr<Model> model;
    ASSERT_TRUE(Model::LoadFromBytes(c.bytes, &model).ok());
    const Graph& g = model->graph();
    Cut cut;
    if (c.edge_nodes.empty()) {
      ASSERT_TRUE(CutAfterNode(g, "pool1", &cut).ok());
    } else {
      ASSERT_TRUE(CutFromNodeNames(
                      g, std::vector<std::string>(c.edge_nodes.begin(), c.edge_nodes.end()), &cut)
                      .ok());
    }
    const TensorInfo& in_info = g.tensors[g.inputs[0]];
    const TensorInfo& out_info = g.tensors[g.outputs[0]];
    const std::vector<float> x = Ramp(static_cast<size_t>(in_info.shape.NumElements()));
    std::vector<float> y(static_cast<size_t>(out_info.shape.NumElements()));
    const std::vector<ConstTensorView> inputs = {{x.data(), in_info.shape}};
    const std::vector<TensorView> outputs = {{y.data(), out_info.shape}};
    for (const std::string& backend : ZeroAllocationBackends()) {
      for (int threads : {1, 2}) {
        SCOPED_TRACE(c.model + ", " + backend + ", " + std::to_string(threads) + " thread(s)");
        SessionOptions options;
        options.num_threads = threads;
        BackendOptions backend_options;
        backend_options.num_threads = threads;
        ASSERT_TRUE(CreateBackend(backend, g, backend_options, &options.backend).ok());
        std::unique_ptr<Session> session;
        ASSERT_TRUE(Session::Create(*model, options, &session).ok());
        ASSERT_TRUE(session->PrepareCut(cut).ok());
        std::vector<BoundaryTensor> boundary;
        std::vector<ConstTensorView> boundary_views(CutBoundary(g, cut).size());
        Status status;
        auto full = [&] { status = session->Run(inputs, outputs); };
        auto split = [&] {
          status = session->RunUntil(cut, inputs, &boundary);
          if (!status.ok()) return;
          for (size_t i = 0; i < boundary.size(); ++i) boundary_views[i] = boundary[i].view;
          status = session->ResumeFrom(cut, boundary_views, outputs);
        };
        for (int i = 0; i < kWarmUp; ++i) {
          full();
          ASSERT_TRUE(status.ok()) << status.ToString();
          split();
          ASSERT_TRUE(status.ok()) << status.ToString();
        }
        EXPECT_EQ(CountAllocations([&] {
                    for (int i = 0; i < kIterations && status.ok(); ++i) full();
                  }),
                  0)
            << "whole runs";
        ASSERT_TRUE(status.ok()) << status.ToString();
        EXPECT_EQ(CountAllocations([&] {
                    for (int i = 0; i < kIterations && status.ok(); ++i) split();
                  }),
                  0)
            << "run until the cut + resume from it";
        ASSERT_TRUE(status.ok()) << status.ToString();
        // Alternating plans rebinds backend runtimes shared between them.
        EXPECT_EQ(CountAllocations([&] {
                    for (int i = 0; i < kIterations && status.ok(); ++i) {
                      full();
                      if (status.ok()) split();
                    }
                  }),
                  0)
            << "whole and split runs alternating";
        ASSERT_TRUE(status.ok()) << status.ToString();
      }
    }
  }
}

TEST(ZeroAllocation, CApiFullAndSplitRunsWithCallerArena) {
#if !SEAM_COUNTING_ALLOCATOR
  GTEST_SKIP() << "the counting allocator needs glibc and no sanitizer";
#endif
  for (const Case& c : Cases()) {
    ModelPtr model = LoadModel(c.bytes);
    ASSERT_NE(model, nullptr) << seam_last_error();
    CutPtr cut = c.edge_nodes.empty() ? CutAfter(model.get(), "pool1")
                                      : CutFromNodes(model.get(), c.edge_nodes);
    ASSERT_NE(cut, nullptr) << seam_last_error();
    const std::vector<float> x = Ramp(InputElements(model.get()));
    std::vector<float> y(OutputElements(model.get()));
    const seam_input in = {x.data(), x.size()};
    const seam_output out = {y.data(), y.size()};
    const size_t num_boundary = seam_cut_num_boundary(cut.get());
    std::vector<seam_input> boundary(num_boundary);
    for (const std::string& backend : ZeroAllocationBackends()) {
      for (int threads : {1, 2}) {
        SCOPED_TRACE(c.model + ", " + backend + ", " + std::to_string(threads) + " thread(s)");
        SessionPtr session = MakeSession(model.get(), backend, threads, /*caller_arena=*/true);
        ASSERT_NE(session, nullptr) << seam_last_error();
        ASSERT_EQ(seam_session_prepare_cut(session.get(), cut.get()), SEAM_OK) << seam_last_error();
        const size_t need = seam_session_arena_bytes(session.get());
        std::vector<uint8_t> block(need + SEAM_ARENA_ALIGNMENT);
        uint8_t* arena = block.data();
        while (reinterpret_cast<uintptr_t>(arena) % SEAM_ARENA_ALIGNMENT != 0) ++arena;
        ASSERT_EQ(seam_session_set_arena(session.get(), arena, need), SEAM_OK) << seam_last_error();

        seam_status status = SEAM_OK;
        auto full = [&] { status = seam_session_run(session.get(), &in, 1, &out, 1); };
        auto split = [&] {
          status = seam_session_run_until(session.get(), cut.get(), &in, 1);
          for (size_t i = 0; i < num_boundary && status == SEAM_OK; ++i) {
            seam_tensor_info info;
            status = seam_session_boundary(session.get(), i, &boundary[i].data, &info);
            boundary[i].elements = info.elements;
          }
          if (status != SEAM_OK) return;
          status = seam_session_resume_from(session.get(), cut.get(), boundary.data(),
                                            boundary.size(), &out, 1);
        };
        for (int i = 0; i < kWarmUp; ++i) {
          full();
          ASSERT_EQ(status, SEAM_OK) << seam_last_error();
          split();
          ASSERT_EQ(status, SEAM_OK) << seam_last_error();
        }
        EXPECT_EQ(CountAllocations([&] {
                    for (int i = 0; i < kIterations && status == SEAM_OK; ++i) full();
                  }),
                  0)
            << "whole runs";
        EXPECT_EQ(CountAllocations([&] {
                    for (int i = 0; i < kIterations && status == SEAM_OK; ++i) split();
                  }),
                  0)
            << "run until the cut + resume from it";
        EXPECT_EQ(CountAllocations([&] {
                    for (int i = 0; i < kIterations && status == SEAM_OK; ++i) {
                      full();
                      if (status == SEAM_OK) split();
                    }
                  }),
                  0)
            << "whole and split runs alternating";
        ASSERT_EQ(status, SEAM_OK) << seam_last_error();
      }
    }
  }
}

}  // namespace
}  // namespace seam::capi_test
