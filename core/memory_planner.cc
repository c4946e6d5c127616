// PlanArena: greedy-by-size best-fit offset assignment over tensor lifetimes.
#include "core/memory_planner.h"

#include <algorithm>
#include <limits>

namespace seam {

ArenaPlan PlanArena(const std::vector<TensorLifetime>& tensors, size_t alignment) {
  ArenaPlan plan;
  plan.offsets.assign(tensors.size(), -1);
  auto aligned = [alignment](size_t n) { return (n + alignment - 1) / alignment * alignment; };

  std::vector<size_t> order;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].bytes > 0) order.push_back(i);
  }
  // Largest first; ties by earlier start, then index, so plans are deterministic.
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (tensors[a].bytes != tensors[b].bytes) return tensors[a].bytes > tensors[b].bytes;
    if (tensors[a].first_step != tensors[b].first_step) {
      return tensors[a].first_step < tensors[b].first_step;
    }
    return a < b;
  });

  std::vector<size_t> placed;  // indices into tensors, kept sorted by offset
  for (size_t i : order) {
    const TensorLifetime& t = tensors[i];
    const size_t size = aligned(t.bytes);
    plan.naive_bytes += size;
    // Live neighbours in offset order; find the tightest gap that fits.
    size_t best_offset = std::numeric_limits<size_t>::max();
    size_t best_gap = std::numeric_limits<size_t>::max();
    size_t cursor = 0;
    for (size_t j : placed) {
      const TensorLifetime& other = tensors[j];
      if (other.last_step < t.first_step || other.first_step > t.last_step) continue;
      const size_t other_offset = static_cast<size_t>(plan.offsets[j]);
      if (other_offset >= cursor) {
        const size_t gap = other_offset - cursor;
        if (gap >= size && gap < best_gap) {
          best_gap = gap;
          best_offset = cursor;
        }
      }
      cursor = std::max(cursor, other_offset + aligned(other.bytes));
    }
    if (best_offset == std::numeric_limits<size_t>::max()) best_offset = cursor;
    plan.offsets[i] = static_cast<int64_t>(best_offset);
    plan.arena_bytes = std::max(plan.arena_bytes, best_offset + size);
    auto pos = std::upper_bound(
        placed.begin(), placed.end(), best_offset,
        [&](size_t off, size_t j) { return off < static_cast<size_t>(plan.offsets[j]); });
    placed.insert(pos, i);
  }
  return plan;
}

}  // namespace seam
