// Lowering ONNX nodes to seam nodes, one function per ONNX operator.
//
// Each lowering checks the variant it is given (attributes, opset-dependent
// inputs) and either emits equivalent seam nodes or returns kUnsupported
// naming exactly what is not supported; the driver collects those. Shapes of
// every emitted tensor are known (GraphBuilder infers them as it goes), which
// the lowerings use for SAME padding, Softmax coercion, Squeeze and so on.
#include <algorithm>
#include <cctype>
#include <cfloat>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "onnx/onnx_pb.h"
#include "tools/convert/importer.h"

namespace seam::onnx_import {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

Status Need(NodeContext& ctx, int n) {
  for (int k = 0; k < n; ++k) {
    if (!ctx.Has(k)) return ctx.Invalid("required input " + std::to_string(k) + " is missing");
  }
  return Status::Ok();
}

int64_t Product(const std::vector<int64_t>& dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t k = begin; k < end && k < dims.size(); ++k) p *= dims[k];
  return p;
}

bool FitsInt32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

// Reads an attribute from another node (for patterns such as HardSigmoid·x).
float NodeAttrFloat(const onnx::NodeProto& node, const char* name, float def) {
  for (const auto& a : node.attribute()) {
    if (a.name() == name) return a.f();
  }
  return def;
}

std::vector<float> HostFloats(const HostTensor& t) {
  std::vector<float> v(static_cast<size_t>(t.NumElements()));
  for (size_t k = 0; k < v.size(); ++k)
    v[k] = static_cast<float>(t.GetDouble(static_cast<int64_t>(k)));
  return v;
}

// A scalar (one-element) host input as float.
Status HostScalar(NodeContext& ctx, int i, const std::string& what, float* out) {
  const HostTensor* t;
  SEAM_RETURN_IF_ERROR(ctx.RequireHost(i, what, &t));
  if (t->NumElements() != 1) return ctx.Invalid(what + " must have exactly one element");
  *out = static_cast<float>(t->GetDouble(0));
  return Status::Ok();
}

Status Unary(NodeContext& ctx, OpType op, NodeAttrs attrs = {}) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  int x, y;
  SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &x));
  SEAM_RETURN_IF_ERROR(ctx.Emit(op, "", {x}, std::move(attrs), &y));
  ctx.SetTensor(0, y);
  return Status::Ok();
}

// --- sliding windows: Conv, MaxPool, AveragePool ----------------------------

struct Window {
  std::vector<int64_t> kernel, stride, dilation;
  std::vector<int64_t> begin, end;  // padding per spatial axis
};

// Strides, dilations and pads (explicit or auto_pad) for `spatial` input dims.
Status ResolveWindow(NodeContext& ctx, const std::vector<int64_t>& spatial,
                     const std::vector<int64_t>& kernel, bool allow_dilation, Window* w) {
  const size_t n = spatial.size();
  w->kernel = kernel;
  w->stride = ctx.AttrInts("strides");
  w->dilation = ctx.AttrInts("dilations");
  std::vector<int64_t> pads = ctx.AttrInts("pads");
  if (w->stride.empty()) w->stride.assign(n, 1);
  if (w->dilation.empty()) w->dilation.assign(n, 1);
  if (pads.empty()) pads.assign(2 * n, 0);
  if (w->stride.size() != n || w->dilation.size() != n || pads.size() != 2 * n) {
    return ctx.Invalid("strides, dilations or pads do not match " + std::to_string(n) +
                       " spatial dimensions");
  }
  for (size_t k = 0; k < n; ++k) {
    if (w->stride[k] <= 0 || w->dilation[k] <= 0 || kernel[k] <= 0) {
      return ctx.Invalid("kernel, strides and dilations must be > 0");
    }
    if (!allow_dilation && w->dilation[k] != 1) {
      return Unsupported(ctx.op_type() + " with dilations other than 1");
    }
  }
  const std::string auto_pad = ctx.AttrString("auto_pad", "NOTSET");
  w->begin.assign(n, 0);
  w->end.assign(n, 0);
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    // ONNX: output = ceil(in / stride); the padding that needs is split
    // evenly, the odd one going to the end (UPPER) or the start (LOWER).
    for (size_t k = 0; k < n; ++k) {
      const int64_t out = (spatial[k] + w->stride[k] - 1) / w->stride[k];
      const int64_t span = (kernel[k] - 1) * w->dilation[k] + 1;
      const int64_t total = std::max<int64_t>(0, (out - 1) * w->stride[k] + span - spatial[k]);
      w->begin[k] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w->end[k] = total - w->begin[k];
    }
  } else if (auto_pad == "VALID") {
    // no padding
  } else if (auto_pad == "NOTSET" || auto_pad.empty()) {
    for (size_t k = 0; k < n; ++k) {
      w->begin[k] = pads[k];
      w->end[k] = pads[k + n];
      if (w->begin[k] < 0 || w->end[k] < 0) return ctx.Invalid("negative pads");
    }
  } else {
    return ctx.Invalid("unknown auto_pad '" + auto_pad + "'");
  }
  for (size_t k = 0; k < n; ++k) {
    if (!FitsInt32(w->kernel[k]) || !FitsInt32(w->stride[k]) || !FitsInt32(w->dilation[k]) ||
        !FitsInt32(w->begin[k]) || !FitsInt32(w->end[k])) {
      return ctx.Invalid("window attributes out of range");
    }
  }
  return Status::Ok();
}

Conv2DAttrs ConvAttrsFrom(const Window& w, int64_t group) {
  Conv2DAttrs a;
  a.kernel_h = static_cast<int32_t>(w.kernel[0]);
  a.kernel_w = static_cast<int32_t>(w.kernel[1]);
  a.stride_h = static_cast<int32_t>(w.stride[0]);
  a.stride_w = static_cast<int32_t>(w.stride[1]);
  a.dilation_h = static_cast<int32_t>(w.dilation[0]);
  a.dilation_w = static_cast<int32_t>(w.dilation[1]);
  a.pad_top = static_cast<int32_t>(w.begin[0]);
  a.pad_left = static_cast<int32_t>(w.begin[1]);
  a.pad_bottom = static_cast<int32_t>(w.end[0]);
  a.pad_right = static_cast<int32_t>(w.end[1]);
  a.group = static_cast<int32_t>(group);
  return a;
}

