// GoogLeNet / Inception v1 (Szegedy et al. 2015) as released in Caffe's
// models/bvlc_googlenet/deploy.prototxt: convs with bias and ReLU, LRN
// (5, 1e-4, 0.75) after pool1 and conv2, nine inception modules, a 7x7
// average pool and a 1024->1000 classifier. The two auxiliary classifiers
// only exist for training and are left out; dropout is the inference
// identity. Caffe rounds pooling output sizes up, so the strided max pools use
// ceil mode (112 -> 56 -> 28 -> 14 -> 7, as in the paper's Table 1). Node
// names are the prototxt layer names ("inception_4a/3x3_reduce").
// Parameters: 6,998,552.
#include <string>

#include "models/zoo_builders.h"

namespace seam {
namespace zoo {

const char kGoogLeNetDescription[] =
    "GoogLeNet / Inception v1 (Szegedy et al. 2015), Caffe bvlc_googlenet deploy.prototxt: LRN, "
    "9 inception modules, no aux classifiers, 224x224";

namespace {

constexpr bool kCaffeCeil = true;

int ConvRelu(GraphBuilder* b, const std::string& p, const std::string& layer, int x, int channels,
             int kernel, int stride = 1) {
  x = b->Conv(p + layer, x, channels, kernel, stride, (kernel - 1) / 2);
  return b->Relu(p + "relu_" + layer, x);
}

// One inception module: the four branches of the paper's Table 1 columns
// (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj), concatenated.
struct Inception {
  int c1x1, c3x3_reduce, c3x3, c5x5_reduce, c5x5, pool_proj;
};

int InceptionModule(GraphBuilder* b, const std::string& name, int x, const Inception& c) {
  const std::string p = name + "/";
  const int branch1 = ConvRelu(b, p, "1x1", x, c.c1x1, 1);
  int branch2 = ConvRelu(b, p, "3x3_reduce", x, c.c3x3_reduce, 1);
  branch2 = ConvRelu(b, p, "3x3", branch2, c.c3x3, 3);
  int branch3 = ConvRelu(b, p, "5x5_reduce", x, c.c5x5_reduce, 1);
  branch3 = ConvRelu(b, p, "5x5", branch3, c.c5x5, 5);
  int branch4 = b->MaxPool(p + "pool", x, 3, 1, 1);
  branch4 = ConvRelu(b, p, "pool_proj", branch4, c.pool_proj, 1);
  return b->Concat(p + "output", {branch1, branch2, branch3, branch4});
}

}  // namespace

Status BuildGoogLeNet(GraphBuilder* b) {
  b->SetProducer(kProducer);
  b->SetDescription(kGoogLeNetDescription);
  int x = b->Input("input", Shape{1, 3, 224, 224});
  x = b->Conv("conv1/7x7_s2", x, 64, 7, 2, 3);  // -> 64x112x112
  x = b->Relu("conv1/relu_7x7", x);
  x = b->MaxPool("pool1/3x3_s2", x, 3, 2, 0, kCaffeCeil);  // -> 56x56
  x = b->LRN("pool1/norm1", x, 5, 1e-4f, 0.75f, 1.0f);
  x = ConvRelu(b, "conv2/", "3x3_reduce", x, 64, 1);
  x = ConvRelu(b, "conv2/", "3x3", x, 192, 3);
  x = b->LRN("conv2/norm2", x, 5, 1e-4f, 0.75f, 1.0f);
  x = b->MaxPool("pool2/3x3_s2", x, 3, 2, 0, kCaffeCeil);  // -> 28x28
  x = InceptionModule(b, "inception_3a", x, {64, 96, 128, 16, 32, 32});
  x = InceptionModule(b, "inception_3b", x, {128, 128, 192, 32, 96, 64});
  x = b->MaxPool("pool3/3x3_s2", x, 3, 2, 0, kCaffeCeil);  // -> 14x14
  x = InceptionModule(b, "inception_4a", x, {192, 96, 208, 16, 48, 64});
  x = InceptionModule(b, "inception_4b", x, {160, 112, 224, 24, 64, 64});
  x = InceptionModule(b, "inception_4c", x, {128, 128, 256, 24, 64, 64});
  x = InceptionModule(b, "inception_4d", x, {112, 144, 288, 32, 64, 64});
  x = InceptionModule(b, "inception_4e", x, {256, 160, 320, 32, 128, 128});
  x = b->MaxPool("pool4/3x3_s2", x, 3, 2, 0, kCaffeCeil);  // -> 7x7
  x = InceptionModule(b, "inception_5a", x, {256, 160, 320, 32, 128, 128});
  x = InceptionModule(b, "inception_5b", x, {384, 192, 384, 48, 128, 128});
  x = b->AveragePool("pool5/7x7_s1", x, 7, 1);  // -> 1024x1x1
  x = b->Flatten("flatten", x);
  x = b->FullyConnected("loss3/classifier", x, 1000);
  x = b->Softmax("output", x);  // Caffe's "prob"
  return FinishModel(b, x);
}

}  // namespace zoo
}  // namespace seam
