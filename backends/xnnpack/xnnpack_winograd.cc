// Winograd F(4x4, 3x3) convolution for the XNNPACK backend (see the header).
// The matrices are Lavin and Gray's for the interpolation points 0, +-1, +-2
// ("Fast Algorithms for Convolutional Neural Networks", 2015):
//
//   B^T = | 4  0 -5  0  1  0 |   G = | 1/4     0     0 |   A^T = | 1  1  1  1  1  0 |
//         | 0 -4 -4  1  1  0 |       | -1/6 -1/6  -1/6 |         | 0  1 -1  2 -2  0 |
//         | 0  4 -4 -1  1  0 |       | -1/6  1/6  -1/6 |         | 0  1  1  4  4  0 |
//         | 0 -2 -1  2  1  0 |       | 1/24 1/12   1/6 |         | 0  1 -1  8 -8  1 |
//         | 0  2 -1 -2  1  0 |       | 1/24 -1/12  1/6 |
//         | 0  4  0 -5  0  1 |       | 0       0     1 |
//
// Y = A^T [ (G g G^T) (.) (B^T d B) ] A, summed over input channels by the GEMMs.
#include "backends/xnnpack/xnnpack_winograd.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

// The transforms are compiled for AVX-512 and AVX2 too, picked at load time
// (g++'s function multiversioning): 5-20 % off a Winograd conv over the
// baseline SSE2 build, most with few channels.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SEAM_WINOGRAD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SEAM_WINOGRAD_CLONES
#endif

