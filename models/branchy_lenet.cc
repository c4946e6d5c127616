// A BranchyNet-style (Teerapittayanon et al., ICPR 2016) LeNet with three
// exits, trained on scikit-learn's 8x8 handwritten digits: the multi-exit
// model Edgent (Li et al., MECOMM'18) chooses an exit and a split point for.
// Unlike the rest of the zoo its weights are real: tools/train/
// train_branchy_lenet.py trains it and writes models/data/
// branchy_lenet_digits.{bin,json}; models/embed_weights.cmake compiles both
// into this library, so each exit carries its measured test accuracy.
//
//   input [1,1,8,8] (pixels / 16)
//   conv1 3x3 pad 1 (6) -> relu1                    -> exit1.flatten -> exit1.fc -> exit1.softmax
//   conv2 3x3 pad 1 (16) -> relu2 -> pool2 2x2      -> exit2.flatten -> exit2.fc -> exit2.softmax
//   flatten -> fc1 (64) -> relu3 -> fc2 (32) -> relu4 -> fc3 (10) -> output (softmax, exit3)
//
// Node and weight names are the PyTorch module names. The deepest exit is the
// graph output; the two early exits are ExitHeads only (not graph outputs), so
// a plain Run costs the whole network, and a policy that picks an early exit
// runs the sub-graph up to it.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "models/zoo_builders.h"

