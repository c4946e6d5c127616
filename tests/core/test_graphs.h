// Small graphs shared by the core tests.
#pragma once

#include <memory>
#include <vector>

#include "seam/graph_builder.h"

namespace seam::testing {

// A DAG touching most attribute kinds: conv -> bn -> relu -> {maxpool, avgpool}
// -> concat -> lrn -> gap -> flatten -> fc -> softmax, plus a residual add.
inline std::unique_ptr<GraphBuilder> MakeSmallDag(uint64_t seed = 7) {
  auto b = std::make_unique<GraphBuilder>(seed);
  b->SetDescription("small DAG for core tests");
  b->AddMetadata("purpose", "tests");
  int x = b->Input("input", Shape{1, 3, 16, 16});
  int c1 = b->Conv("conv1", x, 8, 3, 1, 1, 1, true, ActivationKind::kNone);
  int bn = b->BatchNorm("bn1", c1);
  int r1 = b->Relu("relu1", bn);
  int c2 = b->Conv("conv2", r1, 8, 3, 1, 1, 2, false, ActivationKind::kRelu);
  int add = b->Add("add", c2, r1);
  int mp = b->MaxPool("maxpool", add, 2, 2, 0, false);
  int ap = b->AveragePool("avgpool", add, 3, 2, 1, false, true);
  int cat = b->Concat("concat", {mp, ap}, 1);
  int lrn = b->LRN("lrn", cat, 5, 1e-4f, 0.75f, 1.0f);
  int gap = b->GlobalAveragePool("gap", lrn);
  int flat = b->Flatten("flatten", gap, 1);
  int fc = b->FullyConnected("fc", flat, 10, true, ActivationKind::kNone);
  int sm = b->Softmax("softmax", fc, 1);
  b->Output(sm);
  b->Exit("main", sm, 0.5f);
  return b;
}

}  // namespace seam::testing
