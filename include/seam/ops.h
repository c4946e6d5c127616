// Operators: the op types seam runs and their typed attributes.
//
// The numeric values of OpType are the op codes of the .seam format
// (core/schema/seam.fbs) and must never be renumbered.
//
// Tensor conventions (all NCHW, fp32):
//   Conv2D          in: X[N,C,H,W], W[O,C/group,KH,KW], B[O] (optional)  out: Y[N,O,OH,OW]
//   FullyConnected  in: X[N,I], W[O,I], B[O] (optional)                   out: Y[N,O]
//   MatMul          in: A[...,M,K], B[...,K,N] (numpy broadcasting)       out: Y[...,M,N]
//   MaxPool/AveragePool in: X[N,C,H,W]                                    out: Y[N,C,OH,OW]
//   GlobalAveragePool in: X[N,C,H,W]                                      out: Y[N,C,1,1]
//   BatchNorm       in: X[N,C,...], scale[C], bias[C], mean[C], var[C]    out: Y (same shape)
//   LRN             in: X[N,C,H,W] (across channels, ONNX semantics)      out: Y
//   Relu, Clip, LeakyRelu, Sigmoid, Tanh, HardSwish, Identity: elementwise, out shape = in shape
//   Add, Mul        in: A, B (numpy broadcasting)                         out: Y
//   Concat          in: X0..Xn (same shape except axis)                   out: Y
//   Softmax         in: X; normalises over one axis (ONNX opset 13)       out: Y
//   Flatten         in: X; [d0*..*d(axis-1), d(axis)*..*d(n-1)]           out: Y
//   Reshape         in: X; ONNX semantics (0 copies a dim, -1 infers one) out: Y
//   Transpose       in: X; Y.dims[i] = X.dims[perm[i]]                    out: Y
//   Pad             in: X; pads = [begin_0..begin_n-1, end_0..end_n-1] (may be negative) out: Y
//   Resize          in: X; nearest neighbour, out dim = floor(in dim * scale) out: Y
//   LSTM            in: X[seq,batch,I], W[D,4H,I], R[D,4H,H], B[D,8H] (opt),
//                       -1 (sequence_lens, unsupported), initial_h[D,batch,H] (opt),
//                       initial_c[D,batch,H] (opt)
//                   out: Y[seq,D,batch,H], Y_h[D,batch,H] (opt), Y_c[D,batch,H] (opt)
//                   ONNX gate order i, o, f, c; activations sigmoid/tanh/tanh.
// Absent optional inputs and outputs are tensor index -1.
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

namespace seam {

enum class OpType : int32_t {
  kInvalid = 0,
  kConv2D = 1,
  kFullyConnected = 2,
  kMatMul = 3,
  kMaxPool = 4,
  kAveragePool = 5,
  kGlobalAveragePool = 6,
  kBatchNorm = 7,
  kLRN = 8,
  kRelu = 9,
  kClip = 10,
  kLeakyRelu = 11,
  kSigmoid = 12,
  kTanh = 13,
  kHardSwish = 14,
  kAdd = 15,
  kMul = 16,
  kConcat = 17,
  kSoftmax = 18,
  kFlatten = 19,
  kReshape = 20,
  kTranspose = 21,
  kPad = 22,
  kIdentity = 23,
  kResize = 24,
  kLSTM = 25,
};
constexpr int32_t kMaxOpCode = 25;

// "Conv2D", "MaxPool", ...; "Unknown" for values outside the enum.
const char* OpTypeName(OpType op);
// True when `code` is a known op code.
bool IsKnownOpCode(int32_t code);

enum class ActivationKind : int32_t {
  kNone = 0,
  kRelu = 1,
  kClip = 2,       // alpha = min, beta = max (ReLU6 is Clip 0..6)
  kLeakyRelu = 3,  // alpha = negative slope
  kSigmoid = 4,
  kTanh = 5,
  kHardSwish = 6,
};

struct FusedActivation {
  ActivationKind kind = ActivationKind::kNone;
  float alpha = 0.0f;
  float beta = 0.0f;
};

// Applies a fused activation to one value.
float ApplyActivation(const FusedActivation& act, float x);

struct Conv2DAttrs {
  int32_t kernel_h = 1, kernel_w = 1;
  int32_t stride_h = 1, stride_w = 1;
  int32_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int32_t dilation_h = 1, dilation_w = 1;
  int32_t group = 1;
  FusedActivation activation;
};

struct PoolAttrs {
  int32_t kernel_h = 1, kernel_w = 1;
  int32_t stride_h = 1, stride_w = 1;
  int32_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  bool ceil_mode = false;
  bool count_include_pad = false;  // AveragePool only
};

struct FullyConnectedAttrs {
  FusedActivation activation;
};

struct BatchNormAttrs {
  float epsilon = 1e-5f;
};

struct LRNAttrs {
  int32_t size = 5;
  float alpha = 1e-4f;
  float beta = 0.75f;
  float bias = 1.0f;
};

struct ClipAttrs {
  float min = 0.0f;
  float max = 6.0f;
};

struct LeakyReluAttrs {
  float alpha = 0.01f;
};

// Concat, Softmax and Flatten. Negative axes count from the end.
struct AxisAttrs {
  int32_t axis = 1;
};

struct ReshapeAttrs {
  std::vector<int64_t> shape;
};

struct TransposeAttrs {
  std::vector<int32_t> perm;
};

enum class PadMode : int32_t { kConstant = 0, kReflect = 1, kEdge = 2 };

struct PadAttrs {
  std::vector<int64_t> pads;  // [begin_0..begin_{n-1}, end_0..end_{n-1}]
  PadMode mode = PadMode::kConstant;
  float value = 0.0f;
};

enum class ResizeCoordinateMode : int32_t {
  kHalfPixel = 0,
  kAsymmetric = 1,
  kAlignCorners = 2,
  kPytorchHalfPixel = 3,
};
enum class ResizeNearestMode : int32_t {
  kRoundPreferFloor = 0,
  kRoundPreferCeil = 1,
  kFloor = 2,
  kCeil = 3,
};

struct ResizeAttrs {
  std::vector<float> scales;  // one per dimension
  ResizeCoordinateMode coordinate_mode = ResizeCoordinateMode::kHalfPixel;
  ResizeNearestMode nearest_mode = ResizeNearestMode::kRoundPreferFloor;
};

enum class LSTMDirection : int32_t { kForward = 0, kReverse = 1, kBidirectional = 2 };

struct LSTMAttrs {
  int32_t hidden_size = 0;
  LSTMDirection direction = LSTMDirection::kForward;
};

using NodeAttrs = std::variant<std::monostate, Conv2DAttrs, PoolAttrs, FullyConnectedAttrs,
                               BatchNormAttrs, LRNAttrs, ClipAttrs, LeakyReluAttrs, AxisAttrs,
                               ReshapeAttrs, TransposeAttrs, PadAttrs, ResizeAttrs, LSTMAttrs>;

}  // namespace seam
