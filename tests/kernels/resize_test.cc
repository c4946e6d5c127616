// Resize (nearest): every coordinate transformation mode times every nearest
// mode on up- and down-sampling, against the ONNX formulas in double, plus
// known outputs from the ONNX operator examples.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

int64_t NearestSource(int64_t o, int64_t in, int64_t out, double scale, ResizeCoordinateMode cm,
                      ResizeNearestMode nm) {
  double x = 0;
  switch (cm) {
    case ResizeCoordinateMode::kHalfPixel:
      x = (o + 0.5) / scale - 0.5;
      break;
    case ResizeCoordinateMode::kAsymmetric:
      x = o / scale;
      break;
    case ResizeCoordinateMode::kAlignCorners:
      x = out == 1 ? 0.0 : o * static_cast<double>(in - 1) / (out - 1);
      break;
    case ResizeCoordinateMode::kPytorchHalfPixel:
      x = out > 1 ? (o + 0.5) / scale - 0.5 : 0.0;
      break;
  }
  double r = 0;
  const double frac = x - std::floor(x);
  switch (nm) {
    case ResizeNearestMode::kRoundPreferFloor:
      r = frac == 0.5 ? std::floor(x) : std::round(x);
      break;
    case ResizeNearestMode::kRoundPreferCeil:
      r = frac == 0.5 ? std::ceil(x) : std::round(x);
      break;
    case ResizeNearestMode::kFloor:
      r = std::floor(x);
      break;
    case ResizeNearestMode::kCeil:
      r = std::ceil(x);
      break;
  }
  return std::min<int64_t>(std::max<int64_t>(static_cast<int64_t>(r), 0), in - 1);
}

void RunCase(const Shape& xs, const std::vector<float>& scales, ResizeCoordinateMode cm,
             ResizeNearestMode nm, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> x = kernel_test::Random(&rng, xs.NumElements());
  Shape ys = xs;
  for (int d = 0; d < xs.rank; ++d) {
    ys[d] = static_cast<int64_t>(std::floor(xs[d] * static_cast<double>(scales[d])));
  }
  const std::vector<int64_t> xstr = kernel_test::Strides(xs);
  const std::vector<int64_t> ystr = kernel_test::Strides(ys);
  std::vector<double> want(static_cast<size_t>(ys.NumElements()));
  for (int64_t f = 0; f < ys.NumElements(); ++f) {
    int64_t rem = f, src = 0;
    for (int d = 0; d < ys.rank; ++d) {
      const int64_t o = rem / ystr[d];
      rem %= ystr[d];
      src += NearestSource(o, xs[d], ys[d], scales[d], cm, nm) * xstr[d];
    }
    want[f] = x[src];
  }
  ResizeAttrs attrs;
  attrs.scales = scales;
  attrs.coordinate_mode = cm;
  attrs.nearest_mode = nm;
  std::string what = "resize " + xs.ToString() + " -> " + ys.ToString() + " coord " +
                     std::to_string(static_cast<int>(cm)) + " nearest " +
                     std::to_string(static_cast<int>(nm));
  kernel_test::CheckKernel(kernel_test::MakeNode(OpType::kResize, attrs),
                           {kernel_test::Tensor(xs, x)}, {{ys}}, {want}, 0.0, what);
}

const ResizeCoordinateMode kCoordModes[] = {
    ResizeCoordinateMode::kHalfPixel, ResizeCoordinateMode::kAsymmetric,
    ResizeCoordinateMode::kAlignCorners, ResizeCoordinateMode::kPytorchHalfPixel};
const ResizeNearestMode kNearestModes[] = {ResizeNearestMode::kRoundPreferFloor,
                                           ResizeNearestMode::kRoundPreferCeil,
                                           ResizeNearestMode::kFloor, ResizeNearestMode::kCeil};

TEST(Resize, EveryModeCombination) {
  uint32_t seed = 1;
  // Scales exact in binary so float and double agree on ties.
  const std::vector<std::vector<float>> scale_sets = {
      {1, 1, 2, 2}, {1, 1, 3, 1.5f}, {1, 1, 0.5f, 0.75f}, {1, 1, 2.5f, 0.25f}, {1, 1, 1.25f, 4}};
  for (ResizeCoordinateMode cm : kCoordModes) {
    for (ResizeNearestMode nm : kNearestModes) {
      for (const auto& scales : scale_sets) RunCase({1, 2, 4, 8}, scales, cm, nm, seed++);
    }
  }
}

