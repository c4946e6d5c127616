// The model zoo: builders for the seed papers' models with deterministic
// seeded weights. Layer structure and parameter counts follow the published
// architectures (tests/zoo_test.cc asserts the counts).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "seam/graph_builder.h"
#include "seam/status.h"

namespace seam {

struct ZooModelInfo {
  std::string name;         // "resnet50"
  std::string description;  // one line: what it is and where it comes from
  std::string topology;     // "chain" or "dag"
  int64_t expected_params;  // published parameter count
  std::string input_shape;  // "[1,3,224,224]"
};

// Every zoo model, in a stable order.
const std::vector<ZooModelInfo>& ZooModels();

// Builds `name` into `builder` (weights from `seed`). NotFound for an unknown name.
Status BuildZooModel(const std::string& name, uint64_t seed, GraphBuilder* builder);

}  // namespace seam