namespace seam {
namespace zoo {

// Defined in the .cc generated from models/data/branchy_lenet_digits.* (see
// models/CMakeLists.txt): the float bit patterns, the tensor table and the
// measured exit accuracies.
extern const uint32_t kBranchyLeNetWords[];
extern const size_t kBranchyLeNetWordCount;
extern const char* const kBranchyLeNetTensorNames[];
extern const char* const kBranchyLeNetTensorShapes[];
extern const size_t kBranchyLeNetTensorOffsets[];
extern const size_t kBranchyLeNetTensorCount;
extern const char* const kBranchyLeNetExitNames[];
extern const float kBranchyLeNetExitAccuracies[];
extern const size_t kBranchyLeNetExitCount;
extern const int64_t kBranchyLeNetTrainSamples;
extern const int64_t kBranchyLeNetTestSamples;

namespace {

constexpr int kNumExits = 3;

// Copies the embedded tensor `name` out as floats after checking that the
// training script wrote the shape this builder expects, so an architecture
// change on one side only fails loudly instead of misreading the weights.
Status LoadWeight(const std::string& name, const Shape& shape, std::vector<float>* out) {
  for (size_t i = 0; i < kBranchyLeNetTensorCount; ++i) {
    if (name != kBranchyLeNetTensorNames[i]) continue;
    if (shape.ToString() != kBranchyLeNetTensorShapes[i]) {
      return InvalidArgument("branchy_lenet: embedded tensor '" + name + "' has shape " +
                             kBranchyLeNetTensorShapes[i] + ", the builder expects " +
                             shape.ToString() + "; retrain or fix models/branchy_lenet.cc");
    }
    const size_t count = static_cast<size_t>(shape.NumElements());
    const size_t offset = kBranchyLeNetTensorOffsets[i];
    if (offset + count > kBranchyLeNetWordCount) {
      return InvalidArgument("branchy_lenet: embedded tensor '" + name + "' overruns the weights");
    }
    out->resize(count);
    // Bit patterns to floats: memcpy is the aliasing-safe way.
    static_assert(sizeof(float) == sizeof(uint32_t), "float must be 32-bit");
    std::memcpy(out->data(), kBranchyLeNetWords + offset, count * sizeof(float));
    return Status();
  }
  return InvalidArgument("branchy_lenet: no embedded tensor '" + name + "'");
}

// Adds the embedded weight `name` as a constant; -1 (and *status set) if the
// weights do not fit. -1 must not reach AddNode, which reads it as an absent
// optional input, so callers check *status before using the result.
int Weight(GraphBuilder* b, const std::string& name, const Shape& shape, Status* status) {
  if (!status->ok()) return -1;
  std::vector<float> values;
  *status = LoadWeight(name, shape, &values);
  if (!status->ok()) return -1;
  return b->Constant(name, shape, std::move(values));
}

int Conv3x3(GraphBuilder* b, const std::string& name, int x, int64_t in_channels,
            int64_t out_channels, Status* status) {
  const int w = Weight(b, name + ".weight", Shape{out_channels, in_channels, 3, 3}, status);
  const int bias = Weight(b, name + ".bias", Shape{out_channels}, status);
  if (!status->ok()) return -1;
  Conv2DAttrs a;
  a.kernel_h = a.kernel_w = 3;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = 1;  // PyTorch padding=1: same size
  return b->AddNode(OpType::kConv2D, name, {x, w, bias}, a);
}

int Linear(GraphBuilder* b, const std::string& name, int x, int64_t in_features,
           int64_t out_features, Status* status) {
  const int w = Weight(b, name + ".weight", Shape{out_features, in_features}, status);
  const int bias = Weight(b, name + ".bias", Shape{out_features}, status);
  if (!status->ok()) return -1;
  return b->AddNode(OpType::kFullyConnected, name, {x, w, bias}, FullyConnectedAttrs{});
}

}  // namespace

const std::string& BranchyLeNetDescription() {
  static const std::string* const text = [] {
    std::string acc;
    for (size_t i = 0; i < kBranchyLeNetExitCount; ++i) {
      char buf[16];
      std::snprintf(buf, sizeof(buf), "%.2f%%", 100.0 * kBranchyLeNetExitAccuracies[i]);
      acc += (i ? " / " : "") + std::string(buf);
    }
    return new std::string(
        "BranchyNet-style LeNet trained on the sklearn 8x8 digits (" +
        std::to_string(kBranchyLeNetTrainSamples) + " train / " +
        std::to_string(kBranchyLeNetTestSamples) +
        " test, stratified): 3 exits after conv1, conv2+pool2 and fc1-fc2-fc3, test top-1 " + acc);
  }();
  return *text;
}

Status BuildBranchyLeNet(GraphBuilder* b) {
  if (kBranchyLeNetExitCount != kNumExits) {
    return InvalidArgument("branchy_lenet: the embedded metadata has " +
                           std::to_string(kBranchyLeNetExitCount) + " exits, the builder " +
                           std::to_string(kNumExits));
  }
  b->SetProducer(kProducer);
  b->SetDescription(BranchyLeNetDescription());
  Status status;
  int x = b->Input("input", Shape{1, 1, 8, 8});

  x = Conv3x3(b, "conv1", x, 1, 6, &status);  // -> 6x8x8
  x = b->Relu("relu1", x);
  int e = b->Flatten("exit1.flatten", x);  // -> 384
  e = Linear(b, "exit1.fc", e, 6 * 8 * 8, 10, &status);
  const int exit1 = b->Softmax("exit1.softmax", e);

  x = Conv3x3(b, "conv2", x, 6, 16, &status);  // -> 16x8x8
  x = b->Relu("relu2", x);
  x = b->MaxPool("pool2", x, 2, 2);    // -> 16x4x4
  e = b->Flatten("exit2.flatten", x);  // -> 256
  e = Linear(b, "exit2.fc", e, 16 * 4 * 4, 10, &status);
  const int exit2 = b->Softmax("exit2.softmax", e);

  x = b->Flatten("flatten", x);
  x = Linear(b, "fc1", x, 16 * 4 * 4, 64, &status);
  x = b->Relu("relu3", x);
  x = Linear(b, "fc2", x, 64, 32, &status);
  x = b->Relu("relu4", x);
  x = Linear(b, "fc3", x, 32, 10, &status);
  const int exit3 = b->Softmax("output", x);
  SEAM_RETURN_IF_ERROR(status);

  // Shallowest first, as Edgent numbers them; the accuracies are the
  // training script's measured test accuracies.
  const int exits[kNumExits] = {exit1, exit2, exit3};
  for (int i = 0; i < kNumExits; ++i) {
    b->Exit(kBranchyLeNetExitNames[i], exits[i], kBranchyLeNetExitAccuracies[i]);
  }
  return FinishModel(b, exit3);
}

}  // namespace zoo
}  // namespace seam
