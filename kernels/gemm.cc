// SGEMM: Goto-style blocking with a register-tiled micro-kernel in plain C++.
//
// Loop nest per thread: M blocks of kMC rows (the A block stays in L2) ->
// panels of kNR columns -> K blocks of kKC (the packed B panel, kKC x kNR,
// sits in L1 on the stack) -> kMR x kNR register tiles. The C tile of a panel
// stays in L1 across K blocks, so C travels to memory once. The micro-kernel
// is fixed-size loops over a local accumulator array that g++ -O3 fully
// unrolls and vectorises into registers (12 SSE accumulators at 6x8).
#include "kernels/gemm.h"

#include <algorithm>

#include "kernels/kernel_util.h"

namespace seam {
namespace {

constexpr int kMR = 6;
constexpr int kNR = 8;
constexpr int64_t kKC = 256;
constexpr int64_t kMC = 72;
// Below this many flops a thread wake-up costs more than the work it saves.
constexpr double kMinParallelFlops = 1 << 19;

struct GemmArgs {
  int64_t M, N, K;
  const float* A;
  int64_t lda;
  const float* B;
  int64_t ldb;
  float* C;
  int64_t ldc;
  const GemmOptions* opt;
};

// Copies op(B)[k0:k0+kc, j0:j0+nr] into panel[kc][kNR], zero-filling the
// columns past nr so the micro-kernel never needs an edge case for N.
void PackB(const GemmArgs& g, int64_t k0, int64_t kc, int64_t j0, int nr, float* panel) {
  if (!g.opt->trans_b) {
    const float* src = g.B + k0 * g.ldb + j0;
    if (nr == kNR) {
      for (int64_t k = 0; k < kc; ++k) {
        const float* s = src + k * g.ldb;
        float* d = panel + k * kNR;
        for (int j = 0; j < kNR; ++j) d[j] = s[j];
      }
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        const float* s = src + k * g.ldb;
        float* d = panel + k * kNR;
        for (int j = 0; j < nr; ++j) d[j] = s[j];
        for (int j = nr; j < kNR; ++j) d[j] = 0.0f;
      }
    }
  } else {
    // op(B)[k][j] = B[j][k]: read each stored row sequentially.
    const float* src = g.B + j0 * g.ldb + k0;
    for (int j = 0; j < nr; ++j) {
      const float* s = src + j * g.ldb;
      for (int64_t k = 0; k < kc; ++k) panel[k * kNR + j] = s[k];
    }
    for (int j = nr; j < kNR; ++j) {
      for (int64_t k = 0; k < kc; ++k) panel[k * kNR + j] = 0.0f;
    }
  }
}

// C[0:MR, 0:nr] (+)= A[0:MR, 0:kc] * panel. MR is a template parameter so
// every row count gets a fully unrolled register tile.
template <int MR>
void MicroTile(int64_t kc, const float* a, int64_t lda, const float* panel, float* c, int64_t ldc,
               int nr, bool add_c) {
  float acc[MR][kNR];
  for (int i = 0; i < MR; ++i) {
    for (int j = 0; j < kNR; ++j) acc[i][j] = 0.0f;
  }
  for (int64_t k = 0; k < kc; ++k) {
    const float* b = panel + k * kNR;
    for (int i = 0; i < MR; ++i) {
      const float av = a[i * lda + k];
      for (int j = 0; j < kNR; ++j) acc[i][j] += av * b[j];
    }
  }
  if (nr == kNR) {
    for (int i = 0; i < MR; ++i) {
      float* ci = c + i * ldc;
      if (add_c) {
        for (int j = 0; j < kNR; ++j) ci[j] += acc[i][j];
      } else {
        for (int j = 0; j < kNR; ++j) ci[j] = acc[i][j];
      }
    }
  } else {
    for (int i = 0; i < MR; ++i) {
      float* ci = c + i * ldc;
      for (int j = 0; j < nr; ++j) ci[j] = add_c ? ci[j] + acc[i][j] : acc[i][j];
    }
  }
}

void Tile(int mr, int64_t kc, const float* a, int64_t lda, const float* panel, float* c,
          int64_t ldc, int nr, bool add_c) {
  switch (mr) {
    case 6:
      MicroTile<6>(kc, a, lda, panel, c, ldc, nr, add_c);
      break;
    case 5:
      MicroTile<5>(kc, a, lda, panel, c, ldc, nr, add_c);
      break;
    case 4:
      MicroTile<4>(kc, a, lda, panel, c, ldc, nr, add_c);
      break;
    case 3:
      MicroTile<3>(kc, a, lda, panel, c, ldc, nr, add_c);
      break;
    case 2:
      MicroTile<2>(kc, a, lda, panel, c, ldc, nr, add_c);
      break;
    case 1:
      MicroTile<1>(kc, a, lda, panel, c, ldc, nr, add_c);
      break;
    default:
      break;
  }
  static_assert(kMR == 6, "Tile() dispatches on row counts 1..6");
}

bool HasEpilogue(const GemmOptions& opt) {
  return opt.row_bias != nullptr || opt.col_bias != nullptr ||
         opt.activation.kind != ActivationKind::kNone;
}

// Bias and activation on a finished block of C, applied while it is in L1.
void Epilogue(const GemmArgs& g, int64_t i0, int64_t mr, int64_t j0, int64_t nr) {
  const GemmOptions& opt = *g.opt;
  for (int64_t i = i0; i < i0 + mr; ++i) {
    float* c = g.C + i * g.ldc + j0;
    if (opt.row_bias != nullptr) {
      const float rb = opt.row_bias[i];
      for (int64_t j = 0; j < nr; ++j) c[j] += rb;
    }
    if (opt.col_bias != nullptr) {
      const float* cb = opt.col_bias + j0;
      for (int64_t j = 0; j < nr; ++j) c[j] += cb[j];
    }
    kernel_util::ActivationRow(opt.activation, c, c, nr);
  }
}

// A single row times a transposed B (FullyConnected and LSTM steps at batch
// 1): dot products of contiguous rows, four outputs at a time. Packing would
// cost as much as the arithmetic here, and the lane-wise partial sums
// vectorise without reassociating the float adds.
void RowTimesTransposedB(const GemmArgs& g, int64_t n0, int64_t n1) {
  constexpr int kRows = 4;
  constexpr int kLanes = 8;
  const float* a = g.A;
  const int64_t K = g.K;
  float* c = g.C;
  const bool add_c = g.opt->accumulate;
  int64_t j = n0;
  for (; j + kRows <= n1; j += kRows) {
    float acc[kRows][kLanes] = {};
    const float* b = g.B + j * g.ldb;
    int64_t k = 0;
    for (; k + kLanes <= K; k += kLanes) {
      for (int r = 0; r < kRows; ++r) {
        for (int l = 0; l < kLanes; ++l) acc[r][l] += a[k + l] * b[r * g.ldb + k + l];
      }
    }
    for (int r = 0; r < kRows; ++r) {
      float sum = ((acc[r][0] + acc[r][4]) + (acc[r][1] + acc[r][5])) +
                  ((acc[r][2] + acc[r][6]) + (acc[r][3] + acc[r][7]));
      for (int64_t kk = k; kk < K; ++kk) sum += a[kk] * b[r * g.ldb + kk];
      c[j + r] = add_c ? c[j + r] + sum : sum;
    }
  }
  for (; j < n1; ++j) {
    float acc[kLanes] = {};
    const float* b = g.B + j * g.ldb;
    int64_t k = 0;
    for (; k + kLanes <= K; k += kLanes) {
      for (int l = 0; l < kLanes; ++l) acc[l] += a[k + l] * b[k + l];
    }
    float sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; k < K; ++k) sum += a[k] * b[k];
    c[j] = add_c ? c[j] + sum : sum;
  }
  if (HasEpilogue(*g.opt)) Epilogue(g, 0, 1, n0, n1 - n0);
}

