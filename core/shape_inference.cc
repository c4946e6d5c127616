// Shape inference and attribute validation, one function per op.
//
// This is the single place that decides whether a node is well-formed, so
// kernels and backends may trust shapes and attributes afterwards.
#include "core/shape_inference.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace seam {

std::string NodeLabel(const Graph& graph, int node_index) {
  const Node& node = graph.nodes[node_index];
  return "node '" + node.name + "' (#" + std::to_string(node_index) + ", " + OpTypeName(node.op) +
         "): ";
}

namespace {

// Collects the context every op check needs and formats errors uniformly.
class NodeChecker {
 public:
  NodeChecker(const Graph& graph, int node_index)
      : graph_(graph), node_(graph.nodes[node_index]), label_(NodeLabel(graph, node_index)) {}

  const Node& node() const { return node_; }
  Status Error(const std::string& rule) const { return InvalidModel(label_ + rule); }
  Status NotSupported(const std::string& what) const { return Unsupported(label_ + what); }

  Status ExpectInputs(size_t min, size_t max) const {
    if (node_.inputs.size() < min || node_.inputs.size() > max) {
      return Error("expects " + Range(min, max) + " inputs, has " +
                   std::to_string(node_.inputs.size()));
    }
    for (size_t i = 0; i < min; ++i) {
      if (node_.inputs[i] < 0) return Error("required input " + std::to_string(i) + " is absent");
    }
    return Status::Ok();
  }
  Status ExpectOutputs(size_t min, size_t max) const {
    if (node_.outputs.size() < min || node_.outputs.size() > max) {
      return Error("expects " + Range(min, max) + " outputs, has " +
                   std::to_string(node_.outputs.size()));
    }
    return Status::Ok();
  }
  bool Has(size_t i) const { return i < node_.inputs.size() && node_.inputs[i] >= 0; }
  const Shape& In(size_t i) const { return graph_.tensors[node_.inputs[i]].shape; }
  bool IsConstant(size_t i) const { return graph_.tensors[node_.inputs[i]].is_constant(); }

  Status ExpectRank(size_t i, int rank, const char* what) const {
    if (In(i).rank != rank) {
      return Error(std::string(what) + " must have rank " + std::to_string(rank) + ", has shape " +
                   In(i).ToString());
    }
    return Status::Ok();
  }
  Status ExpectShape(size_t i, const Shape& expected, const char* what) const {
    if (In(i) != expected) {
      return Error(std::string(what) + " must have shape " + expected.ToString() + ", has " +
                   In(i).ToString());
    }
    return Status::Ok();
  }
  template <typename T>
  Status GetAttrs(const T** out) const {
    *out = std::get_if<T>(&node_.attrs);
    if (*out == nullptr) return Error("attributes are missing or of the wrong kind");
    return Status::Ok();
  }

 private:
  static std::string Range(size_t min, size_t max) {
    return min == max ? std::to_string(min) : std::to_string(min) + ".." + std::to_string(max);
  }