Status LowerConv(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 2));
  const std::vector<int64_t> xd = ctx.Dims(0), wd = ctx.Dims(1);
  const int64_t group = ctx.AttrInt("group", 1);
  if (group <= 0 || !FitsInt32(group)) return ctx.Invalid("group must be > 0");
  if (xd.size() != 3 && xd.size() != 4) {
    return Unsupported("Conv with " + std::to_string(static_cast<int>(xd.size()) - 2) +
                       " spatial dimensions (seam convolves 1-D and 2-D inputs)");
  }
  if (wd.size() != xd.size()) return ctx.Invalid("weight rank differs from input rank");
  const size_t nsp = xd.size() - 2;
  const std::vector<int64_t> kernel(wd.begin() + 2, wd.end());
  const std::vector<int64_t> kernel_attr = ctx.AttrInts("kernel_shape");
  if (!kernel_attr.empty() && kernel_attr != kernel) {
    return ctx.Invalid("kernel_shape " + DimsToString(kernel_attr) + " differs from weight " +
                       DimsToString(wd));
  }
  Window w;
  SEAM_RETURN_IF_ERROR(ResolveWindow(ctx, std::vector<int64_t>(xd.begin() + 2, xd.end()), kernel,
                                     /*allow_dilation=*/true, &w));
  int bias = -1, y;
  if (ctx.Has(2)) SEAM_RETURN_IF_ERROR(ctx.Tensor(2, &bias));
  if (nsp == 2) {
    int x, wt;
    SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &x));
    SEAM_RETURN_IF_ERROR(ctx.Tensor(1, &wt));
    std::vector<int> inputs = {x, wt};
    if (bias >= 0) inputs.push_back(bias);
    SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kConv2D, "", inputs, ConvAttrsFrom(w, group), &y));
    ctx.SetTensor(0, y);
    return Status::Ok();
  }
  // 1-D convolution (Keras Conv1D): run it as 2-D over [N, C, 1, L].
  const HostTensor* w1;
  SEAM_RETURN_IF_ERROR(ctx.RequireHost(1, "1-D Conv weight", &w1));
  int x4, w4, y4;
  SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &x4));
  SEAM_RETURN_IF_ERROR(ctx.Reshape("to_2d", x4, {xd[0], xd[1], 1, xd[2]}, &x4));
  SEAM_RETURN_IF_ERROR(ctx.Constant("weight_2d", {wd[0], wd[1], 1, wd[2]}, HostFloats(*w1), &w4));
  Window w2;
  w2.kernel = {1, kernel[0]};
  w2.stride = {1, w.stride[0]};
  w2.dilation = {1, w.dilation[0]};
  w2.begin = {0, w.begin[0]};
  w2.end = {0, w.end[0]};
  std::vector<int> inputs = {x4, w4};
  if (bias >= 0) inputs.push_back(bias);
  SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kConv2D, "", inputs, ConvAttrsFrom(w2, group), &y4));
  const Shape s = ctx.ShapeOf(y4);
  SEAM_RETURN_IF_ERROR(ctx.Reshape("to_1d", y4, {s[0], s[1], s[3]}, &y));
  ctx.SetTensor(0, y);
  return Status::Ok();
}

// Output length of a pooling window, PyTorch's rule (seam's): in ceil mode a
// last window that would start in the end padding is dropped.
int64_t PoolOutput(int64_t in, int64_t k, int64_t s, int64_t b, int64_t e, bool ceil_mode,
                   bool drop_last) {
  const int64_t span = in + b + e - k;
  int64_t n = ceil_mode ? (span + s - 1) / s + 1 : span / s + 1;
  if (ceil_mode && drop_last && (n - 1) * s >= in + b) --n;
  return n;
}

Status LowerPool(NodeContext& ctx, bool is_max) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  const std::vector<int64_t> xd = ctx.Dims(0);
  if (xd.size() != 4) {
    return Unsupported(ctx.op_type() + " on a rank-" + std::to_string(xd.size()) +
                       " input (seam pools NCHW tensors)");
  }
  if (is_max && ctx.OutputUsed(1)) return Unsupported("MaxPool's Indices output");
  const std::vector<int64_t> kernel = ctx.AttrInts("kernel_shape");
  if (kernel.size() != 2) return ctx.Invalid("kernel_shape must have 2 entries");
  Window w;
  SEAM_RETURN_IF_ERROR(ResolveWindow(ctx, {xd[2], xd[3]}, kernel, /*allow_dilation=*/false, &w));
  PoolAttrs a;
  a.kernel_h = static_cast<int32_t>(kernel[0]);
  a.kernel_w = static_cast<int32_t>(kernel[1]);
  a.stride_h = static_cast<int32_t>(w.stride[0]);
  a.stride_w = static_cast<int32_t>(w.stride[1]);
  a.pad_top = static_cast<int32_t>(w.begin[0]);
  a.pad_left = static_cast<int32_t>(w.begin[1]);
  a.pad_bottom = static_cast<int32_t>(w.end[0]);
  a.pad_right = static_cast<int32_t>(w.end[1]);
  a.ceil_mode = ctx.AttrInt("ceil_mode", 0) != 0;
  a.count_include_pad = !is_max && ctx.AttrInt("count_include_pad", 0) != 0;
  for (int k = 0; k < 2; ++k) {
    if (w.begin[k] >= kernel[k] || w.end[k] >= kernel[k]) {
      return Unsupported(ctx.op_type() + " with padding as large as the kernel");
    }
    // ONNX's formula keeps a last window that starts in the padding,
    // PyTorch's (and seam's) drops it; refuse the rare shapes where they differ.
    if (a.ceil_mode &&
        PoolOutput(xd[2 + k], kernel[k], w.stride[k], w.begin[k], w.end[k], true, true) !=
            PoolOutput(xd[2 + k], kernel[k], w.stride[k], w.begin[k], w.end[k], true, false)) {
      return Unsupported(ctx.op_type() +
                         " with ceil_mode where the last window starts in the padding (ONNX and "
                         "seam disagree on the output size)");
    }
  }
  int x, y;
  SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &x));
  SEAM_RETURN_IF_ERROR(ctx.Emit(is_max ? OpType::kMaxPool : OpType::kAveragePool, "", {x}, a, &y));
  ctx.SetTensor(0, y);
  return Status::Ok();
}

Status LowerMaxPool(NodeContext& ctx) { return LowerPool(ctx, true); }
Status LowerAveragePool(NodeContext& ctx) { return LowerPool(ctx, false); }

Status LowerGlobalAveragePool(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  if (ctx.Rank(0) != 4)
    return Unsupported("GlobalAveragePool on a rank-" + std::to_string(ctx.Rank(0)) + " input");
  return Unary(ctx, OpType::kGlobalAveragePool);
}

Status LowerGlobalMaxPool(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  const std::vector<int64_t> xd = ctx.Dims(0);
  if (xd.size() != 4)
    return Unsupported("GlobalMaxPool on a rank-" + std::to_string(xd.size()) + " input");
  if (!FitsInt32(xd[2]) || !FitsInt32(xd[3])) return ctx.Invalid("input too large");
  // A max pool whose window is the whole plane.
  PoolAttrs a;
  a.kernel_h = static_cast<int32_t>(xd[2]);
  a.kernel_w = static_cast<int32_t>(xd[3]);
  return Unary(ctx, OpType::kMaxPool, a);
}

