// GlobalAveragePool against a double mean per plane, rank 3 and 4.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

void RunCase(const Shape& xs, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> x = kernel_test::Random(&rng, xs.NumElements());
  const int64_t planes = xs[0] * xs[1];
  const int64_t size = xs.NumElements() / planes;
  std::vector<double> want(static_cast<size_t>(planes));
  for (int64_t p = 0; p < planes; ++p) {
    double s = 0;
    for (int64_t i = 0; i < size; ++i) s += x[p * size + i];
    want[p] = s / size;
  }
  Shape ys = xs;
  for (int i = 2; i < ys.rank; ++i) ys[i] = 1;
  kernel_test::CheckKernel(kernel_test::MakeNode(OpType::kGlobalAveragePool),
                           {kernel_test::Tensor(xs, x)}, {{ys}}, {want}, 1e-6, xs.ToString());
}

TEST(GlobalAveragePool, Shapes) {
  RunCase({1, 1, 1, 1}, 1);
  RunCase({2, 3, 5, 7}, 2);
  RunCase({1, 512, 7, 7}, 3);
  RunCase({2, 8, 33, 31}, 4);
  RunCase({3, 4, 10}, 5);
}

}  // namespace
}  // namespace seam
