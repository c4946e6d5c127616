// Softmax over the first, middle and last axis (and negative axes) against a
// double reference; large logits check the max subtraction.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

void RunCase(const Shape& xs, int axis, uint32_t seed, float range = 5.0f) {
  std::mt19937 rng(seed);
  std::vector<float> x = kernel_test::Random(&rng, xs.NumElements(), -range, range);
  const int ax = axis < 0 ? axis + xs.rank : axis;
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < ax; ++i) outer *= xs[i];
  for (int i = ax + 1; i < xs.rank; ++i) inner *= xs[i];
  const int64_t n = xs[ax];
  std::vector<double> want(x.size());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < inner; ++j) {
      double m = -INFINITY, s = 0;
      for (int64_t l = 0; l < n; ++l) m = std::max<double>(m, x[(o * n + l) * inner + j]);
      for (int64_t l = 0; l < n; ++l) s += std::exp(x[(o * n + l) * inner + j] - m);
      for (int64_t l = 0; l < n; ++l) {
        const int64_t i = (o * n + l) * inner + j;
        want[i] = std::exp(x[i] - m) / s;
      }
    }
  }
  AxisAttrs attrs;
  attrs.axis = axis;
  kernel_test::CheckKernel(kernel_test::MakeNode(OpType::kSoftmax, attrs),
                           {kernel_test::Tensor(xs, x)}, {{xs}}, {want}, 1e-6,
                           "softmax " + xs.ToString() + " axis " + std::to_string(axis));
}

TEST(Softmax, LastAxis) {
  RunCase({1, 1000}, 1, 1);
  RunCase({4, 10}, -1, 2);
  RunCase({3, 1}, -1, 3);  // a single element is 1
  RunCase({2, 3, 7}, 2, 4);
}

TEST(Softmax, FirstAxis) {
  RunCase({5, 6}, 0, 5);
  RunCase({4, 3, 300}, 0, 6);  // more than one column chunk
  RunCase({7}, 0, 7);
}

TEST(Softmax, MiddleAxis) {
  RunCase({2, 5, 3, 4}, 1, 8);
  RunCase({2, 5, 3, 4}, -2, 9);
  RunCase({1, 21, 16, 16}, 1, 10);  // segmentation-style per-pixel softmax
}

TEST(Softmax, LargeLogitsStayFinite) {
  RunCase({3, 50}, -1, 11, 200.0f);
  RunCase({50, 3}, 0, 12, 200.0f);
}

}  // namespace
}  // namespace seam