// A single row times a plain B: C += a[k] * B[k, :] row by row streams B once
// in order; columns are blocked so the C segment stays in L1.
void RowTimesB(const GemmArgs& g, int64_t n0, int64_t n1) {
  constexpr int64_t kBlock = 2048;
  float* c = g.C;
  for (int64_t j0 = n0; j0 < n1; j0 += kBlock) {
    const int64_t j1 = std::min(n1, j0 + kBlock);
    if (!g.opt->accumulate) std::fill(c + j0, c + j1, 0.0f);
    for (int64_t k = 0; k < g.K; ++k) {
      const float av = g.A[k];
      const float* b = g.B + k * g.ldb;
      for (int64_t j = j0; j < j1; ++j) c[j] += av * b[j];
    }
  }
  if (HasEpilogue(*g.opt)) Epilogue(g, 0, 1, n0, n1 - n0);
}

void GemmRange(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (g.M == 1) {
    if (g.opt->trans_b) {
      RowTimesTransposedB(g, n0, n1);
    } else {
      RowTimesB(g, n0, n1);
    }
    return;
  }
  alignas(64) float panel[kKC * kNR];
  const bool epilogue = HasEpilogue(*g.opt);
  for (int64_t i0 = m0; i0 < m1; i0 += kMC) {
    const int64_t mc = std::min(kMC, m1 - i0);
    for (int64_t j0 = n0; j0 < n1; j0 += kNR) {
      const int nr = static_cast<int>(std::min<int64_t>(kNR, n1 - j0));
      for (int64_t k0 = 0; k0 < g.K; k0 += kKC) {
        const int64_t kc = std::min(kKC, g.K - k0);
        PackB(g, k0, kc, j0, nr, panel);
        const bool add_c = k0 > 0 || g.opt->accumulate;
        for (int64_t ir = 0; ir < mc; ir += kMR) {
          const int mr = static_cast<int>(std::min<int64_t>(kMR, mc - ir));
          Tile(mr, kc, g.A + (i0 + ir) * g.lda + k0, g.lda, panel, g.C + (i0 + ir) * g.ldc + j0,
               g.ldc, nr, add_c);
        }
      }
      if (epilogue) Epilogue(g, i0, mc, j0, nr);
    }
  }
}

}  // namespace

