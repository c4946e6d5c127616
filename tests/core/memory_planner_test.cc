// The arena planner never lets two simultaneously live tensors overlap, and
// reuses memory when lifetimes allow.
#include "core/memory_planner.h"

#include <random>

#include "gtest/gtest.h"

namespace seam {
namespace {

bool LifetimesOverlap(const TensorLifetime& a, const TensorLifetime& b) {
  return !(a.last_step < b.first_step || b.last_step < a.first_step);
}

TEST(MemoryPlanner, RandomLifetimesNeverShareLiveMemory) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 200; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 40);
    std::vector<TensorLifetime> tensors(n);
    for (auto& t : tensors) {
      t.bytes = rng() % 5 == 0 ? 0 : 1 + rng() % 5000;
      t.first_step = static_cast<int>(rng() % 30);
      t.last_step = t.first_step + static_cast<int>(rng() % 10);
    }
    const ArenaPlan plan = PlanArena(tensors, 64);
    for (int i = 0; i < n; ++i) {
      if (tensors[i].bytes == 0) {
        EXPECT_EQ(plan.offsets[i], -1);
        continue;
      }
      ASSERT_GE(plan.offsets[i], 0);
      EXPECT_EQ(plan.offsets[i] % 64, 0);
      EXPECT_LE(static_cast<size_t>(plan.offsets[i]) + tensors[i].bytes, plan.arena_bytes);
      for (int j = 0; j < i; ++j) {
        if (tensors[j].bytes == 0 || !LifetimesOverlap(tensors[i], tensors[j])) continue;
        const int64_t a0 = plan.offsets[i], a1 = a0 + static_cast<int64_t>(tensors[i].bytes);
        const int64_t b0 = plan.offsets[j], b1 = b0 + static_cast<int64_t>(tensors[j].bytes);
        EXPECT_TRUE(a1 <= b0 || b1 <= a0) << "trial " << trial << " tensors " << i << "," << j;
      }
    }
    EXPECT_LE(plan.arena_bytes, plan.naive_bytes);
  }
}

TEST(MemoryPlanner, ChainReusesTwoBuffers) {
  // A chain: tensor k is written at step k and read at step k+1.
  std::vector<TensorLifetime> chain;
  for (int k = 0; k < 10; ++k) chain.push_back({1024, k, k + 1});
  const ArenaPlan plan = PlanArena(chain, 64);
  EXPECT_EQ(plan.naive_bytes, 10u * 1024);
  EXPECT_EQ(plan.arena_bytes, 2u * 1024);
}

}  // namespace
}  // namespace seam