  const Graph& graph_;
  const Node& node_;
  std::string label_;
};

// Normalises a possibly negative axis into [0, rank).
bool NormalizeAxis(int32_t axis, int rank, int* out) {
  if (axis < -rank || axis >= rank) return false;
  *out = axis < 0 ? axis + rank : axis;
  return true;
}

Status CheckActivation(const NodeChecker& c, const FusedActivation& act) {
  if (act.kind == ActivationKind::kClip && !(act.alpha <= act.beta)) {
    return c.Error("fused Clip needs min <= max");
  }
  if (static_cast<int32_t>(act.kind) < 0 || static_cast<int32_t>(act.kind) > 6) {
    return c.Error("unknown fused activation kind " +
                   std::to_string(static_cast<int32_t>(act.kind)));
  }
  return Status::Ok();
}

// Output size of a sliding window along one axis, PyTorch rules (ceil mode
// drops a last window that would start in the end padding).
Status WindowOutput(const NodeChecker& c, const char* axis, int64_t in, int32_t kernel,
                    int32_t stride, int32_t dilation, int32_t pad_begin, int32_t pad_end,
                    bool ceil_mode, int64_t* out) {
  if (kernel <= 0) return c.Error(std::string("kernel ") + axis + " must be > 0");
  if (stride <= 0) return c.Error(std::string("stride ") + axis + " must be > 0");
  if (dilation <= 0) return c.Error(std::string("dilation ") + axis + " must be > 0");
  if (pad_begin < 0 || pad_end < 0) return c.Error(std::string("pads ") + axis + " must be >= 0");
  const int64_t effective = int64_t{dilation} * (kernel - 1) + 1;
  const int64_t padded = in + pad_begin + pad_end;
  if (effective > padded) {
    return c.Error(std::string("kernel ") + axis + " (" + std::to_string(effective) +
                   " with dilation) does not fit the padded input (" + std::to_string(padded) +
                   ")");
  }
  int64_t span = padded - effective;
  int64_t n = ceil_mode ? (span + stride - 1) / stride + 1 : span / stride + 1;
  if (ceil_mode && (n - 1) * stride >= in + pad_begin) --n;
  *out = n;
  return Status::Ok();
}

Status Broadcast(const NodeChecker& c, const Shape& a, const Shape& b, Shape* out) {
  const int rank = std::max(a.rank, b.rank);
  out->rank = rank;
  for (int i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.rank ? 1 : a.dims[i - (rank - a.rank)];
    const int64_t db = i < rank - b.rank ? 1 : b.dims[i - (rank - b.rank)];
    if (da != db && da != 1 && db != 1) {
      return c.Error("shapes " + a.ToString() + " and " + b.ToString() + " do not broadcast");
    }
    out->dims[i] = da == 1 ? db : da;
  }
  return Status::Ok();
}

Status InferConv2D(const NodeChecker& c, std::vector<Shape>* out) {
  SEAM_RETURN_IF_ERROR(c.ExpectInputs(2, 3));
  SEAM_RETURN_IF_ERROR(c.ExpectOutputs(1, 1));
  const Conv2DAttrs* a;
  SEAM_RETURN_IF_ERROR(c.GetAttrs(&a));
  SEAM_RETURN_IF_ERROR(c.ExpectRank(0, 4, "input X"));
  SEAM_RETURN_IF_ERROR(c.ExpectRank(1, 4, "weight W"));
  SEAM_RETURN_IF_ERROR(CheckActivation(c, a->activation));
  const Shape& x = c.In(0);
  const Shape& w = c.In(1);
  if (a->group <= 0) return c.Error("group must be > 0");
  if (x.dims[1] % a->group != 0) {
    return c.Error("group " + std::to_string(a->group) + " does not divide input channels " +
                   std::to_string(x.dims[1]));
  }
  if (w.dims[0] % a->group != 0) {
    return c.Error("group " + std::to_string(a->group) + " does not divide output channels " +
                   std::to_string(w.dims[0]));
  }
  if (w.dims[1] != x.dims[1] / a->group) {
    return c.Error("weight " + w.ToString() + " needs C/group = " +
                   std::to_string(x.dims[1] / a->group) + " input channels per group");
  }
  if (w.dims[2] != a->kernel_h || w.dims[3] != a->kernel_w) {
    return c.Error("weight " + w.ToString() + " does not match kernel " +
                   std::to_string(a->kernel_h) + "x" + std::to_string(a->kernel_w));
  }
  if (c.Has(2)) SEAM_RETURN_IF_ERROR(c.ExpectShape(2, Shape{w.dims[0]}, "bias"));
  int64_t oh, ow;
  SEAM_RETURN_IF_ERROR(WindowOutput(c, "h", x.dims[2], a->kernel_h, a->stride_h, a->dilation_h,
                                    a->pad_top, a->pad_bottom, false, &oh));
  SEAM_RETURN_IF_ERROR(WindowOutput(c, "w", x.dims[3], a->kernel_w, a->stride_w, a->dilation_w,
                                    a->pad_left, a->pad_right, false, &ow));
  (*out)[0] = Shape{x.dims[0], w.dims[0], oh, ow};
  return Status::Ok();
}

Status InferFullyConnected(const NodeChecker& c, std::vector<Shape>* out) {
  SEAM_RETURN_IF_ERROR(c.ExpectInputs(2, 3));
  SEAM_RETURN_IF_ERROR(c.ExpectOutputs(1, 1));
  const FullyConnectedAttrs* a;
  SEAM_RETURN_IF_ERROR(c.GetAttrs(&a));
  SEAM_RETURN_IF_ERROR(CheckActivation(c, a->activation));
  SEAM_RETURN_IF_ERROR(c.ExpectRank(0, 2, "input X"));
  SEAM_RETURN_IF_ERROR(c.ExpectRank(1, 2, "weight W"));
  const Shape& x = c.In(0);
  const Shape& w = c.In(1);
  if (w.dims[1] != x.dims[1]) {
    return c.Error("weight " + w.ToString() + " needs " + std::to_string(x.dims[1]) +
                   " input features (input " + x.ToString() + ")");
  }
  if (c.Has(2)) SEAM_RETURN_IF_ERROR(c.ExpectShape(2, Shape{w.dims[0]}, "bias"));
  (*out)[0] = Shape{x.dims[0], w.dims[0]};
  return Status::Ok();
}

Status InferMatMul(const NodeChecker& c, std::vector<Shape>* out) {
  SEAM_RETURN_IF_ERROR(c.ExpectInputs(2, 2));
  SEAM_RETURN_IF_ERROR(c.ExpectOutputs(1, 1));
  const Shape& a = c.In(0);
  const Shape& b = c.In(1);
  if (a.rank < 2 || b.rank < 2) return c.Error("both operands need rank >= 2");
  if (a.dims[a.rank - 1] != b.dims[b.rank - 2]) {
    return c.Error("inner dimensions of " + a.ToString() + " and " + b.ToString() + " differ");
  }
  Shape batch_a, batch_b, batch;
  batch_a.rank = a.rank - 2;
  batch_b.rank = b.rank - 2;
  std::copy(a.dims, a.dims + batch_a.rank, batch_a.dims);
  std::copy(b.dims, b.dims + batch_b.rank, batch_b.dims);
  SEAM_RETURN_IF_ERROR(Broadcast(c, batch_a, batch_b, &batch));
  Shape y = batch;
  y.dims[y.rank++] = a.dims[a.rank - 2];
  y.dims[y.rank++] = b.dims[b.rank - 1];
  (*out)[0] = y;
  return Status::Ok();
}

Status InferPool(const NodeChecker& c, std::vector<Shape>* out) {
  SEAM_RETURN_IF_ERROR(c.ExpectInputs(1, 1));
  SEAM_RETURN_IF_ERROR(c.ExpectOutputs(1, 1));
  const PoolAttrs* a;
  SEAM_RETURN_IF_ERROR(c.GetAttrs(&a));
  SEAM_RETURN_IF_ERROR(c.ExpectRank(0, 4, "input X"));
  const Shape& x = c.In(0);
  if (a->pad_top >= a->kernel_h || a->pad_bottom >= a->kernel_h || a->pad_left >= a->kernel_w ||
      a->pad_right >= a->kernel_w) {
    return c.Error("pads must be smaller than the kernel");
  }
  int64_t oh, ow;
  SEAM_RETURN_IF_ERROR(WindowOutput(c, "h", x.dims[2], a->kernel_h, a->stride_h, 1, a->pad_top,
                                    a->pad_bottom, a->ceil_mode, &oh));
  SEAM_RETURN_IF_ERROR(WindowOutput(c, "w", x.dims[3], a->kernel_w, a->stride_w, 1, a->pad_left,
                                    a->pad_right, a->ceil_mode, &ow));
  (*out)[0] = Shape{x.dims[0], x.dims[1], oh, ow};
  return Status::Ok();
}

Status InferGlobalAveragePool(const NodeChecker& c, std::vector<Shape>* out) {
  SEAM_RETURN_IF_ERROR(c.ExpectInputs(1, 1));
  SEAM_RETURN_IF_ERROR(c.ExpectOutputs(1, 1));
  SEAM_RETURN_IF_ERROR(c.ExpectRank(0, 4, "input X"));
  const Shape& x = c.In(0);
  (*out)[0] = Shape{x.dims[0], x.dims[1], 1, 1};
  return Status::Ok();
}

Status InferBatchNorm(const NodeChecker& c, std::vector<Shape>* out) {
  SEAM_RETURN_IF_ERROR(c.ExpectInputs(5, 5));
  SEAM_RETURN_IF_ERROR(c.ExpectOutputs(1, 1));
  const BatchNormAttrs* a;
  SEAM_RETURN_IF_ERROR(c.GetAttrs(&a));
  const Shape& x = c.In(0);
  if (x.rank < 2) return c.Error("input X must have rank >= 2, has shape " + x.ToString());
  if (!(a->epsilon >= 0.0f) || !std::isfinite(a->epsilon)) {
    return c.Error("epsilon must be finite and >= 0");
  }
  static const char* kNames[] = {"", "scale", "bias", "mean", "variance"};
  for (size_t i = 1; i < 5; ++i) {
    SEAM_RETURN_IF_ERROR(c.ExpectShape(i, Shape{x.dims[1]}, kNames[i]));
  }
  (*out)[0] = x;
  return Status::Ok();
}

Status InferLRN(const NodeChecker& c, std::vector<Shape>* out) {
  SEAM_RETURN_IF_ERROR(c.ExpectInputs(1, 1));
  SEAM_RETURN_IF_ERROR(c.ExpectOutputs(1, 1));
  const LRNAttrs* a;
  SEAM_RETURN_IF_ERROR(c.GetAttrs(&a));
  SEAM_RETURN_IF_ERROR(c.ExpectRank(0, 4, "input X"));
  if (a->size <= 0) return c.Error("size must be > 0");
  if (!std::isfinite(a->alpha) || !std::isfinite(a->beta) || !std::isfinite(a->bias)) {
    return c.Error("alpha, beta and bias must be finite");
  }
  (*out)[0] = c.In(0);
  return Status::Ok();
}

Status InferUnary(const NodeChecker& c, std::vector<Shape>* out) {
  SEAM_RETURN_IF_ERROR(c.ExpectInputs(1, 1));
  SEAM_RETURN_IF_ERROR(c.ExpectOutputs(1, 1));
  const Node& node = c.node();
  if (node.op == OpType::kClip) {
    const ClipAttrs* a;
    SEAM_RETURN_IF_ERROR(c.GetAttrs(&a));
    if (!(a->min <= a->max)) return c.Error("min must be <= max");
  } else if (node.op == OpType::kLeakyRelu) {
    const LeakyReluAttrs* a;
    SEAM_RETURN_IF_ERROR(c.GetAttrs(&a));
    if (!std::isfinite(a->alpha)) return c.Error("alpha must be finite");
  }
  (*out)[0] = c.In(0);
  return Status::Ok();
}

Status InferBinary(const NodeChecker& c, std::vector<Shape>* out) {
  SEAM_RETURN_IF_ERROR(c.ExpectInputs(2, 2));
  SEAM_RETURN_IF_ERROR(c.ExpectOutputs(1, 1));
  return Broadcast(c, c.In(0), c.In(1), &(*out)[0]);
}

Status InferConcat(const NodeChecker& c, std::vector<Shape>* out) {
  SEAM_RETURN_IF_ERROR(c.ExpectInputs(1, 1024));
  SEAM_RETURN_IF_ERROR(c.ExpectOutputs(1, 1));
  const AxisAttrs* a;
  SEAM_RETURN_IF_ERROR(c.GetAttrs(&a));
  for (size_t i = 0; i < c.node().inputs.size(); ++i) {
    if (!c.Has(i)) return c.Error("input " + std::to_string(i) + " is absent");
  }
  Shape y = c.In(0);
  int axis;
  if (!NormalizeAxis(a->axis, y.rank, &axis)) {
    return c.Error("axis " + std::to_string(a->axis) + " out of range for rank " +
                   std::to_string(y.rank));
  }
  for (size_t i = 1; i < c.node().inputs.size(); ++i) {
    const Shape& s = c.In(i);
    bool same = s.rank == y.rank;
    for (int d = 0; same && d < y.rank; ++d) same = d == axis || s.dims[d] == y.dims[d];
    if (!same) {
      return c.Error("input " + std::to_string(i) + " shape " + s.ToString() +
                     " differs from input 0 " + c.In(0).ToString() + " outside axis " +
                     std::to_string(axis));
    }
    y.dims[axis] += s.dims[axis];
  }
  (*out)[0] = y;
  return Status::Ok();
}

Status InferSoftmax(const NodeChecker& c, std::vector<Shape>* out) {
  SEAM_RETURN_IF_ERROR(c.ExpectInputs(1, 1));
  SEAM_RETURN_IF_ERROR(c.ExpectOutputs(1, 1));
  const AxisAttrs* a;
  SEAM_RETURN_IF_ERROR(c.GetAttrs(&a));
  int axis;
  if (!NormalizeAxis(a->axis, c.In(0).rank, &axis)) {
    return c.Error("axis " + std::to_string(a->axis) + " out of range for rank " +
                   std::to_string(c.In(0).rank));
  }
  (*out)[0] = c.In(0);
  return Status::Ok();
}

Status InferFlatten(const NodeChecker& c, std::vector<Shape>* out) {
  SEAM_RETURN_IF_ERROR(c.ExpectInputs(1, 1));
  SEAM_RETURN_IF_ERROR(c.ExpectOutputs(1, 1));
  const AxisAttrs* a;
  SEAM_RETURN_IF_ERROR(c.GetAttrs(&a));
  const Shape& x = c.In(0);
  // ONNX Flatten: axis in [-rank, rank]; a negative axis counts from the end.
  if (a->axis < -x.rank || a->axis > x.rank) {
    return c.Error("axis " + std::to_string(a->axis) + " out of range for rank " +
                   std::to_string(x.rank));
  }
  const int axis = a->axis < 0 ? a->axis + x.rank : a->axis;
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < x.rank; ++d) (d < axis ? outer : inner) *= x.dims[d];
  (*out)[0] = Shape{outer, inner};
  return Status::Ok();
}

