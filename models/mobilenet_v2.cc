// MobileNetV2 (Sandler et al. 2018), width 1.0, 224x224, laid out like
// torchvision.models.mobilenet_v2: a strided 3x3 stem, 17 inverted residual
// blocks (1x1 expand + ReLU6, 3x3 depthwise + ReLU6, linear 1x1 project, each
// conv without bias and followed by BatchNorm; a residual Add when stride is 1
// and the width is unchanged), a 1x1 conv to 1280, global average pooling and
// a 1280->1000 classifier. Node names are torchvision module paths
// ("features.3.conv.1.0"); dropout (classifier.0) is the inference identity.
#include <string>

#include "models/zoo_builders.h"

namespace seam {
namespace zoo {

const char kMobileNetV2Description[] =
    "MobileNetV2 1.0 224 (Sandler et al. 2018), torchvision.models.mobilenet_v2 layout: 17 "
    "inverted residual blocks, ReLU6";

namespace {

// torchvision's Conv2dNormActivation: conv (no bias) -> BN -> ReLU6, named
// "<p>0", "<p>1", "<p>2".
int ConvBnRelu6(GraphBuilder* b, const std::string& p, int x, int channels, int kernel, int stride,
                int group) {
  x = b->Conv(p + "0", x, channels, kernel, stride, (kernel - 1) / 2, group, /*bias=*/false);
  x = b->BatchNorm(p + "1", x);
  return b->Relu6(p + "2", x);
}

int InvertedResidual(GraphBuilder* b, const std::string& p, int x, int out_channels, int stride,
                     int expand_ratio) {
  const int in_channels = static_cast<int>(b->shape(x).dims[1]);
  const int hidden = in_channels * expand_ratio;
  int y = x;
  int index = 0;  // position in the block's "conv" Sequential
  if (expand_ratio != 1) {
    y = ConvBnRelu6(b, p + "conv.0.", y, hidden, 1, 1, 1);
    index = 1;
  }
  y = ConvBnRelu6(b, p + "conv." + std::to_string(index) + ".", y, hidden, 3, stride, hidden);
  y = b->Conv(p + "conv." + std::to_string(index + 1), y, out_channels, 1, 1, 0, 1,
              /*bias=*/false);
  y = b->BatchNorm(p + "conv." + std::to_string(index + 2), y);
  if (stride == 1 && in_channels == out_channels) y = b->Add(p + "add", x, y);
  return y;
}

}  // namespace

Status BuildMobileNetV2(GraphBuilder* b) {
  b->SetProducer(kProducer);
  b->SetDescription(kMobileNetV2Description);
  int x = b->Input("input", Shape{1, 3, 224, 224});
  x = ConvBnRelu6(b, "features.0.", x, 32, 3, 2, 1);  // -> 32x112x112
  // The paper's Table 2: expansion t, output channels c, repeats n, stride s.
  struct Stage {
    int t, c, n, s;
  };
  constexpr Stage kStages[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                               {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  int feature = 1;
  for (const Stage& stage : kStages) {
    for (int i = 0; i < stage.n; ++i) {
      const std::string prefix = "features." + std::to_string(feature++) + ".";
      x = InvertedResidual(b, prefix, x, stage.c, i == 0 ? stage.s : 1, stage.t);
    }
  }
  x = ConvBnRelu6(b, "features." + std::to_string(feature) + ".", x, 1280, 1, 1, 1);
  x = b->GlobalAveragePool("avgpool", x);
  x = b->Flatten("flatten", x);
  x = b->FullyConnected("classifier.1", x, 1000);
  x = b->Softmax("output", x);
  return FinishModel(b, x);
}

}  // namespace zoo
}  // namespace seam
