// Concat on every axis of a rank-4 tensor (and negative axes), with unequal
// parts, a single input and zero-size parts, checked exactly.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

void RunCase(const std::vector<Shape>& shapes, int axis, uint32_t seed) {
  std::mt19937 rng(seed);
  const int r = shapes[0].rank;
  const int ax = axis < 0 ? axis + r : axis;
  Shape ys = shapes[0];
  ys[ax] = 0;
  std::vector<kernel_test::TestTensor> inputs;
  for (const Shape& s : shapes) {
    ys[ax] += s[ax];
    inputs.push_back(kernel_test::Tensor(s, kernel_test::Random(&rng, s.NumElements())));
  }
  std::vector<double> want(static_cast<size_t>(ys.NumElements()));
  const std::vector<int64_t> ystr = kernel_test::Strides(ys);
  int64_t base = 0;
  for (size_t k = 0; k < shapes.size(); ++k) {
    const Shape& s = shapes[k];
    const std::vector<int64_t> sstr = kernel_test::Strides(s);
    for (int64_t f = 0; f < s.NumElements(); ++f) {
      int64_t rem = f, out = 0;
      for (int d = 0; d < r; ++d) {
        const int64_t idx = rem / sstr[d];
        rem %= sstr[d];
        out += (d == ax ? idx + base : idx) * ystr[d];
      }
      want[out] = inputs[k].data[f];
    }
    base += s[ax];
  }
  AxisAttrs attrs;
  attrs.axis = axis;
  kernel_test::CheckKernel(kernel_test::MakeNode(OpType::kConcat, attrs), inputs, {{ys}}, {want},
                           0.0, "concat axis " + std::to_string(axis));
}

TEST(Concat, EveryAxis) {
  for (int axis = 0; axis < 4; ++axis) {
    std::vector<Shape> shapes = {{2, 3, 4, 5}, {2, 3, 4, 5}, {2, 3, 4, 5}};
    shapes[1][axis] = 1;
    shapes[2][axis] = 6;
    RunCase(shapes, axis, 10 + axis);
    RunCase(shapes, axis - 4, 20 + axis);  // the same axis counted from the end
  }
}

TEST(Concat, SingleInputAndEmptyPart) {
  RunCase({{2, 3, 4}}, 1, 30);
  RunCase({{2, 3, 4}, {2, 0, 4}, {2, 2, 4}}, 1, 31);
}

TEST(Concat, InceptionLike) {
  RunCase({{1, 64, 28, 28}, {1, 128, 28, 28}, {1, 32, 28, 28}, {1, 32, 28, 28}}, 1, 32);
}

}  // namespace
}  // namespace seam
