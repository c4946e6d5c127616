// Layouts for the XNNPACK backend: padded buffers, the NCHW <-> NHWC
// transposes done at segment boundaries, weight re-layout (OIHW -> OHWI and
// depthwise, FC column permutation, BatchNorm scale and shift) and the weight
// cache.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>

#include "backends/xnnpack/xnnpack_common.h"

namespace seam {
namespace xnnpack {

// --- buffers ---------------------------------------------------------------

std::shared_ptr<FloatBuffer> FloatBuffer::Allocate(size_t floats) {
  const size_t bytes = PaddedBytes(floats);
  void* p = ::operator new(bytes, std::align_val_t(kAlignment), std::nothrow);
  if (p == nullptr) return nullptr;
  // Only the tail needs defined contents (XNNPACK may read it); the caller
  // fills the rest.
  std::memset(static_cast<uint8_t*>(p) + floats * sizeof(float), 0, bytes - floats * sizeof(float));
  std::shared_ptr<FloatBuffer> buffer(new (std::nothrow)
                                          FloatBuffer(static_cast<float*>(p), floats));
  if (!buffer) ::operator delete(p, std::align_val_t(kAlignment));
  return buffer;
}

FloatBuffer::~FloatBuffer() { ::operator delete(data_, std::align_val_t(kAlignment)); }

// --- layouts ---------------------------------------------------------------

TensorLayout DefaultLayout(const Shape& shape) {
  TensorLayout layout;
  if (shape.rank == 4) {
    layout.kind = LayoutKind::kNhwc;
    layout.c = shape[1];
    layout.hw = shape[2] * shape[3];
  }
  return layout;
}

std::vector<size_t> PhysicalDims(const Shape& shape, const TensorLayout& layout) {
  std::vector<size_t> dims(static_cast<size_t>(shape.rank));
  for (int i = 0; i < shape.rank; ++i) dims[i] = static_cast<size_t>(shape[i]);
  if (layout.kind == LayoutKind::kNhwc && shape.rank == 4) {
    dims = {static_cast<size_t>(shape[0]), static_cast<size_t>(shape[2]),
            static_cast<size_t>(shape[3]), static_cast<size_t>(shape[1])};
  }
  // kFlatNhwc keeps the logical dims: [N, C*H*W] and [N, H*W*C] are the same numbers.
  return dims;
}

int PhysicalAxis(int axis, const TensorLayout& layout) {
  if (layout.kind != LayoutKind::kNhwc) return axis;
  static const int kNchwToNhwc[4] = {0, 3, 1, 2};
  return kNchwToNhwc[axis];
}

size_t DimProduct(const std::vector<size_t>& dims, size_t begin, size_t end) {
  size_t n = 1;
  for (size_t i = begin; i < end && i < dims.size(); ++i) n *= dims[i];
  return n;
}

// --- transposes ------------------------------------------------------------

namespace {

constexpr size_t kTile = 32;
// Below this many elements a transpose is cheaper than waking the pool.
constexpr size_t kParallelThreshold = 1 << 15;

struct TransposeArgs {
  const float* src;
  float* dst;
  size_t rows, cols;
};

// One tile of one outer slice: reads rows of src contiguously, writes
// columns of dst; a 32x32 tile of each stays in L1.
void TransposeTile(void* context, size_t o, size_t r0, size_t c0, size_t nr, size_t nc) {
  const auto* a = static_cast<const TransposeArgs*>(context);
  const float* src = a->src + o * a->rows * a->cols;
  float* dst = a->dst + o * a->rows * a->cols;
  for (size_t r = r0; r < r0 + nr; ++r) {
    const float* s = src + r * a->cols;
    for (size_t c = c0; c < c0 + nc; ++c) dst[c * a->rows + r] = s[c];
  }
}

}  // namespace

void TransposeInner(const float* src, float* dst, size_t outer, size_t rows, size_t cols,
                    pthreadpool_t pool) {
  if (outer * rows * cols == 0) return;
  TransposeArgs args{src, dst, rows, cols};
  if (outer * rows * cols < kParallelThreshold) pool = nullptr;
  pthreadpool_parallelize_3d_tile_2d(pool, TransposeTile, &args, outer, rows, cols, kTile, kTile,
                                     0);
}

// --- weights ---------------------------------------------------------------

void OihwToOhwi(const float* w, int64_t O, int64_t I, int64_t KH, int64_t KW, float* out) {
  const int64_t K = KH * KW;
  for (int64_t o = 0; o < O; ++o) {
    const float* src = w + o * I * K;
    float* dst = out + o * K * I;
    for (int64_t i = 0; i < I; ++i) {
      for (int64_t k = 0; k < K; ++k) dst[k * I + i] = src[i * K + k];
    }
  }
}

void OihwToDepthwise(const float* w, int64_t O, int64_t KH, int64_t KW, float* out) {
  const int64_t K = KH * KW;
  for (int64_t o = 0; o < O; ++o) {
    for (int64_t k = 0; k < K; ++k) out[k * O + o] = w[o * K + k];
  }
}

void PermuteColumnsToChannelLast(const float* w, int64_t O, int64_t C, int64_t HW, float* out) {
  for (int64_t o = 0; o < O; ++o) {
    const float* src = w + o * C * HW;
    float* dst = out + o * C * HW;
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t p = 0; p < HW; ++p) dst[p * C + c] = src[c * HW + p];
    }
  }
}

void BatchNormScaleShift(const float* gamma, const float* beta, const float* mean, const float* var,
                         float epsilon, int64_t C, float* scale, float* shift) {
  // The same arithmetic as the reference kernel, so the standalone lowering
  // matches it to rounding.
  for (int64_t c = 0; c < C; ++c) {
    scale[c] = gamma[c] / std::sqrt(var[c] + epsilon);
    shift[c] = beta[c] - mean[c] * scale[c];
  }
}

// --- cache -----------------------------------------------------------------

Status WeightCache::Get(const std::string& key, size_t floats, const Fill& fill,
                        std::shared_ptr<const FloatBuffer>* out) {
  // Held while filling: two sessions compiling the same node wait for one
  // re-layout instead of both doing it.
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buffers_.find(key);
  if (it != buffers_.end()) {
    if (it->second->size() != floats) {
      return Internal("XNNPACK weight cache: '" + key + "' asked with " + std::to_string(floats) +
                      " floats, holds " + std::to_string(it->second->size()));
    }
    *out = it->second;
    return Status::Ok();
  }
  std::shared_ptr<FloatBuffer> buffer = FloatBuffer::Allocate(floats);
  if (!buffer) {
    return Status(
        StatusCode::kOutOfMemory,
        "XNNPACK weights: cannot allocate " + std::to_string(floats) + " floats for '" + key + "'");
  }
  fill(buffer->data());
  bytes_ += PaddedBytes(floats);
  buffers_.emplace(key, buffer);
  *out = std::move(buffer);
  return Status::Ok();
}

size_t WeightCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

}  // namespace xnnpack
}  // namespace seam