Status LowerReduceMean(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  const std::vector<int64_t> xd = ctx.Dims(0);
  std::vector<int64_t> axes;
  if (ctx.opset() >= 18) {
    if (ctx.Has(1)) {
      const HostTensor* t;
      SEAM_RETURN_IF_ERROR(ctx.RequireHost(1, "ReduceMean axes", &t));
      for (int64_t k = 0; k < t->NumElements(); ++k) axes.push_back(t->GetInt(k));
    }
  } else {
    axes = ctx.AttrInts("axes");
  }
  const bool keepdims = ctx.AttrInt("keepdims", 1) != 0;
  for (int64_t& a : axes) {
    if (!NormalizeAxis(a, static_cast<int64_t>(xd.size()), &a)) {
      return ctx.Invalid("ReduceMean axis out of range");
    }
  }
  std::sort(axes.begin(), axes.end());
  // Only the spatial means of images are seam ops: GlobalAveragePool over
  // NCHW axes {2,3}, or over NHWC axes {1,2} (Keras GlobalAveragePooling2D).
  const bool nchw = axes == std::vector<int64_t>{2, 3};
  const bool nhwc = axes == std::vector<int64_t>{1, 2};
  if (xd.size() != 4 || (!nchw && !nhwc)) {
    return Unsupported("ReduceMean over axes " + DimsToString(axes) + " of a rank-" +
                       std::to_string(xd.size()) +
                       " tensor (only the spatial axes of a 4-D tensor)");
  }
  int x, y;
  SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &x));
  const int64_t n = xd[0], c = nchw ? xd[1] : xd[3];
  if (nhwc) {
    SEAM_RETURN_IF_ERROR(
        ctx.Emit(OpType::kTranspose, "to_nchw", {x}, TransposeAttrs{{0, 3, 1, 2}}, &x));
  }
  const bool reshape = !keepdims || nhwc;
  SEAM_RETURN_IF_ERROR(
      ctx.Emit(OpType::kGlobalAveragePool, reshape ? "mean" : "", {x}, std::monostate{}, &y));
  if (reshape) {
    // [N,C,1,1] holds the same values in the same order as [N,1,1,C] and [N,C].
    std::vector<int64_t> dims =
        !keepdims ? std::vector<int64_t>{n, c} : std::vector<int64_t>{n, 1, 1, c};
    SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kReshape, "", {y}, ReshapeAttrs{dims}, &y));
  }
  ctx.SetTensor(0, y);
  return Status::Ok();
}

// --- normalisation ---------------------------------------------------------------

Status LowerBatchNorm(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 5));
  if (ctx.AttrInt("training_mode", 0) != 0) {
    return Unsupported("BatchNormalization in training mode");
  }
  if (ctx.HasAttr("spatial") && ctx.AttrInt("spatial", 1) == 0) {
    return Unsupported("BatchNormalization with spatial = 0 (per-activation statistics)");
  }
  for (int o = 1; o < ctx.num_outputs(); ++o) {
    if (ctx.OutputUsed(o)) {
      return Unsupported("BatchNormalization's running-statistics outputs (training mode)");
    }
  }
  std::vector<int> inputs(5);
  for (int k = 0; k < 5; ++k) SEAM_RETURN_IF_ERROR(ctx.Tensor(k, &inputs[k]));
  int y;
  SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kBatchNorm, "", inputs,
                                BatchNormAttrs{ctx.AttrFloat("epsilon", 1e-5f)}, &y));
  ctx.SetTensor(0, y);
  return Status::Ok();
}

Status LowerLRN(NodeContext& ctx) {
  if (!ctx.HasAttr("size")) return ctx.Invalid("LRN needs a size");
  const int64_t size = ctx.AttrInt("size", 0);
  if (size <= 0 || !FitsInt32(size)) return ctx.Invalid("LRN size must be > 0");
  if (ctx.Has(0) && ctx.Rank(0) != 4) return Unsupported("LRN on a non-4-D input");
  return Unary(ctx, OpType::kLRN,
               LRNAttrs{static_cast<int32_t>(size), ctx.AttrFloat("alpha", 1e-4f),
                        ctx.AttrFloat("beta", 0.75f), ctx.AttrFloat("bias", 1.0f)});
}

Status LowerSoftmax(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  const std::vector<int64_t> xd = ctx.Dims(0);
  const int64_t rank = static_cast<int64_t>(xd.size());
  int64_t axis;
  if (!NormalizeAxis(ctx.AttrInt("axis", ctx.opset() < 13 ? 1 : -1), rank, &axis)) {
    return ctx.Invalid("Softmax axis out of range");
  }
  int x, y;
  SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &x));
  if (ctx.opset() >= 13 || axis == rank - 1) {
    SEAM_RETURN_IF_ERROR(
        ctx.Emit(OpType::kSoftmax, "", {x}, AxisAttrs{static_cast<int32_t>(axis)}, &y));
    ctx.SetTensor(0, y);
    return Status::Ok();
  }
  // Before opset 13 Softmax normalises over all of dims [axis, rank) at once
  // (the input is coerced to 2-D), which seam spells Reshape→Softmax→Reshape.
  SEAM_RETURN_IF_ERROR(
      ctx.Reshape("to_2d", x, {Product(xd, 0, axis), Product(xd, axis, xd.size())}, &x));
  SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kSoftmax, "", {x}, AxisAttrs{1}, &y));
  SEAM_RETURN_IF_ERROR(ctx.Reshape("from_2d", y, xd, &y));
  ctx.SetTensor(0, y);
  return Status::Ok();
}

// --- activations -----------------------------------------------------------------

Status LowerRelu(NodeContext& ctx) { return Unary(ctx, OpType::kRelu); }
Status LowerSigmoid(NodeContext& ctx) { return Unary(ctx, OpType::kSigmoid); }
Status LowerTanh(NodeContext& ctx) { return Unary(ctx, OpType::kTanh); }
Status LowerHardSwish(NodeContext& ctx) { return Unary(ctx, OpType::kHardSwish); }

Status LowerLeakyRelu(NodeContext& ctx) {
  return Unary(ctx, OpType::kLeakyRelu, LeakyReluAttrs{ctx.AttrFloat("alpha", 0.01f)});
}

Status LowerClip(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  float lo = -kInf, hi = kInf;
  if (ctx.opset() < 11) {
    lo = ctx.AttrFloat("min", -kInf);
    hi = ctx.AttrFloat("max", kInf);
  } else {
    if (ctx.Has(1)) SEAM_RETURN_IF_ERROR(HostScalar(ctx, 1, "Clip min", &lo));
    if (ctx.Has(2)) SEAM_RETURN_IF_ERROR(HostScalar(ctx, 2, "Clip max", &hi));
  }
  // ONNX's attribute defaults are the float limits; treat them as unbounded.
  if (lo <= -FLT_MAX) lo = -kInf;
  if (hi >= FLT_MAX) hi = kInf;
  if (!(lo <= hi)) return Unsupported("Clip with min > max");
  if (lo == -kInf && hi == kInf) {
    ctx.Alias(0, 0);  // clips nothing
    return Status::Ok();
  }
  if (lo == 0.0f && hi == kInf) return Unary(ctx, OpType::kRelu);
  return Unary(ctx, OpType::kClip, ClipAttrs{lo, hi});
}

// Max(x, c) / Min(x, c) with a scalar constant c are one-sided Clips (some
// exporters spell ReLU6 as Min(Max(x, 0), 6)); the rewrites merge the pair.
Status LowerMinMax(NodeContext& ctx, bool is_max) {
  if (ctx.num_inputs() != 2 || !ctx.Has(0) || !ctx.Has(1)) {
    return Unsupported(ctx.op_type() + " of other than two inputs on run-time tensors");
  }
  const int c = ctx.IsHost(0) ? 0 : 1;
  if (!ctx.IsHost(c) || ctx.Host(c).NumElements() != 1) {
    return Unsupported(ctx.op_type() + " of run-time tensors (only against a scalar constant)");
  }
  const float v = static_cast<float>(ctx.Host(c).GetDouble(0));
  int x, y;
  SEAM_RETURN_IF_ERROR(ctx.Tensor(1 - c, &x));
  const std::vector<int64_t> xd = ctx.Dims(1 - c), cd = ctx.Host(c).dims;
  std::vector<int64_t> out;
  if (!BroadcastDims(xd, cd, &out) || out != xd) {
    return Unsupported(ctx.op_type() + " that broadcasts its tensor input");
  }
  if (is_max && v == 0.0f) {
    SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kRelu, "", {x}, std::monostate{}, &y));
  } else {
    const ClipAttrs a = is_max ? ClipAttrs{v, kInf} : ClipAttrs{-kInf, v};
    SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kClip, "", {x}, a, &y));
  }
  ctx.SetTensor(0, y);
  return Status::Ok();
}

