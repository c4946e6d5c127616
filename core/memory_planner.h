// Arena planning: give every activation tensor an offset in one arena so that
// tensors whose lifetimes do not overlap share space.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace seam {

struct TensorLifetime {
  size_t bytes = 0;    // 0: not placed in the arena
  int first_step = 0;  // schedule step that writes it (0 for graph inputs)
  int last_step = 0;   // last schedule step that reads it (inclusive)
};

struct ArenaPlan {
  std::vector<int64_t> offsets;  // per tensor; -1 when bytes == 0
  size_t arena_bytes = 0;        // peak
  size_t naive_bytes = 0;        // sum of all sizes (what no reuse would need)
};

// Greedy best fit, largest tensors first (the strategy TFLite's arena planner
// uses): each tensor goes into the smallest gap between already placed
// tensors whose lifetimes overlap its own. Offsets are multiples of `alignment`.
ArenaPlan PlanArena(const std::vector<TensorLifetime>& tensors, size_t alignment);

}  // namespace seam
