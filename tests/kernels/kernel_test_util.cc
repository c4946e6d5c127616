// Test harness for the reference kernels, including a counting replacement of
// the global operator new so every test proves its kernel never allocates.
#include "tests/kernels/kernel_test_util.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>

namespace {

std::atomic<int64_t> g_heap_allocations{0};

}  // namespace

// Replacing the plain forms is enough: the array and nothrow forms forward
// to them in libstdc++.
void* operator new(std::size_t size) {
  g_heap_allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  if (void* p = std::malloc(size)) return p;
  throw std::bad_alloc();
}
// GCC cannot see that operator new above is malloc, so it flags free() here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace seam {
namespace kernel_test {

int64_t HeapAllocations() { return g_heap_allocations.load(std::memory_order_relaxed); }

ThreadPool* TwoThreads() {
  static ThreadPool* pool = new ThreadPool(2);
  return pool;
}

std::vector<float> Random(std::mt19937* rng, int64_t n, float lo, float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(*rng);
  return v;
}

std::vector<FusedActivation> AllActivations() {
  return {
      {ActivationKind::kNone, 0.0f, 0.0f},      {ActivationKind::kRelu, 0.0f, 0.0f},
      {ActivationKind::kClip, -0.5f, 0.75f},    {ActivationKind::kLeakyRelu, 0.1f, 0.0f},
      {ActivationKind::kSigmoid, 0.0f, 0.0f},   {ActivationKind::kTanh, 0.0f, 0.0f},
      {ActivationKind::kHardSwish, 0.0f, 0.0f},
  };
}

std::vector<int64_t> Strides(const Shape& shape) {
  std::vector<int64_t> s(static_cast<size_t>(shape.rank), 1);
  for (int i = shape.rank - 2; i >= 0; --i) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

KernelRun RunKernel(const Node& node, const std::vector<TestTensor>& inputs,
                    const std::vector<OutputSpec>& outputs, ThreadPool* pool) {
  KernelRun run;
  const ReferenceKernel* kernel = GetReferenceKernel(node.op);
  if (kernel == nullptr || kernel->run == nullptr) {
    ADD_FAILURE() << "no reference kernel for " << OpTypeName(node.op);
    run.status = Internal("no kernel");
    return run;
  }
  std::vector<InputTensor> in(inputs.size());
  std::vector<Shape> in_shapes(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    in[i].shape = inputs[i].shape;
    in[i].data = inputs[i].present ? inputs[i].data.data() : nullptr;
    in_shapes[i] = inputs[i].shape;
    if (inputs[i].present) {
      EXPECT_EQ(static_cast<int64_t>(inputs[i].data.size()), inputs[i].shape.NumElements())
          << "test bug: input " << i << " data size";
    }
  }
  run.outputs.resize(outputs.size());
  std::vector<OutputTensor> out(outputs.size());
  std::vector<Shape> out_shapes(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    out[i].shape = outputs[i].shape;
    out_shapes[i] = outputs[i].shape;
    if (outputs[i].present) {
      run.outputs[i].assign(static_cast<size_t>(outputs[i].shape.NumElements()),
                            std::numeric_limits<float>::quiet_NaN());
      out[i].data = run.outputs[i].data();
    }
  }
  size_t scratch_bytes = 0;
  if (kernel->scratch_bytes != nullptr) {
    scratch_bytes = kernel->scratch_bytes(node, in_shapes.data(), static_cast<int>(in.size()),
                                          out_shapes.data(), static_cast<int>(out.size()));
  }
  run.scratch_bytes = scratch_bytes;
  // Round up so the aligned allocation size is a multiple of the alignment;
  // fill with NaN so a kernel reading scratch it never wrote is caught.
  const size_t alloc = (scratch_bytes + 63) / 64 * 64;
  float* scratch = nullptr;
  if (alloc > 0) {
    scratch = static_cast<float*>(std::aligned_alloc(64, alloc));
    for (size_t i = 0; i < alloc / sizeof(float); ++i) {
      scratch[i] = std::numeric_limits<float>::quiet_NaN();
    }
  }
  KernelContext ctx;
  ctx.node = &node;
  ctx.inputs = in.data();
  ctx.num_inputs = static_cast<int>(in.size());
  ctx.outputs = out.data();
  ctx.num_outputs = static_cast<int>(out.size());
  ctx.pool = pool;
  ctx.scratch = scratch;
  ctx.scratch_bytes = scratch_bytes;

  const int64_t before = HeapAllocations();
  run.status = kernel->run(ctx);
  const int64_t allocations = HeapAllocations() - before;
  if (run.status.ok()) {
    EXPECT_EQ(allocations, 0) << OpTypeName(node.op) << " kernel allocated heap memory";
  }
  std::free(scratch);
  return run;
}

void ExpectClose(const std::vector<float>& got, const std::vector<double>& want, double tol,
                 const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double scale = 1.0;
  for (double w : want) scale = std::max(scale, std::fabs(w));
  const double limit = tol * scale;
  double max_err = 0.0;
  size_t first_bad = 0;
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::fabs(static_cast<double>(got[i]) - want[i]);
    const bool ok = std::isnan(want[i]) ? std::isnan(got[i]) : err <= limit;
    if (!ok && bad++ == 0) first_bad = i;
    if (!std::isnan(err)) max_err = std::max(max_err, err);
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << got.size()
                    << " elements off; first at index " << first_bad << " got " << got[first_bad]
                    << " want " << want[first_bad] << " (limit " << limit << ", max finite error "
                    << max_err << ")";
}

void CheckKernel(const Node& node, const std::vector<TestTensor>& inputs,
                 const std::vector<OutputSpec>& outputs,
                 const std::vector<std::vector<double>>& want, double tol,
                 const std::string& what) {
  ASSERT_EQ(want.size(), outputs.size()) << what;
  for (int threads : {1, 2}) {
    ThreadPool* pool = threads == 1 ? nullptr : TwoThreads();
    KernelRun run = RunKernel(node, inputs, outputs, pool);
    ASSERT_TRUE(run.status.ok()) << what << ": " << run.status.ToString();
    for (size_t i = 0; i < outputs.size(); ++i) {
      if (!outputs[i].present) continue;
      ExpectClose(run.outputs[i], want[i], tol,
                  what + " output " + std::to_string(i) + " threads=" + std::to_string(threads));
    }
  }
}

}  // namespace kernel_test
}  // namespace seam
