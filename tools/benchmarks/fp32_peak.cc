// seam_fp32_peak_benchmark: the machine's measured fp32 FMA peak (GFLOP/s).
//
// The backend figures in docs/benchmarks.md quote achieved GFLOP/s against
// the machine's peak. Cloud VMs hide their clock and FMA width, so the peak
// is measured rather than computed from a datasheet: each thread runs
// independent chains of fused multiply-adds (enough chains to cover FMA
// latency) with the widest vectors the CPU has (AVX-512, else AVX2+FMA),
// and the best of several trials counts 2 flops per lane per FMA.
//
//   seam_fp32_peak_benchmark [--threads N] [--trials N]
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr long kIterations = 20'000'000;
constexpr int kChains = 12;  // covers 4-cycle latency x 2-3 FMA pipes

// Both kernels return a value derived from every accumulator, so the
// compiler cannot drop the loop.
__attribute__((target("avx512f"))) float FmaLoopAvx512(long iterations) {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(1.0f + c * 1e-3f);
  const __m512 a = _mm512_set1_ps(0.999999f);
  const __m512 b = _mm512_set1_ps(1e-7f);
  for (long i = 0; i < iterations; ++i) {
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
  }
  __m512 sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = _mm512_add_ps(sum, acc[c]);
  return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx2,fma"))) float FmaLoopAvx2(long iterations) {
  __m256 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(1.0f + c * 1e-3f);
  const __m256 a = _mm256_set1_ps(0.999999f);
  const __m256 b = _mm256_set1_ps(1e-7f);
  for (long i = 0; i < iterations; ++i) {
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], a, b);
  }
  float lanes[8];
  __m256 sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = _mm256_add_ps(sum, acc[c]);
  _mm256_storeu_ps(lanes, sum);
  float total = 0;
  for (float v : lanes) total += v;
  return total;
}

int ParsePositive(const char* flag, const char* text) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 1 || value > 1024) {
    std::fprintf(stderr, "seam_fp32_peak_benchmark: %s wants a positive integer, got '%s'\n", flag,
                 text);
    std::exit(2);
  }
  return static_cast<int>(value);
}

}  // namespace

int main(int argc, char** argv) {
  int max_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int trials = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::printf(
          "usage: seam_fp32_peak_benchmark [--threads N] [--trials N]\n"
          "Measures the fp32 FMA peak (GFLOP/s) at 1..N threads with the widest vector ISA\n"
          "present (AVX-512, else AVX2+FMA); prints the best of --trials runs.\n");
      return 0;
    }
    if ((arg == "--threads" || arg == "--trials") && i + 1 < argc) {
      (arg == "--threads" ? max_threads : trials) = ParsePositive(arg.c_str(), argv[++i]);
      continue;
    }
    std::fprintf(stderr, "seam_fp32_peak_benchmark: unknown argument '%s' (try --help)\n",
                 arg.c_str());
    return 2;
  }
  const bool avx512 = __builtin_cpu_supports("avx512f");
  if (!avx512 && !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) {
    std::fprintf(stderr, "seam_fp32_peak_benchmark: this CPU has neither AVX-512 nor AVX2+FMA\n");
    return 1;
  }
  const int lanes = avx512 ? 16 : 8;
  std::printf("isa: %s (%d fp32 lanes), %d chains, %ld iterations per thread\n",
              avx512 ? "avx512f" : "avx2+fma", lanes, kChains, kIterations);
  for (int threads = 1; threads <= max_threads; ++threads) {
    double best_gflops = 0;
    for (int t = 0; t < trials; ++t) {
      std::vector<std::thread> workers;
      std::vector<float> sinks(threads);
      const auto start = Clock::now();
      for (int w = 0; w < threads; ++w) {
        workers.emplace_back(
            [&, w] { sinks[w] = avx512 ? FmaLoopAvx512(kIterations) : FmaLoopAvx2(kIterations); });
      }
      for (auto& worker : workers) worker.join();
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      const double flops = 2.0 * lanes * kChains * static_cast<double>(kIterations) * threads;
      best_gflops = std::max(best_gflops, flops / seconds / 1e9);
      if (sinks[0] == 12345.0f) std::printf(" ");  // keeps the results observable
    }
    std::printf("threads %d: %.1f GFLOP/s fp32 peak (best of %d)\n", threads, best_gflops, trials);
  }
  return 0;
}
