// In-place concat planning: which concats of a segment need no copy because
// their sources are produced straight into their slices of one shared buffer.
//
// With batch 1 and a channel-outermost layout (plain NCHW, or nChw8c/16c when
// every channel count is a multiple of the block), the channels [c0, c0 + C)
// of a tensor are one contiguous run laid out exactly like a C-channel tensor
// of the same format. DenseNet concatenates every earlier feature map at each
// layer and GoogLeNet joins four branches per inception: copying those was
// 2-3 ms of DenseNet-121's ~35 ms. Concat is a copy, so the numbers are the
// same bit for bit either way.
//
// Placement is a union-find with byte offsets: a concat ties its output and
// its sources into one group at fixed offsets from each other. A concat joins
// only if every tie agrees with the group so far and no two leaves (tensors
// that are not outputs of in-place concats, i.e. the ones some primitive
// writes) overlap, so no byte is written by two producers.
#include <algorithm>
#include <map>

#include "backends/onednn/onednn_common.h"

namespace seam {
namespace onednn {

bool ChannelSlice(const memory::desc& whole, const memory::desc& part, int64_t channel_offset,
                  size_t* byte_offset) {
  const dnnl_memory_desc_t& w = whole.data;
  const dnnl_memory_desc_t& p = part.data;
  if (w.format_kind != dnnl_blocked || p.format_kind != dnnl_blocked) return false;
  if (w.ndims != p.ndims || w.ndims < 2 || w.data_type != dnnl_f32 || p.data_type != dnnl_f32) {
    return false;
  }
  if (w.offset0 != 0 || p.offset0 != 0 || w.extra.flags != 0 || p.extra.flags != 0) return false;
  if (w.dims[0] != 1 || p.dims[0] != 1) return false;
  const dnnl_blocking_desc_t& wb = w.format_desc.blocking;
  const dnnl_blocking_desc_t& pb = p.format_desc.blocking;
  if (wb.inner_nblks != pb.inner_nblks || wb.inner_nblks > 1) return false;
  int64_t block = 1;
  if (wb.inner_nblks == 1) {
    if (wb.inner_idxs[0] != 1 || pb.inner_idxs[0] != 1 || wb.inner_blks[0] != pb.inner_blks[0]) {
      return false;
    }
    block = wb.inner_blks[0];
  }
  if (p.padded_dims[1] != p.dims[1] || p.dims[1] % block != 0 || channel_offset % block != 0 ||
      channel_offset + p.dims[1] > w.dims[1]) {
    return false;
  }
  for (int d = 1; d < w.ndims; ++d) {
    if (wb.strides[d] != pb.strides[d]) return false;
    if (d >= 2 && (w.dims[d] != p.dims[d] || w.padded_dims[d] != w.dims[d] ||
                   p.padded_dims[d] != p.dims[d])) {
      return false;
    }
  }
  // Channel blocks outermost: the part is exactly its channel blocks, one
  // after the other, `stride` elements apart.
  const int64_t stride = pb.strides[1];
  if (static_cast<int64_t>(part.get_size()) != p.dims[1] / block * stride * 4) return false;
  *byte_offset = static_cast<size_t>(channel_offset / block * stride * 4);
  return true;
}

int64_t ConcatChannelBlock(const Graph& graph) {
  const int64_t block = HasAvx512Core() ? 16 : 8;
  double concat_bytes = 0;
  for (const Node& n : graph.nodes) {
    const auto* attrs = std::get_if<AxisAttrs>(&n.attrs);
    if (n.op != OpType::kConcat || attrs == nullptr || n.outputs.empty() || n.outputs[0] < 0) {
      continue;
    }
    const TensorInfo& out = graph.tensors[n.outputs[0]];
    if (out.shape.rank != 4 || out.shape.dims[0] != 1 || (attrs->axis != 1 && attrs->axis != -3)) {
      continue;
    }
    // A source that does not fill whole blocks could not be placed in its
    // slice, and mixing blocked and oneDNN-picked layouts costs reorders.
    for (int t : n.inputs) {
      if (t < 0 || graph.tensors[t].shape.rank != 4 ||
          graph.tensors[t].shape.dims[1] % block != 0) {
        return 0;
      }
    }
    concat_bytes += static_cast<double>(out.byte_size());
  }
  // The blocked kernels can be slower than the nhwc ones oneDNN picks on its
  // own (GoogLeNet, AVX-512: +7 %), so they pay off only where concats copy
  // a lot per FLOP (FLOPs as GraphFlops counts them): DenseNet-121 copies 7.4
  // bytes per 1000 FLOPs (42 MB, ~2.7 ms; its blocked run is 5-7 % faster),
  // GoogLeNet 1.6 (4.9 MB). A threshold calibrated on these two models.
  constexpr double kMinConcatBytesPerKiloFlop = 4.0;
  const double kflops = static_cast<double>(GraphFlops(graph)) / 1000.0;
  return concat_bytes > 0 && concat_bytes >= kMinConcatBytesPerKiloFlop * kflops ? block : 0;
}

namespace {

// Union-find over tensors; offset_ is the byte offset from the parent.
class OffsetForest {
 public:
  // The root of `t` and t's byte offset from it.
  std::pair<int, int64_t> Find(int t) {
    auto it = parent_.find(t);
    if (it == parent_.end()) return {t, 0};
    auto [root, off] = Find(it->second);
    offset_[t] += off;
    parent_[t] = root;
    return {root, offset_[t]};
  }
  void Attach(int child_root, int parent, int64_t offset) {
    parent_[child_root] = parent;
    offset_[child_root] = offset;
  }

