// Concatenation on XNNPACK. This snapshot has no concatenate node, so a
// Concat splits the segment's runtimes and runs as a copy stage: one strided
// xnn_copy_nc_x32 operator per input writes that input's slice of the output
// (in NHWC a channel concat is a copy of every pixel's C_i floats into a row
// of C_total floats).
#include <string>
#include <vector>

#include "backends/xnnpack/xnnpack_common.h"

namespace seam {
namespace xnnpack {

Status VisitConcat(VisitContext* ctx, SegmentBuilder* b) {
  const AxisAttrs* a = Attrs<AxisAttrs>(*ctx);
  if (a == nullptr) return Unsupported("attributes are not AxisAttrs");
  SEAM_RETURN_IF_ERROR(RequireF32(*ctx, XNN_MAX_TENSOR_DIMS));
  const Node& node = ctx->node();
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    SEAM_RETURN_IF_ERROR(RequireActivation(*ctx, i, "an input"));
    const TensorLayout& l = ctx->layout(node.inputs[i]);
    if (l.kind == LayoutKind::kFlatNhwc && l.NeedsTranspose()) {
      return Unsupported("an input is a channel-last flattened tensor");
    }
  }
  const int y = ctx->output(0);
  const int rank = ctx->shape(y).rank;
  int axis = a->axis < 0 ? a->axis + rank : a->axis;
  if (axis < 0 || axis >= rank) return Unsupported("axis out of range");
  if (b == nullptr) return Status::Ok();
  if (b->subgraph() != nullptr) return Internal(ctx->Label() + ": Concat lowered into a runtime");

  // Rows: the physical dimensions before the axis; each input contributes
  // its physical dimensions from the axis on, side by side in every row.
  const TensorLayout& yl = ctx->layout(y);
  const std::vector<size_t> ydims = ctx->dims(y);
  const size_t p = static_cast<size_t>(PhysicalAxis(axis, yl));
  const size_t rows = DimProduct(ydims, 0, p);
  const size_t stride = DimProduct(ydims, p, ydims.size());
  size_t offset = 0;
  for (int32_t t : node.inputs) {
    const std::vector<size_t> dims = ctx->dims(t);
    const size_t channels = DimProduct(dims, p, dims.size());
    SEAM_RETURN_IF_ERROR(b->AddStridedCopy(t, y, rows, channels, stride, offset));
    offset += channels;
  }
  if (offset != stride) return Internal(ctx->Label() + ": slices do not fill the output");
  return Status::Ok();
}

// --- copy stages -----------------------------------------------------------

CopyStage::~CopyStage() {
  for (Copy& c : copies_) xnn_delete_operator(c.op);
}

Status CopyStage::Add(int src, int dst, size_t rows, size_t channels, size_t dst_stride,
                      size_t dst_offset, const std::string& label) {
  Copy c;
  c.src = src;
  c.dst = dst;
  c.rows = rows;
  // Waking the pool costs more than copying a few thousand floats.
  c.parallel = rows > 1 && rows * channels >= (size_t{1} << 15);
  c.offset = dst_offset;
  const xnn_status s = xnn_create_copy_nc_x32(channels, channels, dst_stride, 0, &c.op);
  if (s != xnn_status_success) {
    return Status(s == xnn_status_out_of_memory ? StatusCode::kOutOfMemory : StatusCode::kInternal,
                  label + ": xnn_create_copy_nc_x32 failed with xnn_status " +
                      std::to_string(static_cast<int>(s)));
  }
  copies_.push_back(c);
  return Status::Ok();
}

Status CopyStage::Bind(const std::function<float*(int)>& buffer, pthreadpool_t pool) {
  for (Copy& c : copies_) {
    const float* src = buffer(c.src);
    float* dst = buffer(c.dst);
    if (src == nullptr || dst == nullptr) return Internal("XNNPACK copy stage: unbound tensor");
    const xnn_status s = xnn_setup_copy_nc_x32(c.op, c.rows, src, dst + c.offset, pool);
    if (s != xnn_status_success) {
      return Internal("xnn_setup_copy_nc_x32 failed with xnn_status " +
                      std::to_string(static_cast<int>(s)));
    }
  }
  return Status::Ok();
}

Status CopyStage::Run(pthreadpool_t pool) {
  for (Copy& c : copies_) {
    const xnn_status s = xnn_run_operator(c.op, c.parallel ? pool : nullptr);
    if (s != xnn_status_success) {
      return Internal("xnn_run_operator (copy) failed with xnn_status " +
                      std::to_string(static_cast<int>(s)));
    }
  }
  return Status::Ok();
}

}  // namespace xnnpack
}  // namespace seam
