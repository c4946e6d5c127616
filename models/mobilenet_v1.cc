// MobileNet v1 (Howard et al. 2017), alpha 1.0, 224x224, as built by
// keras.applications.MobileNet with include_top: a strided 3x3 conv, 13
// depthwise-separable blocks (depthwise 3x3 + pointwise 1x1, each with
// BatchNorm and ReLU6, convs without bias), global average pooling and a 1x1
// conv classifier with bias ("conv_preds"), reshaped to [1,1000]. Node names
// are the Keras layer names. Dropout is the identity at inference and is left
// out; Keras's reshape_1 (to 1x1x1024) is a no-op here because the pool
// already yields [1,1024,1,1] in NCHW.
//
// Parameters: 4,231,976 as GraphParams counts them (BN scale/bias only).
// Keras's summary prints 4,253,864 because it also counts BatchNorm's moving
// mean and variance (21,888 non-trainable values).
#include <string>

#include "models/zoo_builders.h"

namespace seam {
namespace zoo {

const char kMobileNetV1Description[] =
    "MobileNet v1 alpha 1.0 224 (Howard et al. 2017), keras.applications.MobileNet layout "
    "(Keras counts 4,253,864 incl. 21,888 BN moving statistics)";

namespace {

// Keras BatchNormalization's default epsilon.
constexpr float kKerasBnEpsilon = 1e-3f;

// A 3x3 conv as Keras pads it: 'same' at stride 1 pads 1 all round; at
// stride 2 Keras pads ((0,1),(0,1)) (ZeroPadding2D + 'valid', or TF's 'same'
// on an even size), i.e. only bottom and right.
Conv2DAttrs Keras3x3(int stride, int group) {
  Conv2DAttrs a;
  a.kernel_h = a.kernel_w = 3;
  a.stride_h = a.stride_w = stride;
  if (stride == 1) {
    a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = 1;
  } else {
    a.pad_bottom = a.pad_right = 1;
  }
  a.group = group;
  return a;
}

int DepthwiseSeparable(GraphBuilder* b, int x, int block, int out_channels, int stride) {
  const std::string id = std::to_string(block);
  const int channels = static_cast<int>(b->shape(x).dims[1]);
  x = b->Conv("conv_dw_" + id, x, channels, Keras3x3(stride, channels), /*bias=*/false);
  x = b->BatchNorm("conv_dw_" + id + "_bn", x, kKerasBnEpsilon);
  x = b->Relu6("conv_dw_" + id + "_relu", x);
  x = b->Conv("conv_pw_" + id, x, out_channels, 1, 1, 0, 1, /*bias=*/false);
  x = b->BatchNorm("conv_pw_" + id + "_bn", x, kKerasBnEpsilon);
  return b->Relu6("conv_pw_" + id + "_relu", x);
}

}  // namespace

Status BuildMobileNetV1(GraphBuilder* b) {
  b->SetProducer(kProducer);
  b->SetDescription(kMobileNetV1Description);
  int x = b->Input("input", Shape{1, 3, 224, 224});
  x = b->Conv("conv1", x, 32, Keras3x3(2, 1), /*bias=*/false);  // -> 32x112x112
  x = b->BatchNorm("conv1_bn", x, kKerasBnEpsilon);
  x = b->Relu6("conv1_relu", x);
  struct Block {
    int channels, stride;
  };
  constexpr Block kBlocks[] = {{64, 1},  {128, 2},  {128, 1}, {256, 2}, {256, 1},
                               {512, 2}, {512, 1},  {512, 1}, {512, 1}, {512, 1},
                               {512, 1}, {1024, 2}, {1024, 1}};
  int id = 1;
  for (const Block& block : kBlocks)
    x = DepthwiseSeparable(b, x, id++, block.channels, block.stride);
  x = b->GlobalAveragePool("global_average_pooling2d", x);  // -> 1024x1x1
  x = b->Conv("conv_preds", x, 1000, 1);
  x = b->Reshape("reshape_2", x, {1, 1000});
  x = b->Softmax("output", x);  // Keras's "predictions" / "act_softmax"
  return FinishModel(b, x);
}

}  // namespace zoo
}  // namespace seam
