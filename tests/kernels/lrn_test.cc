// LRN (ONNX, across channels) against a double reference: odd and even sizes,
// windows larger than C, and the beta values with special-cased paths.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

void RunCase(const Shape& xs, const LRNAttrs& a, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> x = kernel_test::Random(&rng, xs.NumElements(), -2.0f, 2.0f);
  const int64_t C = xs[1];
  const int64_t inner = xs.NumElements() / (xs[0] * C);
  const int64_t before = (a.size - 1) / 2;
  const int64_t after = a.size / 2;  // ceil((size-1)/2)
  std::vector<double> want(x.size());
  for (int64_t n = 0; n < xs[0]; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t i = 0; i < inner; ++i) {
        double sq = 0;
        for (int64_t cc = c - before; cc <= c + after; ++cc) {
          if (cc < 0 || cc >= C) continue;
          const double v = x[(n * C + cc) * inner + i];
          sq += v * v;
        }
        const size_t idx = static_cast<size_t>((n * C + c) * inner + i);
        want[idx] = x[idx] / std::pow(a.bias + a.alpha / a.size * sq, static_cast<double>(a.beta));
      }
    }
  }
  kernel_test::CheckKernel(
      kernel_test::MakeNode(OpType::kLRN, a), {kernel_test::Tensor(xs, x)}, {{xs}}, {want}, 1e-5,
      "LRN size " + std::to_string(a.size) + " beta " + std::to_string(a.beta));
}

TEST(LRN, SizesAndBetas) {
  uint32_t seed = 1;
  for (int size : {1, 2, 3, 4, 5, 9}) {
    for (float beta : {0.75f, 0.5f, 1.0f}) {
      LRNAttrs a;
      a.size = size;
      a.alpha = 0.3f;  // large enough that the normalisation matters
      a.beta = beta;
      a.bias = 1.5f;
      RunCase({2, 7, 3, 4}, a, seed++);
    }
  }
}

TEST(LRN, WindowWiderThanChannels) {
  LRNAttrs a;
  a.size = 11;
  a.alpha = 0.2f;
  RunCase({1, 3, 5, 5}, a, 40);
}

TEST(LRN, AlexNetLayer) {
  LRNAttrs a;  // defaults: size 5, alpha 1e-4, beta 0.75, bias 1
  a.bias = 2.0f;
  RunCase({1, 96, 27, 27}, a, 41);
}

}  // namespace
}  // namespace seam
