// ThreadPool: a fixed set of worker threads for intra-op parallelism.
//
// ParallelFor splits [0, n) into contiguous chunks, runs them on the workers
// and the calling thread, and returns when all are done. It never allocates,
// so kernels can use it during inference. One ParallelFor at a time per pool.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace seam {

class ThreadPool {
 public:
  // `num_threads` counts the calling thread: 1 means no workers.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Calls fn(begin, end) over disjoint ranges covering [0, n). `grain` is the
  // smallest range worth giving a thread.
  template <typename Fn>
  void ParallelFor(int64_t n, int64_t grain, const Fn& fn) {
    RunChunks(n, grain, &Trampoline<Fn>, &fn);
  }

 private:
  using ChunkFn = void (*)(const void* ctx, int64_t begin, int64_t end);
  template <typename Fn>
  static void Trampoline(const void* ctx, int64_t begin, int64_t end) {
    (*static_cast<const Fn*>(ctx))(begin, end);
  }
  void RunChunks(int64_t n, int64_t grain, ChunkFn fn, const void* ctx);
  void WorkerLoop(int worker_index);
  void RunMyChunks(int64_t participant);

  int num_threads_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable work_done_;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stopping_ = false;
  // Current job.
  ChunkFn fn_ = nullptr;
  const void* ctx_ = nullptr;
  int64_t n_ = 0;
  int64_t chunks_ = 0;
};

// Convenience for kernels: runs on `pool` when given, inline otherwise.
template <typename Fn>
void ParallelFor(ThreadPool* pool, int64_t n, int64_t grain, const Fn& fn) {
  if (pool == nullptr || pool->num_threads() <= 1 || n <= grain) {
    if (n > 0) fn(int64_t{0}, n);
    return;
  }
  pool->ParallelFor(n, grain, fn);
}

}  // namespace seam
