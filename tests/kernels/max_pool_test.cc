// MaxPool against a double reference: padding never wins, ceil_mode windows,
// asymmetric pads, stride > kernel, kernel == input, 1x1 inputs.
#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

using kernel_test::Random;
using kernel_test::Tensor;

// PyTorch's output size: in ceil mode the last window must start inside the
// input or the leading padding.
int64_t PoolOut(int64_t in, int64_t k, int64_t s, int64_t p0, int64_t p1, bool ceil_mode) {
  const int64_t span = in + p0 + p1 - k;
  int64_t out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (out - 1) * s >= in + p0) --out;
  return out;
}

PoolAttrs Attrs(int k, int s, int p, bool ceil_mode = false) {
  PoolAttrs a;
  a.kernel_h = a.kernel_w = k;
  a.stride_h = a.stride_w = s;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = p;
  a.ceil_mode = ceil_mode;
  return a;
}

void RunCase(const Shape& xs, const PoolAttrs& a, uint32_t seed, const std::string& what) {
  std::mt19937 rng(seed);
  const int64_t OH = PoolOut(xs[2], a.kernel_h, a.stride_h, a.pad_top, a.pad_bottom, a.ceil_mode);
  const int64_t OW = PoolOut(xs[3], a.kernel_w, a.stride_w, a.pad_left, a.pad_right, a.ceil_mode);
  ASSERT_GT(OH, 0);
  ASSERT_GT(OW, 0);
  const Shape ys{xs[0], xs[1], OH, OW};
  // All-negative inputs make a zero from the padding visible if it ever wins.
  std::vector<float> x = Random(&rng, xs.NumElements(), -2.0f, -0.1f);
  std::vector<double> want(static_cast<size_t>(ys.NumElements()));
  const int64_t H = xs[2], W = xs[3];
  for (int64_t p = 0; p < xs[0] * xs[1]; ++p) {
    for (int64_t oh = 0; oh < OH; ++oh) {
      for (int64_t ow = 0; ow < OW; ++ow) {
        double m = std::numeric_limits<float>::lowest();
        for (int64_t kh = 0; kh < a.kernel_h; ++kh) {
          for (int64_t kw = 0; kw < a.kernel_w; ++kw) {
            const int64_t ih = oh * a.stride_h - a.pad_top + kh;
            const int64_t iw = ow * a.stride_w - a.pad_left + kw;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            m = std::max<double>(m, x[(p * H + ih) * W + iw]);
          }
        }
        want[(p * OH + oh) * OW + ow] = m;
      }
    }
  }
  kernel_test::CheckKernel(kernel_test::MakeNode(OpType::kMaxPool, a), {Tensor(xs, x)}, {{ys}},
                           {want}, 0.0, what);
}

TEST(MaxPool, Common) {
  RunCase({2, 3, 8, 8}, Attrs(2, 2, 0), 1, "2x2 s2");
  RunCase({1, 4, 9, 9}, Attrs(3, 2, 1), 2, "3x3 s2 p1");
  RunCase({1, 4, 7, 5}, Attrs(3, 1, 1), 3, "3x3 s1 p1");
}

TEST(MaxPool, CeilMode) {
  RunCase({1, 2, 6, 6}, Attrs(3, 2, 0, true), 4, "ceil 3x3 s2 on 6");
  RunCase({1, 2, 7, 8}, Attrs(2, 2, 0, true), 5, "ceil 2x2 s2 on odd");
  RunCase({1, 2, 6, 7}, Attrs(3, 2, 1, true), 6, "ceil 3x3 s2 p1");
  RunCase({1, 1, 13, 13}, Attrs(3, 2, 0, true), 7, "AlexNet-style ceil");
}

TEST(MaxPool, AsymmetricPads) {
  PoolAttrs a = Attrs(3, 2, 0);
  a.pad_top = 1, a.pad_left = 0, a.pad_bottom = 2, a.pad_right = 1;
  RunCase({1, 3, 8, 9}, a, 8, "asymmetric pads");
  a.kernel_w = 2, a.stride_h = 1;
  RunCase({1, 3, 8, 9}, a, 9, "rectangular window");
}

TEST(MaxPool, EdgeShapes) {
  RunCase({2, 3, 1, 1}, Attrs(1, 1, 0), 10, "1x1 input");
  RunCase({2, 3, 1, 1}, Attrs(3, 1, 1), 11, "1x1 input, 3x3 window p1");
  RunCase({1, 3, 5, 5}, Attrs(5, 1, 0), 12, "kernel == input");
  RunCase({1, 3, 10, 10}, Attrs(2, 3, 0), 13, "stride > kernel");
  RunCase({1, 3, 10, 11}, Attrs(1, 2, 0), 14, "1x1 window stride 2");
}

TEST(MaxPool, RandomShapes) {
  std::mt19937 rng(99);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int i = 0; i < 40; ++i) {
    PoolAttrs a;
    a.kernel_h = pick(1, 4), a.kernel_w = pick(1, 4);
    a.stride_h = pick(1, 3), a.stride_w = pick(1, 3);
    // PyTorch requires pads of at most half the kernel.
    a.pad_top = pick(0, a.kernel_h / 2), a.pad_bottom = pick(0, a.kernel_h / 2);
    a.pad_left = pick(0, a.kernel_w / 2), a.pad_right = pick(0, a.kernel_w / 2);
    a.ceil_mode = pick(0, 1) == 1;
    const Shape xs{pick(1, 2), pick(1, 3), pick(a.kernel_h, 12), pick(a.kernel_w, 12)};
    RunCase(xs, a, 200 + i, "random " + std::to_string(i));
  }
}

TEST(MaxPool, LargeThreaded) { RunCase({1, 64, 56, 56}, Attrs(3, 2, 1), 15, "56x56x64"); }

}  // namespace
}  // namespace seam