Status InferReshape(const NodeChecker& c, std::vector<Shape>* out) {
  SEAM_RETURN_IF_ERROR(c.ExpectInputs(1, 1));
  SEAM_RETURN_IF_ERROR(c.ExpectOutputs(1, 1));
  const ReshapeAttrs* a;
  SEAM_RETURN_IF_ERROR(c.GetAttrs(&a));
  const Shape& x = c.In(0);
  if (a->shape.empty() || a->shape.size() > static_cast<size_t>(kMaxRank)) {
    return c.Error("target shape must have 1.." + std::to_string(kMaxRank) + " dimensions");
  }
  Shape y;
  y.rank = static_cast<int>(a->shape.size());
  int infer = -1;
  int64_t known = 1;
  for (int d = 0; d < y.rank; ++d) {
    int64_t v = a->shape[d];
    if (v == 0) {
      if (d >= x.rank)
        return c.Error("target dim " + std::to_string(d) + " is 0 beyond input rank");
      v = x.dims[d];
    } else if (v == -1) {
      if (infer >= 0) return c.Error("target shape has more than one -1");
      infer = d;
      v = 1;
    } else if (v < 0) {
      return c.Error("target dim " + std::to_string(d) + " is negative");
    }
    y.dims[d] = v;
    // v >= 1 here; compare before multiplying so a huge v cannot overflow.
    if (d != infer) {
      if (v > kMaxTensorElements / known) return c.Error("target shape is too large");
      known *= v;
    }
  }
  const int64_t total = x.NumElements();
  if (infer >= 0) {
    if (known == 0 || total % known != 0) {
      return c.Error("cannot infer -1 reshaping " + x.ToString());
    }
    y.dims[infer] = total / known;
  }
  if (y.NumElements() != total) {
    return c.Error("cannot reshape " + x.ToString() + " (" + std::to_string(total) +
                   " elements) to " + y.ToString());
  }
  (*out)[0] = y;
  return Status::Ok();
}

