// MatMul: numpy matmul with broadcast batch dims on either side and differing
// ranks, against double precision; 1-D operands are Unsupported.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

using kernel_test::Random;
using kernel_test::Tensor;

// Output shape and reference by explicit numpy broadcasting.
void RunCase(const Shape& as, const Shape& bs, uint32_t seed) {
  std::mt19937 rng(seed);
  const int r = std::max(as.rank, bs.rank);
  Shape ys;
  ys.rank = r;
  for (int i = 0; i < r - 2; ++i) {
    const int ai = i - (r - as.rank), bi = i - (r - bs.rank);
    const int64_t ad = ai >= 0 ? as[ai] : 1, bd = bi >= 0 ? bs[bi] : 1;
    ASSERT_TRUE(ad == bd || ad == 1 || bd == 1);
    ys[i] = std::max(ad, bd);
  }
  const int64_t M = as[as.rank - 2], K = as[as.rank - 1], N = bs[bs.rank - 1];
  ys[r - 2] = M;
  ys[r - 1] = N;
  std::vector<float> a = Random(&rng, as.NumElements());
  std::vector<float> b = Random(&rng, bs.NumElements());
  std::vector<double> want(static_cast<size_t>(ys.NumElements()));
  const std::vector<int64_t> a_str = kernel_test::Strides(as), b_str = kernel_test::Strides(bs);
  int64_t batches = ys.NumElements() / (M * N);
  for (int64_t bi = 0; bi < batches; ++bi) {
    int64_t rem = bi, a_off = 0, b_off = 0;
    for (int i = r - 3; i >= 0; --i) {
      const int64_t idx = rem % ys[i];
      rem /= ys[i];
      const int ai = i - (r - as.rank), bj = i - (r - bs.rank);
      if (ai >= 0 && as[ai] != 1) a_off += idx * a_str[ai];
      if (bj >= 0 && bs[bj] != 1) b_off += idx * b_str[bj];
    }
    for (int64_t m = 0; m < M; ++m) {
      for (int64_t n = 0; n < N; ++n) {
        double acc = 0;
        for (int64_t k = 0; k < K; ++k) {
          acc += static_cast<double>(a[a_off + m * K + k]) * b[b_off + k * N + n];
        }
        want[(bi * M + m) * N + n] = acc;
      }
    }
  }
  kernel_test::CheckKernel(kernel_test::MakeNode(OpType::kMatMul), {Tensor(as, a), Tensor(bs, b)},
                           {{ys}}, {want}, 1e-5, "MatMul " + as.ToString() + " x " + bs.ToString());
}

TEST(MatMul, Plain2D) {
  RunCase({1, 1}, {1, 1}, 1);
  RunCase({7, 13}, {13, 5}, 2);
  RunCase({64, 300}, {300, 90}, 3);
}

TEST(MatMul, SameBatch) {
  RunCase({3, 4, 5}, {3, 5, 6}, 4);
  RunCase({2, 3, 4, 5}, {2, 3, 5, 2}, 5);
}

TEST(MatMul, BroadcastB) {
  RunCase({4, 6, 7}, {7, 3}, 6);           // rank mismatch, folded into one GEMM
  RunCase({2, 3, 6, 7}, {1, 1, 7, 3}, 7);  // explicit ones
  RunCase({2, 3, 6, 7}, {3, 7, 3}, 8);     // B broadcast over the first dim only
}

TEST(MatMul, BroadcastA) {
  RunCase({6, 7}, {4, 7, 3}, 9);
  RunCase({1, 3, 6, 7}, {2, 1, 7, 3}, 10);  // both sides broadcast
}

TEST(MatMul, ManySmallProductsAndLargeOne) {
  RunCase({64, 4, 8}, {64, 8, 4}, 11);
  RunCase({2, 100, 200}, {2, 200, 120}, 12);
}

TEST(MatMul, OneDimensionalIsUnsupported) {
  Node node = kernel_test::MakeNode(OpType::kMatMul);
  auto run = kernel_test::RunKernel(
      node, {Tensor(Shape{3}, {1, 2, 3}), Tensor(Shape{3, 2}, {1, 2, 3, 4, 5, 6})}, {{Shape{2}}},
      nullptr);
  EXPECT_EQ(run.status.code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace seam