namespace seam {
namespace xnnpack {
namespace {

constexpr size_t kPositions = kWinogradDomain * kWinogradDomain;  // 36 GEMMs
// Channels transformed together: the stack tiles stay in L1 and the
// per-channel loops are long enough to vectorise.
constexpr size_t kChannelBlock = 64;
// Below these a convolution stays direct: with few channels the transforms
// cost as much as the multiplications they save, and with few tiles each
// GEMM reads its weight matrix for too little work. Measured on chains of
// 3x3 convs at 1 thread (AVX-512): at 16 tiles (a 14x14 output) Winograd is
// 1.35-1.5x faster for 64..512 channels in and out but no faster for
// DenseNet's 128 -> 32; at 4 tiles (7x7) it gains nothing.
constexpr int64_t kMinChannels = 16;
constexpr size_t kMinTiles = 32;
constexpr int64_t kWideChannels = 64;  // input and output channels both at least this...
constexpr size_t kMinTilesWide = 16;   // ...and this many tiles suffice

// One B^T pass: six rows in, six rows out, `n` channels each.
inline void InputRows(const float* __restrict d0, const float* __restrict d1,
                      const float* __restrict d2, const float* __restrict d3,
                      const float* __restrict d4, const float* __restrict d5, float* __restrict o0,
                      float* __restrict o1, float* __restrict o2, float* __restrict o3,
                      float* __restrict o4, float* __restrict o5, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const float a0 = d0[i], a1 = d1[i], a2 = d2[i], a3 = d3[i], a4 = d4[i], a5 = d5[i];
    o0[i] = 4.0f * a0 - 5.0f * a2 + a4;
    o1[i] = a3 + a4 - 4.0f * (a1 + a2);
    o2[i] = a4 - a3 + 4.0f * (a1 - a2);
    o3[i] = a4 - a2 + 2.0f * (a3 - a1);
    o4[i] = a4 - a2 + 2.0f * (a1 - a3);
    o5[i] = 4.0f * a1 - 5.0f * a3 + a5;
  }
}

// One A^T pass: six rows in, four rows out.
inline void OutputRows(const float* __restrict m0, const float* __restrict m1,
                       const float* __restrict m2, const float* __restrict m3,
                       const float* __restrict m4, const float* __restrict m5, float* __restrict o0,
                       float* __restrict o1, float* __restrict o2, float* __restrict o3, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const float s12 = m1[i] + m2[i], d12 = m1[i] - m2[i];
    const float s34 = m3[i] + m4[i], d34 = m3[i] - m4[i];
    o0[i] = m0[i] + s12 + s34;
    o1[i] = d12 + 2.0f * d34;
    o2[i] = s12 + 4.0f * s34;
    o3[i] = d12 + 8.0f * d34 + m5[i];
  }
}

// The tile index of (image, tile row, tile column), in the GEMMs' row order.
struct TileCoord {
  size_t n, th, tw;
};
TileCoord Coord(const WinogradGeometry& g, size_t tile) {
  const size_t per_image = g.TilesH() * g.TilesW();
  return {tile / per_image, tile % per_image / g.TilesW(), tile % g.TilesW()};
}

// B^T d B of tile `tile` for channels [c0, c0 + cb) into v (36 rows of
// `tiles` x C floats).
SEAM_WINOGRAD_CLONES void TransformInputTile(const WinogradGeometry& g, const float* x, size_t tile,
                                             size_t c0, size_t cb, float* v) {
  alignas(64) float d[kPositions][kChannelBlock];
  alignas(64) float t[kPositions][kChannelBlock];
  const TileCoord at = Coord(g, tile);
  for (size_t r = 0; r < kWinogradDomain; ++r) {
    // Input row and column of the patch; pads and the ragged edge read zeros.
    const long ih = static_cast<long>(at.th * kWinogradTile + r) - static_cast<long>(g.pad_top);
    for (size_t c = 0; c < kWinogradDomain; ++c) {
      const long iw = static_cast<long>(at.tw * kWinogradTile + c) - static_cast<long>(g.pad_left);
      float* dst = d[r * kWinogradDomain + c];
      if (ih < 0 || iw < 0 || ih >= static_cast<long>(g.in_h) || iw >= static_cast<long>(g.in_w)) {
        std::fill(dst, dst + cb, 0.0f);
      } else {
        const float* src =
            x +
            ((at.n * g.in_h + static_cast<size_t>(ih)) * g.in_w + static_cast<size_t>(iw)) *
                g.channels +
            c0;
        std::memcpy(dst, src, cb * sizeof(float));
      }
    }
  }
  // Columns: t = B^T d.
  for (size_t c = 0; c < kWinogradDomain; ++c) {
    InputRows(d[c], d[6 + c], d[12 + c], d[18 + c], d[24 + c], d[30 + c], t[c], t[6 + c], t[12 + c],
              t[18 + c], t[24 + c], t[30 + c], cb);
  }
  // Rows: v = t B, written straight into the GEMM inputs.
  const size_t tiles = g.Tiles();
  auto row = [&](size_t k) { return v + (k * tiles + tile) * g.channels + c0; };
  for (size_t r = 0; r < kWinogradDomain; ++r) {
    const size_t b = r * kWinogradDomain;
    InputRows(t[b], t[b + 1], t[b + 2], t[b + 3], t[b + 4], t[b + 5], row(b), row(b + 1),
              row(b + 2), row(b + 3), row(b + 4), row(b + 5), cb);
  }
}

// A^T m A of tile `tile` for output channels [o0, o0 + ob), plus bias and
// clamps, into the NHWC output (the part of the 4x4 tile inside it).
SEAM_WINOGRAD_CLONES void TransformOutputTile(const WinogradGeometry& g, const float* m,
                                              const float* bias, const std::vector<Clamp>& clamps,
                                              size_t tile, size_t o0, size_t ob, float* y) {
  alignas(64) float s[kWinogradTile * kWinogradDomain][kChannelBlock];
  alignas(64) float out[kWinogradTile * kWinogradTile][kChannelBlock];
  const size_t tiles = g.Tiles();
  auto row = [&](size_t k) { return m + (k * tiles + tile) * g.out_channels + o0; };
  // Columns: s = A^T m (4 x 6).
  for (size_t c = 0; c < kWinogradDomain; ++c) {
    OutputRows(row(c), row(6 + c), row(12 + c), row(18 + c), row(24 + c), row(30 + c), s[c],
               s[6 + c], s[12 + c], s[18 + c], ob);
  }
  // Rows: out = s A (4 x 4).
  for (size_t r = 0; r < kWinogradTile; ++r) {
    const size_t b = r * kWinogradDomain, o = r * kWinogradTile;
    OutputRows(s[b], s[b + 1], s[b + 2], s[b + 3], s[b + 4], s[b + 5], out[o], out[o + 1],
               out[o + 2], out[o + 3], ob);
  }
  const TileCoord at = Coord(g, tile);
  for (size_t r = 0; r < kWinogradTile; ++r) {
    const size_t oh = at.th * kWinogradTile + r;
    if (oh >= g.out_h) break;
    for (size_t c = 0; c < kWinogradTile; ++c) {
      const size_t ow = at.tw * kWinogradTile + c;
      if (ow >= g.out_w) break;
      const float* src = out[r * kWinogradTile + c];
      float* dst = y + ((at.n * g.out_h + oh) * g.out_w + ow) * g.out_channels + o0;
      for (size_t i = 0; i < ob; ++i) {
        float value = src[i] + bias[o0 + i];
        for (const Clamp& clamp : clamps) value = std::min(std::max(value, clamp.min), clamp.max);
        dst[i] = value;
      }
    }
  }
}

}  // namespace