Status LowerMax(NodeContext& ctx) { return LowerMinMax(ctx, true); }
Status LowerMin(NodeContext& ctx) { return LowerMinMax(ctx, false); }

// HardSigmoid(x) = clip(alpha * x + beta, 0, 1). seam has no such op, so it is
// spelled Mul→Add→Clip; HardSigmoid(x)·x with alpha 1/6, beta 1/2 becomes a
// single HardSwish in LowerMul (and these nodes are then dead).
Status LowerHardSigmoid(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  const float alpha = ctx.AttrFloat("alpha", 0.2f), beta = ctx.AttrFloat("beta", 0.5f);
  int x, ca, cb, y;
  SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &x));
  SEAM_RETURN_IF_ERROR(ctx.Constant("alpha", {1}, {alpha}, &ca));
  SEAM_RETURN_IF_ERROR(ctx.Constant("beta", {1}, {beta}, &cb));
  SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kMul, "scale", {x, ca}, std::monostate{}, &y));
  SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kAdd, "shift", {y, cb}, std::monostate{}, &y));
  SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kClip, "", {y}, ClipAttrs{0.0f, 1.0f}, &y));
  ctx.SetTensor(0, y);
  return Status::Ok();
}

// --- elementwise arithmetic ---------------------------------------------------------

Status Binary(NodeContext& ctx, OpType op) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 2));
  int a, b, y;
  SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &a));
  SEAM_RETURN_IF_ERROR(ctx.Tensor(1, &b));
  SEAM_RETURN_IF_ERROR(ctx.Emit(op, "", {a, b}, std::monostate{}, &y));
  ctx.SetTensor(0, y);
  return Status::Ok();
}

Status LowerAdd(NodeContext& ctx) { return Binary(ctx, OpType::kAdd); }

bool IsHardSwishGate(const onnx::NodeProto* p, const std::string& x) {
  return p != nullptr && p->op_type() == "HardSigmoid" &&
         (p->domain().empty() || p->domain() == "ai.onnx") && p->input_size() == 1 &&
         p->input(0) == x && std::fabs(NodeAttrFloat(*p, "alpha", 0.2f) - 1.0f / 6.0f) < 1e-6f &&
         std::fabs(NodeAttrFloat(*p, "beta", 0.5f) - 0.5f) < 1e-6f;
}

Status LowerMul(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 2));
  for (int side = 0; side < 2; ++side) {
    if (ctx.In(1 - side).is_tensor() &&
        IsHardSwishGate(ctx.Producer(ctx.InputName(side)), ctx.InputName(1 - side))) {
      int x, y;
      SEAM_RETURN_IF_ERROR(ctx.Tensor(1 - side, &x));
      SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kHardSwish, "", {x}, std::monostate{}, &y));
      ctx.SetTensor(0, y);
      return Status::Ok();
    }
  }
  return Binary(ctx, OpType::kMul);
}

Status LowerSum(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  int y;
  SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &y));
  if (ctx.num_inputs() == 1) {
    ctx.Alias(0, 0);
    return Status::Ok();
  }
  for (int k = 1; k < ctx.num_inputs(); ++k) {
    int b;
    SEAM_RETURN_IF_ERROR(ctx.Tensor(k, &b));
    const bool last = k + 1 == ctx.num_inputs();
    SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kAdd, last ? "" : "partial" + std::to_string(k), {y, b},
                                  std::monostate{}, &y));
  }
  ctx.SetTensor(0, y);
  return Status::Ok();
}

// seam has Add and Mul only: a - b is a + (-b), exactly (negation is exact).
Status LowerSub(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 2));
  int a, nb, y;
  SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &a));
  if (ctx.IsHost(1)) {
    std::vector<float> v = HostFloats(ctx.Host(1));
    for (float& e : v) e = -e;
    SEAM_RETURN_IF_ERROR(ctx.Constant("neg_b", ctx.Host(1).dims, std::move(v), &nb));
  } else {
    int b, minus_one;
    SEAM_RETURN_IF_ERROR(ctx.Tensor(1, &b));
    SEAM_RETURN_IF_ERROR(ctx.Constant("minus_one", {1}, {-1.0f}, &minus_one));
    SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kMul, "neg", {b, minus_one}, std::monostate{}, &nb));
  }
  SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kAdd, "", {a, nb}, std::monostate{}, &y));
  ctx.SetTensor(0, y);
  return Status::Ok();
}

// a / c for a constant c is a * (1/c) (within an ulp; exact for powers of two).
Status LowerDiv(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 2));
  if (!ctx.IsHost(1)) {
    return Unsupported("Div by a tensor computed at run time (seam can only divide by constants)");
  }
  std::vector<float> v = HostFloats(ctx.Host(1));
  for (float& e : v) e = 1.0f / e;
  int a, r, y;
  SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &a));
  SEAM_RETURN_IF_ERROR(ctx.Constant("reciprocal", ctx.Host(1).dims, std::move(v), &r));
  SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kMul, "", {a, r}, std::monostate{}, &y));
  ctx.SetTensor(0, y);
  return Status::Ok();
}

Status LowerNeg(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  int x, m, y;
  SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &x));
  SEAM_RETURN_IF_ERROR(ctx.Constant("minus_one", {1}, {-1.0f}, &m));
  SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kMul, "", {x, m}, std::monostate{}, &y));
  ctx.SetTensor(0, y);
  return Status::Ok();
}

// --- matrix products ------------------------------------------------------------------

// out[n][k] = scale * (transposed ? m[n][k] : m[k][n]) for a 2-D host matrix,
// i.e. the [N, K] weight layout of FullyConnected.
std::vector<float> FcWeight(const HostTensor& m, bool already_nk, float scale) {
  const int64_t r = m.dims[0], c = m.dims[1];
  std::vector<float> w(static_cast<size_t>(r * c));
  for (int64_t i = 0; i < r; ++i) {
    for (int64_t j = 0; j < c; ++j) {
      const float v = scale * static_cast<float>(m.GetDouble(i * c + j));
      if (already_nk) {
        w[i * c + j] = v;
      } else {
        w[j * r + i] = v;
      }
    }
  }
  return w;
}

