// VGG-16 and VGG-19 (Simonyan & Zisserman 2014, configurations D and E) laid
// out like torchvision.models.vgg16/vgg19 (no BatchNorm): node names are the
// torchvision module paths ("features.0", "classifier.3"), so a partition
// point reads the same as in PyTorch. torchvision's AdaptiveAvgPool2d(7) is
// the identity at 224x224 and dropout is the identity at inference, so
// neither becomes a node.
#include <string>
#include <vector>

#include "models/zoo_builders.h"

namespace seam {
namespace zoo {

const char kVgg16Description[] =
    "VGG-16 (Simonyan & Zisserman 2014, config D), torchvision.models.vgg16 layout: 13 conv3x3 + "
    "3 FC, 224x224";
const char kVgg19Description[] =
    "VGG-19 (Simonyan & Zisserman 2014, config E), torchvision.models.vgg19 layout: 16 conv3x3 + "
    "3 FC, 224x224";

namespace {

constexpr int kPool = 0;  // marks a max pool in a configuration list

Status BuildVgg(GraphBuilder* b, const char* description, const std::vector<int>& config) {
  b->SetProducer(kProducer);
  b->SetDescription(description);
  int x = b->Input("input", Shape{1, 3, 224, 224});
  // torchvision numbers the features Sequential with one index per module:
  // conv and its ReLU take two, a pool takes one.
  int index = 0;
  for (int channels : config) {
    if (channels == kPool) {
      x = b->MaxPool("features." + std::to_string(index++), x, 2, 2);
      continue;
    }
    x = b->Conv("features." + std::to_string(index++), x, channels, 3, 1, 1);
    x = b->Relu("features." + std::to_string(index++), x);
  }
  x = b->Flatten("flatten", x);  // 512x7x7 -> 25088
  x = b->FullyConnected("classifier.0", x, 4096);
  x = b->Relu("classifier.1", x);
  x = b->FullyConnected("classifier.3", x, 4096);
  x = b->Relu("classifier.4", x);
  x = b->FullyConnected("classifier.6", x, 1000);
  x = b->Softmax("output", x);
  return FinishModel(b, x);
}

}  // namespace

Status BuildVgg16(GraphBuilder* b) {
  return BuildVgg(b, kVgg16Description,
                  {64, 64, kPool, 128, 128, kPool, 256, 256, 256, kPool, 512, 512, 512, kPool, 512,
                   512, 512, kPool});
}

Status BuildVgg19(GraphBuilder* b) {
  return BuildVgg(b, kVgg19Description,
                  {64,  64,  kPool, 128, 128,   kPool, 256, 256, 256, 256,  kPool,
                   512, 512, 512,   512, kPool, 512,   512, 512, 512, kPool});
}

}  // namespace zoo
}  // namespace seam