Status WinogradSuits(const Graph& graph, int node, WinogradGeometry* geometry) {
  if (TurnedOff("SEAM_XNNPACK_WINOGRAD")) return Unsupported("SEAM_XNNPACK_WINOGRAD=0");
  const Conv2DAttrs* a = ConvolutionAttrs(graph, node);
  if (a == nullptr) return Unsupported("not a convolution");
  const Node& n = graph.nodes[static_cast<size_t>(node)];
  const Shape& x = graph.tensors[n.inputs[0]].shape;
  const Shape& w = graph.tensors[n.inputs[1]].shape;
  const Shape& y = graph.tensors[n.outputs[0]].shape;
  if (x.rank != 4 || w.rank != 4 || y.rank != 4) return Unsupported("not a 2-D convolution");
  if (w[2] != 3 || w[3] != 3 || a->stride_h != 1 || a->stride_w != 1 || a->dilation_h != 1 ||
      a->dilation_w != 1 || a->group != 1) {
    return Unsupported("not a 3x3, stride-1, undilated, ungrouped convolution");
  }
  // Pads beyond the kernel would make whole tiles of padding; none of the
  // zoo's convolutions have them.
  if (a->pad_top < 0 || a->pad_left < 0 || a->pad_top > 2 || a->pad_left > 2) {
    return Unsupported("pads outside 0..2");
  }
  if (x[1] < kMinChannels || w[0] < kMinChannels) return Unsupported("too few channels");
  if (a->activation.kind != ActivationKind::kNone && a->activation.kind != ActivationKind::kRelu &&
      a->activation.kind != ActivationKind::kClip) {
    return Unsupported("fused activation other than a clamp");
  }
  WinogradGeometry g;
  g.batch = static_cast<size_t>(x[0]);
  g.channels = static_cast<size_t>(x[1]);
  g.in_h = static_cast<size_t>(x[2]);
  g.in_w = static_cast<size_t>(x[3]);
  g.out_channels = static_cast<size_t>(y[1]);
  g.out_h = static_cast<size_t>(y[2]);
  g.out_w = static_cast<size_t>(y[3]);
  g.pad_top = static_cast<size_t>(a->pad_top);
  g.pad_left = static_cast<size_t>(a->pad_left);
  const bool wide = x[1] >= kWideChannels && w[0] >= kWideChannels;
  if (g.Tiles() < (wide ? kMinTilesWide : kMinTiles)) return Unsupported("too few output tiles");
  *geometry = g;
  return Status::Ok();
}

