// ResNet-18 and ResNet-50 (He et al. 2016) laid out like
// torchvision.models.resnet18/resnet50, i.e. "v1.5": a bottleneck downsamples
// in its 3x3 conv rather than its first 1x1. Convs have no bias and are
// followed by BatchNorm; each block adds its shortcut before the last ReLU.
// Node names are torchvision module paths ("layer2.0.conv1",
// "layer2.0.downsample.0"); a module applied more than once (the block's
// relu) gets "_1", "_2" suffixes as in torch.fx and torch.onnx exports.
#include <string>

#include "models/zoo_builders.h"

namespace seam {
namespace zoo {

const char kResNet18Description[] =
    "ResNet-18 (He et al. 2016), torchvision.models.resnet18 layout: BasicBlocks [2,2,2,2], "
    "conv+BN, residual Add then ReLU";
const char kResNet50Description[] =
    "ResNet-50 (He et al. 2016), torchvision.models.resnet50 (v1.5, stride in the 3x3 conv): "
    "Bottlenecks [3,4,6,3]";

namespace {

int ConvBn(GraphBuilder* b, const std::string& conv, const std::string& bn, int x, int channels,
           int kernel, int stride, int pad) {
  x = b->Conv(conv, x, channels, kernel, stride, pad, 1, /*bias=*/false);
  return b->BatchNorm(bn, x);
}

// The BatchNorm that ends a residual branch, with a small scale. Inference
// BatchNorm normalises with its stored statistics, not the actual ones, so
// with the helper's scale near 1 every residual Add doubles the activation
// variance: ResNet-50's logits reach +-7000 and its softmax is one-hot. A
// small last-BN scale (as torchvision's zero_init_residual and SkipInit do,
// but not zero, so the branch still matters) keeps the sum near unit scale.
// Same tensors, names and parameter count as GraphBuilder::BatchNorm.
int ResidualBn(GraphBuilder* b, const std::string& name, int x) {
  const Shape c{b->shape(x).dims[1]};
  const int scale = b->RandomRange(name + ".weight", c, 0.2f, 0.4f);
  const int bias = b->RandomUniform(name + ".bias", c, 0.1f);
  const int mean = b->RandomUniform(name + ".running_mean", c, 0.1f);
  const int var = b->RandomRange(name + ".running_var", c, 0.8f, 1.2f);
  return b->AddNode(OpType::kBatchNorm, name, {x, scale, bias, mean, var}, BatchNormAttrs{});
}

// The shortcut: identity, or a strided 1x1 conv + BN when the shape changes.
int Shortcut(GraphBuilder* b, const std::string& p, int x, int out_channels, int stride) {
  if (stride == 1 && b->shape(x).dims[1] == out_channels) return x;
  return ConvBn(b, p + "downsample.0", p + "downsample.1", x, out_channels, 1, stride, 0);
}

// Nodes are added in torchvision's forward() order (main path, then the
// downsample), so graph listings read like the PyTorch module.
int BasicBlock(GraphBuilder* b, const std::string& p, int x, int planes, int stride) {
  int y = ConvBn(b, p + "conv1", p + "bn1", x, planes, 3, stride, 1);
  y = b->Relu(p + "relu", y);
  y = b->Conv(p + "conv2", y, planes, 3, 1, 1, 1, /*bias=*/false);
  y = ResidualBn(b, p + "bn2", y);
  const int identity = Shortcut(b, p, x, planes, stride);
  y = b->Add(p + "add", y, identity);
  return b->Relu(p + "relu_1", y);
}

int Bottleneck(GraphBuilder* b, const std::string& p, int x, int planes, int stride) {
  constexpr int kExpansion = 4;
  int y = ConvBn(b, p + "conv1", p + "bn1", x, planes, 1, 1, 0);
  y = b->Relu(p + "relu", y);
  y = ConvBn(b, p + "conv2", p + "bn2", y, planes, 3, stride, 1);
  y = b->Relu(p + "relu_1", y);
  y = b->Conv(p + "conv3", y, planes * kExpansion, 1, 1, 0, 1, /*bias=*/false);
  y = ResidualBn(b, p + "bn3", y);
  const int identity = Shortcut(b, p, x, planes * kExpansion, stride);
  y = b->Add(p + "add", y, identity);
  return b->Relu(p + "relu_2", y);
}

using BlockFn = int (*)(GraphBuilder*, const std::string&, int, int, int);

Status BuildResNet(GraphBuilder* b, const char* description, BlockFn block,
                   const int (&blocks)[4]) {
  b->SetProducer(kProducer);
  b->SetDescription(description);
  int x = b->Input("input", Shape{1, 3, 224, 224});
  x = ConvBn(b, "conv1", "bn1", x, 64, 7, 2, 3);  // -> 64x112x112
  x = b->Relu("relu", x);
  x = b->MaxPool("maxpool", x, 3, 2, 1);  // -> 56x56
  for (int layer = 0; layer < 4; ++layer) {
    const int planes = 64 << layer;
    for (int i = 0; i < blocks[layer]; ++i) {
      const std::string prefix =
          "layer" + std::to_string(layer + 1) + "." + std::to_string(i) + ".";
      // layer1 keeps 56x56 (the stem already pooled); layers 2-4 halve it.
      const int stride = (i == 0 && layer > 0) ? 2 : 1;
      x = block(b, prefix, x, planes, stride);
    }
  }
  x = b->GlobalAveragePool("avgpool", x);
  x = b->Flatten("flatten", x);
  x = b->FullyConnected("fc", x, 1000);
  x = b->Softmax("output", x);
  return FinishModel(b, x);
}

}  // namespace

Status BuildResNet18(GraphBuilder* b) {
  return BuildResNet(b, kResNet18Description, BasicBlock, {2, 2, 2, 2});
}

Status BuildResNet50(GraphBuilder* b) {
  return BuildResNet(b, kResNet50Description, Bottleneck, {3, 4, 6, 3});
}

}  // namespace zoo
}  // namespace seam
