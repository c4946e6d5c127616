// Conversion-time evaluation of ONNX nodes whose inputs are all known.
//
// seam's graphs have static shapes, so the int64 shape arithmetic exporters
// emit (torch's x.view(x.size(0), -1) becomes Shape→Gather→Unsqueeze→
// Concat→Reshape) can be computed here, leaving plain constants for the
// lowerings. These evaluators cover the shape and index ops, which seam has
// no kernels for, and simple float math on weights; anything seam has a
// kernel for is folded by running that kernel instead (importer.cc).
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <unordered_map>

#include "onnx/onnx_pb.h"
#include "tools/convert/importer.h"

namespace seam::onnx_import {
namespace {

std::vector<int64_t> Strides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (int k = static_cast<int>(dims.size()) - 2; k >= 0; --k) s[k] = s[k + 1] * dims[k + 1];
  return s;
}

// Strides of `in` read as if broadcast to `out` (0 along broadcast axes).
std::vector<int64_t> BroadcastStrides(const std::vector<int64_t>& in,
                                      const std::vector<int64_t>& out) {
  std::vector<int64_t> strides(out.size(), 0);
  const std::vector<int64_t> own = Strides(in);
  const size_t lead = out.size() - in.size();
  for (size_t k = 0; k < in.size(); ++k) strides[lead + k] = in[k] == 1 ? 0 : own[k];
  return strides;
}

int64_t Offset(int64_t flat, const std::vector<int64_t>& out_dims,
               const std::vector<int64_t>& strides) {
  int64_t offset = 0;
  for (int k = static_cast<int>(out_dims.size()) - 1; k >= 0; --k) {
    offset += (flat % out_dims[k]) * strides[k];
    flat /= out_dims[k];
  }
  return offset;
}

// A tensor of the same element kind as `like`, with `dims`, sized; refused
// when `dims` are negative or too large (they may come from the file).
Status EmptyLike(NodeContext& ctx, const HostTensor& like, std::vector<int64_t> dims,
                 HostTensor* out) {
  SEAM_RETURN_IF_ERROR(
      CheckHostDims(dims, ctx.emitter()->max_folded_elements, "the folded result"));
  HostTensor t;
  t.type = like.type;
  t.dims = std::move(dims);
  if (t.is_float()) {
    t.f.resize(static_cast<size_t>(t.NumElements()));
  } else {
    t.i.resize(static_cast<size_t>(t.NumElements()));
  }
  *out = std::move(t);
  return Status::Ok();
}

// Integer arithmetic as numpy does it: two's complement wrap-around (signed
// overflow in C++ is undefined, and the operands come from the file).
int64_t Wrap(uint64_t v) { return static_cast<int64_t>(v); }
int64_t WrapAdd(int64_t a, int64_t b) {
  return Wrap(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t WrapSub(int64_t a, int64_t b) {
  return Wrap(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t WrapMul(int64_t a, int64_t b) {
  return Wrap(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
int64_t WrapNeg(int64_t a) { return Wrap(0 - static_cast<uint64_t>(a)); }

void CopyElement(const HostTensor& from, int64_t src, HostTensor* to, int64_t dst) {
  if (to->is_float()) {
    to->f[dst] = static_cast<float>(from.GetDouble(src));
  } else {
    to->i[dst] = from.GetInt(src);
  }
}

std::vector<int64_t> IntValues(const HostTensor& t) {
  std::vector<int64_t> v(static_cast<size_t>(t.NumElements()));
  for (size_t k = 0; k < v.size(); ++k) v[k] = t.GetInt(static_cast<int64_t>(k));
  return v;
}

Status NeedInputs(NodeContext& ctx, int n) {
  for (int k = 0; k < n; ++k) {
    if (!ctx.Has(k)) return ctx.Invalid("input " + std::to_string(k) + " is missing");
  }
  return Status::Ok();
}

// --- sources ---------------------------------------------------------------

Status EvalConstant(NodeContext& ctx) {
  const onnx::AttributeProto* a;
  if ((a = ctx.Attr("value")) != nullptr) {
    HostTensor t;
    SEAM_RETURN_IF_ERROR(DecodeTensorProto(a->t(), ExternalDataContext{}, "Constant value", &t));
    ctx.SetHost(0, std::move(t));
  } else if ((a = ctx.Attr("value_float")) != nullptr) {
    ctx.SetHost(0, MakeFloatTensor({}, {a->f()}));
  } else if ((a = ctx.Attr("value_floats")) != nullptr) {
    ctx.SetHost(0, MakeFloatTensor({a->floats_size()},
                                   std::vector<float>(a->floats().begin(), a->floats().end())));
  } else if ((a = ctx.Attr("value_int")) != nullptr) {
    ctx.SetHost(0, MakeIntTensor({}, {a->i()}));
  } else if ((a = ctx.Attr("value_ints")) != nullptr) {
    ctx.SetHost(0, MakeIntTensor({a->ints_size()},
                                 std::vector<int64_t>(a->ints().begin(), a->ints().end())));
  } else if (ctx.HasAttr("sparse_value")) {
    return Unsupported("sparse Constant values are not supported");
  } else {
    return Unsupported("Constant without a numeric value (string values are not supported)");
  }
  return Status::Ok();
}

Status EvalShape(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(NeedInputs(ctx, 1));
  std::vector<int64_t> dims = ctx.Dims(0);
  const int64_t rank = static_cast<int64_t>(dims.size());
  // Opset 15 start/end slice the shape; clamp like Slice does.
  int64_t start = ctx.AttrInt("start", 0), end = ctx.AttrInt("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, 0, rank);
  std::vector<int64_t> v;
  for (int64_t k = start; k < end; ++k) v.push_back(dims[k]);
  ctx.SetHost(0, MakeIntTensor({static_cast<int64_t>(v.size())}, v));
  return Status::Ok();
}

Status EvalSize(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(NeedInputs(ctx, 1));
  int64_t n = 1;
  for (int64_t d : ctx.Dims(0)) n *= d;
  ctx.SetHost(0, MakeIntTensor({}, {n}));
  return Status::Ok();
}

Status EvalConstantOfShape(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(NeedInputs(ctx, 1));
  const std::vector<int64_t> dims = IntValues(ctx.Host(0));
  for (int64_t d : dims) {
    if (d < 0) return ctx.Invalid("ConstantOfShape with a negative dimension");
  }
  HostTensor value = MakeFloatTensor({1}, {0.0f});
  if (const onnx::AttributeProto* a = ctx.Attr("value")) {
    SEAM_RETURN_IF_ERROR(
        DecodeTensorProto(a->t(), ExternalDataContext{}, "ConstantOfShape value", &value));
    if (value.NumElements() != 1) return ctx.Invalid("ConstantOfShape value must have one element");
  }
  HostTensor t;
  SEAM_RETURN_IF_ERROR(EmptyLike(ctx, value, dims, &t));
  for (int64_t k = 0; k < t.NumElements(); ++k) CopyElement(value, 0, &t, k);
  ctx.SetHost(0, std::move(t));
  return Status::Ok();
}

Status EvalRange(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(NeedInputs(ctx, 3));
  const HostTensor& start = ctx.Host(0);
  for (int k = 0; k < 3; ++k) {
    if (ctx.Host(k).NumElements() != 1) {
      return ctx.Invalid("Range start, limit and delta must each have one element");
    }
  }
  const double s = start.GetDouble(0), limit = ctx.Host(1).GetDouble(0),
               delta = ctx.Host(2).GetDouble(0);
  if (delta == 0) return ctx.Invalid("Range delta is 0");
  const double count = std::ceil((limit - s) / delta);
  if (!(count <= static_cast<double>(ctx.emitter()->max_folded_elements))) {
    return Unsupported("Range of " + std::to_string(count) + " elements is too large");
  }
  const int64_t n = std::max<int64_t>(static_cast<int64_t>(count), 0);
  HostTensor t;
  SEAM_RETURN_IF_ERROR(EmptyLike(ctx, start, {n}, &t));
  for (int64_t k = 0; k < n; ++k) {
    if (t.is_float()) {
      t.f[k] = static_cast<float>(s + delta * static_cast<double>(k));
    } else {
      t.i[k] = WrapAdd(start.GetInt(0), WrapMul(ctx.Host(2).GetInt(0), k));
    }
  }
  ctx.SetHost(0, std::move(t));
  return Status::Ok();
}

// --- pass-through -------------------------------------------------------------

// Identity and inference-mode Dropout: the output is the input. Shared by
// the host table and the lowering table (nothing is emitted either way).
Status EvalIdentity(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(NeedInputs(ctx, 1));
  ctx.Alias(0, 0);
  return Status::Ok();
}

Status EvalDropout(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(NeedInputs(ctx, 1));
  if (ctx.opset() >= 12 && ctx.Has(2)) {
    const HostTensor* training;
    SEAM_RETURN_IF_ERROR(ctx.RequireHost(2, "Dropout training_mode", &training));
    if (training->NumElements() > 0 && training->GetInt(0) != 0) {
      return Unsupported("Dropout in training mode (training_mode = true)");
    }
  }
  if (ctx.opset() < 7 && ctx.AttrInt("is_test", 0) == 0 && ctx.HasAttr("is_test")) {
    return Unsupported("Dropout in training mode (is_test = 0)");
  }
  ctx.Alias(0, 0);
  // In inference the mask keeps everything.
  if (ctx.HasOutput(1)) {
    const std::vector<int64_t> dims = ctx.Dims(0);
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    ctx.SetHost(1, MakeIntTensor(dims, std::vector<int64_t>(static_cast<size_t>(n), 1), kOnnxBool));
  }
  return Status::Ok();
}

// --- shape manipulation ---------------------------------------------------------

}  // namespace

Status ResolveReshape(NodeContext& ctx, const std::vector<int64_t>& in, std::vector<int64_t> target,
                      bool allowzero, std::vector<int64_t>* out) {
  int64_t known = 1, infer = -1;
  for (size_t k = 0; k < target.size(); ++k) {
    if (target[k] == 0 && !allowzero) {
      if (k >= in.size()) {
        return ctx.Invalid("Reshape copies dimension " + std::to_string(k) +
                           " beyond the input rank");
      }
      target[k] = in[k];
    }
    if (target[k] == -1) {
      if (infer >= 0) return ctx.Invalid("Reshape target has more than one -1");
      infer = static_cast<int64_t>(k);
    } else if (target[k] < 0) {
      return ctx.Invalid("Reshape target has a negative dimension");
    } else if (__builtin_mul_overflow(known, target[k], &known)) {
      // The target comes from the file; its product must not overflow.
      return ctx.Invalid("Reshape target " + DimsToString(target) + " has too many elements");
    }
  }
  int64_t total = 1;
  for (int64_t d : in) {
    if (__builtin_mul_overflow(total, d, &total)) return ctx.Invalid("Reshape input is too large");
  }
  if (infer >= 0) {
    if (known == 0 || total % known != 0) {
      return ctx.Invalid("Reshape cannot infer -1 reshaping " + DimsToString(in) + " to " +
                         DimsToString(target));
    }
    target[infer] = total / known;
  } else if (known != total) {
    return ctx.Invalid("Reshape of " + DimsToString(in) + " to " + DimsToString(target) +
                       " changes the element count");
  }
  *out = std::move(target);
  return Status::Ok();
}

namespace {

Status SetReshaped(NodeContext& ctx, std::vector<int64_t> dims) {
  HostTensor t = ctx.Host(0);
  t.dims = std::move(dims);
  ctx.SetHost(0, std::move(t));
  return Status::Ok();
}

Status EvalReshape(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(NeedInputs(ctx, 1));
  std::vector<int64_t> target;
  if (ctx.opset() < 5) {
    target = ctx.AttrInts("shape");
  } else {
    SEAM_RETURN_IF_ERROR(NeedInputs(ctx, 2));
    target = IntValues(ctx.Host(1));
  }
  std::vector<int64_t> dims;
  SEAM_RETURN_IF_ERROR(
      ResolveReshape(ctx, ctx.Host(0).dims, target, ctx.AttrInt("allowzero", 0) != 0, &dims));
  return SetReshaped(ctx, dims);
}

Status EvalFlatten(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(NeedInputs(ctx, 1));
  const std::vector<int64_t>& in = ctx.Host(0).dims;
  const int64_t rank = static_cast<int64_t>(in.size());
  int64_t axis = ctx.AttrInt("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) return ctx.Invalid("Flatten axis out of range");
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < rank; ++k) (k < axis ? outer : inner) *= in[k];
  return SetReshaped(ctx, {outer, inner});
}

// Squeeze/Unsqueeze axes: an attribute before opset 13, an input from 13.
Status GetAxes(NodeContext& ctx, std::vector<int64_t>* axes, bool* given) {
  *given = false;
  if (ctx.opset() < 13) {
    *given = ctx.HasAttr("axes");
    *axes = ctx.AttrInts("axes");
    return Status::Ok();
  }
  if (ctx.Has(1)) {
    const HostTensor* t;
    SEAM_RETURN_IF_ERROR(ctx.RequireHost(1, "axes", &t));
    *axes = IntValues(*t);
    *given = true;
  }
  return Status::Ok();
}

}  // namespace

// Shared with the lowerings (Squeeze/Unsqueeze of run-time tensors become Reshape).
Status SqueezeDims(NodeContext& ctx, const std::vector<int64_t>& in, std::vector<int64_t>* out) {
  std::vector<int64_t> axes;
  bool given;
  SEAM_RETURN_IF_ERROR(GetAxes(ctx, &axes, &given));
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<bool> drop(in.size(), false);
  if (!given) {
    for (int64_t k = 0; k < rank; ++k) drop[k] = in[k] == 1;
  }
  for (int64_t a : axes) {
    int64_t n;
    if (!NormalizeAxis(a, rank, &n)) return ctx.Invalid("Squeeze axis out of range");
    if (in[n] != 1) return ctx.Invalid("Squeeze of a dimension that is not 1");
    drop[n] = true;
  }
  out->clear();
  for (int64_t k = 0; k < rank; ++k) {
    if (!drop[k]) out->push_back(in[k]);
  }
  return Status::Ok();
}

Status UnsqueezeDims(NodeContext& ctx, const std::vector<int64_t>& in, std::vector<int64_t>* out) {
  std::vector<int64_t> axes;
  bool given;
  SEAM_RETURN_IF_ERROR(GetAxes(ctx, &axes, &given));
  const int64_t rank = static_cast<int64_t>(in.size() + axes.size());
  std::vector<bool> inserted(static_cast<size_t>(rank), false);
  for (int64_t a : axes) {
    int64_t n;
    if (!NormalizeAxis(a, rank, &n) || inserted[n]) {
      return ctx.Invalid("Unsqueeze axes are out of range or repeated");
    }
    inserted[n] = true;
  }
  out->clear();
  size_t next = 0;
  for (int64_t k = 0; k < rank; ++k) out->push_back(inserted[k] ? 1 : in[next++]);
  return Status::Ok();
}

namespace {

Status EvalSqueeze(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(NeedInputs(ctx, 1));
  std::vector<int64_t> dims;
  SEAM_RETURN_IF_ERROR(SqueezeDims(ctx, ctx.Host(0).dims, &dims));
  return SetReshaped(ctx, dims);
}

Status EvalUnsqueeze(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(NeedInputs(ctx, 1));
  std::vector<int64_t> dims;
  SEAM_RETURN_IF_ERROR(UnsqueezeDims(ctx, ctx.Host(0).dims, &dims));
  return SetReshaped(ctx, dims);
}

Status EvalTranspose(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(NeedInputs(ctx, 1));
  const HostTensor& x = ctx.Host(0);
  const int rank = x.rank();
  std::vector<int64_t> perm = ctx.AttrInts("perm");
  if (perm.empty()) {
    for (int k = rank - 1; k >= 0; --k) perm.push_back(k);
  }
  if (static_cast<int>(perm.size()) != rank) return ctx.Invalid("Transpose perm has wrong length");
  std::vector<int64_t> out_dims(rank);
  std::vector<bool> seen(rank, false);
  for (int k = 0; k < rank; ++k) {
    if (perm[k] < 0 || perm[k] >= rank) return ctx.Invalid("Transpose perm out of range");
    // A repeated axis ([0, 0]) would read past the input.
    if (seen[perm[k]]) return ctx.Invalid("Transpose perm repeats axis " + std::to_string(perm[k]));
    seen[perm[k]] = true;
    out_dims[k] = x.dims[perm[k]];
  }
  const std::vector<int64_t> in_strides = Strides(x.dims);
  std::vector<int64_t> strides(rank);
  for (int k = 0; k < rank; ++k) strides[k] = in_strides[perm[k]];
  HostTensor y;
  SEAM_RETURN_IF_ERROR(EmptyLike(ctx, x, out_dims, &y));
  for (int64_t k = 0; k < y.NumElements(); ++k) CopyElement(x, Offset(k, out_dims, strides), &y, k);
  ctx.SetHost(0, std::move(y));
  return Status::Ok();
}

Status EvalConcat(NodeContext& ctx) {
  std::vector<const HostTensor*> parts;
  for (int k = 0; k < ctx.num_inputs(); ++k) {
    if (ctx.Has(k)) parts.push_back(&ctx.Host(k));
  }
  if (parts.empty()) return ctx.Invalid("Concat without inputs");
  const int64_t rank = parts[0]->rank();
  int64_t axis;
  if (!NormalizeAxis(ctx.AttrInt("axis", 0), rank, &axis)) {
    return ctx.Invalid("Concat axis out of range");
  }
  std::vector<int64_t> dims = parts[0]->dims;
  dims[axis] = 0;
  bool any_float = false;
  for (const HostTensor* p : parts) {
    if (p->rank() != rank) return ctx.Invalid("Concat inputs differ in rank");
    for (int64_t k = 0; k < rank; ++k) {
      if (k != axis && p->dims[k] != dims[k]) return ctx.Invalid("Concat inputs differ in shape");
    }
    dims[axis] += p->dims[axis];
    any_float = any_float || p->is_float();
  }
  HostTensor like = *parts[0];
  if (any_float && !like.is_float()) like.type = kOnnxFloat;
  HostTensor y;
  SEAM_RETURN_IF_ERROR(EmptyLike(ctx, like, dims, &y));
  int64_t outer = 1;
  for (int64_t k = 0; k < axis; ++k) outer *= dims[k];
  int64_t written = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (const HostTensor* p : parts) {
      const int64_t chunk = p->NumElements() / std::max<int64_t>(outer, 1);
      for (int64_t e = 0; e < chunk; ++e) CopyElement(*p, o * chunk + e, &y, written++);
    }
  }
  ctx.SetHost(0, std::move(y));
  return Status::Ok();
}

Status EvalGather(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(NeedInputs(ctx, 2));
  const HostTensor& data = ctx.Host(0);
  const HostTensor& indices = ctx.Host(1);
  int64_t axis;
  if (!NormalizeAxis(ctx.AttrInt("axis", 0), data.rank(), &axis)) {
    return ctx.Invalid("Gather axis out of range");
  }
  std::vector<int64_t> dims(data.dims.begin(), data.dims.begin() + axis);
  dims.insert(dims.end(), indices.dims.begin(), indices.dims.end());
  dims.insert(dims.end(), data.dims.begin() + axis + 1, data.dims.end());
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < axis; ++k) outer *= data.dims[k];
  for (int64_t k = axis + 1; k < data.rank(); ++k) inner *= data.dims[k];
  const int64_t n = data.dims[axis];
  HostTensor y;
  SEAM_RETURN_IF_ERROR(EmptyLike(ctx, data, dims, &y));
  int64_t written = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t q = 0; q < indices.NumElements(); ++q) {
      int64_t idx = indices.GetInt(q);
      if (idx < 0) idx += n;
      if (idx < 0 || idx >= n) return ctx.Invalid("Gather index out of range");
      for (int64_t e = 0; e < inner; ++e)
        CopyElement(data, (o * n + idx) * inner + e, &y, written++);
    }
  }
  ctx.SetHost(0, std::move(y));
  return Status::Ok();
}

}  // namespace

// Slice parameters normalised per axis (shared with the Slice lowering).
Status SliceParams(NodeContext& ctx, const std::vector<int64_t>& dims, std::vector<int64_t>* starts,
                   std::vector<int64_t>* ends, std::vector<int64_t>* steps) {
  const int64_t rank = static_cast<int64_t>(dims.size());
  std::vector<int64_t> s, e, axes, st;
  if (ctx.opset() < 10) {
    s = ctx.AttrInts("starts");
    e = ctx.AttrInts("ends");
    axes = ctx.AttrInts("axes");
  } else {
    const HostTensor* t;
    SEAM_RETURN_IF_ERROR(ctx.RequireHost(1, "Slice starts", &t));
    s = IntValues(*t);
    SEAM_RETURN_IF_ERROR(ctx.RequireHost(2, "Slice ends", &t));
    e = IntValues(*t);
    if (ctx.Has(3)) {
      SEAM_RETURN_IF_ERROR(ctx.RequireHost(3, "Slice axes", &t));
      axes = IntValues(*t);
    }
    if (ctx.Has(4)) {
      SEAM_RETURN_IF_ERROR(ctx.RequireHost(4, "Slice steps", &t));
      st = IntValues(*t);
    }
  }
  if (axes.empty()) {
    for (size_t k = 0; k < s.size(); ++k) axes.push_back(static_cast<int64_t>(k));
  }
  if (st.empty()) st.assign(s.size(), 1);
  if (s.size() != e.size() || s.size() != axes.size() || s.size() != st.size()) {
    return ctx.Invalid("Slice starts, ends, axes and steps differ in length");
  }
  starts->assign(dims.size(), 0);
  *ends = dims;
  steps->assign(dims.size(), 1);
  for (size_t k = 0; k < s.size(); ++k) {
    int64_t a;
    if (!NormalizeAxis(axes[k], rank, &a)) return ctx.Invalid("Slice axis out of range");
    const int64_t d = dims[a];
    if (st[k] == 0) return ctx.Invalid("Slice step is 0");
    // A step longer than the axis takes one element, like a step of d: clamp
    // it so no index or count arithmetic below can overflow.
    const int64_t longest = std::max<int64_t>(d, 1);
    const int64_t step = std::clamp<int64_t>(st[k], -longest, longest);
    int64_t b = s[k], en = e[k];
    if (b < 0) b += d;
    if (en < 0) en += d;
    if (step > 0) {
      b = std::clamp<int64_t>(b, 0, d);
      en = std::clamp<int64_t>(en, 0, d);
    } else {
      b = std::clamp<int64_t>(b, -1, d - 1);
      en = std::clamp<int64_t>(en, -1, d - 1);
    }
    (*starts)[a] = b;
    (*ends)[a] = en;
    (*steps)[a] = step;
  }
  return Status::Ok();
}

namespace {

Status EvalSlice(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(NeedInputs(ctx, 1));
  const HostTensor& x = ctx.Host(0);
  std::vector<int64_t> starts, ends, steps;
  SEAM_RETURN_IF_ERROR(SliceParams(ctx, x.dims, &starts, &ends, &steps));
  const int rank = x.rank();
  std::vector<int64_t> dims(rank);
  for (int k = 0; k < rank; ++k) {
    const int64_t span = steps[k] > 0 ? ends[k] - starts[k] : starts[k] - ends[k];
    const int64_t step = std::abs(steps[k]);
    dims[k] = span <= 0 ? 0 : (span + step - 1) / step;
  }
  HostTensor y;
  SEAM_RETURN_IF_ERROR(EmptyLike(ctx, x, dims, &y));
  const std::vector<int64_t> in_strides = Strides(x.dims);
  for (int64_t q = 0; q < y.NumElements(); ++q) {
    int64_t rem = q, src = 0;
    for (int k = rank - 1; k >= 0; --k) {
      const int64_t idx = rem % dims[k];
      rem /= dims[k];
      src += (starts[k] + idx * steps[k]) * in_strides[k];
    }
    CopyElement(x, src, &y, q);
  }
  ctx.SetHost(0, std::move(y));
  return Status::Ok();
}

Status EvalCast(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(NeedInputs(ctx, 1));
  const int32_t to = static_cast<int32_t>(ctx.AttrInt("to", kOnnxFloat));
  if (!IsFloatType(to) && !IsIntegerType(to)) {
    return Unsupported(std::string("Cast to ") + OnnxTypeName(to) + " is not supported");
  }
  const HostTensor& x = ctx.Host(0);
  HostTensor y;
  y.type = to;
  y.dims = x.dims;
  const int64_t n = x.NumElements();
  if (y.is_float()) {
    y.f.resize(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) y.f[k] = static_cast<float>(x.GetDouble(k));
  } else {
    y.i.resize(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) {
      const double v = x.GetDouble(k);
      y.i[k] = to == kOnnxBool ? (v != 0) : (x.is_float() ? SaturatingToInt64(v) : x.GetInt(k));
    }
  }
  ctx.SetHost(0, std::move(y));
  return Status::Ok();
}

// Elementwise n-ary op with numpy broadcasting. `result_type`: -1 keeps the
// inputs' kind (float wins over int), otherwise the fixed output type (bool).
Status Elementwise(NodeContext& ctx, int arity, int32_t result_type,
                   const std::function<double(const double*)>& ff,
                   const std::function<int64_t(const int64_t*)>& fi) {
  SEAM_RETURN_IF_ERROR(NeedInputs(ctx, arity));
  std::vector<int64_t> dims = ctx.Host(0).dims;
  bool any_float = false;
  for (int k = 0; k < arity; ++k) {
    std::vector<int64_t> next;
    if (!BroadcastDims(dims, ctx.Host(k).dims, &next)) {
      return ctx.Invalid("input shapes do not broadcast");
    }
    dims = next;
    // Where's condition does not decide the value kind.
    if (!(ctx.op_type() == "Where" && k == 0)) any_float = any_float || ctx.Host(k).is_float();
  }
  std::vector<std::vector<int64_t>> strides;
  for (int k = 0; k < arity; ++k) strides.push_back(BroadcastStrides(ctx.Host(k).dims, dims));
  HostTensor y;
  y.type = result_type >= 0 ? result_type : (any_float ? kOnnxFloat : ctx.Host(arity - 1).type);
  SEAM_RETURN_IF_ERROR(
      CheckHostDims(dims, ctx.emitter()->max_folded_elements, "the folded result"));
  y.dims = dims;
  const int64_t n = y.NumElements();
  if (y.is_float()) {
    y.f.resize(static_cast<size_t>(n));
  } else {
    y.i.resize(static_cast<size_t>(n));
  }
  double dv[3];
  int64_t iv[3];
  for (int64_t q = 0; q < n; ++q) {
    for (int k = 0; k < arity; ++k) {
      const int64_t off = Offset(q, dims, strides[k]);
      dv[k] = ctx.Host(k).GetDouble(off);
      iv[k] = ctx.Host(k).GetInt(off);
    }
    if (any_float || !fi) {
      const double r = ff(dv);
      if (y.is_float()) {
        y.f[q] = static_cast<float>(r);
      } else {
        y.i[q] = SaturatingToInt64(r);
      }
    } else {
      const int64_t r = fi(iv);
      if (y.is_float()) {
        y.f[q] = static_cast<float>(r);
      } else {
        y.i[q] = r;
      }
    }
  }
  ctx.SetHost(0, std::move(y));
  return Status::Ok();
}

Status EvalAdd(NodeContext& c) {
  return Elementwise(
      c, 2, -1, [](const double* v) { return v[0] + v[1]; },
      [](const int64_t* v) { return WrapAdd(v[0], v[1]); });
}
Status EvalSub(NodeContext& c) {
  return Elementwise(
      c, 2, -1, [](const double* v) { return v[0] - v[1]; },
      [](const int64_t* v) { return WrapSub(v[0], v[1]); });
}
Status EvalMul(NodeContext& c) {
  return Elementwise(
      c, 2, -1, [](const double* v) { return v[0] * v[1]; },
      [](const int64_t* v) { return WrapMul(v[0], v[1]); });
}
Status EvalDiv(NodeContext& c) {
  // Integer division by zero is undefined in ONNX; refuse it rather than crash.
  for (int64_t k = 0; c.Has(1) && !c.Host(1).is_float() && k < c.Host(1).NumElements(); ++k) {
    if (c.Host(1).GetInt(k) == 0) return c.Invalid("integer division by zero");
  }
  return Elementwise(
      c, 2, -1, [](const double* v) { return v[0] / v[1]; },
      // INT64_MIN / -1 overflows: wrap it like numpy.
      [](const int64_t* v) { return v[1] == -1 ? WrapNeg(v[0]) : v[0] / v[1]; });
}
Status EvalPow(NodeContext& c) {
  return Elementwise(
      c, 2, -1, [](const double* v) { return std::pow(v[0], v[1]); }, nullptr);
}
Status EvalMin(NodeContext& c) {
  if (c.num_inputs() != 2) return Unsupported("Min with other than two inputs");
  return Elementwise(
      c, 2, -1, [](const double* v) { return std::min(v[0], v[1]); },
      [](const int64_t* v) { return std::min(v[0], v[1]); });
}
Status EvalMax(NodeContext& c) {
  if (c.num_inputs() != 2) return Unsupported("Max with other than two inputs");
  return Elementwise(
      c, 2, -1, [](const double* v) { return std::max(v[0], v[1]); },
      [](const int64_t* v) { return std::max(v[0], v[1]); });
}
Status EvalEqual(NodeContext& c) {
  return Elementwise(
      c, 2, kOnnxBool, [](const double* v) { return v[0] == v[1] ? 1.0 : 0.0; },
      [](const int64_t* v) -> int64_t { return v[0] == v[1]; });
}
Status EvalLess(NodeContext& c) {
  return Elementwise(
      c, 2, kOnnxBool, [](const double* v) { return v[0] < v[1] ? 1.0 : 0.0; },
      [](const int64_t* v) -> int64_t { return v[0] < v[1]; });
}
Status EvalGreater(NodeContext& c) {
  return Elementwise(
      c, 2, kOnnxBool, [](const double* v) { return v[0] > v[1] ? 1.0 : 0.0; },
      [](const int64_t* v) -> int64_t { return v[0] > v[1]; });
}
Status EvalNot(NodeContext& c) {
  return Elementwise(
      c, 1, kOnnxBool, [](const double* v) { return v[0] == 0 ? 1.0 : 0.0; },
      [](const int64_t* v) -> int64_t { return v[0] == 0; });
}
Status EvalWhere(NodeContext& c) {
  return Elementwise(
      c, 3, -1, [](const double* v) { return v[0] != 0 ? v[1] : v[2]; },
      [](const int64_t* v) { return v[0] != 0 ? v[1] : v[2]; });
}
Status EvalNeg(NodeContext& c) {
  return Elementwise(
      c, 1, -1, [](const double* v) { return -v[0]; },
      [](const int64_t* v) { return WrapNeg(v[0]); });
}
Status EvalAbs(NodeContext& c) {
  return Elementwise(
      c, 1, -1, [](const double* v) { return std::fabs(v[0]); },
      [](const int64_t* v) { return v[0] < 0 ? WrapNeg(v[0]) : v[0]; });
}
Status EvalSqrt(NodeContext& c) {
  return Elementwise(
      c, 1, -1, [](const double* v) { return std::sqrt(v[0]); }, nullptr);
}
Status EvalReciprocal(NodeContext& c) {
  return Elementwise(
      c, 1, -1, [](const double* v) { return 1.0 / v[0]; }, nullptr);
}
Status EvalExp(NodeContext& c) {
  return Elementwise(
      c, 1, -1, [](const double* v) { return std::exp(v[0]); }, nullptr);
}
Status EvalLog(NodeContext& c) {
  return Elementwise(
      c, 1, -1, [](const double* v) { return std::log(v[0]); }, nullptr);
}
Status EvalFloor(NodeContext& c) {
  return Elementwise(
      c, 1, -1, [](const double* v) { return std::floor(v[0]); },
      [](const int64_t* v) { return v[0]; });
}
Status EvalCeil(NodeContext& c) {
  return Elementwise(
      c, 1, -1, [](const double* v) { return std::ceil(v[0]); },
      [](const int64_t* v) { return v[0]; });
}

Status EvalExpand(NodeContext& ctx) {
  SEAM_RETURN_IF_ERROR(NeedInputs(ctx, 2));
  const HostTensor& x = ctx.Host(0);
  std::vector<int64_t> dims;
  if (!BroadcastDims(x.dims, IntValues(ctx.Host(1)), &dims)) {
    return ctx.Invalid("Expand shape does not broadcast");
  }
  const std::vector<int64_t> strides = BroadcastStrides(x.dims, dims);
  HostTensor y;
  SEAM_RETURN_IF_ERROR(EmptyLike(ctx, x, dims, &y));
  for (int64_t q = 0; q < y.NumElements(); ++q) CopyElement(x, Offset(q, dims, strides), &y, q);
  ctx.SetHost(0, std::move(y));
  return Status::Ok();
}

}  // namespace

NodeFn FindHostEval(const std::string& op_type) {
  static const std::unordered_map<std::string, NodeFn> kTable = {
      {"Constant", &EvalConstant},
      {"Shape", &EvalShape},
      {"Size", &EvalSize},
      {"ConstantOfShape", &EvalConstantOfShape},
      {"Range", &EvalRange},
      {"Identity", &EvalIdentity},
      {"Dropout", &EvalDropout},
      {"Reshape", &EvalReshape},
      {"Flatten", &EvalFlatten},
      {"Squeeze", &EvalSqueeze},
      {"Unsqueeze", &EvalUnsqueeze},
      {"Transpose", &EvalTranspose},
      {"Concat", &EvalConcat},
      {"Gather", &EvalGather},
      {"Slice", &EvalSlice},
      {"Cast", &EvalCast},
      {"Add", &EvalAdd},
      {"Sub", &EvalSub},
      {"Mul", &EvalMul},
      {"Div", &EvalDiv},
      {"Pow", &EvalPow},
      {"Min", &EvalMin},
      {"Max", &EvalMax},
      {"Equal", &EvalEqual},
      {"Less", &EvalLess},
      {"Greater", &EvalGreater},
      {"Not", &EvalNot},
      {"Where", &EvalWhere},
      {"Neg", &EvalNeg},
      {"Abs", &EvalAbs},
      {"Sqrt", &EvalSqrt},
      {"Reciprocal", &EvalReciprocal},
      {"Exp", &EvalExp},
      {"Log", &EvalLog},
      {"Floor", &EvalFloor},
      {"Ceil", &EvalCeil},
      {"Expand", &EvalExpand},
  };
  auto it = kTable.find(op_type);
  return it == kTable.end() ? nullptr : it->second;
}

bool HostEvalAcceptsTensors(const std::string& op_type) {
  return op_type == "Shape" || op_type == "Size";
}

// The pass-through evaluators double as lowerings (nothing to emit).
NodeFn IdentityLowering() { return &EvalIdentity; }
NodeFn DropoutLowering() { return &EvalDropout; }

}  // namespace seam::onnx_import