TEST(Resize, DownToOnePixelAndNonSpatialDims) {
  uint32_t seed = 100;
  for (ResizeCoordinateMode cm : kCoordModes) {
    for (ResizeNearestMode nm : kNearestModes) {
      RunCase({1, 1, 3, 3}, {1, 1, 0.5f, 0.5f}, cm, nm, seed++);  // 1x1 output
      RunCase({2, 3, 3, 2}, {2, 0.5f, 1, 2}, cm, nm, seed++);     // batch and channel too
      RunCase({5}, {1.5f}, cm, nm, seed++);                       // rank 1
    }
  }
}

TEST(Resize, LargeThreaded) {
  RunCase({1, 64, 28, 28}, {1, 1, 2, 2}, ResizeCoordinateMode::kAsymmetric,
          ResizeNearestMode::kFloor, 200);
}

std::vector<double> Iota(int n) {
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i) v[i] = i + 1;
  return v;
}

void ExpectOnnxExample(const Shape& xs, const Shape& ys, const std::vector<float>& scales,
                       ResizeCoordinateMode cm, ResizeNearestMode nm,
                       const std::vector<double>& want, const std::string& name) {
  std::vector<double> xd = Iota(static_cast<int>(xs.NumElements()));
  std::vector<float> x(xd.begin(), xd.end());
  ResizeAttrs attrs;
  attrs.scales = scales;
  attrs.coordinate_mode = cm;
  attrs.nearest_mode = nm;
  kernel_test::CheckKernel(kernel_test::MakeNode(OpType::kResize, attrs),
                           {kernel_test::Tensor(xs, x)}, {{ys}}, {want}, 0.0, name);
}

TEST(Resize, OnnxExamples) {
  ExpectOnnxExample({1, 1, 2, 2}, {1, 1, 4, 6}, {1, 1, 2, 3}, ResizeCoordinateMode::kHalfPixel,
                    ResizeNearestMode::kRoundPreferFloor,
                    {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4},
                    "resize_upsample_scales_nearest");
  ExpectOnnxExample({1, 1, 2, 4}, {1, 1, 1, 2}, {1, 1, 0.6f, 0.6f},
                    ResizeCoordinateMode::kHalfPixel, ResizeNearestMode::kRoundPreferFloor, {1, 3},
                    "resize_downsample_scales_nearest");
  ExpectOnnxExample(
      {1, 1, 4, 4}, {1, 1, 8, 8}, {1, 1, 2, 2}, ResizeCoordinateMode::kHalfPixel,
      ResizeNearestMode::kCeil,
      {1,  2,  2,  3,  3,  4,  4,  4,  5,  6,  6,  7,  7,  8,  8,  8,  5,  6,  6,  7,  7,  8,
       8,  8,  9,  10, 10, 11, 11, 12, 12, 12, 9,  10, 10, 11, 11, 12, 12, 12, 13, 14, 14, 15,
       15, 16, 16, 16, 13, 14, 14, 15, 15, 16, 16, 16, 13, 14, 14, 15, 15, 16, 16, 16},
      "resize_upsample_sizes_nearest_ceil_half_pixel");
  ExpectOnnxExample(
      {1, 1, 4, 4}, {1, 1, 8, 8}, {1, 1, 2, 2}, ResizeCoordinateMode::kAlignCorners,
      ResizeNearestMode::kFloor,
      {1,  1,  1,  2,  2, 3, 3, 4,  1,  1,  1,  2,  2,  3,  3,  4,  1,  1,  1,  2, 2, 3,
       3,  4,  5,  5,  5, 6, 6, 7,  7,  8,  5,  5,  5,  6,  6,  7,  7,  8,  9,  9, 9, 10,
       10, 11, 11, 12, 9, 9, 9, 10, 10, 11, 11, 12, 13, 13, 13, 14, 14, 15, 15, 16},
      "resize_upsample_sizes_nearest_floor_align_corners");
  ExpectOnnxExample(
      {1, 1, 4, 4}, {1, 1, 8, 8}, {1, 1, 2, 2}, ResizeCoordinateMode::kAsymmetric,
      ResizeNearestMode::kRoundPreferCeil,
      {1,  2,  2,  3,  3,  4,  4,  4,  5,  6,  6,  7,  7,  8,  8,  8,  5,  6,  6,  7,  7,  8,
       8,  8,  9,  10, 10, 11, 11, 12, 12, 12, 9,  10, 10, 11, 11, 12, 12, 12, 13, 14, 14, 15,
       15, 16, 16, 16, 13, 14, 14, 15, 15, 16, 16, 16, 13, 14, 14, 15, 15, 16, 16, 16},
      "resize_upsample_sizes_nearest_round_prefer_ceil_asymmetric");
}

}  // namespace
}  // namespace seam