Status InferTranspose(const NodeChecker& c, std::vector<Shape>* out) {
  SEAM_RETURN_IF_ERROR(c.ExpectInputs(1, 1));
  SEAM_RETURN_IF_ERROR(c.ExpectOutputs(1, 1));
  const TransposeAttrs* a;
  SEAM_RETURN_IF_ERROR(c.GetAttrs(&a));
  const Shape& x = c.In(0);
  if (a->perm.size() != static_cast<size_t>(x.rank)) {
    return c.Error("perm has " + std::to_string(a->perm.size()) + " entries for rank " +
                   std::to_string(x.rank));
  }
  Shape y = x;
  bool seen[kMaxRank] = {};
  for (int d = 0; d < x.rank; ++d) {
    const int32_t p = a->perm[d];
    if (p < 0 || p >= x.rank || seen[p]) return c.Error("perm is not a permutation");
    seen[p] = true;
    y.dims[d] = x.dims[p];
  }
  (*out)[0] = y;
  return Status::Ok();
}

Status InferPad(const NodeChecker& c, std::vector<Shape>* out) {
  SEAM_RETURN_IF_ERROR(c.ExpectInputs(1, 1));
  SEAM_RETURN_IF_ERROR(c.ExpectOutputs(1, 1));
  const PadAttrs* a;
  SEAM_RETURN_IF_ERROR(c.GetAttrs(&a));
  const Shape& x = c.In(0);
  if (a->pads.size() != static_cast<size_t>(2 * x.rank)) {
    return c.Error("pads has " + std::to_string(a->pads.size()) + " entries, needs " +
                   std::to_string(2 * x.rank));
  }
  if (static_cast<int32_t>(a->mode) < 0 || static_cast<int32_t>(a->mode) > 2) {
    return c.Error("unknown pad mode");
  }
  Shape y = x;
  for (int d = 0; d < x.rank; ++d) {
    const int64_t begin = a->pads[d], end = a->pads[d + x.rank];
    // Not std::abs: it is undefined for INT64_MIN.
    if (begin < -kMaxTensorElements || begin > kMaxTensorElements || end < -kMaxTensorElements ||
        end > kMaxTensorElements) {
      return c.Error("pad is too large");
    }
    y.dims[d] = x.dims[d] + begin + end;
    if (y.dims[d] <= 0) return c.Error("padding leaves dimension " + std::to_string(d) + " empty");
    if (a->mode == PadMode::kReflect && (begin >= x.dims[d] || end >= x.dims[d])) {
      return c.Error("reflect pads must be smaller than the dimension");
    }
  }
  (*out)[0] = y;
  return Status::Ok();
}

