// Winograd F(4x4, 3x3) convolution for the XNNPACK backend.
//
// This XNNPACK snapshot runs every convolution as a direct (indirect-GEMM)
// convolution, and its AVX-512 f32 GEMM kernels reach 50-65 % of the fp32
// peak. For a 3x3 stride-1 convolution, Winograd F(4x4, 3x3) does the same
// work with 36 multiplications per 4x4 output tile and channel pair instead
// of 144: the input is cut into overlapping 6x6 tiles, each transformed
// (B^T d B), then 36 independent GEMMs ([tiles x C] x [C x O], one per
// position of the 6x6 transform domain) run on XNNPACK's fully connected
// operator with the transformed weights (G g G^T) packed once, and each
// 6x6 result is transformed back (A^T m A) into a 4x4 output tile, with the
// bias and the clamps applied on the way out.
//
// The transforms are seam's portable C++ (vectorised by the compiler over
// channels); the GEMMs are XNNPACK's. A convolution takes this path only
// when it pays (WinogradSuits), decided from the graph alone, so every
// segment computes a node the same way and a split run stays bit-identical
// to the whole run. SEAM_XNNPACK_WINOGRAD=0 turns it off.
#pragma once

#include <pthreadpool.h>
#include <xnnpack.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <memory>
#include <vector>

#include "backends/xnnpack/xnnpack_common.h"
#include "seam/graph.h"
#include "seam/status.h"

namespace seam {
namespace xnnpack {

// Output tile edge and transform-domain edge of F(4x4, 3x3).
constexpr size_t kWinogradTile = 4;
constexpr size_t kWinogradDomain = 6;

// The geometry of one convolution, in NHWC.
struct WinogradGeometry {
  size_t batch = 0, in_h = 0, in_w = 0, channels = 0;
  size_t out_h = 0, out_w = 0, out_channels = 0;
  size_t pad_top = 0, pad_left = 0;
  size_t TilesH() const { return (out_h + kWinogradTile - 1) / kWinogradTile; }
  size_t TilesW() const { return (out_w + kWinogradTile - 1) / kWinogradTile; }
  size_t Tiles() const { return batch * TilesH() * TilesW(); }
};

// Ok when node `node` of `graph` (a Conv2D XNNPACK runs) is a 3x3, stride-1,
// undilated, ungrouped convolution that Winograd makes faster, with its
// geometry in `geometry`; otherwise the reason it stays direct. Honours
// SEAM_XNNPACK_WINOGRAD=0.
Status WinogradSuits(const Graph& graph, int node, WinogradGeometry* geometry);

class WinogradConv {
 public:
  // `weight` is OIHW [O, C, 3, 3]; `bias` [O] or null. The transformed
  // weights are packed into XNNPACK's operators here, once.
  static Status Create(const WinogradGeometry& geometry, const float* weight, const float* bias,
                       const std::vector<Clamp>& clamps, std::unique_ptr<WinogradConv>* out);
  ~WinogradConv();
  WinogradConv(const WinogradConv&) = delete;
  WinogradConv& operator=(const WinogradConv&) = delete;

  // Floats of workspace Run needs (the transformed input and product).
  size_t WorkspaceFloats() const;
  // y (NHWC [N, out_h, out_w, O]) = conv(x (NHWC [N, H, W, C])); `workspace`
  // holds WorkspaceFloats() floats. Not reentrant: the caller serialises.
  Status Run(const float* x, float* y, float* workspace, pthreadpool_t pool);

 private:
  WinogradConv() = default;
  WinogradGeometry g_;
  std::vector<float> bias_;  // O floats, zeros when the conv has none
  std::vector<Clamp> clamps_;
  std::array<xnn_operator_t, kWinogradDomain * kWinogradDomain> gemms_{};
};

}  // namespace xnnpack
}  // namespace seam
