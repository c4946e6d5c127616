// Weight-heavy convolutions run as blocks of output channels (see the header).
#include "backends/xnnpack/xnnpack_conv_blocks.h"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace seam {
namespace xnnpack {
namespace {

// Packed weights per block: well inside a 1 MB L2 next to the block's input
// and output, and inside the 256-512 KB L2 of most Arm cores.
constexpr size_t kBlockWeightBytes = 256 * 1024;
// XNNPACK's widest f32 GEMM tile (16 columns on AVX-512, 8 on NEON): blocks
// are multiples of it so no block ends in a partial tile.
constexpr size_t kChannelQuantum = 16;

Status XnnFailure(const char* call, xnn_status s) {
  const std::string message = std::string("blocked conv: ") + call + " failed with xnn_status " +
                              std::to_string(static_cast<int>(s));
  if (s == xnn_status_out_of_memory) return Status(StatusCode::kOutOfMemory, message);
  return Internal(message);
}

}  // namespace

Status ConvBlocksSuit(const Graph& graph, int node, size_t* block_channels) {
  if (TurnedOff("SEAM_XNNPACK_CONV_BLOCKS")) return Unsupported("SEAM_XNNPACK_CONV_BLOCKS=0");
  const Conv2DAttrs* a = ConvolutionAttrs(graph, node);
  if (a == nullptr) return Unsupported("not a convolution");
  const Node& n = graph.nodes[static_cast<size_t>(node)];
  const Shape& w = graph.tensors[n.inputs[1]].shape;
  if (w.rank != 4 || a->group != 1) return Unsupported("grouped");
  const size_t O = static_cast<size_t>(w[0]);
  const size_t row_bytes = static_cast<size_t>(w[1] * w[2] * w[3]) * sizeof(float);
  if (O * row_bytes <= kBlockWeightBytes) return Unsupported("weights fit in one block");
  size_t block = kBlockWeightBytes / row_bytes / kChannelQuantum * kChannelQuantum;
  block = std::max(block, kChannelQuantum);
  if (block >= O) return Unsupported("one block");
  *block_channels = block;
  return Status::Ok();
}

Status BlockedConv::Create(const Graph& graph, int node, size_t block_channels,
                           const std::vector<Clamp>& clamps, std::unique_ptr<BlockedConv>* out) {
  const Node& n = graph.nodes[static_cast<size_t>(node)];
  const auto& a = std::get<Conv2DAttrs>(n.attrs);
  const Shape& x = graph.tensors[n.inputs[0]].shape;
  const Shape& ws = graph.tensors[n.inputs[1]].shape;
  const Clamp clamp = ComposeClamps(clamps);
  const size_t O = static_cast<size_t>(ws[0]), C = static_cast<size_t>(ws[1]);
  const size_t KH = static_cast<size_t>(ws[2]), KW = static_cast<size_t>(ws[3]);
  std::vector<float> ohwi(O * KH * KW * C);
  OihwToOhwi(graph.tensors[n.inputs[1]].f32(), ws[0], ws[1], ws[2], ws[3], ohwi.data());
  const float* bias =
      n.inputs.size() > 2 && n.inputs[2] >= 0 ? graph.tensors[n.inputs[2]].f32() : nullptr;
  std::unique_ptr<BlockedConv> conv(new BlockedConv());
  conv->batch_ = static_cast<size_t>(x[0]);
  conv->in_h_ = static_cast<size_t>(x[2]);
  conv->in_w_ = static_cast<size_t>(x[3]);
  for (size_t o0 = 0; o0 < O; o0 += block_channels) {
    const size_t ob = std::min(block_channels, O - o0);
    xnn_operator_t op = nullptr;
    // XNNPACK packs the block's weights (rows o0.. of OHWI) into the operator.
    const xnn_status s = xnn_create_convolution2d_nhwc_f32(
        a.pad_top, a.pad_right, a.pad_bottom, a.pad_left, KH, KW, a.stride_h, a.stride_w,
        a.dilation_h, a.dilation_w, 1, C, ob, C, O, ohwi.data() + o0 * KH * KW * C,
        bias != nullptr ? bias + o0 : nullptr, clamp.min, clamp.max, 0, &op);
    if (s != xnn_status_success) return XnnFailure("xnn_create_convolution2d_nhwc_f32", s);
    conv->blocks_.push_back(op);
    conv->first_channel_.push_back(o0);
  }
  conv->status_.resize(conv->blocks_.size());
  *out = std::move(conv);
  return Status::Ok();
}

BlockedConv::~BlockedConv() {
  for (xnn_operator_t op : blocks_) xnn_delete_operator(op);
}

Status BlockedConv::Run(const float* x, float* y, pthreadpool_t pool) {
  std::vector<xnn_status>& status = status_;
  for (size_t b = 0; b < blocks_.size(); ++b) {
    status[b] = xnn_setup_convolution2d_nhwc_f32(blocks_[b], batch_, in_h_, in_w_, x,
                                                 y + first_channel_[b], nullptr);
  }
  pthreadpool_parallelize_1d(
      pool,
      [&](size_t b) {
        if (status[b] == xnn_status_success) status[b] = xnn_run_operator(blocks_[b], nullptr);
      },
      blocks_.size());
  for (xnn_status s : status) {
    if (s != xnn_status_success) return XnnFailure("a block", s);
  }
  return Status::Ok();
}

}  // namespace xnnpack
}  // namespace seam