Status InferResize(const NodeChecker& c, std::vector<Shape>* out) {
  SEAM_RETURN_IF_ERROR(c.ExpectInputs(1, 1));
  SEAM_RETURN_IF_ERROR(c.ExpectOutputs(1, 1));
  const ResizeAttrs* a;
  SEAM_RETURN_IF_ERROR(c.GetAttrs(&a));
  const Shape& x = c.In(0);
  if (a->scales.size() != static_cast<size_t>(x.rank)) {
    return c.Error("scales has " + std::to_string(a->scales.size()) + " entries for rank " +
                   std::to_string(x.rank));
  }
  if (static_cast<int32_t>(a->coordinate_mode) < 0 ||
      static_cast<int32_t>(a->coordinate_mode) > 3 || static_cast<int32_t>(a->nearest_mode) < 0 ||
      static_cast<int32_t>(a->nearest_mode) > 3) {
    return c.Error("unknown coordinate or nearest mode");
  }
  Shape y = x;
  for (int d = 0; d < x.rank; ++d) {
    const float s = a->scales[d];
    if (!(s > 0.0f) || !std::isfinite(s) || s > 1024.0f) {
      return c.Error("scale " + std::to_string(d) + " must be in (0, 1024]");
    }
    y.dims[d] = static_cast<int64_t>(std::floor(static_cast<double>(x.dims[d]) * s));
    if (y.dims[d] <= 0) return c.Error("scale makes dimension " + std::to_string(d) + " empty");
  }
  (*out)[0] = y;
  return Status::Ok();
}

