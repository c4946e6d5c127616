// Add and Mul with numpy broadcasting against an index-by-index reference:
// equal shapes, [C,1,1] biases, scalars, rank mismatch, broadcast on either side.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

Shape BroadcastShape(const Shape& a, const Shape& b) {
  Shape y;
  y.rank = std::max(a.rank, b.rank);
  for (int i = 0; i < y.rank; ++i) {
    const int ai = i - (y.rank - a.rank), bi = i - (y.rank - b.rank);
    const int64_t ad = ai >= 0 ? a[ai] : 1, bd = bi >= 0 ? b[bi] : 1;
    y[i] = ad == 1 ? bd : ad;
  }
  return y;
}

// Flat index into `s` of output multi-index `idx` (of rank y_rank).
int64_t SourceIndex(const Shape& s, const int64_t* idx, int y_rank) {
  int64_t off = 0;
  for (int i = 0; i < s.rank; ++i) {
    const int64_t k = s[i] == 1 ? 0 : idx[i + (y_rank - s.rank)];
    off = off * s[i] + k;
  }
  return off;
}

void RunCase(const Shape& as, const Shape& bs, uint32_t seed) {
  std::mt19937 rng(seed);
  const Shape ys = BroadcastShape(as, bs);
  std::vector<float> a = kernel_test::Random(&rng, as.NumElements(), -4.0f, 4.0f);
  std::vector<float> b = kernel_test::Random(&rng, bs.NumElements(), -4.0f, 4.0f);
  std::vector<double> sum(static_cast<size_t>(ys.NumElements()));
  std::vector<double> prod(sum.size());
  for (int64_t f = 0; f < ys.NumElements(); ++f) {
    int64_t idx[kMaxRank] = {};
    int64_t rem = f;
    for (int i = ys.rank - 1; i >= 0; --i) {
      idx[i] = rem % ys[i];
      rem /= ys[i];
    }
    const double av = a[SourceIndex(as, idx, ys.rank)];
    const double bv = b[SourceIndex(bs, idx, ys.rank)];
    // The reference rounds to float as the kernel does: results must be exact.
    sum[f] = static_cast<float>(av + bv);
    prod[f] = static_cast<float>(av * bv);
  }
  const std::string what = as.ToString() + " op " + bs.ToString();
  std::vector<kernel_test::TestTensor> in = {kernel_test::Tensor(as, a),
                                             kernel_test::Tensor(bs, b)};
  kernel_test::CheckKernel(kernel_test::MakeNode(OpType::kAdd), in, {{ys}}, {sum}, 0.0,
                           "Add " + what);
  kernel_test::CheckKernel(kernel_test::MakeNode(OpType::kMul), in, {{ys}}, {prod}, 0.0,
                           "Mul " + what);
}

TEST(BinaryElementwise, SameShape) {
  RunCase({7}, {7}, 1);
  RunCase({2, 3, 4, 5}, {2, 3, 4, 5}, 2);
  RunCase({1, 64, 56, 56}, {1, 64, 56, 56}, 3);
}

TEST(BinaryElementwise, ChannelBias) {
  RunCase({2, 5, 6, 7}, {5, 1, 1}, 4);
  RunCase({5, 1, 1}, {2, 5, 6, 7}, 5);  // broadcast operand first
  RunCase({2, 5, 6, 7}, {1, 5, 1, 1}, 6);
  RunCase({1, 64, 56, 56}, {64, 1, 1}, 7);
}

TEST(BinaryElementwise, Scalars) {
  RunCase({2, 3, 4}, {1}, 8);
  RunCase({1}, {2, 3, 4}, 9);
  RunCase({2, 3, 4}, Shape{}, 10);  // rank 0
  RunCase({1, 1}, {1}, 11);
  RunCase(Shape{}, Shape{}, 12);
}

TEST(BinaryElementwise, RankMismatchAndMixedBroadcast) {
  RunCase({4, 5}, {3, 4, 5}, 13);
  RunCase({3, 1, 5}, {4, 1}, 14);        // both operands broadcast
  RunCase({2, 1, 4, 1}, {3, 1, 6}, 15);  // alternating patterns
  RunCase({6, 1}, {1, 6}, 16);           // outer product
  RunCase({2, 3, 4, 5, 6}, {3, 1, 5, 1}, 17);
  RunCase({1, 2, 1, 3, 1, 2}, {2, 2, 1, 3, 2}, 18);  // rank 6
}

TEST(BinaryElementwise, RandomBroadcasts) {
  std::mt19937 rng(123);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int i = 0; i < 40; ++i) {
    const int rank = pick(1, 5);
    Shape full;
    full.rank = rank;
    for (int d = 0; d < rank; ++d) full[d] = pick(1, 6);
    Shape a = full, b = full;
    for (int d = 0; d < rank; ++d) {
      if (pick(0, 2) == 0)
        a[d] = 1;
      else if (pick(0, 2) == 0)
        b[d] = 1;
    }
    // Drop some leading dims of b to make ranks differ.
    const int drop = pick(0, rank - 1);
    Shape bt;
    bt.rank = rank - drop;
    for (int d = 0; d < bt.rank; ++d) bt[d] = b[d + drop];
    RunCase(a, bt, 500 + i);
  }
}

}  // namespace
}  // namespace seam
