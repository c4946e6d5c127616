// BatchNorm (and a Relu or Clip after it) as one pass over memory.
//
// XNNPACK's subgraph has no per-channel multiply-add node: a BatchNorm was a
// multiply then an add (with the clamp folded in), two passes over a tensor
// that DenseNet, whose BatchNorms sit on concatenations and cannot be folded
// into a convolution, re-normalises at every layer. This step computes
// y = clamp(x * scale + shift) per channel in one pass, parallel over rows.
#pragma once

#include <pthreadpool.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "backends/xnnpack/xnnpack_common.h"

namespace seam {
namespace xnnpack {

class ScaleShift {
 public:
  ScaleShift(int src, int dst, const ScaleShiftShape& shape, std::vector<float> scale,
             std::vector<float> shift)
      : src_(src), dst_(dst), shape_(shape), scale_(std::move(scale)), shift_(std::move(shift)) {}
  int src() const { return src_; }
  int dst() const { return dst_; }
  // Writes `dst` instead, clamped to `clamps` in order: the Relu or Clip
  // absorbed after the BatchNorm.
  void Absorb(int dst, const std::vector<Clamp>& clamps) {
    dst_ = dst;
    clamp_ = ComposeClamps(clamps);
  }

  void Run(const float* x, float* y, pthreadpool_t pool) const;

 private:
  int src_, dst_;
  ScaleShiftShape shape_;
  std::vector<float> scale_, shift_;
  Clamp clamp_;
};

}  // namespace xnnpack
}  // namespace seam
