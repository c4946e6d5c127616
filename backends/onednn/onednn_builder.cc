// SegmentBuilder and WeightCache: turn visit-function calls into a compiled
// segment (primitives, argument memories, buffer plan) and keep re-laid
// constants once per backend.
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "backends/onednn/onednn_common.h"

namespace seam {
namespace onednn {
namespace {

constexpr size_t kAlignment = 64;

size_t AlignUp(size_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

// Lowering bugs surface as exceptions inside the builder and become an
// Internal status at the Compile boundary.
[[noreturn]] void Fail(const std::string& message) { throw std::logic_error(message); }

}  // namespace

// --- small helpers ---------------------------------------------------------------

memory::dims ToDims(const Shape& shape) {
  return memory::dims(shape.dims, shape.dims + shape.rank);
}

memory::desc PlainDesc(const memory::dims& dims) {
  memory::dims strides(dims.size(), 1);
  for (int d = static_cast<int>(dims.size()) - 2; d >= 0; --d) {
    strides[d] = strides[d + 1] * std::max<memory::dim>(dims[d + 1], 1);
  }
  return memory::desc(dims, memory::data_type::f32, strides);
}

memory::desc PlainDesc(const Shape& shape) { return PlainDesc(ToDims(shape)); }

bool HasAvx512Core() {
  // dnnl_cpu_isa_t values are bit sets: every AVX-512 core ISA has these bits.
  const unsigned avx512 = static_cast<unsigned>(dnnl_cpu_isa_avx512_core);
  return (static_cast<unsigned>(dnnl::get_effective_cpu_isa()) & avx512) == avx512;
}

memory::desc AnyDesc(const memory::dims& dims) {
  return memory::desc(dims, memory::data_type::f32, memory::format_tag::any);
}

bool SameLayout(const memory::desc& a, const memory::desc& b) {
  if (a == b) return true;
  const dnnl_memory_desc_t& x = a.data;
  const dnnl_memory_desc_t& y = b.data;
  if (x.ndims != y.ndims || x.data_type != y.data_type || x.offset0 != y.offset0) return false;
  if (x.format_kind != dnnl_blocked || y.format_kind != dnnl_blocked) return false;
  if (x.format_desc.blocking.inner_nblks != 0 || y.format_desc.blocking.inner_nblks != 0) {
    return false;
  }
  if (x.extra.flags != 0 || y.extra.flags != 0) return false;
  for (int d = 0; d < x.ndims; ++d) {
    if (x.dims[d] != y.dims[d] || x.padded_dims[d] != x.dims[d] || y.padded_dims[d] != y.dims[d] ||
        x.padded_offsets[d] != 0 || y.padded_offsets[d] != 0) {
      return false;
    }
    // The stride of a size-1 dimension is never used to address anything.
    if (x.dims[d] > 1 && x.format_desc.blocking.strides[d] != y.format_desc.blocking.strides[d]) {
      return false;
    }
  }
  return true;
}

Status Decline(const Graph& graph, int node, const std::string& why) {
  const Node& n = graph.nodes[node];
  return Unsupported(std::string(OpTypeName(n.op)) + " '" + n.name + "': " + why);
}

Status CheckNode(const VisitContext& ctx, int node, int num_required, int first_constant) {
  const Graph& g = ctx.graph;
  const Node& n = g.nodes[node];
  if (static_cast<int>(n.inputs.size()) < num_required) {
    return Decline(g, node, "expects " + std::to_string(num_required) + " inputs");
  }
  for (int i = 0; i < static_cast<int>(n.inputs.size()); ++i) {
    const int t = n.inputs[i];
    if (t < 0) {
      if (i < num_required) return Decline(g, node, "input " + std::to_string(i) + " is absent");
      continue;
    }
    const TensorInfo& info = g.tensors[t];
    if (info.dtype != DataType::kF32) {
      return Decline(g, node,
                     std::string("input '") + info.name + "' is " + DataTypeName(info.dtype) +
                         "; only fp32 runs on oneDNN");
    }
    if (info.shape.NumElements() <= 0 || info.shape.rank == 0) {
      return Decline(g, node, "input '" + info.name + "' is empty or a scalar");
    }
    if (first_constant >= 0 && i >= first_constant && !info.is_constant()) {
      return Decline(g, node, "input '" + info.name + "' must be a constant (weights)");
    }
  }
  if (n.outputs.size() != 1 || n.outputs[0] < 0) {
    return Decline(g, node, "expects exactly one output");
  }
  const TensorInfo& out = g.tensors[n.outputs[0]];
  if (out.dtype != DataType::kF32 || out.shape.NumElements() <= 0 || out.shape.rank == 0) {
    return Decline(g, node, "output '" + out.name + "' is not a non-empty fp32 tensor");
  }
  return Status::Ok();
}

// --- WeightCache ---------------------------------------------------------------------

bool WeightKey::operator<(const WeightKey& o) const {
  if (role != o.role) return role < o.role;
  return tensor < o.tensor;
}

dnnl::memory WeightCache::Get(const WeightKey& key, const memory::desc& plain,
                              const memory::desc& want, const std::function<void(float*)>& fill) {
  // One lock for lookup and creation: two sessions compiling the same layer at
  // once must not both re-lay it, and re-laying is a one-off cost.
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<dnnl::memory>& entries = entries_[key];
  for (const dnnl::memory& m : entries) {
    if (m.get_desc() == want) return m;
  }
  dnnl::memory source(plain, engine_);
  fill(static_cast<float*>(source.get_data_handle()));
  dnnl::memory result(want, engine_);
  if (SameLayout(plain, want)) {
    std::memcpy(result.get_data_handle(), source.get_data_handle(), plain.get_size());
  } else {
    dnnl::stream stream(engine_);
    dnnl::reorder(source, result).execute(stream, source, result);
    stream.wait();
  }
  entries.push_back(result);
  return result;
}

// --- SegmentBuilder ---------------------------------------------------------------------

SegmentBuilder::SegmentBuilder(const VisitContext& ctx, const SegmentSpec& spec,
                               const dnnl::engine& engine, WeightCache* cache,
                               const LayoutTable* layouts)
    : ctx_(ctx), spec_(spec), engine_(engine), cache_(cache), layouts_(layouts) {
  for (size_t i = 0; i < spec.inputs.size(); ++i)
    input_index_[spec.inputs[i]] = static_cast<int>(i);
  for (size_t i = 0; i < spec.outputs.size(); ++i) {
    output_index_.emplace(spec.outputs[i], static_cast<int>(i));
  }
  seg_.engine = engine;
  seg_.num_inputs = spec.inputs.size();
  seg_.num_outputs = spec.outputs.size();
}

dnnl::primitive_attr SegmentBuilder::Attr() const {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

void SegmentBuilder::SetChains(std::vector<FusionChain> chains,
                               std::unordered_map<int, int> chain_of) {
  chains_ = std::move(chains);
  chain_of_ = std::move(chain_of);
  // A chain runs where its last node sits, so a tensor stays live until the
  // position of the last chain that reads it, not of the reading node.
  std::unordered_map<int, int> position;
  for (size_t i = 0; i < spec_.nodes.size(); ++i) position[spec_.nodes[i]] = static_cast<int>(i);
  for (int n : spec_.nodes) {
    const int lowered_at = position.at(chains_[chain_of_.at(n)].anchor);
    for (int t : ctx_.graph.nodes[n].inputs) {
      if (t < 0) continue;
      auto it = last_use_.find(t);
      if (it == last_use_.end() || it->second < lowered_at) last_use_[t] = lowered_at;
    }
  }
  if (!planning()) {
    placement_ = PlanConcatPlacement(
        ctx_, spec_, [this](int n) { return chains_[chain_of_.at(n)].nodes.size() == 1; },
        [this](int t) { return Layout(t); });
    group_buffers_.assign(placement_.group_bytes.size(), -1);
  }
}

const FusionChain& SegmentBuilder::Chain(int node) const {
  auto it = chain_of_.find(node);
  if (it == chain_of_.end()) Fail("node #" + std::to_string(node) + " has no fusion chain");
  return chains_[it->second];
}

bool SegmentBuilder::IsSegmentOutput(int tensor) const { return output_index_.count(tensor) > 0; }

bool SegmentBuilder::DeadAfterHere(int tensor) const {
  if (IsSegmentOutput(tensor)) return false;
  auto it = last_use_.find(tensor);
  return it == last_use_.end() || it->second <= position_;
}

int SegmentBuilder::NewBuffer(CompiledSegment::BufferKind kind, int index, size_t bytes) {
  CompiledSegment::Buffer buffer;
  buffer.kind = kind;
  buffer.index = index;
  buffer.bytes = bytes;
  seg_.buffers.push_back(std::move(buffer));
  return static_cast<int>(seg_.buffers.size()) - 1;
}

int SegmentBuilder::NewView(const memory::desc& md, int buffer, int tensor, size_t offset) {
  // `md` may refer into seg_.views (callers pass ViewDesc results through),
  // so it is read only before the vector grows.
  CompiledSegment::View view;
  view.md = md;
  view.buffer = buffer;
  view.offset = offset;
  CompiledSegment::Buffer& b = seg_.buffers[buffer];
  b.bytes = std::max(b.bytes, offset + md.get_size());
  seg_.views.push_back(std::move(view));
  if (tensor >= 0 && std::find(b.tensors.begin(), b.tensors.end(), tensor) == b.tensors.end()) {
    b.tensors.push_back(tensor);
  }
  return static_cast<int>(seg_.views.size()) - 1;
}

memory::desc SegmentBuilder::Layout(int tensor) const {
  if (layouts_ != nullptr && static_cast<size_t>(tensor) < layouts_->size() &&
      !(*layouts_)[tensor].is_zero()) {
    return (*layouts_)[tensor];
  }
  return PlainDesc(ctx_.graph.tensors[tensor].shape);
}

memory::desc SegmentBuilder::ProducedDesc(int tensor) const {
  auto it = tensor_views_.find(tensor);
  if (it == tensor_views_.end() || input_index_.count(tensor) > 0) return memory::desc();
  return seg_.views[it->second.front()].md;
}

int SegmentBuilder::Current(int tensor) {
  auto it = tensor_views_.find(tensor);
  if (it != tensor_views_.end()) return it->second.front();
  const TensorInfo& info = ctx_.graph.tensors[tensor];
  int view = -1;
  auto in = input_index_.find(tensor);
  if (in != input_index_.end()) {
    // Segment inputs arrive in seam's canonical layout.
    const int b = NewBuffer(CompiledSegment::BufferKind::kInput, in->second, info.byte_size());
    view = NewView(PlainDesc(info.shape), b, tensor);
  } else if (info.is_constant()) {
    const int b = NewBuffer(CompiledSegment::BufferKind::kConstant, -1, info.byte_size());
    seg_.buffers[b].constant = const_cast<uint8_t*>(info.data);  // read only by primitives
    view = NewView(PlainDesc(info.shape), b, tensor);
  } else {
    Fail("tensor '" + info.name + "' is read before it is produced and is not a segment input");
  }
  tensor_views_[tensor].push_back(view);
  return view;
}

int SegmentBuilder::Source(int tensor, const memory::desc& want) {
  const int current = Current(tensor);
  int same_layout = -1;
  for (int v : tensor_views_[tensor]) {
    if (seg_.views[v].md == want) return v;
    if (same_layout < 0 && SameLayout(seg_.views[v].md, want)) same_layout = v;
  }
  if (same_layout >= 0) {
    // Same bytes, other descriptor (e.g. strides of size-1 dims): no copy.
    const CompiledSegment::View& same = seg_.views[same_layout];
    const int alias = NewView(want, same.buffer, tensor, same.offset);
    tensor_views_[tensor].push_back(alias);
    return alias;
  }
  const TensorInfo& info = ctx_.graph.tensors[tensor];
  if (info.is_constant()) {
    WeightKey key;
    key.role = WeightKey::kRelaid;
    key.tensor = tensor;
    const size_t bytes = info.byte_size();
    const int view = Constant(key, PlainDesc(info.shape), want, nullptr,
                              [&](float* dst) { std::memcpy(dst, info.data, bytes); });
    tensor_views_[tensor].push_back(view);
    return view;
  }
  return Reorder(current, want, tensor, "layout");
}

int SegmentBuilder::SourceReshaped(int tensor, const memory::dims& dims) {
  const int current = Source(tensor);
  const memory::desc md = seg_.views[current].md;
  if (md.dims() == dims) return current;
  // oneDNN reshapes a layout when the element order is unchanged by it (for
  // example [1,C,1,1] in nhwc to [1,C]); otherwise go through plain. Both
  // depend only on the planned layout, never on the segment.
  const memory::desc reshaped = md.reshape(dims, /*allow_empty=*/true);
  if (!reshaped.is_zero()) {
    return NewView(reshaped, seg_.views[current].buffer, tensor, seg_.views[current].offset);
  }
  const int plain = Source(tensor, PlainDesc(ctx_.graph.tensors[tensor].shape));
  return NewView(PlainDesc(dims), seg_.views[plain].buffer, tensor, seg_.views[plain].offset);
}

int SegmentBuilder::Define(int tensor, const memory::desc& md) {
  if (tensor_views_.count(tensor) > 0) {
    Fail("tensor '" + ctx_.graph.tensors[tensor].name + "' is produced twice");
  }
  int view = HomeView(tensor, md);
  if (view < 0) {
    const int b = NewBuffer(CompiledSegment::BufferKind::kInternal, -1, md.get_size());
    view = NewView(md, b, tensor);
  }
  tensor_views_[tensor].push_back(view);
  return view;
}

int SegmentBuilder::HomeView(int tensor, const memory::desc& md) {
  auto home = placement_.homes.find(tensor);
  if (home == placement_.homes.end() || !(home->second.md == md)) return -1;
  int& buffer = group_buffers_[home->second.group];
  if (buffer < 0) {
    buffer = NewBuffer(CompiledSegment::BufferKind::kInternal, -1,
                       placement_.group_bytes[home->second.group]);
  }
  return NewView(md, buffer, tensor, home->second.offset);
}

void SegmentBuilder::PlaceInSlice(int tensor) {
  auto home = placement_.homes.find(tensor);
  if (home == placement_.homes.end()) Fail("an in-place concat source has no home");
  const int group_buffer = group_buffers_[home->second.group];
  auto produced = tensor_views_.find(tensor);
  if (produced != tensor_views_.end()) {
    for (int v : produced->second) {
      const CompiledSegment::View& view = seg_.views[v];
      if (view.buffer == group_buffer && view.offset == home->second.offset &&
          SameLayout(view.md, home->second.md)) {
        return;  // its producer wrote it there
      }
    }
  }
  // Produced elsewhere (a segment input, a constant, an alias, a sum
  // destination): copy it into its slice once.
  const int source = Current(tensor);
  const int view = HomeView(tensor, home->second.md);
  dnnl::reorder::primitive_desc pd(engine_, seg_.views[source].md, engine_, home->second.md,
                                   Attr());
  AddPrimitive(pd, {{DNNL_ARG_FROM, source}, {DNNL_ARG_TO, view}},
               "reorder " + ctx_.graph.tensors[tensor].name + " (into its concat slice)");
  tensor_views_[tensor].push_back(view);
}

int SegmentBuilder::DefineAlias(int tensor, int view, const memory::desc& md) {
  if (tensor_views_.count(tensor) > 0) {
    Fail("tensor '" + ctx_.graph.tensors[tensor].name + "' is produced twice");
  }
  const int alias = NewView(md, seg_.views[view].buffer, tensor, seg_.views[view].offset);
  tensor_views_[tensor].push_back(alias);
  return alias;
}

int SegmentBuilder::SumDestination(int tensor, int residual, const memory::desc& md,
                                   const std::vector<int>& sources) {
  // In place: the sum overwrites the residual's buffer, which saves a copy when
  // every tensor living in that buffer is dead after this chain.
  // Buffers shared by in-place concats are never reused: their other
  // members' bytes are read through the concat's output.
  auto it = tensor_views_.find(residual);
  if (it != tensor_views_.end() && DeadAfterHere(residual) && placement_.homes.count(tensor) == 0) {
    for (int v : it->second) {
      const int b = seg_.views[v].buffer;
      const CompiledSegment::Buffer& buffer = seg_.buffers[b];
      if (buffer.kind != CompiledSegment::BufferKind::kInternal ||
          std::count(group_buffers_.begin(), group_buffers_.end(), b) > 0 ||
          !SameLayout(seg_.views[v].md, md)) {
        continue;
      }
      bool free = true;
      for (int other : buffer.tensors) free = free && DeadAfterHere(other);
      for (int s : sources) free = free && seg_.views[s].buffer != b;
      if (!free) continue;
      const int view = NewView(md, b, tensor);
      tensor_views_[tensor].push_back(view);
      return view;
    }
  }
  const int source = Current(residual);
  const int view = Define(tensor, md);
  dnnl::reorder::primitive_desc pd(engine_, seg_.views[source].md, engine_, md, Attr());
  AddPrimitive(pd, {{DNNL_ARG_FROM, source}, {DNNL_ARG_TO, view}},
               "reorder " + ctx_.graph.tensors[residual].name + " (sum operand)");
  return view;
}

int SegmentBuilder::Constant(const WeightKey& key, const memory::desc& plain,
                             const memory::desc& want, const float* data,
                             const std::function<void(float*)>& fill) {
  const int b = NewBuffer(CompiledSegment::BufferKind::kConstant, -1, want.get_size());
  if (planning()) {
    // Layout planning only needs the descriptor.
  } else if (data != nullptr && SameLayout(plain, want)) {
    // The graph's weights already have the wanted layout: no copy at all.
    seg_.buffers[b].constant = const_cast<float*>(data);
  } else {
    dnnl::memory m = cache_->Get(key, plain, want, fill);
    seg_.buffers[b].constant = m.get_data_handle();
    seg_.buffers[b].owner = m;
  }
  return NewView(want, b, -1);
}

int SegmentBuilder::Reorder(int src_view, const memory::desc& want, int tensor, const char* why) {
  const int b = NewBuffer(CompiledSegment::BufferKind::kInternal, -1, want.get_size());
  const int view = NewView(want, b, tensor);
  dnnl::reorder::primitive_desc pd(engine_, seg_.views[src_view].md, engine_, want, Attr());
  AddPrimitive(pd, {{DNNL_ARG_FROM, src_view}, {DNNL_ARG_TO, view}},
               "reorder " + ctx_.graph.tensors[tensor].name + " (" + why + ")");
  tensor_views_[tensor].push_back(view);
  return view;
}

void SegmentBuilder::AddPrimitive(const dnnl::primitive_desc_base& pd,
                                  const std::vector<std::pair<int, int>>& args,
                                  const std::string& label) {
  if (planning()) return;
  CompiledSegment::Step step;
  step.primitive = dnnl::primitive(pd.get());
  step.args = args;
  step.label = label + " [" + pd.impl_info_str() + "]";
  const memory::desc scratchpad = pd.scratchpad_desc();
  if (scratchpad.get_size() > 0) {
    // Primitives run one at a time, so they all share one scratchpad buffer.
    int b = -1;
    for (size_t i = 0; i < seg_.buffers.size(); ++i) {
      if (seg_.buffers[i].kind == CompiledSegment::BufferKind::kScratchpad) b = static_cast<int>(i);
    }
    if (b < 0) b = NewBuffer(CompiledSegment::BufferKind::kScratchpad, -1, 0);
    step.args.emplace_back(DNNL_ARG_SCRATCHPAD, NewView(scratchpad, b, -1));
  }
  seg_.steps.push_back(std::move(step));
}

std::string SegmentBuilder::Label(const char* kind, const FusionChain& chain) const {
  std::string label = kind;
  for (size_t i = 0; i < chain.nodes.size(); ++i) {
    label += (i == 0 ? " " : "+") + ctx_.graph.nodes[chain.nodes[i]].name;
  }
  return label;
}

Status SegmentBuilder::Finish(CompiledSegment* out) {
  using Kind = CompiledSegment::BufferKind;
  // 1. Segment outputs leave in the canonical layout. A tensor that already
  //    has a plain view in a buffer of its own is produced straight into the
  //    arena; anything else gets a final reorder.
  for (size_t i = 0; i < spec_.outputs.size(); ++i) {
    const int t = spec_.outputs[i];
    const TensorInfo& info = ctx_.graph.tensors[t];
    auto it = tensor_views_.find(t);
    if (it == tensor_views_.end()) {
      return Internal("segment output '" + info.name + "' is not produced by the segment");
    }
    const memory::desc plain = PlainDesc(info.shape);
    bool direct = false;
    for (int v : it->second) {
      CompiledSegment::Buffer& b = seg_.buffers[seg_.views[v].buffer];
      if (b.kind == Kind::kInternal && seg_.views[v].offset == 0 &&
          SameLayout(seg_.views[v].md, plain) && b.bytes <= info.byte_size()) {
        b.kind = Kind::kOutput;
        b.index = static_cast<int>(i);
        direct = true;
        break;
      }
    }
    if (direct) continue;
    const int src = it->second.front();
    const int b = NewBuffer(Kind::kOutput, static_cast<int>(i), info.byte_size());
    const int view = NewView(plain, b, t);
    dnnl::reorder::primitive_desc pd(engine_, seg_.views[src].md, engine_, plain, Attr());
    AddPrimitive(pd, {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, view}},
                 "reorder " + info.name + " (output)");
  }

  // 2. Lifetimes of the internal buffers, in steps.
  for (size_t s = 0; s < seg_.steps.size(); ++s) {
    for (const auto& arg : seg_.steps[s].args) {
      CompiledSegment::Buffer& b = seg_.buffers[seg_.views[arg.second].buffer];
      if (b.first_step < 0) b.first_step = static_cast<int>(s);
      b.last_step = static_cast<int>(s);
    }
  }

  // 3. Scratch layout: [primitive scratchpad][internal tensors]. Internal
  //    buffers whose lifetimes do not overlap share space (first fit).
  for (const CompiledSegment::Buffer& b : seg_.buffers) {
    if (b.kind == Kind::kScratchpad)
      seg_.scratchpad_bytes = std::max(seg_.scratchpad_bytes, b.bytes);
  }
  seg_.scratchpad_bytes = AlignUp(seg_.scratchpad_bytes);
  std::vector<int> order;
  for (size_t i = 0; i < seg_.buffers.size(); ++i) {
    if (seg_.buffers[i].kind == Kind::kInternal && seg_.buffers[i].first_step >= 0) {
      order.push_back(static_cast<int>(i));
    }
  }
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return seg_.buffers[a].first_step < seg_.buffers[b].first_step;
  });
  std::vector<int> placed;
  size_t internal_bytes = 0;
  for (int i : order) {
    CompiledSegment::Buffer& b = seg_.buffers[i];
    std::vector<std::pair<size_t, size_t>> busy;  // [begin, end) of overlapping buffers
    for (int j : placed) {
      const CompiledSegment::Buffer& o = seg_.buffers[j];
      if (o.first_step <= b.last_step && b.first_step <= o.last_step) {
        busy.emplace_back(o.offset, o.offset + AlignUp(o.bytes));
      }
    }
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    for (const auto& range : busy) {
      if (offset + AlignUp(b.bytes) <= range.first) break;
      offset = std::max(offset, range.second);
    }
    b.offset = offset;
    internal_bytes = std::max(internal_bytes, offset + AlignUp(b.bytes));
    placed.push_back(i);
  }
  seg_.internal_offset = seg_.scratchpad_bytes;
  seg_.scratch_bytes = seg_.internal_offset + internal_bytes;

  // 4. Memories: constants are bound now, arena buffers in Bind.
  for (CompiledSegment::View& view : seg_.views) {
    const CompiledSegment::Buffer& b = seg_.buffers[view.buffer];
    void* handle = b.kind == Kind::kConstant ? b.constant : DNNL_MEMORY_NONE;
    view.mem = dnnl::memory(view.md, engine_, handle);
  }
  for (CompiledSegment::Step& step : seg_.steps) {
    for (const auto& arg : step.args) step.exec_args[arg.first] = seg_.views[arg.second].mem;
  }
  *out = std::move(seg_);
  return Status::Ok();
}

}  // namespace onednn
}  // namespace seam