 private:
  std::unordered_map<int, int> parent_;
  std::unordered_map<int, int64_t> offset_;
};

}  // namespace

ConcatPlacement PlanConcatPlacement(const VisitContext& ctx, const SegmentSpec& spec,
                                    const std::function<bool(int)>& lowered_alone,
                                    const std::function<memory::desc(int)>& layout) {
  const Graph& g = ctx.graph;
  OffsetForest forest;
  std::map<int, std::vector<int>> members;  // root -> tensors of its group
  std::unordered_map<int, size_t> bytes;    // tensor -> its size in its layout
  std::unordered_map<int, bool> is_leaf;
  ConcatPlacement placement;

  for (int node : spec.nodes) {
    const Node& n = g.nodes[node];
    if (n.op != OpType::kConcat || n.inputs.empty() || !lowered_alone(node)) continue;
    const auto* attrs = std::get_if<AxisAttrs>(&n.attrs);
    const int out = n.outputs[0];
    const int rank = g.tensors[out].shape.rank;
    if (attrs == nullptr || rank < 2 || (attrs->axis < 0 ? attrs->axis + rank : attrs->axis) != 1) {
      continue;
    }
    const memory::desc whole = layout(out);

    // Where each source sits in the output, and where the output would then
    // sit in each source's group (all ties to one group must agree).
    struct Tie {
      int root;
      int64_t out_at;  // the output's offset from root
    };
    std::vector<Tie> ties;
    bool ok = true;
    int64_t channel = 0;
    for (size_t i = 0; i < n.inputs.size() && ok; ++i) {
      const int src = n.inputs[i];
      size_t at = 0;
      const memory::desc part = layout(src);
      ok = src >= 0 && std::count(n.inputs.begin(), n.inputs.end(), src) == 1 &&
           ChannelSlice(whole, part, channel, &at);
      if (!ok) break;
      channel += g.tensors[src].shape.dims[1];
      bytes[src] = part.get_size();
      const auto [root, off] = forest.Find(src);
      const int64_t out_at = off - static_cast<int64_t>(at);
      bool seen = false;
      for (const Tie& t : ties) {
        if (t.root != root) continue;
        seen = true;
        ok = t.out_at == out_at;
      }
      if (!seen) ties.push_back({root, out_at});
    }
    if (!ok || channel != g.tensors[out].shape.dims[1]) continue;

    // The merged group, offsets from the output; its leaves must not overlap.
    std::vector<std::pair<int64_t, int64_t>> leaves;  // [begin, end)
    for (const Tie& t : ties) {
      const std::vector<int>& group =
          members.count(t.root) ? members[t.root] : std::vector<int>{t.root};
      for (int m : group) {
        if (is_leaf.count(m) && !is_leaf[m]) continue;
        const int64_t begin = forest.Find(m).second - t.out_at;
        leaves.emplace_back(begin, begin + static_cast<int64_t>(bytes[m]));
      }
    }
    std::sort(leaves.begin(), leaves.end());
    for (size_t i = 1; i < leaves.size() && ok; ++i) ok = leaves[i].first >= leaves[i - 1].second;
    if (!ok) continue;

    std::vector<int>& group = members[out];
    group.push_back(out);
    is_leaf[out] = false;
    bytes[out] = whole.get_size();
    for (const Tie& t : ties) {
      forest.Attach(t.root, out, -t.out_at);
      auto it = members.find(t.root);
      if (it == members.end()) {
        group.push_back(t.root);
      } else {
        group.insert(group.end(), it->second.begin(), it->second.end());
        members.erase(it);
      }
    }
    for (int src : n.inputs) is_leaf.emplace(src, true);
    placement.in_place.insert(node);
  }

  // Offsets from the start of each group's buffer (the lowest member).
  for (const auto& [root, group] : members) {
    int64_t low = 0, high = 0;
    for (int m : group) {
      const int64_t at = forest.Find(m).second;
      low = std::min(low, at);
      high = std::max(high, at + static_cast<int64_t>(bytes[m]));
    }
    const int index = static_cast<int>(placement.group_bytes.size());
    placement.group_bytes.push_back(static_cast<size_t>(high - low));
    for (int m : group) {
      placement.homes[m] = {index, static_cast<size_t>(forest.Find(m).second - low), layout(m)};
    }
  }
  return placement;
}

}  // namespace onednn
}  // namespace seam
