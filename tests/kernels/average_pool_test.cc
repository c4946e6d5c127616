// AveragePool against a double reference: count_include_pad both ways (with
// PyTorch's clipped divisor in ceil mode), ceil_mode windows, asymmetric pads.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

using kernel_test::Random;
using kernel_test::Tensor;

int64_t PoolOut(int64_t in, int64_t k, int64_t s, int64_t p0, int64_t p1, bool ceil_mode) {
  const int64_t span = in + p0 + p1 - k;
  int64_t out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (out - 1) * s >= in + p0) --out;
  return out;
}

PoolAttrs Attrs(int k, int s, int p, bool ceil_mode, bool include_pad) {
  PoolAttrs a;
  a.kernel_h = a.kernel_w = k;
  a.stride_h = a.stride_w = s;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = p;
  a.ceil_mode = ceil_mode;
  a.count_include_pad = include_pad;
  return a;
}

std::vector<double> Reference(const Shape& xs, const std::vector<float>& x, const PoolAttrs& a,
                              int64_t OH, int64_t OW) {
  const int64_t H = xs[2], W = xs[3];
  std::vector<double> want(static_cast<size_t>(xs[0] * xs[1] * OH * OW));
  for (int64_t p = 0; p < xs[0] * xs[1]; ++p) {
    for (int64_t oh = 0; oh < OH; ++oh) {
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t hstart = oh * a.stride_h - a.pad_top;
        const int64_t wstart = ow * a.stride_w - a.pad_left;
        double sum = 0;
        int64_t real = 0;
        for (int64_t ih = hstart; ih < hstart + a.kernel_h; ++ih) {
          for (int64_t iw = wstart; iw < wstart + a.kernel_w; ++iw) {
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            sum += x[(p * H + ih) * W + iw];
            ++real;
          }
        }
        int64_t divisor = real;
        if (a.count_include_pad) {
          divisor = (std::min<int64_t>(hstart + a.kernel_h, H + a.pad_bottom) - hstart) *
                    (std::min<int64_t>(wstart + a.kernel_w, W + a.pad_right) - wstart);
        }
        want[(p * OH + oh) * OW + ow] = sum / divisor;
      }
    }
  }
  return want;
}

void RunCase(const Shape& xs, const PoolAttrs& a, uint32_t seed, const std::string& what) {
  std::mt19937 rng(seed);
  const int64_t OH = PoolOut(xs[2], a.kernel_h, a.stride_h, a.pad_top, a.pad_bottom, a.ceil_mode);
  const int64_t OW = PoolOut(xs[3], a.kernel_w, a.stride_w, a.pad_left, a.pad_right, a.ceil_mode);
  ASSERT_GT(OH, 0);
  ASSERT_GT(OW, 0);
  std::vector<float> x = Random(&rng, xs.NumElements());
  kernel_test::CheckKernel(kernel_test::MakeNode(OpType::kAveragePool, a), {Tensor(xs, x)},
                           {{Shape{xs[0], xs[1], OH, OW}}}, {Reference(xs, x, a, OH, OW)}, 1e-6,
                           what + (a.count_include_pad ? " include_pad" : " exclude_pad"));
}

TEST(AveragePool, Common) {
  for (bool inc : {false, true}) {
    RunCase({2, 3, 8, 8}, Attrs(2, 2, 0, false, inc), 1, "2x2 s2");
    RunCase({1, 4, 9, 9}, Attrs(3, 2, 1, false, inc), 2, "3x3 s2 p1");
    RunCase({1, 4, 7, 5}, Attrs(3, 1, 1, false, inc), 3, "3x3 s1 p1");
  }
}

TEST(AveragePool, CeilModeWindowsPastTheBorder) {
  for (bool inc : {false, true}) {
    RunCase({1, 2, 6, 6}, Attrs(3, 2, 0, true, inc), 4, "ceil 3x3 s2 on 6");
    RunCase({1, 2, 6, 7}, Attrs(3, 2, 1, true, inc), 5, "ceil 3x3 s2 p1");
    RunCase({1, 2, 8, 8}, Attrs(3, 3, 1, true, inc), 6, "ceil 3x3 s3 p1");
  }
}

