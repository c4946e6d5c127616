// Pad: constant, reflect and edge modes on ranks 1..4, asymmetric pads on
// several axes, negative pads (cropping), pads longer than the dimension.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

// numpy.pad semantics, index by index.
int64_t MapIndex(int64_t i, int64_t n, PadMode mode) {
  if (i >= 0 && i < n) return i;
  if (mode == PadMode::kConstant) return -1;
  if (mode == PadMode::kEdge) return i < 0 ? 0 : n - 1;
  if (n == 1) return 0;
  // Reflect one step at a time, as numpy does for long pads.
  while (i < 0 || i >= n) {
    if (i < 0) i = -i;
    if (i >= n) i = 2 * (n - 1) - i;
  }
  return i;
}

void RunCase(const Shape& xs, const std::vector<int64_t>& pads, PadMode mode, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> x = kernel_test::Random(&rng, xs.NumElements());
  const int r = xs.rank;
  Shape ys = xs;
  for (int i = 0; i < r; ++i) ys[i] = xs[i] + pads[i] + pads[r + i];
  const std::vector<int64_t> xstr = kernel_test::Strides(xs);
  const std::vector<int64_t> ystr = kernel_test::Strides(ys);
  const float value = 2.5f;
  std::vector<double> want(static_cast<size_t>(ys.NumElements()));
  for (int64_t f = 0; f < ys.NumElements(); ++f) {
    int64_t rem = f, src = 0;
    bool constant = false;
    for (int d = 0; d < r; ++d) {
      const int64_t o = rem / ystr[d];
      rem %= ystr[d];
      const int64_t i = MapIndex(o - pads[d], xs[d], mode);
      if (i < 0) constant = true;
      src += i * xstr[d];
    }
    want[f] = constant ? value : x[src];
  }
  PadAttrs attrs;
  attrs.pads = pads;
  attrs.mode = mode;
  attrs.value = value;
  std::string what =
      "pad " + xs.ToString() + " mode " + std::to_string(static_cast<int>(mode)) + " pads";
  for (int64_t p : pads) what += " " + std::to_string(p);
  kernel_test::CheckKernel(kernel_test::MakeNode(OpType::kPad, attrs), {kernel_test::Tensor(xs, x)},
                           {{ys}}, {want}, 0.0, what);
}

const PadMode kModes[] = {PadMode::kConstant, PadMode::kReflect, PadMode::kEdge};

TEST(Pad, SpatialPads) {
  uint32_t seed = 1;
  for (PadMode m : kModes) {
    RunCase({1, 2, 4, 5}, {0, 0, 1, 2, 0, 0, 2, 1}, m, seed++);
    RunCase({2, 3, 3, 3}, {0, 0, 2, 2, 0, 0, 2, 2}, m, seed++);
  }
}

TEST(Pad, EveryAxisAndRanks) {
  uint32_t seed = 10;
  for (PadMode m : kModes) {
    RunCase({5}, {2, 3}, m, seed++);
    RunCase({3, 4}, {1, 0, 2, 1}, m, seed++);
    RunCase({2, 3, 4}, {1, 2, 0, 1, 0, 3}, m, seed++);
    RunCase({2, 2, 3, 3}, {1, 1, 1, 1, 1, 0, 2, 1}, m, seed++);
  }
}

TEST(Pad, NegativePadsCrop) {
  uint32_t seed = 30;
  for (PadMode m : kModes) {
    RunCase({1, 2, 6, 7}, {0, 0, -1, -2, 0, 0, -2, -1}, m, seed++);
    RunCase({1, 2, 6, 7}, {0, 0, -2, 1, 0, 0, 2, -3}, m, seed++);  // crop one side, pad other
    RunCase({4, 5}, {-1, 0, -2, -5}, m, seed++);                   // crop to empty width
  }
}

TEST(Pad, LongReflectAndEdgeOnSizeOne) {
  RunCase({4}, {7, 9}, PadMode::kReflect, 40);  // pads longer than the dimension
  RunCase({1, 1, 1, 3}, {0, 0, 2, 2, 0, 0, 3, 2}, PadMode::kReflect, 41);
  RunCase({1, 1, 1, 3}, {0, 0, 2, 2, 0, 0, 3, 2}, PadMode::kEdge, 42);
}

TEST(Pad, LargeThreaded) {
  RunCase({1, 64, 56, 56}, {0, 0, 1, 1, 0, 0, 1, 1}, PadMode::kConstant, 43);
  RunCase({1, 64, 56, 56}, {0, 0, 3, 3, 0, 0, 3, 3}, PadMode::kReflect, 44);
}

}  // namespace
}  // namespace seam
