// Weight-heavy convolutions run as blocks of output channels.
//
// XNNPACK's GEMM walks a convolution's output one tile of pixels (7 on
// AVX-512) at a time, across all output channels: when the packed weights do
// not fit in the core's L2 cache they are read from memory once per pixel
// tile. ResNet-50's 7x7 layers (2.4-9.4 MB of weights, 7 pixel tiles) ran at
// half of XNNPACK's GEMM rate that way. Split into blocks of output channels
// whose weights fit in L2, every block reads its weights from memory once;
// the blocks are independent operators (each writes its channels of the
// NHWC output through XNNPACK's output stride), run whole, one per thread at
// a time, so the threads also read disjoint weights.
//
// Like Winograd (xnnpack_winograd.h), the choice depends on the graph alone,
// so every segment runs a node the same way. SEAM_XNNPACK_CONV_BLOCKS=0 turns
// it off.
#pragma once

#include <pthreadpool.h>
#include <xnnpack.h>

#include <memory>
#include <vector>

#include "backends/xnnpack/xnnpack_common.h"
#include "seam/graph.h"
#include "seam/status.h"

namespace seam {
namespace xnnpack {

// Ok when node `node` (a Conv2D XNNPACK runs) is an ungrouped convolution
// whose weights are larger than a block, with the block's output channels
// in `block_channels`; otherwise the reason it runs whole.
Status ConvBlocksSuit(const Graph& graph, int node, size_t* block_channels);

class BlockedConv {
 public:
  // The convolution `node` of `graph` (input and output NHWC), its output
  // clamped to each of `clamps` in order.
  static Status Create(const Graph& graph, int node, size_t block_channels,
                       const std::vector<Clamp>& clamps, std::unique_ptr<BlockedConv>* out);
  ~BlockedConv();
  BlockedConv(const BlockedConv&) = delete;
  BlockedConv& operator=(const BlockedConv&) = delete;

  // y = conv(x); not reentrant: the caller serialises.
  Status Run(const float* x, float* y, pthreadpool_t pool);

 private:
  BlockedConv() = default;
  size_t batch_ = 0, in_h_ = 0, in_w_ = 0;
  std::vector<size_t> first_channel_;  // per block
  std::vector<xnn_operator_t> blocks_;
  std::vector<xnn_status> status_;  // per block, in Run
};

}  // namespace xnnpack
}  // namespace seam
