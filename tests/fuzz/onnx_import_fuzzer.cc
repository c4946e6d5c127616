// libFuzzer target: the ONNX importer (`seam convert`, tools/convert/): parse
// the protobuf, fold constants at conversion time (running seam's kernels),
// lower the rest to seam ops, rewrite, validate.
//
// The input is an ONNX model file; external data is refused (no base
// directory). Properties: a refusal has a message; a converted graph
// serialises to a .seam model that seam's own loader accepts, and that model
// passes every check the model loader target runs (tests/fuzz/model_checks.h).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "seam/model.h"
#include "tests/fuzz/model_checks.h"
#include "tools/convert/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace seam;
  onnx_import::ImportOptions options;
  // The default (2^28) bounds memory; folding that many elements one at a
  // time under ASan takes longer than a fuzz input may. The limit's checks
  // are the same at any value.
  options.max_folded_elements = int64_t{1} << 20;
  options.max_folded_flops = int64_t{1} << 24;  // folded convolutions ran ~1 s per input
  onnx_import::ImportResult result;
  const Status s = onnx_import::ImportOnnxBytes(data, size, "", "fuzz input", options, &result);
  if (!s.ok()) {
    fuzz::CheckModelRefusal(s);
    return 0;
  }
  std::vector<uint8_t> bytes;
  Status w = SerializeModel(result.graph, &bytes);
  if (!w.ok()) fuzz::Fail("a converted graph does not serialise: " + w.ToString());
  std::unique_ptr<Model> model;
  w = Model::LoadFromBytes(std::move(bytes), &model);
  if (!w.ok()) fuzz::Fail("seam's loader refuses a converted model: " + w.ToString());
  fuzz::CheckAcceptedModel(*model);
  return 0;
}