Status InferLSTM(const NodeChecker& c, std::vector<Shape>* out) {
  SEAM_RETURN_IF_ERROR(c.ExpectInputs(3, 7));
  SEAM_RETURN_IF_ERROR(c.ExpectOutputs(1, 3));
  const LSTMAttrs* a;
  SEAM_RETURN_IF_ERROR(c.GetAttrs(&a));
  if (a->hidden_size <= 0) return c.Error("hidden_size must be > 0");
  if (static_cast<int32_t>(a->direction) < 0 || static_cast<int32_t>(a->direction) > 2) {
    return c.Error("unknown direction");
  }
  if (c.Has(4)) return c.NotSupported("sequence_lens is not supported");
  SEAM_RETURN_IF_ERROR(c.ExpectRank(0, 3, "input X"));
  const Shape& x = c.In(0);
  const int64_t dirs = a->direction == LSTMDirection::kBidirectional ? 2 : 1;
  const int64_t h = a->hidden_size;
  SEAM_RETURN_IF_ERROR(c.ExpectShape(1, Shape{dirs, 4 * h, x.dims[2]}, "W"));
  SEAM_RETURN_IF_ERROR(c.ExpectShape(2, Shape{dirs, 4 * h, h}, "R"));
  if (c.Has(3)) SEAM_RETURN_IF_ERROR(c.ExpectShape(3, Shape{dirs, 8 * h}, "B"));
  const Shape state{dirs, x.dims[1], h};
  if (c.Has(5)) SEAM_RETURN_IF_ERROR(c.ExpectShape(5, state, "initial_h"));
  if (c.Has(6)) SEAM_RETURN_IF_ERROR(c.ExpectShape(6, state, "initial_c"));
  (*out)[0] = Shape{x.dims[0], dirs, x.dims[1], h};
  if (out->size() > 1) (*out)[1] = state;
  if (out->size() > 2) (*out)[2] = state;
  return Status::Ok();
}

}  // namespace

