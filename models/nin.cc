// Network in Network (Lin, Chen & Yan 2013) for ImageNet, as released in the
// Caffe Model Zoo ("nin_imagenet", train_val.prototxt by Min Lin): three
// mlpconv blocks (a spatial conv followed by two 1x1 "cccp" convs, each with
// ReLU) separated by 3x3/2 max pools, then a fourth mlpconv ending in 1000
// channels and a 6x6 average pool instead of fully connected layers. Node
// names, including the irregular ReLU numbering, are the prototxt's.
// Parameters: 7,595,176 (all convs have biases).
#include "models/zoo_builders.h"

namespace seam {
namespace zoo {

const char kNinDescription[] =
    "Network in Network (Lin et al. 2013), Caffe Model Zoo nin_imagenet: 3 mlpconv blocks + "
    "1000-way mlpconv + 6x6 average pool, 224x224";

Status BuildNin(GraphBuilder* b) {
  b->SetProducer(kProducer);
  b->SetDescription(kNinDescription);
  // Caffe rounds pooling sizes up: pool0 maps 54x54 to 27x27 (floor would
  // give 26 and shrink everything after it).
  constexpr bool kCaffeCeil = true;
  int x = b->Input("input", Shape{1, 3, 224, 224});
  x = b->Conv("conv1", x, 96, 11, 4);  // -> 96x54x54
  x = b->Relu("relu0", x);
  x = b->Conv("cccp1", x, 96, 1);
  x = b->Relu("relu1", x);
  x = b->Conv("cccp2", x, 96, 1);
  x = b->Relu("relu2", x);
  x = b->MaxPool("pool0", x, 3, 2, 0, kCaffeCeil);  // -> 27x27
  x = b->Conv("conv2", x, 256, 5, 1, 2);
  x = b->Relu("relu3", x);
  x = b->Conv("cccp3", x, 256, 1);
  x = b->Relu("relu5", x);
  x = b->Conv("cccp4", x, 256, 1);
  x = b->Relu("relu6", x);
  x = b->MaxPool("pool2", x, 3, 2, 0, kCaffeCeil);  // -> 13x13
  x = b->Conv("conv3", x, 384, 3, 1, 1);
  x = b->Relu("relu7", x);
  x = b->Conv("cccp5", x, 384, 1);
  x = b->Relu("relu8", x);
  x = b->Conv("cccp6", x, 384, 1);
  x = b->Relu("relu9", x);
  x = b->MaxPool("pool3", x, 3, 2, 0, kCaffeCeil);  // -> 6x6; "drop" is inference identity
  x = b->Conv("conv4-1024", x, 1024, 3, 1, 1);
  x = b->Relu("relu10", x);
  x = b->Conv("cccp7-1024", x, 1024, 1);
  x = b->Relu("relu11", x);
  x = b->Conv("cccp8-1024", x, 1000, 1);
  x = b->Relu("relu12", x);
  x = b->AveragePool("pool4", x, 6, 1);  // -> 1000x1x1
  x = b->Flatten("flatten", x);
  x = b->Softmax("output", x);
  return FinishModel(b, x);
}

}  // namespace zoo
}  // namespace seam