Status LowerGemm(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 2));
  const bool trans_a = ctx.AttrInt("transA", 0) != 0, trans_b = ctx.AttrInt("transB", 0) != 0;
  const float alpha = ctx.AttrFloat("alpha", 1.0f), beta = ctx.AttrFloat("beta", 1.0f);
  if (ctx.Rank(0) != 2 || ctx.Rank(1) != 2) return ctx.Invalid("Gemm needs 2-D A and B");
  int a, y;
  SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &a));
  if (trans_a) {
    SEAM_RETURN_IF_ERROR(
        ctx.Emit(OpType::kTranspose, "transpose_a", {a}, TransposeAttrs{{1, 0}}, &a));
  }
  const std::vector<int64_t> bd = ctx.Dims(1);
  const int64_t n = trans_b ? bd[0] : bd[1];
  const bool has_c = ctx.Has(2) && beta != 0.0f;
  bool bias_done = false;
  if (ctx.IsHost(1)) {
    // Constant B: FullyConnected with alpha folded into the [N, K] weight,
    // and beta·C folded into the bias when C is a per-output vector.
    int w, bias = -1;
    SEAM_RETURN_IF_ERROR(ctx.Constant("weight", {n, trans_b ? bd[1] : bd[0]},
                                      FcWeight(ctx.Host(1), trans_b, alpha), &w));
    if (has_c && ctx.IsHost(2)) {
      const HostTensor& c = ctx.Host(2);
      const std::vector<int64_t>& cd = c.dims;
      const bool per_output = (cd.size() == 1 && (cd[0] == n || cd[0] == 1)) ||
                              (cd.size() == 2 && cd[0] == 1 && (cd[1] == n || cd[1] == 1)) ||
                              cd.empty();
      if (per_output) {
        std::vector<float> b(static_cast<size_t>(n));
        for (int64_t k = 0; k < n; ++k) {
          b[k] = beta * static_cast<float>(c.GetDouble(c.NumElements() == 1 ? 0 : k));
        }
        SEAM_RETURN_IF_ERROR(ctx.Constant("bias", {n}, std::move(b), &bias));
        bias_done = true;
      }
    }
    std::vector<int> inputs = {a, w};
    if (bias >= 0) inputs.push_back(bias);
    SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kFullyConnected, has_c && !bias_done ? "fc" : "", inputs,
                                  FullyConnectedAttrs{}, &y));
  } else {
    int b;
    SEAM_RETURN_IF_ERROR(ctx.Tensor(1, &b));
    if (trans_b) {
      SEAM_RETURN_IF_ERROR(
          ctx.Emit(OpType::kTranspose, "transpose_b", {b}, TransposeAttrs{{1, 0}}, &b));
    }
    const bool more = alpha != 1.0f || has_c;
    SEAM_RETURN_IF_ERROR(
        ctx.Emit(OpType::kMatMul, more ? "matmul" : "", {a, b}, std::monostate{}, &y));
    if (alpha != 1.0f) {
      int s;
      SEAM_RETURN_IF_ERROR(ctx.Constant("alpha", {1}, {alpha}, &s));
      SEAM_RETURN_IF_ERROR(
          ctx.Emit(OpType::kMul, has_c ? "scale" : "", {y, s}, std::monostate{}, &y));
    }
  }
  if (has_c && !bias_done) {
    int c;
    if (ctx.IsHost(2)) {
      std::vector<float> v = HostFloats(ctx.Host(2));
      for (float& e : v) e *= beta;
      SEAM_RETURN_IF_ERROR(ctx.Constant("c", ctx.Host(2).dims, std::move(v), &c));
    } else {
      SEAM_RETURN_IF_ERROR(ctx.Tensor(2, &c));
      if (beta != 1.0f) {
        int s;
        SEAM_RETURN_IF_ERROR(ctx.Constant("beta", {1}, {beta}, &s));
        SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kMul, "scale_c", {c, s}, std::monostate{}, &c));
      }
    }
    SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kAdd, "", {y, c}, std::monostate{}, &y));
  }
  ctx.SetTensor(0, y);
  return Status::Ok();
}

Status LowerMatMul(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 2));
  const std::vector<int64_t> ad = ctx.Dims(0), bd = ctx.Dims(1);
  if (ad.empty() || bd.empty()) return ctx.Invalid("MatMul of a scalar");
  int y;
  if (ad.size() == 2 && bd.size() == 2 && ctx.IsHost(1) && !ctx.IsHost(0)) {
    // x·W with constant W is FullyConnected with weight W^T (Keras Dense).
    int a, w;
    SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &a));
    SEAM_RETURN_IF_ERROR(
        ctx.Constant("weight", {bd[1], bd[0]}, FcWeight(ctx.Host(1), false, 1.0f), &w));
    SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kFullyConnected, "", {a, w}, FullyConnectedAttrs{}, &y));
    ctx.SetTensor(0, y);
    return Status::Ok();
  }
  // numpy matmul: a 1-D operand gets a 1 prepended (A) or appended (B), which
  // is removed from the result again.
  int a, b;
  SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &a));
  SEAM_RETURN_IF_ERROR(ctx.Tensor(1, &b));
  if (ad.size() == 1) SEAM_RETURN_IF_ERROR(ctx.Reshape("a_2d", a, {1, ad[0]}, &a));
  if (bd.size() == 1) SEAM_RETURN_IF_ERROR(ctx.Reshape("b_2d", b, {bd[0], 1}, &b));
  const bool squeeze = ad.size() == 1 || bd.size() == 1;
  SEAM_RETURN_IF_ERROR(
      ctx.Emit(OpType::kMatMul, squeeze ? "matmul" : "", {a, b}, std::monostate{}, &y));
  if (squeeze) {
    std::vector<int64_t> dims = ToDims(ctx.ShapeOf(y));
    if (bd.size() == 1) dims.pop_back();
    if (ad.size() == 1) dims.erase(dims.end() - (bd.size() == 1 ? 1 : 2));
    if (dims.empty()) return Unsupported("MatMul of two vectors (a scalar result)");
    SEAM_RETURN_IF_ERROR(ctx.Reshape("", y, dims, &y));
  }
  ctx.SetTensor(0, y);
  return Status::Ok();
}

// --- shape manipulation ----------------------------------------------------------------

// Reshapes input 0 to `dims`, or passes it through when nothing changes.
Status ReshapeTo(NodeContext& ctx, const std::vector<int64_t>& dims) {
  if (dims == ctx.Dims(0)) {
    ctx.Alias(0, 0);
    return Status::Ok();
  }
  int x, y;
  SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &x));
  SEAM_RETURN_IF_ERROR(ctx.Reshape("", x, dims, &y));
  ctx.SetTensor(0, y);
  return Status::Ok();
}

Status LowerReshape(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  std::vector<int64_t> target;
  if (ctx.opset() < 5) {
    target = ctx.AttrInts("shape");
  } else {
    const HostTensor* t;
    SEAM_RETURN_IF_ERROR(ctx.RequireHost(1, "Reshape target shape", &t));
    for (int64_t k = 0; k < t->NumElements(); ++k) target.push_back(t->GetInt(k));
  }
  const bool allowzero = ctx.AttrInt("allowzero", 0) != 0;
  if (allowzero && std::count(target.begin(), target.end(), 0) > 0) {
    return Unsupported("Reshape to an empty tensor (allowzero with a 0 dimension)");
  }
  std::vector<int64_t> dims;
  SEAM_RETURN_IF_ERROR(ResolveReshape(ctx, ctx.Dims(0), target, allowzero, &dims));
  return ReshapeTo(ctx, dims);
}

Status LowerFlatten(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  const int64_t rank = ctx.Rank(0);
  int64_t axis = ctx.AttrInt("axis", 1);
  // ONNX counts a negative axis in [-r, -1] from the end; pass seam the
  // normalised value so no convention question remains.
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) return ctx.Invalid("Flatten axis out of range");
  int x, y;
  SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &x));
  SEAM_RETURN_IF_ERROR(
      ctx.Emit(OpType::kFlatten, "", {x}, AxisAttrs{static_cast<int32_t>(axis)}, &y));
  ctx.SetTensor(0, y);
  return Status::Ok();
}

