// The fixed models the wire and policy fuzz targets decode against, shared
// with the seed corpus generator.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/zoo.h"
#include "seam/graph_builder.h"
#include "seam/model.h"
#include "tests/core/test_graphs.h"
#include "tests/fuzz/fuzz_common.h"

namespace seam::fuzz {

// Models the wire and policy targets use: a small DAG with a residual add
// (multi-tensor boundaries) and the zoo's branchy LeNet (early exits, several
// outputs). Built from code with fixed seeds, so the seed generator and the
// targets agree on every byte and on the content hash.
enum class FuzzModelId { kSmallDag = 0, kBranchyLeNet = 1, kGoogLeNet = 2 };
constexpr int kNumFuzzModels = 3;

inline std::unique_ptr<Model> BuildFuzzModel(FuzzModelId id) {
  std::unique_ptr<GraphBuilder> builder;
  if (id == FuzzModelId::kSmallDag) {
    builder = testing::MakeSmallDag(7);
  } else {
    builder = std::make_unique<GraphBuilder>(1);
    const char* name = id == FuzzModelId::kBranchyLeNet ? "branchy_lenet" : "googlenet";
    if (!BuildZooModel(name, 1, builder.get()).ok()) Fail("cannot build zoo model");
  }
  std::vector<uint8_t> bytes;
  if (!builder->Serialize(&bytes).ok()) Fail("cannot serialise fuzz model");
  std::unique_ptr<Model> model;
  const Status s = Model::LoadFromBytes(std::move(bytes), &model);
  if (!s.ok()) Fail("cannot load fuzz model: " + s.ToString());
  return model;
}

// One instance per process (fuzz targets run millions of inputs).
inline const Model& FuzzModel(FuzzModelId id) {
  static std::unique_ptr<Model> models[kNumFuzzModels];
  std::unique_ptr<Model>& m = models[static_cast<int>(id)];
  if (m == nullptr) m = BuildFuzzModel(id);
  return *m;
}

}  // namespace seam::fuzz
