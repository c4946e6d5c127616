// Fusion exactness: whether a conv or inner-product chain, fused into one
// primitive, gives bit for bit what a split run computes with its nodes as
// separate primitives (onednn_fusion.cc says why that matters).
//
// Eltwise post-ops are applied to the finished result by every kernel (they
// are not linear), so they are exact whenever the head keeps its kernel. A
// sum post-op need not be: some kernels load the residual into their
// accumulators first (oneDNN's AVX2 jit convolution when the input channels
// span more than one block, gemm-based inner products with beta = 1), which
// rounds differently from adding it to the finished result. Which kernels do
// is not part of oneDNN's API, so the sum is tried once on pseudo-random
// data and compared with the separate add.
#include <cstdint>
#include <cstring>
#include <vector>

#include "backends/onednn/onednn_common.h"

namespace seam {
namespace onednn {
namespace {

// The head's primitive descriptor with `chain`'s post-ops.
dnnl::primitive_desc HeadPrimitive(const VisitContext& ctx, const FusionChain& chain,
                                   const dnnl::engine& engine) {
  const Node& n = ctx.graph.nodes[chain.head];
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // as SegmentBuilder::Attr()
  if (const auto* a = std::get_if<Conv2DAttrs>(&n.attrs)) {
    attr.set_post_ops(ChainPostOps(ctx, chain, a->activation));
    return ConvPrimitive(ctx, n, *a, attr, engine);
  }
  const auto& a = std::get<FullyConnectedAttrs>(n.attrs);
  attr.set_post_ops(ChainPostOps(ctx, chain, a.activation));
  return InnerProductPrimitive(ctx.graph, n, attr, engine);
}

size_t ElementCount(const memory::desc& md) {
  size_t count = 1;
  for (memory::dim d : md.dims()) count *= static_cast<size_t>(d);
  return count;
}

// Deterministic values in [-1, 1) for the plain (row-major) form of `md`.
std::vector<float> RandomPlain(const memory::desc& md, uint32_t seed) {
  std::vector<float> values(ElementCount(md));
  uint32_t state = seed * 2654435761u + 1;
  for (float& v : values) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<float>(state >> 8) / 8388608.0f - 1.0f;
  }
  return values;
}

// `plain` in the layout `md` (reordered, so blocked padding is zero).
dnnl::memory InLayout(const memory::desc& md, std::vector<float>* plain, const dnnl::engine& engine,
                      dnnl::stream& stream) {
  dnnl::memory from(PlainDesc(md.dims()), engine, plain->data());
  dnnl::memory to(md, engine);
  dnnl::reorder(from, to).execute(stream, from, to);
  return to;
}

std::vector<float> ToPlain(dnnl::memory mem, const dnnl::engine& engine, dnnl::stream& stream) {
  std::vector<float> plain(ElementCount(mem.get_desc()));
  dnnl::memory to(PlainDesc(mem.get_desc().dims()), engine, plain.data());
  dnnl::reorder(mem, to).execute(stream, mem, to);
  stream.wait();
  return plain;
}

// Runs `pd` on src/weights/bias made from the plain vectors; `dst_plain`,
// when given, is the destination's initial content (the sum's residual).
std::vector<float> Run(const dnnl::primitive_desc& pd, std::vector<float>* src,
                       std::vector<float>* weights, std::vector<float>* bias,
                       std::vector<float>* dst_plain, const dnnl::engine& engine,
                       dnnl::stream& stream) {
  std::unordered_map<int, dnnl::memory> args;
  args[DNNL_ARG_SRC] = InLayout(pd.src_desc(), src, engine, stream);
  args[DNNL_ARG_WEIGHTS] = InLayout(pd.weights_desc(), weights, engine, stream);
  if (bias != nullptr) args[DNNL_ARG_BIAS] = InLayout(pd.weights_desc(1), bias, engine, stream);
  args[DNNL_ARG_DST] = dst_plain != nullptr ? InLayout(pd.dst_desc(), dst_plain, engine, stream)
                                            : dnnl::memory(pd.dst_desc(), engine);
  args[DNNL_ARG_SCRATCHPAD] = dnnl::memory(pd.scratchpad_desc(), engine);
  dnnl::primitive(pd).execute(stream, args);
  return ToPlain(args[DNNL_ARG_DST], engine, stream);
}

// Whether the chain's sum gives what the head without it plus a separate add
// gives, on one pseudo-random input.
bool SumIsExact(const VisitContext& ctx, const FusionChain& chain, const dnnl::engine& engine) {
  FusionChain summed = chain;
  summed.post_sum.clear();  // exact eltwise after the sum: no effect on this
  FusionChain unsummed = summed;
  unsummed.sum_node = -1;
  const dnnl::primitive_desc with_sum = HeadPrimitive(ctx, summed, engine);
  const dnnl::primitive_desc without = HeadPrimitive(ctx, unsummed, engine);
  if (with_sum.impl_info_str() != without.impl_info_str()) return false;

  const Node& n = ctx.graph.nodes[chain.head];
  const bool has_bias = n.inputs.size() > 2 && n.inputs[2] >= 0;
  dnnl::stream stream(engine);
  std::vector<float> src = RandomPlain(without.src_desc(), 1);
  std::vector<float> weights = RandomPlain(without.weights_desc(), 2);
  std::vector<float> bias =
      has_bias ? RandomPlain(without.weights_desc(1), 3) : std::vector<float>();
  std::vector<float> residual = RandomPlain(without.dst_desc(), 4);
  std::vector<float> separate =
      Run(without, &src, &weights, has_bias ? &bias : nullptr, nullptr, engine, stream);
  const std::vector<float> fused =
      Run(with_sum, &src, &weights, has_bias ? &bias : nullptr, &residual, engine, stream);
  for (size_t i = 0; i < separate.size(); ++i) separate[i] += residual[i];
  return separate.size() == fused.size() &&
         std::memcmp(separate.data(), fused.data(), fused.size() * sizeof(float)) == 0;
}

bool Check(const VisitContext& ctx, const FusionChain& candidate) {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  FusionChain alone = candidate;
  alone.pre_sum.clear();
  alone.sum_node = -1;
  alone.post_sum.clear();
  if (HeadPrimitive(ctx, candidate, engine).impl_info_str() !=
      HeadPrimitive(ctx, alone, engine).impl_info_str()) {
    return false;
  }
  return candidate.sum_node < 0 || SumIsExact(ctx, candidate, engine);
}

}  // namespace

bool FusionIsExact(const VisitContext& ctx, const FusionChain& candidate) {
  const OpType op = ctx.graph.nodes[candidate.head].op;
  if (op != OpType::kConv2D && op != OpType::kFullyConnected) return true;
  std::vector<int> key = {candidate.head};
  key.insert(key.end(), candidate.pre_sum.begin(), candidate.pre_sum.end());
  key.push_back(-1);
  key.push_back(candidate.sum_node);
  key.insert(key.end(), candidate.post_sum.begin(), candidate.post_sum.end());
  if (ctx.fusion_checks != nullptr) {
    std::lock_guard<std::mutex> lock(ctx.fusion_checks->mutex);
    auto it = ctx.fusion_checks->exact.find(key);
    if (it != ctx.fusion_checks->exact.end()) return it->second;
  }
  bool exact = false;
  try {
    exact = Check(ctx, candidate);
  } catch (const dnnl::error&) {
    exact = false;  // not creatable fused: the visitor would fail the same way
  }
  if (ctx.fusion_checks != nullptr) {
    std::lock_guard<std::mutex> lock(ctx.fusion_checks->mutex);
    ctx.fusion_checks->exact[key] = exact;
  }
  return exact;
}

}  // namespace onednn
}  // namespace seam