// Hand-computed PyTorch values: avg_pool2d(x, 3, stride=2, padding=1,
// ceil_mode=True) on a 1x1x4x4 ramp 0..15.
TEST(AveragePool, KnownValuesCeilModeIncludePad) {
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[i] = static_cast<float>(i);
  // Output is 3x3 (not 2x2): ceil((4+2-3)/2)+1 = 3, last window starts at 3 < 4+1.
  // Bottom-right window covers rows/cols 3..5 of the padded input, clipped to
  // H+pad = 5, so its divisor is 2*2 = 4 with include_pad (one real element,
  // 15) and 1 without.
  const std::vector<double> include = {(0 + 1 + 4 + 5) / 9.0,
                                       (1 + 2 + 3 + 5 + 6 + 7) / 9.0,
                                       (3 + 7) / 6.0,
                                       (4 + 5 + 8 + 9 + 12 + 13) / 9.0,
                                       (5 + 6 + 7 + 9 + 10 + 11 + 13 + 14 + 15) / 9.0,
                                       (7 + 11 + 15) / 6.0,
                                       (12 + 13) / 6.0,
                                       (13 + 14 + 15) / 6.0,
                                       15 / 4.0};
  const std::vector<double> exclude = {(0 + 1 + 4 + 5) / 4.0,
                                       (1 + 2 + 3 + 5 + 6 + 7) / 6.0,
                                       (3 + 7) / 2.0,
                                       (4 + 5 + 8 + 9 + 12 + 13) / 6.0,
                                       (5 + 6 + 7 + 9 + 10 + 11 + 13 + 14 + 15) / 9.0,
                                       (7 + 11 + 15) / 3.0,
                                       (12 + 13) / 2.0,
                                       (13 + 14 + 15) / 3.0,
                                       15.0};
  for (bool inc : {true, false}) {
    kernel_test::CheckKernel(kernel_test::MakeNode(OpType::kAveragePool, Attrs(3, 2, 1, true, inc)),
                             {Tensor({1, 1, 4, 4}, x)}, {{Shape{1, 1, 3, 3}}},
                             {inc ? include : exclude}, 1e-6, "known values");
  }
}

TEST(AveragePool, AsymmetricPads) {
  for (bool inc : {false, true}) {
    PoolAttrs a = Attrs(3, 2, 0, false, inc);
    a.pad_top = 1, a.pad_left = 0, a.pad_bottom = 1, a.pad_right = 1;
    RunCase({1, 3, 8, 9}, a, 7, "asymmetric pads");
    a.ceil_mode = true;
    RunCase({1, 3, 8, 9}, a, 8, "asymmetric pads ceil");
  }
}

TEST(AveragePool, EdgeShapes) {
  for (bool inc : {false, true}) {
    RunCase({2, 3, 1, 1}, Attrs(1, 1, 0, false, inc), 10, "1x1 input");
    RunCase({2, 3, 1, 1}, Attrs(3, 1, 1, false, inc), 11, "1x1 input, 3x3 window p1");
    RunCase({1, 3, 5, 5}, Attrs(5, 1, 0, false, inc), 12, "kernel == input");
    RunCase({1, 3, 10, 10}, Attrs(2, 3, 0, false, inc), 13, "stride > kernel");
  }
}

TEST(AveragePool, RandomShapes) {
  std::mt19937 rng(77);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int i = 0; i < 40; ++i) {
    PoolAttrs a;
    a.kernel_h = pick(1, 4), a.kernel_w = pick(1, 4);
    a.stride_h = pick(1, 3), a.stride_w = pick(1, 3);
    a.pad_top = pick(0, a.kernel_h / 2), a.pad_bottom = pick(0, a.kernel_h / 2);
    a.pad_left = pick(0, a.kernel_w / 2), a.pad_right = pick(0, a.kernel_w / 2);
    a.ceil_mode = pick(0, 1) == 1;
    a.count_include_pad = pick(0, 1) == 1;
    const Shape xs{pick(1, 2), pick(1, 3), pick(a.kernel_h, 12), pick(a.kernel_w, 12)};
    RunCase(xs, a, 300 + i, "random " + std::to_string(i));
  }
}

TEST(AveragePool, LargeThreaded) {
  RunCase({1, 64, 56, 56}, Attrs(3, 2, 1, false, true), 15, "56x56x64");
}

}  // namespace
}  // namespace seam
