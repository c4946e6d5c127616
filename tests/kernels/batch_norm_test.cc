// BatchNorm (inference) against y = scale*(x-mean)/sqrt(var+eps)+bias in double, ranks 2..5.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

using kernel_test::Random;
using kernel_test::Tensor;

void RunCase(const Shape& xs, float eps, uint32_t seed) {
  std::mt19937 rng(seed);
  const int64_t C = xs[1];
  std::vector<float> x = Random(&rng, xs.NumElements(), -3.0f, 3.0f);
  std::vector<float> scale = Random(&rng, C, 0.5f, 1.5f);
  std::vector<float> bias = Random(&rng, C);
  std::vector<float> mean = Random(&rng, C);
  std::vector<float> var = Random(&rng, C, 0.0f, 2.0f);
  var[0] = 0.0f;  // epsilon alone keeps the division finite
  const int64_t inner = xs.NumElements() / (xs[0] * C);
  std::vector<double> want(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const int64_t c = (static_cast<int64_t>(i) / inner) % C;
    want[i] = scale[c] * (x[i] - static_cast<double>(mean[c])) /
                  std::sqrt(static_cast<double>(var[c]) + eps) +
              bias[c];
  }
  BatchNormAttrs attrs;
  attrs.epsilon = eps;
  kernel_test::CheckKernel(
      kernel_test::MakeNode(OpType::kBatchNorm, attrs),
      {Tensor(xs, x), Tensor({C}, scale), Tensor({C}, bias), Tensor({C}, mean), Tensor({C}, var)},
      {{xs}}, {want}, 1e-5, xs.ToString());
}

TEST(BatchNorm, Ranks) {
  RunCase({4, 10}, 1e-5f, 1);
  RunCase({2, 6, 17}, 1e-3f, 2);
  RunCase({2, 5, 9, 11}, 1e-5f, 3);
  RunCase({1, 3, 4, 5, 6}, 1e-5f, 4);
  RunCase({1, 1, 1, 1}, 1e-5f, 5);
  RunCase({1, 64, 56, 56}, 1e-5f, 6);
}

}  // namespace
}  // namespace seam