Status LowerSqueeze(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  std::vector<int64_t> dims;
  SEAM_RETURN_IF_ERROR(SqueezeDims(ctx, ctx.Dims(0), &dims));
  if (dims.empty()) return Unsupported("Squeeze to a scalar (seam tensors have rank >= 1)");
  return ReshapeTo(ctx, dims);
}

Status LowerUnsqueeze(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  std::vector<int64_t> dims;
  SEAM_RETURN_IF_ERROR(UnsqueezeDims(ctx, ctx.Dims(0), &dims));
  return ReshapeTo(ctx, dims);
}

Status LowerTranspose(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  const int rank = ctx.Rank(0);
  std::vector<int64_t> perm = ctx.AttrInts("perm");
  if (perm.empty()) {
    for (int k = rank - 1; k >= 0; --k) perm.push_back(k);
  }
  std::vector<int32_t> p(perm.begin(), perm.end());
  bool identity = true;
  for (int k = 0; k < static_cast<int>(p.size()); ++k) identity = identity && p[k] == k;
  if (identity && static_cast<int>(p.size()) == rank) {
    ctx.Alias(0, 0);
    return Status::Ok();
  }
  return Unary(ctx, OpType::kTranspose, TransposeAttrs{p});
}

Status LowerConcat(NodeContext& ctx) {
  std::vector<int> inputs;
  int64_t rank = -1;
  for (int k = 0; k < ctx.num_inputs(); ++k) {
    if (!ctx.Has(k)) continue;
    rank = ctx.Rank(k);
    // An empty constant contributes nothing (seam has no empty tensors).
    if (ctx.IsHost(k) && ctx.Host(k).NumElements() == 0) continue;
    int t;
    SEAM_RETURN_IF_ERROR(ctx.Tensor(k, &t));
    inputs.push_back(t);
  }
  if (inputs.empty()) return ctx.Invalid("Concat without inputs");
  int64_t axis;
  if (!NormalizeAxis(ctx.AttrInt("axis", 0), rank, &axis)) {
    return ctx.Invalid("Concat axis out of range");
  }
  int y;
  SEAM_RETURN_IF_ERROR(
      ctx.Emit(OpType::kConcat, "", inputs, AxisAttrs{static_cast<int32_t>(axis)}, &y));
  ctx.SetTensor(0, y);
  return Status::Ok();
}

// seam's Pad takes negative pads (crops), so a unit-step Slice is a Pad.
Status CropTo(NodeContext& ctx, const std::vector<int64_t>& dims, const std::vector<int64_t>& begin,
              const std::vector<int64_t>& end, const std::string& suffix, int* out) {
  const size_t rank = dims.size();
  std::vector<int64_t> pads(2 * rank, 0);
  bool noop = true;
  for (size_t k = 0; k < rank; ++k) {
    if (end[k] <= begin[k]) return Unsupported(ctx.op_type() + " to an empty tensor");
    pads[k] = -begin[k];
    pads[k + rank] = -(dims[k] - end[k]);
    noop = noop && pads[k] == 0 && pads[k + rank] == 0;
  }
  int x;
  SEAM_RETURN_IF_ERROR(ctx.Tensor(0, &x));
  if (noop) {
    *out = x;
    return Status::Ok();
  }
  return ctx.Emit(OpType::kPad, suffix, {x}, PadAttrs{pads, PadMode::kConstant, 0.0f}, out);
}

Status LowerSlice(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  const std::vector<int64_t> dims = ctx.Dims(0);
  std::vector<int64_t> starts, ends, steps;
  SEAM_RETURN_IF_ERROR(SliceParams(ctx, dims, &starts, &ends, &steps));
  for (int64_t s : steps) {
    if (s != 1) return Unsupported("Slice with a step other than 1 on a run-time tensor");
  }
  int y;
  SEAM_RETURN_IF_ERROR(CropTo(ctx, dims, starts, ends, "", &y));
  ctx.SetTensor(0, y);
  return Status::Ok();
}

// Split: one crop per output (ShuffleNet's channel split before opset 13).
Status LowerSplit(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  const std::vector<int64_t> dims = ctx.Dims(0);
  int64_t axis;
  if (!NormalizeAxis(ctx.AttrInt("axis", 0), static_cast<int64_t>(dims.size()), &axis)) {
    return ctx.Invalid("Split axis out of range");
  }
  std::vector<int64_t> sizes;
  if (ctx.opset() < 13) {
    sizes = ctx.AttrInts("split");
  } else if (ctx.Has(1)) {
    const HostTensor* t;
    SEAM_RETURN_IF_ERROR(ctx.RequireHost(1, "Split sizes", &t));
    for (int64_t k = 0; k < t->NumElements(); ++k) sizes.push_back(t->GetInt(k));
  }
  const int n = ctx.num_outputs();
  if (sizes.empty()) {
    // Equal parts; with opset 18's num_outputs the last part may be smaller.
    const int64_t part = (dims[axis] + n - 1) / n;
    for (int k = 0; k < n; ++k) sizes.push_back(std::min(part, dims[axis] - part * k));
  }
  int64_t total = 0;
  for (int64_t v : sizes) total += v;
  if (static_cast<int>(sizes.size()) != n || total != dims[axis]) {
    return ctx.Invalid("Split sizes do not add up to dimension " + std::to_string(axis));
  }
  int64_t offset = 0;
  for (int k = 0; k < n; ++k) {
    std::vector<int64_t> begin(dims.size(), 0), end = dims;
    begin[axis] = offset;
    end[axis] = offset + sizes[k];
    offset += sizes[k];
    if (!ctx.HasOutput(k)) continue;
    int y;
    SEAM_RETURN_IF_ERROR(CropTo(ctx, dims, begin, end, "part" + std::to_string(k), &y));
    ctx.SetTensor(k, y);
  }
  return Status::Ok();
}

// Gather of constant indices from a run-time tensor: a single index or a
// contiguous ascending run is a crop (plus a Reshape dropping the axis for
// a scalar index).
Status LowerGather(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 2));
  const HostTensor* idx;
  SEAM_RETURN_IF_ERROR(ctx.RequireHost(1, "Gather indices", &idx));
  const std::vector<int64_t> dims = ctx.Dims(0);
  int64_t axis;
  if (!NormalizeAxis(ctx.AttrInt("axis", 0), static_cast<int64_t>(dims.size()), &axis)) {
    return ctx.Invalid("Gather axis out of range");
  }
  if (idx->rank() > 1 || idx->NumElements() == 0) {
    return Unsupported("Gather with " + idx->Describe() + " indices from a run-time tensor");
  }
  std::vector<int64_t> v;
  for (int64_t k = 0; k < idx->NumElements(); ++k) {
    int64_t i = idx->GetInt(k);
    if (i < 0) i += dims[axis];
    if (i < 0 || i >= dims[axis]) return ctx.Invalid("Gather index out of range");
    if (!v.empty() && i != v.back() + 1) {
      return Unsupported("Gather of non-contiguous indices from a run-time tensor");
    }
    v.push_back(i);
  }
  std::vector<int64_t> begin(dims.size(), 0), end = dims;
  begin[axis] = v.front();
  end[axis] = v.back() + 1;
  int y;
  if (idx->rank() == 0) {
    std::vector<int64_t> out_dims = dims;
    out_dims.erase(out_dims.begin() + axis);
    if (out_dims.empty()) return Unsupported("Gather to a scalar");
    SEAM_RETURN_IF_ERROR(CropTo(ctx, dims, begin, end, "crop", &y));
    SEAM_RETURN_IF_ERROR(ctx.Reshape("", y, out_dims, &y));
  } else {
    SEAM_RETURN_IF_ERROR(CropTo(ctx, dims, begin, end, "", &y));
  }
  ctx.SetTensor(0, y);
  return Status::Ok();
}

