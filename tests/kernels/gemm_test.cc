// Sgemm (kernels/gemm.h) against a double-precision triple loop: edge tiles,
// K blocking, transposed B, accumulation, both biases, activations, threads.
#include "kernels/gemm.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

using kernel_test::ExpectClose;
using kernel_test::Random;

struct GemmCase {
  GemmCase(int64_t m, int64_t n, int64_t k) : M(m), N(n), K(k) {}
  int64_t M, N, K;
  bool trans_b = false;
  bool accumulate = false;
  bool row_bias = false;
  bool col_bias = false;
  FusedActivation act;
  int64_t pad = 0;  // extra columns in every leading dimension
};

void RunCase(const GemmCase& c, uint32_t seed) {
  std::mt19937 rng(seed);
  const int64_t lda = c.K + c.pad;
  const int64_t ldb = (c.trans_b ? c.K : c.N) + c.pad;
  const int64_t ldc = c.N + c.pad;
  std::vector<float> A = Random(&rng, c.M * lda);
  std::vector<float> B = Random(&rng, (c.trans_b ? c.N : c.K) * ldb);
  std::vector<float> C0 = Random(&rng, c.M * ldc);
  std::vector<float> rb = Random(&rng, c.M);
  std::vector<float> cb = Random(&rng, c.N);
  std::vector<double> want(static_cast<size_t>(c.M * ldc));
  for (int64_t i = 0; i < c.M; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      if (j >= c.N) {
        want[i * ldc + j] = C0[i * ldc + j];  // padding columns must be untouched
        continue;
      }
      double acc = c.accumulate ? C0[i * ldc + j] : 0.0;
      for (int64_t k = 0; k < c.K; ++k) {
        const double b = c.trans_b ? B[j * ldb + k] : B[k * ldb + j];
        acc += static_cast<double>(A[i * lda + k]) * b;
      }
      if (c.row_bias) acc += rb[i];
      if (c.col_bias) acc += cb[j];
      want[i * ldc + j] = kernel_test::RefActivation(c.act, acc);
    }
  }
  GemmOptions opt;
  opt.trans_b = c.trans_b;
  opt.accumulate = c.accumulate;
  opt.row_bias = c.row_bias ? rb.data() : nullptr;
  opt.col_bias = c.col_bias ? cb.data() : nullptr;
  opt.activation = c.act;
  const std::string what = "M=" + std::to_string(c.M) + " N=" + std::to_string(c.N) +
                           " K=" + std::to_string(c.K) + (c.trans_b ? " transB" : "") +
                           (c.accumulate ? " acc" : "");
  for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), kernel_test::TwoThreads()}) {
    std::vector<float> C = C0;
    const int64_t before = kernel_test::HeapAllocations();
    Sgemm(c.M, c.N, c.K, A.data(), lda, B.data(), ldb, C.data(), ldc, opt, pool);
    EXPECT_EQ(kernel_test::HeapAllocations(), before) << what << ": Sgemm allocated";
    ExpectClose(C, want, 1e-5, what + (pool ? " threads=2" : " threads=1"));
  }
}

TEST(Sgemm, EdgeTilesAllSizes) {
  uint32_t seed = 1;
  for (int64_t m : {1, 2, 5, 6, 7, 13}) {
    for (int64_t n : {1, 3, 8, 9, 17}) {
      for (int64_t k : {1, 4, 31}) {
        RunCase(GemmCase(m, n, k), seed++);
        GemmCase t{m, n, k};
        t.trans_b = true;
        RunCase(t, seed++);
      }
    }
  }
}

TEST(Sgemm, KBlockingAndMBlocking) {
  RunCase(GemmCase(150, 70, 600), 7);  // several K blocks, three M blocks
  GemmCase t(75, 33, 520);
  t.trans_b = true;
  RunCase(t, 8);
}

TEST(Sgemm, ThreadSplitOnEitherDimension) {
  RunCase(GemmCase(8, 500, 300), 9);    // split over N
  RunCase(GemmCase(400, 12, 300), 10);  // split over M
  GemmCase t(1, 1000, 512);             // a matrix-vector product, FullyConnected batch 1
  t.trans_b = true;
  RunCase(t, 11);
  RunCase(GemmCase(1, 3000, 200), 12);  // a row vector times a matrix
}

TEST(Sgemm, AccumulateBiasesActivationAndStrides) {
  uint32_t seed = 20;
  for (const FusedActivation& act : kernel_test::AllActivations()) {
    for (bool trans : {false, true}) {
      for (int64_t m : {1, 19}) {
        GemmCase c(m, 23, 300);
        c.trans_b = trans;
        c.accumulate = true;
        c.row_bias = true;
        c.col_bias = true;
        c.act = act;
        c.pad = 3;
        RunCase(c, seed++);
      }
    }
  }
}

TEST(Sgemm, EmptyK) {
  GemmCase c(4, 5, 0);
  c.row_bias = true;
  RunCase(c, 30);
  c.accumulate = true;
  c.col_bias = true;
  RunCase(c, 31);
}

}  // namespace
}  // namespace seam