Status InferNodeShapes(const Graph& graph, int node_index, std::vector<Shape>* output_shapes) {
  const Node& node = graph.nodes[node_index];
  NodeChecker c(graph, node_index);
  output_shapes->assign(node.outputs.size(), Shape());
  if (node.outputs.empty()) return c.Error("has no outputs");
  switch (node.op) {
    case OpType::kConv2D:
      return InferConv2D(c, output_shapes);
    case OpType::kFullyConnected:
      return InferFullyConnected(c, output_shapes);
    case OpType::kMatMul:
      return InferMatMul(c, output_shapes);
    case OpType::kMaxPool:
    case OpType::kAveragePool:
      return InferPool(c, output_shapes);
    case OpType::kGlobalAveragePool:
      return InferGlobalAveragePool(c, output_shapes);
    case OpType::kBatchNorm:
      return InferBatchNorm(c, output_shapes);
    case OpType::kLRN:
      return InferLRN(c, output_shapes);
    case OpType::kRelu:
    case OpType::kClip:
    case OpType::kLeakyRelu:
    case OpType::kSigmoid:
    case OpType::kTanh:
    case OpType::kHardSwish:
    case OpType::kIdentity:
      return InferUnary(c, output_shapes);
    case OpType::kAdd:
    case OpType::kMul:
      return InferBinary(c, output_shapes);
    case OpType::kConcat:
      return InferConcat(c, output_shapes);
    case OpType::kSoftmax:
      return InferSoftmax(c, output_shapes);
    case OpType::kFlatten:
      return InferFlatten(c, output_shapes);
    case OpType::kReshape:
      return InferReshape(c, output_shapes);
    case OpType::kTranspose:
      return InferTranspose(c, output_shapes);
    case OpType::kPad:
      return InferPad(c, output_shapes);
    case OpType::kResize:
      return InferResize(c, output_shapes);
    case OpType::kLSTM:
      return InferLSTM(c, output_shapes);
    case OpType::kInvalid:
      break;
  }
  return c.Error("unknown op code " + std::to_string(static_cast<int32_t>(node.op)));
}

}  // namespace seam
