// DenseNet-121 (Huang et al. 2017) laid out like
// torchvision.models.densenet121: growth rate 32, bottleneck width 4 x 32,
// dense blocks of 6, 12, 24 and 16 layers (BN-ReLU-conv1x1-BN-ReLU-conv3x3,
// convs without bias), transitions that halve the channels (BN-ReLU-conv1x1)
// and the resolution (2x2 average pool), then BN, ReLU, global average pooling
// and a 1024->1000 classifier. Node names are torchvision module paths
// ("features.denseblock2.denselayer5.conv1").
//
// torchvision concatenates all earlier feature maps at the start of every
// dense layer. Here each layer instead appends its 32 new channels to a
// running concatenation ("...denselayerN.concat"): the same values reach the
// same convs, but a cut between two layers crosses one tensor instead of N,
// which keeps every layer boundary a usable partition point.
#include <string>

#include "models/zoo_builders.h"

namespace seam {
namespace zoo {

const char kDenseNet121Description[] =
    "DenseNet-121 (Huang et al. 2017), torchvision.models.densenet121 layout: growth 32, bn_size "
    "4, blocks [6,12,24,16], Concat dense connections";

namespace {

constexpr int kGrowth = 32;
constexpr int kBottleneck = 4 * kGrowth;

int DenseLayer(GraphBuilder* b, const std::string& p, int x) {
  int y = b->BatchNorm(p + "norm1", x);
  y = b->Relu(p + "relu1", y);
  y = b->Conv(p + "conv1", y, kBottleneck, 1, 1, 0, 1, /*bias=*/false);
  y = b->BatchNorm(p + "norm2", y);
  y = b->Relu(p + "relu2", y);
  y = b->Conv(p + "conv2", y, kGrowth, 3, 1, 1, 1, /*bias=*/false);
  return b->Concat(p + "concat", {x, y});
}

int Transition(GraphBuilder* b, const std::string& p, int x) {
  const int channels = static_cast<int>(b->shape(x).dims[1]);
  x = b->BatchNorm(p + "norm", x);
  x = b->Relu(p + "relu", x);
  x = b->Conv(p + "conv", x, channels / 2, 1, 1, 0, 1, /*bias=*/false);
  return b->AveragePool(p + "pool", x, 2, 2);
}

}  // namespace

Status BuildDenseNet121(GraphBuilder* b) {
  b->SetProducer(kProducer);
  b->SetDescription(kDenseNet121Description);
  int x = b->Input("input", Shape{1, 3, 224, 224});
  x = b->Conv("features.conv0", x, 64, 7, 2, 3, 1, /*bias=*/false);  // -> 64x112x112
  x = b->BatchNorm("features.norm0", x);
  x = b->Relu("features.relu0", x);
  x = b->MaxPool("features.pool0", x, 3, 2, 1);  // -> 56x56
  constexpr int kBlockLayers[] = {6, 12, 24, 16};
  for (int block = 0; block < 4; ++block) {
    const std::string prefix = "features.denseblock" + std::to_string(block + 1) + ".denselayer";
    for (int layer = 0; layer < kBlockLayers[block]; ++layer) {
      x = DenseLayer(b, prefix + std::to_string(layer + 1) + ".", x);
    }
    if (block < 3) x = Transition(b, "features.transition" + std::to_string(block + 1) + ".", x);
  }
  x = b->BatchNorm("features.norm5", x);  // 1024x7x7
  x = b->Relu("relu", x);
  x = b->GlobalAveragePool("avgpool", x);
  x = b->Flatten("flatten", x);
  x = b->FullyConnected("classifier", x, 1000);
  x = b->Softmax("output", x);
  return FinishModel(b, x);
}

}  // namespace zoo
}  // namespace seam
