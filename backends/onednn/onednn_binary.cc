// Add and Mul as oneDNN binary primitives. oneDNN broadcasts only its second
// source, so the operand with the output's shape goes first (both ops
// commute); an Add that follows a conv usually becomes a sum post-op instead.
#include <vector>

#include "backends/onednn/onednn_common.h"

namespace seam {
namespace onednn {

Status VisitBinary(const VisitContext& ctx, int node, SegmentBuilder* builder) {
  const Graph& g = ctx.graph;
  const Node& n = g.nodes[node];
  SEAM_RETURN_IF_ERROR(CheckNode(ctx, node, 2, -1));
  if (n.inputs.size() != 2) return Decline(g, node, "expects two inputs");
  const Shape& ys = g.tensors[n.outputs[0]].shape;
  int first = n.inputs[0], second = n.inputs[1];
  if (g.tensors[first].shape != ys) std::swap(first, second);
  if (g.tensors[first].shape != ys) {
    return Decline(g, node, "both operands broadcast; oneDNN broadcasts only one");
  }
  if (builder == nullptr) return Status::Ok();

  const FusionChain& chain = builder->Chain(node);
  const memory::dims dims = ToDims(ys);
  const int src0 = builder->Source(first);
  const memory::desc md0 = builder->ViewDesc(src0);
  int src1;
  const Shape& s1 = g.tensors[second].shape;
  if (s1 == ys) {
    // Same shape: give both sources one layout so the fast kernels apply.
    src1 = builder->Source(second, md0);
  } else {
    // Numpy broadcasting aligns trailing dims: pad the rank with leading 1s.
    memory::dims padded(dims.size(), 1);
    for (int d = 0; d < s1.rank; ++d) padded[dims.size() - s1.rank + d] = s1.dims[d];
    src1 = builder->SourceReshaped(second, padded);
  }
  const auto alg = n.op == OpType::kAdd ? dnnl::algorithm::binary_add : dnnl::algorithm::binary_mul;
  dnnl::primitive_attr attr = builder->Attr();
  attr.set_post_ops(ChainPostOps(ctx, chain, FusedActivation{}));
  dnnl::binary::desc desc(alg, md0, builder->ViewDesc(src1), AnyDesc(dims));
  dnnl::binary::primitive_desc pd(desc, attr, builder->engine());
  const int dst = builder->Define(chain.output, pd.dst_desc());
  builder->AddPrimitive(pd, {{DNNL_ARG_SRC_0, src0}, {DNNL_ARG_SRC_1, src1}, {DNNL_ARG_DST, dst}},
                        builder->Label("binary", chain));
  return Status::Ok();
}

}  // namespace onednn
}  // namespace seam