void Sgemm(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
           int64_t ldb, float* C, int64_t ldc, const GemmOptions& options, ThreadPool* pool) {
  if (M <= 0 || N <= 0) return;
  const GemmArgs g{M, N, K, A, lda, B, ldb, C, ldc, &options};
  if (K <= 0) {
    // An empty sum: C is just the bias (plus C when accumulating).
    if (!options.accumulate) {
      for (int64_t i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, 0.0f);
    }
    Epilogue(g, 0, M, 0, N);
    return;
  }

  int threads = pool != nullptr ? pool->num_threads() : 1;
  if (2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K) <
      kMinParallelFlops) {
    threads = 1;
  }
  // Split whichever dimension has more register tiles, so each thread gets
  // whole tiles and shares the other operand read-only.
  const int64_t m_tiles = (M + kMR - 1) / kMR;
  const int64_t n_tiles = (N + kNR - 1) / kNR;
  const bool split_n = n_tiles >= m_tiles;
  const int64_t tiles = split_n ? n_tiles : m_tiles;
  if (threads <= 1 || tiles < 2) {
    GemmRange(g, 0, M, 0, N);
    return;
  }
  const int64_t grain = (tiles + threads - 1) / threads;
  ParallelFor(pool, tiles, grain, [&](int64_t begin, int64_t end) {
    if (split_n) {
      GemmRange(g, 0, M, begin * kNR, std::min(N, end * kNR));
    } else {
      GemmRange(g, begin * kMR, std::min(M, end * kMR), 0, N);
    }
  });
}

}  // namespace seam