Status LowerPad(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  const std::string mode = ctx.AttrString("mode", "constant");
  PadAttrs a;
  if (mode == "constant") {
    a.mode = PadMode::kConstant;
  } else if (mode == "reflect") {
    a.mode = PadMode::kReflect;
  } else if (mode == "edge") {
    a.mode = PadMode::kEdge;
  } else {
    return Unsupported("Pad mode '" + mode + "'");
  }
  const int64_t rank = ctx.Rank(0);
  std::vector<int64_t> pads;
  if (ctx.opset() < 11) {
    // pads and value are attributes before opset 11.
    pads = ctx.AttrInts(ctx.HasAttr("pads") ? "pads" : "paddings");
    a.value = ctx.AttrFloat("value", 0.0f);
  } else {
    const HostTensor* p;
    SEAM_RETURN_IF_ERROR(ctx.RequireHost(1, "Pad pads", &p));
    for (int64_t k = 0; k < p->NumElements(); ++k) pads.push_back(p->GetInt(k));
    if (ctx.Has(2)) SEAM_RETURN_IF_ERROR(HostScalar(ctx, 2, "Pad constant_value", &a.value));
    if (ctx.Has(3)) {
      // Opset 18 axes: pads cover only the listed axes.
      const HostTensor* ax;
      SEAM_RETURN_IF_ERROR(ctx.RequireHost(3, "Pad axes", &ax));
      const int64_t n = ax->NumElements();
      if (static_cast<int64_t>(pads.size()) != 2 * n) return ctx.Invalid("Pad pads/axes mismatch");
      std::vector<int64_t> full(2 * rank, 0);
      for (int64_t k = 0; k < n; ++k) {
        int64_t axis;
        if (!NormalizeAxis(ax->GetInt(k), rank, &axis)) return ctx.Invalid("Pad axis out of range");
        full[axis] = pads[k];
        full[axis + rank] = pads[k + n];
      }
      pads = full;
    }
  }
  if (static_cast<int64_t>(pads.size()) != 2 * rank) {
    return ctx.Invalid("Pad has " + std::to_string(pads.size()) + " pads for a rank-" +
                       std::to_string(rank) + " input");
  }
  if (std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; })) {
    ctx.Alias(0, 0);  // pads nothing (torch emits these before AveragePool)
    return Status::Ok();
  }
  a.pads = pads;
  return Unary(ctx, OpType::kPad, a);
}

Status LowerCast(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  const int64_t to = ctx.AttrInt("to", kOnnxFloat);
  if (to != kOnnxFloat) {
    return Unsupported(std::string("Cast of a run-time tensor to ") +
                       OnnxTypeName(static_cast<int32_t>(to)) + " (seam computes in float32)");
  }
  ctx.Alias(0, 0);
  return Status::Ok();
}

Status LowerExpand(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 2));
  const HostTensor* shape;
  SEAM_RETURN_IF_ERROR(ctx.RequireHost(1, "Expand shape", &shape));
  std::vector<int64_t> target, dims;
  for (int64_t k = 0; k < shape->NumElements(); ++k) target.push_back(shape->GetInt(k));
  if (!BroadcastDims(ctx.Dims(0), target, &dims)) return ctx.Invalid("Expand does not broadcast");
  if (dims != ctx.Dims(0)) {
    return Unsupported("Expand that enlarges a run-time tensor from " + DimsToString(ctx.Dims(0)) +
                       " to " + DimsToString(dims));
  }
  ctx.Alias(0, 0);
  return Status::Ok();
}

// --- Resize / Upsample ----------------------------------------------------------------

// seam's output size is floor(in * scale); for an ONNX `sizes` input pick the
// float scale nearest size/in for which that floor really gives `size`.
float ScaleForSize(int64_t in, int64_t size) {
  float s = static_cast<float>(static_cast<double>(size) / static_cast<double>(in));
  for (int k = 0; k < 8 && std::floor(static_cast<double>(in) * s) < static_cast<double>(size);
       ++k) {
    s = std::nextafter(s, kInf);
  }
  return s;
}

Status EmitResize(NodeContext& ctx, std::vector<float> scales, ResizeCoordinateMode coord,
                  ResizeNearestMode nearest) {
  const std::vector<int64_t> xd = ctx.Dims(0);
  if (scales.size() != xd.size()) {
    return ctx.Invalid("Resize has " + std::to_string(scales.size()) + " scales for a rank-" +
                       std::to_string(xd.size()) + " input");
  }
  if (std::all_of(scales.begin(), scales.end(), [](float s) { return s == 1.0f; })) {
    ctx.Alias(0, 0);
    return Status::Ok();
  }
  ResizeAttrs a;
  a.scales = std::move(scales);
  a.coordinate_mode = coord;
  a.nearest_mode = nearest;
  return Unary(ctx, OpType::kResize, a);
}

Status LowerUpsample(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  const std::string mode = ctx.AttrString("mode", "nearest");
  if (mode != "nearest") return Unsupported("Upsample mode '" + mode + "' (seam resizes nearest)");
  std::vector<float> scales;
  if (ctx.opset() < 9) {
    scales = ctx.AttrFloats("scales");
  } else {
    const HostTensor* s;
    SEAM_RETURN_IF_ERROR(ctx.RequireHost(1, "Upsample scales", &s));
    scales = HostFloats(*s);
  }
  // Upsample's nearest mapping is in = floor(out / scale).
  return EmitResize(ctx, scales, ResizeCoordinateMode::kAsymmetric, ResizeNearestMode::kFloor);
}

