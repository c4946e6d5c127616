// The model zoo registry: the list of models (with the counts the tests
// assert) and the dispatch from a name to its builder.
#include "models/zoo.h"

#include <string>
#include <vector>

#include "models/zoo_builders.h"

namespace seam {
namespace {

struct ZooEntry {
  ZooModelInfo info;
  Status (*build)(GraphBuilder*);
};

// Parameter counts are what GraphParams reports: learnable parameters, with
// BatchNorm contributing scale and bias only. Where that differs from the
// number a framework prints, the description says why.
const std::vector<ZooEntry>& Registry() {
  // Leaked on purpose: no static destructor ordering to worry about.
  static const std::vector<ZooEntry>* const entries = new std::vector<ZooEntry>{
      {{"lenet5", zoo::kLeNet5Description, "chain", 61706, "[1,1,32,32]"}, zoo::BuildLeNet5},
      {{"alexnet", zoo::kAlexNetDescription, "chain", 60965224, "[1,3,227,227]"},
       zoo::BuildAlexNet},
      {{"vgg16", zoo::kVgg16Description, "chain", 138357544, "[1,3,224,224]"}, zoo::BuildVgg16},
      {{"vgg19", zoo::kVgg19Description, "chain", 143667240, "[1,3,224,224]"}, zoo::BuildVgg19},
      {{"nin", zoo::kNinDescription, "chain", 7595176, "[1,3,224,224]"}, zoo::BuildNin},
      {{"tiny_yolov2", zoo::kTinyYoloV2Description, "chain", 15861773, "[1,3,416,416]"},
       zoo::BuildTinyYoloV2},
      {{"resnet18", zoo::kResNet18Description, "dag", 11689512, "[1,3,224,224]"},
       zoo::BuildResNet18},
      {{"resnet50", zoo::kResNet50Description, "dag", 25557032, "[1,3,224,224]"},
       zoo::BuildResNet50},
      {{"mobilenet_v1", zoo::kMobileNetV1Description, "chain", 4231976, "[1,3,224,224]"},
       zoo::BuildMobileNetV1},
      {{"mobilenet_v2", zoo::kMobileNetV2Description, "dag", 3504872, "[1,3,224,224]"},
       zoo::BuildMobileNetV2},
      {{"densenet121", zoo::kDenseNet121Description, "dag", 7978856, "[1,3,224,224]"},
       zoo::BuildDenseNet121},
      {{"googlenet", zoo::kGoogLeNetDescription, "dag", 6998552, "[1,3,224,224]"},
       zoo::BuildGoogLeNet},
      {{"mlp", zoo::kMlpDescription, "chain", 13902922, "[1,784]"}, zoo::BuildMlp},
      {{"lstm", zoo::kLstmDescription, "chain", 2653200, "[20,200]"}, zoo::BuildLstm},
      {{"branchy_lenet", zoo::BranchyLeNetDescription(), "dag", 26218, "[1,1,8,8]"},
       zoo::BuildBranchyLeNet},
  };
  return *entries;
}

}  // namespace

const std::vector<ZooModelInfo>& ZooModels() {
  static const std::vector<ZooModelInfo>* const models = [] {
    auto* list = new std::vector<ZooModelInfo>;
    for (const ZooEntry& entry : Registry()) list->push_back(entry.info);
    return list;
  }();
  return *models;
}

Status BuildZooModel(const std::string& name, uint64_t seed, GraphBuilder* builder) {
  if (builder == nullptr) return InvalidArgument("BuildZooModel: builder is null");
  for (const ZooEntry& entry : Registry()) {
    if (entry.info.name != name) continue;
    const Graph& existing = builder->graph();
    if (!existing.tensors.empty() || !existing.nodes.empty()) {
      return InvalidArgument("BuildZooModel('" + name +
                             "'): the builder already holds a graph; pass a fresh GraphBuilder");
    }
    // A builder's random stream is fixed when it is constructed, so honouring
    // `seed` means starting from a fresh one. The old builder is empty, so no
    // weight pointers are invalidated.
    *builder = GraphBuilder(seed);
    SEAM_RETURN_IF_ERROR(entry.build(builder));
    builder->AddMetadata("zoo.model", name);
    builder->AddMetadata("zoo.seed", std::to_string(seed));
    return builder->Finish();
  }
  std::string valid;
  for (const ZooEntry& entry : Registry()) {
    if (!valid.empty()) valid += ", ";
    valid += entry.info.name;
  }
  return NotFound("unknown zoo model '" + name + "'; valid names: " + valid);
}

}  // namespace seam
