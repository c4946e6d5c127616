// libFuzzer target: model loading, bytes -> verified FlatBuffer -> Graph ->
// validated graph with inferred shapes (core/model_loader.cc,
// core/graph_validation.cc, core/shape_inference.cc).
//
// The input is a .seam file. The content hash is not enforced (a mutated
// file would almost never get past it) but is still computed. For every
// model the loader accepts, the target checks what the rest of seam relies
// on: the error of a refused model names the problem; an accepted graph
// serialises and reloads to the same graph; the graph analyses (schedule,
// partition points, cuts, boundaries, FLOPs) run; and a small enough model
// runs whole and split on the reference kernels ("shape inference is the
// single place that decides whether a node is well-formed, so kernels may
// trust shapes and attributes afterwards").
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "seam/model.h"
#include "tests/fuzz/model_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace seam;
  LoadOptions options;
  options.verify_content_hash = false;
  std::unique_ptr<Model> model;
  const Status s = Model::LoadFromBytes(std::vector<uint8_t>(data, data + size), &model, options);
  if (!s.ok()) {
    fuzz::CheckModelRefusal(s);
    return 0;
  }
  fuzz::CheckAcceptedModel(*model);
  return 0;
}
