// After the first run, inference performs no heap allocation: counted by
// replacing the global operator new for this test binary.
#include <atomic>
#include <cstdlib>
#include <new>

#include "gtest/gtest.h"
#include "seam/session.h"
#include "tests/core/test_graphs.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(size_t size) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace seam {
namespace {

TEST(Allocation, NoHeapAllocationPerInferenceAfterWarmUp) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  for (int threads : {1, 2}) {
    SessionOptions options;
    options.num_threads = threads;
    std::unique_ptr<Session> s;
    ASSERT_TRUE(Session::Create(b->graph(), options, &s).ok());
    std::vector<float> in(3 * 16 * 16, 0.5f), out(10);
    const std::vector<ConstTensorView> inputs = {{in.data(), Shape{1, 3, 16, 16}}};
    const std::vector<TensorView> outputs = {{out.data(), Shape{1, 10}}};
    ASSERT_TRUE(s->Run(inputs, outputs).ok());
    g_allocations = 0;
    g_counting = true;
    for (int i = 0; i < 50; ++i) {
      if (!s->Run(inputs, outputs).ok()) break;
    }
    g_counting = false;
    EXPECT_EQ(g_allocations.load(), 0) << "threads=" << threads;
  }
}

}  // namespace
}  // namespace seam