Status LowerResize(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 1));
  const std::string mode = ctx.AttrString("mode", "nearest");
  if (mode != "nearest") return Unsupported("Resize mode '" + mode + "' (seam resizes nearest)");
  const std::vector<int64_t> xd = ctx.Dims(0);
  if (ctx.opset() == 10) {
    const HostTensor* s;
    SEAM_RETURN_IF_ERROR(ctx.RequireHost(1, "Resize scales", &s));
    // Opset 10 has no coordinate modes: in = floor(out / scale), like Upsample.
    return EmitResize(ctx, HostFloats(*s), ResizeCoordinateMode::kAsymmetric,
                      ResizeNearestMode::kFloor);
  }
  if (ctx.HasAttr("axes")) return Unsupported("Resize with axes");
  const std::string policy = ctx.AttrString("keep_aspect_ratio_policy", "stretch");
  if (policy != "stretch") return Unsupported("Resize keep_aspect_ratio_policy '" + policy + "'");
  const std::string cm = ctx.AttrString("coordinate_transformation_mode", "half_pixel");
  ResizeCoordinateMode coord;
  if (cm == "half_pixel") {
    coord = ResizeCoordinateMode::kHalfPixel;
  } else if (cm == "asymmetric") {
    coord = ResizeCoordinateMode::kAsymmetric;
  } else if (cm == "align_corners") {
    coord = ResizeCoordinateMode::kAlignCorners;
  } else if (cm == "pytorch_half_pixel") {
    coord = ResizeCoordinateMode::kPytorchHalfPixel;
  } else {
    return Unsupported("Resize coordinate_transformation_mode '" + cm + "'");
  }
  const std::string nm = ctx.AttrString("nearest_mode", "round_prefer_floor");
  ResizeNearestMode nearest;
  if (nm == "round_prefer_floor") {
    nearest = ResizeNearestMode::kRoundPreferFloor;
  } else if (nm == "round_prefer_ceil") {
    nearest = ResizeNearestMode::kRoundPreferCeil;
  } else if (nm == "floor") {
    nearest = ResizeNearestMode::kFloor;
  } else if (nm == "ceil") {
    nearest = ResizeNearestMode::kCeil;
  } else {
    return ctx.Invalid("unknown nearest_mode '" + nm + "'");
  }
  std::vector<float> scales;
  if (ctx.Has(2) && !(ctx.IsHost(2) && ctx.Host(2).NumElements() == 0)) {
    const HostTensor* s;
    SEAM_RETURN_IF_ERROR(ctx.RequireHost(2, "Resize scales", &s));
    scales = HostFloats(*s);
  } else if (ctx.Has(3)) {
    const HostTensor* sizes;
    SEAM_RETURN_IF_ERROR(ctx.RequireHost(3, "Resize sizes", &sizes));
    if (sizes->NumElements() != static_cast<int64_t>(xd.size())) {
      return ctx.Invalid("Resize sizes has the wrong length");
    }
    for (size_t k = 0; k < xd.size(); ++k) {
      const int64_t size = sizes->GetInt(static_cast<int64_t>(k));
      if (size <= 0) return Unsupported("Resize to an empty tensor");
      scales.push_back(ScaleForSize(xd[k], size));
    }
  } else {
    return ctx.Invalid("Resize needs scales or sizes");
  }
  return EmitResize(ctx, scales, coord, nearest);
}

// --- LSTM -------------------------------------------------------------------------------

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Status LowerLSTM(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(Need(ctx, 3));
  if (ctx.AttrInt("layout", 0) != 0) return Unsupported("LSTM with layout = 1 (batch first)");
  if (ctx.HasAttr("clip")) return Unsupported("LSTM with clip");
  if (ctx.AttrInt("input_forget", 0) != 0) return Unsupported("LSTM with input_forget");
  const std::string dir = ctx.AttrString("direction", "forward");
  LSTMAttrs a;
  int dirs = 1;
  if (dir == "forward") {
    a.direction = LSTMDirection::kForward;
  } else if (dir == "reverse") {
    a.direction = LSTMDirection::kReverse;
  } else if (dir == "bidirectional") {
    a.direction = LSTMDirection::kBidirectional;
    dirs = 2;
  } else {
    return ctx.Invalid("unknown LSTM direction '" + dir + "'");
  }
  if (const onnx::AttributeProto* acts = ctx.Attr("activations")) {
    static const char* kDefault[] = {"sigmoid", "tanh", "tanh"};
    if (acts->strings_size() != 3 * dirs) return ctx.Invalid("LSTM activations has wrong length");
    for (int k = 0; k < acts->strings_size(); ++k) {
      if (Lower(acts->strings(k)) != kDefault[k % 3]) {
        return Unsupported("LSTM activation '" + acts->strings(k) +
                           "' (seam uses Sigmoid/Tanh/Tanh)");
      }
    }
  }
  const std::vector<int64_t> xd = ctx.Dims(0), rd = ctx.Dims(2);
  if (xd.size() != 3 || rd.size() != 3) return ctx.Invalid("LSTM needs 3-D X and R");
  const int64_t hidden = ctx.AttrInt("hidden_size", rd[2]);
  if (hidden != rd[2] || !FitsInt32(hidden)) return ctx.Invalid("LSTM hidden_size differs from R");
  a.hidden_size = static_cast<int32_t>(hidden);
  if (ctx.Has(4)) {
    // Full-length sequences are what seam computes anyway.
    const HostTensor* lens;
    SEAM_RETURN_IF_ERROR(ctx.RequireHost(4, "LSTM sequence_lens", &lens));
    for (int64_t k = 0; k < lens->NumElements(); ++k) {
      if (lens->GetInt(k) != xd[0])
        return Unsupported("LSTM with sequence_lens shorter than the input");
    }
  }
  if (ctx.Has(7)) {
    const HostTensor* p;
    SEAM_RETURN_IF_ERROR(ctx.RequireHost(7, "LSTM peepholes", &p));
    for (int64_t k = 0; k < p->NumElements(); ++k) {
      if (p->GetDouble(k) != 0.0) return Unsupported("LSTM with peepholes");
    }
  }
  std::vector<int> inputs(7, -1);
  for (int k : {0, 1, 2, 3, 5, 6}) {
    if (ctx.Has(k)) SEAM_RETURN_IF_ERROR(ctx.Tensor(k, &inputs[k]));
  }
  while (inputs.size() > 3 && inputs.back() < 0) inputs.pop_back();
  int y;
  SEAM_RETURN_IF_ERROR(ctx.Emit(OpType::kLSTM, "", inputs, a, &y, 3));
  GraphBuilder* b = ctx.emitter()->builder;
  ctx.SetTensor(0, y);
  ctx.SetTensor(1, b->LastOutput(1));
  ctx.SetTensor(2, b->LastOutput(2));
  return Status::Ok();
}

}  // namespace

NodeFn FindLowering(const std::string& op_type) {
  static const std::unordered_map<std::string, NodeFn> kTable = {
      {"Conv", &LowerConv},
      {"Gemm", &LowerGemm},
      {"MatMul", &LowerMatMul},
      {"MaxPool", &LowerMaxPool},
      {"AveragePool", &LowerAveragePool},
      {"GlobalAveragePool", &LowerGlobalAveragePool},
      {"GlobalMaxPool", &LowerGlobalMaxPool},
      {"ReduceMean", &LowerReduceMean},
      {"BatchNormalization", &LowerBatchNorm},
      {"LRN", &LowerLRN},
      {"Relu", &LowerRelu},
      {"Clip", &LowerClip},
      {"LeakyRelu", &LowerLeakyRelu},
      {"Sigmoid", &LowerSigmoid},
      {"Tanh", &LowerTanh},
      {"HardSwish", &LowerHardSwish},
      {"HardSigmoid", &LowerHardSigmoid},
      {"Max", &LowerMax},
      {"Min", &LowerMin},
      {"Add", &LowerAdd},
      {"Sum", &LowerSum},
      {"Mul", &LowerMul},
      {"Sub", &LowerSub},
      {"Div", &LowerDiv},
      {"Neg", &LowerNeg},
      {"Concat", &LowerConcat},
      {"Softmax", &LowerSoftmax},
      {"Flatten", &LowerFlatten},
      {"Reshape", &LowerReshape},
      {"Squeeze", &LowerSqueeze},
      {"Unsqueeze", &LowerUnsqueeze},
      {"Transpose", &LowerTranspose},
      {"Slice", &LowerSlice},
      {"Split", &LowerSplit},
      {"Gather", &LowerGather},
      {"Pad", &LowerPad},
      {"Cast", &LowerCast},
      {"Expand", &LowerExpand},
      {"Resize", &LowerResize},
      {"Upsample", &LowerUpsample},
      {"LSTM", &LowerLSTM},
      {"Identity", IdentityLowering()},
      {"Dropout", DropoutLowering()},
  };
  auto it = kTable.find(op_type);
  return it == kTable.end() ? nullptr : it->second;
}

}  // namespace seam::onnx_import
