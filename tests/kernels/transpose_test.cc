// Transpose: every permutation of rank 3 and 4, size-1 dims, rank 6, the
// default (reversed) perm and large NCHW<->NHWC tiles, checked exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

void RunCase(const Shape& xs, std::vector<int32_t> perm, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> x = kernel_test::Random(&rng, xs.NumElements());
  std::vector<int32_t> p = perm;
  if (p.empty()) {
    p.resize(xs.rank);
    for (int i = 0; i < xs.rank; ++i) p[i] = xs.rank - 1 - i;
  }
  Shape ys;
  ys.rank = xs.rank;
  for (int i = 0; i < xs.rank; ++i) ys[i] = xs[p[i]];
  const std::vector<int64_t> xstr = kernel_test::Strides(xs);
  const std::vector<int64_t> ystr = kernel_test::Strides(ys);
  std::vector<double> want(x.size());
  for (int64_t f = 0; f < ys.NumElements(); ++f) {
    int64_t rem = f, src = 0;
    for (int i = 0; i < ys.rank; ++i) {
      const int64_t idx = rem / ystr[i];
      rem %= ystr[i];
      src += idx * xstr[p[i]];
    }
    want[f] = x[src];
  }
  TransposeAttrs attrs;
  attrs.perm = perm;
  std::string what = "transpose " + xs.ToString() + " perm";
  for (int32_t v : p) what += " " + std::to_string(v);
  kernel_test::CheckKernel(kernel_test::MakeNode(OpType::kTranspose, attrs),
                           {kernel_test::Tensor(xs, x)}, {{ys}}, {want}, 0.0, what);
}

TEST(Transpose, AllPermsRank3And4) {
  uint32_t seed = 1;
  for (int rank : {3, 4}) {
    std::vector<int32_t> perm(rank);
    std::iota(perm.begin(), perm.end(), 0);
    const Shape xs = rank == 3 ? Shape{3, 4, 5} : Shape{2, 3, 4, 5};
    do {
      RunCase(xs, perm, seed++);
    } while (std::next_permutation(perm.begin(), perm.end()));
  }
}

TEST(Transpose, SizeOneDimsAndDefaultPerm) {
  RunCase({1, 3, 1, 5}, {2, 3, 0, 1}, 100);
  RunCase({4, 1, 6}, {2, 1, 0}, 101);
  RunCase({2, 3, 4}, {}, 102);
  RunCase({7}, {0}, 103);
  RunCase({1, 1}, {1, 0}, 104);
}

TEST(Transpose, Rank6) {
  RunCase({2, 1, 3, 2, 2, 3}, {5, 3, 0, 4, 2, 1}, 105);
  RunCase({2, 3, 2, 2, 3, 2}, {0, 1, 2, 3, 5, 4}, 106);
}

TEST(Transpose, LargeLayoutChanges) {
  RunCase({1, 64, 56, 56}, {0, 2, 3, 1}, 107);  // NCHW -> NHWC
  RunCase({1, 56, 56, 64}, {0, 3, 1, 2}, 108);  // NHWC -> NCHW
  RunCase({333, 77}, {1, 0}, 109);              // tiles with ragged edges
}

}  // namespace
}  // namespace seam
