// SGEMM shared by Conv2D, FullyConnected, MatMul and LSTM: portable C++ that
// g++ -O3 vectorises for the baseline ISA, cache-blocked and threaded.
#pragma once

#include <cstdint>

#include "seam/ops.h"
#include "seam/thread_pool.h"

namespace seam {

struct GemmOptions {
  // false: B is [K,N] with row stride ldb. true: B is stored as [N,K] (row
  // stride ldb) and used transposed, as FullyConnected and LSTM weights are.
  bool trans_b = false;
  // Add the product to the existing contents of C instead of overwriting it.
  bool accumulate = false;
  const float* row_bias = nullptr;  // [M], added to every column of row i
  const float* col_bias = nullptr;  // [N], added to every row
  FusedActivation activation;       // applied last, to the finished values
};

// C[M,N] = activation(A[M,K] * op(B) + row_bias + col_bias (+ C)).
// Row-major with leading dimensions lda, ldb, ldc. Never allocates; uses
// `pool` (may be null) when the product is large enough to be worth it.
// C must not overlap A or B.
void Sgemm(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
           int64_t ldb, float* C, int64_t ldc, const GemmOptions& options, ThreadPool* pool);

}  // namespace seam
