// Internal to models/: one build function per zoo model, and the one-line
// description each model records. zoo.cc's registry is the only caller; the
// descriptions live next to their builders so the registry and the built graph
// cannot drift apart.
#pragma once

#include <string>

#include "seam/graph_builder.h"
#include "seam/status.h"

namespace seam {
namespace zoo {

// What every zoo graph records as its producer.
inline constexpr char kProducer[] = "seam model zoo";

// Marks `tensor` as the graph output and reports the builder's first error
// (the layer helpers stop at the first failure, so checking once is enough).
inline Status FinishModel(GraphBuilder* b, int tensor) {
  b->Output(tensor);
  return b->status();
}

extern const char kLeNet5Description[];
extern const char kAlexNetDescription[];
extern const char kVgg16Description[];
extern const char kVgg19Description[];
extern const char kNinDescription[];
extern const char kTinyYoloV2Description[];
extern const char kResNet18Description[];
extern const char kResNet50Description[];
extern const char kMobileNetV1Description[];
extern const char kMobileNetV2Description[];
extern const char kDenseNet121Description[];
extern const char kGoogLeNetDescription[];
extern const char kMlpDescription[];
extern const char kLstmDescription[];
// Trained models: the description quotes the measured exit accuracies, which
// are compiled in from models/data/, so it is formatted from them once.
const std::string& BranchyLeNetDescription();

// Each builder expects a fresh builder and adds the whole model to it.
Status BuildLeNet5(GraphBuilder* b);
Status BuildAlexNet(GraphBuilder* b);
Status BuildVgg16(GraphBuilder* b);
Status BuildVgg19(GraphBuilder* b);
Status BuildNin(GraphBuilder* b);
Status BuildTinyYoloV2(GraphBuilder* b);
Status BuildResNet18(GraphBuilder* b);
Status BuildResNet50(GraphBuilder* b);
Status BuildMobileNetV1(GraphBuilder* b);
Status BuildMobileNetV2(GraphBuilder* b);
Status BuildDenseNet121(GraphBuilder* b);
Status BuildGoogLeNet(GraphBuilder* b);
Status BuildMlp(GraphBuilder* b);
Status BuildLstm(GraphBuilder* b);
// Trained weights (no randomness): ignores the builder's seed.
Status BuildBranchyLeNet(GraphBuilder* b);

}  // namespace zoo
}  // namespace seam