Status WinogradConv::Create(const WinogradGeometry& geometry, const float* weight,
                            const float* bias, const std::vector<Clamp>& clamps,
                            std::unique_ptr<WinogradConv>* out) {
  std::unique_ptr<WinogradConv> conv(new WinogradConv());
  conv->g_ = geometry;
  conv->clamps_ = clamps;
  const size_t C = geometry.channels, O = geometry.out_channels;
  conv->bias_.assign(O, 0.0f);
  if (bias != nullptr) std::copy(bias, bias + O, conv->bias_.begin());
  // U[k][o][c] = (G g[o][c] G^T)[k], in double so the weights carry no more
  // rounding than one float conversion.
  std::vector<float> u(kPositions * O * C);
  for (size_t o = 0; o < O; ++o) {
    for (size_t c = 0; c < C; ++c) {
      const float* k = weight + (o * C + c) * 9;
      double gg[kWinogradDomain][3];  // G g
      for (size_t j = 0; j < 3; ++j) {
        const double g0 = k[j], g1 = k[3 + j], g2 = k[6 + j];
        gg[0][j] = g0 / 4;
        gg[1][j] = -(g0 + g1 + g2) / 6;
        gg[2][j] = -(g0 - g1 + g2) / 6;
        gg[3][j] = g0 / 24 + g1 / 12 + g2 / 6;
        gg[4][j] = g0 / 24 - g1 / 12 + g2 / 6;
        gg[5][j] = g2;
      }
      for (size_t i = 0; i < kWinogradDomain; ++i) {  // (G g) G^T
        const double g0 = gg[i][0], g1 = gg[i][1], g2 = gg[i][2];
        const double row[kWinogradDomain] = {g0 / 4,
                                             -(g0 + g1 + g2) / 6,
                                             -(g0 - g1 + g2) / 6,
                                             g0 / 24 + g1 / 12 + g2 / 6,
                                             g0 / 24 - g1 / 12 + g2 / 6,
                                             g2};
        for (size_t j = 0; j < kWinogradDomain; ++j) {
          u[((i * kWinogradDomain + j) * O + o) * C + c] = static_cast<float>(row[j]);
        }
      }
    }
  }
  for (size_t k = 0; k < kPositions; ++k) {
    const xnn_status s = xnn_create_fully_connected_nc_f32(
        C, O, C, O, u.data() + k * O * C, nullptr, -INFINITY, INFINITY, 0, &conv->gemms_[k]);
    if (s != xnn_status_success) {
      const std::string message = "Winograd: xnn_create_fully_connected_nc_f32 failed with " +
                                  std::string("xnn_status ") + std::to_string(static_cast<int>(s));
      if (s == xnn_status_out_of_memory) return Status(StatusCode::kOutOfMemory, message);
      return Internal(message);
    }
  }
  *out = std::move(conv);
  return Status::Ok();
}

WinogradConv::~WinogradConv() {
  for (xnn_operator_t op : gemms_) {
    if (op != nullptr) xnn_delete_operator(op);
  }
}

size_t WinogradConv::WorkspaceFloats() const {
  return kPositions * g_.Tiles() * (g_.channels + g_.out_channels);
}

Status WinogradConv::Run(const float* x, float* y, float* workspace, pthreadpool_t pool) {
  const size_t tiles = g_.Tiles();
  float* v = workspace;
  float* m = workspace + kPositions * tiles * g_.channels;
  // A few tiles per task: enough work to amortise the dispatch.
  constexpr size_t kTilesPerTask = 4;
  pthreadpool_parallelize_1d_tile_1d(
      pool,
      [&](size_t first, size_t count) {
        for (size_t tile = first; tile < first + count; ++tile) {
          for (size_t c0 = 0; c0 < g_.channels; c0 += kChannelBlock) {
            TransformInputTile(g_, x, tile, c0, std::min(kChannelBlock, g_.channels - c0), v);
          }
        }
      },
      tiles, kTilesPerTask);
  // The 36 GEMMs are independent: each thread runs whole GEMMs on its own
  // (one dispatch instead of 36 parallel ones, whose wake-ups and barriers
  // cost more than the GEMMs at 2 threads).
  std::array<xnn_status, kPositions> status;
  for (size_t k = 0; k < kPositions; ++k) {
    status[k] = xnn_setup_fully_connected_nc_f32(gemms_[k], tiles, v + k * tiles * g_.channels,
                                                 m + k * tiles * g_.out_channels, nullptr);
  }
  pthreadpool_parallelize_1d(
      pool,
      [&](size_t k) {
        if (status[k] == xnn_status_success) status[k] = xnn_run_operator(gemms_[k], nullptr);
      },
      kPositions);
  for (size_t k = 0; k < kPositions; ++k) {
    if (status[k] != xnn_status_success) {
      return Internal("Winograd: fully connected GEMM " + std::to_string(k) +
                      " failed with xnn_status " + std::to_string(static_cast<int>(status[k])));
    }
  }
  pthreadpool_parallelize_1d_tile_1d(
      pool,
      [&](size_t first, size_t count) {
        for (size_t tile = first; tile < first + count; ++tile) {
          for (size_t o0 = 0; o0 < g_.out_channels; o0 += kChannelBlock) {
            TransformOutputTile(g_, m, bias_.data(), clamps_, tile, o0,
                                std::min(kChannelBlock, g_.out_channels - o0), y);
          }
        }
      },
      tiles, kTilesPerTask);
  return Status::Ok();
}

}  // namespace xnnpack
}  // namespace seam
